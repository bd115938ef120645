//! F6 on what a running job still uses, through the real runtime loop on an 80x24
//! `TestBackend`: a copy to a slow QNAP emulator is under way when the user moves its
//! source; the question names the job and Enter means No.

use crate::support;

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent};
use nascmd::app::Side;
use nascmd::emulator::faults::FaultConfig;
use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
use nascmd::runtime::ConnectContext;
use support::jobs::write;
use support::screen::*;

/// Feeds `keys` and runs the loop for `time` (a job is running, so the loop is never
/// idle: `settle` would wait for its end), then draws.
async fn run_for(rt: &mut Rt, keys: Vec<KeyEvent>, time: Duration) {
    let input = futures_util::stream::iter(keys.into_iter().map(|k| Ok(Event::Key(k))));
    // Not idle while the job runs: the time running out is the expected end.
    let _ = rt.run_until_idle(input, time).await;
    rt.render().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_the_source_of_a_running_copy_names_the_job_and_enter_means_no() {
    let local = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("Public")).unwrap();
    // 4 MiB at 256 KiB/s: the copy lasts seconds past the questions below.
    write(&local.path().join("big.bin"), &vec![7u8; 4 << 20]);
    let mut cfg = QnapEmulatorConfig::new(root.path(), "alice", "pw 42");
    cfg.faults = FaultConfig {
        bandwidth: Some(256 << 10),
        ..FaultConfig::default()
    };
    let emu = qnap::spawn(cfg).await.unwrap();
    let ctx = ConnectContext::isolated().with_password(
        &format!("http://{}", emu.addr),
        "alice",
        nascmd::secret::Secret::new("pw 42"),
    );
    let mut rt = runtime_with_context(local.path(), local.path(), 80, 24, ctx);
    settle(&mut rt, Vec::new()).await;
    // The right pane onto the NAS (Alt-N), then back to the left one.
    let mut ks = vec![k(KeyCode::Tab), alt('n')];
    ks.extend(text(&format!("qnap://alice@{}/Public", emu.addr)));
    ks.push(k(KeyCode::Enter));
    settle(&mut rt, ks).await;
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), "/Public");
    press(&mut rt, &[KeyCode::Tab]).await;
    assert_eq!(rt.app.active, Side::Left);
    go_to(&mut rt, "big.bin").await;

    // F5, Enter: the copy runs.
    run_for(
        &mut rt,
        vec![k(KeyCode::F(5)), k(KeyCode::Enter)],
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(rt.app.jobs.running(), 1, "{}", screen(&rt));

    // F6 of the same file, Enter on the prefilled /Public: asked first.
    run_for(
        &mut rt,
        vec![k(KeyCode::F(6)), k(KeyCode::Enter)],
        Duration::from_millis(300),
    )
    .await;
    let shown = screen(&rt);
    assert!(shown.contains("Move \"big.bin\" to /Public?"), "{shown}");
    // The job's title names the item, as the question does (not its whole path).
    assert!(
        shown
            .lines()
            .any(|l| l.contains("Still in use by the job \"Copy big.bin to /Public\"!")),
        "{shown}"
    );
    // Enter: No (nothing new starts, the question is gone, the copy goes on).
    run_for(&mut rt, vec![k(KeyCode::Enter)], Duration::from_millis(300)).await;
    let shown = screen(&rt);
    assert!(!shown.contains("Still in use"), "{shown}");
    assert_eq!(rt.app.jobs.running(), 1, "{shown}");
    assert!(local.path().join("big.bin").exists());

    // Cancel the copy (Alt-J, Del, y) and let it wind down.
    settle(
        &mut rt,
        vec![alt('j'), k(KeyCode::Delete), ch('y'), k(KeyCode::Esc)],
    )
    .await;
    assert_eq!(rt.app.jobs.running(), 0, "{}", screen(&rt));
    assert!(local.path().join("big.bin").exists());
}
