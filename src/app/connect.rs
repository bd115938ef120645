//! Opening a NAS in a pane: the state of the dialogs around it (target, password, 2-step
//! code, approval on the box, certificate trust) and what their answers do. The dialogs
//! speak the neutral prompt types (`crate::prompt`), never a backend's. The connection
//! itself is an effect (`Cmd::Connect`, carried out in `runtime::connect` by the connect
//! use case): the loop keeps drawing while it logs in, and the pane keeps showing what it
//! showed until the NAS answers. A question ends the attempt; its answer starts a new
//! one with everything answered so far. A failure ends in an error dialog and the pane
//! stays as it was (local).
//!
//! This module is the state and what it does on its own (a key, a question from the
//! NAS); what the answers do to the app (open the pane, show an error, start the next
//! queued connection) is in `connect_actions.rs`.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;

use crate::key_table::{Binding, KeyTable, ch, key};
use crate::prompt::{Approval, ApprovalStatus, CertDetails, Prompt};
use crate::secret::Secret;
use crate::vfs::{VPath, VfsHandle};

use super::ids::{RequestId, Side};
use super::problem::Problem;
use super::text_field::{TextKey, text_key};

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
    /// Open the ends of a paused (restored) job again and start it from its journal
    /// (`app/jobs.rs`). `answered` is the place the dialogs' answers are for (the one
    /// `ConnectMsg::Opening` named), with what was typed; the other end is opened without
    /// them.
    Resume {
        req: RequestId,
        job: super::jobs::RestoredJob,
        answered: Option<String>,
        password: Option<Secret>,
        code: Option<String>,
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
            ConnectCmd::Resume {
                req,
                job,
                answered,
                password,
                ..
            } => write!(
                f,
                "Resume(#{req}, {}, {answered:?}, password: {})",
                job.key,
                password.is_some()
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
    Failed { req: RequestId, error: Problem },
    /// Resuming a paused job: `target` (a place of the journal) is being opened now;
    /// the dialogs name it and their answers are for it.
    Opening { req: RequestId, target: String },
    /// The paused job's ends are open and the engine runs it as job `id`, which
    /// reads and writes `places` (what F8 and F6 warn about, as for any job).
    Resumed {
        req: RequestId,
        id: crate::jobs::JobId,
        kind: crate::jobs::JobKind,
        title: String,
        places: super::jobs::Footprint,
    },
}

impl ConnectMsg {
    /// The request this answers.
    pub fn req(&self) -> RequestId {
        match self {
            ConnectMsg::Prompt { req, .. }
            | ConnectMsg::Approval { req, .. }
            | ConnectMsg::Connected { req, .. }
            | ConnectMsg::Failed { req, .. }
            | ConnectMsg::Opening { req, .. }
            | ConnectMsg::Resumed { req, .. } => *req,
        }
    }
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
            ConnectMsg::Opening { req, target } => write!(f, "Opening(#{req}, {target:?})"),
            ConnectMsg::Resumed { req, id, .. } => write!(f, "Resumed(#{req}, job {id})"),
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
    /// Passwords refused so far, and the account the last password dialog named.
    pub refusals: PasswordRefusals,
    /// Not a pane: the ends of this paused (restored) job are being opened to resume it.
    pub resume: Option<super::jobs::RestoredJob>,
}

/// How many passwords a connection asks for before it gives up.
pub const PASSWORD_TRIES: u32 = 3;

/// The refused passwords of one connection.
#[derive(Default)]
pub struct PasswordRefusals {
    /// Typed passwords the NAS refused.
    pub typed: u32,
    /// The account the password dialog names (from the NAS's question).
    pub who: Option<String>,
    /// Why the dialog asks again ("wrong password, try 2 of 3"), shown in it.
    pub note: Option<String>,
}

/// What a key did in a connect dialog, for the app to carry out.
pub enum ConnectKey {
    /// Nothing more to do (the key edited an input, or means nothing here).
    Handled,
    /// A chord the focused field has no use for (Alt-Z): the app says so.
    Unbound,
    /// Esc: the user gives up; `in_flight` when a connection was running (to cancel).
    Abandoned { in_flight: bool },
    /// The target dialog was submitted empty: just close it.
    Dismissed,
    /// The target dialog was submitted: open this.
    Open(String),
    /// Connect again with what the dialogs gathered.
    Connect(ConnectCmd),
}

/// What a key does in the certificate question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustKey {
    Trust,
    Cancel,
}

/// The certificate question's keys: only an explicit yes trusts.
pub const TRUST_KEYS: KeyTable<TrustKey> = KeyTable {
    title: "In the certificate question",
    bindings: &[
        Binding {
            keys: &[ch('y'), ch('Y')],
            also: &[],
            action: TrustKey::Trust,
            help: Some(("y", "trusts it (pinned) and connects")),
        },
        Binding {
            keys: &[ch('n'), ch('N'), key(KeyCode::Esc)],
            also: &[],
            action: TrustKey::Cancel,
            help: Some(("n or Esc", "does not connect")),
        },
    ],
};

/// The keys while a NAS is being opened ("Connecting…", waiting for the box's ✓).
pub const WAITING_KEYS: KeyTable<()> = KeyTable {
    title: "While connecting",
    bindings: &[Binding {
        keys: &[key(KeyCode::Esc)],
        also: &[],
        action: (),
        help: Some((
            "Esc",
            "gives up (the pane stays where it was; a late answer is ignored)",
        )),
    }],
};

/// A key given to one of the dialog's text fields.
fn typed(input: &mut Input, key: KeyEvent) -> ConnectKey {
    match text_key(input, key) {
        TextKey::Edited => ConnectKey::Handled,
        TextKey::Unbound => ConnectKey::Unbound,
    }
}

impl ConnectState {
    /// A connection to `target` just started: "Connecting…".
    pub fn connecting(side: Side, req: RequestId, target: &str) -> ConnectState {
        ConnectState {
            side,
            req,
            target: target.to_owned(),
            step: ConnectStep::Connecting,
            password: None,
            cert_sha256: None,
            refusals: PasswordRefusals::default(),
            resume: None,
        }
    }

    /// Opening the ends of the paused job `job` to resume it: "Connecting…" until the
    /// runtime names the place it opens (`ConnectMsg::Opening`).
    pub fn resuming(req: RequestId, job: super::jobs::RestoredJob) -> ConnectState {
        let mut state = ConnectState::connecting(Side::Left, req, "");
        state.resume = Some(job);
        state
    }

    /// The command that starts resuming (nothing answered yet).
    pub fn start_resume(&self) -> Option<ConnectCmd> {
        self.resume.as_ref().map(|job| ConnectCmd::Resume {
            req: self.req,
            job: job.clone(),
            answered: None,
            password: None,
            code: None,
            cert_sha256: None,
        })
    }

    /// A place of the paused job is being opened: the dialogs name it from now on,
    /// and what was answered for the place before does not apply to it.
    pub fn opening(&mut self, target: String) {
        if self.target != target {
            self.target = target;
            self.password = None;
            self.cert_sha256 = None;
            self.refusals = PasswordRefusals::default();
        }
        self.step = ConnectStep::Connecting;
    }

    /// For a resume, the pane's connect command becomes the resume's, its answers
    /// for the place being opened.
    pub fn for_purpose(&self, cmd: ConnectCmd) -> ConnectCmd {
        match (cmd, &self.resume) {
            (
                ConnectCmd::Start {
                    req,
                    target,
                    password,
                    code,
                    cert_sha256,
                    ..
                },
                Some(job),
            ) => ConnectCmd::Resume {
                req,
                job: job.clone(),
                answered: Some(target),
                password,
                code,
                cert_sha256,
            },
            (cmd, _) => cmd,
        }
    }

    /// The Alt-N dialog asking where to connect, `suggestion` typed in already.
    pub fn asking(side: Side, req: RequestId, suggestion: String) -> ConnectState {
        ConnectState {
            side,
            req,
            target: String::new(),
            step: ConnectStep::Target(Input::new(suggestion)),
            password: None,
            cert_sha256: None,
            refusals: PasswordRefusals::default(),
            resume: None,
        }
    }

    /// The command that starts the first attempt (nothing answered yet).
    pub fn start(&self) -> ConnectCmd {
        ConnectCmd::Start {
            side: self.side,
            req: self.req,
            target: self.target.clone(),
            password: None,
            code: None,
            cert_sha256: None,
        }
    }

    /// Connects again with what the dialogs have gathered (password, accepted
    /// certificate) and `code`, showing "Connecting…" meanwhile.
    fn retry(&mut self, code: Option<String>) -> ConnectCmd {
        self.step = ConnectStep::Connecting;
        ConnectCmd::Start {
            side: self.side,
            req: self.req,
            target: self.target.clone(),
            password: self.password.clone(),
            code,
            cert_sha256: self.cert_sha256.clone(),
        }
    }

    /// The NAS asked a question: show its dialog.
    pub fn prompted(&mut self, prompt: Prompt) {
        self.step = match prompt {
            Prompt::Password { who } => {
                self.refusals.who = Some(who.clone());
                ConnectStep::Password {
                    input: Input::default(),
                    who,
                }
            }
            Prompt::Code => ConnectStep::Code(Input::default()),
            Prompt::Trust { cert, .. } => ConnectStep::Trust(cert),
        };
    }

    /// The NAS refused the password (typed, or from the environment or the secrets
    /// store): the password dialog asks again, up to [`PASSWORD_TRIES`] typed ones.
    /// Returns false when the tries are used up.
    pub fn password_refused(&mut self) -> bool {
        if self.password.take().is_some() {
            self.refusals.typed += 1;
        }
        if self.refusals.typed >= PASSWORD_TRIES {
            return false;
        }
        let try_no = self.refusals.typed + 1;
        self.refusals.note = Some(format!(
            "The NAS refused the password: try {try_no} of {PASSWORD_TRIES}."
        ));
        let who = self
            .refusals
            .who
            .clone()
            .unwrap_or_else(|| self.target.clone());
        self.step = ConnectStep::Password {
            input: Input::default(),
            who,
        };
        true
    }

    /// The box was polled for an approval: show the status, counting the polls.
    pub fn approval_polled(&mut self, approval: Approval, status: ApprovalStatus) {
        let polls = match self.step {
            ConnectStep::Approving { polls, .. } => polls + 1,
            _ => 1,
        };
        self.step = ConnectStep::Approving {
            approval,
            status,
            polls,
        };
    }

    /// A key while the dialog is open. A key a step has no use for is `Unbound`
    /// (said on the status line; F1 opens the help), never dropped.
    pub fn key(&mut self, key: KeyEvent) -> ConnectKey {
        let in_flight = matches!(
            self.step,
            ConnectStep::Connecting | ConnectStep::Approving { .. }
        );
        if key.code == KeyCode::Esc {
            return ConnectKey::Abandoned { in_flight };
        }
        let submitted = key.code == KeyCode::Enter;
        match &mut self.step {
            ConnectStep::Target(input) => {
                if !submitted {
                    return typed(input, key);
                }
                let target = input.value().trim().to_owned();
                if target.is_empty() {
                    return ConnectKey::Dismissed;
                }
                ConnectKey::Open(target)
            }
            ConnectStep::Password { input, .. } => {
                if !submitted {
                    return typed(input, key);
                }
                let password = Secret::new(input.value());
                *input = Input::default();
                self.password = Some(password.clone());
                self.step = ConnectStep::Connecting;
                ConnectKey::Connect(ConnectCmd::Start {
                    side: self.side,
                    req: self.req,
                    target: self.target.clone(),
                    password: Some(password),
                    code: None,
                    cert_sha256: self.cert_sha256.clone(),
                })
            }
            ConnectStep::Code(input) => {
                if !submitted {
                    // Digits only: the code is six of them. A letter typed is dropped
                    // (the field's other keys, Ctrl-U, Alt-B…, still work).
                    let before = input.clone();
                    let answer = typed(input, key);
                    if !input.value().chars().all(|c| c.is_ascii_digit()) {
                        *input = before;
                        return ConnectKey::Handled;
                    }
                    return answer;
                }
                let code = input.value().to_owned();
                ConnectKey::Connect(self.retry(Some(code)))
            }
            ConnectStep::Trust(info) => match TRUST_KEYS.action(&key, None) {
                Some(TrustKey::Trust) => {
                    self.cert_sha256 = Some(info.sha256.clone());
                    ConnectKey::Connect(self.retry(None))
                }
                Some(TrustKey::Cancel) => ConnectKey::Abandoned { in_flight },
                None => ConnectKey::Unbound,
            },
            ConnectStep::Connecting | ConnectStep::Approving { .. } => {
                match WAITING_KEYS.action(&key, None) {
                    Some(()) => ConnectKey::Abandoned { in_flight },
                    None => ConnectKey::Unbound,
                }
            }
        }
    }

    /// The dialog title.
    pub fn title(&self) -> &'static str {
        match &self.step {
            ConnectStep::Target(_) => "Open a NAS in this pane",
            ConnectStep::Connecting if self.resume.is_some() => "Resuming a paused job",
            ConnectStep::Connecting => "Connecting",
            ConnectStep::Password { .. } => "Password",
            ConnectStep::Code(_) => "2-step verification",
            ConnectStep::Approving { approval, .. } => approval.title,
            ConnectStep::Trust(_) => "Trust this certificate?",
        }
    }
}
