//! `nascmd --demo FOLDER` in a pseudo-terminal: the left pane shows the user's folder,
//! the right one the demo QNAP; quitting removes only the generated demo files, never
//! the user's folder.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

fn wait_for(out: &Arc<Mutex<Vec<u8>>>, what: &str, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if String::from_utf8_lossy(&out.lock().unwrap()).contains(what) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn demo_with_a_folder_shows_it_and_never_removes_it() {
    let folder = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("user-marker.txt"), b"mine").unwrap();

    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_nascmd"));
    cmd.arg("--demo");
    cmd.arg(folder.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
    cmd.env("XDG_STATE_HOME", home.path().join("state"));
    // The generated demo files go here, so the test can see them come and go.
    cmd.env("TMPDIR", tmp.path());
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let out = Arc::new(Mutex::new(Vec::new()));
    let mut reader = pair.master.try_clone_reader().unwrap();
    let sink = out.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let mut writer = pair.master.take_writer().unwrap();

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

    writer.write_all(b"\x1b[21~").unwrap(); // F10
    writer.flush().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
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
