//! Freebox OS emulator: the API of a Freebox Server (app registration, HMAC sessions, the
//! `fs` API with tasks, download, WebSocket and legacy upload, share links) over a real
//! folder, faithful enough for third-party Freebox clients. Wire reference:
//! `shared/protocols/freebox.md`; every deliberate difference is in `docs/EMULATOR.md (Freebox section)`.
//!
//! Modules, one concern each: [`envelope`] (reply shapes and statuses), [`paths`] (base64
//! paths onto the folder), [`auth`], [`fs`] (ls/info/mkdir/rename), `file_info` (the
//! `FileInfo` object as written), `natural` (the listing order), [`tasks`] and
//! [`task_ops`] (cp/mv/rm/hash as tasks), [`dl`], [`upload`] (WebSocket),
//! [`upload_legacy`] (v1–v3 HTTP upload), [`share`]; [`routes`] wires them.

pub mod auth;
pub mod dl;
pub mod envelope;
mod file_info;
pub mod fs;
mod natural;
pub mod paths;
mod random;
mod routes;
pub mod share;
mod storage;
pub mod task_ops;
pub mod tasks;
pub mod upload;
pub mod upload_legacy;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use futures_util::future::Either;
use tokio::net::TcpListener;

use super::RunningEmulator;
use super::faults::{FaultConfig, Faults};
use super::request_log::RequestLog;
use super::snapshots::Snapshots;

pub use auth::{AppPermissions, GrantMode};
pub use paths::VolumeLayout;

/// Everything the emulator can be told. `Default` gives a Freebox announcing API 16.0
/// with one disk `Disque dur`, auto-grant, 30 min sessions and remote access on.
#[derive(Clone, Debug)]
pub struct FreeboxEmulatorConfig {
    /// The folder served as the disk.
    pub root: PathBuf,
    /// How the owner answers app registrations (the front-panel button).
    pub grant: GrantMode,
    /// File keeping granted app registrations across restarts (JSON, 0600; it holds
    /// app tokens). `None`: everything lives in memory.
    pub state_file: Option<PathBuf>,
    /// Injected faults (latency, 500s, truncation, bandwidth, drops, session lifetime).
    pub faults: FaultConfig,
    /// Permissions of every session opened.
    pub app_permissions: AppPermissions,
    /// API major announced by `/api_version`; every major up to it is served.
    pub api_major: u32,
    /// How the folder appears on the wire (`/Disque dur/…` by default).
    pub layout: VolumeLayout,
    /// Session lifetime from login (real boxes: ~30 min); `faults.session_lifetime`
    /// overrides it when set.
    pub session_ttl: Duration,
    /// HTTP status of fs/upload/share business errors (undocumented; 200 by default).
    pub business_error_status: StatusCode,
    /// Whether "HTTP remote access" is on: share links then get a `fullurl`.
    pub remote_access: bool,
    /// Base of share `fullurl`s (`https://host:port`); defaults to the listener's URL.
    pub public_base_url: Option<String>,
    /// Largest WebSocket upload message accepted (the doc says 1 MB).
    pub upload_max_frame: usize,
    /// Cap on task copy speed in bytes/s, to watch `progress` move (None: disk speed).
    pub task_rate_limit: Option<u64>,
    /// Serve `Range` requests on `/dl/` with 206 (off: whole file with 200).
    pub range_support: bool,
    /// Every request received (method and path). Keep a clone to read it.
    pub request_log: RequestLog,
}

impl FreeboxEmulatorConfig {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FreeboxEmulatorConfig {
            root: root.into(),
            grant: GrantMode::Auto,
            state_file: None,
            faults: FaultConfig::default(),
            app_permissions: AppPermissions::default(),
            api_major: 16,
            layout: VolumeLayout::default(),
            session_ttl: Duration::from_secs(1800),
            business_error_status: StatusCode::OK,
            remote_access: true,
            public_base_url: None,
            upload_max_frame: 1 << 20,
            task_rate_limit: None,
            range_support: true,
            request_log: RequestLog::default(),
        }
    }
}

/// Shared state of one running emulator.
pub struct Emu {
    pub cfg: FreeboxEmulatorConfig,
    pub disk: paths::Disk,
    /// 32 hex chars, the box's `uid`.
    pub uid: String,
    /// `http://host:port` of the listener.
    pub base_url: String,
    pub auth: auth::AuthState,
    pub faults: Faults,
    pub tasks: tasks::TaskQueue,
    pub uploads: upload::Uploads,
    pub legacy: upload_legacy::LegacyTargets,
    pub shares: share::Shares,
    /// Sorted `fs/ls` snapshots serving the cursor pages of one listing.
    pub listings: Snapshots<fs::ListingKey, fs::LsRow>,
}

impl Emu {
    fn new(cfg: FreeboxEmulatorConfig, addr: SocketAddr) -> std::io::Result<Arc<Self>> {
        let disk = paths::Disk::new(&cfg.root, cfg.layout.clone())?;
        let uid: String = random::token_from(b"0123456789abcdef", 32);
        let ttl = cfg.faults.session_lifetime.unwrap_or(cfg.session_ttl);
        let emu = Arc::new(Emu {
            auth: auth::AuthState::new(
                cfg.grant,
                ttl,
                cfg.app_permissions.clone(),
                cfg.state_file.clone(),
            )?,
            faults: Faults::new(cfg.faults.clone()),
            tasks: tasks::TaskQueue::default(),
            uploads: upload::Uploads::default(),
            legacy: upload_legacy::LegacyTargets::default(),
            shares: share::Shares::default(),
            listings: Snapshots::default(),
            base_url: format!("http://{addr}"),
            disk,
            uid,
            cfg,
        });
        Ok(emu)
    }
}

/// Control over a running emulator, for tests and the demo.
#[derive(Clone)]
pub struct FreeboxControl {
    emu: Arc<Emu>,
}

impl FreeboxControl {
    /// Expires every session now (models the box's session timeout).
    pub fn expire_sessions(&self) {
        self.emu.auth.expire_all_sessions();
    }

    /// Permissions of sessions opened from now on (drop `explorer` to test the error).
    pub fn set_permissions(&self, p: AppPermissions) {
        self.emu.auth.set_permissions(p);
    }

    /// Revokes an app, as from Freebox OS › Gestion des accès.
    pub fn revoke_app(&self, app_id: &str) {
        self.emu.auth.revoke_app(app_id);
    }

    /// The box's `uid`.
    pub fn uid(&self) -> &str {
        &self.emu.uid
    }
}

/// Serves the emulator on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    cfg: FreeboxEmulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (fut, _control) = prepare(listener, cfg, shutdown)?;
    fut.await
}

/// Builds the server future and its control handle.
fn prepare(
    listener: TcpListener,
    cfg: FreeboxEmulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<(
    impl Future<Output = std::io::Result<()>> + Send,
    FreeboxControl,
)> {
    let addr = listener.local_addr()?;
    let emu = Emu::new(cfg, addr)?;
    tasks::start_worker(emu.clone());
    let app = routes::router(emu.clone());
    let control = FreeboxControl { emu };
    let fut = async move {
        axum::serve(crate::emulator::without_nagle(listener), app)
            .with_graceful_shutdown(shutdown)
            .await
    };
    Ok((fut, control))
}

/// Starts the emulator on `127.0.0.1:0` in the background.
pub async fn spawn(cfg: FreeboxEmulatorConfig) -> std::io::Result<RunningEmulator> {
    spawn_with_control(cfg).await.map(|(running, _)| running)
}

/// Like [`spawn`], also returning the handle that expires sessions, changes permissions…
pub async fn spawn_with_control(
    cfg: FreeboxEmulatorConfig,
) -> std::io::Result<(RunningEmulator, FreeboxControl)> {
    let mut control = None;
    let slot = &mut control;
    let running = RunningEmulator::start(move |listener, stop| {
        let shutdown = async move {
            let _ = stop.await;
        };
        match prepare(listener, cfg, shutdown) {
            Ok((fut, c)) => {
                *slot = Some(c);
                Either::Left(fut)
            }
            Err(e) => Either::Right(async move { Err(e) }),
        }
    })
    .await?;
    match control {
        Some(c) => Ok((running, c)),
        None => {
            running.shutdown().await?;
            Err(std::io::Error::other("the Freebox emulator did not start"))
        }
    }
}
