//! The local disk backend. Blocking filesystem calls run on tokio's blocking pool
//! (via `tokio::fs`), listings are produced in pages so a 100 000-entry folder starts
//! showing before it is fully read.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use futures_util::StreamExt;

use tokio_util::sync::CancellationToken;

use super::{
    Append, ByteReader, BytesFn, Checksums, CopyIntoPlace, Durable, Entry, EntryKind, Features,
    LandedFn, ListStream, NativeCopy, ReadRange, SetMtime, SpaceInfo, VPath, Vfs, VfsError,
    VfsResult, WriteAt,
};

mod batch;

use super::local_write::write_exactly;

/// Entries per listing page.
const PAGE: usize = 2048;
/// Entries in the first page: enough to fill a screen, small enough to arrive within
/// a few milliseconds even in a 100 000-entry folder on a busy machine.
const FIRST_PAGE: usize = 256;
/// Copy buffer: tokio's default 8 KiB makes large copies several times slower.
pub const COPY_BUF: usize = 1024 * 1024;

/// The local filesystem, seen through `VPath`s that are absolute local paths.
#[derive(Debug, Default, Clone)]
pub struct LocalFs;

impl LocalFs {
    pub fn new() -> Self {
        LocalFs
    }

    fn real(path: &VPath) -> PathBuf {
        local_path(path)
    }
}

/// The OS path a local `VPath` names: bytes that are not UTF-8 in a name are given back
/// as the bytes they are ([`crate::undecodable`]), so such a file stays operable.
pub fn local_path(path: &VPath) -> PathBuf {
    PathBuf::from(crate::undecodable::to_os(path.as_str()).into_owned())
}

pub use crate::regular_file::open_regular;

/// Converts local metadata to an `Entry`.
pub fn entry_from_metadata(name: String, md: &std::fs::Metadata) -> Entry {
    let kind = if md.file_type().is_symlink() {
        EntryKind::Symlink
    } else if md.is_dir() {
        EntryKind::Dir
    } else if md.is_file() {
        EntryKind::File
    } else {
        EntryKind::Special
    };
    Entry {
        name,
        kind,
        size: if kind == EntryKind::File { md.len() } else { 0 },
        mtime: Some(md.mtime()),
        mode: Some(md.permissions().mode()),
        readonly: md.permissions().readonly(),
    }
}

/// Lists an open folder synchronously in pages (runs on the blocking pool).
fn list_pages(rd: std::fs::ReadDir, tx: tokio::sync::mpsc::Sender<VfsResult<Vec<Entry>>>) {
    let mut page = Vec::with_capacity(FIRST_PAGE);
    let mut limit = FIRST_PAGE;
    for item in rd {
        let Ok(item) = item else { continue };
        let name = crate::undecodable::from_os(&item.file_name()).into_owned();
        // Not followed (`DirEntry::metadata` is an `lstat`): a link is listed as a link,
        // never as what it points to, so no tree walk (copy, move, delete) ever follows
        // it out of the tree it walks. The pane still opens a link to a folder on Enter
        // (it lists the link's path). It stats relative to the open folder, sparing a
        // full path walk (and a path allocation) per entry.
        let md = match item.metadata() {
            Ok(md) => md,
            Err(_) => continue, // vanished between readdir and stat
        };
        page.push(entry_from_metadata(name, &md));
        if page.len() == limit {
            if tx.blocking_send(Ok(std::mem::take(&mut page))).is_err() {
                return; // nobody listens any more
            }
            limit = PAGE;
            page.reserve(PAGE);
        }
    }
    let _ = tx.blocking_send(Ok(page));
}

#[async_trait]
impl Vfs for LocalFs {
    fn label(&self) -> String {
        "local".to_owned()
    }

    fn features(&self) -> Features<'_> {
        Features {
            cheap_rename: true,
            set_mtime: Some(self),
            read_range: Some(self),
            write_at: Some(self),
            append: Some(self),
            native_copy: Some(self),
            durable: Some(self),
            checksums: Some(self),
            terminal_safe_names: true,
            thumbnails: Some(self),
            ..Features::default()
        }
    }

    async fn list(&self, dir: &VPath) -> VfsResult<ListStream> {
        let real = Self::real(dir);
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let (opened_tx, opened_rx) = tokio::sync::oneshot::channel();
        // One hand-off to the blocking pool: it opens the folder, says whether that
        // worked, then goes on reading pages while the caller takes the first ones
        // (a tree walk lists many small folders; each hand-off is two thread wake-ups).
        tokio::task::spawn_blocking(move || match std::fs::read_dir(&real) {
            Ok(rd) => {
                if opened_tx.send(Ok(())).is_ok() {
                    list_pages(rd, tx);
                }
            }
            Err(e) => {
                let _ = opened_tx.send(Err(e));
            }
        });
        let opened = opened_rx
            .await
            .unwrap_or_else(|_| Err(std::io::Error::other("the folder lister stopped")));
        opened.map_err(|e| VfsError::io(dir.to_string(), e))?;
        Ok(tokio_stream_from(rx).boxed())
    }

    async fn stat(&self, path: &VPath) -> VfsResult<Entry> {
        let real = Self::real(path);
        let md = tokio::fs::symlink_metadata(&real)
            .await
            .map_err(|e| VfsError::io(path.to_string(), e))?;
        // Not followed, for the same reason as in listings.
        Ok(entry_from_metadata(path.name().to_owned(), &md))
    }

    async fn mkdir(&self, path: &VPath) -> VfsResult<()> {
        tokio::fs::create_dir(Self::real(path))
            .await
            .map_err(|e| VfsError::io(path.to_string(), e))
    }

    async fn rename(&self, from: &VPath, to: &VPath, overwrite: bool) -> VfsResult<()> {
        let (f, t) = (Self::real(from), Self::real(to));
        let ctx = format!("rename {from} → {to}");
        let res = tokio::task::spawn_blocking(move || rename_blocking(&f, &t, overwrite))
            .await
            .map_err(|e| VfsError::io(ctx.clone(), std::io::Error::other(e)))?;
        match res {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(VfsError::AlreadyExists(to.to_string()))
            }
            other => other.map_err(|e| VfsError::io(ctx, e)),
        }
    }

    async fn remove(&self, path: &VPath) -> VfsResult<()> {
        let real = Self::real(path);
        let md = tokio::fs::symlink_metadata(&real)
            .await
            .map_err(|e| VfsError::io(path.to_string(), e))?;
        let r = if md.is_dir() {
            tokio::fs::remove_dir_all(&real).await
        } else {
            tokio::fs::remove_file(&real).await
        };
        r.map_err(|e| VfsError::io(path.to_string(), e))
    }

    /// rmdir: fails, and removes nothing, when the folder holds anything.
    async fn remove_emptied_folder(&self, path: &VPath) -> VfsResult<()> {
        tokio::fs::remove_dir(Self::real(path))
            .await
            .map_err(|e| VfsError::io(path.to_string(), e))
    }

    async fn open_read(&self, path: &VPath, offset: u64) -> VfsResult<ByteReader> {
        let real = Self::real(path);
        let opened = tokio::task::spawn_blocking(move || open_regular(&real))
            .await
            .map_err(|e| VfsError::io(path.to_string(), std::io::Error::other(e)))?;
        let f = opened.map_err(|e| VfsError::io(path.to_string(), e))?;
        // Reads of a `PIECE` or more pass the buffer by (`local_read.rs`); smaller ones
        // are gathered into it.
        Ok(Box::pin(tokio::io::BufReader::with_capacity(
            super::local_read::PIECE,
            super::local_read::LocalReader::new(f, offset),
        )))
    }

    async fn write_new(
        &self,
        path: &VPath,
        len: u64,
        mut data: ByteReader,
        mtime: Option<i64>,
    ) -> VfsResult<Entry> {
        let real = Self::real(path);
        let f = tokio::task::spawn_blocking(move || std::fs::File::create(real))
            .await
            .map_err(|e| VfsError::io(path.to_string(), std::io::Error::other(e)))?
            .map_err(|e| VfsError::io(path.to_string(), e))?;
        write_exactly(f, &mut data, path, len).await?;
        if let Some(m) = mtime {
            self.set_mtime(path, m).await?;
        }
        self.stat(path).await
    }

    async fn space(&self, path: &VPath) -> VfsResult<Option<SpaceInfo>> {
        let real = Self::real(path);
        Ok(tokio::task::spawn_blocking(move || statvfs_space(&real))
            .await
            .ok()
            .flatten())
    }
}

#[async_trait]
impl ReadRange for LocalFs {
    async fn open_read_range(&self, path: &VPath, offset: u64, len: u64) -> VfsResult<ByteReader> {
        super::range_of_open_read(self, path, offset, len).await
    }
}

#[async_trait]
impl Append for LocalFs {
    async fn append(&self, path: &VPath, len: u64, mut data: ByteReader) -> VfsResult<()> {
        let real = Self::real(path);
        let f = tokio::task::spawn_blocking(move || {
            std::fs::OpenOptions::new().append(true).open(real)
        })
        .await
        .map_err(|e| VfsError::io(path.to_string(), std::io::Error::other(e)))?
        .map_err(|e| VfsError::io(path.to_string(), e))?;
        write_exactly(f, &mut data, path, len).await?;
        Ok(())
    }
}

#[async_trait]
impl NativeCopy for LocalFs {
    async fn copy_file(
        &self,
        from: &VPath,
        to: &VPath,
        mtime: Option<i64>,
        progress: BytesFn,
        cancel: CancellationToken,
    ) -> VfsResult<u64> {
        let (src, dst) = (Self::real(from), Self::real(to));
        let ctx = format!("copy {from} → {to}");
        tokio::task::spawn_blocking(move || {
            copy_file_blocking(&src, &dst, mtime, &progress, &cancel)
        })
        .await
        .map_err(|e| VfsError::io(ctx.clone(), std::io::Error::other(e)))?
        .map_err(|e| match e {
            CopyError::Cancelled => VfsError::Cancelled,
            CopyError::Vfs(e) => e,
            CopyError::Io(e) => VfsError::io(ctx, e),
        })
    }

    async fn copy_file_into_place(
        &self,
        job: &CopyIntoPlace,
        progress: BytesFn,
        cancel: CancellationToken,
    ) -> VfsResult<u64> {
        let owned = job.clone();
        // One hand-off to the blocking pool per file (not one per step): for small
        // files the hand-offs, not the copying, were the cost (docs/PERFORMANCE.md).
        tokio::task::spawn_blocking(move || place_one(&owned, &progress, &cancel))
            .await
            .unwrap_or_else(|e| Err(VfsError::io(job.to.to_string(), std::io::Error::other(e))))
    }

    async fn copy_files_into_place(
        &self,
        jobs: &[CopyIntoPlace],
        landed: LandedFn,
        cancel: CancellationToken,
    ) -> Vec<VfsResult<u64>> {
        let owned = jobs.to_vec();
        let quiet: BytesFn = std::sync::Arc::new(|_| {});
        // The whole batch in one hand-off to the blocking pool.
        let res = tokio::task::spawn_blocking(move || {
            let mut dirs = batch::Dirs::default();
            let mut results = Vec::with_capacity(owned.len());
            for (index, job) in owned.iter().enumerate() {
                let res = batch::place(job, &mut dirs, &quiet, &cancel);
                if let Ok(bytes) = res {
                    landed(index, bytes);
                }
                results.push(res);
            }
            results
        })
        .await;
        match res {
            Ok(results) => results,
            Err(e) => jobs
                .iter()
                .map(|j| {
                    Err(VfsError::io(
                        j.to.to_string(),
                        std::io::Error::other(e.to_string()),
                    ))
                })
                .collect(),
        }
    }
}

#[async_trait]
impl SetMtime for LocalFs {
    async fn set_mtime(&self, path: &VPath, mtime: i64) -> VfsResult<()> {
        let real = Self::real(path);
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime.max(0) as u64);
        let ctx = path.to_string();
        tokio::task::spawn_blocking(move || {
            // Read-only open works for folders too; setting explicit times needs
            // ownership either way, not write access.
            let f = std::fs::File::open(&real)?;
            f.set_modified(t)
        })
        .await
        .map_err(|e| VfsError::io(ctx.clone(), std::io::Error::other(e)))?
        .map_err(|e| VfsError::io(ctx, e))
    }
}

#[async_trait]
impl Durable for LocalFs {
    async fn sync_data(&self, path: &VPath) -> VfsResult<()> {
        super::local_durable::sync_data(path).await
    }

    async fn truncate(&self, path: &VPath, len: u64) -> VfsResult<()> {
        super::local_durable::truncate(path, len).await
    }

    async fn replace_private(&self, path: &VPath, data: bytes::Bytes) -> VfsResult<()> {
        super::local_durable::replace_private(path, data).await
    }
}

#[async_trait]
impl Checksums for LocalFs {
    async fn sha256(&self, path: &VPath) -> VfsResult<String> {
        super::local_checksum::sha256(path).await
    }

    fn computed_by(&self) -> &'static str {
        "local disk"
    }
}

#[async_trait]
impl WriteAt for LocalFs {
    async fn create_sized(&self, path: &VPath, len: u64) -> VfsResult<()> {
        super::local_write_at::create_sized(path, len).await
    }

    async fn write_at(&self, path: &VPath, offset: u64, data: bytes::Bytes) -> VfsResult<()> {
        super::local_write_at::write_at(path, offset, data).await
    }
}

/// One copy into place on the calling (blocking) thread; a failure removes the
/// temporary file right here, so no later step can race it.
fn place_one(
    job: &CopyIntoPlace,
    progress: &BytesFn,
    cancel: &CancellationToken,
) -> VfsResult<u64> {
    if cancel.is_cancelled() {
        return Err(VfsError::Cancelled);
    }
    let (src, temp, to) = (
        LocalFs::real(&job.from),
        LocalFs::real(&job.temp),
        LocalFs::real(&job.to),
    );
    let res = copy_into_place_blocking(&src, &temp, &to, job, progress, cancel);
    if res.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    res.map_err(|e| placing_error(e, job))
}

fn placing_error(e: CopyError, job: &CopyIntoPlace) -> VfsError {
    match e {
        CopyError::Cancelled => VfsError::Cancelled,
        CopyError::Vfs(e) => e,
        CopyError::Io(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            VfsError::AlreadyExists(job.to.to_string())
        }
        CopyError::Io(e) => VfsError::io(format!("copy {} → {}", job.from, job.to), e),
    }
}

/// A rename that refuses to replace an existing `to` unless `overwrite`: atomically
/// with `renameat2(RENAME_NOREPLACE)` where the kernel and filesystem support it (no
/// window where another writer's file could be replaced), else check-then-rename.
fn rename_blocking(from: &Path, to: &Path, overwrite: bool) -> std::io::Result<()> {
    if overwrite {
        return std::fs::rename(from, to);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    if std::fs::symlink_metadata(to).is_ok() {
        return Err(std::io::ErrorKind::AlreadyExists.into());
    }
    std::fs::rename(from, to)
}

/// Bytes per `copy_file_range` call: big enough to be fast, small enough that a cancel
/// is seen within milliseconds.
const RANGE_CHUNK: usize = 8 * 1024 * 1024;

pub(super) enum CopyError {
    Cancelled,
    Io(std::io::Error),
    /// A finished error (the size check).
    Vfs(VfsError),
}

impl From<std::io::Error> for CopyError {
    fn from(e: std::io::Error) -> Self {
        CopyError::Io(e)
    }
}

/// One local file copy on a blocking thread: `copy_file_range` (the kernel moves the
/// bytes, reflinks on filesystems that can), falling back to a read/write loop with a
/// `COPY_BUF` buffer where the kernel refuses (cross-filesystem on old kernels, special
/// files). The mtime is set on the open descriptor, saving a re-open.
fn copy_file_blocking(
    src: &Path,
    dst: &Path,
    mtime: Option<i64>,
    progress: &BytesFn,
    cancel: &CancellationToken,
) -> Result<u64, CopyError> {
    copy_to_open_file(src, dst, mtime, progress, cancel).map(|(copied, _)| copied)
}

/// [`copy_file_blocking`], then the size check on the written descriptor (`fstat`: the
/// very inode that gets renamed), a last look at the cancel token, and the rename into
/// place — all on the calling thread.
fn copy_into_place_blocking(
    src: &Path,
    temp: &Path,
    to: &Path,
    job: &CopyIntoPlace,
    progress: &BytesFn,
    cancel: &CancellationToken,
) -> Result<u64, CopyError> {
    let (copied, output) = copy_to_open_file(src, temp, job.mtime, progress, cancel)?;
    let written = output.metadata()?.len();
    drop(output);
    job.check_size(written).map_err(CopyError::Vfs)?;
    if cancel.is_cancelled() {
        return Err(CopyError::Cancelled);
    }
    rename_blocking(temp, to, job.overwrite)?;
    Ok(copied)
}

/// Copies `src` to a new `dst` and returns the bytes copied and the still open output.
fn copy_to_open_file(
    src: &Path,
    dst: &Path,
    mtime: Option<i64>,
    progress: &BytesFn,
    cancel: &CancellationToken,
) -> Result<(u64, std::fs::File), CopyError> {
    let input = open_regular(src)?;
    let output = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(dst)?;
    copy_between(input, output, mtime, progress, cancel)
}

/// Copies all of `input` into the new, empty `output`, sets `mtime` on it and returns
/// the bytes copied and the still open output.
pub(super) fn copy_between(
    mut input: std::fs::File,
    mut output: std::fs::File,
    mtime: Option<i64>,
    progress: &BytesFn,
    cancel: &CancellationToken,
) -> Result<(u64, std::fs::File), CopyError> {
    use std::io::{Read, Write};
    let mut copied = 0u64;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let use_read_loop = loop {
        if cancel.is_cancelled() {
            return Err(CopyError::Cancelled);
        }
        match rustix::fs::copy_file_range(&input, None, &output, None, RANGE_CHUNK) {
            Ok(0) => break false,
            Ok(n) => {
                copied += n as u64;
                progress(n as u64);
            }
            // The kernel can't do it for this pair; switching is only safe before any
            // byte moved (file offsets are then still at zero).
            Err(_) if copied == 0 => break true,
            Err(e) => return Err(CopyError::Io(e.into())),
        }
    };
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let use_read_loop = true;
    if use_read_loop {
        let mut buf = vec![0u8; COPY_BUF];
        loop {
            if cancel.is_cancelled() {
                return Err(CopyError::Cancelled);
            }
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            output.write_all(&buf[..n])?;
            copied += n as u64;
            progress(n as u64);
        }
    }
    if let Some(m) = mtime {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(m.max(0) as u64);
        output.set_modified(t)?;
    }
    Ok((copied, output))
}

/// Free/total bytes of the filesystem holding `path`, via `df`-free statvfs.
fn statvfs_space(path: &Path) -> Option<SpaceInfo> {
    let st = rustix::fs::statvfs(path).ok()?;
    Some(SpaceInfo {
        free: st.f_bavail.saturating_mul(st.f_frsize),
        total: st.f_blocks.saturating_mul(st.f_frsize),
    })
}

/// Turns an mpsc receiver into a Stream (tokio-stream would add a crate for this).
fn tokio_stream_from<T: Send + 'static>(
    rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send {
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|v| (v, rx)) })
}

/// Pictures on the local disk are read (a camera's photo is well past the few MiB a NAS
/// preview reads, so the bound is larger here) and shrunk off the async workers.
#[async_trait]
impl super::Thumbnails for LocalFs {
    async fn thumbnail(&self, path: &VPath, max_side: u32) -> VfsResult<super::Preview> {
        super::thumbs::by_bounded_read(self, path, max_side, LOCAL_PREVIEW_MAX).await
    }
}

/// The largest local file read for a preview.
const LOCAL_PREVIEW_MAX: u64 = 64 << 20;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A source that sends more than it announced — here without end — is refused at
    /// once, and the target never holds more than the announced length (#16: a hostile
    /// server's endless body must not fill the disk).
    #[tokio::test]
    async fn a_source_running_long_is_refused_before_it_fills_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = VPath::parse(dir.path().join("f.bin").to_str().unwrap()).unwrap();
        let endless: ByteReader = Box::pin(tokio::io::repeat(7));
        let written = tokio::time::timeout(
            Duration::from_secs(10),
            LocalFs::new().write_new(&path, 1000, endless, None),
        )
        .await
        .expect("an endless source must not keep the write going");
        assert!(
            matches!(written, Err(VfsError::SizeMismatch { expected: 1000, .. })),
            "{written:?}"
        );
        let on_disk = std::fs::metadata(dir.path().join("f.bin")).unwrap().len();
        assert!(on_disk <= 1000, "{on_disk} bytes written");
    }

    /// A folder found empty that got a file since is not taken with it (a cancelled
    /// copy's clean-up, a move's leftover folder).
    #[tokio::test]
    async fn an_emptied_folder_that_is_no_longer_empty_stays() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("made");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("arrived.txt"), b"keep me").unwrap();
        let path = VPath::parse(folder.to_str().unwrap()).unwrap();
        let fs = LocalFs::new();
        assert!(fs.remove_emptied_folder(&path).await.is_err());
        assert_eq!(
            std::fs::read(folder.join("arrived.txt")).unwrap(),
            b"keep me"
        );
        std::fs::remove_file(folder.join("arrived.txt")).unwrap();
        fs.remove_emptied_folder(&path).await.unwrap();
        assert!(!folder.exists());
    }

    #[tokio::test]
    async fn a_source_of_exactly_the_length_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = VPath::parse(dir.path().join("f.bin").to_str().unwrap()).unwrap();
        let data: ByteReader = Box::pin(std::io::Cursor::new(vec![3u8; 3 * COPY_BUF + 5]));
        let entry = LocalFs::new()
            .write_new(&path, (3 * COPY_BUF + 5) as u64, data, None)
            .await
            .unwrap();
        assert_eq!(entry.size, (3 * COPY_BUF + 5) as u64);
    }
}
