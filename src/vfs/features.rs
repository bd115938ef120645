//! What a backend offers beyond the core [`Vfs`] trait, declared in one record
//! ([`Features`]): plain flags, and one optional group of methods per feature. A caller
//! reads the record before it offers or uses a feature (a pane offers share links only
//! when `share_links` is there); nothing is found out by catching an "unsupported"
//! error. The model is rclone's `fs.Features`.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

use super::{
    ByteReader, BytesFn, CopyIntoPlace, LandedFn, ProgressFn, SearchStream, ServerConflict,
    ShareHost, ShareLink, ShareMail, ShareOptions, VPath, Vfs, VfsError, VfsResult,
};

/// The one capability record of a backend (see the module doc). `Default` is a backend
/// with the core trait only.
#[derive(Clone, Copy, Default)]
pub struct Features<'a> {
    /// A move inside this backend is a cheap rename (no copy of the bytes).
    pub cheap_rename: bool,
    /// Share links take an access code (`ShareOptions::access_code`). Where they do
    /// not (a Freebox), a generated code is left out and a typed one refused.
    pub share_access_codes: bool,
    /// The backend computes the sha256 of its files (local disk; a Freebox with its
    /// `fs/hash` task; a QNAP has no such request). `--verify hash` compares them.
    pub checksums: Option<&'a dyn Checksums>,
    /// An upload interrupted midway can go on where it stopped (QNAP with the chunked
    /// upload funcs, through `atomic_upload`).
    pub resumable_upload: bool,
    /// Setting modification times after a write (folders, appended files).
    pub set_mtime: Option<&'a dyn SetMtime>,
    /// Copy and move of whole items by the server itself.
    pub server_ops: Option<&'a dyn ServerOps>,
    /// Name search by the server (otherwise `services::search` walks the tree).
    pub search: Option<&'a dyn ServerSearch>,
    /// Public share links.
    pub share_links: Option<&'a dyn ShareLinks>,
    /// `open_read` honours a non-zero offset (resume), and one range of a file can be
    /// read on its own (parallel download).
    pub read_range: Option<&'a dyn ReadRange>,
    /// A file created at its final size and filled at offsets (parallel download).
    pub write_at: Option<&'a dyn WriteAt>,
    /// Appending to an existing file (resuming into a partial temporary file).
    pub append: Option<&'a dyn Append>,
    /// A native file copy within this backend (local disk: `copy_file_range`).
    pub native_copy: Option<&'a dyn NativeCopy>,
    /// Written bytes made durable on request (a download resumed by the next run).
    pub durable: Option<&'a dyn Durable>,
    /// Uploads the server assembles, checks and puts under the final name itself
    /// (QNAP chunked upload): the job engine then writes to the final name directly,
    /// without its own temporary name and rename.
    pub atomic_upload: Option<&'a dyn AtomicUpload>,
    /// Writes whose bytes the server acknowledges as it holds them (the Freebox's
    /// WebSocket upload answers each frame): the job engine counts those, not the bytes
    /// read into the connection, which run megabytes ahead.
    pub acked_writes: Option<&'a dyn AckedWrites>,
    /// Names written here are read by other programs (the local disk, a terminal's
    /// `ls`): a job bringing items from a backend without this flag (a NAS) gives them
    /// names without control,
    /// escape, C1 or bidi characters (`names::terminal_safe_name`), and refuses names
    /// longer than `NAME_MAX` before fetching anything.
    pub terminal_safe_names: bool,
    /// New names travel as Unicode text (the Freebox's JSON bodies), which cannot carry
    /// a byte that is not UTF-8 ([`crate::undecodable`]): an item written here whose name
    /// holds one gets U+FFFD for it, and the job reports the change.
    pub text_names: bool,
    /// Names a listing refused (`..`, `a/b`, NUL…), kept so they are reported by name
    /// instead of vanishing (NAS backends).
    pub skipped_names: Option<&'a dyn SkippedNames>,
    /// Small pictures of image files for the quick view and F3 (QNAP `get_thumb`; the
    /// local disk and a Freebox read the file, within a bound, and shrink it).
    pub thumbnails: Option<&'a dyn super::Thumbnails>,
}

impl std::fmt::Debug for Features<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Features")
            .field("cheap_rename", &self.cheap_rename)
            .field("share_access_codes", &self.share_access_codes)
            .field("checksums", &self.checksums.is_some())
            .field("resumable_upload", &self.resumable_upload)
            .field("set_mtime", &self.set_mtime.is_some())
            .field("server_ops", &self.server_ops.is_some())
            .field("search", &self.search.is_some())
            .field("share_links", &self.share_links.is_some())
            .field("read_range", &self.read_range.is_some())
            .field("write_at", &self.write_at.is_some())
            .field("append", &self.append.is_some())
            .field("native_copy", &self.native_copy.is_some())
            .field("durable", &self.durable.is_some())
            .field("atomic_upload", &self.atomic_upload.is_some())
            .field("acked_writes", &self.acked_writes.is_some())
            .field("terminal_safe_names", &self.terminal_safe_names)
            .field("text_names", &self.text_names)
            .field("skipped_names", &self.skipped_names.is_some())
            .field("thumbnails", &self.thumbnails.is_some())
            .finish()
    }
}

/// The entries a listing refused, reported by name.
pub trait SkippedNames: Send + Sync {
    /// The names (escaped, shortened) the last listing of `dir` refused, taken: a
    /// second call returns none until the folder is listed again.
    fn take_skipped(&self, dir: &VPath) -> Vec<String>;
}

/// Checksums computed where the file lives (nothing crosses the wire but the digest).
#[async_trait]
pub trait Checksums: Send + Sync {
    /// The sha256 of the file `path`, as lowercase hex (64 characters).
    async fn sha256(&self, path: &VPath) -> VfsResult<String>;

    /// Who computes it, for the user ("local disk", "Freebox").
    fn computed_by(&self) -> &'static str;
}

/// Setting a modification time.
#[async_trait]
pub trait SetMtime: Send + Sync {
    async fn set_mtime(&self, path: &VPath, mtime: i64) -> VfsResult<()>;
}

/// Whole items copied or moved by the server; the token cancels the server task.
#[async_trait]
pub trait ServerOps: Send + Sync {
    /// Copies items into `dst_dir` on the server, reporting progress.
    async fn server_copy(
        &self,
        items: &[VPath],
        dst_dir: &VPath,
        conflict: ServerConflict,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> VfsResult<()>;

    /// Moves items into `dst_dir` on the server, reporting progress.
    async fn server_move(
        &self,
        items: &[VPath],
        dst_dir: &VPath,
        conflict: ServerConflict,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> VfsResult<()>;
}

/// Name search run by the server.
#[async_trait]
pub trait ServerSearch: Send + Sync {
    /// Searches below `dir` for names matching `pattern` (case-insensitive substring or
    /// glob), streaming hits.
    async fn search(&self, dir: &VPath, pattern: &str) -> VfsResult<SearchStream>;
}

/// Public share links.
#[async_trait]
pub trait ShareLinks: Send + Sync {
    async fn share_create(&self, path: &VPath, opts: &ShareOptions) -> VfsResult<ShareLink>;

    async fn share_list(&self) -> VfsResult<Vec<ShareLink>>;

    /// Changes expiry / access code. Returns the link as it now is (its id and URL may
    /// change where the protocol can only re-create it).
    async fn share_update(&self, link: &ShareLink, opts: &ShareOptions) -> VfsResult<ShareLink>;

    async fn share_revoke(&self, link: &ShareLink) -> VfsResult<()>;

    /// Whether the NAS can e-mail a link it makes ([`ShareLinks::share_email`]).
    fn emails_links(&self) -> bool {
        false
    }

    /// Makes a link and has the NAS e-mail it (QNAP `share_file`).
    async fn share_email(
        &self,
        _path: &VPath,
        _opts: &ShareOptions,
        _mail: &ShareMail,
    ) -> VfsResult<ShareLink> {
        Err(VfsError::Unsupported("e-mailing share links"))
    }

    /// Revokes every link of this account in one request, where the NAS has such a
    /// request; `Ok(false)` where it has none (the caller revokes them one by one).
    async fn share_revoke_every(&self) -> VfsResult<bool> {
        Ok(false)
    }

    /// Hosts new share links may name (`ShareOptions::host_override`), the address the
    /// backend is reached by first. Empty where the NAS decides the URL itself.
    async fn share_hosts(&self) -> VfsResult<Vec<ShareHost>> {
        Ok(Vec::new())
    }
}

/// Reading one range of a file on its own.
#[async_trait]
pub trait ReadRange: Send + Sync {
    /// Opens the `len` bytes of a file that start at `offset` (one part of a parallel
    /// download). The reader ends after `len` bytes. A backend whose server turns out
    /// to ignore ranges fails with `Unsupported` rather than sending the file from its
    /// start (the caller then streams the file plainly).
    async fn open_read_range(&self, path: &VPath, offset: u64, len: u64) -> VfsResult<ByteReader>;
}

/// [`ReadRange::open_read_range`] for a backend whose `open_read` honours its offset:
/// the stream from `offset`, cut after `len` bytes.
pub async fn range_of_open_read(
    vfs: &dyn Vfs,
    path: &VPath,
    offset: u64,
    len: u64,
) -> VfsResult<ByteReader> {
    let whole = vfs.open_read(path, offset).await?;
    Ok(Box::pin(whole.take(len)))
}

/// A file created at its final size, then filled at offsets.
#[async_trait]
pub trait WriteAt: Send + Sync {
    /// Creates the file `path` (replacing one of that name) with room for `len` bytes,
    /// to be filled with [`WriteAt::write_at`]. Its size is `len` at once, so a caller
    /// must track which parts it has written itself: the size says nothing about them.
    async fn create_sized(&self, path: &VPath, len: u64) -> VfsResult<()>;

    /// Writes all of `data` at `offset` of the file `path` made by
    /// [`WriteAt::create_sized`]. Calls for different offsets may run at the same time.
    async fn write_at(&self, path: &VPath, offset: u64, data: Bytes) -> VfsResult<()>;
}

/// Appending to an existing file.
#[async_trait]
pub trait Append: Send + Sync {
    /// Appends exactly `len` bytes from `data` to the end of the existing file `path`
    /// (resuming an interrupted transfer). Fails with `SizeMismatch` when the stream
    /// ends early or runs long.
    async fn append(&self, path: &VPath, len: u64, data: ByteReader) -> VfsResult<()>;

    /// The bytes an append to `path` would continue from, where the backend keeps a
    /// cut upload apart from the name (a Freebox partial upload may not show in a
    /// listing nor a `stat`): `Ok(None)` where the file's own size says it (the
    /// default), `Ok(Some(0))` when nothing is kept.
    async fn held_len(&self, _path: &VPath) -> VfsResult<Option<u64>> {
        Ok(None)
    }

    /// Drops what the backend keeps of a cut upload to `path` besides the file itself
    /// (nascmd's own temporary names only). The default has nothing to drop: removing
    /// the file is enough.
    async fn discard_partial(&self, _path: &VPath) -> VfsResult<()> {
        Ok(())
    }
}

/// [`Vfs::write_new`] and [`Append::append`] telling which bytes the server holds:
/// `acked` is called with each newly acknowledged number of bytes (a delta), while the
/// bytes keep flowing (nothing waits for an acknowledgement before sending more). Every
/// byte of `len` has been acknowledged when either returns `Ok`.
#[async_trait]
pub trait AckedWrites: Send + Sync {
    /// [`Vfs::write_new`], reporting acknowledged bytes to `acked`.
    async fn write_new_acked(
        &self,
        path: &VPath,
        len: u64,
        data: ByteReader,
        mtime: Option<i64>,
        acked: BytesFn,
    ) -> VfsResult<super::Entry>;

    /// [`Append::append`] (only where `append` is declared), reporting acknowledged
    /// bytes to `acked`.
    async fn append_acked(
        &self,
        path: &VPath,
        len: u64,
        data: ByteReader,
        acked: BytesFn,
    ) -> VfsResult<()>;
}

/// Making written bytes durable, so a download killed midway (or cut by a power loss)
/// continues in the next run from what is known to be on disk (`jobs::resume`).
#[async_trait]
pub trait Durable: Send + Sync {
    /// Flushes the bytes written to `path` so far to stable storage (fdatasync): after
    /// it returns, a crash at any instant keeps them.
    async fn sync_data(&self, path: &VPath) -> VfsResult<()>;

    /// Cuts the file `path` to `len` bytes (a partial file whose tail was written after
    /// its last sync, so may not have survived a power loss).
    async fn truncate(&self, path: &VPath, len: u64) -> VfsResult<()>;

    /// Replaces the small file `path` with `data`, readable by its owner only, so that
    /// a crash at any instant leaves either the old or the new content (and maybe the
    /// new one half-written under `path` + [`REPLACING_SUFFIX`], for the caller to
    /// remove with `path`).
    async fn replace_private(&self, path: &VPath, data: Bytes) -> VfsResult<()>;
}

/// The name [`Durable::replace_private`] writes before renaming over `path`.
pub const REPLACING_SUFFIX: &str = ".tmp";
/// One upload in progress on the server ([`AtomicUpload`]): opaque to the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadId(pub String);

/// Where an [`AtomicUpload`] lands and how.
#[derive(Clone, Debug)]
pub struct UploadTarget {
    /// The final name.
    pub path: VPath,
    /// Size of the whole file.
    pub len: u64,
    pub mtime: Option<i64>,
    /// Replace an existing file of that name (never a folder); otherwise the upload
    /// fails with `AlreadyExists` and nothing changes.
    pub overwrite: bool,
}

/// Uploads the server assembles itself: it checks the size, sets the mtime and puts
/// the file under its final name in one step (nothing partial ever shows under that
/// name), and it keeps what arrived of an interrupted upload so the caller can go on
/// from there (`Features::resumable_upload` says whether it really does).
#[async_trait]
pub trait AtomicUpload: Send + Sync {
    /// Opens an upload for `target`.
    async fn begin_upload(&self, target: &UploadTarget) -> VfsResult<UploadId>;

    /// Sends the bytes of the file from `offset` (what [`AtomicUpload::uploaded`]
    /// answered; 0 at first) to its end; the last one puts the file in place. Returns
    /// the file as the server reports it. Fails with `SizeMismatch` when `data` ends
    /// early.
    async fn upload_from(
        &self,
        id: &UploadId,
        target: &UploadTarget,
        offset: u64,
        data: ByteReader,
    ) -> VfsResult<super::Entry>;

    /// How many bytes of the upload the server holds (where to go on from).
    async fn uploaded(&self, id: &UploadId, target: &UploadTarget) -> VfsResult<u64>;

    /// Drops an upload that will not be finished (what the server holds of it).
    async fn abandon_upload(&self, id: &UploadId, target: &UploadTarget) -> VfsResult<()>;
}

/// A native copy of files within one backend.
#[async_trait]
pub trait NativeCopy: Vfs {
    /// Copies one file to a new file `to` within this backend, applying `mtime`,
    /// reporting copied bytes (deltas) to `progress` and stopping promptly with
    /// `Cancelled` when `cancel` fires. Returns the number of bytes copied. The caller
    /// removes `to` on failure.
    async fn copy_file(
        &self,
        from: &VPath,
        to: &VPath,
        mtime: Option<i64>,
        progress: BytesFn,
        cancel: CancellationToken,
    ) -> VfsResult<u64>;

    /// Copies one file into place in a single step (see [`CopyIntoPlace`]): native copy
    /// to `temp`, size check, mtime, rename to `to`. The default composes
    /// [`NativeCopy::copy_file`], [`Vfs::stat`] and [`Vfs::rename`]; a backend
    /// overrides it when it can do all of it at once (local disk: one blocking call
    /// instead of three). Nothing appears under `to` unless the size matched. The
    /// caller removes `temp` on failure.
    async fn copy_file_into_place(
        &self,
        job: &CopyIntoPlace,
        progress: BytesFn,
        cancel: CancellationToken,
    ) -> VfsResult<u64> {
        let copied = self
            .copy_file(&job.from, &job.temp, job.mtime, progress, cancel.clone())
            .await?;
        let written = self.stat(&job.temp).await?;
        job.check_size(written.size)?;
        if cancel.is_cancelled() {
            return Err(VfsError::Cancelled);
        }
        self.rename(&job.temp, &job.to, job.overwrite).await?;
        Ok(copied)
    }

    /// Several small files copied into place in one call, in order, one result per
    /// job (same rules as [`NativeCopy::copy_file_into_place`]; after a cancel the
    /// remaining jobs answer `Cancelled`). `landed` is called as each file is in
    /// place, so the caller's progress moves file by file even though the batch
    /// answers once. The local disk does a whole batch in one blocking call.
    async fn copy_files_into_place(
        &self,
        jobs: &[CopyIntoPlace],
        landed: LandedFn,
        cancel: CancellationToken,
    ) -> Vec<VfsResult<u64>> {
        let quiet: BytesFn = Arc::new(|_| {});
        let mut results = Vec::with_capacity(jobs.len());
        for (index, job) in jobs.iter().enumerate() {
            let res = if cancel.is_cancelled() {
                Err(VfsError::Cancelled)
            } else {
                self.copy_file_into_place(job, quiet.clone(), cancel.clone())
                    .await
            };
            if let Ok(bytes) = res {
                landed(index, bytes);
            }
            results.push(res);
        }
        results
    }
}
