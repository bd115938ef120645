//! What flows into `App::update` (`Msg`) and what comes out of it (`Cmd`).
//!
//! Every I/O result comes back as a `Msg` tagged with the request id the app handed out,
//! so a listing for a folder the user has already left is recognised and dropped.

use std::fmt;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::jobs::{ConflictAnswer, JobEvent, JobId, JobKind, JobSpec};
use crate::vfs::{Entry, SpaceInfo, VPath, VfsError, VfsHandle};

pub use super::ids::{RequestId, Side};

/// Everything that can change the app's state.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// Terminal size in cells.
    Resize(u16, u16),
    /// One page of a folder listing (`done` on the last one). Errors come as the
    /// backend gave them; the app words them ([`VfsError::user_message`]).
    Listed {
        side: Side,
        req: RequestId,
        page: Result<Vec<Entry>, VfsError>,
        done: bool,
    },
    /// How many entries the folder of listing `req` holds, as the backend's first reply
    /// said (before its first page): the pane shows "loading 5000 of 100000…".
    ListTotal {
        side: Side,
        req: RequestId,
        total: u64,
    },
    /// A pane's listing showed temporaries of ours left for a day, and the sweep after it
    /// removed `files` of them (`bytes` came back).
    StaleSwept {
        side: Side,
        dir: VPath,
        files: usize,
        bytes: u64,
    },
    Space {
        side: Side,
        req: RequestId,
        space: Option<SpaceInfo>,
    },
    /// A quick operation (mkdir) finished; `focus` is the name to put the cursor on (on
    /// a failure, set when it changed the folder: a path of folders made part-way).
    OpDone {
        side: Side,
        result: Result<(), VfsError>,
        focus: Option<String>,
    },
    /// The runtime started a job for `Cmd::StartJob`.
    JobStarted {
        id: JobId,
        kind: JobKind,
        title: String,
    },
    /// What a job just started reads and writes, on which machine: its sources and
    /// where each lands (F8 on one of them warns that the job still uses it).
    JobPlaces {
        id: JobId,
        places: super::jobs::Footprint,
    },
    Job(JobEvent),
    /// Jobs an earlier run left in the journal: listed paused (restored).
    JobsRestored(Vec<super::jobs::RestoredJob>),
    /// A paused job was forgotten: what its unfinished transfers left was removed
    /// (`removed` temporaries, `bytes` of them), or could not be reached (`error`).
    PausedForgotten {
        id: JobId,
        removed: usize,
        bytes: u64,
        error: Option<String>,
    },
    /// The viewer's "no action here" note has been shown long enough (`Cmd::After`).
    ViewerNoteExpired(u64),
    /// Results of share-link effects (`app/share.rs`).
    Share(Box<super::share_cmds::ShareMsg>),
    /// Bytes for the viewer, read from `offset`.
    FileChunk {
        req: RequestId,
        offset: u64,
        data: Result<Vec<u8>, VfsError>,
    },
    /// A picture laid out for `Cmd::ShowPicture` (or why there is none).
    Picture {
        req: RequestId,
        result: Result<crate::image_preview::SharedPicture, crate::image_preview::PictureFailure>,
    },
    /// Progress of opening a NAS in a pane (see `app::connect`).
    Connect(super::connect::ConnectMsg),
    /// Hits of a running search (see `app::search`).
    Search(super::search::SearchMsg),
    /// The sync plan's progress and result (see `app::sync_dialog`).
    Sync(super::sync_dialog::SyncMsg),
    /// Results of the mc keys' effects (`app/mc_cmds.rs`).
    Mc(super::mc_cmds::McMsg),
    /// A program that had the terminal ended (`app/shell_edit.rs`).
    Terminal(super::shell_edit::TerminalMsg),
}

/// Effects the runtime carries out; their results return as `Msg`s.
pub enum Cmd {
    List {
        side: Side,
        req: RequestId,
        vfs: VfsHandle,
        dir: VPath,
        /// The pane's order when the listing started: the listing task sorts each page
        /// in it, off the UI thread (the pane then only merges).
        sort: super::sort::SortSpec,
    },
    Space {
        side: Side,
        req: RequestId,
        vfs: VfsHandle,
        dir: VPath,
    },
    /// F7: make `path` and the folders between the pane's folder `base` and it.
    Mkdir {
        side: Side,
        vfs: VfsHandle,
        base: VPath,
        path: VPath,
    },
    StartJob {
        spec: JobSpec,
        title: String,
    },
    /// As `StartJob`, for one item whose target was typed by hand and is no folder
    /// either pane shows: the runtime first asks the target's backend whether it is a
    /// folder (`jobs::target`); if so the item goes inside it instead of taking its name.
    StartJobAskingTarget {
        spec: JobSpec,
        title: String,
    },
    CancelJob(JobId),
    /// Run again what did not finish in a failed job (`JobEngine::retry_failed`).
    RetryJob(JobId),
    /// Drop a paused (restored) job's journal entry and remove what its unfinished
    /// transfers left (answered by `Msg::PausedForgotten` for row `id`). Resuming one is
    /// a `ConnectCmd::Resume`: it may ask for a password.
    ForgetRestored {
        id: JobId,
        key: String,
    },
    AnswerConflict {
        id: JobId,
        answer: ConflictAnswer,
        apply_to_all: bool,
    },
    /// Read up to `len` bytes of a file from `offset` (the viewer's window).
    ReadFile {
        req: RequestId,
        vfs: VfsHandle,
        path: VPath,
        offset: u64,
        len: usize,
    },
    /// A picture of the file, fitted to `cells` (`app/quick_view.rs`); answered by
    /// `Msg::Picture`.
    ShowPicture {
        req: RequestId,
        vfs: VfsHandle,
        path: VPath,
        cells: (u16, u16),
    },
    /// Share links and the clipboard (`app/share.rs`).
    Share(Box<super::share_cmds::ShareCmd>),
    /// Hand `msg` back to the app after `delay` (a note that goes away by itself).
    After {
        delay: std::time::Duration,
        msg: Box<Msg>,
    },
    /// Stop the process like Ctrl-Z in a shell (terminal restored first).
    Suspend,
    Quit,
    /// Open (or stop opening) a NAS in a pane.
    Connect(super::connect::ConnectCmd),
    /// Start or cancel a search.
    Search(super::search::SearchCmd),
    /// Plan a sync, stop planning, or run the plan (`app/sync_dialog.rs`).
    Sync(Box<super::sync_dialog::SyncCmd>),
    /// Effects of the mc keys (`app/mc_cmds.rs`).
    Mc(Box<super::mc_cmds::McCmd>),
    /// Hand the terminal to a program until it exits (`app/shell_edit.rs`).
    Terminal(Box<super::shell_edit::TerminalCmd>),
}

impl fmt::Debug for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cmd::List { side, req, dir, .. } => write!(f, "List({side:?}, #{req}, {dir})"),
            Cmd::Space { side, dir, .. } => write!(f, "Space({side:?}, {dir})"),
            Cmd::Mkdir { side, path, .. } => write!(f, "Mkdir({side:?}, {path})"),
            Cmd::StartJob { spec, title } | Cmd::StartJobAskingTarget { spec, title } => write!(
                f,
                "{}({:?}, {title:?}, {:?} -> {:?}, rename {:?})",
                if matches!(self, Cmd::StartJob { .. }) {
                    "StartJob"
                } else {
                    "StartJobAskingTarget"
                },
                spec.kind,
                spec.sources,
                spec.dst.as_ref().map(|(_, d)| d),
                spec.rename_to
            ),
            Cmd::CancelJob(id) => write!(f, "CancelJob({id})"),
            Cmd::RetryJob(id) => write!(f, "RetryJob({id})"),
            Cmd::ForgetRestored { id, key } => write!(f, "ForgetRestored({id}, {key})"),
            Cmd::AnswerConflict {
                id,
                answer,
                apply_to_all,
            } => write!(f, "AnswerConflict({id}, {answer:?}, all={apply_to_all})"),
            Cmd::ReadFile {
                req, path, offset, ..
            } => write!(f, "ReadFile(#{req}, {path}, @{offset})"),
            Cmd::ShowPicture {
                req, path, cells, ..
            } => write!(f, "ShowPicture(#{req}, {path}, {}x{})", cells.0, cells.1),
            Cmd::Share(c) => write!(f, "{c:?}"),
            Cmd::After { delay, msg } => write!(f, "After({delay:?}, {msg:?})"),
            Cmd::Suspend => f.write_str("Suspend"),
            Cmd::Quit => f.write_str("Quit"),
            Cmd::Connect(c) => write!(f, "Connect({c:?})"),
            Cmd::Search(c) => write!(f, "Search({c:?})"),
            Cmd::Sync(c) => write!(f, "{c:?}"),
            Cmd::Mc(c) => write!(f, "{c:?}"),
            Cmd::Terminal(c) => write!(f, "Terminal({c:?})"),
        }
    }
}

/// Results of a connection as messages.
impl From<super::connect::ConnectMsg> for Msg {
    fn from(m: super::connect::ConnectMsg) -> Msg {
        Msg::Connect(m)
    }
}
