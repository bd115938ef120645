//! What every NAS kind tells the rest of nascmd: its name in the config file, its URL
//! schemes and default ports, and how it logs in. Each backend has one [`Connector`]
//! (`nas/<kind>/connector.rs`), listed in [`super::registry`].
//!
//! A connector knows its login flow (QNAP: password, maybe a 2-step code, maybe trust
//! of a self-signed certificate; Freebox: an app token, else a registration approved on
//! the box) but not where secrets come from nor how the user is asked: it goes through
//! [`Login`], which the connect use case (`services::connect`) implements with its
//! credential chain and the front end's prompter.

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;

use crate::prompt::{Approval, ApprovalStatus, CertDetails, Unanswered};
use crate::secret::Secret;
use crate::vfs::{VfsError, VfsHandle};

/// One URL scheme of a kind (`qnaps://` is QNAP over https, port 443 unless given).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scheme {
    pub name: &'static str,
    pub https: bool,
    pub default_port: u16,
}

/// The secret a kind keeps in the secrets store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredSecret {
    /// The account's password (QNAP).
    Password,
    /// A token granted once on the box (Freebox).
    AppToken,
}

/// The account being opened (no secret here).
#[derive(Clone, Copy, Debug)]
pub struct Account<'a> {
    /// `http(s)://host:port`, no trailing slash.
    pub base_url: &'a str,
    pub user: Option<&'a str>,
    /// What to call it in messages: the profile name or `user@url`.
    pub describe: &'a str,
}

/// Why a login did not end with a backend.
#[derive(Debug)]
pub enum LoginError {
    /// A backend error (connection, refused login, untrusted certificate…).
    Failed(VfsError),
    /// A question went to a dialog; the front end will start again with the answer.
    Deferred,
}

impl From<VfsError> for LoginError {
    fn from(e: VfsError) -> Self {
        LoginError::Failed(e)
    }
}

/// What a connector may ask for while it logs in: the secrets it needs, the user's
/// decisions, and where to keep what it obtained. Implemented by the connect use case.
#[async_trait]
pub trait Login: Send + Sync {
    /// The account's password: handed over, from the environment, the secrets store,
    /// else asked. The error says how to give one when nobody can be asked.
    async fn password(&self, account: &Account<'_>) -> Result<Secret, LoginError>;
    /// A 2-step verification code: from the environment, else asked.
    async fn second_factor(&self) -> Result<String, LoginError>;
    /// The fingerprint to pin for `base_url`, if one is known (accepted by the user,
    /// in the profile, or trusted earlier).
    fn pinned_certificate(&self, base_url: &str) -> Option<String>;
    /// Asks whether to trust `cert`, which `base_url` presented and TLS refused for
    /// `why`. `Ok(true)` only on an explicit yes.
    async fn trust(&self, base_url: &str, why: &str, cert: CertDetails)
    -> Result<bool, Unanswered>;
    /// A login pinned to `fingerprint` succeeded: remember it when the user accepted it.
    fn certificate_works(&self, base_url: &str, fingerprint: &str);
    /// The app token kept for this remote, if any.
    fn app_token(&self) -> Option<Secret>;
    /// Whether a new app may be registered (approved on the box) when there is no token.
    fn may_register(&self) -> bool;
    /// "Approve on the box": what to do and the last poll's status.
    fn approval(&self, approval: Approval, status: ApprovalStatus);
    /// A registration was granted: keep the token for the next time.
    fn keep_app_token(&self, token: &Secret);
    /// A registration still waiting for the approval on the box, kept by this login
    /// (`None` once it has a verdict), so a login tried again polls it instead of
    /// registering anew, which would ask for the approval a second time.
    fn pending_registration(&self) -> Option<crate::nas::freebox::Registration>;
    fn keep_pending_registration(&self, registration: Option<crate::nas::freebox::Registration>);
    /// What an attempt of this login obtained before it failed on the way (a Freebox's
    /// API root, a QNAP logged in to), so the attempt after a transient failure starts
    /// from there instead of sending every request again: on a link that fails every
    /// Nth request, a chain of N requests started over each time never ends. Opaque
    /// here: each connector keeps and reads back its own types ([`kept`]).
    fn keep_progress(&self, progress: Progress);
    /// What [`Login::keep_progress`] kept last in this login, if anything.
    fn progress(&self) -> Option<Progress>;
}

/// A step of a login kept for the next attempt ([`Login::keep_progress`]).
pub type Progress = Arc<dyn Any + Send + Sync>;

/// The progress `login` kept, if it is a `T`.
pub fn kept<T: Any + Send + Sync>(login: &dyn Login) -> Option<Arc<T>> {
    login.progress()?.downcast::<T>().ok()
}

/// One NAS kind.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The name in the config file (`kind = "qnap"`) and in `remote list`.
    fn kind(&self) -> &'static str;
    /// The URL forms (`qnap://…`, `qnaps://…`), first the plain-http one.
    fn schemes(&self) -> &'static [Scheme];
    /// When a URL form must name a user: the error to show without one.
    fn url_needs_user(&self) -> Option<&'static str> {
        None
    }
    /// What this kind keeps in the secrets store.
    fn stored_secret(&self) -> StoredSecret;
    /// Logs in to `account`, asking `login` for what it needs.
    async fn connect(
        &self,
        account: &Account<'_>,
        login: &dyn Login,
    ) -> Result<VfsHandle, LoginError>;
}
