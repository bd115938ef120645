//! Paused (restored) jobs in the commander's jobs panel, through the real runtime loop,
//! App and ui on ratatui's `TestBackend`, against the QNAP emulator behind a relay that
//! stalls: a `get` and a `put` killed (SIGKILL) midway leave their journal, then
//! * `r` on a job whose NAS password is not stored asks for it in the connect dialog:
//!   Esc leaves it paused and says so, a wrong password is asked again, the right one
//!   resumes it (bytes equal, nothing left behind);
//! * `x` forgets each job: its local partial file and record, and the chunked upload
//!   the NAS kept, are removed, and the panel says so.

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
use nascmd::secret::Secret;
use nascmd::theme::Theme;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::relay::Relay;
use support::sandbox::Sandbox;

const MIB: u64 = 1 << 20;
const LEN: u64 = 24 * MIB;
const STALL_AT: u64 = 8 * MIB;
const USER: &str = "alice";
const PASS: &str = "correct horse 7";

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
        std::fs::create_dir(root.path().join("Public")).unwrap();
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

    fn public(&self) -> PathBuf {
        self.root.path().join("Public")
    }

    /// A home with `down/` and the profile `nas` (no password stored anywhere).
    fn sandbox(&self) -> Sandbox {
        let sb = Sandbox::new();
        std::fs::create_dir(sb.path().join("down")).unwrap();
        sb.write_config(&self.profile());
        sb
    }

    fn profile(&self) -> String {
        format!(
            "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"{USER}\"\n",
            self.relay.url()
        )
    }

    fn nascmd(&self, sb: &Sandbox, args: &[&str]) -> Command {
        let mut c = sb.cmd();
        c.env("NASCMD_PASSWORD", PASS)
            .args(args)
            .arg("--quiet")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    }

    /// What the NAS keeps of unfinished chunked uploads (`emulator/qnap/chunked.rs`).
    fn upload_cache(&self) -> Vec<String> {
        names(&self.public().join(".@upload_cache"))
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

fn pattern(len: u64) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 509) as u8).collect()
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

fn journal_texts(sb: &Sandbox) -> String {
    journals(sb)
        .iter()
        .filter_map(|n| std::fs::read_to_string(jobs_dir(sb).join(n)).ok())
        .collect()
}

fn temporaries(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.starts_with(".nascmd-part-"))
        .collect()
}

/// Polls `ready` with the child still running, then SIGKILL.
fn kill_when(mut child: Child, what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
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

/// `nascmd get nas:/Public/big.bin down/`, killed once stalled: a paused download
/// with its partial file in `down/`.
fn kill_get_midway(nas: &Nas, sb: &Sandbox) {
    std::fs::write(nas.public().join("big.bin"), pattern(LEN)).unwrap();
    let before = journals(sb).len();
    nas.relay.reset();
    nas.relay.stall_after(STALL_AT);
    let child = nas
        .nascmd(sb, &["get", "nas:/Public/big.bin", "down/"])
        .spawn()
        .unwrap();
    kill_when(child, "the get stalled and journaled", || {
        nas.relay.down() >= STALL_AT
            && journals(sb).len() > before
            && journal_texts(sb).contains("\"partial\"")
            && !temporaries(&sb.path().join("down")).is_empty()
    });
    nas.relay.reset();
}

/// `nascmd put up.bin nas:/Public/`, killed once stalled: a paused upload whose
/// chunked upload the NAS keeps.
fn kill_put_midway(nas: &Nas, sb: &Sandbox) {
    std::fs::write(sb.path().join("up.bin"), pattern(LEN)).unwrap();
    nas.relay.reset();
    nas.relay.stall_up_after(STALL_AT);
    let child = nas
        .nascmd(sb, &["put", "up.bin", "nas:/Public/"])
        .spawn()
        .unwrap();
    let mut stalled_since: Option<Instant> = None;
    kill_when(child, "the put stalled and journaled", || {
        let stalled = nas.relay.up() >= STALL_AT && journal_texts(sb).contains("\"upload\"");
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
    // Let the NAS take in the cut chunk.
    let deadline = Instant::now() + Duration::from_secs(30);
    while nas.upload_cache().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the NAS kept nothing of the upload"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
}

fn vpath(p: &Path) -> VPath {
    VPath::parse(p.to_str().unwrap()).unwrap()
}

/// The commander over two local panes (`down/` and the home), journaling in the
/// sandbox's state folder; `ctx` says where passwords come from.
async fn commander(sb: &Sandbox, ctx: ConnectContext) -> Rt {
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let (app, cmds) = App::new(
        Pane::new(vfs.clone(), vpath(&sb.path().join("down"))),
        Pane::new(vfs, vpath(sb.path())),
        Keymap::default(),
        Theme::built_in_default(),
    );
    let terminal = Terminal::new(TestBackend::new(200, 30)).unwrap();
    let mut rt = Runtime::with_connect_context(terminal, app, cmds, ctx)
        .unwrap()
        .with_journal(Journal::at(jobs_dir(sb)));
    settle(&mut rt, Vec::new()).await;
    rt
}

/// The profile `nas`, nothing from the environment or the secrets store.
fn context(sb: &Sandbox) -> ConnectContext {
    let config = Config::load(&sb.config_dir().join("config.toml")).unwrap();
    ConnectContext {
        config,
        ..ConnectContext::isolated()
    }
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

fn typed(s: &str) -> Vec<KeyEvent> {
    s.chars().map(ch).collect()
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
fn resuming_a_paused_job_asks_for_the_password_the_journal_never_holds() {
    let nas = Nas::start();
    let sb = nas.sandbox();
    let down = sb.path().join("down");
    kill_get_midway(&nas, &sb);
    assert!(
        !journal_texts(&sb).contains(PASS),
        "a password in the journal"
    );

    nas.rt.block_on(async {
        let mut rt = commander(&sb, context(&sb)).await;
        assert!(screen(&rt).contains("paused (restored)"), "{}", screen(&rt));

        // r: the NAS wants a password nobody stored: the connect dialog asks.
        settle(&mut rt, vec![alt('j'), ch('r')]).await;
        let s = screen(&rt);
        assert!(s.contains("Password for"), "{s}");
        assert!(s.contains("Resuming") || s.contains("Password"), "{s}");

        // Esc: the job stays paused, and the status line says so.
        settle(&mut rt, vec![k(KeyCode::Esc)]).await;
        let s = screen(&rt);
        assert!(s.contains("not resumed — it stays paused"), "{s}");
        assert!(s.contains("paused (restored)"), "{s}");
        assert!(!down.join("big.bin").exists());

        // r again, a wrong password: asked again.
        settle(&mut rt, vec![alt('j'), ch('r')]).await;
        let mut keys = typed("wrong");
        keys.push(k(KeyCode::Enter));
        settle(&mut rt, keys).await;
        let s = screen(&rt);
        assert!(
            s.contains("The NAS refused the password: try 2 of 3."),
            "{s}"
        );

        // The right one: the job resumes and finishes.
        let mut keys = typed(PASS);
        keys.push(k(KeyCode::Enter));
        settle(&mut rt, keys).await;
        let s = screen(&rt);
        assert!(!s.contains("Password for"), "{s}");
        assert!(!s.contains("paused (restored)"), "{s}");
    });
    assert!(
        std::fs::read(down.join("big.bin")).unwrap() == pattern(LEN),
        "the resumed copy differs"
    );
    assert_eq!(temporaries(&down), Vec::<String>::new());
    assert_eq!(journals(&sb), Vec::<String>::new(), "the journal stayed");
}

#[test]
fn forgetting_paused_jobs_removes_their_temporaries_here_and_on_the_nas() {
    let nas = Nas::start();
    let sb = nas.sandbox();
    let down = sb.path().join("down");
    kill_get_midway(&nas, &sb);
    kill_put_midway(&nas, &sb);
    assert_eq!(journals(&sb).len(), 2);
    assert!(!temporaries(&down).is_empty(), "no partial download");
    assert!(!nas.upload_cache().is_empty(), "no partial upload");

    nas.rt.block_on(async {
        // Forgetting reaches the NAS with what the user has (here handed over, as
        // `NASCMD_PASSWORD` or the secrets store would).
        let ctx = context(&sb).with_password(&nas.relay.url(), USER, Secret::new(PASS));
        let mut rt = commander(&sb, ctx).await;
        assert!(
            screen(&rt).contains("2 jobs paused (restored)"),
            "{}",
            screen(&rt)
        );

        settle(&mut rt, vec![alt('j'), ch('x')]).await;
        let s = screen(&rt);
        assert!(s.contains("Forget paused job"), "{s}");
        settle(&mut rt, vec![ch('y')]).await;
        settle(&mut rt, vec![k(KeyCode::Down), ch('x'), ch('y')]).await;
        let s = screen(&rt);
        // Each row says what came back: the download's partial (with its record) and
        // the upload the NAS kept.
        assert!(
            s.lines().any(|l| l.contains("Copy /Public/big.bin")
                && l.contains("done: forgotten; removed 1 temporary file (")),
            "the download's partial: {s}"
        );
        assert!(
            s.lines()
                .any(|l| l.contains("up.bin (local) to /Public (nas)")
                    && l.contains("done: forgotten; removed 1 temporary file")),
            "the upload the NAS kept: {s}"
        );
        assert!(!s.contains("paused (restored),"), "{s}");
    });
    assert_eq!(temporaries(&down), Vec::<String>::new());
    assert_eq!(nas.upload_cache(), Vec::<String>::new());
    assert_eq!(journals(&sb), Vec::<String>::new());
    // Forgetting moves nothing: neither file appeared under its final name.
    assert!(!down.join("big.bin").exists());
    assert!(!nas.public().join("up.bin").exists());
}
