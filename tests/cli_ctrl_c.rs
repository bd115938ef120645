//! Ctrl-C on the commands that run jobs (`get`, `put`, `sync`), through the real binary
//! and the QNAP emulator behind a relay that stalls: whether it comes while the command
//! still logs in or while its jobs run, the command ends by itself — it says it was
//! interrupted and how to go on, exits with 1, and the journal keeps what the jobs did.
//! (A Ctrl-C before the handler was installed ended the process by SIGINT's default
//! action: no word, no exit code.)

use crate::support;

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use support::relayed_qnap::{RelayedQnap, journal_names, pattern};
use support::sandbox::{Sandbox, ok, text};

const MIB: u64 = 1 << 20;
/// Hang guard only.
const LIMIT: Duration = Duration::from_secs(60);
const SAID: &str = "nascmd: interrupted; the same command again goes on where this one stopped";

/// `nascmd ARGS` in `sb`, started with its stderr kept.
fn spawn(nas: &RelayedQnap, sb: &Sandbox, args: &[&str]) -> Child {
    nas.nascmd(sb, args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (within `LIMIT`) until `ready` holds with the child still running.
fn wait_until(child: &mut Child, what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !ready() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the command ended before {what}"
        );
        assert!(Instant::now() < deadline, "never got to: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends SIGINT, as Ctrl-C in a terminal does, and collects how the child ended.
fn ctrl_c(child: Child) -> Output {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(LIMIT)
        .expect("still running after Ctrl-C")
        .unwrap()
}

/// Ended by itself, not by the signal, with the line and code of an interrupted command.
fn assert_interrupted(out: &Output, what: &str) {
    use std::os::unix::process::ExitStatusExt;
    let err = text(&out.stderr);
    assert_eq!(
        out.status.signal(),
        None,
        "{what}: ended by a signal; stderr: {err}"
    );
    assert_eq!(out.status.code(), Some(1), "{what}: stderr: {err}");
    assert!(err.contains(SAID), "{what}: stderr: {err}");
}

#[test]
fn ctrl_c_while_logging_in_ends_get_put_and_sync_by_themselves() {
    let nas = RelayedQnap::start("Public");
    std::fs::write(nas.public().join("a.txt"), b"on the NAS").unwrap();
    let sb = nas.sandbox();
    std::fs::write(sb.path().join("b.txt"), b"here").unwrap();
    std::fs::create_dir(sb.path().join("mine")).unwrap();
    std::fs::write(sb.path().join("mine/c.txt"), b"here too").unwrap();
    let commands: [&[&str]; 3] = [
        &["get", "nas:/Public/a.txt", "down/"],
        &["put", "b.txt", "nas:/Public/"],
        &["sync", "mine", "nas:/Public/mine"],
    ];
    for args in commands {
        let what = args[0];
        nas.relay.reset();
        // No answer ever comes back: the command waits on its first request.
        nas.relay.stall_after(0);
        let mut child = spawn(&nas, &sb, args);
        wait_until(&mut child, "its first request", || nas.relay.up() > 0);
        let out = ctrl_c(child);
        assert_interrupted(&out, what);
        assert_eq!(
            journal_names(&sb),
            Vec::<String>::new(),
            "{what}: no job was started"
        );
    }
    assert!(!sb.path().join("down/a.txt").exists());
    assert!(!nas.public().join("b.txt").exists());
}

#[test]
fn ctrl_c_during_a_download_ends_it_the_same_way_and_the_journal_keeps_it() {
    let nas = RelayedQnap::start("Public");
    let data = pattern(8 * MIB, 3);
    std::fs::write(nas.public().join("big.bin"), &data).unwrap();
    let sb = nas.sandbox();
    let args = ["get", "nas:/Public/big.bin", "down/"];

    nas.relay.reset();
    nas.relay.stall_after(2 * MIB);
    let mut child = spawn(&nas, &sb, &args);
    wait_until(&mut child, "the download stalled midway", || {
        nas.relay.down() >= 2 * MIB && !journal_names(&sb).is_empty()
    });
    let out = ctrl_c(child);
    assert_interrupted(&out, "get");
    assert_eq!(journal_names(&sb).len(), 1, "the journal kept the job");

    nas.relay.reset();
    let out = nas.nascmd(&sb, &args).output().unwrap();
    ok(&out);
    assert!(
        text(&out.stderr).contains("resuming"),
        "{}",
        text(&out.stderr)
    );
    assert!(std::fs::read(sb.path().join("down/big.bin")).unwrap() == data);
    assert_eq!(journal_names(&sb), Vec::<String>::new());
}

/// `--no-resume` starts over: an interrupted run of it does not say that the same
/// command goes on (it would start over again); it says to run it without the flag,
/// and that is true: the run without it resumes.
#[test]
fn ctrl_c_during_a_no_resume_download_says_how_to_go_on() {
    let nas = RelayedQnap::start("Public");
    let data = pattern(8 * MIB, 4);
    std::fs::write(nas.public().join("big.bin"), &data).unwrap();
    let sb = nas.sandbox();
    let args = ["get", "nas:/Public/big.bin", "down/"];

    nas.relay.reset();
    nas.relay.stall_after(2 * MIB);
    let mut child = spawn(&nas, &sb, &[&args[..], &["--no-resume"]].concat());
    wait_until(&mut child, "the download stalled midway", || {
        nas.relay.down() >= 2 * MIB && !journal_names(&sb).is_empty()
    });
    let out = ctrl_c(child);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(!err.contains(SAID), "stderr: {err}");
    assert!(
        err.contains("nascmd: interrupted; run it again without --no-resume to go on"),
        "stderr: {err}"
    );

    nas.relay.reset();
    let out = nas.nascmd(&sb, &args).output().unwrap();
    ok(&out);
    assert!(
        text(&out.stderr).contains("resuming"),
        "{}",
        text(&out.stderr)
    );
    assert!(std::fs::read(sb.path().join("down/big.bin")).unwrap() == data);
}
