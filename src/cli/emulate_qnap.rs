//! `nascmd emulate qnap …`: serve a folder as a QNAP NAS (QTS 5 File Station API).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::emulator::faults::FaultArgs;
use crate::emulator::qnap::{self, QnapEmulatorConfig, QnapUser};

#[derive(Args)]
#[command(
    after_help = "The password is visible to other local users in `ps` when passed \
with --password; prefer the NASCMD_EMULATOR_PASSWORD environment variable.\n\
Prints exactly one line `listening on http://HOST:PORT` once it accepts connections."
)]
pub struct QnapEmulateArgs {
    /// Folder to serve; each top-level folder is a share (`DIR/Public` is `/Public`).
    #[arg(long)]
    pub root: PathBuf,
    /// Address to listen on (port 0 picks a free one). Loopback unless told otherwise.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Account name of the read-write user.
    #[arg(long)]
    pub user: String,
    /// The user's password; also read from NASCMD_EMULATOR_PASSWORD (preferred: a
    /// command-line password shows in `ps`).
    #[arg(long, env = "NASCMD_EMULATOR_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// An extra read-only account, as USER:PASSWORD (repeatable).
    #[arg(long = "readonly-user", value_name = "USER:PASSWORD")]
    pub readonly_users: Vec<String>,
    /// Turn on 2-step verification for USER with a Base32 TOTP SECRET (USER:SECRET);
    /// with USER alone a secret is generated and printed on stderr.
    #[arg(long = "totp-user", value_name = "USER[:SECRET]")]
    pub totp_users: Vec<String>,
    /// Volume name shown in search results (`/share/<VOLUME>/…`).
    #[arg(long, default_value = "CACHEDEV1_DATA")]
    pub volume: String,
    /// Answer like older firmware (createdir duplicate → 2, empty body on missing params).
    #[arg(long)]
    pub legacy_firmware: bool,
    /// Leave out the chunked upload funcs (firmware before File Station 4.2).
    #[arg(long)]
    pub no_chunked_upload: bool,
    /// DDNS host name the box reports (`get_domain_ip_list`), offered for share links.
    #[arg(long, value_name = "HOST")]
    pub ddns_name: Option<String>,
    /// myQNAPcloud host name the box reports, offered for share links.
    #[arg(long, value_name = "HOST")]
    pub mycloud_name: Option<String>,
    /// Print one line per request received on stderr (method, path and QNAP `func`;
    /// never a sid, password or token): what a client really sends.
    #[arg(long)]
    pub log_requests: bool,
    #[command(flatten)]
    pub faults: Box<FaultArgs>,
}

impl std::fmt::Debug for QnapEmulateArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Passwords and TOTP secrets stay out of Debug output.
        f.debug_struct("QnapEmulateArgs")
            .field("root", &self.root)
            .field("listen", &self.listen)
            .field("user", &self.user)
            .field("readonly_users", &self.readonly_users.len())
            .field("totp_users", &self.totp_users.len())
            .field("volume", &self.volume)
            .field("ddns_name", &self.ddns_name)
            .field("mycloud_name", &self.mycloud_name)
            .field("log_requests", &self.log_requests)
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

fn build_config(a: QnapEmulateArgs) -> anyhow::Result<QnapEmulatorConfig> {
    if !a.root.is_dir() {
        bail!("--root {}: not a folder", a.root.display());
    }
    let mut cfg = QnapEmulatorConfig::new(&a.root, &a.user, &a.password);
    for spec in &a.readonly_users {
        let (u, p) = spec
            .split_once(':')
            .context("--readonly-user wants USER:PASSWORD")?;
        let mut user = QnapUser::new(u, p);
        user.readonly = true;
        cfg.users.push(user);
    }
    for spec in &a.totp_users {
        let (name, secret) = match spec.split_once(':') {
            Some((n, s)) => (n, s.to_string()),
            None => (spec.as_str(), generate_secret()),
        };
        if qnap::totp::code_at(&secret, 0).is_none() {
            bail!("--totp-user {name}: the secret is not Base32");
        }
        let Some(user) = cfg.users.iter_mut().find(|u| u.name == name) else {
            bail!("--totp-user {name}: no such account (use --user or --readonly-user first)");
        };
        if !spec.contains(':') {
            eprintln!("nascmd: TOTP secret for {name}: {secret}");
        }
        user.totp_secret = Some(secret);
    }
    cfg.volume = a.volume;
    cfg.legacy_profile = a.legacy_firmware;
    cfg.chunked_upload = !a.no_chunked_upload;
    cfg.ddns_name = host_flag("--ddns-name", a.ddns_name)?;
    cfg.mycloud_name = host_flag("--mycloud-name", a.mycloud_name)?;
    cfg.request_log = super::emulator_request_log(a.log_requests);
    cfg.faults = (*a.faults).into();
    Ok(cfg)
}

/// A host name for the `get_domain_ip_list` reply: letters, digits, `.`, `-` only (it
/// ends up in share URLs).
fn host_flag(flag: &str, value: Option<String>) -> anyhow::Result<Option<String>> {
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let ok = v.len() <= 253
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !ok {
        bail!("{flag} {v:?}: not a host name (letters, digits, dots and dashes)");
    }
    Ok(Some(v))
}

fn generate_secret() -> String {
    let mut raw = [0u8; 20];
    // A failure leaves zeros: still a valid (if weak) secret for a local test server.
    let _ = getrandom::fill(&mut raw);
    data_encoding::BASE32_NOPAD.encode(&raw)
}

pub fn run(args: QnapEmulateArgs) -> anyhow::Result<u8> {
    let listen = args.listen;
    if !listen.ip().is_loopback() {
        eprintln!("nascmd: warning: serving on {listen}, reachable from other machines");
    }
    let cfg = build_config(args)?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let code = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let sigint = super::Ctrl::listen();
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{addr}")?;
        out.flush()?;
        drop(out);
        super::serve_emulator_until_ctrl_c(sigint, |stop| qnap::serve(listener, cfg, stop))
            .await
            .context("QNAP emulator stopped")
    });
    // Connections dropped after Ctrl-C may leave file reads on the blocking pool:
    // never wait for them.
    rt.shutdown_background();
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_host_names_are_checked() {
        assert_eq!(
            host_flag("--ddns-name", Some("nas.ddns.example".into())).unwrap(),
            Some("nas.ddns.example".to_owned())
        );
        assert_eq!(host_flag("--ddns-name", Some(String::new())).unwrap(), None);
        for bad in ["a/b", "x y", "evil\u{1b}[2J", "h:80"] {
            assert!(host_flag("--ddns-name", Some(bad.into())).is_err(), "{bad}");
        }
    }
}
