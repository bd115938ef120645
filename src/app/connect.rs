//! Opening a NAS in a pane: the state of the dialogs around it (target, password, 2-step
//! code, approval on the box, certificate trust) and what their answers do. The dialogs
//! speak the neutral prompt types (`crate::prompt`), never a backend's. The connection
//! itself is an effect (`Cmd::Connect`, carried out in `runtime::connect` by the connect
//! use case): the loop keeps drawing while it logs in, and the pane keeps showing what it
//! showed until the NAS answers. A question ends the attempt; its answer starts a new
//! one with everything answered so far. A failure ends in an error dialog and the pane
//! stays as it was (local).

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::prompt::{Approval, ApprovalStatus, CertDetails, Prompt};
use crate::secret::Secret;
use crate::vfs::{VPath, VfsHandle};

use super::dialog::Dialog;
use super::layers::{Layer, LayerKind};
use super::{App, Cmd, Msg, RequestId, Side};

/// What the runtime is asked to do.
pub enum ConnectCmd {
    /// Parse `target` (`NAME:/path`, `qnap://user@host:port/Share`, `freebox://host`) and
    /// open it. `password`/`code` are what the user typed in the dialogs, if any.
    Start {
        side: Side,
        req: RequestId,
        target: String,
        password: Option<Secret>,
        code: Option<String>,
        /// A certificate fingerprint the user accepted in the trust dialog (pinned for
        /// this connection, and kept in the profile when there is one).
        cert_sha256: Option<String>,
    },
    /// Stop the connection in flight (the user pressed Esc).
    Cancel,
}

impl fmt::Debug for ConnectCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectCmd::Start {
                side,
                req,
                target,
                password,
                code,
                cert_sha256,
            } => write!(
                f,
                "Start({side:?}, #{req}, {target:?}, password: {}, code: {}, pinned: {cert_sha256:?})",
                password.is_some(),
                code.is_some()
            ),
            ConnectCmd::Cancel => f.write_str("Cancel"),
        }
    }
}

/// What comes back from the connection task.
pub enum ConnectMsg {
    /// A question for the user (password, 2-step code, trust of a certificate): the
    /// attempt has ended; the answer starts the next one.
    Prompt { req: RequestId, prompt: Prompt },
    /// A poll of an approval on the box: the user has to approve there.
    Approval {
        req: RequestId,
        approval: Approval,
        status: ApprovalStatus,
    },
    Connected {
        req: RequestId,
        vfs: VfsHandle,
        path: VPath,
        /// The profile's `share_host`: share links use it instead of the URL's host.
        share_host: Option<String>,
    },
    /// Why opening failed, kind kept (the dialog words it).
    Failed {
        req: RequestId,
        error: super::Problem,
    },
}

impl fmt::Debug for ConnectMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectMsg::Prompt { req, prompt } => write!(f, "Prompt(#{req}, {prompt:?})"),
            ConnectMsg::Approval { req, status, .. } => {
                write!(f, "Approval(#{req}, {status:?})")
            }
            ConnectMsg::Connected { req, path, .. } => write!(f, "Connected(#{req}, {path})"),
            ConnectMsg::Failed { req, error } => write!(f, "Failed(#{req}, {error})"),
        }
    }
}

/// Which dialog is showing.
pub enum ConnectStep {
    /// Asking where to connect (Alt-N).
    Target(Input),
    /// Waiting for the NAS.
    Connecting,
    /// Masked password input; `who` names the account.
    Password { input: Input, who: String },
    /// The 6-digit 2-step verification code.
    Code(Input),
    /// Waiting for an approval on the box (the ✓ button on a Freebox): what to do, the
    /// last status seen and how many times the box was asked (about once a second), so
    /// the dialog visibly lives.
    Approving {
        approval: Approval,
        status: ApprovalStatus,
        polls: u32,
    },
    /// "Trust this certificate?" with what the NAS presented.
    Trust(CertDetails),
}

/// One NAS being opened in a pane.
pub struct ConnectState {
    pub side: Side,
    pub req: RequestId,
    /// What the user asked for, as typed (no secret in it: URLs with one are refused).
    pub target: String,
    pub step: ConnectStep,
    /// Kept between the password and the code dialogs.
    password: Option<Secret>,
    /// The fingerprint accepted in the trust dialog, kept for the code dialog's retry.
    cert_sha256: Option<String>,
}

impl ConnectState {
    /// Connects again with what the dialogs have gathered (password, accepted
    /// certificate) and `code`, showing "Connecting…" meanwhile.
    fn retry(&mut self, code: Option<String>) -> Cmd {
        self.step = ConnectStep::Connecting;
        Cmd::Connect(ConnectCmd::Start {
            side: self.side,
            req: self.req,
            target: self.target.clone(),
            password: self.password.clone(),
            code,
            cert_sha256: self.cert_sha256.clone(),
        })
    }

    /// The dialog title.
    pub fn title(&self) -> &'static str {
        match &self.step {
            ConnectStep::Target(_) => "Open a NAS in this pane",
            ConnectStep::Connecting => "Connecting",
            ConnectStep::Password { .. } => "Password",
            ConnectStep::Code(_) => "2-step verification",
            ConnectStep::Approving { approval, .. } => approval.title,
            ConnectStep::Trust(_) => "Trust this certificate?",
        }
    }
}

impl App {
    /// Opens `target` in pane `side` (from the command line or the Alt-N dialog).
    pub fn connect_pane(&mut self, side: Side, target: &str) -> Vec<Cmd> {
        let req = self.next_req();
        self.layers.push(Layer::Connect(ConnectState {
            side,
            req,
            target: target.to_owned(),
            step: ConnectStep::Connecting,
            password: None,
            cert_sha256: None,
        }));
        vec![Cmd::Connect(ConnectCmd::Start {
            side,
            req,
            target: target.to_owned(),
            password: None,
            code: None,
            cert_sha256: None,
        })]
    }

    /// Alt-N: asks which NAS to open in the active pane.
    pub(super) fn ask_connect(&mut self) {
        let value = self.connect_suggestion.clone().unwrap_or_default();
        let req = self.next_req();
        self.layers.push(Layer::Connect(ConnectState {
            side: self.active,
            req,
            target: String::new(),
            step: ConnectStep::Target(Input::new(value)),
            password: None,
            cert_sha256: None,
        }));
    }

    pub(super) fn on_connect(&mut self, msg: ConnectMsg) -> Vec<Cmd> {
        let req = match &msg {
            ConnectMsg::Prompt { req, .. }
            | ConnectMsg::Approval { req, .. }
            | ConnectMsg::Connected { req, .. }
            | ConnectMsg::Failed { req, .. } => *req,
        };
        // A reply for a connection the user has given up on.
        let Some(state) = self.layers.connect_mut().filter(|s| s.req == req) else {
            return Vec::new();
        };
        match msg {
            ConnectMsg::Prompt { prompt, .. } => {
                state.step = match prompt {
                    Prompt::Password { who } => ConnectStep::Password {
                        input: Input::default(),
                        who,
                    },
                    Prompt::Code => ConnectStep::Code(Input::default()),
                    Prompt::Trust { cert, .. } => ConnectStep::Trust(cert),
                };
            }
            ConnectMsg::Approval {
                approval, status, ..
            } => {
                let polls = match state.step {
                    ConnectStep::Approving { polls, .. } => polls + 1,
                    _ => 1,
                };
                state.step = ConnectStep::Approving {
                    approval,
                    status,
                    polls,
                };
            }
            ConnectMsg::Connected {
                vfs,
                path,
                share_host,
                ..
            } => {
                let side = state.side;
                self.layers.close(LayerKind::Connect);
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
            ConnectMsg::Failed { error, .. } => {
                let target = crate::names::escape(&state.target).into_owned();
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
    pub(super) fn connect_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let Some(state) = self.layers.connect_mut() else {
            return Vec::new();
        };
        if key.code == KeyCode::Esc {
            let busy = matches!(
                state.step,
                ConnectStep::Connecting | ConnectStep::Approving { .. }
            );
            self.layers.close(LayerKind::Connect);
            self.set_status("not connected", false);
            return if busy {
                vec![Cmd::Connect(ConnectCmd::Cancel)]
            } else {
                Vec::new()
            };
        }
        let ev = crossterm::event::Event::Key(key);
        let submitted = key.code == KeyCode::Enter;
        match &mut state.step {
            ConnectStep::Target(input) => {
                if !submitted {
                    input.handle_event(&ev);
                    return Vec::new();
                }
                let target = input.value().trim().to_owned();
                let side = state.side;
                if target.is_empty() {
                    self.layers.close(LayerKind::Connect);
                    return Vec::new();
                }
                self.connect_pane(side, &target)
            }
            ConnectStep::Password { input, .. } => {
                if !submitted {
                    input.handle_event(&ev);
                    return Vec::new();
                }
                let password = Secret::new(input.value());
                *input = Input::default();
                state.password = Some(password.clone());
                state.step = ConnectStep::Connecting;
                vec![Cmd::Connect(ConnectCmd::Start {
                    side: state.side,
                    req: state.req,
                    target: state.target.clone(),
                    password: Some(password),
                    code: None,
                    cert_sha256: state.cert_sha256.clone(),
                })]
            }
            ConnectStep::Code(input) => {
                if !submitted {
                    // Digits only: the code is six of them.
                    if matches!(key.code, KeyCode::Char(c) if !c.is_ascii_digit()) {
                        return Vec::new();
                    }
                    input.handle_event(&ev);
                    return Vec::new();
                }
                let code = input.value().to_owned();
                vec![state.retry(Some(code))]
            }
            ConnectStep::Trust(info) => {
                // Only an explicit yes trusts; any other key but Esc does nothing.
                if !matches!(key.code, KeyCode::Char('y' | 'Y')) {
                    return Vec::new();
                }
                state.cert_sha256 = Some(info.sha256.clone());
                vec![state.retry(None)]
            }
            ConnectStep::Connecting | ConnectStep::Approving { .. } => Vec::new(),
        }
    }
}

/// Needed by `Msg`'s derive: results of a connection as messages.
impl From<ConnectMsg> for Msg {
    fn from(m: ConnectMsg) -> Msg {
        Msg::Connect(m)
    }
}

#[cfg(test)]
#[path = "connect_tests.rs"]
mod tests;
