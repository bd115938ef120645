//! Effects of the mc keys (issue 18) and their results: saving the hotlist (the config
//! file is written by the runtime, never by the app).

use std::fmt;

/// Effects the runtime carries out for the mc keys.
pub enum McCmd {
    /// Write the hotlist into the config file.
    SaveHotlist(Vec<String>),
}

impl fmt::Debug for McCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            McCmd::SaveHotlist(list) => write!(f, "SaveHotlist({} folders)", list.len()),
        }
    }
}

/// Results of [`McCmd`]s.
#[derive(Debug)]
pub enum McMsg {
    /// The hotlist was written (or why not).
    HotlistSaved(Result<(), String>),
}
