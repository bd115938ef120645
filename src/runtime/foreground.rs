//! Handing the terminal to a child process (Ctrl-O's shell, F4's editor) and taking it
//! back. The loop drops its input stream first (`Runtime::run`): crossterm's reader
//! thread would otherwise read the keys typed for the child.

use std::path::Path;

use ratatui::backend::{Backend, ClearType};
use tokio::process::Command;
use tokio::signal::unix::{SignalKind, signal};

use super::{Runtime, edit_remote};
use crate::app::Msg;
use crate::app::remote_edit::EditCopy;
use crate::app::shell_edit::{TerminalCmd, TerminalMsg};

/// The shell when `$SHELL` is not set.
const DEFAULT_SHELL: &str = "/bin/sh";
/// The editor when `$EDITOR` is not set.
const DEFAULT_EDITOR: &str = "vi";

impl<B: Backend> Runtime<B> {
    /// Queues a program for the loop, which runs it between two inputs; without a real
    /// terminal (tests on a `TestBackend`) it is refused at once. The steps of F4 on a
    /// NAS file that need no terminal (fetch, write back) run as tasks.
    pub(super) fn queue_for_terminal(&mut self, cmd: TerminalCmd) {
        let tx = self.tx.clone();
        match cmd {
            TerminalCmd::FetchForEdit { req, vfs, path } => {
                self.abort(self.edit_fetch);
                let id = self.spawn(edit_remote::fetch_task(tx, req, vfs, path));
                self.edit_fetch = Some(id);
            }
            TerminalCmd::CancelFetch => {
                let fetch = self.edit_fetch.take();
                self.abort(fetch);
            }
            TerminalCmd::Resolve { copy, choice } => {
                self.spawn(edit_remote::resolve_task(tx, copy, choice));
            }
            cmd if self.term.is_some() => self.foreground = Some(cmd),
            cmd => {
                let what = what_runs(&cmd);
                self.dispatch(Msg::Terminal(TerminalMsg::Ended {
                    what,
                    result: Err("no terminal to hand over".to_owned()),
                }));
            }
        }
    }

    /// Runs `cmd` with the terminal, then repaints everything and tells the app.
    pub(super) async fn run_in_terminal(&mut self, cmd: TerminalCmd) {
        if let TerminalCmd::EditRemote(copy) = cmd {
            self.edit_fetched(copy).await;
            return;
        }
        let what = what_runs(&cmd);
        let result = self.hand_over(child_command(&cmd)).await;
        self.dispatch(Msg::Terminal(TerminalMsg::Ended { what, result }));
    }

    /// Gives the terminal to `cmd` until it exits, then takes it back and repaints.
    async fn hand_over(&mut self, cmd: Command) -> Result<Option<String>, String> {
        let result = match &self.term {
            None => Err("no terminal to hand over".to_owned()),
            Some(term) => match term.step_aside() {
                Err(e) => Err(e.to_string()),
                Ok(()) => {
                    let ran = run_child(cmd).await;
                    if let Err(e) = term.take_back() {
                        tracing::warn!("cannot take the terminal back: {e}");
                    }
                    ran
                }
            },
        };
        self.repaint_all();
        result
    }

    /// `$EDITOR` on a NAS file's private copy; then the write-back runs as a task
    /// (`edit_remote.rs`). The copy is removed when nothing holds it any more.
    async fn edit_fetched(&mut self, copy: Box<EditCopy>) {
        let mut editor = editor_command(&copy.file);
        if let Some(dir) = copy.file.parent() {
            editor.current_dir(dir);
        }
        let failure = match self.hand_over(editor).await {
            Ok(None) => None,
            Ok(Some(failure)) => Some(format!(
                "the editor failed ({failure}): nothing written back"
            )),
            Err(e) => Some(format!("the editor could not be run: {e}")),
        };
        if let Some(e) = failure {
            let name = copy.path.name().to_owned();
            self.dispatch(Msg::Terminal(TerminalMsg::Edited {
                name,
                outcome: Err(e),
            }));
            return;
        }
        let tx = self.tx.clone();
        self.spawn(edit_remote::finish_task(tx, copy));
    }
}

impl<B: Backend> Runtime<B> {
    /// After someone else drew on the terminal (a child, a shell around Ctrl-Z): the
    /// screen is blanked and the next frame paints every cell, at the size the terminal
    /// has now. Unlike `Terminal::clear`, this asks the terminal nothing (no cursor
    /// position query, which a terminal may never answer).
    pub(super) fn repaint_all(&mut self) {
        if let Err(e) = self.terminal.backend_mut().clear_region(ClearType::All) {
            tracing::warn!("cannot clear the screen: {e}");
        }
        // Both buffers blank, like the screen: the next draw writes everything.
        self.terminal.current_buffer_mut().reset();
        self.terminal.swap_buffers();
        self.terminal.current_buffer_mut().reset();
        if let Ok(size) = self.terminal.size() {
            self.dispatch(Msg::Resize(size.width, size.height));
        }
        self.app.dirty = true;
    }
}

fn what_runs(cmd: &TerminalCmd) -> &'static str {
    match cmd {
        TerminalCmd::Shell { .. } => "the shell",
        _ => "the editor",
    }
}

fn child_command(cmd: &TerminalCmd) -> Command {
    match cmd {
        TerminalCmd::Shell { dir } => {
            let shell = std::env::var_os("SHELL")
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| DEFAULT_SHELL.into());
            let mut c = Command::new(shell);
            c.current_dir(dir);
            c
        }
        TerminalCmd::EditLocal { file } => {
            let mut c = editor_command(file);
            if let Some(dir) = file.parent() {
                c.current_dir(dir);
            }
            c
        }
        // Not programs (run by `edit_fetched` or as tasks): nothing to hand over to.
        _ => Command::new("true"),
    }
}

/// `$EDITOR` may carry arguments (`code --wait`), so it runs through `sh` as git runs
/// it; the file goes in as `"$1"`, never parsed by the shell.
fn editor_command(file: &Path) -> Command {
    let editor = std::env::var("EDITOR")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_EDITOR.to_owned());
    let mut c = Command::new(DEFAULT_SHELL);
    c.arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(file);
    c
}

/// Runs the child on the inherited terminal until it exits: `Ok(None)` on success,
/// `Ok(Some(status))` when it failed, `Err` when it could not start.
async fn run_child(mut cmd: Command) -> Result<Option<String>, String> {
    // Ctrl-C and Ctrl-\ typed for the child signal the whole foreground process group,
    // the commander included: catching them keeps it alive. A handler (unlike an
    // ignored signal) is reset in the child by exec, so the child still gets them.
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let mut quit = signal(SignalKind::quit()).map_err(|e| e.to_string())?;
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            _ = interrupt.recv() => {}
            _ = quit.recv() => {}
        }
    };
    match status {
        Ok(s) if s.success() => Ok(None),
        Ok(s) => Ok(Some(s.to_string())),
        Err(e) => Err(e.to_string()),
    }
}
