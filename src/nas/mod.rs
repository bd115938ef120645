//! The NAS backends: HTTP clients that implement [`crate::vfs::Vfs`]. Everything that
//! knows a wire detail (QNAP sids and status codes, Freebox base64 paths and app tokens)
//! lives below here and nowhere else.

pub mod body_speed;
pub mod connector;
pub mod freebox;
pub mod listing;
mod lossy_json;
pub mod pieces;
mod poll;
pub mod qnap;
pub mod registry;
pub mod reply;
pub mod tls;
pub mod upload_speed;

use crate::vfs::{ServerCode, SpaceInfo, VfsError, VfsResult};

/// Free space is a nicety of the status line: a NAS that refuses or lacks the call
/// leaves it out instead of failing anything. Only an expired session goes up, so the
/// caller's renewal can run.
pub(crate) fn space_or_unknown(
    answer: VfsResult<Option<SpaceInfo>>,
) -> VfsResult<Option<SpaceInfo>> {
    match answer {
        Err(VfsError::SessionExpired) => Err(VfsError::SessionExpired),
        Err(e) => {
            tracing::debug!(error = %e, "free space not available");
            Ok(None)
        }
        ok => ok,
    }
}

/// How a failed HTTP request reads to the user, as a [`VfsError`].
impl From<reqwest::Error> for VfsError {
    fn from(e: reqwest::Error) -> Self {
        if let Some(problem) = tls::certificate_rejection(&e) {
            return VfsError::UntrustedCertificate(tls::describe_rejection(problem));
        }
        // reqwest's Display can include the full URL, and URLs may carry a sid; keep only
        // the kind of failure.
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else if e.is_body() || e.is_decode() {
            "connection dropped while reading the reply"
        } else if e.is_request() {
            "request failed"
        } else {
            "HTTP error"
        };
        match e.status() {
            Some(s) => VfsError::Server {
                code: ServerCode::Http(s.as_u16()),
                message: kind.to_owned(),
            },
            None => VfsError::Network(kind.to_owned()),
        }
    }
}
