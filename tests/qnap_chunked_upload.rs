//! Uploads to QNAP through the chunked funcs, end to end: the job engine and the QNAP
//! client against the emulator (resume after a cut mid-chunk, the fallback to the
//! standard upload on old firmware, the overwrite rule, nothing left behind).

use crate::support;

use std::path::Path;
use std::sync::Arc;

use nascmd::emulator::RunningEmulator;
use nascmd::emulator::faults::FaultConfig;
use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
use nascmd::emulator::request_log::RequestLog;
use nascmd::jobs::{JobEvent, JobKind};
use nascmd::nas::qnap::{QnapConfig, QnapVfs};
use nascmd::secret::Secret;
use nascmd::vfs::{UploadTarget, VPath, Vfs, VfsError, VfsHandle};

use support::jobs::*;

const MIB: usize = 1 << 20;

struct Box_ {
    dir: tempfile::TempDir,
    log: RequestLog,
    _emu: RunningEmulator,
    nas: Arc<QnapVfs>,
}

impl Box_ {
    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn handle(&self) -> VfsHandle {
        self.nas.clone()
    }

    /// Names in `Public/.@upload_cache` (the emulator's chunk files).
    fn cached(&self) -> Vec<String> {
        match std::fs::read_dir(self.root().join("Public/.@upload_cache")) {
            Ok(d) => d
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    fn count(&self, func: &str) -> usize {
        let want = format!("func={func}");
        self.log
            .lines()
            .iter()
            .filter(|l| l.ends_with(&want))
            .count()
    }
}

/// An emulator (tweaked by `tweak`) with a `Public/up` folder, and a client logged in
/// to it that sends chunks of `chunk` bytes.
async fn start(chunk: u64, tweak: impl FnOnce(&mut QnapEmulatorConfig)) -> Box_ {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("Public/up")).unwrap();
    let mut cfg = QnapEmulatorConfig::new(dir.path(), "alice", "pw");
    tweak(&mut cfg);
    let log = cfg.request_log.clone();
    let emu = qnap::spawn(cfg).await.unwrap();
    let nas = QnapVfs::connect(QnapConfig {
        base_url: emu.base_url.clone(),
        user: "alice".into(),
        password: Secret::new("pw"),
        upload_chunk_size: chunk,
        ..QnapConfig::default()
    })
    .await
    .unwrap();
    Box_ {
        dir,
        log,
        _emu: emu,
        nas: Arc::new(nas),
    }
}

/// Copies `files` (name, bytes) from a local folder into `/Public/up`.
async fn copy_up(b: &Box_, files: &[(&str, Vec<u8>)]) -> nascmd::jobs::JobReport {
    let src = tempfile::tempdir().unwrap();
    let mut sources = Vec::new();
    for (name, data) in files {
        let p = src.path().join(name);
        write(&p, data);
        set_mtime(&p, 1_500_000_000);
        sources.push(vp(&p));
    }
    let dst = VPath::parse("/Public/up").unwrap();
    let (report, _) = run(spec(
        JobKind::Copy,
        local(),
        sources,
        Some((b.handle(), dst)),
    ))
    .await;
    report
}

#[tokio::test]
async fn a_big_upload_cut_mid_chunk_goes_on_from_what_the_nas_holds() {
    let b = start(MIB as u64, |c| {
        c.faults = FaultConfig {
            drop_after_bytes: Some(512 * 1024),
            ..FaultConfig::default()
        }
    })
    .await;
    let data = pattern(5 * MIB, 3);
    b.log.clear();
    let report = copy_up(&b, &[("big.bin", data.clone())]).await;
    assert!(report.failed.is_empty(), "{report:?}");
    let got = std::fs::read(b.root().join("Public/up/big.bin")).unwrap();
    assert!(got == data, "the bytes differ");
    assert_eq!(mtime(&b.root().join("Public/up/big.bin")), 1_500_000_000);
    // One upload, asked where it stood once, and continued: the retry sent less than
    // the file (starting over would have sent one chunk + the whole file again).
    assert_eq!(b.count("start_chunked_upload"), 1, "{:?}", b.log.lines());
    assert_eq!(
        b.count("get_chunked_upload_status"),
        1,
        "{:?}",
        b.log.lines()
    );
    let sent = b.log.body_bytes();
    let overhead = 6 * 1024; // multipart headers and the few form posts
    assert!(
        sent < (5 * MIB + MIB) as u64,
        "{sent} bytes sent for a {} byte file",
        data.len()
    );
    assert!(sent >= data.len() as u64 && sent < (5 * MIB + 512 * 1024 + overhead) as u64);
    assert!(b.cached().is_empty(), "{:?}", b.cached());
    assert!(temp_files(&b.root().join("Public")).is_empty());
}

#[tokio::test]
async fn old_firmware_gets_the_standard_upload_for_the_rest_of_the_session() {
    let b = start(0, |c| c.chunked_upload = false).await;
    assert!(b.nas.features().resumable_upload);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("a.bin", pattern(16 * 1024, 1)),
        ("b.bin", pattern(40_000, 2)),
        ("c \"q\".bin", pattern(10, 3)),
    ];
    b.log.clear();
    let report = copy_up(&b, &files).await;
    assert!(report.failed.is_empty(), "{report:?}");
    for (name, data) in &files {
        let p = b.root().join("Public/up").join(name);
        assert_eq!(&std::fs::read(&p).unwrap(), data, "{name}");
        assert_eq!(mtime(&p), 1_500_000_000);
    }
    // Asked once, then never again.
    assert_eq!(b.count("start_chunked_upload"), 1, "{:?}", b.log.lines());
    assert_eq!(b.count("upload"), 3);
    assert!(!b.nas.features().resumable_upload);
    assert!(temp_files(&b.root().join("Public")).is_empty());
    let left: Vec<_> = std::fs::read_dir(b.root().join("Public/up"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 3, "{left:?}");
}

#[tokio::test]
async fn overwrite_zero_is_refused_and_the_upload_abandoned() {
    use nascmd::vfs::AtomicUpload;
    let b = start(0, |_| {}).await;
    let old = b.root().join("Public/up/keep.txt");
    std::fs::write(&old, b"old").unwrap();
    let target = UploadTarget {
        path: VPath::parse("/Public/up/keep.txt").unwrap(),
        len: 3,
        mtime: None,
        overwrite: false,
    };
    let up: &dyn AtomicUpload = &*b.nas;
    let id = up.begin_upload(&target).await.unwrap();
    let data: nascmd::vfs::ByteReader = Box::pin(std::io::Cursor::new(b"new".to_vec()));
    let err = up.upload_from(&id, &target, 0, data).await.unwrap_err();
    assert!(matches!(err, VfsError::AlreadyExists(_)), "{err:?}");
    assert_eq!(std::fs::read(&old).unwrap(), b"old");
    up.abandon_upload(&id, &target).await.unwrap();
    assert!(b.cached().is_empty());
    // With overwrite the same upload replaces it.
    let target = UploadTarget {
        overwrite: true,
        ..target
    };
    let id = up.begin_upload(&target).await.unwrap();
    let data: nascmd::vfs::ByteReader = Box::pin(std::io::Cursor::new(b"new".to_vec()));
    let entry = up.upload_from(&id, &target, 0, data).await.unwrap();
    assert_eq!(entry.size, 3);
    assert_eq!(std::fs::read(&old).unwrap(), b"new");
}

#[tokio::test]
async fn the_cache_folder_is_never_listed() {
    use futures_util::TryStreamExt;
    use nascmd::vfs::AtomicUpload;
    let b = start(0, |_| {}).await;
    let report = copy_up(&b, &[("x.bin", pattern(1000, 1))]).await;
    assert!(report.failed.is_empty(), "{report:?}");
    // An upload under way: its cache folder exists in the share.
    let target = UploadTarget {
        path: VPath::parse("/Public/up/y.bin").unwrap(),
        len: 10,
        mtime: None,
        overwrite: false,
    };
    let up: &dyn AtomicUpload = &*b.nas;
    let id = up.begin_upload(&target).await.unwrap();
    assert!(b.root().join("Public/.@upload_cache").is_dir());
    let pages: Vec<_> = b
        .nas
        .list(&VPath::parse("/Public").unwrap())
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<String> = pages.into_iter().flatten().map(|e| e.name).collect();
    assert_eq!(names, vec!["up".to_string()]);
    up.abandon_upload(&id, &target).await.unwrap();
    assert!(!b.root().join("Public/.@upload_cache").exists());
}

#[tokio::test]
async fn a_cancelled_upload_leaves_no_cache_and_no_file() {
    let b = start(MIB as u64, |c| {
        c.faults = FaultConfig {
            bandwidth: Some(2 * MIB as u64),
            ..FaultConfig::default()
        }
    })
    .await;
    let src = tempfile::tempdir().unwrap();
    let p = src.path().join("slow.bin");
    write(&p, &pattern(8 * MIB, 5));
    let (engine, mut rx) = engine();
    let id = engine.start(spec(
        JobKind::Copy,
        local(),
        vec![vp(&p)],
        Some((b.handle(), VPath::parse("/Public/up").unwrap())),
    ));
    let mut cancelled = false;
    let report = loop {
        match rx.recv().await.unwrap() {
            JobEvent::Progress { progress, .. }
                if !cancelled && progress.bytes_done > MIB as u64 =>
            {
                engine.cancel(id);
                cancelled = true;
            }
            JobEvent::Finished { report, .. } => break report,
            _ => {}
        }
    };
    assert!(report.cancelled, "{report:?}");
    assert!(!b.root().join("Public/up/slow.bin").exists());
    assert!(b.cached().is_empty(), "{:?}", b.cached());
    assert_eq!(b.count("delete_chunked_upload_file"), 1);
}

/// The reply to the final chunk is lost (cut in half) after the NAS put the file in
/// place: the retry finds the upload gone and the file there, and neither sends it again
/// nor fails on its own file.
#[tokio::test]
async fn a_lost_final_reply_finds_the_file_in_place() {
    // Login and get_tree (connect), stat and get_list (planning), start, chunk: the
    // sixth reply is cut.
    let b = start(0, |c| {
        c.faults = FaultConfig {
            truncate_every: Some(6),
            ..FaultConfig::default()
        }
    })
    .await;
    let data = pattern(16 * 1024, 9);
    let report = copy_up(&b, &[("one.bin", data.clone())]).await;
    let lines = b.log.lines();
    assert!(lines[5].ends_with("func=chunked_upload"), "{lines:?}");
    assert!(report.failed.is_empty(), "{report:?}");
    let p = b.root().join("Public/up/one.bin");
    assert_eq!(std::fs::read(&p).unwrap(), data);
    assert_eq!(mtime(&p), 1_500_000_000);
    assert_eq!(b.count("chunked_upload"), 1, "{lines:?}");
    assert_eq!(b.count("start_chunked_upload"), 1, "{lines:?}");
    assert!(b.cached().is_empty());
}
