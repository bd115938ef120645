//! Ctrl-O and F4 (issue 18): the commander steps aside for a program that owns the
//! terminal — a shell in the local pane's folder, or `$EDITOR` on the file under the
//! cursor — and comes back, re-listing both panes, when it exits. The app only says
//! what to run ([`TerminalCmd`]); the runtime hands the terminal over and back.

use std::fmt;
use std::path::PathBuf;

use crate::names::escape;
use crate::vfs::{VPath, VfsHandle};

use super::pane::{Pane, Row};
use super::{App, Cmd, Side};

/// A program to run in the terminal while the commander steps aside.
pub enum TerminalCmd {
    /// `$SHELL` (default `/bin/sh`) in `dir`.
    Shell { dir: PathBuf },
    /// `$EDITOR` (default `vi`) on a local `file`.
    EditLocal { file: PathBuf },
    /// `$EDITOR` on a private copy of a NAS file, written back if it changed.
    EditRemote { vfs: VfsHandle, path: VPath },
}

impl fmt::Debug for TerminalCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TerminalCmd::Shell { dir } => write!(f, "Shell({})", dir.display()),
            TerminalCmd::EditLocal { file } => write!(f, "EditLocal({})", file.display()),
            TerminalCmd::EditRemote { path, .. } => write!(f, "EditRemote({path})"),
        }
    }
}

/// How the program ran, back from the runtime.
#[derive(Debug)]
pub enum TerminalMsg {
    /// The program ended: `Ok(None)` a success, `Ok(Some(text))` a failure worth a word
    /// ("exit status 3"), `Err` it could not be run at all.
    Ended {
        what: &'static str,
        result: Result<Option<String>, String>,
    },
    /// F4 on a NAS file ended: what became of the edit (`Ok`: a plain word, such as
    /// "written back"; `Err`: why nothing was).
    Edited {
        name: String,
        outcome: Result<String, String>,
    },
}

/// Whether a pane shows the local disk (only there can a child process work in it).
fn is_local(pane: &Pane) -> bool {
    pane.label == "local"
}

impl App {
    /// Ctrl-O: a shell in the active pane's folder if it is local, else in the other
    /// pane's if that one is.
    pub(super) fn open_subshell(&mut self) -> Vec<Cmd> {
        let side = [self.active, self.active.other()]
            .into_iter()
            .find(|s| is_local(self.pane(*s)));
        let Some(side) = side else {
            self.set_status("Ctrl-O: no local pane to open a shell in", true);
            return Vec::new();
        };
        let dir = PathBuf::from(self.pane(side).cwd.as_str());
        vec![Cmd::Terminal(Box::new(TerminalCmd::Shell { dir }))]
    }

    /// F4: the file under the cursor in `$EDITOR`.
    pub(super) fn edit_current(&mut self) -> Vec<Cmd> {
        let side: Side = self.active;
        let pane = self.pane(side);
        let entry = match pane.current() {
            Some(Row::Entry(e)) if !e.is_dir() => e,
            _ => {
                self.set_status("F4: the cursor is not on a file", true);
                return Vec::new();
            }
        };
        let Ok(path) = pane.cwd.join(&entry.name) else {
            self.set_status("F4: this name cannot be edited", true);
            return Vec::new();
        };
        if !is_local(pane) {
            let vfs = pane.vfs.clone();
            return vec![Cmd::Terminal(Box::new(TerminalCmd::EditRemote {
                vfs,
                path,
            }))];
        }
        let file = PathBuf::from(path.as_str());
        vec![Cmd::Terminal(Box::new(TerminalCmd::EditLocal { file }))]
    }

    /// Back from the program: both panes listed again (it may have changed anything).
    pub(super) fn on_terminal_msg(&mut self, msg: TerminalMsg) -> Vec<Cmd> {
        match msg {
            TerminalMsg::Ended { what, result } => match result {
                Ok(None) => {}
                Ok(Some(failure)) => self.set_status(format!("{what}: {failure}"), true),
                Err(e) => self.set_status(format!("{what} could not be run: {e}"), true),
            },
            TerminalMsg::Edited { name, outcome } => {
                let name = escape(&name);
                match outcome {
                    Ok(done) => self.set_status(format!("F4 {name}: {done}"), false),
                    Err(e) => self.set_status(format!("F4 {name}: {e}"), true),
                }
            }
        }
        self.reload_both()
    }
}
