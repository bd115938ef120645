//! The interactive loop (`Runtime::run`) draws only when something changed, and a burst
//! of events becomes one frame, not one frame per event.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::{Stream, StreamExt, stream};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::Runtime;
use crate::app::{App, Pane};
use crate::keymap::Keymap;
use crate::theme::Theme;
use crate::vfs::local::LocalFs;
use crate::vfs::{VPath, VfsHandle};

fn key(code: KeyCode) -> io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// A runtime on a folder of 300 files (both panes).
fn runtime(dir: &std::path::Path) -> Runtime<TestBackend> {
    for i in 0..300 {
        std::fs::write(dir.join(format!("f{i:03}")), b"x").unwrap();
    }
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let path = VPath::parse(dir.to_str().unwrap()).unwrap();
    let (app, cmds) = App::new(
        Pane::new(vfs.clone(), path.clone()),
        Pane::new(vfs, path),
        Keymap::default(),
        Theme::built_in_default(),
    );
    Runtime::new(Terminal::new(TestBackend::new(120, 40)).unwrap(), app, cmds).unwrap()
}

/// `first`, then nothing for `quiet`, then F10.
fn then_quiet_then_quit(
    first: Vec<io::Result<Event>>,
    quiet: Duration,
) -> impl Stream<Item = io::Result<Event>> + Unpin {
    let quit = stream::once(async move {
        tokio::time::sleep(quiet).await;
        key(KeyCode::F(10))
    });
    stream::iter(first).chain(quit).boxed()
}

async fn run_to_end(
    rt: &mut Runtime<TestBackend>,
    input: impl Stream<Item = io::Result<Event>> + Unpin,
) {
    // No child process runs here: the input is opened once.
    let mut input = Some(input);
    let open = move || input.take().expect("input opened once");
    tokio::time::timeout(Duration::from_secs(60), rt.run(open))
        .await
        .expect("the loop did not quit")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_drawn_while_nothing_happens() {
    let dir = tempfile::tempdir().unwrap();
    let mut rt = runtime(dir.path());
    run_to_end(
        &mut rt,
        then_quiet_then_quit(Vec::new(), Duration::from_millis(600)),
    )
    .await;
    // The first frame, then the two listings arriving (possibly one frame each); a
    // loop redrawing on a timer would have drawn ~36 frames in 600 ms.
    assert!(
        (1..=6).contains(&rt.frames),
        "{} frames while idle",
        rt.frames
    );
    assert_eq!(
        rt.app.panes[0].entries().len(),
        300,
        "the listing never arrived"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_keys_is_drawn_in_a_few_frames() {
    let dir = tempfile::tempdir().unwrap();
    let mut rt = runtime(dir.path());
    // Let the listings arrive first, so every key below moves the cursor.
    run_to_end(
        &mut rt,
        then_quiet_then_quit(Vec::new(), Duration::from_millis(200)),
    )
    .await;
    rt.app.quit = false;
    let before = rt.frames;
    let burst: Vec<_> = (0..1000)
        .map(|i| {
            key(if i % 2 == 0 {
                KeyCode::Down
            } else {
                KeyCode::Up
            })
        })
        .chain(std::iter::once(key(KeyCode::End)))
        .collect();
    run_to_end(
        &mut rt,
        then_quiet_then_quit(burst, Duration::from_millis(100)),
    )
    .await;
    let frames = rt.frames - before;
    // At most one frame per 16 ms while the burst is handled, plus the last state: far
    // fewer than the 1001 events (a frame per event would be 1001).
    assert!(frames <= 60, "{frames} frames for 1001 keys");
    // The last frame shows the end of the burst: the cursor on the last file.
    let screen = format!("{:?}", rt.terminal.backend().buffer());
    assert!(screen.contains("f299"), "the final state was not drawn");
    assert_eq!(
        rt.app.panes[0].current_entry().map(|e| e.name.as_str()),
        Some("f299")
    );
}
