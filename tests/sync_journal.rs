//! Sync jobs in the job journal (`jobs::sync_job`, `services::sync::SyncJobs`), through
//! the real binary, the commander's runtime on `TestBackend` and the QNAP emulator
//! behind a relay that stalls: `nascmd sync --delete` killed (SIGKILL) with its small
//! files verified and its big upload cut, then
//! * the same command again says how far the journal got, sends only what was missing
//!   (the NAS keeps the cut upload) and deletes once every copy is verified;
//! * the commander lists it "paused (restored)"; `r` asks the password the journal
//!   never holds and runs the journal's plan: with a planned source gone, that copy
//!   fails and nothing is deleted; with the source back, `r` on the failed sync copies
//!   it, then deletes, and says "Synced".
//!
//! Before any rerun the delete has not happened: a sync deletes only once every copy of
//! its plan is verified, also across a kill.

use crate::support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::{App, Pane};
use nascmd::config::Config;
use nascmd::emulator::RunningEmulator;
use nascmd::jobs::journal::Journal;
use nascmd::keymap::Keymap;
use nascmd::runtime::{ConnectContext, Runtime};
use nascmd::theme::Theme;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::relay::Relay;
use support::sandbox::{Sandbox, ok, text};

const MIB: u64 = 1 << 20;
const LEN: u64 = 24 * MIB;
const STALL_AT: u64 = 8 * MIB;
const USER: &str = "alice";
const PASS: &str = "correct horse 7";
const SMALL: [&str; 3] = ["a.txt", "b.txt", "c.txt"];

type Rt = Runtime<TestBackend>;

struct Nas {
    rt: tokio::runtime::Runtime,
    emu: Option<RunningEmulator>,
    relay: Relay,
    root: tempfile::TempDir,
}

impl Nas {
    fn start() -> Nas {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("Public/dst")).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let cfg = nascmd::emulator::qnap::QnapEmulatorConfig::new(root.path(), USER, PASS);
        let emu = rt.block_on(nascmd::emulator::qnap::spawn(cfg)).unwrap();
        let upstream: SocketAddr = emu.base_url.trim_start_matches("http://").parse().unwrap();
        let relay = rt.block_on(Relay::start(upstream));
        Nas {
            rt,
            emu: Some(emu),
            relay,
            root,
        }
    }

    fn dst(&self) -> PathBuf {
        self.root.path().join("Public/dst")
    }

    /// A home with `src/` (three small files and a big one), the profile `nas` (no
    /// password stored anywhere); the NAS folder holds `old.txt`, which a mirror deletes.
    fn sandbox(&self) -> Sandbox {
        let sb = Sandbox::new();
        let src = sb.path().join("src");
        std::fs::create_dir(&src).unwrap();
        for (i, name) in SMALL.iter().enumerate() {
            std::fs::write(src.join(name), pattern(100_000, i as u8)).unwrap();
        }
        std::fs::write(src.join("big.bin"), pattern(LEN, 9)).unwrap();
        std::fs::write(self.dst().join("old.txt"), b"only on the NAS").unwrap();
        sb.write_config(&format!(
            "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"{USER}\"\n",
            self.relay.url()
        ));
        sb
    }

    fn sync(&self, sb: &Sandbox) -> Command {
        let mut c = sb.cmd();
        c.env("NASCMD_PASSWORD", PASS)
            .args(["sync", "--delete", "src", "nas:/Public/dst"]);
        c
    }

    /// What the NAS keeps of unfinished chunked uploads (`emulator/qnap/chunked.rs`).
    fn upload_cache(&self) -> Vec<String> {
        names(&self.root.path().join("Public/.@upload_cache"))
    }
}

impl Drop for Nas {
    fn drop(&mut self) {
        if let Some(e) = self.emu.take() {
            let _ = self.rt.block_on(e.shutdown());
        }
    }
}

fn names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn pattern(len: u64, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 131 + i / 4099) as u8).wrapping_add(seed))
        .collect()
}

fn jobs_dir(sb: &Sandbox) -> PathBuf {
    sb.path().join("state/nascmd/jobs")
}

fn journals(sb: &Sandbox) -> Vec<String> {
    names(&jobs_dir(sb))
        .into_iter()
        .filter(|n| n.ends_with(".journal"))
        .collect()
}

fn journal_text(sb: &Sandbox) -> String {
    journals(sb)
        .iter()
        .filter_map(|n| std::fs::read_to_string(jobs_dir(sb).join(n)).ok())
        .collect()
}

/// Polls `ready` with the child still running, then SIGKILL.
fn kill_when(mut child: Child, what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(180);
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
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `nascmd sync --delete src nas:/Public/dst`, killed once the small files are verified
/// and the big upload stalled with its id in the journal; the NAS keeps what arrived.
fn kill_sync_midway(nas: &Nas, sb: &Sandbox) {
    nas.relay.reset();
    nas.relay.stall_up_after(STALL_AT);
    let child = nas
        .sync(sb)
        .arg("--quiet")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stalled_since: Option<Instant> = None;
    kill_when(child, "the small files done and the upload stalled", || {
        let t = journal_text(sb);
        let stalled = nas.relay.up() >= STALL_AT
            && t.matches("\"done\"").count() == SMALL.len()
            && t.contains("\"upload\"");
        match (stalled, stalled_since) {
            (false, _) => false,
            (true, None) => {
                stalled_since = Some(Instant::now());
                false
            }
            (true, Some(t)) => t.elapsed() > Duration::from_millis(300),
        }
    });
    nas.relay.reset();
    // Let the NAS take in the cut chunk (a rerun asking before then would meet two
    // writers of one upload, which no real kill makes).
    let deadline = Instant::now() + Duration::from_secs(30);
    while nas.upload_cache().is_empty() {
        assert!(Instant::now() < deadline, "the NAS kept nothing");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));

    // The delete waits for every copy: the kill came before big.bin was verified.
    assert!(
        nas.dst().join("old.txt").exists(),
        "deleted before the copies"
    );
    assert!(!nas.dst().join("big.bin").exists());
    let t = journal_text(sb);
    assert_eq!(journals(sb).len(), 1, "{t}");
    assert!(t.contains("\"sync_plan\"") && t.contains("old.txt"), "{t}");
    for secret in [PASS, "sid", "password"] {
        assert!(!t.contains(secret), "{secret} in {t}");
    }
}

fn assert_synced(nas: &Nas, sb: &Sandbox) {
    for name in SMALL.iter().chain(&["big.bin"]) {
        assert!(
            std::fs::read(nas.dst().join(name)).unwrap()
                == std::fs::read(sb.path().join("src").join(name)).unwrap(),
            "{name} differs"
        );
    }
    assert!(
        !nas.dst().join("old.txt").exists(),
        "old.txt was not deleted"
    );
    assert_eq!(journals(sb), Vec::<String>::new(), "the journal stayed");
    assert_eq!(nas.upload_cache(), Vec::<String>::new());
}

#[test]
fn a_killed_sync_is_taken_up_by_the_same_command() {
    let nas = Nas::start();
    let sb = nas.sandbox();
    kill_sync_midway(&nas, &sb);

    nas.relay.reset();
    let out = nas.sync(&sb).output().unwrap();
    ok(&out);
    let err = text(&out.stderr);
    assert!(
        err.contains("resuming: 3 of 4 items already done"),
        "stderr: {err}"
    );
    // The new plan: the big file and the delete only (the small ones are in sync).
    let plan = text(&out.stdout);
    assert!(!plan.contains("a.txt"), "{plan}");
    assert!(
        plan.contains("big.bin") && plan.contains("old.txt"),
        "{plan}"
    );
    // Only what the NAS did not keep of the cut upload went up again.
    let sent = nas.relay.up();
    eprintln!("the rerun sent {sent} bytes");
    assert!(sent <= LEN - STALL_AT + 6 * MIB, "sent {sent} bytes again");
    assert_synced(&nas, &sb);
}

fn vpath(p: &Path) -> VPath {
    VPath::parse(p.to_str().unwrap()).unwrap()
}

/// The commander over two local panes, journaling in the sandbox's state folder; the
/// profile `nas`, no password from anywhere.
async fn commander(sb: &Sandbox) -> Rt {
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let (app, cmds) = App::new(
        Pane::new(vfs.clone(), vpath(&sb.path().join("src"))),
        Pane::new(vfs, vpath(sb.path())),
        Keymap::default(),
        Theme::built_in_default(),
    );
    let config = Config::load(&sb.config_dir().join("config.toml")).unwrap();
    let ctx = ConnectContext {
        config,
        ..ConnectContext::isolated()
    };
    let terminal = Terminal::new(TestBackend::new(200, 30)).unwrap();
    let mut rt = Runtime::with_connect_context(terminal, app, cmds, ctx)
        .unwrap()
        .with_journal(Journal::at(jobs_dir(sb)));
    settle(&mut rt, Vec::new()).await;
    rt
}

async fn settle(rt: &mut Rt, keys: Vec<KeyEvent>) {
    let input = futures_util::stream::iter(keys.into_iter().map(|k| Ok(Event::Key(k))));
    rt.run_until_idle(input, Duration::from_secs(90))
        .await
        .unwrap();
}

fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    k(KeyCode::Char(c))
}

fn alt(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)
}

fn screen(rt: &Rt) -> String {
    let buf = rt.terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn a_restored_sync_resumes_and_deletes_only_once_every_copy_is_verified() {
    let nas = Nas::start();
    let sb = nas.sandbox();
    kill_sync_midway(&nas, &sb);
    // The big file's source goes away before the resume: its copy cannot be verified.
    let big = sb.path().join("src/big.bin");
    std::fs::remove_file(&big).unwrap();

    nas.rt.block_on(async {
        let mut rt = commander(&sb).await;
        settle(&mut rt, vec![alt('j')]).await;
        let s = screen(&rt);
        assert!(
            s.lines()
                .any(|l| l.contains("Sync ") && l.contains("/src (local) → /Public/dst (nas)")),
            "{s}"
        );
        assert!(s.contains("paused (restored)"), "{s}");

        // r: the password no one stored is asked; then the journal's plan runs.
        settle(&mut rt, vec![ch('r')]).await;
        let s = screen(&rt);
        assert!(s.contains("Password for"), "{s}");
        let mut keys: Vec<KeyEvent> = PASS.chars().map(ch).collect();
        keys.push(k(KeyCode::Enter));
        settle(&mut rt, keys).await;
        let s = screen(&rt);
        assert!(s.contains("nothing deleted: a copy failed"), "{s}");
        assert!(s.contains("big.bin"), "{s}");
        assert!(s.contains("Sync done, 2 items not"), "{s}");
        assert!(
            nas.dst().join("old.txt").exists(),
            "deleted with a copy unverified"
        );
        assert_eq!(journals(&sb).len(), 1, "the failed sync's journal went");

        // The source is back: r on the failed sync copies it, then deletes.
        std::fs::write(&big, pattern(LEN, 9)).unwrap();
        settle(&mut rt, vec![ch('r')]).await;
        let s = screen(&rt);
        assert!(s.contains("Synced "), "{s}");
        assert!(!s.contains("paused (restored)"), "{s}");
    });
    assert_synced(&nas, &sb);
}
