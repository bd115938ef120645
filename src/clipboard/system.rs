//! The system clipboard through `arboard`, kept on a thread of its own.
//!
//! Why a thread: `arboard::Clipboard` is not `Send` on every platform, connecting to an
//! X server that went away can stall, and on X11 the copied text lives only as long as
//! the `Clipboard` object does (dropping it hands the text to a clipboard manager, which
//! waits). The worker owns one `Clipboard`, made on first use and kept for the life of
//! the process; callers wait for its answer at most [`SystemClipboard::timeout`], so a
//! broken display can never hang the program.

use std::sync::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use super::{ClipboardError, ClipboardSink};

/// How long a copy may take before the system clipboard is given up on.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

type Reply = Result<(), String>;

struct Request {
    text: String,
    reply: mpsc::SyncSender<Reply>,
}

enum Worker {
    NotStarted,
    Running {
        requests: mpsc::Sender<Request>,
        /// Signalled once the worker has let go of the clipboard (see `Drop`).
        finished: mpsc::Receiver<()>,
    },
    /// The worker hung or died; later copies fail at once with this reason.
    Broken(String),
}

/// The machine's clipboard (X11/XWayland, macOS, Windows). Nothing is touched until the
/// first copy. Make one per process, keep it while nascmd runs and drop it before exit
/// (see the module notes and `Drop`).
pub struct SystemClipboard {
    worker: Mutex<Worker>,
    timeout: Duration,
}

impl std::fmt::Debug for SystemClipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemClipboard")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for SystemClipboard {
    fn default() -> Self {
        Self::new()
    }
}

impl SystemClipboard {
    pub fn new() -> Self {
        Self::with_timeout(DEFAULT_TIMEOUT)
    }

    pub fn with_timeout(timeout: Duration) -> Self {
        SystemClipboard {
            worker: Mutex::new(Worker::NotStarted),
            timeout,
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

impl ClipboardSink for SystemClipboard {
    fn set_text(&self, text: &str) -> Result<(), ClipboardError> {
        // A poisoned lock only means another caller panicked; the state is still valid.
        let mut worker = self.worker.lock().unwrap_or_else(|e| e.into_inner());
        if let Worker::NotStarted = *worker {
            *worker = spawn_worker().unwrap_or_else(Worker::Broken);
        }
        let sender = match &*worker {
            Worker::Running { requests, .. } => requests,
            Worker::Broken(reason) => return Err(ClipboardError::System(reason.clone())),
            Worker::NotStarted => return Err(ClipboardError::System("not started".into())),
        };
        let (reply_tx, reply_rx) = mpsc::sync_channel(1);
        let request = Request {
            text: text.to_owned(),
            reply: reply_tx,
        };
        if sender.send(request).is_err() {
            let reason = "the clipboard thread stopped".to_owned();
            *worker = Worker::Broken(reason.clone());
            return Err(ClipboardError::System(reason));
        }
        match reply_rx.recv_timeout(self.timeout) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(ClipboardError::System(reason)),
            Err(RecvTimeoutError::Timeout) => {
                tracing::warn!(timeout = ?self.timeout, "system clipboard did not answer");
                *worker = Worker::Broken(format!(
                    "the system clipboard did not answer within {} s",
                    self.timeout.as_secs_f32()
                ));
                Err(ClipboardError::Timeout(self.timeout))
            }
            Err(RecvTimeoutError::Disconnected) => {
                let reason = "the clipboard thread stopped".to_owned();
                *worker = Worker::Broken(reason.clone());
                Err(ClipboardError::System(reason))
            }
        }
    }
}

/// Dropping the last handle lets the worker release the clipboard, which on X11 hands
/// the copied text to a clipboard manager so it outlives nascmd. Waits for that at most
/// the timeout, so quitting never hangs either.
impl Drop for SystemClipboard {
    fn drop(&mut self) {
        let worker = std::mem::replace(
            self.worker.get_mut().unwrap_or_else(|e| e.into_inner()),
            Worker::NotStarted,
        );
        if let Worker::Running { requests, finished } = worker {
            drop(requests);
            let _ = finished.recv_timeout(self.timeout);
        }
    }
}

fn spawn_worker() -> Result<Worker, String> {
    let (requests, inbox) = mpsc::channel::<Request>();
    let (done, finished) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("clipboard".into())
        .spawn(move || {
            serve(inbox);
            let _ = done.send(());
        })
        .map_err(|e| format!("cannot start the clipboard thread: {e}"))?;
    Ok(Worker::Running { requests, finished })
}

/// Runs until every sender is gone. The `arboard` handle is made lazily and remade after
/// a failure (the display may come back, e.g. a reattached session). It is dropped here,
/// before returning, which is when X11 hands the text over to a clipboard manager.
fn serve(requests: mpsc::Receiver<Request>) {
    let mut clipboard: Option<arboard::Clipboard> = None;
    for request in requests {
        let result = set_with(&mut clipboard, &request.text);
        if result.is_err() {
            clipboard = None;
        }
        // The caller may have timed out and gone; nothing to do then.
        let _ = request.reply.send(result);
    }
    drop(clipboard);
}

fn set_with(slot: &mut Option<arboard::Clipboard>, text: &str) -> Reply {
    let clipboard = match slot {
        Some(clipboard) => clipboard,
        None => slot.insert(arboard::Clipboard::new().map_err(|e| e.to_string())?),
    };
    clipboard.set_text(text).map_err(|e| e.to_string())
}
