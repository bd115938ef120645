//! The VFS seam: one async trait that the local disk, QNAP and Freebox backends all
//! implement. The job engine and the UI see only [`Vfs`]; nothing outside a backend's
//! own module knows what a `sid` or a base64 path is.
//!
//! The trait is small (list, stat, mkdir, rename, remove, read, write, space); what a
//! backend offers beyond it is declared in one record, [`Features`], that callers read
//! before offering or using a feature and fall back (e.g. a copy within a NAS without
//! server-side copy streams the bytes through us), never by catching "unsupported"
//! errors.

mod error;
mod features;
pub mod local;
mod local_checksum;
mod local_durable;
pub mod local_read;
mod local_write;
mod local_write_at;
mod path;
pub mod thumbs;

use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::stream::BoxStream;
use tokio::io::AsyncRead;

pub use error::{ServerCode, VfsError, VfsResult};
pub use features::{
    AckedWrites, Append, AtomicUpload, Checksums, Durable, Features, NativeCopy, REPLACING_SUFFIX,
    ReadRange, ServerOps, ServerSearch, SetMtime, ShareLinks, SkippedNames, UploadId, UploadTarget,
    WriteAt, range_of_open_read,
};
pub use path::{VPath, check_name};
pub use thumbs::{Preview, Thumbnails};

/// A byte stream being read from a backend.
pub type ByteReader = Pin<Box<dyn AsyncRead + Send>>;

/// Pages of a folder listing; a big folder arrives in several pages so the first screen
/// shows at once.
pub type ListStream = BoxStream<'static, VfsResult<Vec<Entry>>>;

/// A listing opened with [`Vfs::list_counted`]: its pages, and how many entries the
/// folder holds when the backend's first reply said so (QNAP's `total`), so a pane can
/// show how far a huge folder has come.
pub struct Listing {
    pub pages: ListStream,
    pub total: Option<u64>,
}

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

/// Called with the number of bytes a native file copy has just moved, or an upload
/// has just had acknowledged (a delta).
pub type BytesFn = Arc<dyn Fn(u64) + Send + Sync>;

/// Called as each file of a batch lands under its final name, with the file's index
/// in the batch and the bytes copied (see [`NativeCopy::copy_files_into_place`]).
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

/// An e-mail the NAS sends with a new share link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareMail {
    /// Addresses, each checked by [`ShareMail::new`].
    pub to: Vec<String>,
    pub subject: String,
    pub message: String,
}

impl ShareMail {
    /// A mail to `to` (at least one address, each `local@domain` without spaces or
    /// control characters).
    pub fn new(to: Vec<String>, subject: String, message: String) -> Result<Self, String> {
        if to.is_empty() {
            return Err("no address to send the link to".into());
        }
        for a in &to {
            let ok = a
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
                && !a.contains(|c: char| c.is_whitespace() || c.is_control() || ",;<>".contains(c));
            if !ok {
                return Err(format!(
                    "{:?} is not an e-mail address",
                    crate::names::escape(a)
                ));
            }
        }
        Ok(ShareMail {
            to,
            subject,
            message,
        })
    }
}

/// A host name share-link URLs can use, and where it comes from (for a choice list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareHost {
    /// `host[:port]`, as it goes into the URL.
    pub host: String,
    /// Where the name comes from: "the address nascmd uses", "DDNS", "myQNAPcloud"…
    pub source: String,
}

/// The core contract every backend implements (what it offers beyond this is in
/// [`Vfs::features`]). Paths are absolute within the backend.
///
/// Writing a file is deliberately *not* atomic here: the job engine writes to a
/// temporary name with [`Vfs::write_new`], checks the entry it returns, then
/// [`Vfs::rename`]s it into place, so the rule holds identically for every backend.
///
/// Backends do not retry transient failures (`jobs::RetryPolicy` is the one layer that
/// does); they only renew an expired session transparently.
#[async_trait]
pub trait Vfs: Send + Sync {
    /// Short human label: `local`, `qnap admin@nas:8080`, `freebox mafreebox`.
    fn label(&self) -> String;

    /// What this backend offers beyond the core trait: the one capability record.
    fn features(&self) -> Features<'_>;

    /// Lists a folder as a stream of pages. The root of a NAS lists its shares/disks.
    async fn list(&self, dir: &VPath) -> VfsResult<ListStream>;

    /// [`Vfs::list`], with the folder's size when the backend learns it from its first
    /// reply (a hint to show progress by, never a limit). Others give no total.
    async fn list_counted(&self, dir: &VPath) -> VfsResult<Listing> {
        Ok(Listing {
            pages: self.list(dir).await?,
            total: None,
        })
    }

    /// Lists a folder again after a listing of it failed mid-way, from about its
    /// `skip`-th entry on (`jobs::list_retrying`, which drops the names it has): a
    /// backend that pages by offset starts at that offset, so a huge folder on a flaky
    /// link is not fetched from its start after every failed page. Others list it whole.
    async fn list_from(&self, dir: &VPath, skip: u64) -> VfsResult<ListStream> {
        let _ = skip;
        self.list(dir).await
    }

    /// Metadata of one item; `VfsError::NotFound` when it does not exist.
    async fn stat(&self, path: &VPath) -> VfsResult<Entry>;

    async fn mkdir(&self, path: &VPath) -> VfsResult<()>;

    /// Renames `from` to `to` within the same folder. Fails with `AlreadyExists` when
    /// `to` exists unless `overwrite`; `overwrite` replaces a file, never a folder (that
    /// fails too, and the folder stays whole).
    async fn rename(&self, from: &VPath, to: &VPath, overwrite: bool) -> VfsResult<()>;

    /// Removes a file, or a folder with everything in it.
    async fn remove(&self, path: &VPath) -> VfsResult<()>;

    /// Removes a folder its caller just found empty (a moved folder's leftover, a folder
    /// a cancelled copy made). A NAS's API has no rmdir, so by default the folder goes
    /// whole, with anything written into it since the caller looked; the local disk
    /// refuses to remove a folder that is no longer empty, and it stays.
    async fn remove_emptied_folder(&self, path: &VPath) -> VfsResult<()> {
        self.remove(path).await
    }

    /// Opens a file for reading from `offset` (a non-zero offset only where
    /// [`Features::read_range`] is declared).
    async fn open_read(&self, path: &VPath, offset: u64) -> VfsResult<ByteReader>;

    /// Writes exactly `len` bytes from `data` to a new file at `path` (replacing one of
    /// that name if it exists), applies `mtime` where the backend can, and returns the
    /// file as the backend reports it after the write (the caller checks its size; no
    /// second `stat` is needed).
    async fn write_new(
        &self,
        path: &VPath,
        len: u64,
        data: ByteReader,
        mtime: Option<i64>,
    ) -> VfsResult<Entry>;

    /// Free space of the volume holding `path`, when known.
    async fn space(&self, _path: &VPath) -> VfsResult<Option<SpaceInfo>> {
        Ok(None)
    }
}

/// A shared handle to a backend.
pub type VfsHandle = Arc<dyn Vfs>;
