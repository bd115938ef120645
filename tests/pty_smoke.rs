//! Runs the real binary in a pseudo-terminal: it must draw both panes, quit on F10 and
//! leave the terminal as it found it (alternate screen left, raw mode off).

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
fn binary_draws_both_panes_quits_on_f10_and_restores_the_terminal() {
    let left = tempfile::tempdir().unwrap();
    let right = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(left.path().join("left-marker.txt"), b"l").unwrap();
    std::fs::write(right.path().join("right-marker.txt"), b"r").unwrap();

    let pty = native_pty_system();
    let pair = pty
        .openpty(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_nascmd"));
    cmd.arg(left.path());
    cmd.arg(right.path());
    cmd.env("TERM", "xterm-256color");
    // Keep the user's config and logs out of it.
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
    cmd.env("XDG_STATE_HOME", home.path().join("state"));
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
        wait_for(&out, "left-marker.txt", limit),
        "left pane not drawn"
    );
    assert!(
        wait_for(&out, "right-marker.txt", limit),
        "right pane not drawn"
    );
    assert!(wait_for(&out, "Quit", limit), "function-key bar not drawn");

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
    // Give the reader thread the last bytes.
    wait_for(&out, "\x1b[?1049l", Duration::from_secs(5));
    let text = String::from_utf8_lossy(&out.lock().unwrap()).into_owned();
    let entered = text
        .find("\x1b[?1049h")
        .expect("never entered the alternate screen");
    let left_at = text
        .rfind("\x1b[?1049l")
        .expect("alternate screen not left");
    assert!(left_at > entered);
    assert!(
        text[left_at..].contains("\x1b[?25h"),
        "cursor not shown again"
    );
}
