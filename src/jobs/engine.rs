//! The engine handle the runtime talks to: start, cancel, answer conflicts.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::journal::{JobHeader, JobJournal, JobPlaces, Journal, SyncPlanRecord};
use super::sync_job::SyncWork;
use super::{ConflictAnswer, EngineOptions, JobEvent, JobId, JobKind, JobSpec, RetryItem};

/// What a launched job runs.
enum Work {
    /// A copy, move or delete; with items, exactly those (a retry, a sync's files).
    Spec {
        spec: JobSpec,
        retry: Vec<RetryItem>,
    },
    /// A sync: copies, then deletes once every copy is verified (`jobs::sync_job`).
    Sync(SyncWork),
}

/// A cheap-to-clone handle to the job engine. Jobs run as tokio tasks; events go to the
/// channel given at construction.
#[derive(Clone)]
pub struct JobEngine {
    inner: Arc<Inner>,
}

struct Inner {
    events: UnboundedSender<JobEvent>,
    next_id: AtomicU64,
    opts: EngineOptions,
    /// Continue partial downloads of earlier runs (`jobs::resume`).
    resume: AtomicBool,
    running: Mutex<HashMap<JobId, RunningJob>>,
    /// Finished jobs with items to try again (the newest few), for `retry_failed`.
    failed: Mutex<BTreeMap<JobId, Retryable>>,
    /// Where jobs started with places are journaled (`jobs::journal`); none: no journal.
    journal: Mutex<Option<Journal>>,
    /// Journals of finished jobs that did not complete (kept for a later run until
    /// the job is retried or forgotten).
    kept: Mutex<HashMap<JobId, Arc<JobJournal>>>,
}

/// What a failed job leaves to try again.
enum Retryable {
    Spec(JobSpec, Vec<RetryItem>),
    /// A sync's failed copies and the deletes they held back (`SyncWork::left`).
    Sync(SyncWork, String),
}

/// How many failed jobs are kept for `JobEngine::retry_failed`.
const KEPT_FAILED: usize = 16;
/// How many open journals of unfinished jobs are kept for a retry or `forget`.
const KEPT_JOURNALS: usize = 64;

/// What the handle keeps of a running job.
pub(crate) struct RunningJob {
    pub cancel: CancellationToken,
    /// Set by `interrupt`: the cancel keeps the job's journal for a later run.
    pub keep_journal: Arc<AtomicBool>,
    pub answers: UnboundedSender<(ConflictAnswer, bool)>,
}

impl JobEngine {
    pub fn new(events: UnboundedSender<JobEvent>) -> Self {
        Self::with_options(events, EngineOptions::default())
    }

    /// An engine with its own tuning (worker count, retry policy).
    pub fn with_options(events: UnboundedSender<JobEvent>, opts: EngineOptions) -> Self {
        JobEngine {
            inner: Arc::new(Inner {
                events,
                next_id: AtomicU64::new(1),
                opts,
                resume: AtomicBool::new(true),
                running: Mutex::new(HashMap::new()),
                failed: Mutex::new(BTreeMap::new()),
                journal: Mutex::new(None),
                kept: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The same engine (same event channel) with other tuning; meant for before the
    /// first job starts (jobs already running keep the old tuning and are not listed
    /// by the new handle).
    pub fn reconfigured(&self, opts: EngineOptions) -> JobEngine {
        JobEngine {
            inner: Arc::new(Inner {
                events: self.inner.events.clone(),
                next_id: AtomicU64::new(self.inner.next_id.load(Ordering::Relaxed)),
                opts,
                resume: AtomicBool::new(self.inner.resume.load(Ordering::Relaxed)),
                running: Mutex::new(HashMap::new()),
                failed: Mutex::new(BTreeMap::new()),
                journal: Mutex::new(self.journal()),
                kept: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Journals the jobs started with [`JobEngine::start_journaled`] in `journal`.
    pub fn set_journal(&self, journal: Journal) {
        if let Ok(mut j) = self.inner.journal.lock() {
            *j = Some(journal);
        }
    }

    fn journal(&self) -> Option<Journal> {
        self.inner.journal.lock().ok()?.clone()
    }

    /// Starts a job that is journaled under `places` (when a journal is set): an
    /// earlier run's entry for the same job is continued (unless resuming is off), its
    /// verified files are not sent again; the entry goes when the job completes.
    pub fn start_journaled(&self, spec: JobSpec, places: &JobPlaces) -> JobId {
        let journal = JobHeader::of(&spec, places).and_then(|h| self.open_journal(&h, None));
        self.launch(
            Work::Spec {
                spec,
                retry: Vec::new(),
            },
            journal,
            None,
        )
    }

    /// Starts a sync as one job (as [`JobEngine::start_sync`]) journaled under `header`
    /// (when a journal is set): an earlier run's entry for the same sync is continued
    /// (unless resuming is off), its verified copies not sent again. `plan` is the
    /// plan's form in the journal (a new plan replaces the entry's; `None` keeps it:
    /// a resume of what the journal holds).
    pub fn start_sync_journaled(
        &self,
        work: SyncWork,
        title: String,
        header: &JobHeader,
        plan: Option<&SyncPlanRecord>,
    ) -> JobId {
        let journal = self.open_journal(header, plan);
        self.launch(Work::Sync(work), journal, Some(title))
    }

    fn open_journal(
        &self,
        header: &JobHeader,
        plan: Option<&SyncPlanRecord>,
    ) -> Option<Arc<JobJournal>> {
        let resume = self.inner.resume.load(Ordering::Relaxed);
        match self.journal()?.open_with(header, resume, plan) {
            Ok(j) => Some(Arc::new(j)),
            Err(e) => {
                tracing::warn!(error = %e, "could not open the job journal");
                None
            }
        }
    }

    /// Forgets the journal a finished job kept (the user dismissed it).
    pub fn forget(&self, id: JobId) {
        let kept = self.inner.kept.lock().ok().and_then(|mut k| k.remove(&id));
        if let Some(j) = kept {
            j.remove();
        }
    }

    /// Cancels a job as a quit does: its journal stays for a later run.
    pub fn interrupt(&self, id: JobId) {
        if let Ok(running) = self.inner.running.lock()
            && let Some(job) = running.get(&id)
        {
            job.keep_journal.store(true, Ordering::Relaxed);
            job.cancel.cancel();
        }
    }

    /// Whether jobs started from now on continue the partial downloads earlier runs
    /// left (the default) or remove them and start over (`--no-resume`).
    pub fn set_resume(&self, resume: bool) {
        self.inner.resume.store(resume, Ordering::Relaxed);
    }

    /// Starts a job in the background and returns its id at once.
    pub fn start(&self, spec: JobSpec) -> JobId {
        self.launch(
            Work::Spec {
                spec,
                retry: Vec::new(),
            },
            None,
            None,
        )
    }

    /// Starts a copy or move of exactly these items, each from its source to its own
    /// final path (a sync plan's actions: `services::sync`), missing target folders
    /// made first, conflicts by the spec's policy. `title` names the job.
    pub fn start_items(&self, spec: JobSpec, items: Vec<RetryItem>, title: String) -> JobId {
        self.launch(Work::Spec { spec, retry: items }, None, Some(title))
    }

    /// Starts a sync as one job (`jobs::sync_job`): its copies, then — only when every
    /// copy finished verified — its deletes. `title` names the job.
    pub fn start_sync(&self, work: SyncWork, title: String) -> JobId {
        self.launch(Work::Sync(work), None, Some(title))
    }

    /// Whether finished job `id` left items that [`JobEngine::retry_failed`] can run
    /// again.
    pub fn can_retry(&self, id: JobId) -> bool {
        self.inner
            .failed
            .lock()
            .map(|f| f.contains_key(&id))
            .unwrap_or(false)
    }

    /// What a retry of job `id` would read and write, on which machine: each item's
    /// source and its final path (a sync's deletes too), as `JobSpec::places` says it
    /// for a job the app starts; empty when there is nothing to retry.
    pub fn retry_places(&self, id: JobId) -> Vec<(crate::vfs::VfsHandle, crate::vfs::VPath)> {
        let Ok(failed) = self.inner.failed.lock() else {
            return Vec::new();
        };
        match failed.get(&id) {
            Some(Retryable::Spec(spec, items)) => RetryItem::places(spec, items),
            Some(Retryable::Sync(work, _)) => work.places(),
            None => Vec::new(),
        }
    }

    /// Starts a new job that runs again only what did not finish in job `id` (its
    /// failed files, and those below a folder that could not be made); `None` when
    /// there is nothing to retry (or it was retried already).
    pub fn retry_failed(&self, id: JobId) -> Option<(JobId, JobKind)> {
        let left = self.inner.failed.lock().ok()?.remove(&id)?;
        let journal = self.inner.kept.lock().ok().and_then(|mut k| k.remove(&id));
        Some(match left {
            Retryable::Spec(spec, items) => {
                let kind = spec.kind;
                (
                    self.launch(Work::Spec { spec, retry: items }, journal, None),
                    kind,
                )
            }
            Retryable::Sync(work, title) => (
                self.launch(Work::Sync(work), journal, Some(format!("Retry: {title}"))),
                JobKind::Sync,
            ),
        })
    }

    fn launch(&self, work: Work, journal: Option<Arc<JobJournal>>, title: Option<String>) -> JobId {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let cancel = CancellationToken::new();
        let keep_journal = Arc::new(AtomicBool::new(false));
        let (answers_tx, answers_rx) = tokio::sync::mpsc::unbounded_channel();
        if let Ok(mut running) = self.inner.running.lock() {
            running.insert(
                id,
                RunningJob {
                    cancel: cancel.clone(),
                    keep_journal: keep_journal.clone(),
                    answers: answers_tx,
                },
            );
        }
        let inner = self.inner.clone();
        let resume = inner.resume.load(Ordering::Relaxed);
        tokio::spawn(async move {
            let (report, kept) = match work {
                Work::Spec { spec, retry } => {
                    let kept = spec.clone();
                    let kept =
                        |report: &super::JobReport| Retryable::Spec(kept, report.retry.clone());
                    let report = super::run::run_job(
                        id,
                        spec,
                        retry,
                        inner.events.clone(),
                        answers_rx,
                        cancel,
                        inner.opts,
                        resume,
                        journal.clone(),
                        title,
                    )
                    .await;
                    let kept: Box<dyn FnOnce(&super::JobReport) -> Retryable + Send> =
                        Box::new(kept);
                    (report, kept)
                }
                // Retried as a sync of what it left: the failed copies, then the
                // deletes they held back.
                Work::Sync(work) => {
                    let title = title.unwrap_or_else(|| "Sync".to_owned());
                    let plain = title.strip_prefix("Retry: ").unwrap_or(&title).to_owned();
                    let (report, left) = super::sync_job::run_sync(
                        id,
                        work,
                        inner.events.clone(),
                        cancel,
                        inner.opts,
                        resume,
                        journal.clone(),
                        title,
                    )
                    .await;
                    let kept: Box<dyn FnOnce(&super::JobReport) -> Retryable + Send> =
                        Box::new(move |_| Retryable::Sync(left, plain));
                    (report, kept)
                }
            };
            if let Some(j) = journal {
                // Complete, or cancelled by the user: nothing to take up later.
                // Interrupted: kept for a rerun or the next start. Failed: kept only
                // while it can be resumed, i.e. some item is left to try again (its
                // Retry, a rerun, or the next start as "paused (restored)"); a failure
                // with nothing to try again goes, whether or not its dialog is seen.
                let interrupted = report.cancelled && keep_journal.load(Ordering::Relaxed);
                let complete = report.failed.is_empty() && !report.cancelled;
                let dismissed = report.cancelled && !interrupted;
                let nothing_to_resume =
                    !report.failed.is_empty() && report.retry.is_empty() && !interrupted;
                if complete || dismissed || nothing_to_resume {
                    j.remove();
                } else if let Ok(mut kept) = inner.kept.lock() {
                    kept.insert(id, j);
                    // The oldest handles go (their files stay for a later run).
                    while kept.len() > KEPT_JOURNALS {
                        let Some(oldest) = kept.keys().min().copied() else {
                            break;
                        };
                        kept.remove(&oldest);
                    }
                }
            }
            if let Ok(mut running) = inner.running.lock() {
                running.remove(&id);
            }
            if !report.retry.is_empty()
                && let Ok(mut failed) = inner.failed.lock()
            {
                failed.insert(id, kept(&report));
                while failed.len() > KEPT_FAILED {
                    failed.pop_first();
                }
            }
            let _ = inner.events.send(JobEvent::Finished { id, report });
        });
        id
    }

    /// Cancels a job: the running transfer stops, its temporary file is removed.
    pub fn cancel(&self, id: JobId) {
        if let Ok(running) = self.inner.running.lock()
            && let Some(job) = running.get(&id)
        {
            job.cancel.cancel();
        }
    }

    /// Answers the pending conflict of a job; `apply_to_all` answers the later ones too.
    pub fn answer_conflict(&self, id: JobId, answer: ConflictAnswer, apply_to_all: bool) {
        if let Ok(running) = self.inner.running.lock()
            && let Some(job) = running.get(&id)
        {
            let _ = job.answers.send((answer, apply_to_all));
        }
    }

    /// Number of jobs still running.
    pub fn running(&self) -> usize {
        self.inner.running.lock().map(|r| r.len()).unwrap_or(0)
    }
}
