//! The one error type every backend returns. Backends map their wire errors (QNAP
//! status codes, Freebox `error_code`s, io::ErrorKind) into these variants in one place
//! each, and the job engine decides retry-or-fail from [`VfsError::is_transient`] alone:
//! a `match` on the variant and its structured code, never on the text.
//!
//! Cheap to clone (the one foreign source, an io::Error, sits behind an `Arc`), so app
//! messages carry it as it is and the front end words it only when it shows it
//! ([`VfsError::user_message`]).

use std::fmt;
use std::sync::Arc;

use thiserror::Error;

/// The code a refusing server gave, kept structured so deciding retry-or-fail never reads
/// text. Displays as before the type existed: `http 502`, `19`, `invalid_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerCode {
    /// An HTTP status with no NAS answer we could read (a bare 5xx from a proxy).
    Http(u16),
    /// A numeric NAS status (QNAP File Station `status`).
    Status(i64),
    /// A numeric NAS status that means "busy, ask again" (QNAP 19 and 28: another task
    /// holds the item or the box is overloaded): transient, unlike [`ServerCode::Status`].
    Busy(i64),
    /// A textual NAS code (a Freebox `error_code`, a failed task's `error`), or the name
    /// of the step that failed when the NAS gave no code.
    Named(String),
}

impl ServerCode {
    /// The server failed, not the request: the same request may succeed later.
    pub fn is_server_failure(&self) -> bool {
        match self {
            ServerCode::Http(status) => (500..600).contains(status),
            ServerCode::Busy(_) => true,
            ServerCode::Status(_) | ServerCode::Named(_) => false,
        }
    }
}

impl fmt::Display for ServerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerCode::Http(status) => write!(f, "http {status}"),
            ServerCode::Status(code) | ServerCode::Busy(code) => write!(f, "{code}"),
            ServerCode::Named(code) => f.write_str(code),
        }
    }
}

#[derive(Debug, Clone, Error)]
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
    Server { code: ServerCode, message: String },
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
    /// `--verify hash`: the file arrived with the right size but other bytes. Not
    /// transient: sending it again blindly could repeat it (the item fails; the job's
    /// Retry sends it again on request).
    #[error(
        "checksum differs after transfer: {path} (sha256 {source_sha256} at the source, {target_sha256} at the target)"
    )]
    ChecksumMismatch {
        path: String,
        source_sha256: String,
        target_sha256: String,
    },
    #[error("cancelled")]
    Cancelled,
    /// The io error is part of the message and deliberately not a `source()`: a
    /// chain printed whole (`{:#}`) would say it twice.
    #[error("{context}: {cause}")]
    Io {
        context: String,
        cause: Arc<std::io::Error>,
    },
}

impl VfsError {
    /// Worth retrying with backoff: the same request may succeed a moment later.
    pub fn is_transient(&self) -> bool {
        match self {
            VfsError::Network(_) | VfsError::SessionExpired => true,
            VfsError::Server { code, .. } => code.is_server_failure(),
            _ => false,
        }
    }

    /// The error as the user reads it, on a status line or in a dialog: its text with
    /// control characters made visible (paths and NAS messages in it may hold any).
    pub fn user_message(&self) -> String {
        crate::names::escape(&self.to_string()).into_owned()
    }

    /// A failed read of a body (a download, a source being copied): the backend's own
    /// error when the reader carried one (a body too slow, a file changed on the
    /// server), a disk's error as such (a local file's), otherwise a dropped
    /// connection, worth another try — `what` says whose.
    pub fn from_body_read(e: std::io::Error, what: impl FnOnce() -> String) -> Self {
        use std::io::ErrorKind as K;
        if !e.get_ref().is_some_and(|inner| inner.is::<VfsError>()) {
            return match e.kind() {
                K::PermissionDenied | K::NotFound | K::IsADirectory | K::StorageFull => {
                    VfsError::io(what(), e)
                }
                _ => VfsError::Network(format!("{}: {e}", what())),
            };
        }
        match e.into_inner().map(|inner| inner.downcast::<VfsError>()) {
            Some(Ok(vfs)) => *vfs,
            _ => VfsError::Network(what()),
        }
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
            _ => VfsError::Io {
                context,
                cause: Arc::new(source),
            },
        }
    }
}

pub type VfsResult<T> = Result<T, VfsError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: ServerCode) -> VfsError {
        VfsError::Server {
            code,
            message: "m".into(),
        }
    }

    #[test]
    fn transient_by_kind() {
        assert!(VfsError::Network("reset".into()).is_transient());
        assert!(VfsError::SessionExpired.is_transient());
        assert!(server(ServerCode::Http(502)).is_transient());
        assert!(!server(ServerCode::Http(404)).is_transient());
        assert!(!server(ServerCode::Status(5)).is_transient());
        // A busy NAS (QNAP 19, 28) is asked again; it reads like any status code.
        assert!(server(ServerCode::Busy(19)).is_transient());
        assert_eq!(server(ServerCode::Busy(19)).to_string(), "m (code 19)");
        // A NAS code that happens to read like an HTTP status is still not one.
        assert!(!server(ServerCode::Named("http 500".into())).is_transient());
        assert!(!VfsError::NotFound("/x".into()).is_transient());
    }

    #[test]
    fn codes_read_as_before() {
        assert_eq!(
            server(ServerCode::Http(503)).to_string(),
            "m (code http 503)"
        );
        assert_eq!(server(ServerCode::Status(19)).to_string(), "m (code 19)");
        assert_eq!(
            server(ServerCode::Named("invalid_request".into())).to_string(),
            "m (code invalid_request)"
        );
    }

    #[test]
    fn clones_keep_the_io_cause_and_say_it_once() {
        let e = VfsError::io("/x", std::io::Error::other("boom"));
        let copy = e.clone();
        assert_eq!(copy.to_string(), "/x: boom");
        // A whole chain (anyhow's `{:#}`) says the cause once, not "boom: boom".
        assert_eq!(format!("{:#}", anyhow::Error::new(copy)), "/x: boom");
        let shown = VfsError::NotFound("a\x1bb".into()).user_message();
        assert_eq!(shown, "not found: a\\x1bb");
    }
}
