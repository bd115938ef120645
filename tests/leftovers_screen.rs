//! Small things seen on the commander's screen, through the real runtime loop, App and
//! ui on ratatui's `TestBackend`:
//! * a job that sweeps stale temporaries from its target folder and then finishes shows
//!   both on the status line ("Copied 1 item; removed 2 stale temporary files…").

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::{App, Pane};
use nascmd::keymap::Keymap;
use nascmd::runtime::Runtime;
use nascmd::theme::Theme;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

type Rt = Runtime<TestBackend>;

fn vpath(p: &Path) -> VPath {
    VPath::parse(p.to_str().unwrap()).unwrap()
}

async fn start(left: &Path, right: &Path, w: u16, h: u16) -> Rt {
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let (app, cmds) = App::new(
        Pane::new(vfs.clone(), vpath(left)),
        Pane::new(vfs, vpath(right)),
        Keymap::default(),
        Theme::built_in_default(),
    );
    let terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut rt = Runtime::new(terminal, app, cmds).unwrap();
    rt.app.update(nascmd::app::Msg::Resize(w, h));
    settle(&mut rt, Vec::new()).await;
    rt
}

async fn settle(rt: &mut Rt, keys: Vec<KeyEvent>) {
    let input = futures_util::stream::iter(keys.into_iter().map(|k| Ok(Event::Key(k))));
    rt.run_until_idle(input, Duration::from_secs(60))
        .await
        .unwrap();
}

fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn screen(rt: &Rt) -> String {
    let buf = rt.terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

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
    let mut rt = start(l.path(), r.path(), 160, 30).await;
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
