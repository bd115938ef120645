//! The share form offers only what the NAS can do (#18): no access code field on a
//! Freebox, whose links take none; a link that cannot be made never leaves "Making a
//! link…" on the status line. Real emulators, the real runtime loop and ui.

use crate::support;

use crossterm::event::KeyCode;
use nascmd::clipboard::ClipboardMode;
use support::share::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_freebox_share_form_has_no_access_code_field() {
    let nas = freebox_nas(true).await;
    write(&nas.disk, "photo.jpg", b"not really a jpeg");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("photo.jpg").await;
    s.press(alt('l')).await;
    let screen = s.screen();
    assert!(screen.contains("Expires after"), "{screen}");
    assert!(!screen.contains("Access code"), "{screen}");
    assert!(screen.contains("takes no access code"), "{screen}");
    s.press(k(KeyCode::Enter)).await;
    assert_eq!(
        s.status(),
        "Link to photo.jpg copied to the system clipboard",
        "{}",
        s.screen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qnap_share_form_keeps_its_access_code_field() {
    let nas = qnap_nas().await;
    write(&nas.disk, "photo.jpg", b"not really a jpeg");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("photo.jpg").await;
    s.press(alt('l')).await;
    assert!(s.screen().contains("Access code"), "{}", s.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_that_fails_after_ok_says_so_on_the_status_line() {
    let nas = freebox_nas(true).await;
    write(&nas.disk, "gone.txt", b"soon removed");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("gone.txt").await;
    s.press(alt('l')).await;
    std::fs::remove_file(nas.disk.join("gone.txt")).unwrap();
    s.press(k(KeyCode::Enter)).await;
    let status = s.status();
    assert!(!status.contains("Making"), "{status}: {}", s.screen());
    assert!(status.contains("could not be made"), "{status}");
}
