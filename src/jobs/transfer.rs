//! One file from any backend to any backend: written under a temporary name in the
//! target folder, verified (the size of the entry the write returns; with `--verify
//! hash` also the sha256 of both ends, `jobs/verify.rs`), renamed into
//! place (a target that does all that itself, `Features::atomic_upload`, gets the
//! file directly: `jobs/upload.rs`). A failed or cancelled transfer removes its temporary file and never leaves
//! anything under the final name. A transient failure mid-file resumes from the partial
//! file where both ends allow it (`Features::read_range` on the source,
//! `Features::append` on the target), else starts over.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::cancel::{CancelReader, settle, until_cancelled};
use super::checked_steps::{remove_retrying, rename_into_place, written_already};
use super::ctx::JobCtx;
use super::patience::flowing;
use super::plan::FileStep;
use super::progress::CountingReader;
use super::resume::{NasPartial, RangeDone, Resume, discard_temp, resumable_offset};
use super::{ItemError, JobReport, RetryItem};
use crate::vfs::{
    ByteReader, BytesFn, CopyIntoPlace, Entry, LandedFn, NativeCopy, VPath, VfsError, VfsHandle,
    VfsResult,
};

/// Longest file name most filesystems accept, in bytes.
pub(crate) const NAME_MAX: usize = 255;
/// Prefix of temporary files (hidden; recognisable if a crash ever leaves one).
pub const TEMP_PREFIX: &str = ".nascmd-part-";

/// Copies `step.src` to `step.dst`; with `remove_source`, deletes the source once the
/// copy is verified and in place (a move).
pub(crate) async fn transfer(ctx: &JobCtx, step: &FileStep, remove_source: bool) -> VfsResult<()> {
    let _named = ctx.acct.working_on(step.src.to_string());
    // Streamed downloads onto a durable target keep a resume record across runs
    // (useful only from a source that can start reading midway).
    let mut resume = None;
    if super::upload::applies(ctx) {
        // The target assembles and verifies the upload under the final name itself:
        // no temporary name, no rename (`jobs/upload.rs`).
        super::upload::upload_into_place(ctx, step).await?;
    } else {
        let dst_vfs = ctx.dst_vfs().clone();
        resume = match streams_through_us(ctx) && ctx.src.features().read_range.is_some() {
            true => Resume::prepare(ctx, step).await?,
            false => None,
        };
        // Uploads onto a NAS that keeps cut uploads continue across runs likewise.
        let nas_partial = match resume.is_none() && streams_through_us(ctx) {
            true => NasPartial::prepare(ctx, step).await,
            false => None,
        };
        let tmp = match (&resume, &nas_partial) {
            (Some(r), _) => r.temp.clone(),
            (None, Some(p)) => p.temp.clone(),
            (None, None) => temp_path(&step.dst)?,
        };
        let start = nas_partial.as_ref().map_or(0, |p| p.start);
        let res = write_verify_rename(ctx, step, &tmp, resume.as_ref(), start).await;
        if res.is_err() {
            match (&resume, &nas_partial) {
                (Some(r), _) => r.discard().await,
                (None, Some(_)) => discard_temp(&dst_vfs, &tmp).await,
                (None, None) => remove_temp(&dst_vfs, &tmp).await,
            }
            return res;
        }
    }
    if let Some(r) = &resume {
        r.finish().await;
    }
    // Verified at the target: a later run never sends it again (for a move, it only
    // removes the source if this run could not).
    ctx.mark_done(&step.src);
    if remove_source {
        remove_retrying(ctx, &ctx.src, &step.src).await?;
    }
    Ok(())
}

/// Files up to this size go into batches when the backend copies natively.
pub(crate) const BATCH_FILE_MAX: u64 = 256 * 1024;
/// Fewest files per batch: enough to make the hand-off cost per file small, few
/// enough that several batches still run in parallel on a tree of a few hundred files.
pub(crate) const BATCH_MIN: usize = 16;
/// Most files per batch (at most 64 MiB of `BATCH_FILE_MAX` files; progress still
/// moves file by file).
pub(crate) const BATCH_MAX: usize = 256;

/// Files per batch for a job with `small` batchable files: about four batches per
/// worker, so the pool stays busy to the end while a big tree pays few hand-offs
/// (each one a thread wake-up on both sides; docs/PERFORMANCE.md).
pub(crate) fn batch_len(small: usize, workers: usize) -> usize {
    (small / (workers.max(1) * 4)).clamp(BATCH_MIN, BATCH_MAX)
}

/// Whether this job's small files can go in batches
/// (`NativeCopy::copy_files_into_place`).
pub(crate) fn batches_apply(ctx: &JobCtx) -> bool {
    ctx.same_backend() && ctx.src.features().native_copy.is_some()
}

/// Several small files copied into place by the backend in one call; then, for a
/// move, each verified file's source is deleted. A transient failure gets a second
/// chance through [`transfer`] (with its retries); other failures are item errors.
pub(crate) async fn transfer_batch(
    ctx: &JobCtx,
    steps: Vec<FileStep>,
    remove_source: bool,
) -> JobReport {
    let mut report = JobReport::default();
    let mut planned = Vec::with_capacity(steps.len());
    for step in steps {
        match temp_path(&step.dst) {
            Ok(temp) => {
                let job = CopyIntoPlace {
                    from: step.src.clone(),
                    temp,
                    to: step.dst.clone(),
                    expected_size: step.entry.size,
                    mtime: step.entry.mtime,
                    overwrite: step.overwrite,
                };
                planned.push((step, job));
            }
            Err(e) => report.failed.push(item_error(&step.src, &e)),
        }
    }
    let Some((first, _)) = planned.first() else {
        return report;
    };
    let Some(native) = ctx.src.features().native_copy else {
        // Not planned as a batch (see `batches_apply`): one file at a time.
        for (step, _) in planned {
            match transfer(ctx, &step, remove_source).await {
                Ok(()) => {
                    ctx.acct.item_done();
                    report.items_done += 1;
                }
                Err(VfsError::Cancelled) => report.cancelled = true,
                Err(e) => failed(&mut report, &step, &e),
            }
        }
        return report;
    };
    ctx.acct.set_current(first.src.to_string());
    let jobs: Vec<CopyIntoPlace> = planned.iter().map(|(_, j)| j.clone()).collect();
    let landings = Arc::new(Landings::new(planned.len()));
    let landed = landed_counter(ctx, &planned, remove_source, landings.clone());
    // A batch that finishes within the cancel grace keeps its results; one dropped
    // after it still knows, from `landings`, which files are in place. Either way a
    // file in place is reported done, not cancelled.
    let mut results = settle(
        &ctx.cancel,
        native.copy_files_into_place(&jobs, landed, ctx.cancel.clone()),
    )
    .await
    .map(Vec::into_iter);
    let dst_vfs = ctx.dst_vfs().clone();
    for (index, (step, job)) in planned.into_iter().enumerate() {
        let result = match results.as_mut() {
            Some(answered) => answered.next(),
            None => landings.get(index).map(Ok),
        };
        let outcome = match result {
            // Already counted by `landed`; a move still has its source to delete.
            Some(Ok(_)) if remove_source => {
                let removed = remove_retrying(ctx, &ctx.src, &step.src).await;
                removed.map(|()| ctx.acct.item_done())
            }
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) if e.is_transient() && !ctx.cancel.is_cancelled() => {
                remove_temp(&dst_vfs, &job.temp).await;
                let redone = transfer(ctx, &step, remove_source).await;
                redone.map(|()| ctx.acct.item_done())
            }
            Some(Err(e)) => {
                remove_temp(&dst_vfs, &job.temp).await;
                Err(e)
            }
            // Not in place, and the batch did not wind down within the grace period
            // after a cancel (the backend cleans up after itself).
            None => Err(VfsError::Cancelled),
        };
        match outcome {
            Ok(()) => report.items_done += 1,
            Err(VfsError::Cancelled) => report.cancelled = true,
            Err(e) => failed(&mut report, &step, &e),
        }
    }
    report
}

/// Which files of a batch are in place, with their sizes, as the backend announces
/// them.
struct Landings(Vec<AtomicU64>);

impl Landings {
    /// Stored as size + 1, so 0 means "not (yet) in place".
    fn new(len: usize) -> Self {
        Landings((0..len).map(|_| AtomicU64::new(0)).collect())
    }

    fn set(&self, index: usize, bytes: u64) {
        if let Some(slot) = self.0.get(index) {
            slot.store(bytes.saturating_add(1), Ordering::Relaxed);
        }
    }

    /// The size of file `index` if it is in place.
    fn get(&self, index: usize) -> Option<u64> {
        let stored = self.0.get(index)?.load(Ordering::Relaxed);
        stored.checked_sub(1)
    }
}

/// Progress for a batch, file by file: each landed file adds its bytes and (for a
/// copy; a move waits for its source to go) counts as done, and the next file's name
/// becomes the job's current item.
fn landed_counter(
    ctx: &JobCtx,
    planned: &[(FileStep, CopyIntoPlace)],
    remove_source: bool,
    landings: Arc<Landings>,
) -> LandedFn {
    let acct = ctx.acct.clone();
    let names: Vec<String> = planned.iter().map(|(s, _)| s.src.to_string()).collect();
    Arc::new(move |index, bytes| {
        landings.set(index, bytes);
        acct.add_bytes(bytes);
        if !remove_source {
            acct.item_done();
        }
        if let Some(next) = names.get(index + 1) {
            acct.set_current(next.clone());
        }
    })
}

/// Best effort: a failed copy's temp file may not exist (or is already gone).
async fn remove_temp(dst_vfs: &VfsHandle, tmp: &VPath) {
    if let Err(e) = dst_vfs.remove(tmp).await
        && !matches!(e, VfsError::NotFound(_))
    {
        tracing::warn!(path = %tmp, error = %e, "could not remove a temporary file");
    }
}

/// Reports a failed file, and keeps it to try again.
fn failed(report: &mut JobReport, step: &FileStep, e: &VfsError) {
    report.failed.push(item_error(&step.src, e));
    report.retry.push(RetryItem {
        src: step.src.clone(),
        dst: step.dst.clone(),
    });
}

fn item_error(path: &VPath, e: &VfsError) -> ItemError {
    ItemError {
        path: path.to_string(),
        message: e.to_string(),
    }
}

/// The file as the target reports it after the write (`Vfs::write_new` answers it) is
/// checked here, so no second `stat` is needed before the rename.
/// `start`: bytes an earlier run left at `tmp` on a NAS that keeps cut uploads
/// (`NasPartial`).
async fn write_verify_rename(
    ctx: &JobCtx,
    step: &FileStep,
    tmp: &VPath,
    resume: Option<&Resume<'_>>,
    start: u64,
) -> VfsResult<()> {
    if !streams_through_us(ctx)
        && let Some(native) = ctx.src.features().native_copy
    {
        return native_copy(ctx, native, step, tmp).await;
    }
    let expected = step.entry.size;
    let written = stream_copy(ctx, step, tmp, resume, start).await?;
    if written.size != expected {
        return Err(VfsError::SizeMismatch {
            path: step.dst.to_string(),
            expected,
            found: written.size,
        });
    }
    super::verify::check_hash(ctx, &step.src, tmp, &step.dst).await?;
    rename_into_place(ctx, tmp, &step.dst, expected, step.overwrite).await
}

/// Whether the bytes of a file pass through nascmd (else the backend copies natively).
fn streams_through_us(ctx: &JobCtx) -> bool {
    !(ctx.same_backend() && ctx.src.features().native_copy.is_some())
}

/// The backend copies the file itself (local: `copy_file_range`), checks its size and
/// renames it into place in one call (`NativeCopy::copy_file_into_place`); it watches
/// the cancel token between chunks and once more before the rename.
async fn native_copy(
    ctx: &JobCtx,
    native: &dyn NativeCopy,
    step: &FileStep,
    tmp: &VPath,
) -> VfsResult<()> {
    let attempt = Arc::new(AtomicU64::new(0));
    let acct = ctx.acct.clone();
    let counter = attempt.clone();
    let progress: BytesFn = Arc::new(move |n| {
        acct.add_bytes(n);
        counter.fetch_add(n, Ordering::Relaxed);
    });
    let job = CopyIntoPlace {
        from: step.src.clone(),
        temp: tmp.clone(),
        to: step.dst.clone(),
        expected_size: step.entry.size,
        mtime: step.entry.mtime,
        overwrite: step.overwrite,
    };
    ctx.retry(|| {
        // A retried attempt starts over: take back what the last one counted.
        ctx.acct.sub_bytes(attempt.swap(0, Ordering::Relaxed));
        native.copy_file_into_place(&job, progress.clone(), ctx.cancel.clone())
    })
    .await
    .map(|_| ())
}

/// Streams the bytes through us with bounded buffers, resuming after transient
/// failures. Returns the written file as the target reports it. `start`: bytes an
/// earlier run left at `tmp` on a NAS (without a `resume` record).
async fn stream_copy(
    ctx: &JobCtx,
    step: &FileStep,
    tmp: &VPath,
    resume: Option<&Resume<'_>>,
    start: u64,
) -> VfsResult<Entry> {
    if let Some(done) = super::ranged::try_copy(ctx, step, tmp, resume).await {
        return done;
    }
    let dst_vfs = ctx.dst_vfs().clone();
    let can_resume = ctx.src.features().read_range.is_some() && dst_vfs.features().append.is_some();
    let len = step.entry.size;
    // An earlier run's synced bytes, where this run can continue them.
    let mut offset = match (resume, can_resume) {
        (Some(r), true) => r.previous_stream().await,
        (None, true) => start.min(len),
        _ => 0,
    };
    ctx.acct.add_found(offset);
    if let Some(r) = resume {
        r.begin(
            false,
            vec![RangeDone {
                start: 0,
                end: len,
                done: offset,
            }],
        )
        .await;
    }
    // Bytes of this file counted so far (they equal what reached the temp file when an
    // attempt is resumed).
    let counted = Arc::new(AtomicU64::new(offset));
    let mut patience = ctx.patience();
    // Onto a NAS (a target whose names nobody reads in a terminal: not the local disk),
    // the answer comes seconds after the last byte is sent: the job says it finishes.
    let to_nas = !dst_vfs.features().terminal_safe_names;
    loop {
        let once = async {
            let once = stream_once(ctx, step, tmp, offset, counted.clone());
            match to_nas {
                true => ctx.acct.finishing_after(&counted, len, once).await,
                false => once.await,
            }
        };
        let once = async {
            match resume {
                // The record follows the bytes as they land.
                Some(r) => tokio::select! {
                    res = once => res,
                    never = r.record_stream(&counted) => match never {},
                },
                None => once.await,
            }
        };
        let attempt = until_cancelled(&ctx.cancel, async {
            if patience.retries() == 0 {
                return once.await;
            }
            // A try after a failure: once its bytes flow, the job stops saying
            // "reconnecting — trying again" (it said so until the file's end).
            tokio::pin!(once);
            tokio::select! {
                res = &mut once => return res,
                () = flowing(&counted, offset) => patience.underway(),
            }
            once.await
        })
        .await;
        match attempt {
            Err(_) if ctx.cancel.is_cancelled() => return Err(VfsError::Cancelled),
            Err(e) if e.is_transient() => {
                tracing::info!(path = %step.src, error = %e, retry = patience.retries(), "transfer interrupted, retrying");
                let sent = counted.load(Ordering::Relaxed);
                patience.wait_after(e, &ctx.cancel).await?;
                let resumed_at = offset;
                // What the target kept decides where to go on. While the NAS cannot be
                // asked (still off the network), wait and ask again: taking 0 would
                // show the file's bytes as lost for the whole outage, and an attempt
                // from 0 would throw away what the NAS kept.
                offset = loop {
                    // An upload whose answer was lost may be complete: look first.
                    if let Some(done) = written_already(ctx, tmp, len, sent, step.entry.mtime).await
                    {
                        return Ok(done);
                    }
                    if !can_resume {
                        break 0;
                    }
                    match resumable_offset(&dst_vfs, tmp, len).await {
                        Ok(kept) => break kept,
                        Err(e) if e.is_transient() => patience.wait_after(e, &ctx.cancel).await?,
                        Err(_) => break 0,
                    }
                };
                // Progress is what reached the target and is kept: bytes read into a
                // request that then failed do not count.
                if offset > resumed_at {
                    patience.progressed();
                }
                ctx.acct.recount_file(&counted, offset);
            }
            other => return other,
        }
    }
}

/// One attempt: from `offset` (0 = a fresh temp file) to the end.
async fn stream_once(
    ctx: &JobCtx,
    step: &FileStep,
    tmp: &VPath,
    offset: u64,
    counted: Arc<AtomicU64>,
) -> VfsResult<Entry> {
    let dst_vfs = ctx.dst_vfs();
    let features = dst_vfs.features();
    let len = step.entry.size;
    if offset > 0 && offset == len {
        // An earlier run wrote every byte but was stopped before the rename.
        if let (Some(m), Some(setter)) = (step.entry.mtime, features.set_mtime) {
            setter.set_mtime(tmp, m).await?;
        }
        return dst_vfs.stat(tmp).await;
    }
    let reader = ctx.src.open_read(&step.src, offset).await?;
    // Where the target acknowledges what it holds, that is what counts: the bytes read
    // into the connection run megabytes ahead (and "finishing on the NAS" would show
    // while they are on their way).
    let acked = features.acked_writes;
    let reader: ByteReader = match acked {
        Some(_) => reader,
        None => Box::pin(CountingReader::new(
            reader,
            ctx.acct.clone(),
            counted.clone(),
        )),
    };
    let data: ByteReader = Box::pin(CancelReader::new(reader, ctx.cancel.clone()));
    let on_ack: BytesFn = {
        let acct = ctx.acct.clone();
        Arc::new(move |n| {
            acct.add_bytes(n);
            counted.fetch_add(n, Ordering::Relaxed);
        })
    };
    if offset == 0 {
        return match acked {
            Some(a) => {
                a.write_new_acked(tmp, len, data, step.entry.mtime, on_ack)
                    .await
            }
            None => dst_vfs.write_new(tmp, len, data, step.entry.mtime).await,
        };
    }
    // Only resumed (offset > 0) where the target declared `append`.
    let append = features
        .append
        .ok_or(VfsError::Unsupported("appending to a file"))?;
    match acked {
        Some(a) => a.append_acked(tmp, len - offset, data, on_ack).await?,
        None => append.append(tmp, len - offset, data).await?,
    }
    if let (Some(m), Some(setter)) = (step.entry.mtime, features.set_mtime) {
        setter.set_mtime(tmp, m).await?;
    }
    dst_vfs.stat(tmp).await
}

/// `.nascmd-part-<random>-<name>` next to the final file, cut to fit `NAME_MAX`.
pub(crate) fn temp_path(dst: &VPath) -> VfsResult<VPath> {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(TEMP_COUNTER.fetch_add(1, Ordering::Relaxed));
    let prefix = format!("{TEMP_PREFIX}{:016x}-", h.finish());
    let mut name = dst.name().to_owned();
    while prefix.len() + name.len() > NAME_MAX {
        name.pop();
    }
    dst.parent().join(&format!("{prefix}{name}"))
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_hidden_unique_and_short_enough() {
        let dst = VPath::parse("/t/report.pdf").unwrap();
        let a = temp_path(&dst).unwrap();
        let b = temp_path(&dst).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.parent(), dst.parent());
        assert!(a.name().starts_with(TEMP_PREFIX) && a.name().ends_with("-report.pdf"));
        let long = VPath::parse(&format!("/t/{}", "é".repeat(127))).unwrap();
        let t = temp_path(&long).unwrap();
        assert!(t.name().len() <= NAME_MAX);
    }
}
