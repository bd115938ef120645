//! Screen-level sessions on NAS panes: the real runtime loop, App and ui on ratatui's
//! `TestBackend`, against the project's QNAP and Freebox emulators on loopback over real
//! temp folders. Keys are typed as a user would; the test then reads the screen and the
//! emulator's disk.

use crate::support;

use std::path::Path;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent};
use nascmd::app::Side;
use nascmd::emulator::freebox::{self, FreeboxEmulatorConfig, GrantMode};
use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
use nascmd::runtime::ConnectContext;
use support::screen::*;

const PASSWORD: &str = "correct horse 42";

async fn start(local: &Path) -> Rt {
    // Nothing from the environment or the user's secrets: the test types the password.
    start_with_context(local, local, ConnectContext::isolated()).await
}

/// Alt-N in the active pane, `target` typed, Enter.
async fn open_remote(rt: &mut Rt, target: &str) {
    settle(rt, vec![alt('n')]).await;
    assert!(screen(rt).contains("Open a NAS in this pane"));
    typ(rt, target).await;
    press(rt, &[KeyCode::Enter]).await;
}

fn qnap_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let deep = root.path().join("Public/level1/level2/level3");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("deep-target.txt"), b"found me").unwrap();
    std::fs::write(root.path().join("Public/top.txt"), b"top").unwrap();
    root
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_session_connect_browse_upload_search_delete() {
    let root = qnap_root();
    let emu = qnap::spawn(QnapEmulatorConfig::new(root.path(), "alice", PASSWORD))
        .await
        .unwrap();
    let local = tempfile::tempdir().unwrap();
    let a: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(local.path().join("a.bin"), &a).unwrap();
    std::fs::write(local.path().join("b.txt"), b"hello NAS").unwrap();
    std::fs::write(local.path().join("c.txt"), b"not selected").unwrap();
    let mut rt = start(local.path()).await;

    // Connect the right pane: the password dialog asks, masked.
    press(&mut rt, &[KeyCode::Tab]).await;
    open_remote(&mut rt, &format!("qnap://alice@{}/", emu.addr)).await;
    let s = screen(&rt);
    assert!(s.contains("Password for alice on http://127.0.0.1"), "{s}");
    typ(&mut rt, PASSWORD).await;
    let s = screen(&rt);
    assert!(!s.contains(PASSWORD), "password shown in clear: {s}");
    assert!(s.contains(&"*".repeat(PASSWORD.len())), "{s}");
    press(&mut rt, &[KeyCode::Enter]).await;
    let s = screen(&rt);
    assert!(s.contains("qnap alice@"), "pane title: {s}");
    assert!(s.contains("/Public"), "shares at the root: {s}");

    // Browse into /Public.
    go_to(&mut rt, "Public").await;
    press(&mut rt, &[KeyCode::Enter]).await;
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), "/Public");
    assert!(screen(&rt).contains("/level1"));

    // Select two local files, F5 to the NAS.
    press(&mut rt, &[KeyCode::Tab]).await;
    go_to(&mut rt, "a.bin").await;
    press(&mut rt, &[KeyCode::Insert]).await;
    go_to(&mut rt, "b.txt").await;
    press(&mut rt, &[KeyCode::Insert, KeyCode::F(5)]).await;
    assert!(screen(&rt).contains("/Public"), "{}", screen(&rt));
    // The dialog says the files leave for the NAS.
    assert!(
        screen(&rt).contains("Copy 2 items to (qnap alice@"),
        "{}",
        screen(&rt)
    );
    // A relative path is below this pane's folder, on this machine: the prompt follows
    // the text (it kept naming the NAS).
    keys(&mut rt, &[ctrl('u')]).await;
    typ(&mut rt, "sub").await;
    assert!(
        screen(&rt).contains("Copy 2 items to (local):"),
        "{}",
        screen(&rt)
    );
    keys(&mut rt, &[ctrl('u')]).await;
    typ(&mut rt, "/Public").await;
    assert!(
        screen(&rt).contains("Copy 2 items to (qnap alice@"),
        "{}",
        screen(&rt)
    );
    press(&mut rt, &[KeyCode::Enter]).await;
    assert_eq!(std::fs::read(root.path().join("Public/a.bin")).unwrap(), a);
    assert_eq!(
        std::fs::read(root.path().join("Public/b.txt")).unwrap(),
        b"hello NAS"
    );
    assert!(!root.path().join("Public/c.txt").exists());
    let s = screen(&rt);
    assert!(s.contains("a.bin") && s.contains("b.txt"), "{s}");

    // Search from /Public for a file three levels down; Enter lands on it.
    press(&mut rt, &[KeyCode::Tab]).await;
    settle(&mut rt, vec![alt('?')]).await;
    assert!(screen(&rt).contains("Find file"));
    typ(&mut rt, "deep-target").await;
    press(&mut rt, &[KeyCode::Enter]).await;
    let s = screen(&rt);
    assert!(
        s.contains("/Public/level1/level2/level3/deep-target.txt"),
        "{s}"
    );
    assert!(s.contains("1 found"), "{s}");
    press(&mut rt, &[KeyCode::Enter]).await;
    let pane = rt.app.pane(Side::Right);
    assert_eq!(pane.cwd.as_str(), "/Public/level1/level2/level3");
    assert_eq!(pane.current_entry().unwrap().name, "deep-target.txt");
    let s = screen(&rt);
    assert!(s.contains("deep-target.txt"), "{s}");
    assert!(s.contains("/Public/level1/level2/level3"), "{s}");

    // F8 + confirm deletes it on the NAS.
    press(&mut rt, &[KeyCode::F(8)]).await;
    assert!(screen(&rt).contains("Delete \"deep-target.txt\"?"));
    press(&mut rt, &[KeyCode::Enter]).await;
    assert!(
        !root
            .path()
            .join("Public/level1/level2/level3/deep-target.txt")
            .exists()
    );
    assert!(!screen(&rt).contains("deep-target.txt"));
    emu.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_shows_the_error_and_the_app_keeps_running() {
    let root = qnap_root();
    let emu = qnap::spawn(QnapEmulatorConfig::new(root.path(), "alice", PASSWORD))
        .await
        .unwrap();
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("still-here.txt"), b"x").unwrap();
    let mut rt = start(local.path()).await;
    open_remote(&mut rt, &format!("qnap://alice@{}/Public", emu.addr)).await;
    // The password dialog asks three times (#18) before the error.
    for _ in 0..nascmd::app::connect::PASSWORD_TRIES {
        typ(&mut rt, "wrong password").await;
        press(&mut rt, &[KeyCode::Enter]).await;
    }
    let s = screen(&rt);
    assert!(s.contains("Cannot connect"), "{s}");
    assert!(s.contains("login refused"), "{s}");
    assert!(s.contains("The pane stays where it was."), "{s}");
    assert!(!s.contains("AuthFailed"), "raw Rust error on screen: {s}");
    // Close the error: the pane is still the local folder and keys still work.
    press(&mut rt, &[KeyCode::Enter]).await;
    assert!(!rt.app.quit);
    assert_eq!(rt.app.active_pane().cwd, vpath(local.path()));
    go_to(&mut rt, "still-here.txt").await;
    assert!(screen(&rt).contains("local:"));
    emu.shutdown().await.unwrap();
}

/// A QNAP on https with its factory self-signed certificate: the commander shows the
/// certificate and connects only after an explicit yes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed_https_asks_before_trusting_the_certificate() {
    let root = qnap_root();
    let emu = qnap::spawn(QnapEmulatorConfig::new(root.path(), "alice", PASSWORD))
        .await
        .unwrap();
    let front = support::tls_front::TlsFront::start(emu.addr).await;
    let local = tempfile::tempdir().unwrap();
    let mut rt = start(local.path()).await;
    let target = format!("qnaps://alice@{}/Public", front.addr);
    let ask = |rt: &Rt| {
        let s = screen(rt);
        assert!(s.contains("Trust this certificate?"), "{s}");
        assert!(s.contains("CN=QNAP NAS (self-signed)"), "{s}");
        let (first, second) = front.fingerprint.split_at(48);
        assert!(s.contains(first.trim_end_matches(':')), "{s}");
        assert!(s.contains(second), "{s}");
    };

    // Refused: another key says it does nothing here, Esc leaves the pane where it was.
    open_remote(&mut rt, &target).await;
    typ(&mut rt, PASSWORD).await;
    press(&mut rt, &[KeyCode::Enter]).await;
    ask(&rt);
    typ(&mut rt, "x").await;
    ask(&rt);
    let s = screen(&rt);
    assert!(s.contains("x: no action here — F1 lists the keys"), "{s}");
    press(&mut rt, &[KeyCode::Esc]).await;
    assert!(!screen(&rt).contains("Trust this certificate?"));
    assert_eq!(rt.app.active_pane().cwd, vpath(local.path()));

    // Accepted: the pane opens the share over https.
    open_remote(&mut rt, &target).await;
    typ(&mut rt, PASSWORD).await;
    press(&mut rt, &[KeyCode::Enter]).await;
    ask(&rt);
    typ(&mut rt, "y").await;
    let s = screen(&rt);
    assert!(s.contains("top.txt"), "{s}");
    assert!(s.contains("qnap alice@"), "{s}");
    assert_eq!(rt.app.active_pane().cwd.as_str(), "/Public");
    emu.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_factor_asks_for_the_code() {
    let root = qnap_root();
    let mut cfg = QnapEmulatorConfig::new(root.path(), "alice", PASSWORD);
    let secret = "JBSWY3DPEHPK3PXP";
    cfg.users[0].totp_secret = Some(secret.to_owned());
    let emu = qnap::spawn(cfg).await.unwrap();
    let local = tempfile::tempdir().unwrap();
    let mut rt = start(local.path()).await;
    open_remote(&mut rt, &format!("qnap://alice@{}/Public", emu.addr)).await;
    typ(&mut rt, PASSWORD).await;
    press(&mut rt, &[KeyCode::Enter]).await;
    assert!(screen(&rt).contains("6-digit code"), "{}", screen(&rt));
    let code = qnap::current_totp(secret).unwrap();
    typ(&mut rt, &code).await;
    press(&mut rt, &[KeyCode::Enter]).await;
    let s = screen(&rt);
    assert!(s.contains("qnap alice@"), "{s}");
    assert!(s.contains("top.txt"), "{s}");
    emu.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_session_registration_then_folder_copy() {
    let disk = tempfile::tempdir().unwrap();
    std::fs::create_dir(disk.path().join("Vidéos")).unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(disk.path());
    cfg.grant = GrantMode::After(Duration::from_millis(2500));
    let emu = freebox::spawn(cfg).await.unwrap();
    let local = tempfile::tempdir().unwrap();
    let album = local.path().join("album été");
    std::fs::create_dir_all(album.join("inner")).unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 13 % 253) as u8).collect();
    std::fs::write(album.join("photo 1.jpg"), &big).unwrap();
    std::fs::write(album.join("inner/note.txt"), b"bonjour").unwrap();
    let mut rt = start(local.path()).await;

    press(&mut rt, &[KeyCode::Tab]).await;
    settle(&mut rt, vec![alt('n')]).await;
    typ(&mut rt, &format!("freebox://{}/Disque dur", emu.addr)).await;
    // Enter, then look while the box still waits for its button.
    rt.run_for(Duration::from_millis(10)).await.unwrap();
    settle_no_wait(&mut rt, k(KeyCode::Enter)).await;
    rt.run_for(Duration::from_millis(1200)).await.unwrap();
    let s = screen(&rt);
    assert!(
        s.contains("Press the ✓ button on the Freebox to allow nascmd"),
        "{s}"
    );
    assert!(s.contains("waiting for the button press"), "{s}");
    // Granted: the pane lists the disk.
    settle(&mut rt, Vec::new()).await;
    let s = screen(&rt);
    assert!(!s.contains("Press the ✓ button"), "{s}");
    assert!(s.contains("freebox 127.0.0.1"), "{s}");
    assert!(s.contains("/Vidéos"), "{s}");
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), "/Disque dur");

    // Copy a folder to it.
    press(&mut rt, &[KeyCode::Tab]).await;
    go_to(&mut rt, "album été").await;
    press(&mut rt, &[KeyCode::F(5), KeyCode::Enter]).await;
    assert_eq!(
        std::fs::read(disk.path().join("album été/photo 1.jpg")).unwrap(),
        big
    );
    assert_eq!(
        std::fs::read(disk.path().join("album été/inner/note.txt")).unwrap(),
        b"bonjour"
    );
    assert!(screen(&rt).contains("/album été"));

    // No server-side search on a Freebox: the tree is walked, hits land the same way.
    press(&mut rt, &[KeyCode::Tab]).await;
    settle(&mut rt, vec![alt('?')]).await;
    typ(&mut rt, "note").await;
    press(&mut rt, &[KeyCode::Enter]).await;
    let s = screen(&rt);
    assert!(s.contains("/Disque dur/album été/inner/note.txt"), "{s}");
    press(&mut rt, &[KeyCode::Enter]).await;
    let pane = rt.app.pane(Side::Right);
    assert_eq!(pane.cwd.as_str(), "/Disque dur/album été/inner");
    assert_eq!(pane.current_entry().unwrap().name, "note.txt");
    emu.shutdown().await.unwrap();
}

/// Sends one key without waiting for what it starts to finish.
async fn settle_no_wait(rt: &mut Rt, key: KeyEvent) {
    let input = futures_util::stream::iter([Ok(Event::Key(key))]);
    // The registration keeps a task running: "not idle" is expected here.
    let _ = rt.run_until_idle(input, Duration::from_millis(50)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_shares_are_marked() {
    let root = qnap_root();
    let mut cfg = QnapEmulatorConfig::new(root.path(), "guest", PASSWORD);
    cfg.users[0].readonly = true;
    let emu = qnap::spawn(cfg).await.unwrap();
    let local = tempfile::tempdir().unwrap();
    let mut rt = start(local.path()).await;
    open_remote(&mut rt, &format!("qnap://guest@{}/", emu.addr)).await;
    typ(&mut rt, PASSWORD).await;
    press(&mut rt, &[KeyCode::Enter]).await;
    let s = screen(&rt);
    let line = s.lines().find(|l| l.contains("/Public")).unwrap();
    assert!(line.contains("<RO-DIR>"), "{s}");
    emu.shutdown().await.unwrap();
}
