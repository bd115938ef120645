//! Remotes: where a NAS is and what is kept about it. What a user types (`nas:/Public`,
//! `qnap://admin@nas:8080/Public`, `freebox://mafreebox.freebox.fr/Disque dur`,
//! `./photos`) names a backend and a path.
//!
//! - [`target`]: parsing, with the rule for paths that contain `:`.
//! - [`secrets`]: the 0600 secrets store (passwords, Freebox app tokens).
//! - [`known_certs`]: self-signed certificates trusted on first use (`known_hosts`-like).
//! - [`credentials`]: the environment variables a password or a code may come from.
//!
//! Opening a target (connectors, credential chain, one connection per account) is the
//! connect use case, `services::connect`.

pub mod credentials;
pub mod known_certs;
pub mod secrets;
pub mod target;

use crate::config::ConfigError;
use crate::vfs::VfsError;

pub use known_certs::{KnownCerts, KnownCertsError};
pub use secrets::{SecretsError, SecretsStore};
pub use target::{RemoteSpec, Target};

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error(
        "no remote profile named {0:?} (see `nascmd remote list`); for a local path with ':', write ./{0}:…"
    )]
    UnknownRemote(String),
    #[error("{}: {reason}", readable(.target))]
    BadTarget { target: String, reason: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    /// A backend error (connection, login). Kept as is so callers can match on it.
    #[error(transparent)]
    Vfs(#[from] VfsError),
    /// The NAS refused the password the login used (typed, from the environment or the
    /// secrets store): the commander asks for it again.
    #[error(transparent)]
    PasswordRefused(VfsError),
    /// A question went to a dialog: the commander starts again with the answer.
    #[error("waiting for an answer")]
    Deferred,
}

/// A target as a message shows it: escaped, and cut to one readable line.
fn readable(target: &str) -> String {
    crate::names::shorten(&crate::names::escape(target), 100).into_owned()
}

impl RemoteError {
    /// The backend error inside, if that is what it is.
    pub fn as_vfs(&self) -> Option<&VfsError> {
        match self {
            RemoteError::Vfs(v) | RemoteError::PasswordRefused(v) => Some(v),
            _ => None,
        }
    }
}
