//! Share links from the commander, end to end: the real runtime loop, App and ui on
//! ratatui's `TestBackend`, a NAS pane on the project's QNAP or Freebox emulator
//! (loopback, real temp folders), an injected clipboard. Keys are typed as a user would;
//! each URL that reaches the clipboard is then fetched over HTTP like a recipient would.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::{App, Pane, Side};
use nascmd::clipboard::{Clipboard, ClipboardEnv, ClipboardMode, MemoryClipboard};
use nascmd::emulator::RunningEmulator;
use nascmd::emulator::freebox::{self, FreeboxEmulatorConfig};
use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
use nascmd::keymap::Keymap;
use nascmd::nas::freebox::{
    AppInfo, AuthStatus, FreeboxConfig, FreeboxVfs, poll_authorization, register,
};
use nascmd::nas::qnap::{QnapConfig, QnapVfs};
use nascmd::runtime::Runtime;
use nascmd::secret::Secret;
use nascmd::theme::Theme;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

type Rt = Runtime<TestBackend>;

/// A NAS emulator with a connected backend; `dir` is the folder the pane opens on, which
/// is `disk` on the local disk.
struct Nas {
    _tmp: tempfile::TempDir,
    _emu: RunningEmulator,
    disk: PathBuf,
    vfs: VfsHandle,
    dir: VPath,
}

async fn qnap_nas() -> Nas {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("nas");
    std::fs::create_dir_all(root.join("Public")).unwrap();
    let emu = qnap::spawn(QnapEmulatorConfig::new(&root, "alice", "pw"))
        .await
        .unwrap();
    let vfs = QnapVfs::connect(QnapConfig {
        base_url: emu.base_url.clone(),
        user: "alice".into(),
        password: Secret::new("pw"),
        ..QnapConfig::default()
    })
    .await
    .unwrap();
    Nas {
        _tmp: tmp,
        _emu: emu,
        disk: root.join("Public"),
        vfs: Arc::new(vfs),
        dir: VPath::parse("/Public").unwrap(),
    }
}

async fn freebox_nas(remote_access: bool) -> Nas {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(tmp.path());
    cfg.remote_access = remote_access;
    let emu = freebox::spawn(cfg).await.unwrap();
    let info = AppInfo {
        app_id: "fr.nascmd.test".into(),
        app_name: "nascmd".into(),
        app_version: "0.1.0".into(),
        device_name: "test machine".into(),
    };
    let reg = register(&emu.base_url, &info).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match poll_authorization(&emu.base_url, reg.track_id)
            .await
            .unwrap()
        {
            AuthStatus::Granted => break,
            AuthStatus::Pending if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            other => panic!("registration ended as {other:?}"),
        }
    }
    let vfs = FreeboxVfs::connect(FreeboxConfig {
        base_url: emu.base_url.clone(),
        app_id: info.app_id,
        app_token: reg.app_token,
    })
    .await
    .unwrap();
    Nas {
        disk: tmp.path().to_path_buf(),
        _tmp: tmp,
        _emu: emu,
        vfs: Arc::new(vfs),
        dir: VPath::parse("/Disque dur").unwrap(),
    }
}

/// Bytes written to "the terminal" outside frames (OSC 52).
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<u8>>>);

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Screen {
    rt: Rt,
    clipboard: Arc<MemoryClipboard>,
    terminal_out: Recorder,
    _local: tempfile::TempDir,
}

/// A desktop with a display: the system route goes to the injected memory clipboard.
fn desktop() -> ClipboardEnv {
    ClipboardEnv {
        x11_display: true,
        ..ClipboardEnv::default()
    }
}

/// The commander with a local left pane and the NAS in the right pane (active).
async fn start(nas: &Nas, mode: ClipboardMode, env: ClipboardEnv) -> Screen {
    let local = tempfile::tempdir().unwrap();
    let lv: VfsHandle = Arc::new(LocalFs::new());
    let here = VPath::parse(local.path().to_str().unwrap()).unwrap();
    let (mut app, mut cmds) = App::new(
        Pane::new(lv.clone(), here.clone()),
        Pane::new(lv, here),
        Keymap::default(),
        Theme::built_in_default(),
    );
    cmds.extend(app.open_pane(Side::Right, nas.vfs.clone(), nas.dir.clone()));
    app.active = Side::Right;
    let clipboard = Arc::new(MemoryClipboard::new());
    let terminal_out = Recorder::default();
    let terminal = Terminal::new(TestBackend::new(140, 40)).unwrap();
    let rt = Runtime::new(terminal, app, cmds)
        .unwrap()
        .with_clipboard(Clipboard::with_parts(mode, env, clipboard.clone()))
        .with_terminal_output(Box::new(terminal_out.clone()));
    let mut s = Screen {
        rt,
        clipboard,
        terminal_out,
        _local: local,
    };
    s.keys(Vec::new()).await;
    s
}

fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn alt(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)
}

fn text(s: &str) -> Vec<KeyEvent> {
    s.chars().map(|c| k(KeyCode::Char(c))).collect()
}

impl Screen {
    async fn keys(&mut self, keys: Vec<KeyEvent>) {
        let input = futures_util::stream::iter(keys.into_iter().map(|k| Ok(Event::Key(k))));
        self.rt
            .run_until_idle(input, Duration::from_secs(60))
            .await
            .unwrap();
    }

    async fn press(&mut self, key: KeyEvent) {
        self.keys(vec![key]).await;
    }

    /// Re-lists both panes (files were made on the NAS disk behind its back).
    async fn reload(&mut self) {
        self.press(ctrl('r')).await;
    }

    /// Moves the cursor onto `name` with jump-to-name.
    async fn go_to(&mut self, name: &str) {
        let mut keys = vec![ctrl('s')];
        keys.extend(text(name));
        keys.push(k(KeyCode::Esc));
        self.keys(keys).await;
        let pane = self.rt.app.active_pane();
        assert_eq!(
            pane.current_entry().map(|e| e.name.as_str()),
            Some(name),
            "cursor not on {name}"
        );
    }

    fn screen(&self) -> String {
        let buf = self.rt.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    fn status(&self) -> String {
        self.rt
            .app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }
}

/// What a recipient gets from a URL: the body when it is a success, `None` otherwise.
async fn fetch(url: &str) -> Option<Vec<u8>> {
    let resp = reqwest::get(url).await.unwrap();
    if !resp.status().is_success() {
        return None;
    }
    Some(resp.bytes().await.unwrap().to_vec())
}

/// Serves `expected`? (QNAP answers a locked or expired link with an HTML page and 200.)
async fn serves(url: &str, expected: &[u8]) -> bool {
    fetch(url).await.as_deref() == Some(expected)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Parses the plain `ESC ] 52 ; c ; <base64> BEL` sequence out of terminal bytes.
fn osc52_text(bytes: &[u8]) -> String {
    let start = bytes
        .windows(7)
        .position(|w| w == b"\x1b]52;c;")
        .expect("an OSC 52 sequence")
        + 7;
    let end = bytes[start..].iter().position(|&b| b == 0x07).unwrap() + start;
    String::from_utf8(BASE64.decode(&bytes[start..end]).unwrap()).unwrap()
}

async fn key_copies_a_serving_url(nas: Nas) {
    write(&nas.disk, "photo.jpg", b"\xff\xd8 not really a jpeg");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("photo.jpg").await;
    s.press(k(KeyCode::F(2))).await;
    let url = s.clipboard.last().expect("a URL in the clipboard");
    assert!(url.starts_with("http"), "{url}");
    assert!(!url.contains('\n'));
    assert_eq!(
        s.status(),
        "Link to photo.jpg copied to the system clipboard"
    );
    assert!(s.screen().contains("copied to the system clipboard"));
    assert!(serves(&url, b"\xff\xd8 not really a jpeg").await);
    // Nothing went to the terminal on the system route.
    assert!(s.terminal_out.0.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_key_copies_a_url_that_serves_the_file() {
    key_copies_a_serving_url(qnap_nas().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_key_copies_a_url_that_serves_the_file() {
    key_copies_a_serving_url(freebox_nas(true).await).await;
}

async fn osc52_route(nas: Nas) {
    write(&nas.disk, "report.pdf", b"%PDF-1.7 pretend");
    let mut s = start(&nas, ClipboardMode::Osc52, desktop()).await;
    s.go_to("report.pdf").await;
    let frames = s.rt.frames;
    s.press(k(KeyCode::F(2))).await;
    assert!(s.clipboard.texts().is_empty(), "the system route was used");
    let bytes = s.terminal_out.0.lock().unwrap().clone();
    let url = osc52_text(&bytes);
    assert!(s.rt.frames > frames, "written after a frame");
    assert_eq!(
        s.status(),
        "Link to report.pdf sent to your terminal's clipboard (OSC 52)"
    );
    assert!(serves(&url, b"%PDF-1.7 pretend").await, "{url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_osc52_bytes_written_by_the_runtime_decode_to_the_url() {
    osc52_route(qnap_nas().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_osc52_bytes_written_by_the_runtime_decode_to_the_url() {
    osc52_route(freebox_nas(true).await).await;
}

async fn three_selected_give_three_urls(nas: Nas) {
    for n in ["a.txt", "b.txt", "c.txt"] {
        write(&nas.disk, n, format!("content of {n}").as_bytes());
    }
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("a.txt").await;
    // Insert selects and moves down: a, b, c.
    s.keys(vec![k(KeyCode::Insert); 3]).await;
    s.press(k(KeyCode::F(2))).await;
    let text = s.clipboard.last().expect("URLs in the clipboard");
    let urls: Vec<&str> = text.lines().collect();
    assert_eq!(urls.len(), 3, "{text}");
    assert!(s.status().starts_with("3 links copied"), "{}", s.status());
    let mut served = Vec::new();
    for url in urls {
        served.push(String::from_utf8(fetch(url).await.unwrap()).unwrap());
    }
    served.sort();
    assert_eq!(
        served,
        ["content of a.txt", "content of b.txt", "content of c.txt"]
    );
    // The selection is done with.
    assert!(s.rt.app.active_pane().selected.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_selection_of_three_files_gives_three_urls() {
    three_selected_give_three_urls(qnap_nas().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_selection_of_three_files_gives_three_urls() {
    three_selected_give_three_urls(freebox_nas(true).await).await;
}

async fn panel_lists_and_revokes(nas: Nas) {
    write(&nas.disk, "keep.bin", b"keep me");
    write(&nas.disk, "gone.bin", b"revoke me");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("gone.bin").await;
    s.press(k(KeyCode::F(2))).await;
    let gone_url = s.clipboard.last().unwrap();
    s.go_to("keep.bin").await;
    s.press(k(KeyCode::F(2))).await;
    let keep_url = s.clipboard.last().unwrap();

    s.press(ctrl('l')).await;
    let screen = s.screen();
    assert!(screen.contains("Share links on"), "{screen}");
    for name in ["gone.bin", "keep.bin"] {
        let row = screen
            .lines()
            .find(|l| l.contains(name) && l.contains("in 7 days"))
            .unwrap_or_else(|| panic!("no row for {name} with \"in 7 days\":\n{screen}"));
        assert!(row.contains("http"), "{row}");
    }
    // Sorted by path: gone.bin first, under the cursor. Enter copies it again.
    s.press(k(KeyCode::Enter)).await;
    assert_eq!(s.clipboard.last().unwrap(), gone_url);

    // Del asks; "y" revokes.
    s.press(k(KeyCode::Delete)).await;
    assert!(s.screen().contains("Revoke the link to"), "{}", s.screen());
    s.press(k(KeyCode::Char('y'))).await;
    assert_eq!(s.status(), "Revoked 1 link(s)");
    assert!(
        !serves(&gone_url, b"revoke me").await,
        "a revoked link serves"
    );
    assert!(serves(&keep_url, b"keep me").await);
    let panel = s.rt.app.share.panel.as_ref().unwrap();
    assert_eq!(panel.links.len(), 1);
    assert!(!s.screen().contains("gone.bin  "), "{}", s.screen());

    // g jumps the pane to the shared file and closes the panel.
    s.go_to_panel_link_and_jump().await;
    assert_eq!(
        s.rt.app.active_pane().current_entry().unwrap().name,
        "keep.bin"
    );

    // Revoke all: D, confirm.
    s.press(ctrl('l')).await;
    s.press(k(KeyCode::Char('D'))).await;
    assert!(s.screen().contains("Revoke all 1 links"), "{}", s.screen());
    s.press(k(KeyCode::Char('y'))).await;
    assert!(!serves(&keep_url, b"keep me").await);
    assert!(nas.vfs.share_list().await.unwrap().is_empty());
    assert!(s.screen().contains("No share links on this NAS."));
}

impl Screen {
    async fn go_to_panel_link_and_jump(&mut self) {
        // Away from the file first, so the jump has something to do.
        self.press(k(KeyCode::Esc)).await;
        self.press(k(KeyCode::Home)).await;
        self.press(ctrl('l')).await;
        self.press(k(KeyCode::Char('g'))).await;
        assert!(self.rt.app.share.panel.is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_panel_lists_copies_and_revokes() {
    panel_lists_and_revokes(qnap_nas().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_panel_lists_copies_and_revokes() {
    panel_lists_and_revokes(freebox_nas(true).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_access_code_from_the_config_is_enforced() {
    let nas = qnap_nas().await;
    write(&nas.disk, "secret.txt", b"for your eyes");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.rt.app.share.access_code = true;
    s.go_to("secret.txt").await;
    s.press(k(KeyCode::F(2))).await;
    let url = s.clipboard.last().unwrap();
    let links = nas.vfs.share_list().await.unwrap();
    let code = links[0].access_code.clone().expect("an access code");
    assert!(
        s.status().contains(&format!("access code {code}")),
        "{}",
        s.status()
    );
    assert!(
        !serves(&url, b"for your eyes").await,
        "served without the code"
    );
    assert!(serves(&format!("{url}&access_code={code}"), b"for your eyes").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_options_dialog_and_panel_change_set_expiry_and_code() {
    let nas = qnap_nas().await;
    write(&nas.disk, "doc.txt", b"doc");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("doc.txt").await;
    // Alt-L: the form; expiry 2d, code "Sesame42".
    s.press(alt('l')).await;
    assert!(s.screen().contains("Share doc.txt"), "{}", s.screen());
    let mut keys = vec![ctrl('u')];
    keys.extend(vec![k(KeyCode::Backspace); 4]);
    keys.extend(text("2d"));
    keys.push(k(KeyCode::Tab));
    keys.extend(text("Sesame42"));
    keys.push(k(KeyCode::Enter));
    s.keys(keys).await;
    let url = s.clipboard.last().unwrap();
    let link = nas.vfs.share_list().await.unwrap().remove(0);
    assert_eq!(link.access_code.as_deref(), Some("Sesame42"));
    assert!(
        s.status().contains("access code Sesame42"),
        "{}",
        s.status()
    );
    assert!(serves(&format!("{url}&access_code=Sesame42"), b"doc").await);

    // Panel: e, expiry never, empty code → changed in place, open link.
    s.press(ctrl('l')).await;
    assert!(s.screen().contains("in 2 days"), "{}", s.screen());
    s.press(k(KeyCode::Char('e'))).await;
    let mut keys = vec![KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)];
    keys.extend(vec![k(KeyCode::Backspace); 6]);
    keys.extend(text("never"));
    keys.push(k(KeyCode::Tab));
    keys.extend(vec![k(KeyCode::Backspace); 10]);
    keys.push(k(KeyCode::Enter));
    s.keys(keys).await;
    assert!(
        s.status()
            .starts_with("Link to doc.txt changed: expires never"),
        "{}",
        s.status()
    );
    let link = nas.vfs.share_list().await.unwrap().remove(0);
    assert_eq!((link.expires, link.access_code), (None, None));
    assert!(serves(&url, b"doc").await);
    // A bad expiry keeps the form open and says why.
    s.press(k(KeyCode::Char('e'))).await;
    let mut keys = vec![k(KeyCode::End)];
    keys.extend(vec![k(KeyCode::Backspace); 6]);
    keys.extend(text("soon"));
    keys.push(k(KeyCode::Enter));
    s.keys(keys).await;
    assert!(s.rt.app.share.form.is_some());
    assert!(s.screen().contains("Expiry:"), "{}", s.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_expired_link_no_longer_serves_and_change_recreates() {
    let nas = freebox_nas(true).await;
    write(&nas.disk, "brief.txt", b"short lived");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.rt.app.share.expire = "2s".into();
    s.go_to("brief.txt").await;
    s.press(k(KeyCode::F(2))).await;
    let url = s.clipboard.last().unwrap();
    assert!(serves(&url, b"short lived").await);
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    assert!(
        !serves(&url, b"short lived").await,
        "an expired link serves"
    );
    s.press(ctrl('l')).await;
    assert!(s.screen().contains("expired"), "{}", s.screen());

    // Changing the expiry on a Freebox re-creates the link: said, and the new URL copied.
    s.press(k(KeyCode::Char('e'))).await;
    let mut keys = vec![k(KeyCode::End)];
    keys.extend(vec![k(KeyCode::Backspace); 6]);
    keys.extend(text("7d"));
    keys.push(k(KeyCode::Enter));
    s.keys(keys).await;
    let new_url = s.clipboard.last().unwrap();
    assert_ne!(new_url, url);
    assert!(
        s.status().contains("Re-created link to brief.txt"),
        "{}",
        s.status()
    );
    assert!(serves(&new_url, b"short lived").await);
    assert!(s.screen().contains("in 7 days"), "{}", s.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_without_remote_access_says_how_to_turn_it_on() {
    let nas = freebox_nas(false).await;
    write(&nas.disk, "a.txt", b"a");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("a.txt").await;
    s.press(k(KeyCode::F(2))).await;
    assert!(s.clipboard.texts().is_empty());
    assert!(s.status().contains("Remote access"), "{}", s.status());
    assert!(
        s.screen().contains("remote access is off"),
        "{}",
        s.screen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_clipboard_shows_the_url_to_select() {
    let nas = qnap_nas().await;
    write(&nas.disk, "x.txt", b"x");
    // System only, and no display: no route at all.
    let mut s = start(&nas, ClipboardMode::System, ClipboardEnv::default()).await;
    s.go_to("x.txt").await;
    s.press(k(KeyCode::F(2))).await;
    let url = nas.vfs.share_list().await.unwrap().remove(0).url;
    let screen = s.screen();
    assert!(screen.contains(&url), "{screen}");
    assert!(screen.contains("copy it by hand"), "{screen}");
    assert!(
        s.status().contains("no clipboard available"),
        "{}",
        s.status()
    );
    s.press(k(KeyCode::Esc)).await;
    assert!(s.rt.app.share.revealed.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_pane_says_it_has_no_share_links() {
    let nas = qnap_nas().await;
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.press(k(KeyCode::Tab)).await;
    s.reload().await;
    for key in [k(KeyCode::F(2)), ctrl('l')] {
        s.press(key).await;
        assert!(
            s.status().starts_with("No share links on this pane"),
            "{}",
            s.status()
        );
    }
    assert!(s.clipboard.texts().is_empty());
    // F1 help and the key bar document the keys.
    assert!(s.screen().contains("2Link"), "{}", s.screen());
    s.press(k(KeyCode::F(1))).await;
    assert!(
        s.screen().contains("share link(s) for the selection"),
        "{}",
        s.screen()
    );
}
