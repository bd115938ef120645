//! Ctrl-Q quick view and the function-key bar at narrow widths (issue 18), driven through
//! the real runtime loop on ratatui's `TestBackend`, over real folders and the QNAP
//! emulator, reading the drawn screen.

use crate::support;

use std::path::Path;

use crossterm::event::KeyCode;
use nascmd::app::Side;
use nascmd::clipboard::ClipboardMode;
use support::screen::*;

/// The columns `x0..x1` of every row, joined by newlines (one pane's rectangle).
fn columns(rt: &Rt, x0: u16, x1: u16) -> String {
    let buf = rt.terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in x0..x1.min(buf.area.width) {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn last_row(rt: &Rt) -> String {
    let s = screen(rt);
    s.lines().last().unwrap_or_default().to_owned()
}

/// `a.txt` (text), `b.bin` (binary), `c.txt`, and the folder `sub`.
fn sample(dir: &Path) {
    std::fs::write(dir.join("a.txt"), b"alpha first line\nalpha second line\n").unwrap();
    let mut bin = vec![0u8, 1, 2, 3];
    bin.extend_from_slice(b"BINARY");
    std::fs::write(dir.join("b.bin"), &bin).unwrap();
    std::fs::write(dir.join("c.txt"), b"charlie\n").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_q_shows_the_file_under_the_cursor_in_the_other_pane_and_follows_it() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    sample(l.path());
    std::fs::write(r.path().join("right-only.txt"), b"r").unwrap();
    let mut rt = start_sized(l.path(), r.path(), 80, 24).await;
    go_to(&mut rt, "a.txt").await;
    assert!(columns(&rt, 40, 80).contains("right-only.txt"));

    keys(&mut rt, &[ctrl('q')]).await;
    let right = columns(&rt, 40, 80);
    assert!(right.contains("Quick view (Ctrl-Q)"), "{right}");
    assert!(right.contains("a.txt  35 bytes  text"), "{right}");
    assert!(right.contains("alpha first line"), "{right}");
    assert!(right.contains("alpha second line"), "{right}");
    assert!(!right.contains("right-only.txt"), "{right}");
    // The left pane is still the file list, cursor where it was.
    assert!(columns(&rt, 0, 40).contains("a.txt"));

    // Down moves the cursor in the active pane; the view follows, in hex for binary.
    keys(&mut rt, &[k(KeyCode::Down)]).await;
    assert_eq!(
        rt.app
            .active_pane()
            .current_entry()
            .map(|e| e.name.as_str()),
        Some("b.bin")
    );
    let right = columns(&rt, 40, 80);
    assert!(right.contains("b.bin  10 bytes  hex"), "{right}");
    assert!(right.contains("00000000  00 01 02 03 42"), "{right}");
    assert!(!right.contains("alpha first line"), "{right}");

    // A folder under the cursor: a line saying so.
    go_to(&mut rt, "sub").await;
    let right = columns(&rt, 40, 80);
    assert!(right.contains("sub/ is a folder"), "{right}");

    // Ctrl-Q again: the pane's own listing is back.
    keys(&mut rt, &[ctrl('q')]).await;
    let right = columns(&rt, 40, 80);
    assert!(!right.contains("Quick view"), "{right}");
    assert!(right.contains("right-only.txt"), "{right}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quick_view_of_a_file_changed_on_disk_shows_the_new_text_after_a_reload() {
    let l = tempfile::tempdir().unwrap();
    sample(l.path());
    let mut rt = start_sized(l.path(), l.path(), 80, 24).await;
    go_to(&mut rt, "c.txt").await;
    keys(&mut rt, &[ctrl('q')]).await;
    assert!(columns(&rt, 40, 80).contains("charlie"));
    std::fs::write(l.path().join("c.txt"), b"changed text, longer\n").unwrap();
    keys(&mut rt, &[ctrl('r')]).await;
    let right = columns(&rt, 40, 80);
    assert!(right.contains("changed text, longer"), "{right}");
    assert!(!right.contains("charlie"), "{right}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tab_puts_the_quick_view_opposite_the_newly_active_pane() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    sample(l.path());
    std::fs::write(r.path().join("right-only.txt"), b"from the right pane\n").unwrap();
    let mut rt = start_sized(l.path(), r.path(), 80, 24).await;
    go_to(&mut rt, "a.txt").await;
    keys(&mut rt, &[ctrl('q'), k(KeyCode::Tab)]).await;
    assert_eq!(rt.app.active, Side::Right);
    go_to(&mut rt, "right-only.txt").await;
    let left = columns(&rt, 0, 40);
    assert!(left.contains("Quick view"), "{left}");
    assert!(left.contains("from the right pane"), "{left}");
    assert!(columns(&rt, 40, 80).contains("right-only.txt"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_q_views_a_file_of_a_nas_pane_through_the_nas() {
    let nas = support::share::qnap_nas().await;
    let mut body = String::new();
    for i in 0..40_000 {
        body.push_str(&format!("report line {i}\n"));
    }
    std::fs::write(nas.disk.join("report.txt"), &body).unwrap();
    std::fs::create_dir(nas.disk.join("photos")).unwrap();
    let mut s = support::share::start(&nas, ClipboardMode::System, support::share::desktop()).await;
    s.reload().await;
    s.go_to("report.txt").await;
    s.press(ctrl('q')).await;
    let screen = s.screen();
    let left: String = screen
        .lines()
        .map(|l| l.chars().take(70).collect::<String>() + "\n")
        .collect();
    assert!(left.contains("Quick view"), "{left}");
    assert!(
        left.contains(&format!("report.txt  {} bytes  text", body.len())),
        "{left}"
    );
    assert!(left.contains("report line 0"), "{left}");
    assert!(left.contains("report line 1"), "{left}");
    // The read went to the NAS (a download from the emulator).
    let log = nas.requests.lines().join("\n");
    assert!(log.contains("download"), "{log}");

    s.go_to("photos").await;
    assert!(s.screen().contains("photos/ is a folder"), "{}", s.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_key_bar_at_80_columns_keeps_whole_labels() {
    let l = tempfile::tempdir().unwrap();
    let rt = start_sized(l.path(), l.path(), 80, 24).await;
    let bar = last_row(&rt);
    let words: Vec<&str> = bar.split_whitespace().collect();
    assert_eq!(
        words.join(" "),
        "1Help 2Link 3View 4Edit 5Copy 6RenMov 7Mkdir 8Delete 9Menu 10Quit",
        "{bar:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_key_bar_at_60_columns_uses_short_labels_never_cut_ones() {
    let l = tempfile::tempdir().unwrap();
    let rt = start_sized(l.path(), l.path(), 60, 20).await;
    let bar = last_row(&rt);
    assert!(!bar.contains('…'), "{bar:?}");
    let words: Vec<&str> = bar.split_whitespace().collect();
    assert_eq!(
        words.join(" "),
        "1Help 2Link 3View 4Edit 5Copy 6Ren 7Mkd 8Del 9Menu 10Quit",
        "{bar:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quick_view_fits_a_60_by_20_screen() {
    let l = tempfile::tempdir().unwrap();
    sample(l.path());
    let mut rt = start_sized(l.path(), l.path(), 60, 20).await;
    go_to(&mut rt, "a.txt").await;
    keys(&mut rt, &[ctrl('q')]).await;
    let right = columns(&rt, 30, 60);
    assert!(right.contains("Quick view (Ctrl-Q)"), "{right}");
    assert!(right.contains("alpha first line"), "{right}");
    assert!(!last_row(&rt).contains('…'));
}
