//! Running one job from start to report: refuse impossible requests, plan (with
//! `planning` progress and conflicts resolved up front), then execute the steps —
//! folders first, then files on a bounded pool of workers, then (for a move) the
//! emptied source folders. A failing item becomes an `ItemError`; the rest completes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{StreamExt, stream};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio_util::sync::CancellationToken;

use super::cancel::until_cancelled;
use super::check::check_spec;
use super::conflict::Resolver;
use super::ctx::{EngineOptions, JobCtx};
use super::delete::run_delete;
use super::pace;
use super::plan::{FileStep, Mode, Planner, Step};
use super::progress::{Accounting, report_loop};
use super::transfer::{BATCH_FILE_MAX, batch_len, batches_apply, transfer, transfer_batch};
use super::{
    ConflictAnswer, ConflictPolicy, ItemError, JobEvent, JobId, JobKind, JobReport, JobSpec,
    RetryItem,
};
use crate::vfs::{Entry, ProgressFn, ServerConflict, TaskProgress, VPath, VfsError, VfsResult};

/// Runs `spec`; with `retry` items (a job tried again), only those items, each planned
/// into its own target folder.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_job(
    id: JobId,
    spec: JobSpec,
    retry: Vec<RetryItem>,
    events: UnboundedSender<JobEvent>,
    answers: UnboundedReceiver<(ConflictAnswer, bool)>,
    cancel: CancellationToken,
    opts: EngineOptions,
    resume: bool,
    journal: Option<Arc<super::journal::JobJournal>>,
    named: Option<String>,
) -> JobReport {
    let title = match named {
        Some(named) => named,
        None if retry.is_empty() => title(&spec),
        None => format!("Retry: {}", title(&spec)),
    };
    let _ = events.send(JobEvent::Started {
        id,
        kind: spec.kind,
        title,
    });
    if let Err(refused) = check_spec(&spec) {
        return JobReport {
            failed: vec![refused],
            ..JobReport::default()
        };
    }
    let ctx = JobCtx {
        id,
        kind: spec.kind,
        events: events.clone(),
        cancel,
        acct: Arc::new(Accounting::default()),
        opts,
        src: spec.src.clone(),
        dst: spec.dst.clone(),
        resume,
        journal,
        src_rtt: std::sync::OnceLock::new(),
    };
    let stop = CancellationToken::new();
    let reporter = tokio::spawn(report_loop(id, ctx.acct.clone(), events, stop.clone()));
    let mut report = match spec.kind {
        JobKind::Delete => run_delete(&ctx, &spec.sources).await,
        // A sync runs through `sync_job`; `check_spec` refused this spec.
        JobKind::Sync => JobReport::default(),
        JobKind::Copy | JobKind::Move if !retry.is_empty() => {
            super::retry_failed::run_again(&ctx, &spec, retry, answers).await
        }
        JobKind::Copy | JobKind::Move => run_transfer(&ctx, &spec, answers).await,
    };
    report.bytes_done = ctx.acct.bytes_done.load(Ordering::Relaxed);
    report.items_total = ctx.acct.items_total.load(Ordering::Relaxed);
    report.cancelled |= ctx.cancel.is_cancelled();
    stop.cancel();
    let _ = reporter.await;
    report
}

/// What the jobs panel and the CLI's progress line call the job (escaped for the
/// terminal): a single item by its name, as the F5 dialog and mc do ("Copy big.bin to
/// /Public"; its whole path is in the details and the journal), several by their count.
fn title(spec: &JobSpec) -> String {
    let what = match spec.sources.as_slice() {
        [one] if !one.name().is_empty() => crate::names::escape(one.name()).into_owned(),
        [one] => one.to_string(),
        many => format!("{} items", many.len()),
    };
    let verb = match spec.kind {
        JobKind::Copy => "Copy",
        JobKind::Move => "Move",
        JobKind::Delete => "Delete",
        JobKind::Sync => "Sync",
    };
    // A single item under a new name: the title names it (not only its folder).
    let target = spec.dst.as_ref().map(|(_, dir)| {
        spec.rename_to
            .as_deref()
            .and_then(|name| dir.join(name).ok())
            .unwrap_or_else(|| dir.clone())
    });
    match target {
        Some(to) => format!("{verb} {what} to {to}"),
        None => format!("{verb} {what}"),
    }
}

async fn run_transfer(
    ctx: &JobCtx,
    spec: &JobSpec,
    answers: UnboundedReceiver<(ConflictAnswer, bool)>,
) -> JobReport {
    let Some((_, dst_dir)) = &spec.dst else {
        return JobReport::default(); // check_spec refused this already
    };
    // A missing target folder is one error, not one per file.
    let dst_vfs = ctx.dst_vfs().clone();
    let asked = std::time::Instant::now();
    let target = ctx.retry(|| dst_vfs.stat(dst_dir)).await;
    // One sample of the round trip to the target (`files_in_flight_for`).
    let target_took = asked.elapsed();
    let refusal = match target {
        Ok(e) if e.is_dir() => None,
        Ok(_) => Some("the target is not a folder".to_owned()),
        Err(e) => Some(e.to_string()),
    };
    if let Some(message) = refusal {
        return JobReport {
            failed: vec![ItemError {
                path: dst_dir.to_string(),
                message,
            }],
            cancelled: ctx.cancel.is_cancelled(),
            ..JobReport::default()
        };
    }
    let mode = mode_of(ctx, spec.kind);
    let (in_flight, known) = files_in_flight_for(ctx, spec, dst_dir, target_took).await;
    let mut resolver = Resolver::new(spec.conflict, answers);
    let planner = Planner::new(ctx, &mut resolver, mode).knowing(known);
    let mut report = plan_and_execute(
        ctx,
        planner,
        &spec.sources,
        dst_dir,
        spec.rename_to.as_deref(),
        in_flight,
    )
    .await;
    if let Some(note) = super::verify::size_only_note(ctx) {
        report.notes.push(note.to_owned());
    }
    report
}

/// The engine's base count, or (unless it was fixed by the user) that count raised for
/// the slower round trip of the two ends (see [`pace`](super::pace)). `target_took`:
/// the target folder's `stat` the job already timed, one of the target's two samples.
/// Also answers the first source's entry from the last of its timed `stat`s, so the
/// planner does not ask for it a third time.
async fn files_in_flight_for(
    ctx: &JobCtx,
    spec: &JobSpec,
    dst_dir: &VPath,
    target_took: std::time::Duration,
) -> (usize, Option<(VPath, Entry)>) {
    let workers = ctx.opts.workers.max(1);
    if !ctx.opts.adapt_to_link {
        return (workers, None);
    }
    let to_dst = pace::round_trip(ctx.dst_vfs(), dst_dir, Some(target_took));
    let to_src = async {
        match spec.sources.first() {
            Some(first) if !ctx.same_backend() => pace::round_trip(&ctx.src, first, None)
                .await
                .map(|(rtt, entry)| (rtt, (first.clone(), entry))),
            _ => None,
        }
    };
    let (dst_rtt, src) = tokio::join!(to_dst, to_src);
    let dst_rtt = dst_rtt.map(|(rtt, _)| rtt);
    let (src_rtt, known) = src.unzip();
    if let Some(rtt) = src_rtt {
        // Already set only if a job measured twice: the first measure stands.
        let _ = ctx.src_rtt.set(rtt);
    }
    let rtt = dst_rtt.max(src_rtt).unwrap_or_default();
    let in_flight = pace::files_in_flight(workers, rtt);
    tracing::debug!(
        rtt_ms = rtt.as_secs_f64() * 1e3,
        in_flight,
        "files in flight"
    );
    (in_flight, known)
}

/// How a copy or move gets its items across.
pub(crate) fn mode_of(ctx: &JobCtx, kind: JobKind) -> Mode {
    match kind {
        JobKind::Move if ctx.same_backend() && ctx.src.features().cheap_rename => Mode::Rename,
        JobKind::Move => Mode::CopyThenDelete,
        _ => Mode::Copy,
    }
}

async fn plan_and_execute(
    ctx: &JobCtx,
    planner: Planner<'_>,
    sources: &[VPath],
    dst_dir: &VPath,
    rename_to: Option<&str>,
    in_flight: usize,
) -> JobReport {
    ctx.acct.planning.store(true, Ordering::Relaxed);
    let mode = planner.mode();
    let planned = planner.plan(sources, dst_dir, rename_to, ctx.kind).await;
    // The totals are final now; say so at once, even when planning was quicker than
    // the reporter's tick.
    let _ = ctx.events.send(JobEvent::Progress {
        id: ctx.id,
        progress: ctx.acct.snapshot(),
    });
    ctx.acct.planning.store(false, Ordering::Relaxed);
    let plan = match planned {
        Ok(p) => p,
        Err(_) => {
            return JobReport {
                cancelled: true,
                ..JobReport::default()
            };
        }
    };
    if let Some(j) = &ctx.journal {
        j.note_planned(ctx.acct.items_total.load(Ordering::Relaxed));
    }
    let mut report = JobReport {
        items_done: plan.resumed,
        items_skipped: plan.skipped,
        skipped_names: plan.skipped_names,
        renamed: plan.renamed,
        failed: plan.failed,
        ..JobReport::default()
    };
    execute(ctx, plan.steps, mode, in_flight, &mut report).await;
    report
}

pub(crate) async fn execute(
    ctx: &JobCtx,
    steps: Vec<Step>,
    mode: Mode,
    in_flight: usize,
    report: &mut JobReport,
) {
    let (mkdirs, rest): (Vec<Step>, Vec<Step>) = steps
        .into_iter()
        .partition(|s| matches!(s, Step::MkDir { .. }));
    let (removals, transfers): (Vec<Step>, Vec<Step>) = rest
        .into_iter()
        .partition(|s| matches!(s, Step::RemoveDir { .. }));

    // Folders first, in walk order (parents before children).
    let mut failed_dirs: Vec<VPath> = Vec::new();
    let mut made_dirs: Vec<(VPath, i64)> = Vec::new();
    // The folders this job made (not those it found): a cancel takes back the empty ones.
    let mut created: Vec<VPath> = Vec::new();
    for step in mkdirs {
        let Step::MkDir { dst, mtime } = step else {
            continue;
        };
        if ctx.cancel.is_cancelled() {
            break;
        }
        if failed_dirs.iter().any(|d| dst.starts_with(d)) {
            continue;
        }
        match make_dir(ctx, &dst).await {
            Ok(made) => {
                if made {
                    created.push(dst.clone());
                }
                made_dirs.extend(mtime.map(|m| (dst, m)));
            }
            Err(e) => {
                report.failed.push(item_error(&dst, &e));
                failed_dirs.push(dst);
            }
        }
    }

    super::stale::sweep_job_folders(ctx, &transfers).await;

    // Files on a bounded pool; anything below a folder that could not be made is
    // already reported with that folder.
    let (runnable, below_failed): (Vec<Step>, Vec<Step>) =
        transfers.into_iter().partition(|s| match s {
            Step::File(f) | Step::Rename(f) => !failed_dirs.iter().any(|d| f.dst.starts_with(d)),
            _ => true,
        });
    for step in below_failed {
        if let Step::File(f) | Step::Rename(f) = step {
            report.retry.push(RetryItem {
                src: f.src,
                dst: f.dst,
            });
        }
    }
    let runnable = runnable.into_iter();
    let batching = mode != Mode::Rename && batches_apply(ctx);
    let mut results = stream::iter(work_units(runnable, batching, in_flight))
        .map(|unit| run_unit(ctx, unit, mode))
        .buffer_unordered(in_flight.max(1));
    while let Some(outcome) = results.next().await {
        match outcome {
            Ok(sub) => merge(report, sub),
            Err((_, VfsError::Cancelled)) => report.cancelled = true,
            Err((path, e)) => report.failed.push(ItemError {
                path,
                message: e.to_string(),
            }),
        }
    }
    drop(results);

    // Folder times last (writing files into a folder changes its mtime), deepest first.
    if let Some(setter) = ctx.dst_vfs().features().set_mtime {
        for (dir, mtime) in made_dirs.iter().rev() {
            if let Err(e) = ctx.retry(|| setter.set_mtime(dir, *mtime)).await {
                tracing::debug!(dir = %dir, error = %e, "could not keep a folder's time");
            }
        }
    }

    // A move: source folders go only once they are empty (skipped or failed files
    // keep theirs), deepest first.
    if ctx.cancel.is_cancelled() {
        report.cancelled = true;
        remove_empty_made(ctx, &created).await;
        return;
    }
    for step in removals {
        let Step::RemoveDir { src } = step else {
            continue;
        };
        if let Err(e) = remove_if_empty(ctx, &src).await {
            report.failed.push(item_error(&src, &e));
        }
    }
}

type StepResult = Result<JobReport, (String, VfsError)>;

/// What one worker takes on at a time.
enum Unit {
    One(Step),
    /// Small files copied by the backend in one call (`transfer_batch`).
    Batch(Vec<FileStep>),
}

/// Groups small file copies into batches (when `batching`; see [`batch_len`]); every
/// other step stays a unit of its own.
fn work_units(steps: impl Iterator<Item = Step>, batching: bool, workers: usize) -> Vec<Unit> {
    let batchable = |f: &FileStep| batching && f.entry.size <= BATCH_FILE_MAX;
    let steps: Vec<Step> = steps.collect();
    let small = steps
        .iter()
        .filter(|s| matches!(s, Step::File(f) if batchable(f)))
        .count();
    let len = batch_len(small, workers);
    let mut units = Vec::new();
    let mut batch = Vec::new();
    for step in steps {
        match step {
            Step::File(f) if batchable(&f) => {
                batch.push(f);
                if batch.len() == len {
                    units.push(Unit::Batch(std::mem::take(&mut batch)));
                }
            }
            other => units.push(Unit::One(other)),
        }
    }
    if !batch.is_empty() {
        units.push(Unit::Batch(batch));
    }
    units
}

async fn run_unit(ctx: &JobCtx, unit: Unit, mode: Mode) -> StepResult {
    match unit {
        Unit::One(step) => run_step(ctx, step, mode).await,
        Unit::Batch(_) if ctx.cancel.is_cancelled() => Err((String::new(), VfsError::Cancelled)),
        Unit::Batch(files) => {
            let srcs: Vec<VPath> = files.iter().map(|f| f.src.clone()).collect();
            let sub = transfer_batch(ctx, files, mode == Mode::CopyThenDelete).await;
            if !sub.cancelled {
                for src in srcs
                    .iter()
                    .filter(|s| !sub.retry.iter().any(|r| &r.src == *s))
                {
                    if !sub.failed.iter().any(|f| f.path == src.as_str()) {
                        ctx.mark_done(src);
                    }
                }
            }
            Ok(sub)
        }
    }
}

async fn run_step(ctx: &JobCtx, step: Step, mode: Mode) -> StepResult {
    if ctx.cancel.is_cancelled() {
        return Err((String::new(), VfsError::Cancelled));
    }
    match step {
        Step::File(f) => match transfer(ctx, &f, mode == Mode::CopyThenDelete).await {
            Ok(()) => Ok(one_done(ctx)),
            Err(e) => failed_file(&f, e),
        },
        Step::Rename(f) => rename_or_copy(ctx, f).await,
        Step::Server { items, dst_dir } => server_transfer(ctx, &items, &dst_dir).await,
        Step::RemoveSource(f) => {
            match super::checked_steps::remove_retrying(ctx, &ctx.src, &f.src).await {
                Ok(()) => Ok(one_done(ctx)),
                Err(e) => failed_file(&f, e),
            }
        }
        Step::MkDir { .. } | Step::RemoveDir { .. } => Ok(JobReport::default()),
    }
}

/// A move within one backend: a rename; across filesystems (EXDEV) a verified copy,
/// then the source is deleted.
async fn rename_or_copy(ctx: &JobCtx, f: FileStep) -> StepResult {
    let vfs = ctx.src.clone();
    let renamed = until_cancelled(&ctx.cancel, vfs.rename(&f.src, &f.dst, f.overwrite)).await;
    match renamed {
        Ok(()) => {
            ctx.mark_done(&f.src);
            Ok(one_done(ctx))
        }
        Err(e) if crosses_devices(&e) => {
            tracing::debug!(src = %f.src, "rename crosses filesystems, copying instead");
            // The rename was counted as one item; the copy counts its own.
            ctx.acct.items_total.fetch_sub(1, Ordering::Relaxed);
            let policy = if f.overwrite {
                ConflictPolicy::Overwrite
            } else {
                ConflictPolicy::Skip
            };
            let (_tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let mut resolver = Resolver::new(policy, rx);
            let dst_dir = f.dst.parent();
            let sources = [f.src.clone()];
            let planner = Planner::new(ctx, &mut resolver, Mode::CopyThenDelete);
            let sub = Box::pin(plan_and_execute(
                ctx,
                planner,
                &sources,
                &dst_dir,
                Some(f.dst.name()),
                ctx.opts.workers,
            ))
            .await;
            Ok(sub)
        }
        Err(e) => failed_file(&f, e),
    }
}

/// A file that failed: an item error to report and a file to try again (a cancel is
/// neither).
fn failed_file(f: &FileStep, e: VfsError) -> StepResult {
    if matches!(e, VfsError::Cancelled) {
        return Err((f.src.to_string(), e));
    }
    Ok(JobReport {
        failed: vec![item_error(&f.src, &e)],
        retry: vec![RetryItem {
            src: f.src.clone(),
            dst: f.dst.clone(),
        }],
        ..JobReport::default()
    })
}

fn crosses_devices(e: &VfsError) -> bool {
    match e {
        VfsError::Io { cause, .. } => cause.kind() == std::io::ErrorKind::CrossesDevices,
        VfsError::Unsupported(_) => true,
        _ => false,
    }
}

/// Whole items copied or moved by the NAS itself, progress mapped into the job's.
async fn server_transfer(ctx: &JobCtx, items: &[VPath], dst_dir: &VPath) -> StepResult {
    let acct = ctx.acct.clone();
    let seen = Arc::new(AtomicU64::new(0));
    let progress: ProgressFn = Arc::new(move |p: TaskProgress| {
        let before = seen.swap(p.bytes_done, Ordering::Relaxed);
        acct.add_bytes(p.bytes_done.saturating_sub(before));
    });
    let shown = match items {
        [one] => one.to_string(),
        many => format!("{} items", many.len()),
    };
    // Planned only where the source declared `server_ops` (`Planner::server_capable`).
    let ops = ctx
        .src
        .features()
        .server_ops
        .ok_or_else(|| (shown.clone(), VfsError::Unsupported("server-side copy")))?;
    // Planning found none of these names at the target; never replace one that
    // appeared since.
    let conflict = ServerConflict::Skip;
    let res = match ctx.kind {
        JobKind::Move => {
            ops.server_move(items, dst_dir, conflict, progress, ctx.cancel.clone())
                .await
        }
        _ => {
            ops.server_copy(items, dst_dir, conflict, progress, ctx.cancel.clone())
                .await
        }
    };
    if let Err(e) = res {
        if matches!(e, VfsError::Cancelled) {
            return Err((shown, e));
        }
        // Each item is tried again on its own.
        let retry = items
            .iter()
            .filter_map(|src| {
                let dst = dst_dir.join(src.name()).ok()?;
                Some(RetryItem {
                    src: src.clone(),
                    dst,
                })
            })
            .collect();
        return Ok(JobReport {
            failed: vec![ItemError {
                path: shown,
                message: e.to_string(),
            }],
            retry,
            ..JobReport::default()
        });
    }
    let mut sub = JobReport::default();
    for item in items {
        ctx.mark_done(item);
        ctx.acct.item_done();
        sub.items_done += 1;
    }
    Ok(sub)
}

/// Makes the target folder `dst`: `true` when this call made it, `false` when a folder
/// of that name was there already (made meanwhile by someone else, or by a try whose
/// answer was lost: either way not known to be this job's).
pub(crate) async fn make_dir(ctx: &JobCtx, dst: &VPath) -> VfsResult<bool> {
    let vfs = ctx.dst_vfs().clone();
    match ctx.retry(|| vfs.mkdir(dst)).await {
        Ok(()) => Ok(true),
        Err(VfsError::AlreadyExists(_)) if matches!(vfs.stat(dst).await, Ok(e) if e.is_dir()) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// After a cancel: removes the folders of `created` (made by this job, parents first)
/// that are still empty, deepest first, so a cancelled copy leaves no empty tree
/// behind. Anything in a folder keeps it (a partial file kept for a resume, a file
/// copied before the cancel); best effort, a folder that cannot be read stays.
pub(crate) async fn remove_empty_made(ctx: &JobCtx, created: &[VPath]) {
    let vfs = ctx.dst_vfs().clone();
    for dir in created.iter().rev() {
        if !is_empty(&vfs, dir).await {
            continue;
        }
        match vfs.remove_emptied_folder(dir).await {
            Ok(()) => tracing::debug!(dir = %dir, "removed a folder the cancelled job made"),
            Err(e) => tracing::debug!(dir = %dir, error = %e, "could not remove an empty folder"),
        }
    }
}

/// Whether the folder `dir` lists nothing (an error reads as not empty).
async fn is_empty(vfs: &crate::vfs::VfsHandle, dir: &VPath) -> bool {
    let Ok(mut pages) = vfs.list(dir).await else {
        return false;
    };
    while let Some(page) = pages.next().await {
        match page {
            Ok(entries) if entries.is_empty() => {}
            _ => return false,
        }
    }
    true
}

async fn remove_if_empty(ctx: &JobCtx, dir: &VPath) -> VfsResult<()> {
    let mut pages = super::list_retrying(
        ctx.src.clone(),
        dir.clone(),
        ctx.opts.retry,
        ctx.cancel.clone(),
    )
    .await?;
    while let Some(page) = pages.next().await {
        if !page?.is_empty() {
            return Ok(()); // something stayed behind on purpose; keep the folder
        }
    }
    super::checked_steps::remove_emptied_retrying(ctx, &ctx.src, dir).await
}

fn one_done(ctx: &JobCtx) -> JobReport {
    ctx.acct.item_done();
    JobReport {
        items_done: 1,
        ..JobReport::default()
    }
}

fn merge(into: &mut JobReport, sub: JobReport) {
    into.items_done += sub.items_done;
    into.items_skipped += sub.items_skipped;
    into.skipped_names.extend(sub.skipped_names);
    into.renamed.extend(sub.renamed);
    into.notes.extend(sub.notes);
    into.failed.extend(sub.failed);
    into.cancelled |= sub.cancelled;
    into.retry.extend(sub.retry);
}

fn item_error(path: &VPath, e: &VfsError) -> ItemError {
    ItemError {
        path: path.to_string(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::vfs::local::LocalFs;
    use crate::vfs::{VPath, VfsHandle};

    #[test]
    fn a_title_names_the_new_name_of_a_single_item() {
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        let path = |p: &str| VPath::parse(p).expect("absolute path");
        let mut spec = JobSpec {
            kind: JobKind::Copy,
            src: vfs.clone(),
            sources: vec![path("/nas/put1")],
            dst: Some((vfs, path("/tmp/fw"))),
            rename_to: Some("back4".into()),
            conflict: crate::jobs::ConflictPolicy::Ask,
        };
        assert_eq!(title(&spec), "Copy put1 to /tmp/fw/back4");
        spec.rename_to = None;
        assert_eq!(title(&spec), "Copy put1 to /tmp/fw");
    }

    /// A single item is named, not its whole path (its name escaped); several are
    /// counted; the root, which has no name, keeps its path.
    #[test]
    fn a_title_names_a_single_item_not_its_path() {
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        let path = |p: &str| VPath::parse(p).expect("absolute path");
        let mut spec = JobSpec {
            kind: JobKind::Move,
            src: vfs.clone(),
            sources: vec![path("/tmp/x/y/big\u{1b}.bin")],
            dst: Some((vfs, path("/Public"))),
            rename_to: None,
            conflict: crate::jobs::ConflictPolicy::Ask,
        };
        let one = title(&spec);
        assert!(one.starts_with("Move big"), "{one}");
        assert!(one.ends_with(".bin to /Public"), "{one}");
        assert!(!one.contains('\u{1b}') && !one.contains("/tmp"), "{one}");
        spec.sources = vec![path("/a/1"), path("/a/2"), path("/a/3")];
        assert_eq!(title(&spec), "Move 3 items to /Public");
        spec.kind = JobKind::Delete;
        spec.dst = None;
        spec.sources = vec![path("/data/music")];
        assert_eq!(title(&spec), "Delete music");
        spec.sources = vec![path("/")];
        assert_eq!(title(&spec), "Delete /");
    }
}
