//! Putting text (share URLs) into the user's clipboard, wherever the user is.
//!
//! Two routes (details and the tmux/screen settings users need: `docs/CLIPBOARD.md`):
//! - the system clipboard through `arboard`, when this machine has a display and the
//!   user sits at it;
//! - OSC 52: an escape sequence asking the user's own terminal to take the text, for SSH
//!   sessions and consoles without a display. This module only builds the bytes; the
//!   runtime writes them between two frames, as it is the terminal's single writer.
//!
//! [`copy`] picks the route from [`ClipboardMode`] and [`ClipboardEnv`] and says what
//! happened in a [`CopyOutcome`], including when no route exists, so the UI can show the
//! text in a selectable dialog instead.

mod env;
mod memory;
mod osc52;
mod system;
mod tmux;

pub use env::{ClipboardEnv, Multiplexer, Platform};
pub use memory::MemoryClipboard;
pub use osc52::{
    MAX_SEQUENCE_LEN, SCREEN_CHUNK_LEN, osc52_bytes, plain_sequence, wrap_screen, wrap_tmux,
};
pub use system::{DEFAULT_TIMEOUT, SystemClipboard};
pub use tmux::{TMUX_DROPS_HINT, drops_osc52 as tmux_drops_osc52};

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How URLs reach the clipboard (`[clipboard] mode` in the config file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClipboardMode {
    /// System clipboard when a display is there, OSC 52 over SSH or without one.
    #[default]
    Auto,
    System,
    Osc52,
}

/// Somewhere text can be copied to directly (the system clipboard, or a test double).
/// May block briefly (the system sink waits up to its timeout): call it from a blocking
/// task, never from drawing code.
pub trait ClipboardSink: Send + Sync {
    fn set_text(&self, text: &str) -> Result<(), ClipboardError>;
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ClipboardError {
    #[error("no display (neither DISPLAY nor WAYLAND_DISPLAY is set)")]
    NoDisplay,
    #[error("system clipboard: {0}")]
    System(String),
    #[error("the system clipboard did not answer within {0:?}")]
    Timeout(Duration),
    #[error("{len} bytes is too long for the terminal clipboard (at most {limit})")]
    TooLongForTerminal { len: usize, limit: usize },
}

/// What became of a copy request.
#[derive(Clone, PartialEq, Eq)]
pub enum CopyOutcome {
    /// The text is in the system clipboard now.
    System,
    /// The runtime must write `bytes` to the terminal (between frames); the terminal then
    /// puts the text in its clipboard, if it supports OSC 52 (most modern ones do; we
    /// cannot know for sure, the sequence has no reply).
    Osc52 { bytes: Vec<u8> },
    /// No route works here; show the text in a selectable dialog and say why.
    Unavailable { reason: String },
}

impl CopyOutcome {
    /// A status-line sentence saying how the text was copied.
    pub fn status_message(&self) -> String {
        match self {
            CopyOutcome::System => "copied to the system clipboard".to_owned(),
            CopyOutcome::Osc52 { .. } => "sent to your terminal's clipboard (OSC 52)".to_owned(),
            CopyOutcome::Unavailable { reason } => format!("no clipboard available: {reason}"),
        }
    }

    /// Where the text went, to end a sentence ("… to the system clipboard").
    pub fn destination(&self) -> String {
        match self {
            CopyOutcome::System => "to the system clipboard".to_owned(),
            CopyOutcome::Osc52 { .. } => "to your terminal's clipboard (OSC 52)".to_owned(),
            CopyOutcome::Unavailable { reason } => {
                format!("nowhere (no clipboard available: {reason})")
            }
        }
    }
}

// The OSC 52 bytes carry the copied text (base64); keep them out of Debug output.
impl std::fmt::Debug for CopyOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CopyOutcome::System => f.write_str("System"),
            CopyOutcome::Osc52 { bytes } => write!(f, "Osc52 {{ {} bytes }}", bytes.len()),
            CopyOutcome::Unavailable { reason } => f
                .debug_struct("Unavailable")
                .field("reason", reason)
                .finish(),
        }
    }
}

/// Copies `text` by the route `mode` asks for in `env`, using `system` for the system
/// clipboard.
///
/// - `Auto`: the system clipboard when there is a local display and we are not over SSH;
///   OSC 52 otherwise, and also when the system clipboard fails (a stale `DISPLAY`).
/// - `System`: only the system clipboard; without a display, `Unavailable` (the system
///   sink is not even tried).
/// - `Osc52`: only the escape sequence, wrapped for the multiplexer in `env`.
pub fn copy(
    text: &str,
    mode: ClipboardMode,
    env: &ClipboardEnv,
    system: &dyn ClipboardSink,
) -> CopyOutcome {
    match mode {
        ClipboardMode::Osc52 => via_osc52(text, env),
        ClipboardMode::System => {
            if !env.has_local_display() {
                return unavailable(ClipboardError::NoDisplay);
            }
            match system.set_text(text) {
                Ok(()) => CopyOutcome::System,
                Err(err) => unavailable(err),
            }
        }
        ClipboardMode::Auto => {
            if env.ssh || !env.has_local_display() {
                return via_osc52(text, env);
            }
            match system.set_text(text) {
                Ok(()) => CopyOutcome::System,
                Err(err) => {
                    tracing::info!(error = %err, "system clipboard failed, falling back to OSC 52");
                    via_osc52(text, env)
                }
            }
        }
    }
}

fn via_osc52(text: &str, env: &ClipboardEnv) -> CopyOutcome {
    match osc52_bytes(text, env.multiplexer) {
        Ok(bytes) => CopyOutcome::Osc52 { bytes },
        Err(err) => unavailable(err),
    }
}

fn unavailable(err: ClipboardError) -> CopyOutcome {
    CopyOutcome::Unavailable {
        reason: err.to_string(),
    }
}

/// The clipboard as the runtime holds it: mode, environment and system sink together.
/// Cheap to clone (the system sink is shared).
#[derive(Clone)]
pub struct Clipboard {
    mode: ClipboardMode,
    env: ClipboardEnv,
    system: Arc<dyn ClipboardSink>,
    /// Inside a tmux of this machine (`TMUX` set): ask it before each OSC 52 copy
    /// whether it would drop the sequence (`tmux.rs`).
    ask_tmux: bool,
}

impl std::fmt::Debug for Clipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clipboard")
            .field("mode", &self.mode)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

impl Clipboard {
    /// The real thing: the process environment and the `arboard` system clipboard (which
    /// is only touched on the first copy that needs it).
    pub fn from_process(mode: ClipboardMode) -> Self {
        let mut clipboard = Self::with_parts(
            mode,
            ClipboardEnv::from_process(),
            Arc::new(SystemClipboard::new()),
        );
        clipboard.ask_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
        clipboard
    }

    /// Anything injected: tests pass a fake environment and a [`MemoryClipboard`].
    pub fn with_parts(
        mode: ClipboardMode,
        env: ClipboardEnv,
        system: Arc<dyn ClipboardSink>,
    ) -> Self {
        Clipboard {
            mode,
            env,
            system,
            ask_tmux: false,
        }
    }

    pub fn mode(&self) -> ClipboardMode {
        self.mode
    }

    pub fn env(&self) -> &ClipboardEnv {
        &self.env
    }

    /// See [`copy`]. May block up to the system sink's timeout. Inside a local tmux that
    /// would drop OSC 52 the answer is `Unavailable`, saying which setting fixes it (the
    /// settings are read again at each copy, so fixing them works without a restart).
    pub fn copy(&self, text: &str) -> CopyOutcome {
        let outcome = copy(text, self.mode, &self.env, self.system.as_ref());
        if matches!(outcome, CopyOutcome::Osc52 { .. })
            && self.ask_tmux
            && self.env.multiplexer == Multiplexer::Tmux
            && tmux::probe()
        {
            return CopyOutcome::Unavailable {
                reason: TMUX_DROPS_HINT.to_owned(),
            };
        }
        outcome
    }
}
