//! The neutral questions asked while logging in to a NAS, and the [`Prompter`] a front
//! end answers them through: the CLI on the terminal (`cli::prompt::TtyPrompter`), the
//! commander with its dialogs (`runtime::connect`).
//!
//! A leaf: nothing here knows a backend, a terminal or a screen, so the connectors
//! (`nas::*::connector`), the connect use case (`services::connect`) and the dialogs
//! (`app::connect`, `ui::overlay`) all speak these types.

use std::fmt;

use async_trait::async_trait;

use crate::secret::Secret;

/// A certificate the NAS presented that nobody trusts yet (what the user compares with
/// what the NAS itself shows before trusting it). Subject and issuer come escaped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertDetails {
    /// SHA-256 fingerprint of the leaf certificate, `AB:CD:…` (what gets pinned).
    pub sha256: String,
    pub subject: String,
    pub issuer: String,
    /// Validity start and end, `YYYY-MM-DD hh:mm:ss UTC`.
    pub not_before: String,
    pub not_after: String,
    /// Subject and issuer are the same name (a NAS's factory certificate, typically).
    pub self_signed: bool,
}

/// Where an "approve on the box" request stands (one poll of the NAS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApprovalStatus {
    /// Nobody has answered on the box yet.
    Pending,
    Granted,
    Denied,
    /// The box gave up waiting.
    Timeout,
    /// The box no longer knows the request.
    Unknown,
}

/// An "approve on the box" request: what the dialog is called and what the user has to
/// do (`Press the ✓ button on the Freebox to allow nascmd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Approval {
    pub title: &'static str,
    pub text: &'static str,
    /// A line more, when there is something to know (the box may ask twice).
    pub note: Option<&'static str>,
}

/// One question for the user.
#[derive(Clone, PartialEq, Eq)]
pub enum Prompt {
    /// The password of an account; `who` names it (`admin on http://nas:8080`).
    Password { who: String },
    /// A 2-step verification code (6 digits).
    Code,
    /// "Trust this certificate?": `url` presented `cert`, refused for `why`.
    Trust {
        url: String,
        why: String,
        cert: CertDetails,
    },
}

impl fmt::Debug for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prompt::Password { who } => write!(f, "Password({who})"),
            Prompt::Code => f.write_str("Code"),
            Prompt::Trust { cert, .. } => write!(f, "Trust({})", cert.sha256),
        }
    }
}

/// What the user answered.
#[derive(Clone)]
pub enum Answer {
    Password(Secret),
    Code(String),
    /// Only an explicit yes trusts.
    Trust(bool),
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the secret nor the code.
        match self {
            Answer::Password(_) => f.write_str("Password(…)"),
            Answer::Code(_) => f.write_str("Code(…)"),
            Answer::Trust(yes) => write!(f, "Trust({yes})"),
        }
    }
}

/// Why a question got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unanswered {
    /// Nobody can be asked (no terminal, a script): the caller explains how to give the
    /// answer another way.
    NoOneToAsk,
    /// The question went to a dialog; the front end starts the connection again with
    /// the answer, so this attempt stops quietly.
    Deferred,
}

/// Asks the user. The connect use case drives it; front ends implement it.
#[async_trait]
pub trait Prompter: Send + Sync {
    /// Asks one question. An answer of the wrong kind counts as no answer.
    async fn ask(&self, prompt: Prompt) -> Result<Answer, Unanswered>;

    /// "Approve on the box": what to do, and the last poll's status (called after every
    /// poll, so a front end can show it live).
    fn approval(&self, _approval: Approval, _status: ApprovalStatus) {}
}

/// A prompter that never asks (non-interactive callers, tests): every question fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPrompter;

#[async_trait]
impl Prompter for NoPrompter {
    async fn ask(&self, _prompt: Prompt) -> Result<Answer, Unanswered> {
        Err(Unanswered::NoOneToAsk)
    }
}
