//! The commander's side of the job journal (`jobs::journal`): jobs an earlier run left
//! are listed paused (restored) at start and never started by themselves; resuming one
//! opens its two ends again (a pane's backend when one shows the place, else through
//! the connect use case, a password not stored asked in the connect dialogs) and starts
//! it from its journal; forgetting one drops its entry and removes its temporaries.
//! Jobs the commander starts are journaled under the places their panes were opened
//! from.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ratatui::backend::Backend;

use super::Runtime;
use super::effects::Internal;
use crate::app::connect::ConnectMsg;
use crate::app::jobs::RestoredJob;
use crate::app::{Msg, Problem};
use crate::jobs::journal::{JobPlaces, Journal, JournalEntry, LOCAL, reopen_target};
use crate::jobs::{JobId, JobKind, JobSpec};
use crate::remotes::RemoteError;
use crate::services::connect::{self, Answers, ConnectContext};
use crate::services::sync::{Direction, Ends, Plan, SyncJobs};
use crate::vfs::{VPath, VfsHandle};

/// What the runtime keeps for the journal.
#[derive(Default)]
pub(super) struct Restore {
    journal: Option<Journal>,
    /// Paused entries by journal key.
    entries: HashMap<String, JournalEntry>,
    /// The place each opened backend came from, by its label (`local` is implied).
    pub(super) places: Places,
    /// Backends opened to resume paused jobs, by place.
    opened: Opened,
}

impl Restore {
    /// The journal folder, when jobs are journaled (the stale sweep keeps what it owns).
    pub(super) fn journal(&self) -> Option<Journal> {
        self.journal.clone()
    }
}

/// Place → a backend opened there for a resume.
type Opened = Arc<Mutex<HashMap<String, VfsHandle>>>;

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

    /// Starts a sync the app asked for, journaled when both of its ends have a place.
    pub(super) fn start_sync(
        &mut self,
        jobs: SyncJobs,
        plan: &Plan,
        ends: &Ends,
        title: String,
    ) -> JobId {
        let places = &self.restore.places;
        let places = place_of(places, &ends.a.0)
            .zip(place_of(places, &ends.b.0))
            .filter(|_| self.restore.journal.is_some())
            .map(|(src, dst)| JobPlaces { src, dst });
        match places {
            Some(places) => {
                let header = SyncJobs::journal_header(&places, ends, plan);
                jobs.start_journaled(&self.engine, title, &header)
            }
            None => jobs.start(&self.engine, title),
        }
    }

    /// The journal keys of the paused (restored) entries a sync of `direction` between
    /// `ends` left, now found already in sync: one that did not delete, and, when this
    /// plan may delete (`delete`), one that did. Their rows are forgotten (`x`).
    pub(super) fn settled_sync(
        &self,
        ends: &Ends,
        direction: Direction,
        delete: bool,
    ) -> Vec<String> {
        let places = &self.restore.places;
        let Some(places) = place_of(places, &ends.a.0)
            .zip(place_of(places, &ends.b.0))
            .map(|(src, dst)| JobPlaces { src, dst })
        else {
            return Vec::new();
        };
        SyncJobs::settled_headers(&places, ends, direction, delete)
            .iter()
            .map(|h| h.key())
            .filter(|key| self.restore.entries.contains_key(key))
            .collect()
    }

    /// Opens the ends of a paused job again and starts it from its journal, as task of
    /// the connect flow (`ConnectCmd::Resume`): a question (a password not stored, a
    /// certificate, a code) goes to the app's dialogs and ends the attempt; the answer
    /// comes back in `answered` for the place that asked. Backends already open — a
    /// pane's, or one opened for an earlier resume — are used as they are.
    pub(super) fn resume_restored(
        &mut self,
        req: crate::app::RequestId,
        job: RestoredJob,
        answered: Option<(String, Answers)>,
    ) -> u64 {
        let tx = self.tx.clone();
        let Some(entry) = self.restore.entries.get(&job.key).cloned() else {
            return self.spawn(async move {
                let error = Problem::Target("it is no longer in the journal".to_owned());
                super::connect::send(&tx, ConnectMsg::Failed { req, error });
            });
        };
        let mut open = self
            .restore
            .opened
            .lock()
            .map(|o| o.clone())
            .unwrap_or_default();
        for pane in &self.app.panes {
            if let Some(place) = place_of(&self.restore.places, &pane.vfs) {
                open.entry(place).or_insert_with(|| pane.vfs.clone());
            }
        }
        let resume = Resume {
            ctx: self.nas.ctx.clone(),
            engine: self.engine.clone(),
            opened: self.restore.opened.clone(),
            dialogs: super::connect::Dialogs { tx, req },
        };
        self.spawn(async move { resume.run(entry, job, open, answered).await })
    }

    /// Drops a paused job's entry, and (in the background) what its unfinished
    /// transfers left at its target (each end a sync wrote to): partial files, what the NAS keeps of cut uploads
    /// (`jobs::resume::discard_partials`), reaching the target with the stored secrets.
    /// The app hears what was removed (`Msg::PausedForgotten` for row `id`).
    pub(super) fn forget_restored(&mut self, id: JobId, key: &str) {
        let (Some(journal), Some(entry)) =
            (&self.restore.journal, self.restore.entries.remove(key))
        else {
            return;
        };
        journal.forget(&entry.header);
        let forgotten = move |removed: usize, bytes: u64, error: Option<String>| {
            Internal::Msg(Msg::PausedForgotten {
                id,
                removed,
                bytes,
                error,
            })
        };
        let tx = self.tx.clone();
        if entry.partials.is_empty() && entry.uploads.is_empty() {
            let _ = tx.send(forgotten(0, 0, None));
            return;
        }
        let ctx = self.nas.ctx.clone();
        // Each place it wrote to (a B→A sync's partials are at A), with the backend
        // already open there, if any.
        let parts: Vec<(String, Option<VfsHandle>, JournalEntry)> = entry
            .by_target()
            .into_iter()
            .map(|(place, part)| {
                let open = self.open_at(&place);
                (place, open, part)
            })
            .collect();
        self.spawn(async move {
            let (mut files, mut bytes, mut error) = (0, 0, None);
            for (place, open, part) in parts {
                let dst = match open {
                    Some(dst) => Ok(dst),
                    None => open_place(&ctx, &place).await,
                };
                match dst {
                    Ok(dst) => {
                        let d = crate::jobs::resume::discard_partials(&dst, &part).await;
                        tracing::info!(dropped = d.files, "removed a forgotten job's temporaries");
                        files += d.files;
                        bytes += d.bytes;
                    }
                    // Left for the stale sweep, now that no entry owns them.
                    Err(e) => {
                        tracing::info!(error = %e, "a forgotten job's temporaries stay");
                        error.get_or_insert(e);
                    }
                }
            }
            let _ = tx.send(forgotten(files, bytes, error));
        });
    }

    /// A backend already open at `place`: one opened for a resume, or a pane's.
    fn open_at(&self, place: &str) -> Option<VfsHandle> {
        self.restore
            .opened
            .lock()
            .ok()
            .and_then(|o| o.get(place).cloned())
            .or_else(|| {
                self.app
                    .panes
                    .iter()
                    .find(|p| place_of(&self.restore.places, &p.vfs).as_deref() == Some(place))
                    .map(|p| p.vfs.clone())
            })
    }
}

/// One attempt at resuming a paused job (`Runtime::resume_restored`).
struct Resume {
    ctx: Arc<ConnectContext>,
    engine: crate::jobs::JobEngine,
    /// Backends opened for resumes, by place: kept for the session, so a second end
    /// or a second job on the same NAS does not log in (nor ask) again.
    opened: Opened,
    dialogs: super::connect::Dialogs,
}

impl Resume {
    async fn run(
        self,
        entry: JournalEntry,
        job: RestoredJob,
        mut open: HashMap<String, VfsHandle>,
        answered: Option<(String, Answers)>,
    ) {
        let req = self.dialogs.req;
        let h = &entry.header;
        for place in [&h.src, &h.dst] {
            if open.contains_key(place) {
                continue;
            }
            let vfs = if place == LOCAL {
                connect::local()
            } else {
                super::connect::send(
                    &self.dialogs.tx,
                    ConnectMsg::Opening {
                        req,
                        target: place.clone(),
                    },
                );
                let answers = match &answered {
                    Some((p, a)) if p == place => a.clone(),
                    _ => Answers::default(),
                };
                let target = reopen_target(place, "/");
                match connect::open(&self.ctx, &target, &answers, &self.dialogs).await {
                    Ok(o) => o.vfs,
                    // A dialog asks; its answer starts the next attempt.
                    Err(RemoteError::Deferred) => return,
                    Err(e) => {
                        let error = super::connect::failure(e);
                        super::connect::send(&self.dialogs.tx, ConnectMsg::Failed { req, error });
                        return;
                    }
                }
            };
            if let Ok(mut o) = self.opened.lock() {
                o.insert(place.clone(), vfs.clone());
            }
            open.insert(place.clone(), vfs);
        }
        if entry.header.sync.is_some() {
            let msg = match sync_of(&entry, &open) {
                Ok(jobs) => {
                    let places = crate::app::jobs::Footprint(jobs.places());
                    let id = self.engine.start_sync_journaled(
                        jobs.work(),
                        job.title.clone(),
                        &entry.header,
                        None,
                    );
                    tracing::info!(job = id, "resumed a restored sync");
                    ConnectMsg::Resumed {
                        req,
                        id,
                        kind: JobKind::Sync,
                        title: job.title,
                        places,
                    }
                }
                Err(message) => ConnectMsg::Failed {
                    req,
                    error: Problem::Target(message),
                },
            };
            super::connect::send(&self.dialogs.tx, msg);
            return;
        }
        let msg = match spec_of(&entry, &open) {
            Ok((spec, places)) => {
                let kind = spec.kind;
                let footprint = crate::app::jobs::Footprint(spec.places());
                let id = self.engine.start_journaled(spec, &places);
                tracing::info!(job = id, "resumed a restored job");
                ConnectMsg::Resumed {
                    req,
                    id,
                    kind,
                    title: job.title,
                    places: footprint,
                }
            }
            Err(message) => ConnectMsg::Failed {
                req,
                error: Problem::Target(message),
            },
        };
        super::connect::send(&self.dialogs.tx, msg);
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

/// The sync of a journal entry (its plan as the journal holds it), its ends opened.
fn sync_of(entry: &JournalEntry, open: &HashMap<String, VfsHandle>) -> Result<SyncJobs, String> {
    let h = &entry.header;
    let Some(record) = &entry.sync_plan else {
        return Err("its plan is not in the journal".to_owned());
    };
    let end = |place: &String| {
        open.get(place)
            .cloned()
            .ok_or_else(|| format!("{place} is not open"))
    };
    let parse = |p: &str| VPath::parse(p).map_err(|e| e.to_string());
    let a_dir = parse(h.sources.first().map_or("", String::as_str))?;
    let ends = Ends {
        a: (end(&h.src)?, a_dir),
        b: (end(&h.dst)?, parse(&h.dst_dir)?),
    };
    SyncJobs::of_journal(record, &ends).map_err(|e| e.to_string())
}

/// The job of a journal entry, its ends opened (`open`, by place).
fn spec_of(
    entry: &JournalEntry,
    open: &HashMap<String, VfsHandle>,
) -> Result<(JobSpec, JobPlaces), String> {
    let h = &entry.header;
    let end = |place: &String| {
        open.get(place)
            .cloned()
            .ok_or_else(|| format!("{place} is not open"))
    };
    let src = end(&h.src)?;
    let dst = end(&h.dst)?;
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
