//! The commander's pane on a hostile QNAP (`support::hostile`): a folder holding names
//! the client refuses still opens, and the status line says how many were skipped and
//! which, escaped — read from the screen the real runtime loop draws.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::Event;
use nascmd::app::{App, Pane};
use nascmd::keymap::Keymap;
use nascmd::nas::qnap::{QnapConfig, QnapVfs};
use nascmd::runtime::{ConnectContext, Runtime};
use nascmd::secret::Secret;
use nascmd::theme::Theme;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::hostile::{Hostile, REFUSED, SHARE};

#[test]
fn a_folder_with_refused_names_opens_and_its_status_line_names_them() {
    // The double runs on its own runtime, made (and dropped) outside the test's.
    let nas = Hostile::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let shown = rt.block_on(async {
        let qnap = QnapVfs::connect(QnapConfig {
            base_url: nas.url.clone(),
            user: "admin".into(),
            password: Secret::new("any"),
            ..QnapConfig::default()
        })
        .await
        .unwrap();
        let remote: VfsHandle = Arc::new(qnap);
        let folder = |name: &str| VPath::parse(&format!("/{SHARE}/{name}")).unwrap();
        // The other pane on a folder without refused names: one status line to read.
        let (app, cmds) = App::new(
            Pane::new(remote.clone(), folder("names")),
            Pane::new(remote, folder("bodies")),
            Keymap::default(),
            Theme::built_in_default(),
        );
        let terminal = Terminal::new(TestBackend::new(200, 30)).unwrap();
        let mut rt =
            Runtime::with_connect_context(terminal, app, cmds, ConnectContext::isolated()).unwrap();
        let no_keys = futures_util::stream::iter(Vec::<std::io::Result<Event>>::new());
        rt.run_until_idle(no_keys, Duration::from_secs(60))
            .await
            .unwrap();
        // Each row of the screen, quoted.
        rt.terminal.backend().to_string()
    });
    drop(rt);
    // The good names list; the refused ones are counted and named on the status line.
    assert!(shown.contains("good1.txt"), "{shown}");
    let status = shown
        .lines()
        .find(|l| l.contains("names skipped"))
        .unwrap_or_else(|| panic!("no status line about skipped names:\n{shown}"));
    assert!(
        status.contains(&format!(
            "{} names skipped (not usable as file names)",
            REFUSED.len()
        )),
        "{status}"
    );
    for name in [
        "../x",
        "../../escape.txt",
        "/etc/passwd",
        "a/b",
        "nul\\x00name",
    ] {
        assert!(
            status.contains(name),
            "{name:?} not on the status line: {status}"
        );
    }
}
