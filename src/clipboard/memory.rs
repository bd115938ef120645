//! An in-memory clipboard sink, injected by tests (and by `--demo` runs that must not touch
//! the user's real clipboard) in place of the system clipboard.

use std::sync::Mutex;

use super::{ClipboardError, ClipboardSink};

/// Records every text it is given. With [`MemoryClipboard::failing`] it refuses instead,
/// like a system clipboard whose display went away.
#[derive(Default)]
pub struct MemoryClipboard {
    texts: Mutex<Vec<String>>,
    failure: Option<String>,
}

impl MemoryClipboard {
    pub fn new() -> Self {
        Self::default()
    }

    /// A sink whose every `set_text` fails with `reason` (and records nothing).
    pub fn failing(reason: impl Into<String>) -> Self {
        MemoryClipboard {
            texts: Mutex::new(Vec::new()),
            failure: Some(reason.into()),
        }
    }

    /// Every text copied so far, oldest first.
    pub fn texts(&self) -> Vec<String> {
        self.texts.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The clipboard content now.
    pub fn last(&self) -> Option<String> {
        self.texts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .last()
            .cloned()
    }
}

impl ClipboardSink for MemoryClipboard {
    fn set_text(&self, text: &str) -> Result<(), ClipboardError> {
        if let Some(reason) = &self.failure {
            return Err(ClipboardError::System(reason.clone()));
        }
        self.texts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(text.to_owned());
        Ok(())
    }
}
