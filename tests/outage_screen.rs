//! The commander during an outage, on screen: the runtime loop, App and ui on
//! `TestBackend`, a local pane and a QNAP pane reached through a relay that takes the
//! NAS off the network. While the NAS is away the jobs panel says "reconnecting"
//! (no rate, no ETA); when the retry budget runs out the failure dialog offers Retry
//! and Details, and Retry (with the NAS back) runs only the files that failed.

use crate::support;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::{App, Pane};
use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
use nascmd::jobs::{EngineOptions, RetryPolicy, TEMP_PREFIX};
use nascmd::keymap::Keymap;
use nascmd::runtime::{ConnectContext, Runtime};
use nascmd::theme::Theme;
use nascmd::vfs::VfsHandle;
use nascmd::vfs::local::LocalFs;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::outage::OutageRelay;
use support::screen::*;

const PASSWORD: &str = "correct horse 42";

/// An outage can hold a step up for a while: twice the shared limit.
async fn settle(rt: &mut Rt, keys: Vec<KeyEvent>) {
    settle_within(rt, keys, Duration::from_secs(120)).await;
}

async fn press(rt: &mut Rt, keys: &[KeyCode]) {
    settle(rt, keys.iter().map(|&c| k(c)).collect()).await;
}

async fn typ(rt: &mut Rt, s: &str) {
    settle(rt, text(s)).await;
}

/// Drives the loop (keys typed so far are handled, jobs report) until `done` holds.
async fn run_until(rt: &mut Rt, what: &str, mut done: impl FnMut(&Rt) -> bool) {
    for _ in 0..1200 {
        if done(rt) {
            return;
        }
        rt.run_for(Duration::from_millis(50)).await.unwrap();
    }
    panic!("never {what}:\n{}", screen(rt));
}

/// The final files below `dir` (temporaries left out): name → (inode, bytes).
fn files(dir: &Path) -> BTreeMap<String, (u64, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_name().to_string_lossy().starts_with(TEMP_PREFIX))
        .map(|e| {
            let meta = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                (meta.ino(), std::fs::read(e.path()).unwrap()),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_shows_reconnecting_and_retry_runs_only_what_failed() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("Public")).unwrap();
    let emu = qnap::spawn(QnapEmulatorConfig::new(root.path(), "alice", PASSWORD))
        .await
        .unwrap();
    // 128 KiB/s per connection: 24 files of 64 KiB take a few seconds on 8 workers.
    let relay = OutageRelay::start(emu.addr, Some(128)).await;
    let local = tempfile::tempdir().unwrap();
    let tree = local.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    for i in 0..24u32 {
        let bytes: Vec<u8> = (0..64 * 1024u32).map(|b| (b * 13 + i) as u8).collect();
        std::fs::write(tree.join(format!("f{i:02}.bin")), bytes).unwrap();
    }

    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let (app, cmds) = App::new(
        Pane::new(vfs.clone(), vpath(local.path())),
        Pane::new(vfs, vpath(local.path())),
        Keymap::default(),
        Theme::built_in_default(),
    );
    let terminal = Terminal::new(TestBackend::new(140, 40)).unwrap();
    let mut rt =
        Runtime::with_connect_context(terminal, app, cmds, ConnectContext::isolated()).unwrap();
    // A short budget, so the outage below outlasts it.
    rt.set_engine_options(EngineOptions {
        retry: RetryPolicy::with_retry_for(Duration::from_secs(2)),
        ..EngineOptions::default()
    });
    settle(&mut rt, Vec::new()).await;

    // The right pane on the NAS, through the relay.
    press(&mut rt, &[KeyCode::Tab]).await;
    settle(
        &mut rt,
        vec![KeyEvent::new(KeyCode::Char('n'), KeyModifiers::ALT)],
    )
    .await;
    typ(&mut rt, &format!("qnap://alice@{}/Public", relay.addr)).await;
    press(&mut rt, &[KeyCode::Enter]).await;
    typ(&mut rt, PASSWORD).await;
    press(&mut rt, &[KeyCode::Enter]).await;
    assert!(screen(&rt).contains("qnap alice@"), "{}", screen(&rt));

    // F5 of the local "tree" to the NAS; the NAS leaves once the copy is under way.
    press(&mut rt, &[KeyCode::Tab]).await;
    settle(
        &mut rt,
        vec![KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)],
    )
    .await;
    typ(&mut rt, "tree").await;
    press(&mut rt, &[KeyCode::Esc, KeyCode::F(5)]).await;
    // Enter starts the copy; this gives up waiting for it (the job runs on) and the
    // loop is driven by hand from here.
    let input = futures_util::stream::iter(vec![Ok(Event::Key(k(KeyCode::Enter)))]);
    let _ = rt.run_until_idle(input, Duration::from_millis(100)).await;
    assert_eq!(rt.app.jobs.running(), 1, "{}", screen(&rt));
    run_until(&mut rt, "moved a few files", |_| {
        relay.relayed() > 600 * 1024
    })
    .await;
    relay.go_down();

    // While the NAS is away the panel says so, with no rate and no ETA.
    run_until(&mut rt, "said reconnecting", |rt| {
        screen(rt).contains("reconnecting")
    })
    .await;
    let s = screen(&rt);
    let line = s.lines().find(|l| l.contains("reconnecting")).unwrap();
    assert!(!line.contains("ETA") && !line.contains("/s "), "{line}");
    assert!(line.contains("attempt"), "{line}");

    // The budget runs out: the failure dialog names Retry and Details.
    run_until(&mut rt, "showed the failure", |rt| {
        screen(rt).contains("Retry (r)")
    })
    .await;
    // Back before the panes' reload gives up on it.
    relay.come_back();
    let s = screen(&rt);
    assert!(s.contains("Details (d)"), "{s}");
    // (The dialog wraps the line after "after".)
    assert!(s.contains("still failing after"), "{s}");
    assert!(s.contains("retrying for 2s"), "{s}");
    let landed = files(&root.path().join("Public/tree"));
    assert!(landed.len() < 24, "nothing failed: {s}");

    // Details lists each failed item and why.
    settle(&mut rt, vec![k(KeyCode::Char('d'))]).await;
    let s = screen(&rt);
    assert!(s.contains("failed (↑/↓"), "{s}");
    assert!(s.contains(".bin: "), "{s}");

    // r (named in the title) retries the failed files only.
    assert!(s.contains("r: retry"), "{s}");
    settle(&mut rt, vec![k(KeyCode::Char('r'))]).await;
    assert_eq!(rt.app.jobs.running(), 0, "{}", screen(&rt));
    let after = files(&root.path().join("Public/tree"));
    assert_eq!(after.len(), 24, "{}", screen(&rt));
    for (name, (_, bytes)) in &after {
        assert_eq!(bytes, &std::fs::read(tree.join(name)).unwrap(), "{name}");
    }
    for (name, (inode, _)) in &landed {
        assert_eq!(after[name].0, *inode, "{name} was copied again");
    }
    drop(relay);
    emu.shutdown().await.unwrap();
}
