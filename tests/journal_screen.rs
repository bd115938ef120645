//! The commander and the job journal, through the real binary in a pseudo-terminal:
//! a copy from the QNAP emulator (behind a relay that stalls it midway) is running when
//! the commander quits (F10, yes) or is killed with SIGKILL; started again, the job is
//! listed "paused (restored)", does not start by itself, resumes on `r` in the jobs
//! panel, and the result is byte-identical with no temporary and no journal left.

use crate::support;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nascmd::emulator::RunningEmulator;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use support::relay::Relay;

const MIB: u64 = 1 << 20;
const LEN: u64 = 24 * MIB;
const STALL_AT: u64 = 8 * MIB;
const USER: &str = "alice";
const PASS: &str = "correct horse 7";
const LIMIT: Duration = Duration::from_secs(60);

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
}

impl Drop for Nas {
    fn drop(&mut self) {
        if let Some(e) = self.emu.take() {
            let _ = self.rt.block_on(e.shutdown());
        }
    }
}

/// The commander running in a pseudo-terminal.
struct Commander {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    out: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn MasterPty + Send>,
}

impl Commander {
    fn start(home: &Path) -> Commander {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_nascmd"));
        cmd.arg("nas:/Public");
        cmd.arg(home.join("down"));
        cmd.cwd(home);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env("NASCMD_PASSWORD", PASS);
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Commander {
            child,
            writer,
            out,
            _master: pair.master,
        }
    }

    fn wait_for(&self, what: &str) {
        let start = Instant::now();
        while start.elapsed() < LIMIT {
            if String::from_utf8_lossy(&self.out.lock().unwrap()).contains(what) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("never showed {what:?}");
    }

    fn keys(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(300));
    }

    fn wait_exit(&mut self) {
        let start = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < LIMIT, "the commander did not quit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn pattern(len: u64) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 509) as u8).collect()
}

fn journals(home: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(home.join("state/nascmd/jobs"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "journal"))
                .collect()
        })
        .unwrap_or_default()
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".nascmd-part-"))
                .collect()
        })
        .unwrap_or_default()
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < LIMIT, "never: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Copies big.bin from the NAS pane to the local one, stalls it midway, ends the
/// commander (`kill`: SIGKILL, else F10 and yes), starts it again and resumes the job.
fn interrupted_copy_comes_back_paused_and_resumes(kill: bool) {
    let nas = Nas::start();
    let source = nas.root.path().join("Public/big.bin");
    std::fs::write(&source, pattern(LEN)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    std::fs::create_dir(home.join("down")).unwrap();
    std::fs::create_dir_all(home.join("config/nascmd")).unwrap();
    std::fs::write(
        home.join("config/nascmd/config.toml"),
        format!(
            "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"{USER}\"\n",
            nas.relay.url()
        ),
    )
    .unwrap();

    nas.relay.reset();
    nas.relay.stall_after(STALL_AT);
    let mut first = Commander::start(home);
    first.wait_for("big.bin");
    first.keys(b"\x1b[B"); // Down: from `..` to big.bin
    first.keys(b"\x1b[15~"); // F5
    first.keys(b"\r"); // copy to the other pane's folder
    wait_until("the copy journaled and stalled", || {
        journals(home).len() == 1 && nas.relay.down() >= STALL_AT
    });
    if kill {
        first.child.kill().unwrap(); // SIGKILL
    } else {
        first.keys(b"\x1b[21~"); // F10
        first.keys(b"y");
    }
    first.wait_exit();
    assert_eq!(journals(home).len(), 1, "the journal did not survive");

    nas.relay.reset();
    let mut second = Commander::start(home);
    second.wait_for("paused (restored)");
    // Never started by itself.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !home.join("down/big.bin").exists(),
        "the paused job ran by itself"
    );
    second.keys(b"\x1bj"); // Alt-J: the jobs panel
    second.keys(b"r");
    wait_until("the resumed copy done", || {
        journals(home).is_empty() && home.join("down/big.bin").exists()
    });
    assert!(
        std::fs::read(home.join("down/big.bin")).unwrap() == std::fs::read(&source).unwrap(),
        "the copied bytes differ"
    );
    assert_eq!(temporaries(&home.join("down")), Vec::<String>::new());
    second.keys(b"\x1b"); // back to the panes
    second.keys(b"\x1b[21~"); // F10
    second.wait_exit();
}

#[test]
fn a_copy_running_when_the_commander_quits_comes_back_paused_and_resumes_on_r() {
    interrupted_copy_comes_back_paused_and_resumes(false);
}

#[test]
fn a_copy_running_when_the_commander_is_killed_comes_back_paused_and_resumes_on_r() {
    interrupted_copy_comes_back_paused_and_resumes(true);
}
