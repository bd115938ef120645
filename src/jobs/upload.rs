//! One file into a target that assembles uploads itself (`Features::atomic_upload`,
//! QNAP's chunked upload): the server checks the size, sets the mtime and puts the file
//! under its final name in one step, so the engine's temporary name and rename would
//! only cost requests. The plan's overwrite rule goes with the upload (`overwrite`),
//! so the server refuses an existing name exactly where the rename would have.
//!
//! A transient failure mid-file goes on from the bytes the server holds when the
//! source can be read from an offset (`read_range`), else starts a new upload. An
//! upload given up (a permanent failure, a cancel) is abandoned on the server.
//!
//! Across runs: a journaled job records each upload's id (`jobs::journal`); a later run
//! of the job asks the server how much of that upload it holds and goes on from there
//! while the source's size and mtime are unchanged, else abandons it and starts over.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::cancel::{CancelReader, until_cancelled};
use super::ctx::JobCtx;
use super::plan::FileStep;
use super::progress::CountingReader;
use crate::vfs::{AtomicUpload, ByteReader, UploadId, UploadTarget, VfsError, VfsResult};

/// Whether `transfer` writes this job's files straight to their final names.
pub(crate) fn applies(ctx: &JobCtx) -> bool {
    let native = ctx.same_backend() && ctx.src.features().native_copy.is_some();
    !native && ctx.dst_vfs().features().atomic_upload.is_some()
}

/// Uploads `step.src` into place at `step.dst` (see the module doc).
pub(crate) async fn upload_into_place(ctx: &JobCtx, step: &FileStep) -> VfsResult<()> {
    let dst = ctx.dst_vfs().clone();
    let up = dst
        .features()
        .atomic_upload
        .ok_or(VfsError::Unsupported("uploads assembled by the server"))?;
    let target = UploadTarget {
        path: step.dst.clone(),
        len: step.entry.size,
        mtime: step.entry.mtime,
        overwrite: step.overwrite,
    };
    let (mut id, start) = match earlier_upload(ctx, step, up, &target).await {
        Some(found) => found,
        None => {
            let id = ctx.retry(|| up.begin_upload(&target)).await?;
            note_upload(ctx, &target, &id);
            (id, 0)
        }
    };
    let res = send_resuming(ctx, step, up, &target, &mut id, start).await;
    match res {
        Ok(entry) if entry.size == target.len => Ok(()),
        Ok(entry) => Err(VfsError::SizeMismatch {
            path: step.dst.to_string(),
            expected: target.len,
            found: entry.size,
        }),
        Err(e) => {
            // Best effort: the server may have dropped it already.
            if let Err(gone) = up.abandon_upload(&id, &target).await
                && !matches!(gone, VfsError::NotFound(_))
            {
                tracing::warn!(path = %step.dst, error = %gone, "could not abandon an upload");
            }
            Err(e)
        }
    }
}

/// The upload an earlier run of this job began for this file, and the bytes the server
/// holds of it, when it can go on: same source size and mtime, a source that can be
/// read from an offset, and the server still has it. One that cannot go on is
/// abandoned (best effort).
async fn earlier_upload(
    ctx: &JobCtx,
    step: &FileStep,
    up: &dyn AtomicUpload,
    target: &UploadTarget,
) -> Option<(UploadId, u64)> {
    let journal = ctx.journal.as_ref()?;
    if let Some(dropped) = journal.abandoned_upload(&step.dst) {
        // Starting over (`--no-resume`): what the NAS kept of it goes.
        let _ = up.abandon_upload(&UploadId(dropped.id), target).await;
        return None;
    }
    let record = journal.upload_for(&step.dst)?;
    let id = UploadId(record.id.clone());
    let unchanged = record.size == target.len && record.mtime == target.mtime;
    if unchanged && ctx.src.features().read_range.is_some() {
        match ctx.retry(|| up.uploaded(&id, target)).await {
            Ok(held) if held <= target.len => {
                tracing::info!(path = %step.dst, held, "continuing an upload an earlier run began");
                return Some((id, held));
            }
            Ok(_) | Err(_) => {}
        }
    }
    tracing::info!(path = %step.dst, "an earlier run's upload cannot go on; starting over");
    let _ = up.abandon_upload(&id, target).await;
    None
}

/// Records the upload in the job's journal, so a later run can go on with it (the
/// standard upload, with an empty id, keeps nothing to go on with).
fn note_upload(ctx: &JobCtx, target: &UploadTarget, id: &UploadId) {
    if let Some(j) = &ctx.journal
        && !id.0.is_empty()
    {
        j.note_upload(super::journal::UploadRecord {
            dst: target.path.to_string(),
            id: id.0.clone(),
            size: target.len,
            mtime: target.mtime,
        });
    }
}

/// The file at the final name when it is the one this upload sends: its size, and its
/// mtime where one was asked for (the quick check rsync also trusts).
async fn landed(ctx: &JobCtx, target: &UploadTarget) -> Option<crate::vfs::Entry> {
    let entry = ctx.dst_vfs().stat(&target.path).await.ok()?;
    let same_mtime = target.mtime.is_none() || entry.mtime == target.mtime;
    (entry.size == target.len && same_mtime).then_some(entry)
}

/// Sends the file, going on after transient failures (within the job's retry budget).
async fn send_resuming(
    ctx: &JobCtx,
    step: &FileStep,
    up: &dyn AtomicUpload,
    target: &UploadTarget,
    id: &mut UploadId,
    start: u64,
) -> VfsResult<crate::vfs::Entry> {
    let can_resume = ctx.src.features().read_range.is_some();
    // Bytes of this file counted so far (they equal what the server holds when an
    // attempt goes on from there).
    let counted = Arc::new(AtomicU64::new(start));
    let mut offset = start;
    ctx.acct.add_found(offset);
    let mut patience = ctx.patience();
    loop {
        let attempt = until_cancelled(&ctx.cancel, async {
            let reader = ctx.src.open_read(&step.src, offset).await?;
            let counting: ByteReader = Box::pin(CountingReader::new(
                reader,
                ctx.acct.clone(),
                counted.clone(),
            ));
            let data: ByteReader = Box::pin(CancelReader::new(counting, ctx.cancel.clone()));
            let sent = up.upload_from(id, target, offset, data);
            ctx.acct.finishing_after(&counted, target.len, sent).await
        })
        .await;
        match attempt {
            Err(_) if ctx.cancel.is_cancelled() => return Err(VfsError::Cancelled),
            Err(e) if e.is_transient() => {
                tracing::info!(path = %step.src, error = %e, retry = patience.retries(), "upload interrupted, retrying");
                patience.wait_after(e, &ctx.cancel).await?;
                // Where to go on from; the NAS may still be away, so this waits within
                // the same budget.
                let held = loop {
                    match until_cancelled(&ctx.cancel, up.uploaded(id, target)).await {
                        Err(e) if e.is_transient() && !ctx.cancel.is_cancelled() => {
                            patience.wait_after(e, &ctx.cancel).await?
                        }
                        other => break other,
                    }
                };
                // The upload is gone: it may have landed just before its reply was lost
                // (a new upload would then find its own file in the way).
                if matches!(held, Err(VfsError::NotFound(_)))
                    && let Some(done) = landed(ctx, target).await
                {
                    let before = counted.swap(target.len, Ordering::Relaxed);
                    ctx.acct.add_bytes(target.len.saturating_sub(before));
                    return Ok(done);
                }
                let resumed_at = offset;
                offset = match held {
                    Ok(held) if held <= target.len && (held == 0 || can_resume) => held,
                    // Unknown, or the source cannot start mid-file: a fresh upload.
                    _ => {
                        let _ = up.abandon_upload(id, target).await;
                        *id = loop {
                            match until_cancelled(&ctx.cancel, up.begin_upload(target)).await {
                                Err(e) if e.is_transient() && !ctx.cancel.is_cancelled() => {
                                    patience.wait_after(e, &ctx.cancel).await?
                                }
                                other => break other?,
                            }
                        };
                        note_upload(ctx, target, id);
                        0
                    }
                };
                // Progress is what the server kept: bytes sent into a request that then
                // failed do not count.
                if offset > resumed_at {
                    patience.progressed();
                }
                ctx.acct.recount_file(&counted, offset);
            }
            other => return other,
        }
    }
}
