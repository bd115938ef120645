//! QNAP File Station backend (see `shared/protocols/qnap.md`).
//!
//! - `auth`: ezEncode, the authLogin XML, 2-step verification.
//! - `wire`: serde types for the quirky replies and the status-code → error mapping.
//! - `client`: the HTTP client, the session (sid) and transparent re-login.
//! - `funcs`, `transfer`: one method per File Station func (download/upload apart).
//! - `chunked`, `upload`: the chunked upload funcs on the wire, and the
//!   `AtomicUpload` the job engine uploads through (standard upload on old firmware).
//! - `tasks`, `search`, `share`, `share_hosts`: server-side copy/move, search, share
//!   links and the host names they can use.
//! - `vfs`: `impl Vfs for QnapVfs`.
//! - `connector`: how nascmd logs in (password, 2-step code, certificate trust).
//!
//! ```no_run
//! # async fn demo() -> nascmd::vfs::VfsResult<()> {
//! use nascmd::nas::qnap::{QnapConfig, QnapVfs};
//! use nascmd::secret::Secret;
//! let nas = QnapVfs::connect(QnapConfig {
//!     base_url: "https://nas.local:443".into(),
//!     user: "alice".into(),
//!     password: Secret::new("…"),
//!     ..QnapConfig::default()
//! })
//! .await?;
//! # Ok(()) }
//! ```

mod auth;
mod chunked;
mod client;
pub mod connector;
mod funcs;
mod paths;
mod search;
mod share;
mod share_hosts;
mod tasks;
mod thumb;
mod tls;
mod transfer;
mod upload;
mod vfs;
mod wire;

pub use auth::ez_encode;
pub use paths::share_path_from_disk;
pub use vfs::{ListPaging, QnapVfs};

use crate::secret::Secret;

/// How to reach and log in to a QNAP NAS.
#[derive(Clone, Debug, Default)]
pub struct QnapConfig {
    /// `http://host:8080` or `https://host[:port]` (a path prefix is kept).
    pub base_url: String,
    pub user: String,
    pub password: Secret,
    /// The 6-digit 2-step verification code, when `connect` answered
    /// `VfsError::SecondFactorRequired`.
    pub second_factor: Option<String>,
    /// Extra trusted root certificate(s), PEM, for a NAS with its own CA.
    pub extra_root_pem: Option<Vec<u8>>,
    /// SHA-256 fingerprint (`AB:CD:…`, as `nas::tls::probe_certificate` reports it) of
    /// the NAS's own certificate, accepted even when self-signed: trust on first use.
    pub cert_sha256: Option<String>,
    /// Bytes per chunk of a chunked upload; 0 = 32 MiB (what an interruption costs at
    /// most; never held in memory).
    pub upload_chunk_size: u64,
}

/// What `crate::fuzzing` runs on this client's parsers.
#[doc(hidden)]
pub mod fuzz {
    /// The flat content of an `authLogin.cgi` reply.
    pub fn login_xml(body: &str) -> usize {
        super::auth::parse_login_xml(body).map_or(0, |m| m.len())
    }

    /// Any `utilRequest.cgi` reply, and a `get_list` reply.
    pub fn replies(body: &[u8]) {
        if let Ok(v) = super::wire::parse_reply(body) {
            let _ = super::wire::status_of(&v);
        }
        if let Ok(list) = super::wire::parse_list_reply(body, "get_list") {
            assert!(list.datas.len() <= body.len(), "more entries than bytes");
        }
    }
}
