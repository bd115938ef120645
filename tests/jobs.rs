//! The job engine end to end on real temp folders with the local backend, plus a thin
//! fault-injecting `Vfs` wrapper around it (dropped streams, slow reads, a lying `stat`,
//! cross-device renames, hostile names in listings).

use crate::support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use nascmd::jobs::{ConflictAnswer, ConflictPolicy, JobEvent, JobKind};
use nascmd::vfs::{VPath, VfsHandle};
use support::faulty::Faulty;
use support::jobs::*;

// ---------------------------------------------------------------- copy

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_nested_tree_keeps_bytes_and_mtimes() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src/photos");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("a.txt"), b"hello");
    write(&src.join("empty"), b"");
    write(
        &src.join("deep/er/big.bin"),
        &pattern(3 * 1024 * 1024 + 17, 1),
    );
    std::fs::create_dir_all(src.join("empty_dir")).unwrap();
    set_mtime(&src.join("a.txt"), 1_000_000_000);
    set_mtime(&src.join("deep/er/big.bin"), 1_200_000_000);
    set_mtime(&src.join("deep/er"), 1_100_000_000);

    let (report, events) = run(spec(
        JobKind::Copy,
        local(),
        vec![vp(&src)],
        Some((local(), vp(&dst))),
    ))
    .await;

    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.items_done, 3);
    assert_eq!(report.bytes_done, 5 + 3 * 1024 * 1024 + 17);
    assert_eq!(tree(&src), tree(&dst.join("photos")));
    assert!(dst.join("photos/empty_dir").is_dir());
    assert_eq!(mtime(&dst.join("photos/a.txt")), 1_000_000_000);
    assert_eq!(mtime(&dst.join("photos/deep/er/big.bin")), 1_200_000_000);
    assert_eq!(mtime(&dst.join("photos/deep/er")), 1_100_000_000);
    assert!(temp_files(&dst).is_empty());
    assert!(matches!(events.first(), Some(JobEvent::Started { .. })));
    let last = events.iter().rev().find_map(|e| match e {
        JobEvent::Progress { progress, .. } => Some(progress.clone()),
        _ => None,
    });
    let last = last.expect("no progress event");
    assert_eq!((last.items_done, last.items_total), (3, 3));
    assert_eq!(last.bytes_done, last.bytes_total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_copy_between_backends_resumes_after_a_dropped_stream() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    let data = pattern(5 * 1024 * 1024 + 3, 7);
    write(&src.join("movie.mkv"), &data);
    set_mtime(&src.join("movie.mkv"), 1_300_000_000);
    let nas = Arc::new(Faulty::new("nas"));
    *nas.drop_read_after.lock().unwrap() = Some(2 * 1024 * 1024);

    let (report, _) = run(spec(
        JobKind::Copy,
        nas.clone(),
        vec![vp(&src.join("movie.mkv"))],
        Some((local(), vp(&dst))),
    ))
    .await;

    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(std::fs::read(dst.join("movie.mkv")).unwrap(), data);
    assert_eq!(mtime(&dst.join("movie.mkv")), 1_300_000_000);
    assert_eq!(report.bytes_done, data.len() as u64);
    let offsets = nas.read_offsets.lock().unwrap().clone();
    assert_eq!(offsets.len(), 2, "{offsets:?}");
    assert_eq!(offsets[0], 0);
    assert!(offsets[1] > 0, "did not resume: {offsets:?}");
    assert!(temp_files(&dst).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_folder_is_reported_and_not_made_empty_at_the_target() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("ok.txt"), b"ok");
    write(&src.join("locked/inside.txt"), b"secret");
    let mut nas = Faulty::new("nas");
    nas.unreadable = Some("locked".into());

    let (report, _) = run(spec(
        JobKind::Copy,
        Arc::new(nas),
        vec![vp(&src)],
        Some((local(), vp(&dst))),
    ))
    .await;

    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert!(report.failed[0].path.ends_with("/src/locked"));
    assert_eq!(std::fs::read(dst.join("src/ok.txt")).unwrap(), b"ok");
    assert!(!dst.join("src/locked").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_unreadable_file_is_reported_and_the_rest_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    for i in 0..20 {
        write(
            &src.join(format!("f{i}.txt")),
            format!("file {i}").as_bytes(),
        );
    }
    let mut nas = Faulty::new("nas");
    nas.unreadable = Some("f7.txt".into());

    let (report, _) = run(spec(
        JobKind::Copy,
        Arc::new(nas),
        vec![vp(&src)],
        Some((local(), vp(&dst))),
    ))
    .await;

    assert_eq!(report.items_done, 19);
    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0].path.ends_with("/src/f7.txt"),
        "{:?}",
        report.failed
    );
    assert!(report.failed[0].message.contains("permission"));
    assert_eq!(tree(&dst.join("src")).len(), 19);
    assert!(!dst.join("src/f7.txt").exists());
    assert!(temp_files(&dst).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_mid_copy_leaves_no_final_and_no_temp_file() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("big.iso"), &pattern(16 * 1024 * 1024, 3));
    let mut nas = Faulty::new("nas");
    nas.slow_reads = Some(Duration::from_millis(5)); // ~13 MB/s: seconds for 16 MiB

    let (engine, mut rx) = engine();
    let id = engine.start(spec(
        JobKind::Copy,
        Arc::new(nas),
        vec![vp(&src.join("big.iso"))],
        Some((local(), vp(&dst))),
    ));
    let report = tokio::time::timeout(Duration::from_secs(60), async {
        let mut cancelled = false;
        while let Some(ev) = rx.recv().await {
            match ev {
                JobEvent::Progress { progress, .. } if !cancelled && progress.bytes_done > 0 => {
                    assert!(!temp_files(&dst).is_empty(), "no temp file while copying");
                    engine.cancel(id);
                    cancelled = true;
                }
                JobEvent::Finished { report, .. } => return report,
                _ => {}
            }
        }
        panic!("channel closed");
    })
    .await
    .unwrap();

    assert!(report.cancelled);
    assert!(report.bytes_done < 16 * 1024 * 1024);
    assert!(
        !dst.join("big.iso").exists(),
        "a partial file under the final name"
    );
    assert!(
        temp_files(&dst).is_empty(),
        "temp file left: {:?}",
        temp_files(&dst)
    );
    assert_eq!(engine.running(), 0);
}

/// "Retry failed" makes the target folders the first run could not; cancelled while its
/// file is under way, it takes them back (they are empty), as a first run does with the
/// folders it made, and leaves the folder that was there before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_retry_removes_the_empty_folders_it_made() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("deep/er/big.iso"), &pattern(16 * 1024 * 1024, 3));
    let mut nas = Faulty::new("nas");
    nas.slow_reads = Some(Duration::from_millis(5)); // ~13 MB/s: seconds for 16 MiB
    // The target refuses the folder `deep` the first time.
    let target = Arc::new(Faulty::new("target"));
    *target.refused_mkdir.lock().unwrap() = Some("deep".into());

    let (engine, mut rx) = engine();
    let first = engine.start(spec(
        JobKind::Copy,
        Arc::new(nas),
        vec![vp(&src)],
        Some((target.clone(), vp(&dst))),
    ));
    let report = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(ev) = rx.recv().await {
            if let JobEvent::Finished { id, report } = ev
                && id == first
            {
                return report;
            }
        }
        panic!("channel closed");
    })
    .await
    .unwrap();
    assert_eq!(report.retry.len(), 1, "{report:?}");
    // What the retry will use, for the app's warnings (F8, F6).
    let places: Vec<String> = engine
        .retry_places(first)
        .iter()
        .map(|(_, p)| p.to_string())
        .collect();
    assert_eq!(
        places,
        [
            vp(&src.join("deep/er/big.iso")).to_string(),
            vp(&dst.join("src/deep/er/big.iso")).to_string()
        ]
    );

    // The target takes it now; Retry makes deep/ and deep/er/, then the bytes flow.
    assert!(!dst.join("src/deep").exists());
    *target.refused_mkdir.lock().unwrap() = None;
    let (retry, _) = engine.retry_failed(first).expect("a retry");
    let report = tokio::time::timeout(Duration::from_secs(60), async {
        let mut cancelled = false;
        while let Some(ev) = rx.recv().await {
            match ev {
                JobEvent::Progress { id, progress }
                    if id == retry && !cancelled && progress.bytes_done > 0 =>
                {
                    assert!(dst.join("src/deep/er").is_dir());
                    engine.cancel(retry);
                    cancelled = true;
                }
                JobEvent::Finished { id, report } if id == retry => return report,
                _ => {}
            }
        }
        panic!("channel closed");
    })
    .await
    .unwrap();

    assert!(report.cancelled, "{report:?}");
    assert!(
        !dst.join("src/deep").exists(),
        "left behind: {:?}",
        tree(&dst)
    );
    assert!(dst.join("src").is_dir(), "the first run's folder stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_reaches_a_native_local_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    std::fs::create_dir_all(&src).unwrap();
    // Sparse: costs no disk to make, but the kernel copies it as 8 GiB of zeros, which
    // takes seconds — long enough to cancel mid-way.
    let big = std::fs::File::create(src.join("disk.img")).unwrap();
    big.set_len(8 << 30).unwrap();
    drop(big);

    let (engine, mut rx) = engine();
    let id = engine.start(spec(
        JobKind::Copy,
        local(),
        vec![vp(&src.join("disk.img"))],
        Some((local(), vp(&dst))),
    ));
    let report = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(ev) = rx.recv().await {
            match ev {
                JobEvent::Progress { progress, .. } if progress.bytes_done > 0 => engine.cancel(id),
                JobEvent::Finished { report, .. } => return report,
                _ => {}
            }
        }
        panic!("channel closed");
    })
    .await
    .unwrap();

    assert!(report.cancelled);
    assert!(report.bytes_done < 8 << 30);
    assert!(!dst.join("disk.img").exists());
    assert!(
        temp_files(&dst).is_empty(),
        "temp file left: {:?}",
        temp_files(&dst)
    );
}

/// A cancel in the middle of a batch of small files: the files already in place are
/// reported done (not cancelled); the rest leave nothing behind. `released`: the stuck
/// file is let go right after the cancel (the batch answers within the grace period),
/// or only after the job ended (the batch was given up).
async fn cancel_mid_batch(released: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    for i in 0..10 {
        write(
            &src.join(format!("f{i}.txt")),
            format!("file {i}").as_bytes(),
        );
    }
    // The batch goes in listing order; the sixth file listed is the one that sticks.
    let order: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let fs: VfsHandle = Arc::new(Faulty {
        gated_copy: Some((order[5].clone(), gate.clone())),
        ..Faulty::new("gated")
    });

    let (engine, mut rx) = engine();
    let id = engine.start(spec(
        JobKind::Copy,
        fs.clone(),
        vec![vp(&src)],
        Some((fs, vp(&dst))),
    ));
    let report = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(ev) = rx.recv().await {
            match ev {
                // Progress moves file by file inside the one batch.
                JobEvent::Progress { progress, .. } if progress.items_done == 5 => {
                    engine.cancel(id);
                    if released {
                        gate.add_permits(1);
                    }
                }
                JobEvent::Finished { report, .. } => return report,
                _ => {}
            }
        }
        panic!("channel closed");
    })
    .await
    .unwrap();

    assert!(report.cancelled);
    assert_eq!(report.items_done, 5, "{report:?}");
    let landed: Vec<String> = tree(&dst.join("src")).into_keys().collect();
    let mut expected = order[..5].to_vec();
    expected.sort();
    assert_eq!(landed, expected);
    for name in &expected {
        assert_eq!(
            std::fs::read(dst.join("src").join(name)).unwrap(),
            std::fs::read(src.join(name)).unwrap()
        );
    }
    assert!(temp_files(&dst.join("src")).is_empty());
    gate.add_permits(1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_batch_reports_the_files_already_in_place_as_done() {
    cancel_mid_batch(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_given_up_after_a_cancel_still_counts_the_files_in_place() {
    cancel_mid_batch(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nas_with_server_copy_copies_by_itself_and_conflicts_stay_with_us() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("share/src");
    let dst = tmp.path().join("share/dst");
    write(&src.join("album/1.jpg"), &pattern(10_000, 1));
    write(&src.join("album/2.jpg"), &pattern(20_000, 2));
    write(&src.join("clash.txt"), b"new");
    write(&dst.join("clash.txt"), b"old");
    let mut nas = Faulty::new("nas");
    nas.server_copy = true;
    let nas = Arc::new(nas);
    let mut s = spec(
        JobKind::Copy,
        nas.clone(),
        vec![vp(&src.join("album")), vp(&src.join("clash.txt"))],
        Some((nas.clone(), vp(&dst))),
    );
    s.conflict = ConflictPolicy::Overwrite;

    let (report, _) = run(s).await;

    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.items_done, 2);
    assert_eq!(report.bytes_done, 30_003);
    assert_eq!(tree(&src.join("album")), tree(&dst.join("album")));
    assert_eq!(std::fs::read(dst.join("clash.txt")).unwrap(), b"new");
    let calls = nas.server_copies.lock().unwrap().clone();
    assert_eq!(calls, vec![(vec![vp(&src.join("album"))], vp(&dst))]);
}

// ---------------------------------------------------------------- move

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_move_is_a_rename() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("docs/a.txt"), b"a");
    write(&src.join("docs/sub/b.txt"), b"b");
    let before = tree(&src.join("docs"));

    let (report, _) = run(spec(
        JobKind::Move,
        local(),
        vec![vp(&src.join("docs"))],
        Some((local(), vp(&dst))),
    ))
    .await;

    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(!src.join("docs").exists());
    assert_eq!(tree(&dst.join("docs")), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_into_an_existing_folder_merges_and_keeps_skipped_files() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    write(&src.join("docs/new.txt"), b"new");
    write(&src.join("docs/sub/deep.txt"), b"deep");
    write(&src.join("docs/clash.txt"), b"mine");
    write(&dst.join("docs/clash.txt"), b"theirs");
    write(&dst.join("docs/other.txt"), b"other");
    let mut s = spec(
        JobKind::Move,
        local(),
        vec![vp(&src.join("docs"))],
        Some((local(), vp(&dst))),
    );
    s.conflict = ConflictPolicy::Skip;

    let (report, _) = run(s).await;

    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!((report.items_done, report.items_skipped), (2, 1));
    let moved: Vec<_> = tree(&dst.join("docs")).into_keys().collect();
    assert_eq!(moved, ["clash.txt", "new.txt", "other.txt", "sub/deep.txt"]);
    assert_eq!(
        std::fs::read(dst.join("docs/clash.txt")).unwrap(),
        b"theirs"
    );
    // The skipped file stays, and so does its folder; everything else left the source.
    assert_eq!(
        tree(&src).into_keys().collect::<Vec<_>>(),
        ["docs/clash.txt"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_across_devices_copies_then_deletes_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("docs/a.txt"), b"a");
    write(&src.join("docs/sub/b.txt"), &pattern(300_000, 9));
    let before = tree(&src.join("docs"));
    let mut fs = Faulty::new("local");
    fs.cross_device = true;
    let fs: VfsHandle = Arc::new(fs);

    let (report, _) = run(spec(
        JobKind::Move,
        fs.clone(),
        vec![vp(&src.join("docs"))],
        Some((fs, vp(&dst))),
    ))
    .await;

    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(tree(&dst.join("docs")), before);
    assert!(!src.join("docs").exists(), "source tree not removed");
    assert_eq!(report.items_done, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_keeps_the_source_when_verification_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("precious.db"), &pattern(100_000, 5));
    let target = Faulty::new("nas");
    target.lying_stat.store(true, Ordering::SeqCst);

    let (report, _) = run(spec(
        JobKind::Move,
        local(),
        vec![vp(&src.join("precious.db"))],
        Some((Arc::new(target), vp(&dst))),
    ))
    .await;

    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0].message.contains("size mismatch"),
        "{:?}",
        report.failed
    );
    assert_eq!(
        std::fs::read(src.join("precious.db")).unwrap(),
        pattern(100_000, 5)
    );
    assert!(!dst.join("precious.db").exists());
    assert!(temp_files(&dst).is_empty());
}

// ---------------------------------------------------------------- conflicts

fn conflict_setup(tmp: &Path) -> (PathBuf, PathBuf) {
    let src = tmp.join("src");
    let dst = tmp.join("dst");
    for n in ["a", "b", "c"] {
        write(&src.join(format!("{n}.txt")), format!("new {n}").as_bytes());
        write(&dst.join(format!("{n}.txt")), format!("old {n}").as_bytes());
    }
    (src, dst)
}

fn sources(src: &Path) -> Vec<VPath> {
    ["a", "b", "c"]
        .iter()
        .map(|n| vp(&src.join(format!("{n}.txt"))))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_conflicts_answer_one_then_apply_to_all() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dst) = conflict_setup(tmp.path());
    let mut asked = Vec::new();
    let (report, events) = run_with(
        spec(
            JobKind::Copy,
            local(),
            sources(&src),
            Some((local(), vp(&dst))),
        ),
        |target| {
            asked.push(target.name().to_owned());
            if asked.len() == 1 {
                (ConflictAnswer::Overwrite, false)
            } else {
                (ConflictAnswer::Skip, true)
            }
        },
    )
    .await;

    assert_eq!(
        asked,
        ["a.txt", "b.txt"],
        "apply-to-all did not stop the questions"
    );
    let conflicts = events
        .iter()
        .filter(|e| matches!(e, JobEvent::Conflict { .. }))
        .count();
    assert_eq!(conflicts, 2);
    assert_eq!(std::fs::read(dst.join("a.txt")).unwrap(), b"new a");
    assert_eq!(std::fs::read(dst.join("b.txt")).unwrap(), b"old b");
    assert_eq!(std::fs::read(dst.join("c.txt")).unwrap(), b"old c");
    assert_eq!((report.items_done, report.items_skipped), (1, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_rename_writes_under_the_new_name() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dst) = conflict_setup(tmp.path());
    let (report, _) = run_with(
        spec(
            JobKind::Copy,
            local(),
            sources(&src)[..1].to_vec(),
            Some((local(), vp(&dst))),
        ),
        |_| (ConflictAnswer::Rename("a-copy.txt".into()), false),
    )
    .await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(std::fs::read(dst.join("a-copy.txt")).unwrap(), b"new a");
    assert_eq!(std::fs::read(dst.join("a.txt")).unwrap(), b"old a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newer_only_replaces_only_older_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dst) = conflict_setup(tmp.path());
    set_mtime(&src.join("a.txt"), 2_000_000_000); // newer than the target
    set_mtime(&dst.join("a.txt"), 1_000_000_000);
    set_mtime(&src.join("b.txt"), 1_000_000_000); // older than the target
    set_mtime(&dst.join("b.txt"), 2_000_000_000);
    set_mtime(&src.join("c.txt"), 1_500_000_000); // same age
    set_mtime(&dst.join("c.txt"), 1_500_000_000);
    let mut s = spec(
        JobKind::Copy,
        local(),
        sources(&src),
        Some((local(), vp(&dst))),
    );
    s.conflict = ConflictPolicy::NewerOnly;

    let (report, _) = run(s).await;

    assert_eq!(std::fs::read(dst.join("a.txt")).unwrap(), b"new a");
    assert_eq!(std::fs::read(dst.join("b.txt")).unwrap(), b"old b");
    assert_eq!(std::fs::read(dst.join("c.txt")).unwrap(), b"old c");
    assert_eq!((report.items_done, report.items_skipped), (1, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_new_keeps_both() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dst) = conflict_setup(tmp.path());
    write(&dst.join("a (1).txt"), b"older copy");
    let mut s = spec(
        JobKind::Copy,
        local(),
        sources(&src),
        Some((local(), vp(&dst))),
    );
    s.conflict = ConflictPolicy::RenameNew;

    let (report, _) = run(s).await;

    assert_eq!(report.items_done, 3);
    assert_eq!(std::fs::read(dst.join("a.txt")).unwrap(), b"old a");
    assert_eq!(std::fs::read(dst.join("a (1).txt")).unwrap(), b"older copy");
    assert_eq!(std::fs::read(dst.join("a (2).txt")).unwrap(), b"new a");
    assert_eq!(std::fs::read(dst.join("b (1).txt")).unwrap(), b"new b");
}

// ---------------------------------------------------------------- refusals, names

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_into_itself_and_onto_itself_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    write(&src.join("inner/f.txt"), b"x");
    let before = tree(tmp.path());

    for (sources, dst) in [
        (vec![vp(&src)], vp(&src.join("inner"))),
        (vec![vp(&src.join("inner/f.txt"))], vp(&src.join("inner"))),
    ] {
        let (report, _) = run(spec(JobKind::Copy, local(), sources, Some((local(), dst)))).await;
        assert_eq!(report.failed.len(), 1, "not refused");
        assert_eq!(report.items_done, 0);
    }
    assert_eq!(tree(tmp.path()), before, "a refused job touched the disk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_target_folder_is_one_error() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    for i in 0..5 {
        write(&src.join(format!("f{i}")), b"x");
    }
    let (report, _) = run(spec(
        JobKind::Copy,
        local(),
        vec![vp(&src)],
        Some((local(), vp(&tmp.path().join("nowhere")))),
    ))
    .await;
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert!(report.failed[0].path.ends_with("/nowhere"));
    assert!(!tmp.path().join("nowhere").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_in_a_listing_become_item_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("area/dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("fine.txt"), b"fine");
    write(
        &src.join("esc\x1b[31mred.txt"),
        b"escape codes are legal names",
    );
    let mut nas = Faulty::new("nas");
    nas.hostile_names = vec!["..".into(), "../../escaped".into(), "a\0b".into()];

    let (report, _) = run(spec(
        JobKind::Copy,
        Arc::new(nas),
        vec![vp(&src)],
        Some((local(), vp(&dst))),
    ))
    .await;

    assert_eq!(report.items_done, 2);
    assert_eq!(report.failed.len(), 3, "{:?}", report.failed);
    for f in &report.failed {
        assert!(f.message.contains("invalid name"), "{f:?}");
        assert!(!f.path.contains('\x1b') && !f.path.contains('\0'), "{f:?}");
    }
    assert_eq!(
        tree(&tmp.path().join("area"))
            .into_keys()
            .collect::<Vec<_>>(),
        ["dst/src/esc\x1b[31mred.txt", "dst/src/fine.txt"]
    );
    assert!(!tmp.path().join("escaped").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_to_a_file_is_reported_not_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("real.txt"), b"real");
    std::os::unix::fs::symlink("/etc/hostname", src.join("link")).unwrap();

    let (report, _) = run(spec(
        JobKind::Copy,
        local(),
        vec![vp(&src)],
        Some((local(), vp(&dst))),
    ))
    .await;

    assert_eq!(report.items_done, 1);
    assert_eq!(report.failed.len(), 1);
    assert!(report.failed[0].path.ends_with("/src/link"));
    assert_eq!(report.failed[0].message, "not copied: a symbolic link");
    assert_eq!(tree(&dst).into_keys().collect::<Vec<_>>(), ["src/real.txt"]);
}

/// Reading a FIFO would wait for a writer forever: it is refused like a link, and the
/// rest of the copy completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_is_reported_not_copied_and_nothing_hangs() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("real.txt"), b"real");
    support::fifo::mkfifo(src.join("pipe"));

    let (report, _) = tokio::time::timeout(
        Duration::from_secs(30),
        run(spec(
            JobKind::Copy,
            local(),
            vec![vp(&src)],
            Some((local(), vp(&dst))),
        )),
    )
    .await
    .expect("the copy hung on the FIFO");

    assert_eq!(report.items_done, 1);
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].path.ends_with("/src/pipe"));
    assert_eq!(
        report.failed[0].message,
        "not copied: a special file (FIFO, socket or device)"
    );
    assert_eq!(tree(&dst).into_keys().collect::<Vec<_>>(), ["src/real.txt"]);
}

/// Regression: a link to a folder outside the tree was once walked like a folder, so a
/// move (copy + delete) emptied the folder it pointed to. Links are never followed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_to_an_outside_folder_is_never_walked_or_emptied() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    write(&outside.join("precious.txt"), b"keep me");
    let src = tmp.path().join("src");
    write(&src.join("real.txt"), b"real");
    std::os::unix::fs::symlink(&outside, src.join("link")).unwrap();
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();

    let (copy, _) = run(spec(
        JobKind::Copy,
        local(),
        vec![vp(&src)],
        Some((local(), vp(&dst))),
    ))
    .await;
    assert_eq!(copy.failed.len(), 1, "{:?}", copy.failed);
    assert!(copy.failed[0].path.ends_with("/src/link"));
    assert!(!dst.join("src/link/precious.txt").exists());

    let (delete, _) = run(spec(JobKind::Delete, local(), vec![vp(&src)], None)).await;
    assert!(delete.failed.is_empty(), "{:?}", delete.failed);
    assert!(!src.exists());
    assert_eq!(
        std::fs::read(outside.join("precious.txt")).unwrap(),
        b"keep me"
    );
}

// ---------------------------------------------------------------- delete

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_removes_trees_and_files() {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("t/a/b/c.txt"), b"c");
    write(&tmp.path().join("t/x.txt"), b"x");
    write(&tmp.path().join("lone.txt"), b"l");
    write(&tmp.path().join("keep.txt"), b"k");

    let (report, _) = run(spec(
        JobKind::Delete,
        local(),
        vec![vp(&tmp.path().join("t")), vp(&tmp.path().join("lone.txt"))],
        None,
    ))
    .await;

    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.items_done, 2);
    assert_eq!(
        tree(tmp.path()).into_keys().collect::<Vec<_>>(),
        ["keep.txt"]
    );
    assert!(!tmp.path().join("t").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_of_a_missing_item_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("here.txt"), b"h");
    let (report, _) = run(spec(
        JobKind::Delete,
        local(),
        vec![
            vp(&tmp.path().join("gone.txt")),
            vp(&tmp.path().join("here.txt")),
        ],
        None,
    ))
    .await;
    assert_eq!(report.items_done, 1);
    assert_eq!(report.failed.len(), 1);
    assert!(report.failed[0].path.ends_with("gone.txt"));
    assert!(!tmp.path().join("here.txt").exists());
}

// ---------------------------------------------------------------- scale

/// Planning a tree on a slow backend lists the next folders while it plans one, so a
/// NAS's round trips overlap instead of adding up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planning_lists_several_folders_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    for d in 0..8 {
        write(&src.join(format!("d{d}/f.txt")), format!("{d}").as_bytes());
    }
    let nas = Arc::new(Faulty {
        list_delay: Some(Duration::from_millis(50)),
        ..Faulty::new("slow-nas")
    });
    let (report, _) = run(spec(
        JobKind::Copy,
        nas.clone(),
        vec![vp(&src)],
        Some((local(), vp(&dst))),
    ))
    .await;
    assert_eq!(report.items_done, 8, "{report:?}");
    assert_eq!(tree(&dst).len(), 8);
    let most = nas.most_lists_at_once.load(Ordering::SeqCst);
    assert!(most >= 2, "listings ran one at a time ({most})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_small_files_are_planned_and_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    for d in 0..100 {
        let dir = src.join(format!("d{d:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..100 {
            std::fs::write(dir.join(format!("f{f:03}.txt")), format!("{d}/{f}")).unwrap();
        }
    }

    let (report, events) = run(spec(
        JobKind::Copy,
        local(),
        vec![vp(&src)],
        Some((local(), vp(&dst))),
    ))
    .await;

    assert!(
        report.failed.is_empty(),
        "{:?}",
        &report.failed[..report.failed.len().min(3)]
    );
    assert_eq!(report.items_done, 10_000);
    let copied = tree(&dst.join("src"));
    assert_eq!(copied.len(), 10_000);
    assert_eq!(copied["d042/f017.txt"], b"42/17");
    let planning = events
        .iter()
        .filter(|e| matches!(e, JobEvent::Progress { progress, .. } if progress.planning))
        .count();
    assert!(planning >= 1, "no progress while planning");
    let seen_total = events.iter().any(
        |e| matches!(e, JobEvent::Progress { progress, .. } if progress.items_total == 10_000),
    );
    assert!(seen_total);
}

/// The local backend's one-call copy into place (`Vfs::copy_file_into_place`), which the
/// engine uses for every local→local file: the final name only ever holds a verified
/// file, an existing one is kept unless overwriting, and a failed or cancelled copy
/// leaves no temporary file.
mod native_copy {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::time::Duration;

    use nascmd::jobs::JobKind;
    use nascmd::vfs::local::LocalFs;
    use nascmd::vfs::{BytesFn, CopyIntoPlace, LandedFn, NativeCopy, VfsError};
    use tokio_util::sync::CancellationToken;

    use crate::support::jobs::*;

    fn counting() -> (BytesFn, Arc<AtomicU64>) {
        let n = Arc::new(AtomicU64::new(0));
        let c = n.clone();
        let progress: BytesFn = Arc::new(move |b| {
            c.fetch_add(b, Ordering::Relaxed);
        });
        (progress, n)
    }

    /// `src/from.bin` (100 000 bytes) and a job copying it to `dst/to.bin`.
    fn no_landing() -> LandedFn {
        Arc::new(|_, _| {})
    }

    fn setup(tmp: &std::path::Path, overwrite: bool) -> CopyIntoPlace {
        write(&tmp.join("src/from.bin"), &pattern(100_000, 7));
        set_mtime(&tmp.join("src/from.bin"), 1_000_000_000);
        std::fs::create_dir_all(tmp.join("dst")).unwrap();
        CopyIntoPlace {
            from: vp(&tmp.join("src/from.bin")),
            temp: vp(&tmp.join("dst/.nascmd-part-test-to.bin")),
            to: vp(&tmp.join("dst/to.bin")),
            expected_size: 100_000,
            mtime: Some(1_000_000_000),
            overwrite,
        }
    }

    #[tokio::test]
    async fn copies_into_place_with_bytes_mtime_and_progress() {
        let tmp = tempfile::tempdir().unwrap();
        let job = setup(tmp.path(), false);
        let (progress, counted) = counting();
        let n = LocalFs::new()
            .copy_file_into_place(&job, progress, CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(n, 100_000);
        assert_eq!(counted.load(Ordering::Relaxed), 100_000);
        let dst = tmp.path().join("dst");
        assert_eq!(
            std::fs::read(dst.join("to.bin")).unwrap(),
            pattern(100_000, 7)
        );
        assert_eq!(mtime(&dst.join("to.bin")), 1_000_000_000);
        assert!(temp_files(&dst).is_empty());
    }

    #[tokio::test]
    async fn an_existing_target_is_kept_unless_overwriting() {
        let tmp = tempfile::tempdir().unwrap();
        let job = setup(tmp.path(), false);
        let dst = tmp.path().join("dst");
        // Appeared after planning decided there was no conflict.
        write(&dst.join("to.bin"), b"someone else's file");
        let (progress, _) = counting();
        let res = LocalFs::new()
            .copy_file_into_place(&job, progress.clone(), CancellationToken::new())
            .await;
        assert!(matches!(res, Err(VfsError::AlreadyExists(_))), "{res:?}");
        assert_eq!(
            std::fs::read(dst.join("to.bin")).unwrap(),
            b"someone else's file"
        );
        assert!(temp_files(&dst).is_empty(), "{:?}", temp_files(&dst));

        let job = CopyIntoPlace {
            overwrite: true,
            ..job
        };
        LocalFs::new()
            .copy_file_into_place(&job, progress, CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(
            std::fs::read(dst.join("to.bin")).unwrap(),
            pattern(100_000, 7)
        );
        assert!(temp_files(&dst).is_empty());
    }

    #[tokio::test]
    async fn a_size_mismatch_puts_nothing_under_the_final_name() {
        let tmp = tempfile::tempdir().unwrap();
        // The source changed since planning: it holds one byte less than expected.
        let job = CopyIntoPlace {
            expected_size: 100_001,
            ..setup(tmp.path(), true)
        };
        let (progress, _) = counting();
        let res = LocalFs::new()
            .copy_file_into_place(&job, progress, CancellationToken::new())
            .await;
        assert!(
            matches!(
                res,
                Err(VfsError::SizeMismatch {
                    expected: 100_001,
                    found: 100_000,
                    ..
                })
            ),
            "{res:?}"
        );
        let dst = tmp.path().join("dst");
        assert!(!dst.join("to.bin").exists());
        assert!(temp_files(&dst).is_empty());
    }

    #[tokio::test]
    async fn a_cancelled_copy_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let job = setup(tmp.path(), true);
        let cancel = CancellationToken::new();
        cancel.cancel();
        let (progress, _) = counting();
        let res = LocalFs::new()
            .copy_file_into_place(&job, progress, cancel)
            .await;
        assert!(matches!(res, Err(VfsError::Cancelled)), "{res:?}");
        let dst = tmp.path().join("dst");
        assert!(!dst.join("to.bin").exists());
        assert!(temp_files(&dst).is_empty());
    }

    /// While the engine copies many files of different sizes, a watcher keeps reading the
    /// target: every file it finds under a final name must already be whole.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn final_names_only_ever_hold_whole_files() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        let dst = tmp.path().join("dst");
        std::fs::create_dir_all(&dst).unwrap();
        // The size is in the name, so the watcher knows what a whole file holds.
        // Mostly batched small files, some above the batch limit (256 KiB).
        let mut total = 0;
        for i in 0..400usize {
            let len = (i * 7919) % 300_000;
            write(&src.join(format!("{len}.bin")), &pattern(len, i as u8));
            total += len as u64;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (stop2, target) = (stop.clone(), dst.join("src"));
        let watcher = std::thread::spawn(move || {
            let (mut checked, mut partial) = (0u64, Vec::new());
            while !stop2.load(Ordering::Relaxed) {
                let Ok(rd) = std::fs::read_dir(&target) else {
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                };
                for e in rd.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let Some(len) = name
                        .strip_suffix(".bin")
                        .and_then(|n| n.parse::<u64>().ok())
                    else {
                        continue; // a temporary file
                    };
                    if let Ok(md) = e.metadata() {
                        checked += 1;
                        if md.len() != len {
                            partial.push((name, md.len()));
                        }
                    }
                }
            }
            (checked, partial)
        });

        let (report, _) = run(spec(
            JobKind::Copy,
            local(),
            vec![vp(&src)],
            Some((local(), vp(&dst))),
        ))
        .await;
        stop.store(true, Ordering::Relaxed);
        let (checked, partial) = watcher.join().unwrap();

        assert!(report.failed.is_empty(), "{:?}", report.failed);
        assert_eq!(report.items_done, 400);
        assert_eq!(report.bytes_done, total, "progress bytes");
        assert!(checked > 0, "the watcher never saw a file");
        assert!(
            partial.is_empty(),
            "partial files under final names: {partial:?}"
        );
        assert_eq!(tree(&dst.join("src")), tree(&src));
    }

    #[tokio::test]
    async fn a_batch_reports_each_file_and_one_failure_spoils_only_itself() {
        let tmp = tempfile::tempdir().unwrap();
        let dst = tmp.path().join("dst");
        std::fs::create_dir_all(&dst).unwrap();
        let jobs: Vec<CopyIntoPlace> = (0..3)
            .map(|i| {
                let from = tmp.path().join(format!("src/{i}.txt"));
                write(&from, &pattern(1000 + i, i as u8));
                CopyIntoPlace {
                    from: vp(&from),
                    temp: vp(&dst.join(format!(".nascmd-part-x-{i}.txt"))),
                    to: vp(&dst.join(format!("{i}.txt"))),
                    // The middle one changed since planning.
                    expected_size: if i == 1 { 5 } else { 1000 + i as u64 },
                    mtime: None,
                    overwrite: false,
                }
            })
            .collect();
        let landings = Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = landings.clone();
        let landed: LandedFn =
            Arc::new(move |index, bytes| record.lock().unwrap().push((index, bytes)));
        let results = LocalFs::new()
            .copy_files_into_place(&jobs, landed, CancellationToken::new())
            .await;
        assert_eq!(results.len(), 3);
        // Each file is announced as it lands, so progress moves within the batch.
        assert_eq!(*landings.lock().unwrap(), vec![(0, 1000), (2, 1002)]);
        assert_eq!(*results[0].as_ref().unwrap(), 1000);
        assert!(matches!(results[1], Err(VfsError::SizeMismatch { .. })));
        assert_eq!(*results[2].as_ref().unwrap(), 1002);
        assert_eq!(std::fs::read(dst.join("2.txt")).unwrap(), pattern(1002, 2));
        assert!(!dst.join("1.txt").exists());
        assert!(temp_files(&dst).is_empty());

        // A cancelled batch copies nothing.
        let cancel = CancellationToken::new();
        cancel.cancel();
        std::fs::remove_dir_all(&dst).unwrap();
        std::fs::create_dir_all(&dst).unwrap();
        let results = LocalFs::new()
            .copy_files_into_place(&jobs, no_landing(), cancel)
            .await;
        assert!(
            results
                .iter()
                .all(|r| matches!(r, Err(VfsError::Cancelled)))
        );
        assert!(std::fs::read_dir(&dst).unwrap().next().is_none());
    }

    #[tokio::test]
    async fn a_batch_keeps_an_existing_target_unless_overwriting() {
        let tmp = tempfile::tempdir().unwrap();
        let job = setup(tmp.path(), false);
        let dst = tmp.path().join("dst");
        write(&dst.join("to.bin"), b"theirs");
        let results = LocalFs::new()
            .copy_files_into_place(
                std::slice::from_ref(&job),
                no_landing(),
                CancellationToken::new(),
            )
            .await;
        assert!(
            matches!(results[0], Err(VfsError::AlreadyExists(_))),
            "{results:?}"
        );
        assert_eq!(std::fs::read(dst.join("to.bin")).unwrap(), b"theirs");
        assert!(temp_files(&dst).is_empty(), "{:?}", temp_files(&dst));

        let job = CopyIntoPlace {
            overwrite: true,
            ..job
        };
        let results = LocalFs::new()
            .copy_files_into_place(&[job], no_landing(), CancellationToken::new())
            .await;
        assert_eq!(*results[0].as_ref().unwrap(), 100_000);
        assert_eq!(
            std::fs::read(dst.join("to.bin")).unwrap(),
            pattern(100_000, 7)
        );
        assert_eq!(mtime(&dst.join("to.bin")), 1_000_000_000);
        assert!(temp_files(&dst).is_empty());
    }
}

/// What one uploaded small file costs on the wire, read from the emulators' request logs:
/// the job engine writes under a temporary name, verifies and renames, and the backends
/// must do that in as few requests as their APIs allow. QNAP assembles, verifies and
/// places the file itself (`Features::atomic_upload`): start_chunked_upload, one final
/// chunked_upload carrying name, overwrite rule and mtime. Freebox: upload,
/// info of the temporary file, info of the final name (whether a real box's rename
/// refuses an existing name is not known, so it is asked first), rename. The cost per
/// file is the difference between copying 11 files and copying 1, so the per-job
/// requests (login, planning) cancel out.
mod requests_per_file {
    use std::path::Path;
    use std::sync::Arc;

    use nascmd::emulator::RunningEmulator;
    use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
    use nascmd::emulator::request_log::RequestLog;
    use nascmd::nas::qnap::{QnapConfig, QnapVfs};
    use nascmd::secret::Secret;
    use nascmd::vfs::{VPath, VfsHandle};

    use crate::support::jobs::*;

    /// The QNAP emulator over `root` (alice, password pw), its request log and a client
    /// logged in to it; the emulator stops when the first is dropped.
    async fn logged_in_qnap(root: &Path) -> (RunningEmulator, RequestLog, VfsHandle) {
        let cfg = QnapEmulatorConfig::new(root, "alice", "pw");
        let log = cfg.request_log.clone();
        let emu = qnap::spawn(cfg).await.unwrap();
        let nas: VfsHandle = Arc::new(
            QnapVfs::connect(QnapConfig {
                base_url: emu.base_url.clone(),
                user: "alice".into(),
                password: Secret::new("pw"),
                ..QnapConfig::default()
            })
            .await
            .unwrap(),
        );
        (emu, log, nas)
    }

    /// Requests the NAS received while `n` local 16 KiB files were copied to `dst`.
    async fn requests_for(n: usize, nas: VfsHandle, dst: VPath, log: &RequestLog) -> u64 {
        let src = tempfile::tempdir().unwrap();
        let mut sources = Vec::new();
        for i in 0..n {
            let p = src.path().join(format!("f{i}.bin"));
            write(&p, &pattern(16 * 1024, i as u8));
            sources.push(vp(&p));
        }
        log.clear();
        let (report, _) = run(spec(
            nascmd::jobs::JobKind::Copy,
            local(),
            sources,
            Some((nas, dst)),
        ))
        .await;
        assert!(report.failed.is_empty(), "{report:?}");
        log.count()
    }

    #[tokio::test]
    async fn qnap_two_requests_per_small_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("Public/one")).unwrap();
        std::fs::create_dir_all(dir.path().join("Public/many")).unwrap();
        let (_emu, log, nas) = logged_in_qnap(dir.path()).await;
        let one = requests_for(1, nas.clone(), VPath::parse("/Public/one").unwrap(), &log).await;
        let many = requests_for(11, nas, VPath::parse("/Public/many").unwrap(), &log).await;
        let per_file = (many - one) as f64 / 10.0;
        assert!(
            per_file <= 2.0,
            "{per_file} requests per file: {:?}",
            log.lines()
        );
        assert_eq!(
            std::fs::read_dir(dir.path().join("Public/many"))
                .unwrap()
                .count(),
            11
        );
    }

    /// A download of one file asks the NAS for the file's entry twice (the round trip
    /// measure's two `stat`s, the second of which the planner uses), not three times:
    /// across a link each `stat` is a round trip before the first byte.
    #[tokio::test]
    async fn a_download_asks_for_its_source_twice() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("Public")).unwrap();
        write(&dir.path().join("Public/one.bin"), &pattern(16 * 1024, 3));
        let (_emu, log, nas) = logged_in_qnap(dir.path()).await;
        let down = tempfile::tempdir().unwrap();
        log.clear();
        // As the commander and the CLI run jobs: adapted to the measured round trip.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let engine = nascmd::jobs::JobEngine::with_options(
            tx,
            nascmd::jobs::EngineOptions {
                adapt_to_link: true,
                ..Default::default()
            },
        );
        let id = engine.start(spec(
            nascmd::jobs::JobKind::Copy,
            nas,
            vec![VPath::parse("/Public/one.bin").unwrap()],
            Some((local(), vp(down.path()))),
        ));
        let report = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            loop {
                match rx.recv().await {
                    Some(nascmd::jobs::JobEvent::Finished { id: j, report }) if j == id => {
                        return report;
                    }
                    Some(_) => {}
                    None => panic!("the engine stopped"),
                }
            }
        })
        .await
        .expect("the job did not finish");
        assert!(report.failed.is_empty(), "{report:?}");
        assert_eq!(
            std::fs::read(down.path().join("one.bin")).unwrap(),
            pattern(16 * 1024, 3)
        );
        let lines = log.lines();
        let stats = lines.iter().filter(|l| l.ends_with("func=stat")).count();
        assert_eq!(stats, 2, "{lines:?}");
    }

    #[tokio::test]
    async fn freebox_requests_per_small_file() {
        let log = RequestLog::default();
        let for_emu = log.clone();
        let crate::support::freebox::Fixture {
            emu: _emu,
            fbx,
            root,
            ..
        } = crate::support::freebox::start(move |cfg| cfg.request_log = for_emu).await;
        std::fs::create_dir_all(root.path().join("one")).unwrap();
        std::fs::create_dir_all(root.path().join("many")).unwrap();
        let nas: VfsHandle = Arc::new(fbx);
        let one = requests_for(1, nas.clone(), crate::support::freebox::disk("one"), &log).await;
        let many = requests_for(11, nas, crate::support::freebox::disk("many"), &log).await;
        let per_file = (many - one) as f64 / 10.0;
        assert!(
            per_file <= 4.0,
            "{per_file} requests per file: {:?}",
            log.lines()
        );
        assert_eq!(
            std::fs::read_dir(root.path().join("many")).unwrap().count(),
            11
        );
    }
}
