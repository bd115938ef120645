//! The job engine: every long operation (copy, move, delete, upload, download) runs as a
//! background job that reports by message and never touches UI state.
//!
//! The app builds a [`JobSpec`], the runtime hands it to [`JobEngine::start`], and
//! [`JobEvent`]s come back on the channel given to [`JobEngine::new`]. Rules that hold for
//! every backend: bounded streaming buffers; write under a temporary name in the target
//! folder, verify, rename into place; a move deletes its source only after the copy is
//! verified; transient failures retried with backoff; many small files in parallel.

use crate::vfs::{Entry, VPath, VfsHandle};

pub type JobId = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    Copy,
    Move,
    Delete,
    /// A sync (`jobs::sync_job`): copies, then deletes; never the kind of a `JobSpec`.
    Sync,
}

/// What to do when a file of the same name exists at the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConflictPolicy {
    /// Ask the user for each conflict (a `JobEvent::Conflict` per item).
    Ask,
    Overwrite,
    Skip,
    /// Overwrite only when the source is newer than the target.
    NewerOnly,
    /// Keep both: the copy gets a free name (`name (1).ext`).
    RenameNew,
}

/// A job as the app asks for it.
#[derive(Clone)]
pub struct JobSpec {
    pub kind: JobKind,
    /// The backend the sources live on.
    pub src: VfsHandle,
    /// The items the user selected (absolute paths on `src`).
    pub sources: Vec<VPath>,
    /// Target backend and folder (copy/move); `None` for delete.
    pub dst: Option<(VfsHandle, VPath)>,
    /// For a single item: the new name at the target (F6 rename, F5 "copy as").
    pub rename_to: Option<String>,
    pub conflict: ConflictPolicy,
}

impl JobSpec {
    /// What the job reads and writes, on which machine: each source, and where each
    /// lands at the target (not the whole target folder: its other entries are not the
    /// job's).
    pub fn places(&self) -> Vec<(VfsHandle, VPath)> {
        let mut places: Vec<(VfsHandle, VPath)> = self
            .sources
            .iter()
            .map(|s| (self.src.clone(), s.clone()))
            .collect();
        places.extend(self.landings());
        places
    }

    /// Where each source lands at the target (none for a delete).
    pub fn landings(&self) -> Vec<(VfsHandle, VPath)> {
        let Some((dst, dir)) = &self.dst else {
            return Vec::new();
        };
        self.sources
            .iter()
            .map(|source| {
                let name = self.rename_to.as_deref().unwrap_or(source.name());
                // A name that does not join (a root) leaves the folder itself.
                let landing = dir.join(name).unwrap_or_else(|_| dir.clone());
                (dst.clone(), landing)
            })
            .collect()
    }
}

/// The user's answer to a conflict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConflictAnswer {
    Overwrite,
    Skip,
    /// Write under this other name instead.
    Rename(String),
    /// Overwrite if the source is newer, else skip.
    NewerOnly,
}

/// One item that failed, with the reason (what the jobs panel lists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemError {
    pub path: String,
    pub message: String,
}

/// How a job ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobReport {
    pub items_done: u64,
    /// Items the job planned (what a cancelled job's summary counts `items_done` of).
    pub items_total: u64,
    pub items_skipped: u64,
    /// Entries of source folders refused for their names (`..`, `a/b`, NUL…), as
    /// `folder/name`, escaped and shortened; counted in `items_skipped` too.
    pub skipped_names: Vec<String>,
    /// Items given another name at a local target (`Features::terminal_safe_names`),
    /// as `source path → new name`, escaped and shortened.
    pub renamed: Vec<String>,
    pub bytes_done: u64,
    pub failed: Vec<ItemError>,
    pub cancelled: bool,
    /// Things the job says once about itself (e.g. `verify::SIZE_ONLY_NOTE`).
    pub notes: Vec<String>,
    /// What did not finish and can be tried again (`JobEngine::retry_failed`): the
    /// failed files, and those below a folder that could not be made.
    pub retry: Vec<RetryItem>,
}

/// One item of a job to try again: its source and where it was going (its final
/// path at the target).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryItem {
    pub src: VPath,
    pub dst: VPath,
}

impl RetryItem {
    /// What a job of `items` between `spec`'s ends reads and writes: each source and
    /// its final path, on their machines (as [`JobSpec::places`]).
    pub fn places(spec: &JobSpec, items: &[RetryItem]) -> Vec<(VfsHandle, VPath)> {
        let mut places: Vec<(VfsHandle, VPath)> = items
            .iter()
            .map(|i| (spec.src.clone(), i.src.clone()))
            .collect();
        if let Some((dst, _)) = &spec.dst {
            places.extend(items.iter().map(|i| (dst.clone(), i.dst.clone())));
        }
        places
    }
}

/// Progress numbers, cumulative for the job.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobProgress {
    pub items_done: u64,
    pub items_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Smoothed rate in bytes per second.
    pub rate: f64,
    /// Escaped display name of the item being worked on.
    pub current: String,
    /// Still walking the source tree (totals are growing).
    pub planning: bool,
    /// A file lost its connection and waits to try again (the rate means nothing then).
    pub reconnecting: Option<Reconnecting>,
    /// Every byte is sent and a NAS has yet to answer for the last of them (it still
    /// writes or assembles the file): "finishing on the NAS…" rather than a frozen
    /// 100 %.
    pub finishing: bool,
}

/// What a job says while [`JobProgress::finishing`].
pub const FINISHING: &str = "finishing on the NAS…";

/// A file of the job waiting to try again after a transient failure (the one whose
/// next try comes first, when several wait).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reconnecting {
    /// Seconds until the next try (0: trying now).
    pub next_try_in: u64,
    /// The number of the next try (the first try is 1).
    pub attempt: u32,
    /// What went wrong: a lost connection, or an answer that was a server error.
    pub cause: RetryCause,
}

/// Why an operation waits to try again, as the user is told.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RetryCause {
    /// The connection was lost, refused or timed out.
    #[default]
    Connection,
    /// The NAS (or a proxy before it) answered with a server error: an HTTP 5xx.
    Http(u16),
    /// The NAS answered that it is busy (QNAP status 19 or 28).
    Busy(i64),
    /// The session expired and is opened again.
    Session,
}

impl RetryCause {
    /// The cause of a transient failure `e`.
    pub fn of(e: &crate::vfs::VfsError) -> Self {
        use crate::vfs::{ServerCode, VfsError};
        match e {
            VfsError::Server {
                code: ServerCode::Http(status),
                ..
            } => RetryCause::Http(*status),
            VfsError::Server {
                code: ServerCode::Busy(code),
                ..
            } => RetryCause::Busy(*code),
            VfsError::SessionExpired => RetryCause::Session,
            _ => RetryCause::Connection,
        }
    }

    /// "reconnecting", "NAS error (HTTP 500)", "NAS busy (code 19)", "signing in again".
    fn describe(self) -> String {
        match self {
            RetryCause::Connection => "reconnecting".to_owned(),
            RetryCause::Http(status) => format!("NAS error (HTTP {status})"),
            RetryCause::Busy(code) => format!("NAS busy (code {code})"),
            RetryCause::Session => "signing in again".to_owned(),
        }
    }
}

impl Reconnecting {
    /// "reconnecting — next try in 12 s (attempt 4)", "NAS error (HTTP 500) — next try
    /// in 4 s (attempt 3)".
    pub fn describe(&self) -> String {
        let what = self.cause.describe();
        if self.next_try_in == 0 {
            format!("{what} — trying again (attempt {})", self.attempt)
        } else {
            format!(
                "{what} — next try in {} s (attempt {})",
                self.next_try_in, self.attempt
            )
        }
    }
}

/// What the engine tells the app. Progress is throttled (a few per second per job).
#[derive(Clone, Debug, PartialEq)]
pub enum JobEvent {
    Started {
        id: JobId,
        kind: JobKind,
        title: String,
    },
    Progress {
        id: JobId,
        progress: JobProgress,
    },
    /// A target exists and the policy is `Ask`: the job waits for
    /// `JobEngine::answer_conflict`.
    Conflict {
        id: JobId,
        target: VPath,
        source: Entry,
        existing: Entry,
    },
    Finished {
        id: JobId,
        report: JobReport,
    },
    /// Abandoned temporaries of earlier runs (nascmd's own naming, untouched for a day)
    /// were removed from a folder the job writes into (`jobs::stale`).
    StaleRemoved {
        id: JobId,
        folder: VPath,
        /// The names removed.
        names: Vec<String>,
        /// The space that came back.
        bytes: u64,
    },
}

mod cancel;
mod check;
mod checked_steps;
mod conflict;
mod ctx;
mod delete;
mod engine;
mod fetch;
pub mod journal;
mod mkdir;
mod one_file;
mod pace;
mod patience;
pub mod plan;
mod progress;
mod ramp;
mod ranged;
pub mod resume;
mod retry;
mod retry_failed;
mod run;
pub mod search;
pub mod stale;
mod sync_job;
pub mod target;
mod transfer;
mod upload;
pub mod verify;

pub use check::check_spec;
pub use ctx::EngineOptions;
pub use engine::JobEngine;
pub use fetch::{Fetched, read_retrying};
pub use mkdir::{LastFolder, MadeFolders, mkdir_parents};
pub use one_file::copy_one_file;
pub use retry::{
    RetryPolicy, list_retrying, list_retrying_counted, mkdir_interactive, retry_interactive,
};
pub use sync_job::{NOTHING_DELETED, SyncWork};
pub use transfer::TEMP_PREFIX;
pub use verify::Verify;
