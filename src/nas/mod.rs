//! The NAS backends: HTTP clients that implement [`crate::vfs::Vfs`]. Everything that
//! knows a wire detail (QNAP sids and status codes, Freebox base64 paths and app tokens)
//! lives below here and nowhere else.

pub mod freebox;
pub mod qnap;
pub mod tls;

use crate::vfs::{SpaceInfo, VfsError, VfsResult};

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
