//! The VFS seam: one async trait that the local disk, QNAP and Freebox backends all
//! implement. The job engine and the UI see only [`Vfs`]; nothing outside a backend's
//! own module knows what a `sid` or a base64 path is.
//!
//! What a backend can do natively is declared in [`Capabilities`]; callers check the
//! flags and fall back (e.g. a copy within a NAS without server-side copy streams the
//! bytes through us), never by catching "unsupported" errors.

mod error;
pub mod local;
mod local_write_at;
mod path;

use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::sync::CancellationToken;

pub use error::{ServerCode, VfsError, VfsResult};
pub use path::{VPath, check_name};

/// A byte stream being read from a backend.
pub type ByteReader = Pin<Box<dyn AsyncRead + Send>>;

/// Pages of a folder listing; a big folder arrives in several pages so the first screen
/// shows at once.
pub type ListStream = BoxStream<'static, VfsResult<Vec<Entry>>>;

/// Search hits, streamed as the backend finds them.
pub type SearchStream = BoxStream<'static, VfsResult<SearchHit>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Dir,
    /// A symbolic link (local disk); what it points to is not followed when listing.
    Symlink,
    /// A FIFO, socket or device node (local disk): listed, renamed and deleted, never
    /// read — opening a FIFO waits forever for a writer.
    Special,
}

/// One item of a folder listing. Kept lean (no full path): a 100 000-entry folder must
/// fit in a few MB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: EntryKind,
    pub size: u64,
    /// Modification time, seconds since the Unix epoch (UTC).
    pub mtime: Option<i64>,
    /// Unix permission bits where the backend knows them.
    pub mode: Option<u32>,
    /// The item cannot be written by this user (read-only share, no write permission).
    pub readonly: bool,
}

impl Entry {
    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Dir
    }

    /// Dot-files, hidden in a pane unless the user shows hidden files.
    pub fn is_hidden(&self) -> bool {
        self.name.starts_with('.')
    }
}

/// A search result: where it is and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    pub path: VPath,
    pub entry: Entry,
}

/// What a backend can do natively.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `server_copy` within this backend.
    pub server_copy: bool,
    /// `server_move` within this backend.
    pub server_move: bool,
    /// `search` runs on the server (otherwise the caller walks the tree).
    pub server_search: bool,
    /// Share links (`share_*`).
    pub share_links: bool,
    /// `open_read` honours a non-zero offset (resume, parallel ranges).
    pub ranged_read: bool,
    /// `set_mtime` works.
    pub set_mtime: bool,
    /// Move/rename inside one backend is cheap (a rename), so no copy is needed.
    pub cheap_rename: bool,
}

/// Progress of a server-side task (copy/move on the NAS).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskProgress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub items_done: u64,
    pub items_total: u64,
}

/// Called with each progress report of a server-side task.
pub type ProgressFn = Arc<dyn Fn(TaskProgress) + Send + Sync>;

/// Called with the number of bytes a native file copy has just moved (a delta).
pub type BytesFn = Arc<dyn Fn(u64) + Send + Sync>;

/// Called as each file of a batch lands under its final name, with the file's index
/// in the batch and the bytes copied (see [`Vfs::copy_files_into_place`]).
pub type LandedFn = Arc<dyn Fn(usize, u64) + Send + Sync>;

/// What to do when a server-side copy/move meets an existing name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerConflict {
    Overwrite,
    Skip,
}

/// One native file copy that ends under its final name: `from` is copied to `temp`
/// (next to `to`), checked to hold exactly `expected_size` bytes, given `mtime`, and
/// renamed to `to` — refusing to replace an existing `to` unless `overwrite`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyIntoPlace {
    pub from: VPath,
    pub temp: VPath,
    pub to: VPath,
    pub expected_size: u64,
    pub mtime: Option<i64>,
    pub overwrite: bool,
}

impl CopyIntoPlace {
    /// `SizeMismatch` unless the temporary file holds exactly the expected bytes.
    pub fn check_size(&self, found: u64) -> VfsResult<()> {
        if found == self.expected_size {
            return Ok(());
        }
        Err(VfsError::SizeMismatch {
            path: self.to.to_string(),
            expected: self.expected_size,
            found,
        })
    }
}

/// Free and total space of the volume behind a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpaceInfo {
    pub free: u64,
    pub total: u64,
}

/// A public share link to one file or folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareLink {
    /// The backend's id for the link (QNAP ssid, Freebox token).
    pub id: String,
    /// The URL to hand out. Empty when the NAS has no public address for it.
    pub url: String,
    pub path: VPath,
    /// Expiry, seconds since the epoch; `None` = never.
    pub expires: Option<i64>,
    pub access_code: Option<String>,
    pub downloads: Option<u64>,
}

/// Options when creating or updating a share link.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShareOptions {
    /// Lifetime in seconds from now; `None` = never expires.
    pub expire_secs: Option<u64>,
    /// A password the recipient must type; `None` = open link.
    pub access_code: Option<String>,
    /// Host (and optional port) to put in the URL instead of the one we reach the NAS by.
    pub host_override: Option<String>,
}

/// A host name share-link URLs can use, and where it comes from (for a choice list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareHost {
    /// `host[:port]`, as it goes into the URL.
    pub host: String,
    /// Where the name comes from: "the address nascmd uses", "DDNS", "myQNAPcloud"…
    pub source: String,
}

/// The contract every backend implements. Paths are absolute within the backend.
///
/// Writing a file is deliberately *not* atomic here: the job engine writes to a
/// temporary name with [`Vfs::write_new`], verifies it with [`Vfs::stat`], then
/// [`Vfs::rename`]s it into place, so the rule holds identically for every backend.
#[async_trait]
pub trait Vfs: Send + Sync {
    /// Short human label: `local`, `qnap admin@nas:8080`, `freebox mafreebox`.
    fn label(&self) -> String;

    fn capabilities(&self) -> Capabilities;

    /// Lists a folder as a stream of pages. The root of a NAS lists its shares/disks.
    async fn list(&self, dir: &VPath) -> VfsResult<ListStream>;

    /// Metadata of one item; `VfsError::NotFound` when it does not exist.
    async fn stat(&self, path: &VPath) -> VfsResult<Entry>;

    async fn mkdir(&self, path: &VPath) -> VfsResult<()>;

    /// Renames `from` to `to` within the same folder. Fails with `AlreadyExists` when
    /// `to` exists unless `overwrite`.
    async fn rename(&self, from: &VPath, to: &VPath, overwrite: bool) -> VfsResult<()>;

    /// Removes a file, or a folder with everything in it.
    async fn remove(&self, path: &VPath) -> VfsResult<()>;

    /// Opens a file for reading from `offset`.
    async fn open_read(&self, path: &VPath, offset: u64) -> VfsResult<ByteReader>;

    /// Opens the `len` bytes of a file that start at `offset` (one part of a parallel
    /// download). The reader ends after `len` bytes. A backend that can ask its server
    /// for exactly that range overrides this; one whose server turns out to ignore
    /// ranges fails with `Unsupported` rather than sending the file from its start.
    async fn open_read_range(&self, path: &VPath, offset: u64, len: u64) -> VfsResult<ByteReader> {
        let whole = self.open_read(path, offset).await?;
        Ok(Box::pin(whole.take(len)))
    }

    /// Writes exactly `len` bytes from `data` to a new file at `path` (replacing one of
    /// that name if it exists). `mtime` is applied where the backend can.
    async fn write_new(
        &self,
        path: &VPath,
        len: u64,
        data: ByteReader,
        mtime: Option<i64>,
    ) -> VfsResult<()>;

    /// Sets the modification time (capability `set_mtime`).
    async fn set_mtime(&self, _path: &VPath, _mtime: i64) -> VfsResult<()> {
        Err(VfsError::Unsupported("setting modification times"))
    }

    /// Whether [`Vfs::append`] works, so an interrupted transfer can resume into its
    /// partial temporary file instead of starting over.
    fn can_append(&self) -> bool {
        false
    }

    /// Appends exactly `len` bytes from `data` to the end of the existing file `path`
    /// (resuming an interrupted transfer). Fails with `SizeMismatch` when the stream ends
    /// early or runs long.
    async fn append(&self, _path: &VPath, _len: u64, _data: ByteReader) -> VfsResult<()> {
        Err(VfsError::Unsupported("appending to a file"))
    }

    /// Whether [`Vfs::create_sized`] and [`Vfs::write_at`] work, so a big download can
    /// fetch several ranges at once and write each in place.
    fn can_write_at(&self) -> bool {
        false
    }

    /// Creates the file `path` (replacing one of that name) with room for `len` bytes,
    /// to be filled with [`Vfs::write_at`]. Its size is `len` at once, so a caller must
    /// track which parts it has written itself: the size says nothing about them.
    async fn create_sized(&self, _path: &VPath, _len: u64) -> VfsResult<()> {
        Err(VfsError::Unsupported("writing at an offset"))
    }

    /// Writes all of `data` at `offset` of the file `path` made by
    /// [`Vfs::create_sized`]. Calls for different offsets may run at the same time.
    async fn write_at(&self, _path: &VPath, _offset: u64, _data: Bytes) -> VfsResult<()> {
        Err(VfsError::Unsupported("writing at an offset"))
    }

    /// Whether [`Vfs::copy_file`] is a native fast path within this backend (local disk:
    /// `copy_file_range`, reflinks where the filesystem has them).
    fn can_copy_file(&self) -> bool {
        false
    }

    /// Copies one file to a new file `to` within this backend, applying `mtime`,
    /// reporting copied bytes (deltas) to `progress` and stopping promptly with
    /// `Cancelled` when `cancel` fires. Returns the number of bytes copied. The caller
    /// removes `to` on failure.
    async fn copy_file(
        &self,
        _from: &VPath,
        _to: &VPath,
        _mtime: Option<i64>,
        _progress: BytesFn,
        _cancel: CancellationToken,
    ) -> VfsResult<u64> {
        Err(VfsError::Unsupported("native file copy"))
    }

    /// Copies one file into place in a single step (see [`CopyIntoPlace`]): native copy
    /// to `temp`, size check, mtime, rename to `to`. The default composes
    /// [`Vfs::copy_file`], [`Vfs::stat`] and [`Vfs::rename`]; a backend overrides it when
    /// it can do all of it at once (local disk: one blocking call instead of three).
    /// Nothing appears under `to` unless the size matched. The caller removes `temp`
    /// on failure. Only meaningful where [`Vfs::can_copy_file`] is true.
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
    /// job (same rules as [`Vfs::copy_files_into_place`]; after a cancel the remaining
    /// jobs answer `Cancelled`). `landed` is called as each file is in place, so the
    /// caller's progress moves file by file even though the batch answers once. The
    /// local disk does a whole batch in one blocking call.
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

    /// Free space of the volume holding `path`, when known.
    async fn space(&self, _path: &VPath) -> VfsResult<Option<SpaceInfo>> {
        Ok(None)
    }

    /// Copies items into `dst_dir` on the server (capability `server_copy`), reporting
    /// progress; the token cancels the server task.
    async fn server_copy(
        &self,
        _items: &[VPath],
        _dst_dir: &VPath,
        _conflict: ServerConflict,
        _progress: ProgressFn,
        _cancel: CancellationToken,
    ) -> VfsResult<()> {
        Err(VfsError::Unsupported("server-side copy"))
    }

    /// Moves items into `dst_dir` on the server (capability `server_move`).
    async fn server_move(
        &self,
        _items: &[VPath],
        _dst_dir: &VPath,
        _conflict: ServerConflict,
        _progress: ProgressFn,
        _cancel: CancellationToken,
    ) -> VfsResult<()> {
        Err(VfsError::Unsupported("server-side move"))
    }

    /// Searches below `dir` for names matching `pattern` (case-insensitive substring or
    /// glob), streaming hits (capability `server_search`; otherwise see
    /// `jobs::search::walk_search`).
    async fn search(&self, _dir: &VPath, _pattern: &str) -> VfsResult<SearchStream> {
        Err(VfsError::Unsupported("server-side search"))
    }

    async fn share_create(&self, _path: &VPath, _opts: &ShareOptions) -> VfsResult<ShareLink> {
        Err(VfsError::Unsupported("share links"))
    }

    async fn share_list(&self) -> VfsResult<Vec<ShareLink>> {
        Err(VfsError::Unsupported("share links"))
    }

    /// Changes expiry / access code. Returns the link as it now is (its id and URL may
    /// change where the protocol can only re-create it).
    async fn share_update(&self, _link: &ShareLink, _opts: &ShareOptions) -> VfsResult<ShareLink> {
        Err(VfsError::Unsupported("share links"))
    }

    async fn share_revoke(&self, _link: &ShareLink) -> VfsResult<()> {
        Err(VfsError::Unsupported("share links"))
    }

    /// Hosts new share links may name (`ShareOptions::host_override`), the address the
    /// backend is reached by first. Empty where the NAS decides the URL itself.
    async fn share_hosts(&self) -> VfsResult<Vec<ShareHost>> {
        Ok(Vec::new())
    }
}

/// A shared handle to a backend.
pub type VfsHandle = Arc<dyn Vfs>;
