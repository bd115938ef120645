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

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use support::relayed_qnap::{
    COMMANDER_SETTLE, PASS, RelayedQnap, all_journals_text, held_for, journal_names,
    journaling_commander, kill_when, pattern, profile_context, wait_upload_kept,
};
use support::sandbox::{Sandbox, ok, text};
use support::screen::*;

const MIB: u64 = 1 << 20;
const LEN: u64 = 24 * MIB;
const STALL_AT: u64 = 8 * MIB;
/// How long a run may take to get where it is killed.
const KILL_LIMIT: Duration = Duration::from_secs(180);
const SMALL: [&str; 3] = ["a.txt", "b.txt", "c.txt"];

fn dst(nas: &RelayedQnap) -> PathBuf {
    nas.root.path().join("Public/dst")
}

/// A home with `src/` (three small files and a big one), the profile `nas` (no
/// password stored anywhere); the NAS folder holds `old.txt`, which a mirror deletes.
fn sync_home(nas: &RelayedQnap) -> Sandbox {
    let sb = Sandbox::new();
    let src = sb.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for (i, name) in SMALL.iter().enumerate() {
        std::fs::write(src.join(name), pattern(100_000, i as u8)).unwrap();
    }
    std::fs::write(src.join("z-big.bin"), pattern(LEN, 9)).unwrap();
    std::fs::write(dst(nas).join("old.txt"), b"only on the NAS").unwrap();
    sb.write_config(&nas.profile());
    sb
}

fn sync(nas: &RelayedQnap, sb: &Sandbox) -> Command {
    // One file at a time, the big one last (names sort so): the relay stalls every
    // connection once STALL_AT went up, so the small files must be done before (with
    // all four at once, a busy machine let the big one get there first and the small
    // ones never finished).
    nas.nascmd(
        sb,
        &["sync", "--delete", "--jobs", "1", "src", "nas:/Public/dst"],
    )
}

/// `nascmd sync --delete src nas:/Public/dst`, killed once the small files are verified
/// and the big upload stalled with its id in the journal; the NAS keeps what arrived.
fn kill_sync_midway(nas: &RelayedQnap, sb: &Sandbox) {
    nas.relay.reset();
    nas.relay.stall_up_after(STALL_AT);
    let child = nas
        .nascmd_quiet(sb, &["sync", "--delete", "src", "nas:/Public/dst"])
        .spawn()
        .unwrap();
    let mut stalled_since: Option<Instant> = None;
    kill_when(
        child,
        "the small files done and the upload stalled",
        KILL_LIMIT,
        || {
            let t = all_journals_text(sb);
            let stalled = nas.relay.up() >= STALL_AT
                && t.matches("\"done\"").count() == SMALL.len()
                && t.contains("\"upload\"");
            held_for(stalled, &mut stalled_since, Duration::from_millis(300))
        },
    );
    nas.relay.reset();
    wait_upload_kept(nas, "the NAS kept nothing");

    // The delete waits for every copy: the kill came before z-big.bin was verified.
    assert!(
        dst(nas).join("old.txt").exists(),
        "deleted before the copies"
    );
    assert!(!dst(nas).join("z-big.bin").exists());
    let t = all_journals_text(sb);
    assert_eq!(journal_names(sb).len(), 1, "{t}");
    assert!(t.contains("\"sync_plan\"") && t.contains("old.txt"), "{t}");
    for secret in [PASS, "sid", "password"] {
        assert!(!t.contains(secret), "{secret} in {t}");
    }
}

fn assert_synced(nas: &RelayedQnap, sb: &Sandbox) {
    for name in SMALL.iter().chain(&["z-big.bin"]) {
        assert!(
            std::fs::read(dst(nas).join(name)).unwrap()
                == std::fs::read(sb.path().join("src").join(name)).unwrap(),
            "{name} differs"
        );
    }
    assert!(
        !dst(nas).join("old.txt").exists(),
        "old.txt was not deleted"
    );
    assert_eq!(
        journal_names(sb),
        Vec::<String>::new(),
        "the journal stayed"
    );
    assert_eq!(nas.upload_cache(), Vec::<String>::new());
}

#[test]
fn a_killed_sync_is_taken_up_by_the_same_command() {
    let nas = RelayedQnap::start("Public/dst");
    let sb = sync_home(&nas);
    kill_sync_midway(&nas, &sb);

    nas.relay.reset();
    let out = sync(&nas, &sb).output().unwrap();
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
        plan.contains("z-big.bin") && plan.contains("old.txt"),
        "{plan}"
    );
    // Only what the NAS did not keep of the cut upload went up again.
    let sent = nas.relay.up();
    eprintln!("the rerun sent {sent} bytes");
    assert!(sent <= LEN - STALL_AT + 6 * MIB, "sent {sent} bytes again");
    assert_synced(&nas, &sb);
}

/// The commander over two local panes, journaling in the sandbox's state folder; the
/// profile `nas`, no password from anywhere.
async fn commander(sb: &Sandbox) -> Rt {
    journaling_commander(&sb.path().join("src"), sb.path(), sb, profile_context(sb)).await
}

async fn settle(rt: &mut Rt, keys: Vec<KeyEvent>) {
    settle_within(rt, keys, COMMANDER_SETTLE).await;
}

#[test]
fn a_restored_sync_resumes_and_deletes_only_once_every_copy_is_verified() {
    let nas = RelayedQnap::start("Public/dst");
    let sb = sync_home(&nas);
    kill_sync_midway(&nas, &sb);
    // The big file's source goes away before the resume: its copy cannot be verified.
    let big = sb.path().join("src/z-big.bin");
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
        assert!(s.contains("z-big.bin"), "{s}");
        assert!(s.contains("Sync done, 2 items not"), "{s}");
        assert!(
            dst(&nas).join("old.txt").exists(),
            "deleted with a copy unverified"
        );
        assert_eq!(
            journal_names(&sb).len(),
            1,
            "the failed sync's journal went"
        );

        // The source is back: r on the failed sync copies it, then deletes.
        std::fs::write(&big, pattern(LEN, 9)).unwrap();
        settle(&mut rt, vec![ch('r')]).await;
        let s = screen(&rt);
        assert!(s.contains("Synced "), "{s}");
        assert!(!s.contains("paused (restored)"), "{s}");
    });
    assert_synced(&nas, &sb);
}
