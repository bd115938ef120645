//! F4 on a NAS file, the app's side (#18): the fetch in flight (a task; the panes keep
//! answering keys, Esc cancels it), the private copy handed to the editor, and the
//! question asked when the NAS copy changed while the user edited.

use std::fmt;
use std::path::PathBuf;

use crate::vfs::{VPath, VfsHandle};

use super::RequestId;

/// A NAS file fetched for editing: the private copy (a 0600 file in a 0700 folder) and
/// what the NAS held when it was fetched. Dropping it removes the folder.
pub struct EditCopy {
    pub vfs: VfsHandle,
    pub path: VPath,
    /// The private copy the editor opens.
    pub file: PathBuf,
    /// Its folder, removed with the copy.
    pub dir: tempfile::TempDir,
    /// The bytes fetched, to tell an edit from none.
    pub original: Vec<u8>,
    /// Size and mtime of the NAS copy when it was fetched.
    pub stamp: (u64, Option<i64>),
}

impl fmt::Debug for EditCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EditCopy({})", self.path)
    }
}

/// What to do with an edit when the NAS copy changed meanwhile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditChoice {
    /// The edit goes beside the NAS copy as `NAME.edited`.
    SaveBeside,
    /// The edit replaces the NAS copy (what the other writer did is lost).
    Overwrite,
    /// The NAS copy stays; the edit is kept on this computer, and the user told where.
    KeepNas,
}

/// The choices of the question, in button order; the first is focused (it loses
/// nothing and puts the edit on the NAS).
pub const EDIT_CHOICES: [(&str, EditChoice); 3] = [
    ("Save beside", EditChoice::SaveBeside),
    ("Overwrite NAS copy", EditChoice::Overwrite),
    ("Keep NAS copy", EditChoice::KeepNas),
];

/// The answer Esc gives: nothing written on the NAS, the edit kept locally.
pub const EDIT_ESCAPE: EditChoice = EditChoice::KeepNas;

/// The name the edit takes beside the NAS copy.
pub fn beside_name(name: &str) -> String {
    format!("{name}.edited")
}

/// F4's remote edits in progress.
#[derive(Debug, Default)]
pub struct RemoteEdit {
    /// The fetch in flight: its request id and the file's name.
    pub fetching: Option<(RequestId, String)>,
    /// The edit waiting for the user's answer.
    pub conflict: Option<Box<EditCopy>>,
}
