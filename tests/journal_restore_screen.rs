//! Paused (restored) jobs in the commander's jobs panel, through the real runtime loop,
//! App and ui on ratatui's `TestBackend`, against the QNAP emulator behind a relay that
//! stalls: a `get` and a `put` killed (SIGKILL) midway leave their journal, then
//! * `r` on a job whose NAS password is not stored asks for it in the connect dialog:
//!   Esc leaves it paused and says so, a wrong password is asked again, the right one
//!   resumes it (bytes equal, nothing left behind);
//! * `x` forgets each job: its local partial file and record, and the chunked upload
//!   the NAS kept, are removed, and the panel says so.

use crate::support;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use nascmd::runtime::ConnectContext;
use nascmd::secret::Secret;
use support::relayed_qnap::{
    COMMANDER_SETTLE, PASS, RelayedQnap, USER, all_journals_text, held_for, journal_names,
    journaling_commander, kill_when, profile_context, temporaries, wait_upload_kept,
};
use support::sandbox::Sandbox;
use support::screen::*;

const MIB: u64 = 1 << 20;
const LEN: u64 = 24 * MIB;
const STALL_AT: u64 = 8 * MIB;
/// How long a run may take to get where it is killed.
const KILL_LIMIT: Duration = Duration::from_secs(120);

fn pattern(len: u64) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 509) as u8).collect()
}

/// `nascmd get nas:/Public/big.bin down/`, killed once stalled: a paused download
/// with its partial file in `down/`.
fn kill_get_midway(nas: &RelayedQnap, sb: &Sandbox) {
    std::fs::write(nas.public().join("big.bin"), pattern(LEN)).unwrap();
    let before = journal_names(sb).len();
    nas.relay.reset();
    nas.relay.stall_after(STALL_AT);
    let child = nas
        .nascmd_quiet(sb, &["get", "nas:/Public/big.bin", "down/"])
        .spawn()
        .unwrap();
    kill_when(child, "the get stalled and journaled", KILL_LIMIT, || {
        nas.relay.down() >= STALL_AT
            && journal_names(sb).len() > before
            && all_journals_text(sb).contains("\"partial\"")
            && !temporaries(&sb.path().join("down")).is_empty()
    });
    nas.relay.reset();
}

/// `nascmd put up.bin nas:/Public/`, killed once stalled: a paused upload whose
/// chunked upload the NAS keeps.
fn kill_put_midway(nas: &RelayedQnap, sb: &Sandbox) {
    std::fs::write(sb.path().join("up.bin"), pattern(LEN)).unwrap();
    nas.relay.reset();
    nas.relay.stall_up_after(STALL_AT);
    let child = nas
        .nascmd_quiet(sb, &["put", "up.bin", "nas:/Public/"])
        .spawn()
        .unwrap();
    let mut stalled_since: Option<Instant> = None;
    kill_when(child, "the put stalled and journaled", KILL_LIMIT, || {
        let stalled = nas.relay.up() >= STALL_AT && all_journals_text(sb).contains("\"upload\"");
        held_for(stalled, &mut stalled_since, Duration::from_millis(300))
    });
    nas.relay.reset();
    // Let the NAS take in the cut chunk.
    wait_upload_kept(nas, "the NAS kept nothing of the upload");
}

/// The commander over two local panes (`down/` and the home), journaling in the
/// sandbox's state folder; `ctx` says where passwords come from.
async fn commander(sb: &Sandbox, ctx: ConnectContext) -> Rt {
    journaling_commander(&sb.path().join("down"), sb.path(), sb, ctx).await
}

async fn settle(rt: &mut Rt, keys: Vec<KeyEvent>) {
    settle_within(rt, keys, COMMANDER_SETTLE).await;
}

#[test]
fn resuming_a_paused_job_asks_for_the_password_the_journal_never_holds() {
    let nas = RelayedQnap::start("Public");
    let sb = nas.sandbox();
    let down = sb.path().join("down");
    kill_get_midway(&nas, &sb);
    assert!(
        !all_journals_text(&sb).contains(PASS),
        "a password in the journal"
    );

    nas.rt.block_on(async {
        let mut rt = commander(&sb, profile_context(&sb)).await;
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
        let mut keys = text("wrong");
        keys.push(k(KeyCode::Enter));
        settle(&mut rt, keys).await;
        let s = screen(&rt);
        assert!(
            s.contains("The NAS refused the password: try 2 of 3."),
            "{s}"
        );

        // The right one: the job resumes and finishes.
        let mut keys = text(PASS);
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
    assert_eq!(
        journal_names(&sb),
        Vec::<String>::new(),
        "the journal stayed"
    );
}

#[test]
fn forgetting_paused_jobs_removes_their_temporaries_here_and_on_the_nas() {
    let nas = RelayedQnap::start("Public");
    let sb = nas.sandbox();
    let down = sb.path().join("down");
    kill_get_midway(&nas, &sb);
    kill_put_midway(&nas, &sb);
    assert_eq!(journal_names(&sb).len(), 2);
    assert!(!temporaries(&down).is_empty(), "no partial download");
    assert!(!nas.upload_cache().is_empty(), "no partial upload");

    nas.rt.block_on(async {
        // Forgetting reaches the NAS with what the user has (here handed over, as
        // `NASCMD_PASSWORD` or the secrets store would).
        let ctx = profile_context(&sb).with_password(&nas.relay.url(), USER, Secret::new(PASS));
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
    assert_eq!(journal_names(&sb), Vec::<String>::new());
    // Forgetting moves nothing: neither file appeared under its final name.
    assert!(!down.join("big.bin").exists());
    assert!(!nas.public().join("up.bin").exists());
}
