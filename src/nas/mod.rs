//! The NAS backends: HTTP clients that implement [`crate::vfs::Vfs`]. Everything that
//! knows a wire detail (QNAP sids and status codes, Freebox base64 paths and app tokens)
//! lives below here and nowhere else.

pub mod freebox;
pub mod qnap;
pub mod tls;
