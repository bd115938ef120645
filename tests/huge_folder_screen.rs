//! A huge NAS folder while it loads, on screen: the pane's bottom line and the status
//! line say how many of the folder's entries have arrived out of how many it holds
//! (QNAP's first `get_list` reply gives the total), and the plain count once it is
//! complete. The QNAP emulator
//! answers slowly and pages are small, so the listing is caught half-way.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use nascmd::app::{App, Pane};
use nascmd::emulator::faults::FaultConfig;
use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
use nascmd::keymap::Keymap;
use nascmd::nas::qnap::{ListPaging, QnapConfig, QnapVfs};
use nascmd::runtime::Runtime;
use nascmd::secret::Secret;
use nascmd::theme::Theme;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::screen::*;

const ENTRIES: usize = 2000;

/// The number in "loading N of 2000…" on the screen, if it shows.
fn loading_count(s: &str) -> Option<u64> {
    let end = s.find(&format!(" of {ENTRIES}… "))?;
    let start = s[..end].rfind("loading ")? + "loading ".len();
    s[start..end].parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_qnap_folder_says_how_many_entries_are_coming_while_it_loads() {
    let root = tempfile::tempdir().unwrap();
    let big = root.path().join("Public/big");
    std::fs::create_dir_all(&big).unwrap();
    for i in 0..ENTRIES {
        std::fs::write(big.join(format!("file-{i:05}.txt")), b"").unwrap();
    }
    let mut cfg = QnapEmulatorConfig::new(root.path(), "alice", "pw");
    cfg.faults = FaultConfig {
        latency: Some(Duration::from_millis(150)),
        ..FaultConfig::default()
    };
    let emu = qnap::spawn(cfg).await.unwrap();
    let nas = QnapVfs::connect(QnapConfig {
        base_url: emu.base_url.clone(),
        user: "alice".into(),
        password: Secret::new("pw"),
        ..QnapConfig::default()
    })
    .await
    .unwrap()
    // 10 pages after the first, one at a time: 1.5 s at 150 ms each.
    .with_list_paging(ListPaging {
        first: 100,
        next: 200,
        in_flight: 1,
    });
    let local = tempfile::tempdir().unwrap();
    let (app, cmds) = App::new(
        Pane::new(
            Arc::new(nas) as VfsHandle,
            VPath::parse("/Public/big").unwrap(),
        ),
        Pane::new(Arc::new(LocalFs::new()), vpath(local.path())),
        Keymap::default(),
        Theme::built_in_default(),
    );
    let terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut rt = Runtime::new(terminal, app, cmds).unwrap();

    // Half-way: some pages are in, the total is known.
    let mut seen = None;
    for _ in 0..200 {
        rt.run_for(Duration::from_millis(50)).await.unwrap();
        if let Some(n) = loading_count(&screen(&rt)).filter(|&n| n > 0) {
            seen = Some(n);
            break;
        }
    }
    let s = screen(&rt);
    let n = seen.unwrap_or_else(|| panic!("never said how many are coming:\n{s}"));
    assert!(n < ENTRIES as u64, "{s}");
    let bottom = &lines(&rt)[21];
    assert!(
        bottom.contains(&format!("loading {n} of {ENTRIES}… ")),
        "{s}"
    );
    // The status line says the same, not a count that looks final.
    let status = &lines(&rt)[22];
    assert!(
        status.contains(&format!("{n} of {ENTRIES} entries…")),
        "{s}"
    );

    // Complete: the plain count, no more "loading".
    settle(&mut rt, Vec::new()).await;
    let s = screen(&rt);
    assert!(!s.contains("loading"), "{s}");
    assert!(s.contains(&format!("{ENTRIES} entries")), "{s}");
    assert!(!s.contains(&format!("of {ENTRIES} entries")), "{s}");
}
