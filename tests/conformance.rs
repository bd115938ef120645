//! One backend conformance suite (after rclone's `fstest/fstests`): the same cases run
//! against every backend — the local disk over a temp folder, QNAP logged in to its
//! emulator, Freebox logged in to its emulator — so the `Vfs` contract is written down
//! once. Each case is a generic async fn taking a [`Fixture`]; the macro at the bottom
//! makes one `#[tokio::test]` per case and backend (`qnap::odd_names`, …).
//!
//! Optional features (server-side copy, share links, ranged reads) are tested only
//! where the backend declares them in its capabilities; elsewhere the case checks the
//! feature is absent and returns.

use crate::support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::TryStreamExt;
use nascmd::jobs::{ConflictPolicy, JobEvent, JobKind, JobSpec, TEMP_PREFIX};
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{
    ByteReader, Entry, EntryKind, ProgressFn, ServerConflict, ShareLink, ShareOptions, VPath, Vfs,
    VfsError, VfsHandle, VfsResult,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

// ------------------------------------------------------------------ adapters
//
// Every call the cases make into the `Vfs` trait goes through these few functions, so
// a change of the trait's shape is followed here, in one place.

/// What a backend declares in its `Features` record, as the cases ask it.
struct Caps {
    set_mtime: bool,
    ranged_read: bool,
    server_copy: bool,
    server_move: bool,
    share_links: bool,
}

fn caps(vfs: &dyn Vfs) -> Caps {
    let f = vfs.features();
    Caps {
        set_mtime: f.set_mtime.is_some(),
        ranged_read: f.read_range.is_some(),
        server_copy: f.server_ops.is_some(),
        server_move: f.server_ops.is_some(),
        share_links: f.share_links.is_some(),
    }
}

/// A case reached a feature the backend does not declare: a bug in the case.
fn undeclared(what: &'static str) -> VfsError {
    VfsError::Unsupported(what)
}

/// A folder's listing as the pages it arrived in.
async fn list_pages(vfs: &dyn Vfs, dir: &VPath) -> VfsResult<Vec<Vec<Entry>>> {
    vfs.list(dir).await?.try_collect().await
}

/// A folder's listing, sorted by name.
async fn list_sorted(vfs: &dyn Vfs, dir: &VPath) -> VfsResult<Vec<Entry>> {
    let mut all: Vec<Entry> = list_pages(vfs, dir).await?.into_iter().flatten().collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

async fn stat(vfs: &dyn Vfs, path: &VPath) -> VfsResult<Entry> {
    vfs.stat(path).await
}

async fn mkdir(vfs: &dyn Vfs, path: &VPath) -> VfsResult<()> {
    vfs.mkdir(path).await
}

async fn rename(vfs: &dyn Vfs, from: &VPath, to: &VPath, overwrite: bool) -> VfsResult<()> {
    vfs.rename(from, to, overwrite).await
}

async fn remove(vfs: &dyn Vfs, path: &VPath) -> VfsResult<()> {
    vfs.remove(path).await
}

/// Writes a new file of `len` bytes from a stream.
async fn put_stream(
    vfs: &dyn Vfs,
    path: &VPath,
    len: u64,
    data: ByteReader,
    mtime: Option<i64>,
) -> VfsResult<()> {
    let written = vfs.write_new(path, len, data, mtime).await?;
    // The entry a write returns is the verified one: it must say what was written.
    assert_eq!(written.size, len, "write_new returned {written:?}");
    Ok(())
}

async fn put_bytes(vfs: &dyn Vfs, path: &VPath, bytes: &[u8]) -> VfsResult<()> {
    let data: ByteReader = Box::pin(std::io::Cursor::new(bytes.to_vec()));
    put_stream(vfs, path, bytes.len() as u64, data, None).await
}

async fn open_read(vfs: &dyn Vfs, path: &VPath, offset: u64) -> VfsResult<ByteReader> {
    vfs.open_read(path, offset).await
}

/// The bytes of a file from `offset` to its end.
async fn read_all(vfs: &dyn Vfs, path: &VPath, offset: u64) -> VfsResult<Vec<u8>> {
    let mut r = open_read(vfs, path, offset).await?;
    let mut out = Vec::new();
    r.read_to_end(&mut out)
        .await
        .map_err(|e| VfsError::Network(e.to_string()))?;
    Ok(out)
}

/// The `len` bytes of a file that start at `offset`, asked of the server as a range.
async fn read_range(vfs: &dyn Vfs, path: &VPath, offset: u64, len: u64) -> VfsResult<Vec<u8>> {
    let ranged = vfs
        .features()
        .read_range
        .ok_or(undeclared("ranged reads"))?;
    let mut r = ranged.open_read_range(path, offset, len).await?;
    let mut out = Vec::new();
    r.read_to_end(&mut out)
        .await
        .map_err(|e| VfsError::Network(e.to_string()))?;
    Ok(out)
}

async fn server_copy(
    vfs: &dyn Vfs,
    items: &[VPath],
    dst_dir: &VPath,
    conflict: ServerConflict,
    progress: ProgressFn,
) -> VfsResult<()> {
    let ops = vfs
        .features()
        .server_ops
        .ok_or(undeclared("server-side copy"))?;
    ops.server_copy(items, dst_dir, conflict, progress, CancellationToken::new())
        .await
}

async fn server_move(
    vfs: &dyn Vfs,
    items: &[VPath],
    dst_dir: &VPath,
    conflict: ServerConflict,
    progress: ProgressFn,
) -> VfsResult<()> {
    let ops = vfs
        .features()
        .server_ops
        .ok_or(undeclared("server-side move"))?;
    ops.server_move(items, dst_dir, conflict, progress, CancellationToken::new())
        .await
}

async fn share_create(vfs: &dyn Vfs, path: &VPath, opts: &ShareOptions) -> VfsResult<ShareLink> {
    let links = vfs
        .features()
        .share_links
        .ok_or(undeclared("share links"))?;
    links.share_create(path, opts).await
}

async fn share_list(vfs: &dyn Vfs) -> VfsResult<Vec<ShareLink>> {
    let links = vfs
        .features()
        .share_links
        .ok_or(undeclared("share links"))?;
    links.share_list().await
}

async fn share_revoke(vfs: &dyn Vfs, link: &ShareLink) -> VfsResult<()> {
    let links = vfs
        .features()
        .share_links
        .ok_or(undeclared("share links"))?;
    links.share_revoke(link).await
}

// ------------------------------------------------------------------ fixtures

/// One backend ready for a case: an empty folder of it to work in, and the same
/// folder on the disk behind it (to prepare big trees fast and to check what landed).
struct Fixture {
    vfs: VfsHandle,
    /// The empty folder the case works in.
    root: VPath,
    /// `root` on the disk behind the backend.
    disk: PathBuf,
    /// How many entries the first page of a big folder's listing holds.
    first_page: usize,
    /// The temp folder and the emulator, kept alive for the case.
    _keep: Box<dyn std::any::Any>,
}

impl Fixture {
    fn vfs(&self) -> &dyn Vfs {
        &*self.vfs
    }

    fn path(&self, rel: &str) -> VPath {
        self.root.join_rel(rel).unwrap()
    }

    fn on_disk(&self, rel: &str) -> PathBuf {
        self.disk.join(rel)
    }
}

/// One factory per backend, named as the test modules the macro makes.
mod backends {
    use super::*;
    use nascmd::emulator::faults::FaultConfig;

    /// `LocalFs` over a temp folder. Its listing sends a small first page, then 2048.
    pub async fn local() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let disk = dir.path().to_path_buf();
        Fixture {
            vfs: Arc::new(LocalFs::new()),
            root: VPath::parse(disk.to_str().unwrap()).unwrap(),
            disk,
            first_page: 256,
            _keep: Box::new(dir),
        }
    }

    /// `QnapVfs` logged in to the QNAP emulator; the case works in the share `Public`.
    /// Its listing asks 1000 entries first, then 5000 at a time.
    pub async fn qnap() -> Fixture {
        let nas = support::qnap_client::start(FaultConfig::default(), None).await;
        let vfs = support::qnap_client::connect(&nas).await;
        Fixture {
            vfs: Arc::new(vfs),
            root: VPath::parse("/Public").unwrap(),
            disk: nas.root.join("Public"),
            first_page: nascmd::nas::qnap::ListPaging::default().first as usize,
            _keep: Box::new(nas),
        }
    }

    /// `FreeboxVfs` registered (auto grant) and logged in to the Freebox emulator; the
    /// case works on its disk. Its listing (API v16) comes in pages of 1000 (asked for
    /// here: later pages are 10 000 by default), the first of which also holds `.` and
    /// `..` (dropped).
    pub async fn freebox() -> Fixture {
        let f = support::freebox::start(|_| {}).await;
        let fbx = f.fbx.with_list_paging(nascmd::nas::freebox::LsPaging {
            first: 1000,
            next: 1000,
        });
        Fixture {
            vfs: Arc::new(fbx),
            root: VPath::parse(support::freebox::DISK).unwrap(),
            disk: f.root.path().to_path_buf(),
            first_page: 998,
            _keep: Box::new((f.emu, f.control, f.root)),
        }
    }
}

// ------------------------------------------------------------------ helpers

/// Deterministic pseudo-random bytes (xorshift), so content mix-ups show.
fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// Reads a stream to its end in small steps, hashing as it goes.
async fn sha256_of(mut r: ByteReader) -> (u64, Vec<u8>) {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf).await.unwrap();
        if k == 0 {
            return (n, h.finalize().to_vec());
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
}

fn names(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.name.as_str()).collect()
}

/// Names in a folder on disk, sorted.
fn disk_names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

fn is_not_found<T: std::fmt::Debug>(res: &VfsResult<T>) -> bool {
    matches!(res, Err(VfsError::NotFound(_)))
}

fn local_path(p: &Path) -> VPath {
    VPath::parse(p.to_str().unwrap()).unwrap()
}

// ------------------------------------------------------------------ cases

/// A folder with more entries than several pages: every name arrives once, the first
/// page as soon as it is full.
async fn paged_listing(fx: Fixture) {
    const COUNT: usize = 7_000; // ≥ 3 pages on every backend
    let many = fx.on_disk("many");
    std::fs::create_dir(&many).unwrap();
    for i in 0..COUNT {
        std::fs::write(many.join(format!("f{i:05}")), b"").unwrap();
    }
    let pages = list_pages(fx.vfs(), &fx.path("many")).await.unwrap();
    assert!(pages.len() >= 3, "{} pages", pages.len());
    assert_eq!(pages[0].len(), fx.first_page, "first page");
    let mut all: Vec<String> = pages.into_iter().flatten().map(|e| e.name).collect();
    assert_eq!(all.len(), COUNT, "names lost or repeated");
    all.sort();
    all.dedup();
    let want: Vec<String> = (0..COUNT).map(|i| format!("f{i:05}")).collect();
    assert_eq!(all, want);
    assert!(is_not_found(
        &list_pages(fx.vfs(), &fx.path("missing")).await
    ));
}

/// Names that break URL encodings, base64 tokens, shells and Unicode normalisation.
const ODD_NAMES: &[&str] = &[
    "with space",
    "a+b c",
    "#hash",
    "100% sure %41%42",
    "rock & roll=x;y",
    "l'été",
    "Ça déjà vu",
    "Spe\u{301}cial", // NFD
    "Spécial",        // NFC: another name
    "emoji 🎉🚀",
    ".hidden",
    "~~~", // a base64 token holding '+'
    "é?",  // a base64 token holding '/'
    "日本語 ファイル",
];

/// Each odd name as a folder holding a file of the same name: made, written, listed,
/// stated, read, renamed and removed under exactly that name.
async fn odd_names(fx: Fixture) {
    let vfs = fx.vfs();
    for (i, name) in ODD_NAMES.iter().enumerate() {
        let dir = fx.root.join(name).unwrap();
        mkdir(vfs, &dir).await.unwrap();
        let file = dir.join(name).unwrap();
        let data = format!("{i}: {name}").into_bytes();
        put_bytes(vfs, &file, &data).await.unwrap();
        assert_eq!(
            std::fs::read(fx.disk.join(name).join(name)).unwrap(),
            data,
            "{name:?} on disk"
        );
        let listed = list_sorted(vfs, &dir).await.unwrap();
        assert_eq!(names(&listed), [*name]);
        let st = stat(vfs, &file).await.unwrap();
        assert_eq!(
            (st.name.as_str(), st.size, st.kind),
            (*name, data.len() as u64, EntryKind::File)
        );
        assert_eq!(read_all(vfs, &file, 0).await.unwrap(), data, "{name:?}");

        let new_name = format!("{name} + {name}");
        let renamed = dir.join(&new_name).unwrap();
        rename(vfs, &file, &renamed, false).await.unwrap();
        assert!(is_not_found(&stat(vfs, &file).await), "{name:?}");
        assert_eq!(read_all(vfs, &renamed, 0).await.unwrap(), data);
        assert_eq!(disk_names(&fx.disk.join(name)), [new_name]);
    }
    let mut want: Vec<&str> = ODD_NAMES.to_vec();
    want.sort();
    assert_eq!(names(&list_sorted(vfs, &fx.root).await.unwrap()), want);
    for name in ODD_NAMES {
        remove(vfs, &fx.root.join(name).unwrap()).await.unwrap();
        assert!(!fx.disk.join(name).exists(), "{name:?} left on disk");
    }
    assert!(list_sorted(vfs, &fx.root).await.unwrap().is_empty());
}

/// mkdir, rename and remove, their refusals, and what missing items answer.
async fn mkdir_rename_remove(fx: Fixture) {
    let vfs = fx.vfs();
    let d = fx.path("Nouveau dossier");
    mkdir(vfs, &d).await.unwrap();
    let again = mkdir(vfs, &d).await;
    assert!(
        matches!(again, Err(VfsError::AlreadyExists(_))),
        "{again:?}"
    );
    assert!(fx.on_disk("Nouveau dossier").is_dir());
    assert_eq!(stat(vfs, &d).await.unwrap().kind, EntryKind::Dir);

    let (a, b, c) = (
        d.join("a.txt").unwrap(),
        d.join("b.txt").unwrap(),
        d.join("c.txt").unwrap(),
    );
    put_bytes(vfs, &a, b"0123456789").await.unwrap();
    put_bytes(vfs, &d.join(".hidden").unwrap(), b"h")
        .await
        .unwrap();
    let listed = list_sorted(vfs, &d).await.unwrap();
    let shown: Vec<_> = listed
        .iter()
        .map(|e| (e.name.as_str(), e.kind, e.size))
        .collect();
    assert_eq!(
        shown,
        [
            (".hidden", EntryKind::File, 1),
            ("a.txt", EntryKind::File, 10)
        ],
        "dot entries filtered, dot-files kept"
    );
    let st = stat(vfs, &a).await.unwrap();
    assert_eq!(
        (st.name.as_str(), st.size, st.kind),
        ("a.txt", 10, EntryKind::File)
    );
    assert!(st.mtime.is_some());

    // Rename within a folder: refuses to clobber unless asked, then replaces.
    put_bytes(vfs, &b, b"bee").await.unwrap();
    let refused = rename(vfs, &a, &b, false).await;
    assert!(
        matches!(refused, Err(VfsError::AlreadyExists(_))),
        "{refused:?}"
    );
    assert_eq!(read_all(vfs, &b, 0).await.unwrap(), b"bee");
    rename(vfs, &a, &b, true).await.unwrap();
    assert_eq!(read_all(vfs, &b, 0).await.unwrap(), b"0123456789");
    assert!(is_not_found(&stat(vfs, &a).await));
    rename(vfs, &b, &c, false).await.unwrap();
    assert_eq!(
        names(&list_sorted(vfs, &d).await.unwrap()),
        [".hidden", "c.txt"]
    );

    // Remove: a file, then a folder with content.
    remove(vfs, &c).await.unwrap();
    assert!(!fx.on_disk("Nouveau dossier/c.txt").exists());
    let sub = d.join("sub").unwrap();
    mkdir(vfs, &sub).await.unwrap();
    put_bytes(vfs, &sub.join("x").unwrap(), b"x").await.unwrap();
    remove(vfs, &d).await.unwrap();
    assert!(!fx.on_disk("Nouveau dossier").exists());

    // Missing items.
    let ghost = fx.path("nope");
    assert!(is_not_found(&stat(vfs, &ghost).await));
    assert!(is_not_found(&list_pages(vfs, &ghost).await));
    assert!(is_not_found(&open_read(vfs, &ghost, 0).await.map(|_| ())));
    assert!(is_not_found(&remove(vfs, &ghost).await));
    assert!(is_not_found(
        &mkdir(vfs, &ghost.join("deeper").unwrap()).await
    ));
}

/// A folder is never deleted to make room for a renamed file, even with `overwrite`.
async fn rename_never_replaces_a_folder(fx: Fixture) {
    let vfs = fx.vfs();
    let (file, dir) = (fx.path("f"), fx.path("dir"));
    put_bytes(vfs, &file, b"x").await.unwrap();
    mkdir(vfs, &dir).await.unwrap();
    put_bytes(vfs, &dir.join("inner").unwrap(), b"keep me")
        .await
        .unwrap();
    let onto_dir = rename(vfs, &file, &dir, true).await;
    assert!(onto_dir.is_err(), "a file renamed over a folder");
    assert_eq!(std::fs::read(fx.on_disk("dir/inner")).unwrap(), b"keep me");
    assert_eq!(std::fs::read(fx.on_disk("f")).unwrap(), b"x");
}

/// 3 MiB of pseudo-random bytes streamed in and out: the same SHA-256 both ways, the
/// size and (where the backend sets it) the modification time as written.
async fn streaming_read_write(fx: Fixture) {
    let vfs = fx.vfs();
    let data = pattern(7, 3 << 20);
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("src.bin");
    std::fs::write(&src, &data).unwrap();
    let file = tokio::fs::File::open(&src).await.unwrap();
    let target = fx.path("stream.bin");
    put_stream(
        vfs,
        &target,
        data.len() as u64,
        Box::pin(file),
        Some(1_600_000_000),
    )
    .await
    .unwrap();
    let st = stat(vfs, &target).await.unwrap();
    assert_eq!(st.size, data.len() as u64);
    if caps(vfs).set_mtime {
        assert_eq!(st.mtime, Some(1_600_000_000));
    }
    let (n, got) = sha256_of(open_read(vfs, &target, 0).await.unwrap()).await;
    assert_eq!((n, got), (data.len() as u64, sha256(&data)));
    assert!(std::fs::read(fx.on_disk("stream.bin")).unwrap() == data);
}

/// A stream that ends before the announced length fails the write, and nothing under
/// the name looks complete.
async fn short_write_is_refused(fx: Fixture) {
    let vfs = fx.vfs();
    let target = fx.path("short.bin");
    let data: ByteReader = Box::pin(std::io::Cursor::new(pattern(5, 1_000_000)));
    let err = put_stream(vfs, &target, 2_000_000, data, None)
        .await
        .unwrap_err();
    assert!(matches!(err, VfsError::SizeMismatch { .. }), "{err:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let left = std::fs::metadata(fx.on_disk("short.bin")).map(|m| m.len());
    assert!(!matches!(left, Ok(2_000_000)), "{left:?}");
}

/// Reads from an offset, and exact ranges where the backend declares ranged reads.
async fn ranged_read(fx: Fixture) {
    let vfs = fx.vfs();
    if !caps(vfs).ranged_read {
        return;
    }
    let data = pattern(11, (1 << 20) + 12_345);
    let len = data.len() as u64;
    let file = fx.path("ranged.bin");
    put_bytes(vfs, &file, &data).await.unwrap();
    let off = 600_001u64;
    assert!(read_all(vfs, &file, off).await.unwrap() == data[off as usize..]);
    let part = read_range(vfs, &file, off, 100_000).await.unwrap();
    assert!(part == data[off as usize..off as usize + 100_000]);
    let last = read_range(vfs, &file, len - 10, 10).await.unwrap();
    assert!(last == data[data.len() - 10..]);
    let first = read_range(vfs, &file, 0, 1).await.unwrap();
    assert_eq!(first, data[..1]);
}

/// Reading from the very end of a file gives no bytes (a download resumed after its
/// last byte), where the backend declares ranged reads.
async fn read_at_end_is_empty(fx: Fixture) {
    let vfs = fx.vfs();
    if !caps(vfs).ranged_read {
        return;
    }
    let data = pattern(12, 100_000);
    let file = fx.path("whole.bin");
    put_bytes(vfs, &file, &data).await.unwrap();
    let rest = read_all(vfs, &file, data.len() as u64).await;
    assert!(matches!(&rest, Ok(b) if b.is_empty()), "{rest:?}");
}

/// Copying onto an existing file through the job engine: Skip keeps it, Overwrite
/// replaces it, RenameNew keeps both; no temporary file stays.
async fn conflict_rules(fx: Fixture) {
    let vfs = fx.vfs();
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("doc.txt");
    std::fs::write(&src, b"the new version").unwrap();
    put_bytes(vfs, &fx.path("doc.txt"), b"old").await.unwrap();
    let local_fs: VfsHandle = Arc::new(LocalFs::new());
    let copy = |conflict| JobSpec {
        kind: JobKind::Copy,
        src: local_fs.clone(),
        sources: vec![local_path(&src)],
        dst: Some((fx.vfs.clone(), fx.root.clone())),
        rename_to: None,
        conflict,
    };

    let (report, _) = support::jobs::run(copy(ConflictPolicy::Skip)).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!((report.items_done, report.items_skipped), (0, 1));
    assert_eq!(std::fs::read(fx.on_disk("doc.txt")).unwrap(), b"old");

    let (report, _) = support::jobs::run(copy(ConflictPolicy::Overwrite)).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!((report.items_done, report.items_skipped), (1, 0));
    assert_eq!(
        read_all(vfs, &fx.path("doc.txt"), 0).await.unwrap(),
        b"the new version"
    );

    std::fs::write(&src, b"third").unwrap();
    let (report, _) = support::jobs::run(copy(ConflictPolicy::RenameNew)).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(disk_names(&fx.disk), ["doc (1).txt", "doc.txt"]);
    assert_eq!(std::fs::read(fx.on_disk("doc (1).txt")).unwrap(), b"third");
    assert_eq!(
        std::fs::read(fx.on_disk("doc.txt")).unwrap(),
        b"the new version"
    );
    assert!(support::jobs::temp_files(&fx.disk).is_empty());
}

/// A folder copy cancelled while its big file goes: the folders the job made are
/// removed once empty (here all of them, deepest first), a folder that was at the
/// target before (merged into) stays, and no partial file is left.
async fn cancel_mid_tree(fx: Fixture) {
    let local = tempfile::tempdir().unwrap();
    let album = local.path().join("album");
    std::fs::create_dir_all(album.join("disc1/cd")).unwrap();
    std::fs::create_dir_all(album.join("empty")).unwrap();
    std::fs::write(album.join("disc1/cd/big.bin"), pattern(4, 16 << 20)).unwrap();
    // At the target already: merged into, never removed.
    mkdir(fx.vfs(), &fx.path("album")).await.unwrap();
    let slow = support::faulty::Faulty {
        slow_reads: Some(Duration::from_millis(20)),
        ..support::faulty::Faulty::new("slow source")
    };
    let (engine, mut rx) = support::jobs::engine();
    let id = engine.start(JobSpec {
        kind: JobKind::Copy,
        src: Arc::new(slow),
        sources: vec![local_path(&album)],
        dst: Some((fx.vfs.clone(), fx.root.clone())),
        rename_to: None,
        conflict: ConflictPolicy::Overwrite,
    });
    let (cancelled_mid_way, report) = cancel_once_bytes_flow(&engine, &mut rx, id, || {
        assert!(fx.on_disk("album/disc1/cd").is_dir());
    })
    .await;
    assert!(
        cancelled_mid_way,
        "the copy ended before it could be cancelled"
    );
    assert!(report.cancelled, "{report:?}");
    assert_eq!(
        (report.items_done, report.items_total),
        (0, 1),
        "{report:?}"
    );
    assert_eq!(disk_names(&fx.disk), ["album"]);
    let left = disk_names(&fx.on_disk("album"));
    assert!(left.is_empty(), "left behind in album: {left:?}");
}

/// Cancels job `id` once its first bytes have moved (`before` runs just before), then
/// waits for it to end: whether the cancel came before the end, and the job's report.
async fn cancel_once_bytes_flow(
    engine: &nascmd::jobs::JobEngine,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<JobEvent>,
    id: nascmd::jobs::JobId,
    before: impl FnOnce(),
) -> (bool, nascmd::jobs::JobReport) {
    let wait = async {
        let mut before = Some(before);
        while let Some(ev) = rx.recv().await {
            match ev {
                JobEvent::Progress { id: j, progress } if j == id && progress.bytes_done > 0 => {
                    if let Some(before) = before.take() {
                        before();
                        engine.cancel(id);
                    }
                }
                JobEvent::Finished { id: j, report } if j == id => {
                    return (before.is_none(), report);
                }
                _ => {}
            }
        }
        panic!("event channel closed before the job finished");
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .expect("the job did not stop")
}

/// A job cancelled while it copies a big file (read slowly from its source) leaves no
/// file under the final name and no temporary file.
async fn cancel_mid_transfer(fx: Fixture) {
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("big.bin");
    std::fs::write(&src, pattern(3, 16 << 20)).unwrap();
    let slow = support::faulty::Faulty {
        slow_reads: Some(Duration::from_millis(20)), // 64 KiB per step: ~3 MB/s
        ..support::faulty::Faulty::new("slow source")
    };
    let (engine, mut rx) = support::jobs::engine();
    let id = engine.start(JobSpec {
        kind: JobKind::Copy,
        src: Arc::new(slow),
        sources: vec![local_path(&src)],
        dst: Some((fx.vfs.clone(), fx.root.clone())),
        rename_to: None,
        conflict: ConflictPolicy::Overwrite,
    });
    let (cancelled_mid_way, report) = cancel_once_bytes_flow(&engine, &mut rx, id, || {}).await;
    assert!(
        cancelled_mid_way,
        "the copy ended before it could be cancelled"
    );
    assert!(report.cancelled, "{report:?}");
    assert!(is_not_found(&stat(fx.vfs(), &fx.path("big.bin")).await));
    // A NAS may finish dropping its partial upload just after the job ends.
    for _ in 0..50 {
        if disk_names(&fx.disk).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left = disk_names(&fx.disk);
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(!left.iter().any(|n| n.starts_with(TEMP_PREFIX)));
}

/// Server-side copy and move, where declared: the tree lands whole, the source stays
/// (copy) or goes (move), progress is reported, Skip keeps an existing file.
async fn server_side_copy(fx: Fixture) {
    let vfs = fx.vfs();
    let c = caps(vfs);
    if !c.server_copy {
        assert!(!c.server_move, "server move without server copy");
        return;
    }
    std::fs::create_dir_all(fx.on_disk("src/inner")).unwrap();
    std::fs::write(fx.on_disk("src/inner/deep.txt"), b"deep file").unwrap();
    std::fs::write(fx.on_disk("src/small.txt"), b"small").unwrap();
    let big = pattern(1, 3_000_000);
    std::fs::write(fx.on_disk("a.bin"), &big).unwrap();
    mkdir(vfs, &fx.path("dst")).await.unwrap();

    let reports = Arc::new(AtomicU64::new(0));
    let counted = reports.clone();
    let progress: ProgressFn = Arc::new(move |_| {
        counted.fetch_add(1, Ordering::Relaxed);
    });
    server_copy(
        vfs,
        &[fx.path("src"), fx.path("a.bin")],
        &fx.path("dst"),
        ServerConflict::Overwrite,
        progress.clone(),
    )
    .await
    .unwrap();
    assert_eq!(
        std::fs::read(fx.on_disk("dst/src/inner/deep.txt")).unwrap(),
        b"deep file"
    );
    assert_eq!(
        std::fs::read(fx.on_disk("dst/src/small.txt")).unwrap(),
        b"small"
    );
    assert!(std::fs::read(fx.on_disk("dst/a.bin")).unwrap() == big);
    assert!(fx.on_disk("a.bin").is_file() && fx.on_disk("src/small.txt").is_file());
    assert!(reports.load(Ordering::Relaxed) > 0, "no progress reported");

    std::fs::write(fx.on_disk("dst/src/small.txt"), b"changed").unwrap();
    server_copy(
        vfs,
        &[fx.path("src")],
        &fx.path("dst"),
        ServerConflict::Skip,
        progress.clone(),
    )
    .await
    .unwrap();
    assert_eq!(
        std::fs::read(fx.on_disk("dst/src/small.txt")).unwrap(),
        b"changed"
    );

    if c.server_move {
        mkdir(vfs, &fx.path("moved")).await.unwrap();
        server_move(
            vfs,
            &[fx.path("a.bin")],
            &fx.path("moved"),
            ServerConflict::Skip,
            progress,
        )
        .await
        .unwrap();
        assert!(!fx.on_disk("a.bin").exists());
        assert!(std::fs::read(fx.on_disk("moved/a.bin")).unwrap() == big);
    }
}

/// Share links, where declared: a link to a file serves its bytes to anyone, is listed,
/// and stops serving once revoked.
async fn share_links(fx: Fixture) {
    let vfs = fx.vfs();
    if !caps(vfs).share_links {
        return;
    }
    let data = pattern(21, 300_000);
    let path = fx.path("à partager.bin");
    put_bytes(vfs, &path, &data).await.unwrap();
    let link = share_create(vfs, &path, &ShareOptions::default())
        .await
        .unwrap();
    assert_eq!(link.path, path);
    assert_eq!(link.expires, None);
    assert!(!link.url.is_empty(), "no URL");
    let served = reqwest::get(&link.url).await.unwrap();
    assert!(served.status().is_success(), "{}", served.status());
    assert!(served.bytes().await.unwrap() == data);

    let listed = share_list(vfs).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!((&listed[0].id, &listed[0].path), (&link.id, &path));

    share_revoke(vfs, &link).await.unwrap();
    assert!(share_list(vfs).await.unwrap().is_empty());
    let after = reqwest::get(&link.url).await.unwrap();
    let still_served = after.status().is_success() && after.bytes().await.unwrap() == data;
    assert!(!still_served, "a revoked link still serves the file");
}

// ------------------------------------------------------------------ one test per case and backend

/// `mod $backend { #[tokio::test] async fn $case() … }` for each case.
macro_rules! backend_tests {
    ($backend:ident: $($case:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::backends::$backend().await).await;
                }
            )*
        }
    };
}

/// Every case against every backend.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        backend_tests!(local: $($case),*);
        backend_tests!(qnap: $($case),*);
        backend_tests!(freebox: $($case),*);
    };
}

conformance!(
    paged_listing,
    odd_names,
    mkdir_rename_remove,
    rename_never_replaces_a_folder,
    streaming_read_write,
    short_write_is_refused,
    ranged_read,
    read_at_end_is_empty,
    conflict_rules,
    cancel_mid_transfer,
    cancel_mid_tree,
    server_side_copy,
    share_links,
);
