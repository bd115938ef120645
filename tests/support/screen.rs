//! The commander on ratatui's `TestBackend`, driven through the real runtime loop: the
//! start over local panes, keys, settling, and reading the screen back. Every screen
//! test file uses these instead of its own copy.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::{App, Pane};
use nascmd::keymap::Keymap;
use nascmd::runtime::{ConnectContext, Runtime};
use nascmd::theme::Theme;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub type Rt = Runtime<TestBackend>;

/// How long `settle` lets the loop run before it fails the test.
pub const SETTLE_LIMIT: Duration = Duration::from_secs(60);

pub fn vpath(p: &Path) -> VPath {
    VPath::parse(p.to_str().unwrap()).unwrap()
}

/// The app over two local panes on `left` and `right`, and the commands it starts with.
pub fn local_app(left: &Path, right: &Path, keymap: Keymap) -> (App, Vec<nascmd::app::Cmd>) {
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    App::new(
        Pane::new(vfs.clone(), vpath(left)),
        Pane::new(vfs, vpath(right)),
        keymap,
        Theme::built_in_default(),
    )
}

/// The runtime over two local panes on a `w`×`h` terminal, not yet settled.
pub fn runtime(left: &Path, right: &Path, keymap: Keymap, w: u16, h: u16) -> Rt {
    let (app, cmds) = local_app(left, right, keymap);
    let terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    Runtime::new(terminal, app, cmds).unwrap()
}

/// Two local panes, default keys, `w`×`h`, settled.
pub async fn start_sized(left: &Path, right: &Path, w: u16, h: u16) -> Rt {
    let mut rt = runtime(left, right, Keymap::default(), w, h);
    settle(&mut rt, Vec::new()).await;
    rt
}

/// Two local panes, default keys, 120×40, settled.
pub async fn start(left: &Path, right: &Path) -> Rt {
    start_sized(left, right, 120, 40).await
}

/// Two local panes, default keys, 120×40, connecting only with what `ctx` knows
/// (`ConnectContext::isolated()`: nothing from the environment or the user's secrets).
pub async fn start_with_context(left: &Path, right: &Path, ctx: ConnectContext) -> Rt {
    let mut rt = runtime_with_context(left, right, 120, 40, ctx);
    settle(&mut rt, Vec::new()).await;
    rt
}

/// The runtime over two local panes, default keys, on a `w`×`h` terminal, connecting
/// with what `ctx` knows; not yet settled.
pub fn runtime_with_context(left: &Path, right: &Path, w: u16, h: u16, ctx: ConnectContext) -> Rt {
    let (app, cmds) = local_app(left, right, Keymap::default());
    let terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    Runtime::with_connect_context(terminal, app, cmds, ctx).unwrap()
}

/// Feeds `keys` and runs the loop until everything they started has settled.
pub async fn settle(rt: &mut Rt, keys: Vec<KeyEvent>) {
    settle_within(rt, keys, SETTLE_LIMIT).await;
}

/// `settle` with another limit.
pub async fn settle_within(rt: &mut Rt, keys: Vec<KeyEvent>, limit: Duration) {
    let input = futures_util::stream::iter(keys.into_iter().map(|k| Ok(Event::Key(k))));
    rt.run_until_idle(input, limit).await.unwrap();
}

pub fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ch(c: char) -> KeyEvent {
    k(KeyCode::Char(c))
}

pub fn alt(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// `s` as typed keys.
pub fn text(s: &str) -> Vec<KeyEvent> {
    s.chars().map(ch).collect()
}

/// Plain keys, then settle.
pub async fn press(rt: &mut Rt, keys: &[KeyCode]) {
    settle(rt, keys.iter().map(|&c| k(c)).collect()).await;
}

pub async fn keys(rt: &mut Rt, keys: &[KeyEvent]) {
    settle(rt, keys.to_vec()).await;
}

/// Types `s`, then settle.
pub async fn typ(rt: &mut Rt, s: &str) {
    settle(rt, text(s)).await;
}

/// The rows of the screen.
pub fn lines(rt: &Rt) -> Vec<String> {
    let buf = rt.terminal.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

/// The whole screen, a line a row.
pub fn screen(rt: &Rt) -> String {
    let mut out = String::new();
    for row in lines(rt) {
        out.push_str(&row);
        out.push('\n');
    }
    out
}

/// The name under the active pane's cursor.
pub fn cursor_name(rt: &Rt) -> Option<String> {
    rt.app.active_pane().current_entry().map(|e| e.name.clone())
}

/// Moves the cursor of the active pane onto `name` with jump-to-name (Ctrl-S, the name,
/// Esc); fails the test, showing the screen, when it is not there.
pub async fn go_to(rt: &mut Rt, name: &str) {
    let mut keys = vec![ctrl('s')];
    keys.extend(text(name));
    keys.push(k(KeyCode::Esc));
    settle(rt, keys).await;
    assert_eq!(
        cursor_name(rt).as_deref(),
        Some(name),
        "cursor not on {name}\n{}",
        screen(rt)
    );
}
