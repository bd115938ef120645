//! The full-screen viewer (F3) tells a key it has no use for, on its bottom line, as
//! the panes do on the status line ("Alt-Z: no action here — F1 lists the keys"), and
//! gives the line back to its key hint soon after; F1 shows the help over it. The
//! real runtime loop, App and ui on ratatui's `TestBackend`.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::Msg;
use support::screen::*;

const HINT: &str = "PgUp PgDn Home End: scroll";

async fn start(dir: &Path) -> Rt {
    start_sized(dir, dir, 80, 24).await
}

fn bottom(rt: &Rt) -> String {
    lines(rt).last().cloned().unwrap_or_default()
}

/// The key through the app and onto the screen, before any timer it starts has run.
fn key_now(rt: &mut Rt, key: KeyEvent) {
    rt.app.update(Msg::Key(key));
    rt.render().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unbound_key_in_the_viewer_says_so_on_its_bottom_line_for_a_moment() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (1..=200).map(|i| format!("line {i}\n")).collect();
    std::fs::write(dir.path().join("notes.txt"), text).unwrap();
    let mut rt = start(dir.path()).await;
    settle(&mut rt, vec![k(KeyCode::Down), k(KeyCode::F(3))]).await;
    assert!(
        lines(&rt).iter().any(|l| l.contains("line 1 ")),
        "{:?}",
        lines(&rt)
    );
    assert!(bottom(&rt).contains(HINT), "{}", bottom(&rt));

    // Alt-Z means nothing in the viewer: its bottom line says so.
    key_now(
        &mut rt,
        KeyEvent::new(KeyCode::Char('z'), KeyModifiers::ALT),
    );
    let line = bottom(&rt);
    assert!(
        line.contains("Alt-Z: no action here — F1 lists the keys"),
        "{line}"
    );
    assert!(!line.contains(HINT), "{line}");
    // The next key gives the hint back (and does its own work).
    key_now(&mut rt, k(KeyCode::Down));
    assert!(bottom(&rt).contains(HINT), "{}", bottom(&rt));

    // Through the loop: the note goes away by itself, soon.
    let started = Instant::now();
    settle(&mut rt, vec![k(KeyCode::Char('x'))]).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(bottom(&rt).contains(HINT), "{}", bottom(&rt));
    let said = rt
        .app
        .messages
        .newest_first()
        .next()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert_eq!(said, "x: no action here — F1 lists the keys");
    // Still the viewer.
    assert!(lines(&rt).iter().any(|l| l.contains("notes.txt")));

    // F1 shows the help over the viewer; Esc goes back to the viewer.
    settle(&mut rt, vec![k(KeyCode::F(1))]).await;
    let s = lines(&rt).join("\n");
    assert!(s.contains("Keys (↑/↓ PgUp/PgDn"), "{s}");
    settle(&mut rt, vec![k(KeyCode::Esc)]).await;
    assert!(bottom(&rt).contains(HINT), "{}", bottom(&rt));
    assert!(lines(&rt).iter().any(|l| l.contains("notes.txt")));
}
