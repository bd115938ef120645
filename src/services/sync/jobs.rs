//! A plan as ONE engine job (`JobEngine::start_sync`, `jobs::sync_job`): per direction
//! the copy of exactly the planned files (each file to its own final path, missing
//! folders made, written under a temporary name, verified, renamed over what it
//! replaces), and per side the deletes, run only once every copy finished without a
//! failure — so nothing is deleted while a copy it may depend on is not verified in
//! place. The CLI and the commander both start a sync through [`SyncJobs::start`].

use super::Ends;
use super::plan::{ActionKind, End, Plan};
use crate::jobs::{ConflictPolicy, JobEngine, JobId, JobKind, JobSpec, RetryItem, SyncWork};
use crate::vfs::{VPath, VfsResult};

/// A copy job with its items and the title the jobs panel shows.
#[derive(Clone)]
pub struct CopyJob {
    pub spec: JobSpec,
    pub items: Vec<RetryItem>,
    pub title: String,
}

#[derive(Clone, Default)]
pub struct SyncJobs {
    /// Start these first (they may run together).
    pub copies: Vec<CopyJob>,
    /// Then these, and only if every copy job finished without a failure.
    pub deletes: Vec<JobSpec>,
}

impl SyncJobs {
    pub fn of(plan: &Plan, ends: &Ends) -> VfsResult<SyncJobs> {
        let mut jobs = SyncJobs::default();
        for from in [End::A, End::B] {
            let (src_vfs, src_dir) = ends.get(from);
            let (dst_vfs, dst_dir) = ends.get(from.other());
            let mut items = Vec::new();
            for a in plan.actions.iter().filter(|a| {
                a.from == from && matches!(a.kind, ActionKind::Copy | ActionKind::Replace)
            }) {
                items.push(RetryItem {
                    src: src_dir.join_rel(&a.rel)?,
                    dst: dst_dir.join_rel(&a.rel)?,
                });
            }
            if !items.is_empty() {
                let title = format!(
                    "Sync {} → {} ({})",
                    src_dir,
                    dst_dir,
                    crate::plural::count(items.len() as u64, "file", "files")
                );
                jobs.copies.push(CopyJob {
                    spec: JobSpec {
                        kind: JobKind::Copy,
                        src: src_vfs.clone(),
                        sources: items.iter().map(|i| i.src.clone()).collect(),
                        dst: Some((dst_vfs.clone(), dst_dir.clone())),
                        rename_to: None,
                        // Replacing is what the plan decided; the preview asked.
                        conflict: ConflictPolicy::Overwrite,
                    },
                    items,
                    title,
                });
            }
            let (vfs, dir) = ends.get(from);
            let doomed: Vec<VPath> = plan
                .actions
                .iter()
                .filter(|a| a.kind == ActionKind::Delete && a.from == from)
                .map(|a| dir.join_rel(&a.rel))
                .collect::<VfsResult<_>>()?;
            if !doomed.is_empty() {
                jobs.deletes.push(JobSpec {
                    kind: JobKind::Delete,
                    src: vfs.clone(),
                    sources: doomed,
                    dst: None,
                    rename_to: None,
                    conflict: ConflictPolicy::Skip,
                });
            }
        }
        Ok(jobs)
    }

    pub fn is_empty(&self) -> bool {
        self.copies.is_empty() && self.deletes.is_empty()
    }

    /// What the jobs panel calls a sync of `plan` between `ends`: "Sync /a → /b (3
    /// files, 1 delete)"; both ways "Sync /a ↔ /b (…)".
    pub fn title(plan: &Plan, ends: &Ends) -> String {
        let t = plan.totals();
        let arrow = match plan.direction {
            super::Direction::Both => "↔",
            _ => "→",
        };
        let (from, to) = match plan.direction {
            super::Direction::BToA => (&ends.b.1, &ends.a.1),
            _ => (&ends.a.1, &ends.b.1),
        };
        let mut what = vec![crate::plural::count(t.copy + t.replace, "file", "files")];
        if t.delete > 0 {
            what.push(crate::plural::count(t.delete, "delete", "deletes"));
        }
        format!("Sync {from} {arrow} {to} ({})", what.join(", "))
    }

    /// The engine's form of these jobs.
    pub fn work(self) -> SyncWork {
        SyncWork {
            copies: self.copies.into_iter().map(|c| (c.spec, c.items)).collect(),
            deletes: self.deletes,
        }
    }

    /// Starts the whole sync as one job named `title`.
    pub fn start(self, engine: &JobEngine, title: String) -> JobId {
        engine.start_sync(self.work(), title)
    }
}
