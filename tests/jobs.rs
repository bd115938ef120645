//! The job engine end to end on real temp folders with the local backend, plus a thin
//! fault-injecting `Vfs` wrapper around it (dropped streams, slow reads, a lying `stat`,
//! cross-device renames, hostile names in listings).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use futures_util::StreamExt;
use nascmd::jobs::{
    ConflictAnswer, ConflictPolicy, EngineOptions, JobEngine, JobEvent, JobKind, JobReport,
    JobSpec, RetryPolicy, TEMP_PREFIX,
};
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{
    ByteReader, Capabilities, Entry, EntryKind, ListStream, ProgressFn, ServerConflict,
    TaskProgress, VPath, Vfs, VfsError, VfsHandle, VfsResult,
};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

// ---------------------------------------------------------------- helpers

fn vp(p: &Path) -> VPath {
    VPath::parse(p.to_str().unwrap()).unwrap()
}

fn local() -> VfsHandle {
    Arc::new(LocalFs::new())
}

fn engine() -> (JobEngine, UnboundedReceiver<JobEvent>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = EngineOptions {
        workers: 4,
        retry: RetryPolicy {
            retries: 3,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
    };
    (JobEngine::with_options(tx, opts), rx)
}

fn spec(
    kind: JobKind,
    src: VfsHandle,
    sources: Vec<VPath>,
    dst: Option<(VfsHandle, VPath)>,
) -> JobSpec {
    JobSpec {
        kind,
        src,
        sources,
        dst,
        rename_to: None,
        conflict: ConflictPolicy::Ask,
    }
}

/// Runs a job to its end, answering conflicts with `answer`; returns the report and
/// every event seen.
async fn run_with(
    spec: JobSpec,
    mut answer: impl FnMut(&VPath) -> (ConflictAnswer, bool),
) -> (JobReport, Vec<JobEvent>) {
    let (engine, mut rx) = engine();
    let id = engine.start(spec);
    let mut seen = Vec::new();
    let fut = async {
        while let Some(ev) = rx.recv().await {
            seen.push(ev.clone());
            match ev {
                JobEvent::Conflict { id: j, target, .. } if j == id => {
                    let (a, all) = answer(&target);
                    engine.answer_conflict(id, a, all);
                }
                JobEvent::Finished { id: j, report } if j == id => return report,
                _ => {}
            }
        }
        panic!("event channel closed before the job finished");
    };
    let report = tokio::time::timeout(Duration::from_secs(120), fut)
        .await
        .expect("job did not finish in time");
    (report, seen)
}

async fn run(spec: JobSpec) -> (JobReport, Vec<JobEvent>) {
    run_with(spec, |t| panic!("unexpected conflict for {t}")).await
}

fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

fn set_mtime(path: &Path, secs: u64) {
    let f = std::fs::File::open(path).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

fn mtime(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Every file below `root`: relative path → bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_str().unwrap().to_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn temp_files(root: &Path) -> Vec<String> {
    tree(root)
        .into_keys()
        .filter(|k| k.rsplit('/').next().unwrap().starts_with(TEMP_PREFIX))
        .collect()
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

// ---------------------------------------------------------------- fault injection

/// LocalFs behind a different label (so the engine streams through itself instead of
/// using the local fast paths) with switchable faults.
#[derive(Default)]
struct Faulty {
    label: String,
    /// Drop the next read stream after this many bytes (once).
    drop_read_after: Mutex<Option<u64>>,
    /// Offsets `open_read` was called with.
    read_offsets: Mutex<Vec<u64>>,
    /// Sleep this long per read chunk of 64 KiB.
    slow_reads: Option<Duration>,
    /// `stat` of temp files reports one byte less (a failed verification).
    lying_stat: AtomicBool,
    /// Renames to another folder fail like EXDEV.
    cross_device: bool,
    /// Extra hostile names listed in every folder.
    hostile_names: Vec<String>,
    /// Reading a file of this name fails with "permission denied".
    unreadable: Option<String>,
    /// Offers server-side copy (done here with std::fs, reporting progress).
    server_copy: bool,
    server_copies: Mutex<Vec<(Vec<VPath>, VPath)>>,
}

impl Faulty {
    fn new(label: &str) -> Self {
        Faulty {
            label: label.to_owned(),
            ..Faulty::default()
        }
    }
}

#[async_trait]
impl Vfs for Faulty {
    fn label(&self) -> String {
        self.label.clone()
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            server_copy: self.server_copy,
            ..LocalFs.capabilities()
        }
    }
    async fn server_copy(
        &self,
        items: &[VPath],
        dst_dir: &VPath,
        _conflict: ServerConflict,
        progress: ProgressFn,
        _cancel: CancellationToken,
    ) -> VfsResult<()> {
        self.server_copies
            .lock()
            .unwrap()
            .push((items.to_vec(), dst_dir.clone()));
        let mut done = 0;
        for item in items {
            let from = PathBuf::from(item.as_str());
            let to = PathBuf::from(dst_dir.as_str()).join(item.name());
            for (rel, bytes) in tree(&from) {
                write(&to.join(rel), &bytes);
                done += bytes.len() as u64;
                progress(TaskProgress {
                    bytes_done: done,
                    ..TaskProgress::default()
                });
            }
        }
        Ok(())
    }
    async fn list(&self, dir: &VPath) -> VfsResult<ListStream> {
        let inner = LocalFs.list(dir).await?;
        let extra: Vec<Entry> = self
            .hostile_names
            .iter()
            .map(|n| Entry {
                name: n.clone(),
                kind: EntryKind::File,
                size: 3,
                mtime: Some(1),
                mode: None,
                readonly: false,
            })
            .collect();
        Ok(inner
            .chain(futures_util::stream::once(async move { Ok(extra) }))
            .boxed())
    }
    async fn stat(&self, path: &VPath) -> VfsResult<Entry> {
        let mut e = LocalFs.stat(path).await?;
        if self.lying_stat.load(Ordering::SeqCst) && path.name().starts_with(TEMP_PREFIX) {
            e.size = e.size.saturating_sub(1);
        }
        Ok(e)
    }
    async fn mkdir(&self, path: &VPath) -> VfsResult<()> {
        LocalFs.mkdir(path).await
    }
    async fn rename(&self, from: &VPath, to: &VPath, overwrite: bool) -> VfsResult<()> {
        if self.cross_device && from.parent() != to.parent() {
            return Err(VfsError::io(
                "rename",
                std::io::Error::from(std::io::ErrorKind::CrossesDevices),
            ));
        }
        LocalFs.rename(from, to, overwrite).await
    }
    async fn remove(&self, path: &VPath) -> VfsResult<()> {
        LocalFs.remove(path).await
    }
    async fn open_read(&self, path: &VPath, offset: u64) -> VfsResult<ByteReader> {
        if self.unreadable.as_deref() == Some(path.name()) {
            return Err(VfsError::PermissionDenied(path.to_string()));
        }
        self.read_offsets.lock().unwrap().push(offset);
        let inner = LocalFs.open_read(path, offset).await?;
        let drop_after = self.drop_read_after.lock().unwrap().take();
        Ok(Box::pin(FaultyReader {
            inner,
            left: drop_after,
            delay: self.slow_reads,
            sleep: None,
        }))
    }
    async fn write_new(
        &self,
        path: &VPath,
        len: u64,
        data: ByteReader,
        mtime: Option<i64>,
    ) -> VfsResult<()> {
        LocalFs.write_new(path, len, data, mtime).await
    }
    async fn set_mtime(&self, path: &VPath, mtime: i64) -> VfsResult<()> {
        LocalFs.set_mtime(path, mtime).await
    }
    fn can_append(&self) -> bool {
        true
    }
    async fn append(&self, path: &VPath, len: u64, data: ByteReader) -> VfsResult<()> {
        LocalFs.append(path, len, data).await
    }
}

/// A reader that can fail after N bytes and can be slow.
struct FaultyReader {
    inner: ByteReader,
    left: Option<u64>,
    delay: Option<Duration>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl AsyncRead for FaultyReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if let Some(d) = self.delay {
            let sleep = self
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(d)));
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.sleep = None;
        }
        if self.left == Some(0) {
            return Poll::Ready(Err(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            )));
        }
        let cap = self.left.unwrap_or(u64::MAX).min(64 * 1024) as usize;
        let mut small = vec![0u8; cap.min(buf.remaining())];
        let mut rb = ReadBuf::new(&mut small);
        match self.inner.as_mut().poll_read(cx, &mut rb) {
            Poll::Ready(Ok(())) => {
                let n = rb.filled().len();
                buf.put_slice(rb.filled());
                if let Some(l) = self.left.as_mut() {
                    *l -= n as u64;
                }
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

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
    assert!(report.failed[0].message.contains("symbolic links"));
    assert_eq!(tree(&dst).into_keys().collect::<Vec<_>>(), ["src/real.txt"]);
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
