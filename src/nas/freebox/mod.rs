//! Freebox OS backend (see `shared/protocols/freebox.md`).
//!
//! - [`discovery`]: `/api_version` and the API path to use.
//! - [`envelope`]: the `{success, result, error_code}` reply and its error mapping.
//! - [`auth`]: app registration (front-panel grant) and HMAC-SHA1 sessions.
//! - `api`: the authenticated client; renews the session once when it expires.
//! - [`paths`]: base64 path tokens.
//! - `fs`, `tasks`: listing, info, mkdir, rename; cp/mv/rm tasks with progress.
//! - `ls_trail`: the cursors a listing received, to pick it up again after a failed page.
//! - `download`, `upload`, `upload_legacy`: `dl/` with `Range`; WebSocket upload (v4+),
//!   two-step HTTP upload (v1–v3).
//! - `hash`: sha256 of a file computed by the box (`fs/hash` task).
//! - `share`: share links.
//! - `tls`: the HTTP client on the shared trust (`nas::tls`, with Free's root CAs).
//! - `vfs`: [`FreeboxVfs`], the `Vfs` implementation.
//! - [`connector`]: how nascmd logs in (app token, else registration on the box).

mod api;
pub mod auth;
pub mod connector;
pub mod discovery;
mod download;
pub mod envelope;
mod fs;
mod hash;
mod http;
mod ls_trail;
pub mod paths;
mod share;
#[cfg(test)]
pub(crate) mod signed_in;
mod storage;
mod tasks;
pub mod tls;
mod upload;
mod upload_legacy;
mod vfs;
mod wire;

pub use auth::{AppInfo, AuthStatus, Registration, poll_authorization, register};
pub use discovery::{ApiRoot, probe};
pub use fs::LsPaging;
pub use vfs::{FreeboxConfig, FreeboxVfs};

/// What `crate::fuzzing` runs on this client's parsers.
#[doc(hidden)]
pub mod fuzz {
    /// An `fs/ls` result (either form), each entry made an [`crate::vfs::Entry`].
    pub fn listing(result: Option<serde_json::Value>) {
        if let Ok(page) = super::wire::LsPage::from_result(result) {
            for info in &page.entries {
                let _ = info.is_dot_entry();
                let _ = info.to_entry();
            }
        }
    }
}
