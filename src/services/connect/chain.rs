//! The credential chain a connector logs in with ([`Login`]): in order, what the user
//! already answered, passwords handed over in-process, the environment, the secrets
//! store, the certificates trusted earlier, and last the front end's prompter.

use std::sync::Mutex;

use async_trait::async_trait;

use super::{Answers, ConnectContext, password_key};
use crate::nas::connector::{Account, Login, LoginError, Progress};
use crate::prompt::{Answer, Approval, ApprovalStatus, CertDetails, Prompt, Prompter, Unanswered};
use crate::remotes::credentials::{self, OTP_ENV, PASSWORD_ENV};
use crate::remotes::{KnownCerts, RemoteSpec, SecretsStore};
use crate::secret::Secret;
use crate::vfs::VfsError;

/// The secret a login obtained from outside the secrets store (typed, from the
/// environment, granted by the box): what `remote add` keeps.
#[derive(Clone, Default)]
pub struct Obtained {
    pub password: Option<Secret>,
    pub app_token: Option<Secret>,
}

/// One login's sources.
pub(super) struct Chain<'a> {
    ctx: &'a ConnectContext,
    secrets: Option<&'a SecretsStore>,
    remote: &'a RemoteSpec,
    answers: &'a Answers,
    prompter: &'a dyn Prompter,
    /// A fingerprint the user accepted during this login.
    accepted: Mutex<Option<String>>,
    obtained: Mutex<Obtained>,
    /// A Freebox registration waiting for the button press (a login tried again polls
    /// it rather than registering anew).
    pending: Mutex<Option<crate::nas::freebox::Registration>>,
    /// A 2-step code went with this login (a refusal may then be the code's).
    code_given: std::sync::atomic::AtomicBool,
    /// What the connector kept for its next attempt, and how many times it kept
    /// something (each is a step done: the retry count starts over).
    progress: Mutex<(Option<Progress>, u32)>,
}

impl<'a> Chain<'a> {
    pub(super) fn new(
        ctx: &'a ConnectContext,
        secrets: Option<&'a SecretsStore>,
        remote: &'a RemoteSpec,
        answers: &'a Answers,
        prompter: &'a dyn Prompter,
    ) -> Self {
        Chain {
            ctx,
            secrets,
            remote,
            answers,
            prompter,
            accepted: Mutex::new(None),
            obtained: Mutex::new(Obtained::default()),
            pending: Mutex::new(None),
            code_given: std::sync::atomic::AtomicBool::new(false),
            progress: Mutex::new((None, 0)),
        }
    }

    /// How many steps the connector kept so far: a login tried again after one of
    /// them made progress, and its retries count from zero again.
    pub(super) fn steps_kept(&self) -> u32 {
        lock(&self.progress).1
    }

    pub(super) fn obtained(&self) -> Obtained {
        lock(&self.obtained).clone()
    }

    /// Whether a refused login was refused for its password: one was used, and no
    /// 2-step code (a wrong code is refused the same way).
    pub(super) fn password_refused(&self, e: &VfsError) -> bool {
        matches!(e, VfsError::AuthFailed(_))
            && lock(&self.obtained).password.is_some()
            && !self.code_given.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn known_certs(&self) -> Option<KnownCerts> {
        if !self.ctx.use_known_certs {
            return None;
        }
        KnownCerts::load_default()
            .map_err(|e| tracing::warn!("known certificates: {e}"))
            .ok()
    }

    /// A fingerprint the user accepted (now or in an earlier attempt).
    fn was_accepted(&self, fingerprint: &str) -> bool {
        self.answers.cert_sha256.as_deref() == Some(fingerprint)
            || lock(&self.accepted).as_deref() == Some(fingerprint)
    }
}

/// A poisoned lock only means another thread panicked while holding plain data.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn auth_failed(text: String) -> LoginError {
    LoginError::Failed(VfsError::AuthFailed(text))
}

#[async_trait]
impl Login for Chain<'_> {
    async fn password(&self, account: &Account<'_>) -> Result<Secret, LoginError> {
        let user = account.user.unwrap_or_default();
        // A login tried again asks nobody twice.
        if let Some(p) = lock(&self.obtained).password.clone() {
            return Ok(p);
        }
        let known = self
            .answers
            .password
            .clone()
            .or_else(|| {
                let key = password_key(account.base_url, user);
                self.ctx.passwords.get(&key).cloned()
            })
            .or_else(|| {
                self.ctx
                    .use_env
                    .then(credentials::password_from_env)
                    .flatten()
            })
            .or_else(|| {
                let name = self.remote.profile.as_deref()?;
                self.secrets?.password(name).cloned()
            });
        if let Some(p) = known {
            lock(&self.obtained).password = Some(p.clone());
            return Ok(p);
        }
        let who = match account.user {
            Some(u) => format!("{u} on {}", account.base_url),
            None => account.base_url.to_owned(),
        };
        match self.prompter.ask(Prompt::Password { who }).await {
            Ok(Answer::Password(p)) => {
                lock(&self.obtained).password = Some(p.clone());
                Ok(p)
            }
            Err(Unanswered::Deferred) => Err(LoginError::Deferred),
            Ok(_) | Err(Unanswered::NoOneToAsk) => Err(auth_failed(format!(
                "no password for {}: set {PASSWORD_ENV}, store one with `nascmd remote add`, \
                 or run in a terminal",
                account.describe
            ))),
        }
    }

    async fn second_factor(&self) -> Result<String, LoginError> {
        let known = self
            .answers
            .code
            .clone()
            .or_else(|| self.ctx.use_env.then(credentials::code_from_env).flatten());
        if let Some(code) = known {
            self.code_given
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return Ok(code);
        }
        match self.prompter.ask(Prompt::Code).await {
            Ok(Answer::Code(code)) => {
                self.code_given
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                Ok(code)
            }
            Err(Unanswered::Deferred) => Err(LoginError::Deferred),
            Ok(_) | Err(Unanswered::NoOneToAsk) => Err(auth_failed(format!(
                "the account needs a 2-step verification code: set {OTP_ENV} or run in a terminal"
            ))),
        }
    }

    fn pinned_certificate(&self, base_url: &str) -> Option<String> {
        self.answers
            .cert_sha256
            .clone()
            .or_else(|| self.remote.cert_sha256.clone())
            .or_else(|| self.known_certs()?.get(base_url).map(str::to_owned))
    }

    async fn trust(
        &self,
        base_url: &str,
        why: &str,
        cert: CertDetails,
    ) -> Result<bool, Unanswered> {
        let fingerprint = cert.sha256.clone();
        let prompt = Prompt::Trust {
            url: base_url.to_owned(),
            why: why.to_owned(),
            cert,
        };
        match self.prompter.ask(prompt).await? {
            Answer::Trust(true) => {
                *lock(&self.accepted) = Some(fingerprint);
                Ok(true)
            }
            Answer::Trust(false) => Ok(false),
            _ => Err(Unanswered::NoOneToAsk),
        }
    }

    fn certificate_works(&self, base_url: &str, fingerprint: &str) {
        if !self.was_accepted(fingerprint) {
            return;
        }
        if let Some(mut known) = self.known_certs()
            && let Err(e) = known.remember(base_url, fingerprint)
        {
            tracing::warn!("cannot keep the trusted certificate: {e}");
        }
    }

    /// The one this login was granted first: a login tried again (a session that
    /// failed to open after the button press) registers nothing anew.
    fn app_token(&self) -> Option<Secret> {
        if let Some(t) = lock(&self.obtained).app_token.clone() {
            return Some(t);
        }
        self.secrets?
            .app_token(&self.remote.secrets_name())
            .cloned()
    }

    fn may_register(&self) -> bool {
        self.ctx.may_register
    }

    fn approval(&self, approval: Approval, status: ApprovalStatus) {
        self.prompter.approval(approval, status);
    }

    fn pending_registration(&self) -> Option<crate::nas::freebox::Registration> {
        lock(&self.pending).clone()
    }

    fn keep_pending_registration(&self, registration: Option<crate::nas::freebox::Registration>) {
        *lock(&self.pending) = registration;
    }

    fn keep_progress(&self, progress: Progress) {
        let mut kept = lock(&self.progress);
        kept.0 = Some(progress);
        kept.1 = kept.1.saturating_add(1);
    }

    fn progress(&self) -> Option<Progress> {
        lock(&self.progress).0.clone()
    }

    /// Kept under the profile, or under the URL when there is none, so the next start
    /// reuses it.
    fn keep_app_token(&self, token: &Secret) {
        lock(&self.obtained).app_token = Some(token.clone());
        if !self.ctx.use_secrets_store {
            return;
        }
        let Some(mut store) = super::load_secrets() else {
            return;
        };
        store.set_app_token(&self.remote.secrets_name(), token.clone());
        if let Err(e) = store.save() {
            tracing::warn!("cannot keep the Freebox app token: {e}");
        }
    }
}
