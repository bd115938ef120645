//! Every one-line text field edits like a shell line (Alt-B/F/D as Meta) and says so when
//! a chord does nothing there, instead of dropping it: the F7 make-a-folder dialog and the
//! `/` quick filter, through the real runtime loop on an 80×24 `TestBackend`.

use crate::support;

use crossterm::event::KeyCode;
use nascmd::app::Side;
use support::jobs::write;
use support::screen::*;

fn status(rt: &Rt) -> Option<String> {
    rt.app.status.as_ref().map(|s| s.text.clone())
}

const ALT_Z: &str = "Alt-Z: no action here — F1 lists the keys";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mkdir_field_says_when_a_chord_does_nothing_and_alt_b_moves_by_word() {
    let left = tempfile::tempdir().unwrap();
    let right = tempfile::tempdir().unwrap();
    let mut rt = start_sized(left.path(), right.path(), 80, 24).await;
    let mut ks = vec![k(KeyCode::F(7))];
    ks.extend(text("new folder"));
    settle(&mut rt, ks).await;
    assert!(screen(&rt).contains("new folder"), "{}", screen(&rt));
    settle(&mut rt, vec![alt('z')]).await;
    assert_eq!(status(&rt).as_deref(), Some(ALT_Z), "{}", screen(&rt));
    assert!(screen(&rt).contains("new folder"), "{}", screen(&rt));
    // Alt-B: back to the start of "folder", as readline's Meta-B.
    let mut ks = vec![alt('b')];
    ks.extend(text("big "));
    settle(&mut rt, ks).await;
    assert!(screen(&rt).contains("new big folder"), "{}", screen(&rt));
    settle(&mut rt, vec![k(KeyCode::Enter)]).await;
    assert!(
        left.path().join("new big folder").is_dir(),
        "{}",
        screen(&rt)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_filter_says_when_a_chord_does_nothing_and_alt_b_moves_by_word() {
    let left = tempfile::tempdir().unwrap();
    let right = tempfile::tempdir().unwrap();
    for name in ["report.txt", "port.log", "other.txt"] {
        write(&left.path().join(name), b"x");
    }
    let mut rt = start_sized(left.path(), right.path(), 80, 24).await;
    let mut ks = vec![ch('/')];
    ks.extend(text("port"));
    settle(&mut rt, ks).await;
    let s = screen(&rt);
    assert!(s.contains("filter: port") && s.contains("port.log"), "{s}");
    assert!(!s.contains("other.txt"), "{s}");
    settle(&mut rt, vec![alt('z')]).await;
    assert_eq!(status(&rt).as_deref(), Some(ALT_Z), "{}", screen(&rt));
    assert!(screen(&rt).contains("filter: port "), "{}", screen(&rt));
    // Alt-B then "re": the filter is "report", port.log goes.
    settle(&mut rt, vec![alt('b'), ch('r'), ch('e')]).await;
    let s = screen(&rt);
    assert!(
        s.contains("filter: report") && s.contains("report.txt"),
        "{s}"
    );
    assert!(!s.contains("port.log"), "{s}");
    assert_eq!(rt.app.pane(Side::Left).filter, "report");
}

/// Ctrl-U kills from the cursor back to the start of the line and keeps what follows, as
/// readline (bash) does; Ctrl-Y puts it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_u_in_the_mkdir_field_keeps_what_is_after_the_cursor() {
    let left = tempfile::tempdir().unwrap();
    let right = tempfile::tempdir().unwrap();
    let mut rt = start_sized(left.path(), right.path(), 80, 24).await;
    let mut ks = vec![k(KeyCode::F(7))];
    ks.extend(text("old draft report"));
    ks.extend([alt('b'), ctrl('u')]);
    settle(&mut rt, ks).await;
    let s = screen(&rt);
    assert!(s.contains("report") && !s.contains("draft"), "{s}");
    // Ctrl-Y puts it back where the cursor is.
    settle(&mut rt, vec![ctrl('y'), ch('X')]).await;
    assert!(screen(&rt).contains("old draft Xreport"), "{}", screen(&rt));
    settle(
        &mut rt,
        vec![ctrl('u'), ch('n'), ch('o'), k(KeyCode::Enter)],
    )
    .await;
    assert!(left.path().join("noreport").is_dir(), "{}", screen(&rt));
}
