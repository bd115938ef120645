//! Ctrl-O and F4 (issue 18): the commander steps aside for a program that owns the
//! terminal — a shell in the local pane's folder, or `$EDITOR` on the file under the
//! cursor — and comes back, re-listing both panes, when it exits. The app only says
//! what to run ([`TerminalCmd`]); the runtime hands the terminal over and back.

use std::fmt;
use std::path::PathBuf;

use crate::names::escape;
use crate::vfs::{VPath, VfsHandle};

use super::choice::{ChoiceDialog, ChoicePurpose};
use super::pane::{Pane, Row};
use super::remote_edit::{EDIT_CHOICES, EDIT_ESCAPE, EditChoice, EditCopy, beside_name};
use super::{App, Cmd, Dialog, RequestId, Side, Status};

/// A program to run in the terminal while the commander steps aside, and the steps
/// around F4 on a NAS file.
pub enum TerminalCmd {
    /// `$SHELL` (default `/bin/sh`) in `dir`.
    Shell { dir: PathBuf },
    /// `$EDITOR` (default `vi`) on a local `file`.
    EditLocal { file: PathBuf },
    /// Fetch a NAS file into a private copy, as a task: progress and the copy come
    /// back as [`TerminalMsg::FetchProgress`] and [`TerminalMsg::Fetched`].
    FetchForEdit {
        req: RequestId,
        vfs: VfsHandle,
        path: VPath,
    },
    /// Stop the fetch in flight (Esc).
    CancelFetch,
    /// `$EDITOR` on a fetched copy; then the edit is written back if it changed, or
    /// [`TerminalMsg::Conflict`] asks first.
    EditRemote(Box<EditCopy>),
    /// The user's answer to that question.
    Resolve {
        copy: Box<EditCopy>,
        choice: EditChoice,
    },
}

impl fmt::Debug for TerminalCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TerminalCmd::Shell { dir } => write!(f, "Shell({})", dir.display()),
            TerminalCmd::EditLocal { file } => write!(f, "EditLocal({})", file.display()),
            TerminalCmd::FetchForEdit { req, path, .. } => {
                write!(f, "FetchForEdit({req}, {path})")
            }
            TerminalCmd::CancelFetch => write!(f, "CancelFetch"),
            TerminalCmd::EditRemote(copy) => write!(f, "EditRemote({copy:?})"),
            TerminalCmd::Resolve { copy, choice } => write!(f, "Resolve({copy:?}, {choice:?})"),
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
    /// Bytes of the F4 fetch `req` arrived so far, of `total`.
    FetchProgress {
        req: RequestId,
        done: u64,
        total: u64,
    },
    /// The F4 fetch `req` ended.
    Fetched {
        req: RequestId,
        result: Result<Box<EditCopy>, String>,
    },
    /// The NAS copy changed while the user edited: ask what to do with the edit.
    Conflict(Box<EditCopy>),
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
        let dir = crate::vfs::local::local_path(&self.pane(side).cwd);
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
            return self.fetch_for_edit(vfs, path);
        }
        let file = crate::vfs::local::local_path(&path);
        vec![Cmd::Terminal(Box::new(TerminalCmd::EditLocal { file }))]
    }

    /// F4 on a NAS file: the fetch starts as a task; the panes keep answering keys.
    fn fetch_for_edit(&mut self, vfs: VfsHandle, path: VPath) -> Vec<Cmd> {
        if let Some((_, name)) = &self.edit.fetching {
            let name = escape(name);
            self.set_status(
                format!("F4: {name} is being fetched (Esc cancels it)"),
                true,
            );
            return Vec::new();
        }
        let req = self.next_req();
        let name = path.name().to_owned();
        self.set_status(
            format!("Fetching {} to edit it… (Esc cancels)", escape(&name)),
            false,
        );
        self.edit.fetching = Some((req, name));
        vec![Cmd::Terminal(Box::new(TerminalCmd::FetchForEdit {
            req,
            vfs,
            path,
        }))]
    }

    /// Esc while F4 fetches: `Some` when it cancelled that fetch.
    pub(super) fn cancel_edit_fetch(&mut self) -> Option<Vec<Cmd>> {
        let (_, name) = self.edit.fetching.take()?;
        self.set_status(
            format!("F4 {}: fetch cancelled, nothing edited", escape(&name)),
            false,
        );
        Some(vec![Cmd::Terminal(Box::new(TerminalCmd::CancelFetch))])
    }

    /// The answer to "the NAS copy changed meanwhile".
    pub(super) fn chosen(&mut self, purpose: ChoicePurpose, index: usize) -> Vec<Cmd> {
        match purpose {
            ChoicePurpose::EditConflict => {
                let Some(copy) = self.edit.conflict.take() else {
                    return Vec::new();
                };
                let choice = EDIT_CHOICES.get(index).map_or(EDIT_ESCAPE, |(_, c)| *c);
                self.set_status(format!("F4 {}: writing…", escape(copy.path.name())), false);
                vec![Cmd::Terminal(Box::new(TerminalCmd::Resolve {
                    copy,
                    choice,
                }))]
            }
        }
    }

    /// Asks what to do with an edit whose NAS copy changed meanwhile.
    fn ask_edit_conflict(&mut self, copy: Box<EditCopy>) {
        let name = escape(copy.path.name()).into_owned();
        let place = escape(copy.path.parent().as_str()).into_owned();
        let lines = vec![
            format!("{name} changed on the NAS ({place}) while you edited it."),
            format!(
                "Save beside: your edit goes next to it as {}.",
                beside_name(&name)
            ),
            "Overwrite: your edit replaces the NAS copy (its changes are lost).".to_owned(),
            "Keep NAS copy: your edit stays on this computer; you are told where.".to_owned(),
        ];
        let labels = EDIT_CHOICES.iter().map(|(l, _)| (*l).to_owned()).collect();
        let escape_at = EDIT_CHOICES
            .iter()
            .position(|(_, c)| *c == EDIT_ESCAPE)
            .unwrap_or(0);
        self.edit.conflict = Some(copy);
        self.layers.push_dialog(Dialog::Choice(ChoiceDialog {
            title: "Changed on the NAS".to_owned(),
            lines,
            labels,
            focused: 0,
            escape: escape_at,
            purpose: ChoicePurpose::EditConflict,
        }));
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
            TerminalMsg::FetchProgress { req, done, total } => {
                if let Some((r, name)) = &self.edit.fetching
                    && *r == req
                {
                    let percent = (done * 100).checked_div(total).unwrap_or(100);
                    // Not in the message history: one line per step would bury the rest.
                    self.status = Some(Status {
                        text: format!(
                            "Fetching {} to edit it… {percent}% (Esc cancels)",
                            escape(name)
                        ),
                        error: false,
                    });
                }
                return Vec::new();
            }
            TerminalMsg::Fetched { req, result } => {
                // A cancelled fetch that ended anyway: its copy is dropped (removed).
                if self.edit.fetching.as_ref().is_none_or(|(r, _)| *r != req) {
                    return Vec::new();
                }
                let Some((_, name)) = self.edit.fetching.take() else {
                    return Vec::new();
                };
                return match result {
                    Ok(copy) => {
                        self.set_status(format!("Editing {}…", escape(&name)), false);
                        vec![Cmd::Terminal(Box::new(TerminalCmd::EditRemote(copy)))]
                    }
                    Err(e) => {
                        self.set_status(format!("F4 {}: {e}", escape(&name)), true);
                        Vec::new()
                    }
                };
            }
            TerminalMsg::Conflict(copy) => {
                // "Editing NAME…" is over; the question says the rest.
                self.status = None;
                self.ask_edit_conflict(copy);
                return Vec::new();
            }
        }
        self.reload_both()
    }
}
