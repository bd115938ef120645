//! A Freebox pane opened over a flaky link, on screen: the registration survives polls
//! that fail (the box asks for ✓ once), through the real runtime against the emulator.

use crate::support;

use std::time::Duration;

use crossterm::event::{Event, KeyCode};
use nascmd::app::Side;
use nascmd::emulator::freebox::{self, FreeboxEmulatorConfig, GrantMode};
use nascmd::emulator::request_log::RequestLog;
use nascmd::runtime::ConnectContext;
use support::screen::*;

fn registrations(log: &RequestLog) -> usize {
    log.lines()
        .iter()
        .filter(|l| l.starts_with("POST") && l.contains("login/authorize"))
        .count()
}

/// Every 5th request fails (HTTP 500): the third poll of the registration (after
/// `/api_version`, the registration and two polls), and later the disk's listing. The
/// dialog waits for the button press as usual, the pane then lists the disk, and the
/// box was asked to register nascmd once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_on_a_flaky_link_asks_for_the_button_once() {
    let disk = tempfile::tempdir().unwrap();
    std::fs::create_dir(disk.path().join("Vidéos")).unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(disk.path());
    cfg.grant = GrantMode::AfterPolls(2);
    cfg.faults.http500_every = Some(5);
    let log = cfg.request_log.clone();
    let emu = freebox::spawn(cfg).await.unwrap();
    let local = tempfile::tempdir().unwrap();
    let mut rt = start_with_context(local.path(), local.path(), ConnectContext::isolated()).await;

    press(&mut rt, &[KeyCode::Tab]).await;
    settle(&mut rt, vec![alt('n')]).await;
    typ(&mut rt, &format!("freebox://{}/Disque dur", emu.addr)).await;
    rt.run_for(Duration::from_millis(10)).await.unwrap();
    let enter = futures_util::stream::iter([Ok(Event::Key(k(KeyCode::Enter)))]);
    // The registration keeps a task running: "not idle" is expected here.
    let _ = rt.run_until_idle(enter, Duration::from_millis(50)).await;
    rt.run_for(Duration::from_millis(700)).await.unwrap();
    let s = screen(&rt);
    assert!(s.contains("Press the ✓ button on the Freebox"), "{s}");
    settle(&mut rt, Vec::new()).await;
    let s = screen(&rt);
    assert!(!s.contains("Press the ✓ button"), "{s}");
    assert!(s.contains("freebox 127.0.0.1"), "{s}");
    assert!(s.contains("/Vidéos"), "{s}");
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), "/Disque dur");
    assert_eq!(registrations(&log), 1, "{:?}", log.lines());
    emu.shutdown().await.unwrap();
}

/// Every 3rd request fails (HTTP 500): a sign-in is `/api_version`, the challenge and
/// the session, so one of them fails on every try when the whole chain is tried again
/// from its start. Requests: 1 `/api_version`, 2 the registration, 3 a poll (HTTP 500),
/// 4 a poll (pending), 5 a poll (granted), 6 the challenge (HTTP 500), 7 the challenge
/// again, 8 the session, 9 the listing (HTTP 500), 10 the listing again. The pane opens
/// on the disk, `/api_version` was asked once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_with_every_third_request_failing_opens_the_pane() {
    let disk = tempfile::tempdir().unwrap();
    std::fs::create_dir(disk.path().join("Vidéos")).unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(disk.path());
    cfg.grant = GrantMode::AfterPolls(1);
    cfg.faults.http500_every = Some(3);
    let log = cfg.request_log.clone();
    let emu = freebox::spawn(cfg).await.unwrap();
    let local = tempfile::tempdir().unwrap();
    let mut rt = start_with_context(local.path(), local.path(), ConnectContext::isolated()).await;

    press(&mut rt, &[KeyCode::Tab]).await;
    settle(&mut rt, vec![alt('n')]).await;
    typ(&mut rt, &format!("freebox://{}/Disque dur", emu.addr)).await;
    rt.run_for(Duration::from_millis(10)).await.unwrap();
    let enter = futures_util::stream::iter([Ok(Event::Key(k(KeyCode::Enter)))]);
    let _ = rt.run_until_idle(enter, Duration::from_millis(50)).await;
    settle(&mut rt, Vec::new()).await;
    let s = screen(&rt);
    assert!(!s.contains("Cannot connect"), "{s}\n{:?}", log.lines());
    assert!(s.contains("/Vidéos"), "{s}\n{:?}", log.lines());
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), "/Disque dur");
    let lines = log.lines();
    let discoveries = lines.iter().filter(|l| l.contains("/api_version")).count();
    assert_eq!(discoveries, 1, "{lines:?}");
    assert_eq!(registrations(&log), 1, "{lines:?}");
    emu.shutdown().await.unwrap();
}

/// The reply to the registration is lost (every 3rd reply cut in half, after one
/// request made before): nascmd registers once more, and the waiting dialog says the
/// box may ask twice, whole (its last line, "Esc: cancel", still shows). The pane then
/// opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_registration_reply_is_said_in_the_dialog() {
    let disk = tempfile::tempdir().unwrap();
    std::fs::create_dir(disk.path().join("Vidéos")).unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(disk.path());
    cfg.grant = GrantMode::AfterPolls(2);
    cfg.faults.truncate_every = Some(3);
    let log = cfg.request_log.clone();
    let emu = freebox::spawn(cfg).await.unwrap();
    reqwest::get(format!("{}/api_version", emu.base_url))
        .await
        .unwrap();
    let local = tempfile::tempdir().unwrap();
    let mut rt = start_with_context(local.path(), local.path(), ConnectContext::isolated()).await;

    press(&mut rt, &[KeyCode::Tab]).await;
    settle(&mut rt, vec![alt('n')]).await;
    typ(&mut rt, &format!("freebox://{}/Disque dur", emu.addr)).await;
    rt.run_for(Duration::from_millis(10)).await.unwrap();
    let enter = futures_util::stream::iter([Ok(Event::Key(k(KeyCode::Enter)))]);
    let _ = rt.run_until_idle(enter, Duration::from_millis(50)).await;
    rt.run_for(Duration::from_millis(700)).await.unwrap();
    let s = screen(&rt);
    assert!(s.contains("Press the ✓ button on the Freebox"), "{s}");
    assert!(
        s.contains("the box may ask twice. Press ✓ each time."),
        "{s}"
    );
    assert!(s.contains("Esc: cancel"), "{s}");
    settle(&mut rt, Vec::new()).await;
    let s = screen(&rt);
    assert!(s.contains("/Vidéos"), "{s}\n{:?}", log.lines());
    assert_eq!(registrations(&log), 2, "{:?}", log.lines());
    emu.shutdown().await.unwrap();
}
