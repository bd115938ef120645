//! Searching by name over a link that drops requests: starting a search is tried again
//! like every call a person waits on (`services::search`), the QNAP's pages one by one,
//! and a Freebox walk lists each folder through `jobs::list_retrying` — every hit
//! arrives, for the commander and `nascmd search` alike.

use crate::support;

use futures_util::StreamExt;
use nascmd::emulator::freebox::FreeboxEmulatorConfig;
use nascmd::emulator::qnap::QnapEmulatorConfig;
use nascmd::emulator::request_log::RequestLog;
use nascmd::prompt::NoPrompter;
use nascmd::runtime::ConnectContext;
use nascmd::secret::Secret;
use nascmd::services::connect::{Answers, open};
use nascmd::vfs::{VPath, VfsHandle};
use support::sandbox::{Sandbox, ok, text};
use support::served::Served;

/// A file named `cat…` in each share, at several depths.
const CATS: [&str; 4] = [
    "Public/cat.jpg",
    "Public/a/b/c/Cat-2.png",
    "Backups/2024/cats.tar",
    "Media/photos/old/cat.jpg",
];

fn plant_cats(root: &std::path::Path) {
    for rel in CATS {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"meow").unwrap();
    }
    std::fs::write(root.join("Public/dog.jpg"), b"woof").unwrap();
}

fn want() -> Vec<String> {
    let mut want: Vec<String> = CATS.iter().map(|c| format!("/{c}")).collect();
    want.sort();
    want
}

/// Sends plain requests to the emulator until the next one is the `every`th (fails).
async fn next_request_fails(base_url: &str, log: &RequestLog, every: u64) {
    while (log.count() + 1) % every != 0 {
        let _ = reqwest::get(format!("{base_url}/nothing-here")).await;
    }
}

/// Signs in to `url` as the commander does (each step retried on its own): a link
/// failing every 2nd request lets nothing else through.
async fn sign_in(url: &str, ctx: ConnectContext) -> VfsHandle {
    match open(&ctx, url, &Answers::default(), &NoPrompter).await {
        Ok(o) => o.vfs,
        Err(e) => panic!("not connected to {url}: {e}"),
    }
}

async fn search_all(vfs: &VfsHandle, dir: VPath, pattern: &str) -> Vec<String> {
    let hits = nascmd::services::search::search(vfs, dir, pattern)
        .await
        .unwrap_or_else(|e| panic!("the search did not start: {e}"));
    let mut found: Vec<String> = hits
        .map(|h| {
            h.unwrap_or_else(|e| panic!("a hit failed: {e}"))
                .path
                .to_string()
        })
        .collect()
        .await;
    found.sort();
    found
}

/// Every 2nd request fails (HTTP 500), the very first one of the search among them
/// (the list of shares, asked when searching from the root): the search starts, and
/// finds the files of every share, and from one share down too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_search_from_the_root_rides_out_server_errors() {
    let log = RequestLog::default();
    let nas = support::qnap_client::start_configured(|cfg| {
        cfg.faults.http500_every = Some(2);
        cfg.request_log = log.clone();
    })
    .await;
    plant_cats(&nas.root);
    let ctx =
        ConnectContext::isolated().with_password(&nas.emu.base_url, "alice", Secret::new("pw"));
    let url = format!("qnap://alice@{}/", nas.emu.addr);
    let vfs = sign_in(&url, ctx).await;
    for _ in 0..2 {
        next_request_fails(&nas.emu.base_url, &log, 2).await;
        assert_eq!(search_all(&vfs, VPath::root(), "cat").await, want());
    }
    next_request_fails(&nas.emu.base_url, &log, 2).await;
    let public = VPath::parse("/Public").unwrap();
    assert_eq!(
        search_all(&vfs, public, "*.jpg").await,
        ["/Public/cat.jpg", "/Public/dog.jpg"]
    );
}

/// A Freebox has no search: the tree is walked, and a listing that fails (every 2nd
/// or 3rd request) is listed again rather than skipped with its hits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_walk_lists_failed_folders_again() {
    for every in [2u32, 3] {
        let disk_dir = tempfile::tempdir().unwrap();
        for rel in CATS {
            let path = disk_dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, b"meow").unwrap();
        }
        let mut cfg = FreeboxEmulatorConfig::new(disk_dir.path());
        cfg.faults.http500_every = Some(every);
        let emu = nascmd::emulator::freebox::spawn(cfg).await.unwrap();
        let url = format!("freebox://{}/", emu.addr);
        let vfs = sign_in(&url, ConnectContext::isolated()).await;
        let disk = VPath::parse(support::freebox::DISK).unwrap();
        let want: Vec<String> = want()
            .iter()
            .map(|c| format!("{}{c}", support::freebox::DISK))
            .collect();
        assert_eq!(search_all(&vfs, disk, "cat").await, want, "every {every}");
        emu.shutdown().await.unwrap();
    }
}

/// `nascmd search nas:/ cat` on a NAS failing every 2nd request: the search's first
/// request comes right after the sign-in's last (which succeeded), so it fails; every
/// hit is printed and the exit code is 0.
#[test]
fn cli_search_from_the_root_prints_every_hit_through_server_errors() {
    let root = tempfile::tempdir().unwrap();
    for share in ["Public", "Backups", "Media"] {
        std::fs::create_dir(root.path().join(share)).unwrap();
    }
    plant_cats(root.path());
    let mut cfg = QnapEmulatorConfig::new(root.path(), "alice", "pw");
    cfg.faults.http500_every = Some(2);
    let served = Served::qnap(cfg);
    let sb = Sandbox::new();
    sb.write_config(&format!(
        "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"alice\"\n",
        served.url()
    ));
    let o = sb
        .cmd()
        .env("NASCMD_PASSWORD", "pw")
        .args(["search", "nas:/", "cat"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    ok(&o);
    let mut lines: Vec<String> = text(&o.stdout).lines().map(str::to_owned).collect();
    lines.sort();
    assert_eq!(lines, want(), "{}", text(&o.stderr));
}
