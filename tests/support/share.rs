//! Helpers of tests/share_screen.rs: a NAS emulator with a connected backend, the
//! commander on `TestBackend` with an injected clipboard and terminal recorder, keys.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use crossterm::event::{KeyCode, KeyEvent};
use nascmd::app::{App, Pane, Side};
use nascmd::clipboard::{Clipboard, ClipboardEnv, ClipboardMode, MemoryClipboard};
use nascmd::emulator::RunningEmulator;
use nascmd::emulator::clock::EmulatorClock;
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

pub use super::screen::Rt;

/// A NAS emulator with a connected backend; `dir` is the folder the pane opens on, which
/// is `disk` on the local disk.
pub struct Nas {
    pub _tmp: tempfile::TempDir,
    pub _emu: RunningEmulator,
    /// The QNAP emulator's clock (share-link expiry); unused on the Freebox.
    pub clock: EmulatorClock,
    pub disk: PathBuf,
    pub vfs: VfsHandle,
    pub dir: VPath,
    /// What the emulator was asked (`METHOD /path func=NAME` lines).
    pub requests: nascmd::emulator::request_log::RequestLog,
}

pub async fn qnap_nas() -> Nas {
    qnap_nas_with(|_| {}).await
}

/// A QNAP emulator configured by `tune` (names it reports, …).
pub async fn qnap_nas_with(tune: impl FnOnce(&mut QnapEmulatorConfig)) -> Nas {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("nas");
    std::fs::create_dir_all(root.join("Public")).unwrap();
    let mut cfg = QnapEmulatorConfig::new(&root, "alice", "pw");
    tune(&mut cfg);
    let clock = cfg.clock.clone();
    let requests = cfg.request_log.clone();
    let emu = qnap::spawn(cfg).await.unwrap();
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
        clock,
        disk: root.join("Public"),
        vfs: Arc::new(vfs),
        dir: VPath::parse("/Public").unwrap(),
        requests,
    }
}

pub async fn freebox_nas(remote_access: bool) -> Nas {
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(tmp.path());
    cfg.remote_access = remote_access;
    let requests = cfg.request_log.clone();
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
        clock: EmulatorClock::default(),
        vfs: Arc::new(vfs),
        dir: VPath::parse("/Disque dur").unwrap(),
        requests,
    }
}

/// Bytes written to "the terminal" outside frames (OSC 52).
#[derive(Clone, Default)]
pub struct Recorder(pub Arc<Mutex<Vec<u8>>>);

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct Screen {
    pub rt: Rt,
    pub clipboard: Arc<MemoryClipboard>,
    pub terminal_out: Recorder,
    pub _local: tempfile::TempDir,
}

/// A desktop with a display: the system route goes to the injected memory clipboard.
pub fn desktop() -> ClipboardEnv {
    ClipboardEnv {
        x11_display: true,
        ..ClipboardEnv::default()
    }
}

/// The commander with a local left pane and the NAS in the right pane (active).
pub async fn start(nas: &Nas, mode: ClipboardMode, env: ClipboardEnv) -> Screen {
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

pub use super::screen::{alt, ctrl, k, text};

impl Screen {
    pub async fn keys(&mut self, keys: Vec<KeyEvent>) {
        super::screen::settle(&mut self.rt, keys).await;
    }

    pub async fn press(&mut self, key: KeyEvent) {
        self.keys(vec![key]).await;
    }

    /// Re-lists both panes (files were made on the NAS disk behind its back).
    pub async fn reload(&mut self) {
        self.press(ctrl('r')).await;
    }

    /// Moves the cursor onto `name` with jump-to-name.
    pub async fn go_to(&mut self, name: &str) {
        super::screen::go_to(&mut self.rt, name).await;
    }

    /// In the share panel: `e` on the link under the cursor, the expiry field retyped as
    /// `expiry`, Enter.
    pub async fn change_expiry(&mut self, expiry: &str) {
        let mut keys = vec![k(KeyCode::Char('e')), k(KeyCode::End)];
        keys.extend(vec![k(KeyCode::Backspace); 6]);
        keys.extend(text(expiry));
        keys.push(k(KeyCode::Enter));
        self.keys(keys).await;
    }

    pub fn screen(&self) -> String {
        super::screen::screen(&self.rt)
    }

    pub fn status(&self) -> String {
        self.rt
            .app
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }
}

/// What a recipient gets from a URL: the body when it is a success, `None` otherwise.
pub async fn fetch(url: &str) -> Option<Vec<u8>> {
    let resp = reqwest::get(url).await.unwrap();
    if !resp.status().is_success() {
        return None;
    }
    Some(resp.bytes().await.unwrap().to_vec())
}

/// The body of a URL whatever the status (the page a recipient sees).
pub async fn fetch_text(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// Serves `expected`? (QNAP answers a locked or expired link with an HTML page and 200.)
pub async fn serves(url: &str, expected: &[u8]) -> bool {
    fetch(url).await.as_deref() == Some(expected)
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Parses the plain `ESC ] 52 ; c ; <base64> BEL` sequence out of terminal bytes.
pub fn osc52_text(bytes: &[u8]) -> String {
    let start = bytes
        .windows(7)
        .position(|w| w == b"\x1b]52;c;")
        .expect("an OSC 52 sequence")
        + 7;
    let end = bytes[start..].iter().position(|&b| b == 0x07).unwrap() + start;
    String::from_utf8(BASE64.decode(&bytes[start..end]).unwrap()).unwrap()
}
