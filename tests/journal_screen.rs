//! The commander and the job journal, through the real binary in a pseudo-terminal:
//! a copy from the QNAP emulator (behind a relay that stalls it midway) is running when
//! the commander quits (F10, yes) or is killed with SIGKILL; started again, the job is
//! listed "paused (restored)", does not start by itself, resumes on `r` in the jobs
//! panel, and the result is byte-identical with no temporary and no journal left.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::pty::{Pty, wait_for};
use support::relayed_qnap::{PASS, RelayedQnap, USER, temporaries};

const MIB: u64 = 1 << 20;
const LEN: u64 = 24 * MIB;
const STALL_AT: u64 = 8 * MIB;
const LIMIT: Duration = Duration::from_secs(60);

/// The commander running in a pseudo-terminal.
struct Commander(Pty);

impl Commander {
    fn start(home: &Path) -> Commander {
        let mut cmd = Pty::command(&[Path::new("nas:/Public"), &home.join("down")]);
        cmd.cwd(home);
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env("NASCMD_PASSWORD", PASS);
        Commander(Pty::spawn(cmd, 120, 30))
    }

    fn wait_for(&self, what: &str) {
        assert!(wait_for(&self.0.out, what, LIMIT), "never showed {what:?}");
    }

    fn keys(&mut self, bytes: &[u8]) {
        self.0.send(bytes);
        std::thread::sleep(Duration::from_millis(300));
    }

    fn wait_exit(&mut self) {
        let start = Instant::now();
        while self.0.child.try_wait().unwrap().is_none() {
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
    let nas = RelayedQnap::start("Public");
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
        first.0.child.kill().unwrap(); // SIGKILL
    } else {
        first.keys(b"\x1b[21~"); // F10
        // The question says what becomes of the job (not "Cancel them").
        first.wait_for("comes back paused");
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
