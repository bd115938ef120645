//! What the connect dialogs do to the app: open the dialog (Alt-N, or a target from the
//! command line), carry out what a key in it asked for (`connect::ConnectKey`), and act
//! on the NAS's answers (open the pane, show why it failed, start the next queued pane).
//! The dialog's state and its own logic are in `connect.rs`.

use crossterm::event::KeyEvent;

use super::connect::{ConnectCmd, ConnectKey, ConnectMsg, ConnectState};
use super::dialog::Dialog;
use super::jobs::RestoredJob;
use super::layers::{KeyAnswer, Layer, LayerKind};
use super::{App, Cmd, Side};

impl App {
    /// Opens `target` in pane `side` (from the command line or the Alt-N dialog).
    pub fn connect_pane(&mut self, side: Side, target: &str) -> Vec<Cmd> {
        let req = self.next_req();
        let state = ConnectState::connecting(side, req, target);
        let start = state.start();
        self.layers.push(Layer::Connect(state));
        vec![Cmd::Connect(start)]
    }

    /// Alt-N: asks which NAS to open in the active pane.
    pub(super) fn ask_connect(&mut self) {
        let value = self
            .connect_retry
            .take()
            .or_else(|| self.connect_suggestion.clone())
            .unwrap_or_default();
        let req = self.next_req();
        self.layers.push(Layer::Connect(ConnectState::asking(
            self.active,
            req,
            value,
        )));
    }

    /// `r` on a paused (restored) job: open its ends through the connect dialogs (a
    /// password not stored is asked for), then the engine runs it.
    pub(super) fn resume_paused(&mut self, job: RestoredJob) -> Vec<Cmd> {
        let req = self.next_req();
        self.set_status(format!("Resuming {}", job.title), false);
        let state = ConnectState::resuming(req, job);
        let start = state.start_resume();
        self.layers.push(Layer::Connect(state));
        start.map(Cmd::Connect).into_iter().collect()
    }

    /// A resume that did not happen (a failure, or Esc): the job is listed paused
    /// again, and the status line says why.
    fn resume_stopped(&mut self, job: RestoredJob, why: String) {
        self.set_status(
            format!(
                "{}: {why} — it stays paused (Alt-J, r resumes it)",
                job.title
            ),
            true,
        );
        self.jobs.restored(job);
    }

    pub(super) fn on_connect(&mut self, msg: ConnectMsg) -> Vec<Cmd> {
        let req = msg.req();
        if let ConnectMsg::Resumed {
            id,
            kind,
            title,
            places,
            ..
        } = msg
        {
            // The job runs whether or not the dialog is still there.
            if self.layers.connect().is_some_and(|s| s.req == req) {
                self.layers.close(LayerKind::Connect);
            }
            self.set_status(format!("Resumed {title}"), false);
            self.jobs.started(id, kind, title);
            if let Some(job) = self.jobs.get_mut(id) {
                job.places = places;
            }
            return Vec::new();
        }
        // A reply for a connection the user has given up on.
        let Some(state) = self.layers.connect_mut().filter(|s| s.req == req) else {
            return Vec::new();
        };
        match msg {
            ConnectMsg::Prompt { prompt, .. } => state.prompted(prompt),
            ConnectMsg::Opening { target, .. } => state.opening(target),
            // Answered above.
            ConnectMsg::Resumed { .. } => {}
            ConnectMsg::Approval {
                approval, status, ..
            } => state.approval_polled(approval, status),
            ConnectMsg::Connected {
                vfs,
                path,
                share_host,
                ..
            } => {
                let side = state.side;
                let target = state.target.clone();
                self.layers.close(LayerKind::Connect);
                self.remember_origin(side, &target);
                let label = vfs.label();
                if let Some(host) = share_host {
                    self.share.hosts.insert(label.clone(), host);
                }
                let mut cmds = self.open_pane(side, vfs, path);
                let mut text = format!("connected: {}", crate::names::escape(&label));
                if let Some(next) = &self.connect_suggestion {
                    // The demo Freebox (or the second remote) is one key away.
                    text.push_str(&format!(
                        "   Alt-N, Enter: open {}",
                        crate::names::escape(next)
                    ));
                }
                self.set_status(text, false);
                cmds.extend(self.connect_next());
                return cmds;
            }
            ConnectMsg::Failed {
                error: crate::app::Problem::PasswordRefused(_),
                ..
            } if state.password_refused() => {}
            ConnectMsg::Failed { error, .. } if state.resume.is_some() => {
                let place = crate::names::escape(&state.target).into_owned();
                let why = if place.is_empty() {
                    error.user_message()
                } else {
                    format!("cannot open {place}: {}", error.user_message())
                };
                if let Some(Layer::Connect(ConnectState {
                    resume: Some(job), ..
                })) = self.layers.close(LayerKind::Connect)
                {
                    self.resume_stopped(job, why);
                }
                return self.connect_next();
            }
            ConnectMsg::Failed { error, .. } => {
                let target = crate::names::escape(&state.target).into_owned();
                // Alt-N proposes what failed, to correct it.
                self.connect_retry = Some(state.target.clone());
                self.layers.close(LayerKind::Connect);
                self.layers.push_dialog(Dialog::error(
                    "Cannot connect",
                    vec![
                        format!("{target}:"),
                        error.user_message(),
                        "The pane stays where it was.".to_owned(),
                    ],
                ));
                return self.connect_next();
            }
        }
        Vec::new()
    }

    /// Starts the next queued connection, if any.
    fn connect_next(&mut self) -> Vec<Cmd> {
        if self.connect_queue.is_empty() {
            return Vec::new();
        }
        let (side, target) = self.connect_queue.remove(0);
        self.connect_pane(side, &target)
    }

    /// Keys while a connect dialog is open.
    pub(super) fn connect_key(&mut self, key: KeyEvent) -> KeyAnswer {
        let Some(state) = self.layers.connect_mut() else {
            return KeyAnswer::Consumed(Vec::new());
        };
        let side = state.side;
        let cmds = match state.key(key) {
            ConnectKey::Handled => Vec::new(),
            ConnectKey::Unbound => return KeyAnswer::Unbound,
            ConnectKey::Abandoned { in_flight } => {
                match self.layers.close(LayerKind::Connect) {
                    Some(Layer::Connect(ConnectState {
                        resume: Some(job), ..
                    })) => self.resume_stopped(job, "not resumed".to_owned()),
                    _ => self.set_status("not connected", false),
                }
                if in_flight {
                    vec![Cmd::Connect(ConnectCmd::Cancel)]
                } else {
                    Vec::new()
                }
            }
            ConnectKey::Dismissed => {
                self.layers.close(LayerKind::Connect);
                Vec::new()
            }
            ConnectKey::Open(target) => self.connect_pane(side, &target),
            ConnectKey::Connect(cmd) => {
                let cmd = match self.layers.connect() {
                    Some(state) => state.for_purpose(cmd),
                    None => cmd,
                };
                vec![Cmd::Connect(cmd)]
            }
        };
        KeyAnswer::Consumed(cmds)
    }
}

#[cfg(test)]
#[path = "connect_tests.rs"]
mod tests;
