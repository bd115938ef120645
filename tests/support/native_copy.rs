//! The local backend's one-call copy into place (`NativeCopy::copy_file_into_place`), which the
//! engine uses for every local→local file: the final name only ever holds a verified
//! file, an existing one is kept unless overwriting, and a failed or cancelled copy
//! leaves no temporary file.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use nascmd::jobs::JobKind;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{BytesFn, CopyIntoPlace, LandedFn, NativeCopy, VfsError};
use tokio_util::sync::CancellationToken;

use super::helpers::*;

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
