//! Compare & sync (`services::sync`, `nascmd sync`) against the real emulators: plans of
//! prepared trees in both directions, deletes off and on, excludes, a second run that
//! finds nothing to do, and listings as the only requests of a comparison.

use crate::support;

use std::path::Path;
use std::sync::Arc;

use nascmd::jobs::JobEvent;
use nascmd::services::sync::{
    ActionKind, CompareOptions, Direction, End, Ends, Filter, Plan, SyncJobs, compare_trees,
};
use nascmd::vfs::{VPath, VfsHandle};
use support::jobs::{engine, local, set_mtime, tree, vp, write};
use support::sandbox::{Sandbox, code, ok, text};
use tokio_util::sync::CancellationToken;

/// Runs a plan as the CLI and the commander do: one job, copies, then (all verified)
/// deletes.
async fn run_plan(plan: &Plan, ends: &Ends) {
    let (engine, mut rx) = engine();
    let jobs = SyncJobs::of(plan, ends).unwrap();
    let id = jobs.start(&engine, SyncJobs::title(plan, ends));
    loop {
        if let Some(JobEvent::Finished { id: done, report }) = rx.recv().await
            && done == id
        {
            assert!(report.failed.is_empty(), "{report:?}");
            break;
        }
    }
}

fn kinds(plan: &Plan) -> Vec<(ActionKind, String, End)> {
    plan.actions
        .iter()
        .map(|a| (a.kind, a.rel.clone(), a.from))
        .collect()
}

/// A: a.txt (changed), new.txt, sub/b.bin, sub/deep/c.txt, empty/, skip.tmp.
fn source_tree(a: &Path) {
    write(&a.join("a.txt"), b"new content of a");
    write(&a.join("new.txt"), b"new");
    write(&a.join("sub/b.bin"), &support::jobs::pattern(70_000, 3));
    write(&a.join("sub/deep/c.txt"), b"c");
    std::fs::create_dir_all(a.join("empty")).unwrap();
    write(&a.join("skip.tmp"), b"scratch");
}

/// B: a.txt (old, other size), same.txt (as on A), extra.txt and gone/x.txt (only here),
/// keep.tmp (only here, excluded).
fn target_tree(b: &Path, a: &Path) {
    write(&b.join("a.txt"), b"old a");
    write(&a.join("same.txt"), b"same");
    write(&b.join("same.txt"), b"same");
    set_mtime(&a.join("same.txt"), 1_600_000_000);
    set_mtime(&b.join("same.txt"), 1_600_000_000);
    write(&b.join("extra.txt"), b"extra");
    write(&b.join("gone/x.txt"), b"x");
    write(&b.join("keep.tmp"), b"kept");
}

#[tokio::test]
async fn qnap_one_way_plans_only_listings_and_a_second_run_is_in_sync() {
    let log = nascmd::emulator::request_log::RequestLog::default();
    let for_emu = log.clone();
    let nas = support::qnap_client::start_configured(move |cfg| cfg.request_log = for_emu).await;
    let qnap: VfsHandle = Arc::new(support::qnap_client::connect(&nas).await);
    let a = tempfile::tempdir().unwrap();
    let b_disk = nas.root.join("Public/mirror");
    source_tree(a.path());
    target_tree(&b_disk, a.path());
    let ends = Ends {
        a: (local(), vp(a.path())),
        b: (qnap, VPath::parse("/Public/mirror").unwrap()),
    };
    let opts = CompareOptions {
        filter: Filter::new(&["*.tmp".to_owned()], &[]).unwrap(),
        ..CompareOptions::default()
    };
    let cancel = CancellationToken::new();
    log.clear();
    let cmp = compare_trees(&ends, &opts, &cancel).await.unwrap();
    // One listing per folder on the NAS (mirror, gone): nothing per file.
    let lines = log.lines();
    assert!(
        lines.iter().all(|l| l.contains("get_list")),
        "only listings: {lines:?}"
    );
    assert_eq!(lines.len(), 2, "{lines:?}");

    let plan = Plan::make(&cmp, Direction::AToB, false);
    assert_eq!(
        kinds(&plan),
        vec![
            (ActionKind::Replace, "a.txt".into(), End::A),
            (ActionKind::Copy, "empty".into(), End::A),
            (ActionKind::Copy, "new.txt".into(), End::A),
            (ActionKind::Copy, "sub/b.bin".into(), End::A),
            (ActionKind::Copy, "sub/deep/c.txt".into(), End::A),
        ]
    );
    let totals = plan.totals();
    assert_eq!((totals.copy, totals.replace, totals.delete), (4, 1, 0));
    assert_eq!(totals.bytes, 16 + 3 + 70_000 + 1);
    run_plan(&plan, &ends).await;
    let b = tree(&b_disk);
    assert_eq!(b["a.txt"], b"new content of a");
    assert_eq!(b["sub/b.bin"], support::jobs::pattern(70_000, 3));
    assert_eq!(b["sub/deep/c.txt"], b"c");
    assert!(b_disk.join("empty").is_dir());
    assert!(!b.contains_key("skip.tmp"), "excluded: {b:?}");
    assert_eq!(b["extra.txt"], b"extra", "no delete without asking");

    // Nothing changed: nothing to do.
    let again = Plan::make(
        &compare_trees(&ends, &opts, &cancel).await.unwrap(),
        Direction::AToB,
        false,
    );
    assert!(again.actions.is_empty(), "{:?}", again.actions);
    assert_eq!(again.totals().describe(), "Already in sync");

    // With deletes: what A lacks goes, a folder whole, excluded files stay.
    let cmp = compare_trees(&ends, &opts, &cancel).await.unwrap();
    let plan = Plan::make(&cmp, Direction::AToB, true);
    assert_eq!(
        kinds(&plan),
        vec![
            (ActionKind::Delete, "extra.txt".into(), End::B),
            (ActionKind::Delete, "gone".into(), End::B),
        ]
    );
    run_plan(&plan, &ends).await;
    assert!(!b_disk.join("extra.txt").exists() && !b_disk.join("gone").exists());
    assert!(b_disk.join("keep.tmp").exists());
    assert!(a.path().join("skip.tmp").exists());
}

#[tokio::test]
async fn qnap_to_local_direction_copies_the_other_way() {
    let nas = support::qnap_client::start_configured(|_| {}).await;
    let qnap: VfsHandle = Arc::new(support::qnap_client::connect(&nas).await);
    let local_dir = tempfile::tempdir().unwrap();
    let b_disk = nas.root.join("Public/mirror");
    source_tree(local_dir.path());
    target_tree(&b_disk, local_dir.path());
    // A is the local folder; the plan goes B → A, with deletes.
    let ends = Ends {
        a: (local(), vp(local_dir.path())),
        b: (qnap, VPath::parse("/Public/mirror").unwrap()),
    };
    let cancel = CancellationToken::new();
    let opts = CompareOptions::default();
    let plan = Plan::make(
        &compare_trees(&ends, &opts, &cancel).await.unwrap(),
        Direction::BToA,
        true,
    );
    let mut got = kinds(&plan);
    got.sort_by(|x, y| x.1.cmp(&y.1));
    assert_eq!(
        got,
        vec![
            (ActionKind::Replace, "a.txt".into(), End::B),
            (ActionKind::Delete, "empty".into(), End::A),
            (ActionKind::Copy, "extra.txt".into(), End::B),
            (ActionKind::Copy, "gone/x.txt".into(), End::B),
            (ActionKind::Copy, "keep.tmp".into(), End::B),
            (ActionKind::Delete, "new.txt".into(), End::A),
            (ActionKind::Delete, "skip.tmp".into(), End::A),
            (ActionKind::Delete, "sub".into(), End::A),
        ]
    );
    run_plan(&plan, &ends).await;
    assert_eq!(tree(local_dir.path()), tree(&b_disk));
    let again = Plan::make(
        &compare_trees(&ends, &opts, &cancel).await.unwrap(),
        Direction::BToA,
        true,
    );
    assert!(again.actions.is_empty(), "{:?}", again.actions);
}

#[tokio::test]
async fn freebox_both_ways_the_newer_wins_and_upload_times_do_not_count() {
    let fx = support::freebox::start(|_| {}).await;
    let fbx: VfsHandle = Arc::new(fx.fbx);
    let local_dir = tempfile::tempdir().unwrap();
    let a = local_dir.path();
    let box_root = support::freebox::disk("sync");
    let b_disk = fx.root.path().join("sync");
    write(&a.join("only_a.txt"), b"from a");
    write(&b_disk.join("only_b.txt"), b"from b");
    // Older on A, other size: the box's copy wins.
    write(&a.join("doc.txt"), b"old text");
    set_mtime(&a.join("doc.txt"), 1_500_000_000);
    write(&b_disk.join("doc.txt"), b"newer text on the box");
    // Newer on A: A's copy wins.
    write(&a.join("notes.txt"), b"fresh notes, longer");
    write(&b_disk.join("notes.txt"), b"stale");
    set_mtime(&b_disk.join("notes.txt"), 1_500_000_000);
    let ends = Ends {
        a: (local(), vp(a)),
        b: (fbx, box_root),
    };
    let cancel = CancellationToken::new();
    let opts = CompareOptions::default();
    let plan = Plan::make(
        &compare_trees(&ends, &opts, &cancel).await.unwrap(),
        Direction::Both,
        false,
    );
    assert_eq!(
        kinds(&plan),
        vec![
            (ActionKind::Replace, "doc.txt".into(), End::B),
            (ActionKind::Replace, "notes.txt".into(), End::A),
            (ActionKind::Copy, "only_a.txt".into(), End::A),
            (ActionKind::Copy, "only_b.txt".into(), End::B),
        ]
    );
    run_plan(&plan, &ends).await;
    assert_eq!(tree(a), tree(&b_disk));
    assert_eq!(tree(a)["doc.txt"], b"newer text on the box");
    assert_eq!(tree(a)["notes.txt"], b"fresh notes, longer");
    // The box gave its uploads the upload's time (it cannot set one): still in sync.
    let again = Plan::make(
        &compare_trees(&ends, &opts, &cancel).await.unwrap(),
        Direction::Both,
        false,
    );
    assert!(again.actions.is_empty(), "{:?}", again.actions);
}

/// A QNAP emulator on its own runtime with a `nas` profile, for the binary.
struct CliNas {
    rt: tokio::runtime::Runtime,
    nas: Option<support::qnap_client::Nas>,
}

impl CliNas {
    fn start(sb: &Sandbox) -> Self {
        let rt = support::runtime();
        let nas = rt.block_on(support::qnap_client::start_configured(|_| {}));
        sb.write_config(&format!(
            "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"alice\"\n",
            nas.emu.base_url
        ));
        CliNas { rt, nas: Some(nas) }
    }

    fn root(&self) -> std::path::PathBuf {
        self.nas.as_ref().unwrap().root.clone()
    }
}

impl Drop for CliNas {
    fn drop(&mut self) {
        if let Some(n) = self.nas.take() {
            let _ = self.rt.block_on(n.emu.shutdown());
        }
    }
}

fn sync(sb: &Sandbox, args: &[&str]) -> std::process::Output {
    let mut full = vec!["sync"];
    full.extend_from_slice(args);
    sb.cmd()
        .args(&full)
        .env("NASCMD_PASSWORD", "pw")
        .output()
        .unwrap()
}

#[test]
fn cli_dry_run_json_run_exclude_delete_and_already_in_sync() {
    let sb = Sandbox::new();
    let nas = CliNas::start(&sb);
    let a = sb.path().join("photos");
    let b_disk = nas.root().join("Public/photos");
    source_tree(&a);
    target_tree(&b_disk, &a);
    let a_arg = a.to_str().unwrap();
    let before = tree(&b_disk);

    // Dry run: the plan, nothing moved.
    let o = sync(
        &sb,
        &[
            "--dry-run",
            "--exclude",
            "*.tmp",
            a_arg,
            "nas:/Public/photos",
        ],
    );
    ok(&o);
    let out = text(&o.stdout);
    assert!(out.contains("replace  a.txt"), "{out}");
    assert!(out.contains("copy     sub/b.bin  (68.36 KiB)"), "{out}");
    assert!(out.contains("4 to copy, 1 to replace"), "{out}");
    assert!(!out.contains("tmp"), "{out}");
    assert_eq!(tree(&b_disk), before);

    // JSON: one object per action.
    let o = sync(
        &sb,
        &[
            "--dry-run",
            "--json",
            "--delete",
            "--exclude",
            "*.tmp",
            a_arg,
            "nas:/Public/photos",
        ],
    );
    ok(&o);
    let actions: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(actions.len(), 7, "{actions:?}");
    assert!(actions.contains(&serde_json::json!(
        {"action": "delete", "path": "gone", "side": "dst", "dir": true, "size": 1}
    )));
    assert!(actions.contains(&serde_json::json!(
        {"action": "copy", "path": "new.txt", "side": "src", "dir": false, "size": 3}
    )));

    // The run, without deletes.
    let o = sync(&sb, &["--exclude", "*.tmp", a_arg, "nas:/Public/photos"]);
    ok(&o);
    let b = tree(&b_disk);
    assert_eq!(b["a.txt"], b"new content of a");
    assert_eq!(b["sub/deep/c.txt"], b"c");
    assert!(b.contains_key("extra.txt") && !b.contains_key("skip.tmp"));

    // Again: nothing to do.
    let o = sync(&sb, &["--exclude", "*.tmp", a_arg, "nas:/Public/photos"]);
    ok(&o);
    assert_eq!(text(&o.stdout).trim(), "Already in sync");

    // Deletes on: extra.txt and gone/ go, the excluded keep.tmp stays.
    let o = sync(
        &sb,
        &[
            "--delete",
            "--exclude",
            "*.tmp",
            a_arg,
            "nas:/Public/photos",
        ],
    );
    ok(&o);
    assert!(!b_disk.join("extra.txt").exists() && !b_disk.join("gone").exists());
    assert!(b_disk.join("keep.tmp").exists());

    // The other way: the NAS folder onto a new local one (made).
    let back = sb.path().join("back");
    let o = sync(&sb, &["nas:/Public/photos", back.to_str().unwrap()]);
    ok(&o);
    assert_eq!(tree(&back), tree(&b_disk));

    // A missing source is "not found".
    let o = sync(&sb, &["nas:/Public/nothing", back.to_str().unwrap()]);
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));
}

/// What a sync job reads and writes (the footprint the commander warns with, F8/F6):
/// each copy's source and final path, and what it deletes.
#[tokio::test]
async fn a_sync_names_what_it_reads_writes_and_deletes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    source_tree(a.path());
    target_tree(b.path(), a.path());
    let ends = Ends {
        a: (local(), vp(a.path())),
        b: (local(), vp(b.path())),
    };
    let cmp = compare_trees(&ends, &CompareOptions::default(), &CancellationToken::new())
        .await
        .unwrap();
    let plan = Plan::make(&cmp, Direction::AToB, true);
    let jobs = SyncJobs::of(&plan, &ends).unwrap();
    let places: Vec<String> = jobs.places().iter().map(|(_, p)| p.to_string()).collect();
    let at = |root: &Path, rel: &str| vp(&root.join(rel)).to_string();
    for want in [
        at(a.path(), "new.txt"),
        at(b.path(), "new.txt"),
        at(b.path(), "extra.txt"),
        at(b.path(), "gone"),
    ] {
        assert!(places.contains(&want), "{want} not in {places:?}");
    }
    assert!(!places.contains(&at(b.path(), "same.txt")), "{places:?}");
    // The engine says the same of the work it runs.
    assert_eq!(jobs.clone().work().places().len(), places.len());
}
