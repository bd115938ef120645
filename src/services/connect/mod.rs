//! Opening what a user names (`nas:/Public`, `qnap://admin@nas:8080/Public`,
//! `freebox://host/Disque dur`, `./photos`): the one connect use case of the commander
//! and the CLI.
//!
//! The target is parsed (`remotes::target`); a local path is the local disk; a NAS is
//! opened by its kind's connector (`nas::registry`), which asks this module's
//! credential chain ([`chain`]) for what it needs: passwords handed over in-process
//! (`--demo`), the environment, the secrets store, the certificates trusted earlier, and
//! last the front end's [`Prompter`]. [`Opener`] keeps one connection per account,
//! so `nascmd cp nas:/a nas:/b` logs in once.
//!
//! The commander answers prompts with dialogs and starts again with the answers
//! ([`Answers`]): its prompter defers the question and this attempt ends with
//! [`RemoteError::Deferred`].

mod chain;

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::{Config, RemoteProfile};
use crate::nas::connector::StoredSecret;
use crate::prompt::Prompter;
use crate::remotes::{RemoteError, RemoteSpec, SecretsStore, Target};
use crate::secret::Secret;
use crate::vfs::{VPath, VfsError, VfsHandle};

pub use crate::remotes::target::origin_of;
pub use chain::Obtained;

/// Where credentials may come from, and what may be kept, when a NAS is opened.
#[derive(Clone)]
pub struct ConnectContext {
    /// Remote profiles (`NAME:/path`).
    pub config: Config,
    /// Read `NASCMD_PASSWORD` and `NASCMD_OTP` (off in tests, which type them).
    pub use_env: bool,
    /// Read the secrets store and, after a Freebox registration, keep the app token in
    /// it.
    pub use_secrets_store: bool,
    /// Read and write the certificates trusted on first use (`known_certs.toml`).
    pub use_known_certs: bool,
    /// Register nascmd on a Freebox that has no app token yet (the user presses ✓ on
    /// the box). Off for the CLI's file commands, which say to run `remote add`.
    pub may_register: bool,
    /// Passwords handed over in-process, by `base_url|user` (the `--demo` NAS).
    pub passwords: HashMap<String, Secret>,
}

impl Default for ConnectContext {
    fn default() -> Self {
        ConnectContext::isolated()
    }
}

impl ConnectContext {
    /// The user's config, environment, secrets store and trusted certificates.
    pub fn from_user(config: Config) -> Self {
        ConnectContext {
            config,
            use_env: true,
            use_secrets_store: true,
            use_known_certs: true,
            may_register: true,
            passwords: HashMap::new(),
        }
    }

    /// Nothing from the environment or the disk: only what is typed or handed over.
    pub fn isolated() -> Self {
        ConnectContext {
            config: Config::default(),
            use_env: false,
            use_secrets_store: false,
            use_known_certs: false,
            may_register: true,
            passwords: HashMap::new(),
        }
    }

    /// Hands over the password of `user` on `base_url` (no prompt for it).
    pub fn with_password(mut self, base_url: &str, user: &str, password: Secret) -> Self {
        self.passwords
            .insert(password_key(base_url, user), password);
        self
    }
}

fn password_key(base_url: &str, user: &str) -> String {
    format!("{}|{user}", base_url.trim_end_matches('/'))
}

/// What the user has already answered (the commander's dialogs), used before asking.
#[derive(Clone, Default)]
pub struct Answers {
    pub password: Option<Secret>,
    pub code: Option<String>,
    /// A certificate fingerprint the user accepted: pinned for this login, and
    /// remembered once it works.
    pub cert_sha256: Option<String>,
}

/// A NAS (or the local disk) opened at a path.
pub struct Opened {
    pub vfs: VfsHandle,
    pub path: VPath,
    /// The profile's `share_host`: share links use it instead of the URL's host.
    pub share_host: Option<String>,
}

/// The local disk.
pub fn local() -> VfsHandle {
    Arc::new(crate::vfs::local::LocalFs::new())
}

/// Parses `target` and opens it (no connection kept; a login that fails transiently is
/// tried again, see [`connect`]): the commander's "open a NAS in this pane".
pub async fn open(
    ctx: &ConnectContext,
    target: &str,
    answers: &Answers,
    prompter: &dyn Prompter,
) -> Result<Opened, RemoteError> {
    let (remote, path) = match Target::parse(target, &ctx.config)? {
        Target::Local(path) => {
            return Ok(Opened {
                vfs: local(),
                path,
                share_host: None,
            });
        }
        Target::Remote { remote, path } => (remote, path),
    };
    let secrets = ctx.use_secrets_store.then(load_secrets).flatten();
    let vfs = connect(ctx, secrets.as_ref(), &remote, answers, prompter)
        .await?
        .vfs;
    Ok(Opened {
        vfs,
        path,
        share_host: remote.share_host.clone(),
    })
}

/// A backend for `remote` and the secret obtained on the way (for `remote add`).
pub struct Connected {
    pub vfs: VfsHandle,
    pub obtained: Obtained,
}

/// Logs in to `remote` with its kind's connector. `secrets` is the store to read
/// passwords and app tokens from, if any.
pub async fn connect(
    ctx: &ConnectContext,
    secrets: Option<&SecretsStore>,
    remote: &RemoteSpec,
    answers: &Answers,
    prompter: &dyn Prompter,
) -> Result<Connected, RemoteError> {
    let connector = remote
        .kind
        .connector()
        .ok_or(RemoteError::Vfs(VfsError::Unsupported(
            "this kind of remote",
        )))?;
    let describe = remote.describe();
    let account = crate::nas::connector::Account {
        base_url: &remote.base_url,
        user: remote.user.as_deref(),
        describe: &describe,
    };
    let chain = chain::Chain::new(ctx, secrets, remote, answers, prompter);
    // A transient failure (a request the link dropped, one HTTP 500) is tried again a
    // few times, as every call a person waits on (`RetryPolicy::INTERACTIVE`); a refused
    // password, a question for the user and a permanent error are not. The chain keeps
    // what it obtained, so nobody is asked twice, and the steps the connector got
    // through (`Login::keep_progress`), so the next attempt starts from the step that
    // failed: each step is retried on its own, and a step done starts the count over.
    let policy = crate::jobs::RetryPolicy::INTERACTIVE;
    let mut retry = 0;
    let mut steps = 0;
    let outcome = loop {
        match connector.connect(&account, &chain).await {
            Err(crate::nas::connector::LoginError::Failed(e))
                if e.is_transient() && !chain.password_refused(&e) =>
            {
                if chain.steps_kept() != steps {
                    steps = chain.steps_kept();
                    retry = 0;
                }
                if retry >= policy.retries {
                    break Err(crate::nas::connector::LoginError::Failed(e));
                }
                tracing::debug!(error = %e, retry, "login failed, trying again");
                tokio::time::sleep(policy.delay(retry)).await;
                retry += 1;
            }
            other => break other,
        }
    };
    match outcome {
        Ok(vfs) => Ok(Connected {
            vfs,
            obtained: chain.obtained(),
        }),
        Err(crate::nas::connector::LoginError::Failed(e)) if chain.password_refused(&e) => {
            Err(RemoteError::PasswordRefused(e))
        }
        Err(crate::nas::connector::LoginError::Failed(e)) => Err(RemoteError::Vfs(e)),
        Err(crate::nas::connector::LoginError::Deferred) => Err(RemoteError::Deferred),
    }
}

/// The secret a new profile keeps in the secrets store, and under which field.
pub struct SecretToKeep {
    pub kind: StoredSecret,
    pub secret: Secret,
}

/// `remote add`: logs in to a new profile with what was given and the environment
/// (nothing from the secrets store: a new profile has nothing there yet), registering
/// on a box that wants it; a certificate never seen before is asked about and trusted
/// from now on. Returns the secret to keep for it.
pub async fn verify_profile(
    profile: &RemoteProfile,
    answers: &Answers,
    prompter: &dyn Prompter,
) -> Result<SecretToKeep, RemoteError> {
    let ctx = ConnectContext {
        use_secrets_store: false,
        ..ConnectContext::from_user(Config::default())
    };
    let remote = RemoteSpec {
        kind: profile.kind,
        base_url: profile.url.clone(),
        user: profile.user.clone(),
        profile: Some(profile.name.clone()),
        share_host: None,
        cert_sha256: profile.cert_sha256.clone(),
    };
    let connected = connect(&ctx, None, &remote, answers, prompter).await?;
    let kind = profile
        .kind
        .connector()
        .map_or(StoredSecret::Password, |c| c.stored_secret());
    let secret = match kind {
        StoredSecret::Password => connected.obtained.password,
        StoredSecret::AppToken => connected.obtained.app_token,
    };
    let secret = secret.ok_or_else(|| {
        RemoteError::Vfs(VfsError::AuthFailed(format!(
            "{} opened a session without a secret to keep",
            profile.url
        )))
    })?;
    Ok(SecretToKeep { kind, secret })
}

fn load_secrets() -> Option<SecretsStore> {
    SecretsStore::load_default()
        .map_err(|e| tracing::warn!("secrets store: {e}"))
        .ok()
}

/// Opens targets with the user's config, secrets store and a way to ask, keeping one
/// connection per NAS account.
pub struct Opener {
    ctx: ConnectContext,
    /// Loaded on the first remote: a local-only command never reads it.
    secrets: Option<SecretsStore>,
    prompter: Arc<dyn Prompter>,
    connections: HashMap<String, VfsHandle>,
}

impl Opener {
    /// The CLI's file commands: the environment, `secrets`, the trusted certificates;
    /// no Freebox registration (that is `remote add`).
    pub fn new(config: Config, secrets: SecretsStore, prompter: Arc<dyn Prompter>) -> Self {
        let mut c = Self::with_default_files(config, prompter);
        c.secrets = Some(secrets);
        c
    }

    /// [`Opener::new`] with the secrets store at its default place, read when a
    /// remote is first opened.
    pub fn with_default_files(config: Config, prompter: Arc<dyn Prompter>) -> Self {
        let ctx = ConnectContext {
            may_register: false,
            ..ConnectContext::from_user(config)
        };
        Opener {
            ctx,
            secrets: None,
            prompter,
            connections: HashMap::new(),
        }
    }

    /// With the config file at its default place, asking through `prompter`.
    pub fn from_default_files(prompter: Arc<dyn Prompter>) -> Result<Self, RemoteError> {
        let config = Config::load(&Config::default_path())?;
        Ok(Self::with_default_files(config, prompter))
    }

    pub fn config(&self) -> &Config {
        &self.ctx.config
    }

    /// Parses a target (see `remotes::target` for the rule).
    pub fn parse(&self, target: &str) -> Result<Target, RemoteError> {
        Target::parse(target, &self.ctx.config)
    }

    /// The backend for a parsed target, connecting (once per account) when needed.
    pub async fn backend(&mut self, target: &Target) -> Result<VfsHandle, RemoteError> {
        let key = target.backend_key();
        if let Some(h) = self.connections.get(&key) {
            return Ok(h.clone());
        }
        let handle = match target {
            Target::Local(_) => local(),
            Target::Remote { remote, .. } => {
                let secrets = match &mut self.secrets {
                    Some(s) => s,
                    None => self.secrets.insert(SecretsStore::load_default()?),
                };
                let answers = Answers::default();
                connect(
                    &self.ctx,
                    Some(secrets),
                    remote,
                    &answers,
                    self.prompter.as_ref(),
                )
                .await?
                .vfs
            }
        };
        self.connections.insert(key, handle.clone());
        Ok(handle)
    }

    /// Parses and opens: the backend and the path in it.
    pub async fn open(&mut self, target: &str) -> Result<(VfsHandle, VPath), RemoteError> {
        let t = self.parse(target)?;
        let h = self.backend(&t).await?;
        Ok((h, t.path().clone()))
    }
}

#[cfg(test)]
mod tests;
