//! Effects of the mc keys (issue 18) and their results: saving the hotlist (the config
//! file is written by the runtime, never by the app) and the size of folders.

use std::fmt;

use crate::vfs::{VPath, VfsError, VfsHandle};

use super::ids::RequestId;

/// Effects the runtime carries out for the mc keys.
pub enum McCmd {
    /// Write the hotlist into the config file.
    SaveHotlist(Vec<String>),
    /// Add up the sizes under `paths` (each with whether it is a folder), recursively.
    DirSize {
        req: RequestId,
        vfs: VfsHandle,
        paths: Vec<(VPath, bool)>,
    },
}

impl fmt::Debug for McCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            McCmd::SaveHotlist(list) => write!(f, "SaveHotlist({} folders)", list.len()),
            McCmd::DirSize { req, paths, .. } => {
                write!(f, "DirSize(#{req}, {} items)", paths.len())
            }
        }
    }
}

/// Results of [`McCmd`]s.
#[derive(Debug)]
pub enum McMsg {
    /// The hotlist was written (or why not).
    HotlistSaved(Result<(), String>),
    /// The size asked for with `McCmd::DirSize`.
    Sized {
        req: RequestId,
        result: Result<Sized, VfsError>,
    },
}

/// What a size walk found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sized {
    pub bytes: u64,
    pub files: u64,
    /// Folders below the ones asked about.
    pub folders: u64,
}
