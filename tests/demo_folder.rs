//! `nascmd --demo FOLDER` in a pseudo-terminal: the left pane shows the user's folder,
//! the right one the demo QNAP; quitting removes only the generated demo files, never
//! the user's folder.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support;
use support::pty::{Pty, wait_for};

#[test]
fn demo_with_a_folder_shows_it_and_never_removes_it() {
    let folder = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("user-marker.txt"), b"mine").unwrap();

    let mut cmd = Pty::command(&[Path::new("--demo"), folder.path()]);
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
    cmd.env("XDG_STATE_HOME", home.path().join("state"));
    // The generated demo files go here, so the test can see them come and go.
    cmd.env("TMPDIR", tmp.path());
    let mut pty = Pty::spawn(cmd, 120, 30);
    let out = pty.out.clone();

    let limit = Duration::from_secs(30);
    assert!(
        wait_for(&out, "user-marker.txt", limit),
        "the folder is not shown"
    );
    assert!(
        wait_for(&out, "qnap demo@", limit),
        "the demo NAS is not in the right pane"
    );
    let generated = std::fs::read_dir(tmp.path()).unwrap().count();
    assert!(generated > 0, "no demo files made under TMPDIR");

    pty.send(b"\x1b[21~"); // F10
    let start = Instant::now();
    let status = loop {
        if let Some(s) = pty.child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < limit, "did not quit on F10");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(
        std::fs::read(folder.path().join("user-marker.txt")).unwrap(),
        b"mine"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "demo files left behind: {left:?}");
}
