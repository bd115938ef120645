//! Huge folders (issue 14), end to end through the emulators with small pages so a
//! few thousand entries make many of them: every name exactly once and sorted, with
//! concurrent QNAP pages, with a page cut off on the way, and the emulators' listing
//! snapshots (one sorted read per listing) dropped by a write between two pages.

use crate::support;

use std::collections::HashSet;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use nascmd::emulator::faults::FaultConfig;
use nascmd::jobs::{RetryPolicy, list_retrying};
use nascmd::nas::freebox::LsPaging;
use nascmd::nas::qnap::ListPaging;
use nascmd::vfs::{Entry, VPath, Vfs, VfsHandle};
use tokio_util::sync::CancellationToken;

const ENTRIES: usize = 5000;

/// Mixed-case names whose case-insensitive order differs from their byte order.
fn name(i: usize) -> String {
    if i % 3 == 0 {
        format!("File-{i:05}.txt")
    } else {
        format!("file-{i:05}.txt")
    }
}

fn fill(dir: &std::path::Path) {
    fill_with(dir, ENTRIES);
}

fn fill_with(dir: &std::path::Path, entries: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..entries {
        std::fs::write(dir.join(name(i)), b"").unwrap();
    }
}

fn quick() -> RetryPolicy {
    RetryPolicy {
        retries: 3,
        retry_for: Duration::from_secs(60),
        first_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
    }
}

/// Every page of a listing through `list_retrying`, as the pane reads it.
async fn list_all(vfs: VfsHandle, dir: &str) -> Vec<Entry> {
    let pages = list_retrying(
        vfs,
        VPath::parse(dir).unwrap(),
        quick(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    pages.try_collect::<Vec<_>>().await.unwrap().concat()
}

fn assert_complete(entries: &[Entry]) {
    assert_complete_of(entries, ENTRIES);
}

fn assert_complete_of(entries: &[Entry], count: usize) {
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let unique: HashSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "a name listed twice");
    let expected: HashSet<String> = (0..count).map(name).collect();
    assert_eq!(
        unique,
        expected.iter().map(String::as_str).collect::<HashSet<_>>()
    );
}

/// Both servers sort names case-insensitively (the numbers here have equal widths).
fn assert_sorted_case_insensitively(entries: &[Entry]) {
    let lower: Vec<String> = entries.iter().map(|e| e.name.to_lowercase()).collect();
    assert!(
        lower.windows(2).all(|w| w[0] <= w[1]),
        "pages arrived out of order"
    );
}

mod qnap {
    use super::*;
    use nascmd::emulator::RunningEmulator;
    use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
    use nascmd::emulator::request_log::RequestLog;
    use nascmd::nas::qnap::{QnapConfig, QnapVfs};
    use nascmd::secret::Secret;

    const PAGING: ListPaging = ListPaging {
        first: 100,
        next: 250,
        in_flight: 4,
    };

    pub(super) struct Nas {
        _dir: tempfile::TempDir,
        _emu: RunningEmulator,
        log: RequestLog,
        pub(super) vfs: VfsHandle,
    }

    /// An emulator with `faults` over a share holding `big/` (5 000 files), its request
    /// log, and the client logged in with small pages.
    pub(super) async fn big_nas(faults: FaultConfig) -> Nas {
        let dir = tempfile::tempdir().unwrap();
        fill(&dir.path().join("Public/big"));
        let mut cfg = QnapEmulatorConfig::new(dir.path(), "alice", "pw");
        cfg.faults = faults;
        let log = cfg.request_log.clone();
        let emu = qnap::spawn(cfg).await.unwrap();
        let vfs = QnapVfs::connect(QnapConfig {
            base_url: emu.base_url.clone(),
            user: "alice".into(),
            password: Secret::new("pw"),
            ..QnapConfig::default()
        })
        .await
        .unwrap()
        .with_list_paging(PAGING);
        Nas {
            _dir: dir,
            _emu: emu,
            log,
            vfs: std::sync::Arc::new(vfs),
        }
    }

    fn get_lists(nas: &Nas) -> usize {
        nas.log
            .lines()
            .iter()
            .filter(|l| l.ends_with("func=get_list"))
            .count()
    }

    #[tokio::test]
    async fn concurrent_small_pages_give_every_name_once_in_order() {
        let nas = big_nas(FaultConfig::default()).await;
        let entries = list_all(nas.vfs.clone(), "/Public/big").await;
        assert_eq!(entries.len(), ENTRIES);
        assert_complete(&entries);
        assert_sorted_case_insensitively(&entries);
        // 100 + 20 × 250 > 5 000: one first page and 20 more, none asked twice.
        assert_eq!(get_lists(&nas), 1 + (ENTRIES - 100).div_ceil(250));
    }

    #[tokio::test]
    async fn a_page_cut_off_among_concurrent_ones_still_gives_the_whole_listing() {
        // The emulator cuts the reply of every 60th request in half. Requests are
        // counted from the start, so the client first makes enough others (stats) that
        // the 60th is the listing's 11th: a later page in the middle, fetched while
        // others are in flight. The listing is then read again (21 requests, all before
        // the 120th) and only names not passed on yet follow.
        const EVERY: u64 = 60;
        let faults = FaultConfig {
            truncate_every: Some(EVERY as u32),
            ..FaultConfig::default()
        };
        let nas = big_nas(faults).await;
        let file = VPath::parse("/Public/big/file-00001.txt").unwrap();
        while nas.log.count() < EVERY - 11 {
            nas.vfs.stat(&file).await.unwrap();
        }
        let listing_requests = 1 + (ENTRIES - 100).div_ceil(250);
        let entries = list_all(nas.vfs.clone(), "/Public/big").await;
        assert_complete(&entries);
        assert_sorted_case_insensitively(&entries);
        assert!(
            get_lists(&nas) > listing_requests,
            "no page failed: the test proves nothing"
        );
    }
}

mod qnap_failing_pages {
    use super::*;

    /// Every 7th request fails (HTTP 500) however the listing goes: a listing asked
    /// again from its start then meets a failure before it gets past the pages it
    /// already had, every time, and the folder never lists whole. Asked again from
    /// where it stopped, each try brings pages the last one did not.
    #[tokio::test]
    async fn pages_that_fail_every_so_often_do_not_start_the_listing_over() {
        let faults = FaultConfig {
            http500_every: Some(7),
            ..FaultConfig::default()
        };
        let nas = super::qnap::big_nas(faults).await;
        let entries = list_all(nas.vfs.clone(), "/Public/big").await;
        assert_complete(&entries);
        assert_sorted_case_insensitively(&entries);
    }
}

mod freebox_failing_pages {
    use super::*;
    use nascmd::emulator::request_log::RequestLog;
    use support::freebox::{disk, start};

    const HUGE: usize = 20_000;

    /// The Freebox pages with a cursor, not an offset; a listing whose page failed is
    /// picked up at the last cursor it received before where it stopped. Every 7th
    /// request fails (HTTP 500): asked again from its start, a listing would meet a
    /// failure before it got past the pages it already had, every time.
    #[tokio::test]
    async fn pages_that_fail_every_so_often_do_not_start_the_listing_over() {
        let log = RequestLog::default();
        let f = start(|c| {
            c.faults.http500_every = Some(7);
            c.request_log = log.clone();
        })
        .await;
        fill_with(&f.root.path().join("huge"), HUGE);
        let fbx = f.fbx.with_list_paging(LsPaging {
            first: 100,
            next: 250,
        });
        log.clear();
        let entries = list_all(std::sync::Arc::new(fbx), disk("huge").as_str()).await;
        assert_complete_of(&entries, HUGE);
        assert_sorted_case_insensitively(&entries);
        // 1 + 80 pages; each of the ~20 failures costs the failed request and the two
        // pages before it (the listing is asked again a little before where it
        // stopped, 256 entries: from the cursor before that, two pages back).
        let pages = 1 + (HUGE - 100).div_ceil(250);
        let asked = log.lines().iter().filter(|l| l.contains("/fs/ls/")).count();
        assert!(asked > pages, "no page failed: the test proves nothing");
        assert!(
            asked < pages * 2,
            "{asked} listing requests for {pages} pages"
        );
    }
}

mod qnap_snapshots {
    use super::support::qnap::fixture;
    use serde_json::Value;

    fn names(v: &Value) -> Vec<String> {
        v["datas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["filename"].as_str().unwrap().to_owned())
            .collect()
    }

    const PAGE: &str = "func=get_list&path=/Public/snap&list_mode=all&sort=filename&dir=ASC";

    #[tokio::test]
    async fn a_mkdir_between_two_pages_drops_the_snapshot() {
        let fx = fixture().await;
        std::fs::create_dir(fx.path("Public/snap")).unwrap();
        for n in ["a", "b", "c", "d", "e"] {
            std::fs::write(fx.path(&format!("Public/snap/{n}")), b"").unwrap();
        }
        let first = fx.util(&format!("{PAGE}&start=0&limit=2")).await;
        assert_eq!(names(&first), ["a", "b"]);
        let made = fx
            .util("func=createdir&dest_path=/Public/snap&dest_folder=0dir")
            .await;
        assert_eq!(made["status"], 1, "{made}");
        // Read again: the new folder sorts first and shifts every file by one.
        let second = fx.util(&format!("{PAGE}&start=2&limit=2")).await;
        assert_eq!(second["total"], 6);
        assert_eq!(names(&second), ["b", "c"]);
    }

    #[tokio::test]
    async fn later_pages_come_from_the_snapshot_of_the_first() {
        let fx = fixture().await;
        std::fs::create_dir(fx.path("Public/snap")).unwrap();
        for n in ["a", "b", "c", "d"] {
            std::fs::write(fx.path(&format!("Public/snap/{n}")), b"").unwrap();
        }
        let first = fx.util(&format!("{PAGE}&start=0&limit=2")).await;
        assert_eq!(names(&first), ["a", "b"]);
        // A file's content changed behind the emulator's back leaves the folder's
        // mtime alone: the later page still shows the size read with the first page.
        std::fs::write(fx.path("Public/snap/d"), b"0123456789").unwrap();
        let second = fx.util(&format!("{PAGE}&start=2&limit=2")).await;
        assert_eq!(names(&second), ["c", "d"]);
        assert_eq!(second["datas"][1]["filesize"], "0");
        // A new listing reads the folder again.
        let again = fx.util(&format!("{PAGE}&start=0&limit=10")).await;
        assert_eq!(again["datas"][3]["filesize"], "10");
    }
}

mod freebox {
    use super::*;
    use support::freebox::{disk, start};

    #[tokio::test]
    async fn small_cursor_pages_give_every_name_once_in_order() {
        let f = start(|_| {}).await;
        fill(&f.root.path().join("big"));
        let fbx = f.fbx.with_list_paging(LsPaging {
            first: 100,
            next: 250,
        });
        let entries = list_all(std::sync::Arc::new(fbx), disk("big").as_str()).await;
        assert_eq!(entries.len(), ENTRIES);
        assert_complete(&entries);
        assert_sorted_case_insensitively(&entries);
    }

    #[tokio::test]
    async fn a_mkdir_between_two_pages_drops_the_snapshot() {
        let f = start(|_| {}).await;
        let dir = f.root.path().join("snap");
        std::fs::create_dir(&dir).unwrap();
        for n in ["a", "b", "c", "d", "e"] {
            std::fs::write(dir.join(n), b"").unwrap();
        }
        // First page: `.`, `..`, a, b (the dot entries are dropped by the client).
        let fbx = f.fbx.with_list_paging(LsPaging { first: 4, next: 2 });
        let mut pages = fbx.list(&disk("snap")).await.unwrap();
        let first = pages.next().await.unwrap().unwrap();
        let mut names: Vec<String> = first.into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["a", "b"]);
        fbx.mkdir(&disk("snap/0dir")).await.unwrap();
        while let Some(page) = pages.next().await {
            names.extend(page.unwrap().into_iter().map(|e| e.name));
        }
        // The cursor's offset now counts in a fresh read where `0dir` comes first: `b`
        // shows again. A stale snapshot would have answered c, d, e.
        assert_eq!(names, ["a", "b", "b", "c", "d", "e"]);
    }
}
