//! The QNAP emulator on its own tokio runtime behind a byte-counting relay that can stall
//! (`relay::Relay`), for tests that run the real binary (or the commander) from plain
//! test code, cut a transfer midway and take it up again; and what those tests share:
//! test data, the journal folder, a SIGKILL once the transfer got where it should.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nascmd::config::Config;
use nascmd::emulator::RunningEmulator;
use nascmd::emulator::qnap::QnapEmulatorConfig;
use nascmd::jobs::journal::Journal;
use nascmd::runtime::ConnectContext;

use super::relay::Relay;
use super::sandbox::Sandbox;
use super::screen::{Rt, runtime_with_context, settle_within};

pub const USER: &str = "alice";
pub const PASS: &str = "correct horse 7";

/// The QNAP emulator (user `USER`, password `PASS`) with a relay in front, kept running
/// by its runtime; shut down on drop.
pub struct RelayedQnap {
    pub rt: tokio::runtime::Runtime,
    emu: Option<RunningEmulator>,
    pub relay: Relay,
    pub root: tempfile::TempDir,
}

impl RelayedQnap {
    /// `folder` (below the emulator's root, `Public` or deeper) exists from the start.
    pub fn start(folder: &str) -> RelayedQnap {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join(folder)).unwrap();
        let rt = super::runtime();
        let cfg = QnapEmulatorConfig::new(root.path(), USER, PASS);
        let emu = rt.block_on(nascmd::emulator::qnap::spawn(cfg)).unwrap();
        let upstream: SocketAddr = emu.base_url.trim_start_matches("http://").parse().unwrap();
        let relay = rt.block_on(Relay::start(upstream));
        RelayedQnap {
            rt,
            emu: Some(emu),
            relay,
            root,
        }
    }

    pub fn public(&self) -> PathBuf {
        self.root.path().join("Public")
    }

    /// The profile `nas` through the relay (no secret).
    pub fn profile(&self) -> String {
        format!(
            "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"{USER}\"\n",
            self.relay.url()
        )
    }

    /// A home with `down/` and the profile `nas` (no password stored anywhere).
    pub fn sandbox(&self) -> Sandbox {
        let sb = Sandbox::new();
        std::fs::create_dir(sb.path().join("down")).unwrap();
        sb.write_config(&self.profile());
        sb
    }

    /// `nascmd ARGS` in `sb`, the NAS's password in the environment.
    pub fn nascmd(&self, sb: &Sandbox, args: &[&str]) -> Command {
        let mut c = sb.cmd();
        c.env("NASCMD_PASSWORD", PASS).args(args);
        c
    }

    /// `nascmd ARGS --quiet` in `sb`, the NAS's password in the environment, its output
    /// dropped: a run to be killed midway.
    pub fn nascmd_quiet(&self, sb: &Sandbox, args: &[&str]) -> Command {
        let mut c = self.nascmd(sb, args);
        c.arg("--quiet").stdout(Stdio::null()).stderr(Stdio::null());
        c
    }

    /// What the NAS keeps of unfinished chunked uploads (`emulator/qnap/chunked.rs`).
    pub fn upload_cache(&self) -> Vec<String> {
        names(&self.public().join(".@upload_cache"))
    }
}

impl Drop for RelayedQnap {
    fn drop(&mut self) {
        if let Some(e) = self.emu.take() {
            let _ = self.rt.block_on(e.shutdown());
        }
    }
}

/// The names in `dir` (none when it does not exist).
pub fn names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The names of nascmd's temporaries (and resume records) in `dir` (none when it does
/// not exist).
pub fn temporaries(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.starts_with(nascmd::jobs::TEMP_PREFIX))
        .collect()
}

/// `len` bytes no compressor or block cache guesses, varied by `seed`.
pub fn pattern(len: u64, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 131 + i / 4099) as u8).wrapping_add(seed))
        .collect()
}

/// Where the binary in `sb` keeps its job journals.
pub fn jobs_dir(sb: &Sandbox) -> PathBuf {
    sb.path().join("state/nascmd/jobs")
}

/// The names of the journal files in `sb`.
pub fn journal_names(sb: &Sandbox) -> Vec<String> {
    names(&jobs_dir(sb))
        .into_iter()
        .filter(|n| n.ends_with(".journal"))
        .collect()
}

/// The text of each journal of `sb`.
pub fn journal_texts(sb: &Sandbox) -> Vec<String> {
    journal_names(sb)
        .iter()
        .filter_map(|n| std::fs::read_to_string(jobs_dir(sb).join(n)).ok())
        .collect()
}

/// Every journal of `sb`, one after the other.
pub fn all_journals_text(sb: &Sandbox) -> String {
    journal_texts(sb).concat()
}

/// Polls `ready` (for at most `limit`) with the child still running, then SIGKILL.
pub fn kill_when(mut child: Child, what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the command ended before the kill ({what})"
        );
        assert!(Instant::now() < deadline, "never got to: {what}");
        if ready() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

/// Once a killed upload is cut: waits (30 s at most) until the NAS kept some of it, then
/// half a second more for it to take in the cut chunk (a rerun asking before then would
/// meet two writers of one upload, which no real kill makes).
pub fn wait_upload_kept(nas: &RelayedQnap, none_kept: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while nas.upload_cache().is_empty() {
        assert!(Instant::now() < deadline, "{none_kept}");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
}

/// A condition that must hold a while: false until `now` has been true once, then true
/// when `hold` has passed since that first time (and it holds again).
pub fn held_for(now: bool, since: &mut Option<Instant>, hold: Duration) -> bool {
    match (now, *since) {
        (false, _) => false,
        (true, None) => {
            *since = Some(Instant::now());
            false
        }
        (true, Some(t)) => t.elapsed() > hold,
    }
}

/// The profile `nas` of `sb`'s config, nothing from the environment or the secrets store.
pub fn profile_context(sb: &Sandbox) -> ConnectContext {
    let config = Config::load(&sb.config_dir().join("config.toml")).unwrap();
    ConnectContext {
        config,
        ..ConnectContext::isolated()
    }
}

/// How long one step of the commander may run with these transfers.
pub const COMMANDER_SETTLE: Duration = Duration::from_secs(90);

/// The commander at 200×30 over two local panes, journaling in `sb`'s state folder,
/// connecting with what `ctx` knows; settled.
pub async fn journaling_commander(
    left: &Path,
    right: &Path,
    sb: &Sandbox,
    ctx: ConnectContext,
) -> Rt {
    journaling_commander_sized(left, right, sb, ctx, (200, 30), COMMANDER_SETTLE).await
}

/// `journaling_commander` on a `size` (columns, rows) terminal, its first settle
/// within `limit`.
pub async fn journaling_commander_sized(
    left: &Path,
    right: &Path,
    sb: &Sandbox,
    ctx: ConnectContext,
    size: (u16, u16),
    limit: Duration,
) -> Rt {
    let mut rt = runtime_with_context(left, right, size.0, size.1, ctx)
        .with_journal(Journal::at(jobs_dir(sb)));
    settle_within(&mut rt, Vec::new(), limit).await;
    rt
}
