//! Remotes: turning what a user types (`nas:/Public`, `qnap://admin@nas:8080/Public`,
//! `freebox://mafreebox.freebox.fr/Disque dur`, `./photos`) into a backend and a path.
//!
//! - [`target`]: parsing, with the rule for paths that contain `:`.
//! - [`secrets`]: the 0600 secrets store (passwords, Freebox app tokens).
//! - [`known_certs`]: self-signed certificates trusted on first use (`known_hosts`-like).
//! - [`credentials`]: where a password comes from (env, store, prompt) and prompts.
//! - [`backends`]: building the QNAP / Freebox / local backend.
//!
//! [`Opener`] ties them together and keeps one connection per NAS account, so
//! `nascmd cp nas:/a nas:/b` logs in once.

pub mod backends;
pub mod credentials;
pub mod known_certs;
pub mod secrets;
pub mod target;

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::{Config, ConfigError};
use crate::vfs::{VPath, VfsError, VfsHandle};

pub use credentials::{NoPrompter, Prompter, TtyPrompter};
pub use known_certs::{KnownCerts, KnownCertsError};
pub use secrets::{SecretsError, SecretsStore};
pub use target::{RemoteSpec, Target};

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error(
        "no remote profile named {0:?} (see `nascmd remote list`); for a local path with ':', write ./{0}:…"
    )]
    UnknownRemote(String),
    #[error("{target}: {reason}")]
    BadTarget { target: String, reason: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    /// A backend error (connection, login). Kept as is so callers can match on it.
    #[error(transparent)]
    Vfs(#[from] VfsError),
}

impl RemoteError {
    /// The backend error inside, if that is what it is.
    pub fn as_vfs(&self) -> Option<&VfsError> {
        match self {
            RemoteError::Vfs(v) => Some(v),
            _ => None,
        }
    }
}

/// Opens targets with the user's config, secrets store and a way to ask, reusing one
/// connection per NAS account.
pub struct Opener {
    config: Config,
    /// Loaded on the first remote: a local-only command never reads it.
    secrets: Option<SecretsStore>,
    prompter: Arc<dyn Prompter>,
    connections: HashMap<String, VfsHandle>,
}

impl Opener {
    pub fn new(config: Config, secrets: SecretsStore, prompter: Arc<dyn Prompter>) -> Self {
        Opener {
            config,
            secrets: Some(secrets),
            prompter,
            connections: HashMap::new(),
        }
    }

    /// With the config file and secrets store at their default places, prompting on the
    /// terminal.
    pub fn from_default_files() -> Result<Self, RemoteError> {
        let config = Config::load(&Config::default_path())?;
        Ok(Opener {
            config,
            secrets: None,
            prompter: Arc::new(TtyPrompter),
            connections: HashMap::new(),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Parses a target (see [`target`] for the rule).
    pub fn parse(&self, target: &str) -> Result<Target, RemoteError> {
        Target::parse(target, &self.config)
    }

    /// The backend for a parsed target, connecting (once per account) when needed.
    pub async fn backend(&mut self, target: &Target) -> Result<VfsHandle, RemoteError> {
        let key = target.backend_key();
        if let Some(h) = self.connections.get(&key) {
            return Ok(h.clone());
        }
        let handle = match target {
            Target::Local(_) => backends::local(),
            Target::Remote { remote, .. } => {
                let secrets = match &mut self.secrets {
                    Some(s) => s,
                    None => self.secrets.insert(SecretsStore::load_default()?),
                };
                backends::connect(remote, secrets, self.prompter.as_ref()).await?
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

/// Opens one target with the default config and secrets, prompting on the terminal.
pub async fn open_target(target: &str) -> Result<(VfsHandle, VPath), RemoteError> {
    Opener::from_default_files()?.open(target).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_targets_open_and_share_one_backend() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.txt"), b"hi").unwrap();
        let mut o = Opener::new(
            Config::default(),
            SecretsStore::default(),
            Arc::new(NoPrompter),
        );
        let (h, p) = o
            .open(&format!("{}/f.txt", dir.path().display()))
            .await
            .unwrap();
        assert_eq!(h.stat(&p).await.unwrap().size, 2);
        let (h2, _) = o.open(dir.path().to_str().unwrap()).await.unwrap();
        assert!(Arc::ptr_eq(&h, &h2));
    }

    #[tokio::test]
    async fn qnap_without_password_is_an_auth_error() {
        let mut c = Config::default();
        c.remote.push(crate::config::RemoteProfile {
            name: "nas".into(),
            kind: crate::config::RemoteKind::Qnap,
            url: "http://127.0.0.1:9".into(),
            user: Some("admin".into()),
            share_host: None,
            cert_sha256: None,
        });
        let mut o = Opener::new(c, SecretsStore::default(), Arc::new(NoPrompter));
        // NASCMD_PASSWORD may be set in the environment of a developer; only check
        // when it is not.
        if credentials::password_from_env().is_none() {
            let Err(e) = o.open("nas:/Public").await else {
                panic!("connected without a password")
            };
            assert!(matches!(e.as_vfs(), Some(VfsError::AuthFailed(_))), "{e:?}");
        }
    }
}
