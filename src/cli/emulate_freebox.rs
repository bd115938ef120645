//! `nascmd emulate freebox …`: serves the Freebox OS emulator until killed.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::emulator::faults::FaultArgs;
use crate::emulator::freebox::{
    AppPermissions, FreeboxEmulatorConfig, GrantMode, VolumeLayout, serve,
};

#[derive(Args, Debug)]
pub struct FreeboxEmulateArgs {
    /// Folder to serve as the Freebox disk (`/Disque dur/` on the wire).
    #[arg(long)]
    pub root: PathBuf,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: String,
    /// Grant app registrations at once (the default).
    #[arg(long, group = "grant")]
    pub auto_grant: bool,
    /// Grant registrations after SECS seconds, like a button press on the box.
    #[arg(long, value_name = "SECS", group = "grant")]
    pub grant_after: Option<u64>,
    /// Deny every app registration.
    #[arg(long, group = "grant")]
    pub deny: bool,
    /// Let registrations time out after SECS seconds (nobody presses the button).
    #[arg(long, value_name = "SECS", group = "grant")]
    pub timeout_after: Option<u64>,
    /// API major announced by /api_version (every major up to it is served).
    #[arg(long, default_value_t = 16)]
    pub api_major: u32,
    /// Serve each top-level folder of ROOT as its own volume instead of one disk.
    #[arg(long)]
    pub volume_per_folder: bool,
    /// Label of the disk when ROOT is one disk.
    #[arg(long, default_value = "Disque dur")]
    pub disk_name: String,
    /// Open sessions without the file-explorer permission (tests `insufficient_rights`).
    #[arg(long)]
    pub no_explorer: bool,
    /// HTTP status for fs/upload/share business errors (the real one is undocumented).
    #[arg(long, default_value_t = 200)]
    pub business_error_status: u16,
    /// Behave as if HTTP remote access were off: share links get an empty `fullurl`.
    #[arg(long)]
    pub no_remote_access: bool,
    /// Base URL put in share `fullurl`s (default: the listen address).
    #[arg(long)]
    pub public_url: Option<String>,
    /// Cap fs task copy speed (bytes/s) to watch task progress.
    #[arg(long)]
    pub task_rate: Option<u64>,
    /// Ignore `Range` on downloads (always the whole file with 200).
    #[arg(long)]
    pub no_range: bool,
    /// Keep granted app registrations in FILE across restarts (written 0600: it holds
    /// app tokens).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Allow listening on a non-loopback address.
    #[arg(long)]
    pub allow_remote: bool,
    /// Print one line per request received on stderr (method and path; never a
    /// session token, password or app token): what a client really sends.
    #[arg(long)]
    pub log_requests: bool,
    /// Faults to inject (sessions last 1800 s unless --session-lifetime-secs says otherwise).
    #[command(flatten)]
    pub faults: Box<FaultArgs>,
}

impl FreeboxEmulateArgs {
    fn config(&self) -> anyhow::Result<FreeboxEmulatorConfig> {
        let mut cfg = FreeboxEmulatorConfig::new(&self.root);
        cfg.grant = match (self.grant_after, self.deny, self.timeout_after) {
            (Some(s), _, _) => GrantMode::After(Duration::from_secs(s)),
            (_, true, _) => GrantMode::Deny,
            (_, _, Some(s)) => GrantMode::Timeout(Duration::from_secs(s)),
            _ => GrantMode::Auto,
        };
        cfg.api_major = self.api_major.max(1);
        cfg.layout = if self.volume_per_folder {
            VolumeLayout::VolumePerFolder
        } else {
            VolumeLayout::SingleDisk(self.disk_name.clone())
        };
        cfg.faults = (*self.faults).clone().into();
        cfg.request_log = super::emulator_request_log(self.log_requests);
        cfg.state_file = self.state.clone();
        cfg.app_permissions = AppPermissions {
            explorer: !self.no_explorer,
            ..AppPermissions::default()
        };
        cfg.business_error_status = axum::http::StatusCode::from_u16(self.business_error_status)
            .context("--business-error-status is not an HTTP status")?;
        cfg.remote_access = !self.no_remote_access;
        cfg.public_base_url = self.public_url.clone();
        cfg.task_rate_limit = self.task_rate;
        cfg.range_support = !self.no_range;
        Ok(cfg)
    }
}

pub fn run(args: FreeboxEmulateArgs) -> anyhow::Result<u8> {
    if !args.root.is_dir() {
        anyhow::bail!("--root {} is not a folder", args.root.display());
    }
    let cfg = args.config()?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let code = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() && !args.allow_remote {
            anyhow::bail!("refusing to listen on {addr}: not loopback (add --allow-remote)");
        }
        let sigint = super::Ctrl::listen();
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{addr}")?;
        out.flush()?;
        drop(out);
        super::serve_emulator_until_ctrl_c(sigint, |stop| serve(listener, cfg, stop))
            .await
            .context("serving the Freebox emulator")
    });
    // Connections dropped after Ctrl-C may leave file reads on the blocking pool:
    // never wait for them.
    rt.shutdown_background();
    code
}
