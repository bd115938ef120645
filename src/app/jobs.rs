//! The jobs panel's state: one row per running job, folded from `JobEvent`s, and the
//! panel's key table (routed by `keys.rs`, listed in the F1 help). Jobs an earlier run
//! left in the journal (`jobs::journal`) are rows too, "paused (restored)": never
//! started by themselves, resumed with `r`, forgotten with Del/x (after asking).

use crossterm::event::KeyCode;

use crate::jobs::{ItemError, JobId, JobKind, JobProgress, JobReport, JobSpec};
use crate::key_table::{Binding, KeyTable, ch, key};
use crate::keymap::Action;
use crate::vfs::{VPath, VfsHandle};

/// What a key does in the jobs panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum JobsAction {
    Up,
    Down,
    Cancel,
    /// Retry what failed in the last failed job.
    Retry,
    /// Each failed item of the last failed job.
    Details,
    Back,
}

/// The jobs panel's keys (Tab or the jobs key go back to the panes).
pub(super) const JOBS_KEYS: KeyTable<JobsAction> = KeyTable {
    title: "In jobs panel",
    bindings: &[
        Binding {
            keys: &[key(KeyCode::Up)],
            also: &[],
            action: JobsAction::Up,
            help: Some(("Up/Down", "pick")),
        },
        Binding {
            keys: &[key(KeyCode::Down)],
            also: &[],
            action: JobsAction::Down,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Delete), ch('c'), ch('x'), key(KeyCode::F(8))],
            also: &[],
            action: JobsAction::Cancel,
            // x reads as "forget" on a paused (restored) job; the panes' help line of
            // the jobs key names it (`keymap.rs`).
            help: Some(("Del or c", "cancels (asks)")),
        },
        Binding {
            keys: &[ch('r'), ch('R')],
            also: &[],
            action: JobsAction::Retry,
            // Named on the "After a failed job" line (`dialog::FAILED_JOB_KEYS`) and, for
            // resuming a paused job, on the jobs key's line (`keymap.rs`).
            help: None,
        },
        Binding {
            keys: &[ch('d'), ch('D')],
            also: &[],
            action: JobsAction::Details,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Esc), key(KeyCode::Tab)],
            also: &[Action::Jobs],
            action: JobsAction::Back,
            help: Some(("Esc", "back")),
        },
    ],
};

#[derive(Clone, Debug)]
pub struct JobView {
    pub id: JobId,
    pub kind: JobKind,
    pub title: String,
    pub progress: JobProgress,
    /// Cancel was asked; waiting for the job to stop.
    pub cancelling: bool,
    /// A job an earlier run left in the journal, not started: its journal key.
    pub paused: Option<String>,
    /// Finished while the user had the jobs panel open: its outcome ("Copied 3 items,
    /// 2 KiB"). The row stays until the user leaves the panel, so the panel never
    /// closes under the user's hands (a stray Del then went to the pane).
    pub done: Option<String>,
    /// What the job reads and writes (`Msg::JobPlaces`): sources and where each lands.
    pub places: Footprint,
}

/// Where a job reads and writes, on which machine (`JobSpec::places`).
#[derive(Clone, Default)]
pub struct Footprint(pub Vec<(VfsHandle, VPath)>);

impl std::fmt::Debug for Footprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.0
                    .iter()
                    .map(|(on, path)| format!("{}:{path}", on.label())),
            )
            .finish()
    }
}

/// A journaled job of an earlier run, as the runtime hands it to the panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoredJob {
    /// The journal key (`JobHeader::key`).
    pub key: String,
    pub kind: JobKind,
    /// What it does, escaped for the terminal.
    pub title: String,
    /// "3 of 10 items already done", when known.
    pub done: String,
}

/// Row ids of paused jobs count down from here, far from the engine's ids (which count
/// up from 1).
const PAUSED_IDS: JobId = JobId::MAX - (1 << 32);

impl JobView {
    /// 0.0..=1.0 by bytes (or by items when there are no bytes to count).
    pub fn ratio(&self) -> f64 {
        let p = &self.progress;
        let r = if p.bytes_total > 0 {
            p.bytes_done as f64 / p.bytes_total as f64
        } else if p.items_total > 0 {
            p.items_done as f64 / p.items_total as f64
        } else {
            0.0
        };
        r.clamp(0.0, 1.0)
    }

    /// Seconds left at the current rate, when it can be told.
    pub fn eta_secs(&self) -> Option<u64> {
        let p = &self.progress;
        if p.planning
            || p.reconnecting.is_some()
            || p.finishing
            || p.rate < 1.0
            || p.bytes_total < p.bytes_done
        {
            return None;
        }
        Some(((p.bytes_total - p.bytes_done) as f64 / p.rate).ceil() as u64)
    }
}

#[derive(Clone, Debug, Default)]
pub struct JobsList {
    pub items: Vec<JobView>,
    pub cursor: usize,
    /// Recently finished jobs with failures, oldest first (for Retry and Details).
    pub failed: Vec<FailedJob>,
}

/// A finished job that left failures.
#[derive(Clone, Debug)]
pub struct FailedJob {
    pub id: JobId,
    pub title: String,
    pub failures: Vec<ItemError>,
    /// The engine can run its unfinished items again (and they were not yet).
    pub retryable: bool,
}

/// How many failed jobs the app remembers.
const KEPT_FAILED: usize = 16;

impl JobsList {
    /// Jobs still running (not kept as done, not paused from an earlier run).
    pub fn running(&self) -> usize {
        self.items
            .iter()
            .filter(|j| j.done.is_none() && j.paused.is_none())
            .count()
    }

    /// Rows the jobs panel shows: running jobs and those kept as done.
    pub fn rows(&self) -> usize {
        self.items.len()
    }

    /// Adds a paused (restored) row; one per journal key.
    pub fn restored(&mut self, job: RestoredJob) {
        if self
            .items
            .iter()
            .any(|j| j.paused.as_deref() == Some(&job.key))
        {
            return;
        }
        let id = (PAUSED_IDS..)
            .find(|id| self.items.iter().all(|j| j.id != *id))
            .unwrap_or(PAUSED_IDS);
        self.items.push(JobView {
            id,
            kind: job.kind,
            title: job.title,
            progress: JobProgress {
                current: job.done,
                ..JobProgress::default()
            },
            cancelling: false,
            paused: Some(job.key),
            done: None,
            places: Footprint::default(),
        });
    }

    pub fn get_mut(&mut self, id: JobId) -> Option<&mut JobView> {
        self.items.iter_mut().find(|j| j.id == id)
    }

    pub fn started(&mut self, id: JobId, kind: JobKind, title: String) {
        match self.get_mut(id) {
            Some(j) => {
                if !title.is_empty() {
                    j.title = title;
                }
            }
            None => self.items.push(JobView {
                id,
                kind,
                title,
                progress: JobProgress::default(),
                cancelling: false,
                paused: None,
                done: None,
                places: Footprint::default(),
            }),
        }
    }

    /// Running jobs that read or write `path` on `vfs`, or something inside it or
    /// around it.
    pub fn using(&self, vfs: &VfsHandle, path: &VPath) -> impl Iterator<Item = &JobView> {
        self.items.iter().filter(move |j| {
            j.done.is_none()
                && j.paused.is_none()
                && j.places.0.iter().any(|(on, place)| {
                    std::sync::Arc::ptr_eq(on, vfs)
                        && (place.starts_with(path) || path.starts_with(place))
                })
        })
    }

    /// The titles of the running jobs a new job would pull the ground from under, or
    /// race with (each once): what they use that a delete removes or a move takes away,
    /// and where a copy or move would land when a running job reads, writes or removes
    /// that very path or one around or inside it (a delete's tree, a move's source, a
    /// copy started twice). Reading what a copy reads is not in its way, nor writing
    /// beside it into the same folder.
    pub fn in_the_way_of(&self, spec: &JobSpec) -> Vec<&str> {
        let mut jobs: Vec<&JobView> = Vec::new();
        if matches!(spec.kind, JobKind::Delete | JobKind::Move) {
            for source in &spec.sources {
                jobs.extend(self.using(&spec.src, source));
            }
        }
        for (dst, landing) in spec.landings() {
            jobs.extend(self.using(&dst, &landing));
        }
        let mut titles: Vec<&str> = Vec::new();
        for job in jobs {
            if !titles.contains(&job.title.as_str()) {
                titles.push(&job.title);
            }
        }
        titles
    }

    /// Removes a finished job and returns its view.
    pub fn finish(&mut self, id: JobId) -> Option<JobView> {
        let pos = self.items.iter().position(|j| j.id == id)?;
        let job = self.items.remove(pos);
        self.cursor = self.cursor.min(self.items.len().saturating_sub(1));
        Some(job)
    }

    /// Keeps a finished job's row, marked done with its outcome (the panel is open).
    pub fn keep_done(&mut self, id: JobId, outcome: String) -> Option<JobView> {
        let job = self.get_mut(id)?;
        job.done = Some(outcome);
        job.cancelling = false;
        Some(job.clone())
    }

    /// Forgets the rows kept as done (the user left the panel).
    pub fn prune_done(&mut self) {
        self.items.retain(|j| j.done.is_none());
        self.cursor = self.cursor.min(self.items.len().saturating_sub(1));
    }

    pub fn selected(&self) -> Option<&JobView> {
        self.items.get(self.cursor)
    }

    /// Remembers a job that finished with failures.
    pub fn failed_with(&mut self, job: FailedJob) {
        self.failed.push(job);
        if self.failed.len() > KEPT_FAILED {
            self.failed.remove(0);
        }
    }

    pub fn failed_job(&self, id: JobId) -> Option<&FailedJob> {
        self.failed.iter().find(|j| j.id == id)
    }

    /// The newest failed job.
    pub fn last_failed(&self) -> Option<&FailedJob> {
        self.failed.last()
    }

    /// Whether job `id` can be retried; if so it is marked retried (once is enough:
    /// the new job reports its own failures).
    pub fn take_retry(&mut self, id: JobId) -> bool {
        match self.failed.iter_mut().find(|j| j.id == id) {
            Some(j) if j.retryable => {
                j.retryable = false;
                true
            }
            _ => false,
        }
    }
}

/// One-line summary of a finished job for the status line.
pub fn summary(kind: JobKind, report: &JobReport) -> String {
    let verb = match kind {
        JobKind::Copy => "Copied",
        JobKind::Move => "Moved",
        JobKind::Delete => "Deleted",
        JobKind::Sync => "Synced",
    };
    if report.cancelled {
        return cancelled_summary(kind, report);
    }
    let size = humansize::format_size(report.bytes_done, humansize::BINARY);
    let items = crate::plural::count(report.items_done, "item", "items");
    // A delete moves no bytes, nor does a move done by renaming.
    let no_bytes = kind == JobKind::Delete || (kind == JobKind::Move && report.bytes_done == 0);
    let mut s = if no_bytes {
        format!("{verb} {items}")
    } else {
        format!("{verb} {items}, {size}")
    };
    if report.items_skipped > 0 {
        s.push_str(&format!(", {} skipped", report.items_skipped));
    }
    if !report.failed.is_empty() {
        s.push_str(&format!(", {} failed", report.failed.len()));
    }
    s
}

/// "Cancelled — 0 of 3 items copied": what was done before the cancel, counted in the
/// items planned (its bytes would count the partial files the cancel removed).
fn cancelled_summary(kind: JobKind, report: &JobReport) -> String {
    let verb = match kind {
        JobKind::Copy => "copied",
        JobKind::Move => "moved",
        JobKind::Delete => "deleted",
        JobKind::Sync => "synced",
    };
    let mut s = if report.items_total >= report.items_done.max(1) {
        format!(
            "Cancelled — {} of {} {verb}",
            report.items_done,
            crate::plural::count(report.items_total, "item", "items")
        )
    } else {
        // Cancelled while planning: no total yet.
        format!(
            "Cancelled — {} {verb}",
            crate::plural::count(report.items_done, "item", "items")
        )
    };
    if report.items_skipped > 0 {
        s.push_str(&format!(", {} skipped", report.items_skipped));
    }
    if !report.failed.is_empty() {
        s.push_str(&format!(", {} failed", report.failed.len()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_as_english() {
        let report = |items_done, bytes_done| JobReport {
            items_done,
            bytes_done,
            ..JobReport::default()
        };
        assert_eq!(summary(JobKind::Copy, &report(1, 6)), "Copied 1 item, 6 B");
        assert_eq!(summary(JobKind::Copy, &report(3, 0)), "Copied 3 items, 0 B");
        // A move by rename moves no bytes: no "0 B".
        assert_eq!(summary(JobKind::Move, &report(1, 0)), "Moved 1 item");
        assert_eq!(
            summary(JobKind::Move, &report(2, 2048)),
            "Moved 2 items, 2 KiB"
        );
        assert_eq!(summary(JobKind::Delete, &report(4, 0)), "Deleted 4 items");
        assert_eq!(
            summary(JobKind::Sync, &report(3, 2048)),
            "Synced 3 items, 2 KiB"
        );
    }

    #[test]
    fn a_cancelled_job_says_so_first_and_counts_what_it_did_of_its_items() {
        let cancelled = |items_done, items_total| JobReport {
            items_done,
            items_total,
            bytes_done: 15_800_000,
            cancelled: true,
            ..JobReport::default()
        };
        assert_eq!(
            summary(JobKind::Copy, &cancelled(0, 3)),
            "Cancelled — 0 of 3 items copied"
        );
        assert_eq!(
            summary(JobKind::Move, &cancelled(1, 1)),
            "Cancelled — 1 of 1 item moved"
        );
        // Cancelled while planning: no total to count in.
        assert_eq!(
            summary(JobKind::Copy, &cancelled(0, 0)),
            "Cancelled — 0 items copied"
        );
        let failed = JobReport {
            failed: vec![ItemError {
                path: "/a".into(),
                message: "m".into(),
            }],
            ..cancelled(2, 10)
        };
        assert_eq!(
            summary(JobKind::Delete, &failed),
            "Cancelled — 2 of 10 items deleted, 1 failed"
        );
    }
}
