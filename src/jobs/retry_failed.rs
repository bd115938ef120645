//! Trying a failed job again: a new job of the same kind between the same backends
//! that runs only what did not finish ([`RetryItem`]s: the failed files, and those
//! below a folder that could not be made). Each item is planned again from its source
//! into its own target folder, which is made first if it is missing; conflicts are
//! resolved by the job's policy, as the first time.

use std::sync::atomic::Ordering;

use tokio::sync::mpsc::UnboundedReceiver;

use super::conflict::Resolver;
use super::ctx::JobCtx;
use super::plan::Planner;
use super::run::{execute, make_dir, mode_of, remove_empty_made};
use super::{ConflictAnswer, ItemError, JobEvent, JobReport, JobSpec, RetryItem};
use crate::vfs::{VPath, VfsError, VfsResult};

pub(crate) async fn run_again(
    ctx: &JobCtx,
    spec: &JobSpec,
    items: Vec<RetryItem>,
    answers: UnboundedReceiver<(ConflictAnswer, bool)>,
) -> JobReport {
    let mode = mode_of(ctx, spec.kind);
    let mut resolver = Resolver::new(spec.conflict, answers);
    let mut report = JobReport::default();
    let mut steps = Vec::new();
    // The target folders this job made (not those it found), parents first: a cancel
    // takes back the empty ones, as a first run's does with its own.
    let mut made = Vec::new();
    ctx.acct.planning.store(true, Ordering::Relaxed);
    for item in items {
        if ctx.cancel.is_cancelled() {
            report.cancelled = true;
            break;
        }
        let dir = item.dst.parent();
        if let Err(e) = make_dirs(ctx, &dir, &mut made).await {
            report.failed.push(ItemError {
                path: item.src.to_string(),
                message: e.to_string(),
            });
            report.retry.push(item);
            continue;
        }
        if landed_already(ctx, &item).await {
            // The first run put it there, but lost the answer saying so.
            ctx.acct.item_done();
            report.items_done += 1;
            continue;
        }
        let planned = Planner::new(ctx, &mut resolver, mode)
            .plan(
                std::slice::from_ref(&item.src),
                &dir,
                Some(item.dst.name()),
                ctx.kind,
            )
            .await;
        match planned {
            Ok(plan) => {
                steps.extend(plan.steps);
                report.failed.extend(plan.failed);
                report.items_skipped += plan.skipped;
                report.items_done += plan.resumed;
            }
            Err(_) => {
                report.cancelled = true;
                break;
            }
        }
    }
    let _ = ctx.events.send(JobEvent::Progress {
        id: ctx.id,
        progress: ctx.acct.snapshot(),
    });
    ctx.acct.planning.store(false, Ordering::Relaxed);
    if !report.cancelled {
        execute(ctx, steps, mode, ctx.opts.workers, &mut report).await;
    }
    // After `execute`, which took back the folders it made below these.
    if ctx.cancel.is_cancelled() {
        remove_empty_made(ctx, &made).await;
    }
    report
}

/// Whether the item's target is a file with its source's size and mtime: the failed
/// job's own copy, whose completion it did not hear of (an upload put into place as the
/// NAS went away). A copy only: a move still has its source to remove.
async fn landed_already(ctx: &JobCtx, item: &RetryItem) -> bool {
    if ctx.kind != super::JobKind::Copy {
        return false;
    }
    let (Ok(src), Ok(dst)) = (
        ctx.src.stat(&item.src).await,
        ctx.dst_vfs().stat(&item.dst).await,
    ) else {
        return false;
    };
    !src.is_dir()
        && !dst.is_dir()
        && src.size == dst.size
        && src.mtime.is_some()
        && src.mtime == dst.mtime
}

/// Makes `dir` and any missing parent (the target folder of an item whose folder could
/// not be made the first time), adding those this call made to `made`, parents first.
async fn make_dirs(ctx: &JobCtx, dir: &VPath, made: &mut Vec<VPath>) -> VfsResult<()> {
    let vfs = ctx.dst_vfs().clone();
    let mut missing = Vec::new();
    let mut at = dir.clone();
    loop {
        match ctx.retry(|| vfs.stat(&at)).await {
            Ok(e) if e.is_dir() => break,
            Ok(_) => return Err(VfsError::AlreadyExists(at.to_string())),
            Err(VfsError::NotFound(_)) if !at.is_root() => {
                let parent = at.parent();
                missing.push(at);
                at = parent;
            }
            Err(e) => return Err(e),
        }
    }
    for d in missing.into_iter().rev() {
        if make_dir(ctx, &d).await? {
            made.push(d);
        }
    }
    Ok(())
}
