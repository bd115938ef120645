//! A sync as ONE job (`JobEngine::start_sync`): its copies (per direction, each file to
//! its own final path, as `retry_failed::run_again` plans items: missing folders made,
//! temporary name, verification, rename over what it replaces), then its deletes — only
//! when every copy finished verified, so nothing is deleted while a copy it may depend on
//! is not in place. One id, one row in the jobs panel, one progress, one report. This is
//! the one copy-then-delete sequencing the CLI (`nascmd sync`) and the commander share.
//!
//! Journaled (`JobEngine::start_sync_journaled`), each verified copy is marked done, so
//! a resume (the journal's plan run again) skips what is verified at the target and
//! still runs its deletes only once every copy of the plan is verified.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::check::check_spec;
use super::ctx::{EngineOptions, JobCtx};
use super::delete::run_delete;
use super::journal::JobJournal;
use super::progress::{Accounting, report_loop};
use super::{ItemError, JobEvent, JobId, JobKind, JobReport, JobSpec, RetryItem};

/// What a sync job does, in order.
#[derive(Clone, Default)]
pub struct SyncWork {
    /// Copy jobs' specs with exactly their items (one per direction), run one after
    /// the other.
    pub copies: Vec<(JobSpec, Vec<RetryItem>)>,
    /// Delete specs, run only once every copy is verified in place.
    pub deletes: Vec<JobSpec>,
}

impl SyncWork {
    pub fn is_empty(&self) -> bool {
        self.copies.iter().all(|(_, items)| items.is_empty())
            && self.deletes.iter().all(|d| d.sources.is_empty())
    }
}

impl SyncWork {
    /// What it reads and writes, on which machine: each copy's source and final path,
    /// and what it deletes (the footprint the app warns with, `JobSpec::places`).
    pub fn places(&self) -> Vec<(crate::vfs::VfsHandle, crate::vfs::VPath)> {
        self.copies
            .iter()
            .flat_map(|(spec, items)| super::RetryItem::places(spec, items))
            .chain(self.deletes.iter().flat_map(JobSpec::places))
            .collect()
    }

    /// The files it copies.
    pub fn copy_count(&self) -> u64 {
        self.copies
            .iter()
            .map(|(_, items)| items.len() as u64)
            .sum()
    }
}

/// Said when the deletes were not run because a copy did not go through.
pub const NOTHING_DELETED: &str = "nothing deleted: a copy failed";

/// Runs `work`; returns its report and what is left to try again (the copies that
/// failed or did not run, and the deletes they held back).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_sync(
    id: JobId,
    work: SyncWork,
    events: UnboundedSender<JobEvent>,
    cancel: CancellationToken,
    opts: EngineOptions,
    resume: bool,
    journal: Option<Arc<JobJournal>>,
    title: String,
) -> (JobReport, SyncWork) {
    let _ = events.send(JobEvent::Started {
        id,
        kind: JobKind::Sync,
        title,
    });
    // One accounting for every phase: one progress for the whole sync (its totals
    // grow as each phase plans).
    let acct = Arc::new(Accounting::default());
    let stop = CancellationToken::new();
    let reporter = tokio::spawn(report_loop(id, acct.clone(), events.clone(), stop.clone()));
    let ctx_for = |spec: &JobSpec| JobCtx {
        id,
        kind: spec.kind,
        events: events.clone(),
        cancel: cancel.clone(),
        acct: acct.clone(),
        opts,
        src: spec.src.clone(),
        dst: spec.dst.clone(),
        resume,
        journal: journal.clone(),
        src_rtt: std::sync::OnceLock::new(),
    };
    if let Some(j) = &journal {
        j.note_planned(work.copy_count());
    }
    let mut report = JobReport::default();
    let mut left = SyncWork::default();
    for (spec, items) in work.copies {
        if items.is_empty() {
            continue;
        }
        if cancel.is_cancelled() {
            left.copies.push((spec, items));
            continue;
        }
        if let Err(refused) = check_spec(&spec) {
            report.failed.push(refused);
            continue;
        }
        let ctx = ctx_for(&spec);
        // Replacing is what the plan decided (the preview asked): no conflict is asked.
        let (_answers_tx, answers) = tokio::sync::mpsc::unbounded_channel();
        let mut sub = super::retry_failed::run_again(&ctx, &spec, items.clone(), answers).await;
        // Every planned file that failed is tried again, also one refused while it was
        // planned (its source gone, a folder in its place): the plan said to copy it.
        let mut again = std::mem::take(&mut sub.retry);
        for item in items {
            let refused = sub.failed.iter().any(|f| f.path == item.src.as_str());
            if refused && !again.iter().any(|r| r.src == item.src) {
                again.push(item);
            }
        }
        if !again.is_empty() {
            left.copies.push((spec, again.clone()));
        }
        sub.retry = again;
        merge(&mut report, sub);
    }
    let copies_ok = report.failed.is_empty() && !report.cancelled && !cancel.is_cancelled();
    let has_deletes = work.deletes.iter().any(|d| !d.sources.is_empty());
    if has_deletes && !copies_ok && !cancel.is_cancelled() {
        report.failed.push(ItemError {
            path: String::new(),
            message: NOTHING_DELETED.to_owned(),
        });
    }
    if !copies_ok {
        left.deletes = work.deletes.clone();
    } else {
        for spec in work.deletes.iter().filter(|d| !d.sources.is_empty()) {
            if cancel.is_cancelled() {
                break;
            }
            let ctx = ctx_for(spec);
            let sub = run_delete(&ctx, &spec.sources).await;
            merge(&mut report, sub);
        }
    }
    report.bytes_done = acct.bytes_done.load(Ordering::Relaxed);
    report.items_total = acct.items_total.load(Ordering::Relaxed);
    report.cancelled |= cancel.is_cancelled();
    stop.cancel();
    let _ = reporter.await;
    (report, left)
}

fn merge(into: &mut JobReport, sub: JobReport) {
    into.items_done += sub.items_done;
    into.items_skipped += sub.items_skipped;
    into.skipped_names.extend(sub.skipped_names);
    into.renamed.extend(sub.renamed);
    for note in sub.notes {
        if !into.notes.contains(&note) {
            into.notes.push(note);
        }
    }
    into.failed.extend(sub.failed);
    into.cancelled |= sub.cancelled;
    into.retry.extend(sub.retry);
}
