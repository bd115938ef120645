//! The status line after a job swept stale temporaries, through the real runtime loop,
//! App and ui on ratatui's `TestBackend`:
//! * a job that sweeps stale temporaries from its target folder and then finishes shows
//!   both on the status line ("Copied 1 item; removed 2 stale temporary files…").

use crate::support;

use std::path::Path;
use std::time::Duration;

use crossterm::event::KeyCode;
use support::screen::*;

/// A file of nascmd's temporary naming, two days old.
fn old_temporary(path: &Path, len: usize) {
    std::fs::write(path, vec![b'x'; len]).unwrap();
    let two_days_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(two_days_ago).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_that_swept_its_target_says_both() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    std::fs::write(l.path().join("a.txt"), b"hello").unwrap();
    let mut rt = start_sized(l.path(), r.path(), 160, 30).await;
    // Left after the right pane was listed (whose listing would sweep them).
    old_temporary(&r.path().join(".nascmd-part-0badc0de-movie.mkv"), 3000);
    old_temporary(&r.path().join(".nascmd-part-0badc0de.resume"), 100);
    settle(
        &mut rt,
        vec![k(KeyCode::Down), k(KeyCode::F(5)), k(KeyCode::Enter)],
    )
    .await;
    let s = screen(&rt);
    assert!(r.path().join("a.txt").exists(), "{s}");
    assert!(
        !r.path().join(".nascmd-part-0badc0de.resume").exists(),
        "{s}"
    );
    let status = s.lines().nth(28).unwrap();
    assert!(status.contains("Copied 1 item"), "{status:?}\n{s}");
    assert!(
        status.contains("removed 2 stale temporary files from"),
        "{status:?}\n{s}"
    );
    // The next key: the line is seen, the next message stands alone.
    settle(&mut rt, vec![k(KeyCode::F(5)), k(KeyCode::Enter)]).await;
    let s = screen(&rt);
    assert!(!s.contains("stale temporary"), "{s}");
}
