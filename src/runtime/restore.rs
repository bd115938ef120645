//! The commander's side of the job journal (`jobs::journal`): jobs an earlier run left
//! are listed paused (restored) at start and never started by themselves; resuming one
//! opens its two ends again (passwords from the secrets store or the environment, no
//! dialog) and starts it from its journal; forgetting one drops its entry. Jobs the
//! commander starts are journaled under the places their panes were opened from.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ratatui::backend::Backend;

use super::Runtime;
use super::effects::Internal;
use crate::app::Msg;
use crate::app::jobs::RestoredJob;
use crate::jobs::journal::{JobPlaces, Journal, JournalEntry, LOCAL, reopen_target};
use crate::jobs::{JobId, JobSpec};
use crate::services::connect::{self, Answers, ConnectContext};
use crate::vfs::{VPath, VfsHandle};

/// What the runtime keeps for the journal.
#[derive(Default)]
pub(super) struct Restore {
    journal: Option<Journal>,
    /// Paused entries by journal key.
    entries: HashMap<String, JournalEntry>,
    /// The place each opened backend came from, by its label (`local` is implied).
    pub(super) places: Places,
}

/// Backend label → place name (`NAME` or `scheme://user@host:port`).
pub(super) type Places = Arc<Mutex<HashMap<String, String>>>;

/// Remembers that the backend `vfs` was opened from what the user typed.
pub(super) fn note_place(places: &Places, vfs: &VfsHandle, typed: &str) {
    if let Some(place) = crate::jobs::journal::place_of_typed(typed)
        && let Ok(mut p) = places.lock()
    {
        p.insert(vfs.label(), place);
    }
}

fn place_of(places: &Places, vfs: &VfsHandle) -> Option<String> {
    let label = vfs.label();
    if label == LOCAL {
        return Some(LOCAL.to_owned());
    }
    places.lock().ok()?.get(&label).cloned()
}

impl<B: Backend> Runtime<B> {
    /// Journals the jobs the commander starts in `journal`, and lists the jobs an
    /// earlier run left there as paused (restored).
    pub fn with_journal(mut self, journal: Journal) -> Self {
        self.engine.set_journal(journal.clone());
        let entries = journal.entries();
        let views = entries.iter().map(view_of).collect();
        self.restore.entries = entries.into_iter().map(|e| (e.header.key(), e)).collect();
        self.restore.journal = Some(journal);
        self.dispatch(Msg::JobsRestored(views));
        self
    }

    /// Starts a job the app asked for, journaled when both of its ends have a place.
    pub(super) fn start_job(&mut self, spec: JobSpec) -> JobId {
        let places = match (&self.restore.journal, &spec.dst) {
            (Some(_), Some((dst, _))) => {
                let places = &self.restore.places;
                place_of(places, &spec.src)
                    .zip(place_of(places, dst))
                    .map(|(src, dst)| JobPlaces { src, dst })
            }
            _ => None,
        };
        match places {
            Some(places) => self.engine.start_journaled(spec, &places),
            None => self.engine.start(spec),
        }
    }

    pub(super) fn resume_restored(&mut self, job: RestoredJob) {
        let Some(entry) = self.restore.entries.remove(&job.key) else {
            return;
        };
        let ctx = self.nas.ctx.clone();
        let engine = self.engine.clone();
        let tx = self.tx.clone();
        self.spawn(async move {
            let msg = match reopen(&ctx, &entry).await {
                Ok((spec, places)) => {
                    let kind = spec.kind;
                    let id = engine.start_journaled(spec, &places);
                    tracing::info!(job = id, "resumed a restored job");
                    Msg::JobStarted {
                        id,
                        kind,
                        title: job.title,
                    }
                }
                Err(message) => Msg::RestoreFailed { job, message },
            };
            let _ = tx.send(Internal::Msg(msg));
        });
    }

    /// Drops a paused job's entry, and (in the background) what its unfinished
    /// transfers left at its target: partial files, what the NAS keeps of cut uploads
    /// (`jobs::resume::discard_partials`), reaching the target with the stored secrets.
    pub(super) fn forget_restored(&mut self, key: &str) {
        let (Some(journal), Some(entry)) =
            (&self.restore.journal, self.restore.entries.remove(key))
        else {
            return;
        };
        journal.forget(&entry.header);
        if entry.partials.is_empty() && entry.uploads.is_empty() {
            return;
        }
        let ctx = self.nas.ctx.clone();
        self.spawn(async move {
            match open_place(&ctx, &entry.header.dst).await {
                Ok(dst) => {
                    let n = crate::jobs::resume::discard_partials(&dst, &entry).await;
                    tracing::info!(dropped = n, "removed a forgotten job's temporaries");
                }
                // Left for the stale sweep, now that no entry owns them.
                Err(e) => tracing::info!(error = %e, "a forgotten job's temporaries stay"),
            }
        });
    }
}

/// The panel's row for a journal entry.
fn view_of(e: &JournalEntry) -> RestoredJob {
    RestoredJob {
        key: e.header.key(),
        kind: e.header.job_kind(),
        title: crate::names::escape(&e.header.describe()).into_owned(),
        done: e
            .resuming_line()
            .trim_start_matches("resuming: ")
            .to_owned(),
    }
}

/// The job of a journal entry, its ends opened again.
async fn reopen(
    ctx: &ConnectContext,
    entry: &JournalEntry,
) -> Result<(JobSpec, JobPlaces), String> {
    let h = &entry.header;
    let src = open_place(ctx, &h.src).await?;
    let dst = if h.dst == h.src {
        src.clone()
    } else {
        open_place(ctx, &h.dst).await?
    };
    let parse = |p: &str| VPath::parse(p).map_err(|e| e.to_string());
    let sources = h
        .sources
        .iter()
        .map(|s| parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let spec = JobSpec {
        kind: h.job_kind(),
        src,
        sources,
        dst: Some((dst, parse(&h.dst_dir)?)),
        rename_to: h.rename_to.clone(),
        conflict: h.conflict_policy(),
    };
    let places = JobPlaces {
        src: h.src.clone(),
        dst: h.dst.clone(),
    };
    Ok((spec, places))
}

async fn open_place(ctx: &ConnectContext, place: &str) -> Result<VfsHandle, String> {
    if place == LOCAL {
        return Ok(connect::local());
    }
    let target = reopen_target(place, "/");
    connect::open(
        ctx,
        &target,
        &Answers::default(),
        &crate::prompt::NoPrompter,
    )
    .await
    .map(|o| o.vfs)
    .map_err(|e| format!("{place}: {e}"))
}
