//! A plan as ONE engine job (`JobEngine::start_sync`, `jobs::sync_job`): per direction
//! the copy of exactly the planned files (each file to its own final path, missing
//! folders made, written under a temporary name, verified, renamed over what it
//! replaces), and per side the deletes, run only once every copy finished without a
//! failure — so nothing is deleted while a copy it may depend on is not verified in
//! place. The CLI and the commander both start a sync through [`SyncJobs::start`], or
//! [`SyncJobs::start_journaled`] when both ends have a place: its plan goes into the job
//! journal, so a killed sync is taken up again — by the same command, or from the
//! commander's "paused (restored)" row ([`SyncJobs::of_journal`]).

use super::Ends;
use super::plan::{ActionKind, Direction, End, Plan};
use crate::jobs::journal::{
    JobHeader, JobPlaces, SyncCopyRecord, SyncDeleteRecord, SyncHeader, SyncPlanRecord,
};
use crate::jobs::{ConflictPolicy, JobEngine, JobId, JobKind, JobSpec, RetryItem, SyncWork};
use crate::vfs::{VPath, VfsError, VfsResult};

/// A copy job with its items and the title the jobs panel shows.
#[derive(Clone)]
pub struct CopyJob {
    /// The end it copies from.
    pub from: End,
    pub spec: JobSpec,
    pub items: Vec<RetryItem>,
    pub title: String,
}

#[derive(Clone, Default)]
pub struct SyncJobs {
    /// Start these first (they may run together).
    pub copies: Vec<CopyJob>,
    /// Then these (each on its end), and only if every copy job finished without a
    /// failure.
    pub deletes: Vec<(End, JobSpec)>,
}

impl SyncJobs {
    pub fn of(plan: &Plan, ends: &Ends) -> VfsResult<SyncJobs> {
        let mut jobs = SyncJobs::default();
        for from in [End::A, End::B] {
            let (src_dir, dst_dir) = (&ends.get(from).1, &ends.get(from.other()).1);
            let mut items = Vec::new();
            for a in plan.actions.iter().filter(|a| {
                a.from == from && matches!(a.kind, ActionKind::Copy | ActionKind::Replace)
            }) {
                items.push(RetryItem {
                    src: src_dir.join_rel(&a.rel)?,
                    dst: dst_dir.join_rel(&a.rel)?,
                });
            }
            jobs.push_copies(ends, from, items);
            let dir = &ends.get(from).1;
            let doomed: Vec<VPath> = plan
                .actions
                .iter()
                .filter(|a| a.kind == ActionKind::Delete && a.from == from)
                .map(|a| dir.join_rel(&a.rel))
                .collect::<VfsResult<_>>()?;
            jobs.push_deletes(ends, from, doomed);
        }
        Ok(jobs)
    }

    /// The jobs of the plan a sync's journal holds (its ends opened again): what a
    /// resume runs, without comparing again.
    pub fn of_journal(record: &SyncPlanRecord, ends: &Ends) -> VfsResult<SyncJobs> {
        let mut jobs = SyncJobs::default();
        let parse = |p: &str| VPath::parse(p);
        for c in &record.copies {
            let items = c
                .items
                .iter()
                .map(|(src, dst)| {
                    Ok(RetryItem {
                        src: parse(src)?,
                        dst: parse(dst)?,
                    })
                })
                .collect::<VfsResult<Vec<_>>>()?;
            jobs.push_copies(ends, end_of(&c.from)?, items);
        }
        for d in &record.deletes {
            let paths = d
                .paths
                .iter()
                .map(|p| parse(p))
                .collect::<VfsResult<Vec<_>>>()?;
            jobs.push_deletes(ends, end_of(&d.on)?, paths);
        }
        Ok(jobs)
    }

    /// The plan's form in the job journal.
    pub fn record(&self) -> SyncPlanRecord {
        SyncPlanRecord {
            copies: self
                .copies
                .iter()
                .map(|c| SyncCopyRecord {
                    from: end_name(c.from).to_owned(),
                    items: c
                        .items
                        .iter()
                        .map(|i| (i.src.to_string(), i.dst.to_string()))
                        .collect(),
                })
                .collect(),
            deletes: self
                .deletes
                .iter()
                .map(|(on, spec)| SyncDeleteRecord {
                    on: end_name(*on).to_owned(),
                    paths: spec.sources.iter().map(|p| p.to_string()).collect(),
                })
                .collect(),
        }
    }

    /// The journal header `plan`'s sync runs under, from the commander and the CLI
    /// alike: its direction and whether the user asked for deletes (`Plan::delete`, not
    /// whether any is planned or left ticked), so a rerun from either front end finds
    /// the entry the other left.
    pub fn journal_header(places: &JobPlaces, ends: &Ends, plan: &Plan) -> JobHeader {
        Self::header(places, ends, plan.direction, plan.delete)
    }

    /// The journal headers of the entries a sync of `direction` between `ends` settles
    /// when it is found already in sync: the run without deletes and, when deletes are
    /// asked (`delete`), the run with them (its plan holds nothing the other lacks).
    pub fn settled_headers(
        places: &JobPlaces,
        ends: &Ends,
        direction: Direction,
        delete: bool,
    ) -> Vec<JobHeader> {
        let mut deletes = vec![false];
        if delete && direction != Direction::Both {
            deletes.push(true);
        }
        deletes
            .into_iter()
            .map(|d| Self::header(places, ends, direction, d))
            .collect()
    }

    /// The journal header of a sync of `direction` between `ends` (A at `places.src`,
    /// B at `places.dst`); `delete`: whether it was asked to delete.
    pub fn header(
        places: &JobPlaces,
        ends: &Ends,
        direction: Direction,
        delete: bool,
    ) -> JobHeader {
        let way = match direction {
            Direction::AToB => "a-to-b",
            Direction::BToA => "b-to-a",
            Direction::Both => "both",
        };
        JobHeader::of_sync(
            places,
            &ends.a.1,
            &ends.b.1,
            SyncHeader {
                way: way.to_owned(),
                delete,
            },
        )
    }

    fn push_copies(&mut self, ends: &Ends, from: End, items: Vec<RetryItem>) {
        if items.is_empty() {
            return;
        }
        let (src_vfs, src_dir) = ends.get(from);
        let (dst_vfs, dst_dir) = ends.get(from.other());
        let title = format!(
            "Sync {} → {} ({})",
            src_dir,
            dst_dir,
            crate::plural::count(items.len() as u64, "file", "files")
        );
        self.copies.push(CopyJob {
            from,
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

    fn push_deletes(&mut self, ends: &Ends, on: End, doomed: Vec<VPath>) {
        if doomed.is_empty() {
            return;
        }
        self.deletes.push((
            on,
            JobSpec {
                kind: JobKind::Delete,
                src: ends.get(on).0.clone(),
                sources: doomed,
                dst: None,
                rename_to: None,
                conflict: ConflictPolicy::Skip,
            },
        ));
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
    /// What the sync reads and writes, on which machine (`SyncWork::places`), without
    /// giving the jobs away.
    pub fn places(&self) -> Vec<(crate::vfs::VfsHandle, VPath)> {
        self.copies
            .iter()
            .flat_map(|c| RetryItem::places(&c.spec, &c.items))
            .chain(self.deletes.iter().flat_map(|(_, spec)| spec.places()))
            .collect()
    }

    pub fn work(self) -> SyncWork {
        SyncWork {
            copies: self.copies.into_iter().map(|c| (c.spec, c.items)).collect(),
            deletes: self.deletes.into_iter().map(|(_, spec)| spec).collect(),
        }
    }

    /// Starts the whole sync as one job named `title`.
    pub fn start(self, engine: &JobEngine, title: String) -> JobId {
        engine.start_sync(self.work(), title)
    }

    /// Starts the whole sync as one job named `title`, journaled under `header`: an
    /// entry an earlier run of the same sync left is taken up (its verified copies are
    /// not sent again) and gets this plan.
    pub fn start_journaled(self, engine: &JobEngine, title: String, header: &JobHeader) -> JobId {
        let record = self.record();
        engine.start_sync_journaled(self.work(), title, header, Some(&record))
    }
}

fn end_name(end: End) -> &'static str {
    match end {
        End::A => "a",
        End::B => "b",
    }
}

fn end_of(name: &str) -> VfsResult<End> {
    match name {
        "a" => Ok(End::A),
        "b" => Ok(End::B),
        _ => Err(VfsError::Protocol(format!(
            "no sync end {name:?} in the journal"
        ))),
    }
}
