//! A QNAP File Station emulator (QTS 5 behaviour) over a real folder: every top-level
//! folder of the root is a share. See `docs/EMULATOR.md` for the funcs served and the
//! deliberate differences from a real box; `shared/protocols/qnap.md` is the reference.
//!
//! Layout: `router` (CGI endpoints, parameter merge, sid check, func dispatch),
//! `auth` (login/logout XML and JSON), `listing` (get_tree/get_list/stat), `ops`
//! (create/rename/delete/copy/move), `upload`, `chunked` (resumable upload), `download` (+ zip streaming), `search`,
//! `share` (share links and `share.cgi`), `misc`, `envelope` (json-c output), `paths`.

mod auth;
mod chunked;
mod disk;
mod download;
mod envelope;
mod jobs;
mod listing;
mod misc;
mod ops;
mod params;
mod paths;
mod router;
mod search;
mod session;
mod share;
mod thumb;
pub mod totp;
mod upload;
mod zipstream;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use super::RunningEmulator;
use super::clock::EmulatorClock;
use super::faults::{FaultConfig, Faults};
use super::fsroot::FsRoot;
use super::request_log::RequestLog;
use super::snapshots::Snapshots;
pub use share::{Outbox, SentMail};

/// One account of the emulated NAS. `Debug` never shows the password or TOTP secret.
#[derive(Clone)]
pub struct QnapUser {
    pub name: String,
    pub password: String,
    /// Sees every share as `cls: "r"` and gets status 4 on any write.
    pub readonly: bool,
    /// Base32 TOTP secret: the account then needs 2-step verification.
    pub totp_secret: Option<String>,
}

impl std::fmt::Debug for QnapUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QnapUser")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .field("readonly", &self.readonly)
            .field("totp", &self.totp_secret.is_some())
            .finish()
    }
}

impl QnapUser {
    pub fn new(name: impl Into<String>, password: impl Into<String>) -> Self {
        QnapUser {
            name: name.into(),
            password: password.into(),
            readonly: false,
            totp_secret: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct QnapEmulatorConfig {
    pub root: PathBuf,
    pub users: Vec<QnapUser>,
    /// Volume name in search results (`/share/<volume>/…`), e.g. `CACHEDEV1_DATA`.
    pub volume: String,
    pub faults: FaultConfig,
    /// File Station version/build reported in every status envelope.
    pub version: String,
    pub build: String,
    /// Older-firmware answers: createdir on an existing name → 2 (QTS 5: 33), and an
    /// empty body for missing required parameters (QTS 5: status 20).
    pub legacy_profile: bool,
    /// Serves the chunked upload funcs (File Station 4.2+); off, they are unknown
    /// (status 20) like on older firmware.
    pub chunked_upload: bool,
    /// Host name reported by the login reply and `get_domain_ip_list`.
    pub hostname: String,
    /// DDNS name `get_domain_ip_list` reports (`ddns_hn`; empty when `None`).
    pub ddns_name: Option<String>,
    /// myQNAPcloud name `get_domain_ip_list` reports (`mycloudnas_hn`).
    pub mycloud_name: Option<String>,
    /// The box's clock (share-link expiry). Keep a clone to move it from a test.
    pub clock: EmulatorClock,
    /// Every request received (method, path, `func`). Keep a clone to read it.
    pub request_log: RequestLog,
    /// The e-mails `share_file` would have sent (none is sent). Keep a clone to read it.
    pub outbox: Outbox,
}

impl Default for QnapEmulatorConfig {
    /// A QTS 5 box with no root and no account yet: fill in `root` and `users`.
    fn default() -> Self {
        QnapEmulatorConfig {
            root: PathBuf::new(),
            users: Vec::new(),
            volume: "CACHEDEV1_DATA".into(),
            faults: FaultConfig::default(),
            version: "5.5.6.5208".into(),
            build: "20250715".into(),
            legacy_profile: false,
            chunked_upload: true,
            hostname: "NASCMD-EMU".into(),
            ddns_name: None,
            mycloud_name: None,
            clock: EmulatorClock::default(),
            request_log: RequestLog::default(),
            outbox: Outbox::default(),
        }
    }
}

impl QnapEmulatorConfig {
    /// A QTS 5 box with one read-write account, volume `CACHEDEV1_DATA`, no faults.
    pub fn new(root: impl Into<PathBuf>, user: &str, password: &str) -> Self {
        QnapEmulatorConfig {
            root: root.into(),
            users: vec![QnapUser::new(user, password)],
            ..QnapEmulatorConfig::default()
        }
    }
}

/// Everything the handlers share.
pub(crate) struct Emu {
    pub cfg: QnapEmulatorConfig,
    pub users: Vec<Arc<QnapUser>>,
    pub fs: FsRoot,
    pub faults: Faults,
    pub sessions: session::SessionStore,
    pub jobs: jobs::JobTable,
    pub shares: share::ShareStore,
    /// Sorted folder snapshots serving the later pages of one listing.
    pub listings: Snapshots<listing::ListingKey, listing::Item>,
}

impl Emu {
    fn new(cfg: QnapEmulatorConfig) -> std::io::Result<Emu> {
        let fs = FsRoot::new(&cfg.root)?;
        Ok(Emu {
            users: cfg.users.iter().cloned().map(Arc::new).collect(),
            fs,
            faults: Faults::new(cfg.faults.clone()),
            sessions: session::SessionStore::new(cfg.faults.session_lifetime),
            jobs: jobs::JobTable::default(),
            shares: share::ShareStore::default(),
            listings: Snapshots::default(),
            cfg,
        })
    }

    /// The status envelope of this box as a JSON response.
    pub fn status(&self, code: i64) -> axum::response::Response {
        envelope::json(&envelope::envelope(
            &self.cfg.version,
            &self.cfg.build,
            code,
        ))
    }
}

/// Serves the emulator on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    cfg: QnapEmulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let emu = Arc::new(Emu::new(cfg)?);
    let app = router::build(emu);
    axum::serve(crate::emulator::without_nagle(listener), app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Starts the emulator on `127.0.0.1:<free port>` in the background.
pub async fn spawn(cfg: QnapEmulatorConfig) -> std::io::Result<RunningEmulator> {
    // Fail early (bad root) instead of inside the background task.
    FsRoot::new(&cfg.root)?;
    RunningEmulator::start(move |listener, stop| async move {
        serve(listener, cfg, async move {
            let _ = stop.await;
        })
        .await
    })
    .await
}

/// A TOTP code valid now for `secret` (log in to a 2SV account in tests and demos).
pub fn current_totp(secret: &str) -> Option<String> {
    totp::current_code(secret)
}

/// What `crate::fuzzing` runs on this emulator's request parsing.
#[doc(hidden)]
pub mod fuzz {
    /// Query or form parameters, read the ways the handlers read them.
    pub fn params(raw: &[u8]) {
        let p = super::params::Params::parse(raw);
        let _ = p.int("start");
        let _ = p.flag("overwrite");
        let _ = p.nonempty("path");
        let items = p.items("source_file", "source_total");
        assert!(items.len() <= p.all("source_file").len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let mut u = QnapUser::new("alice", "hunter2");
        u.totp_secret = Some("JBSWY3DPEHPK3PXP".into());
        let cfg = QnapEmulatorConfig {
            users: vec![u],
            ..QnapEmulatorConfig::new("/tmp", "bob", "swordfish")
        };
        let shown = format!("{cfg:?}");
        assert!(shown.contains("alice"));
        assert!(
            !shown.contains("hunter2") && !shown.contains("JBSWY3") && !shown.contains("swordfish")
        );
    }
}
