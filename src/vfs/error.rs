//! The one error type every backend returns. Backends map their wire errors (QNAP
//! status codes, Freebox `error_code`s, io::ErrorKind) into these variants in one place
//! each, and the job engine decides retry-or-fail from [`VfsError::is_transient`] alone.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum VfsError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already exists: {0}")]
    AlreadyExists(String),
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    #[error("invalid name: {0}")]
    InvalidName(String),
    #[error("folder is not empty: {0}")]
    NotEmpty(String),
    #[error("no space left on the target")]
    NoSpace,
    /// Wrong user or password, revoked app token, denied registration.
    #[error("authentication failed: {0}")]
    AuthFailed(String),
    /// The account has 2-step verification: ask the user for the code and connect again.
    #[error("a 2-step verification code is needed")]
    SecondFactorRequired,
    /// The session expired and re-login failed or is not possible here.
    #[error("session expired")]
    SessionExpired,
    /// The server speaks but refuses: a NAS status code the other variants don't cover.
    #[error("{message} (code {code})")]
    Server { code: String, message: String },
    /// The server answered something we can't understand (HTML instead of JSON, a
    /// truncated body, a missing field).
    #[error("unexpected reply from the server: {0}")]
    Protocol(String),
    /// Connection refused, reset, dropped mid-body, TLS failure, timeout.
    #[error("network error: {0}")]
    Network(String),
    /// The server's TLS certificate was refused: self-signed and not pinned yet, issued
    /// for another name, expired, or not the pinned one any more. Retrying cannot help;
    /// the user has to decide whether to trust it.
    #[error("the server's certificate is not trusted: {0}")]
    UntrustedCertificate(String),
    #[error("{0} is not supported by this backend")]
    Unsupported(&'static str),
    /// An item a copy leaves out on purpose (a symbolic link, a FIFO): reported, never
    /// read.
    #[error("not copied: {0}")]
    NotCopied(&'static str),
    #[error("size mismatch after transfer of {path}: expected {expected} bytes, found {found}")]
    SizeMismatch {
        path: String,
        expected: u64,
        found: u64,
    },
    #[error("cancelled")]
    Cancelled,
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl VfsError {
    /// Worth retrying with backoff: the same request may succeed a moment later.
    pub fn is_transient(&self) -> bool {
        matches!(self, VfsError::Network(_) | VfsError::SessionExpired)
            || matches!(self, VfsError::Server { code, .. } if code.starts_with("http 5"))
    }

    /// Wraps an io::Error with the path or action it concerns.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        let context = context.into();
        match source.kind() {
            std::io::ErrorKind::NotFound => VfsError::NotFound(context),
            std::io::ErrorKind::AlreadyExists => VfsError::AlreadyExists(context),
            std::io::ErrorKind::PermissionDenied => VfsError::PermissionDenied(context),
            std::io::ErrorKind::StorageFull => VfsError::NoSpace,
            std::io::ErrorKind::DirectoryNotEmpty => VfsError::NotEmpty(context),
            _ => VfsError::Io { context, source },
        }
    }
}

pub type VfsResult<T> = Result<T, VfsError>;
