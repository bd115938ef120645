//! `impl Vfs for QnapVfs`: the shares are the root, folders list page by page,
//! `write_new` goes through the standard upload (the job engine uploads through the
//! chunked one, `upload.rs`), server-side copy/move/search and share links map to
//! their funcs. Wire details stay in `client`/`funcs`/`transfer`/`wire`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use super::QnapConfig;
use super::client::Client;
use super::funcs::Task;
use super::paths::{self, split};
use super::transfer::UploadBody;
use super::wire::FileEntry;
use crate::vfs::{
    ByteReader, Entry, EntryKind, Features, ListStream, Listing, ProgressFn, ReadRange,
    SearchStream, ServerCode, ServerConflict, ServerOps, ServerSearch, SetMtime, ShareHost,
    ShareLink, ShareLinks, ShareOptions, SpaceInfo, VPath, Vfs, VfsError, VfsResult,
};

/// How a folder is asked for, page by page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListPaging {
    /// Entries in the first page: small, so the first screen shows at once.
    pub first: u64,
    /// Entries in each later page.
    pub next: u64,
    /// Later pages requested at once, once the first reply gave the folder's size.
    pub in_flight: usize,
}

impl Default for ListPaging {
    /// 500 (a tall screen's worth and more: ~350 KB of JSON, 21 ms on a 16 MiB/s link
    /// where 1 000 took 42), then pages of 5 000, 4 at a time: enough to fill a link
    /// whose connections are each capped (4 × 16 MiB/s in the link bench), few enough to
    /// bound the memory of pages held ahead of the consumer (each ~3.5 MB of JSON, then
    /// ~1.5 MB of entries): with 6, the link bench peaked at 74 MiB RSS, over the 64 MiB
    /// goal.
    fn default() -> Self {
        ListPaging {
            first: 500,
            next: 5000,
            in_flight: 4,
        }
    }
}
/// Files up to this size are buffered so an upload can be repeated after a re-login.
const BUFFERED_UPLOAD_MAX: u64 = 8 << 20;

use crate::nas::listing::{MAX_LISTING, PageGuard, SkipLog};

/// A logged-in QNAP NAS.
pub struct QnapVfs {
    pub(super) client: Arc<Client>,
    /// Share name → read-only (`cls: "r"`), refreshed on every root listing.
    read_only: Arc<RwLock<HashMap<String, bool>>>,
    /// Set once `start_chunked_upload` turned out not to exist (old firmware): uploads
    /// use the standard upload for the rest of the session (`upload.rs`).
    pub(super) no_chunked: AtomicBool,
    /// Whether the first `start_chunked_upload` answered (either way); until then
    /// uploads take `chunked_probe` in turn.
    pub(super) chunked_known: AtomicBool,
    pub(super) chunked_probe: tokio::sync::Mutex<()>,
    /// Bytes per chunk of a chunked upload.
    pub(super) upload_chunk: u64,
    paging: ListPaging,
    /// Names listings refused, until reported (`Features::skipped_names`).
    skipped: Arc<crate::nas::listing::SkipLog>,
}

impl QnapVfs {
    /// Logs in (`VfsError::SecondFactorRequired` when the account needs the 6-digit
    /// code: connect again with `second_factor` set) and reads the share list.
    pub async fn connect(cfg: QnapConfig) -> VfsResult<QnapVfs> {
        let client = Arc::new(Client::connect(&cfg).await?);
        Self::with_client(client, &cfg).await
    }

    /// Reads the share list with `client`, already logged in: what the connector
    /// calls, keeping `client` for a login tried again (so a failed share list does not
    /// log in again).
    pub(super) async fn with_client(client: Arc<Client>, cfg: &QnapConfig) -> VfsResult<QnapVfs> {
        let vfs = QnapVfs {
            client,
            read_only: Arc::new(RwLock::new(HashMap::new())),
            no_chunked: AtomicBool::new(false),
            chunked_known: AtomicBool::new(false),
            chunked_probe: tokio::sync::Mutex::new(()),
            upload_chunk: match cfg.upload_chunk_size {
                0 => super::upload::DEFAULT_CHUNK,
                n => n,
            },
            paging: ListPaging::default(),
            skipped: Arc::default(),
        };
        vfs.shares().await?;
        Ok(vfs)
    }

    /// Lists folders with other page sizes (tests use small pages to get many).
    pub fn with_list_paging(mut self, paging: ListPaging) -> Self {
        self.paging = ListPaging {
            first: paging.first.max(1),
            next: paging.next.max(1),
            in_flight: paging.in_flight.max(1),
        };
        self
    }

    /// The address the NAS is reached by (as configured, ending with `/`).
    pub fn base_url(&self) -> &str {
        self.client.base_url().as_str()
    }

    /// How many times the session was renewed after it expired (0 after `connect`).
    pub fn session_renewals(&self) -> u64 {
        self.client.sid().1.saturating_sub(1)
    }

    /// Logs in again with a fresh 2-step code, after an operation failed with
    /// `VfsError::SecondFactorRequired` (the session of a 2SV account expired and the
    /// NAS gave no "remember me" token to renew it silently).
    pub async fn renew_session(&self, second_factor: &str) -> VfsResult<()> {
        self.client.login_with_code(second_factor).await
    }

    /// Ends the session on the NAS (best effort).
    pub async fn logout(&self) {
        self.client.logout().await;
    }

    /// The shares as root entries, also refreshing the read-only map.
    async fn shares(&self) -> VfsResult<Vec<Entry>> {
        let nodes = self.client.get_tree("share_root").await?;
        let mut out = Vec::with_capacity(nodes.len());
        let mut ro = HashMap::new();
        for n in nodes {
            let name = if n.text.is_empty() {
                n.id.trim_start_matches('/').to_owned()
            } else {
                n.text.clone()
            };
            if crate::vfs::check_name(&name).is_err() {
                tracing::warn!(name = %crate::names::escape(&name), "skipping a share with an unusable name");
                continue;
            }
            let readonly = n.cls.as_deref() == Some("r");
            ro.insert(name.clone(), readonly);
            out.push(Entry {
                name,
                kind: EntryKind::Dir,
                size: 0,
                mtime: None,
                mode: None,
                readonly,
            });
        }
        if let Ok(mut map) = self.read_only.write() {
            *map = ro;
        }
        Ok(out)
    }

    pub(super) fn share_read_only(&self, path: &VPath) -> bool {
        let share = paths::share_of(path).unwrap_or("");
        self.read_only
            .read()
            .map(|m| m.get(share).copied().unwrap_or(false))
            .unwrap_or(false)
    }

    /// Stat that maps `exist: 0` to `NotFound`.
    async fn stat_entry(&self, path: &VPath) -> VfsResult<FileEntry> {
        let (dir, name) = split(path)?;
        let e = self.client.stat(&dir, &name).await?;
        if !e.exists() {
            return Err(VfsError::NotFound(path.to_string()));
        }
        Ok(e)
    }

    async fn run_task(
        &self,
        task: Task,
        items: &[VPath],
        dst_dir: &VPath,
        conflict: ServerConflict,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> VfsResult<()> {
        // One request per source folder: File Station takes a single parent per call.
        let mut groups: Vec<(VPath, Vec<&str>)> = Vec::new();
        for item in items {
            split(item)?;
            let parent = item.parent();
            match groups.iter_mut().find(|(p, _)| *p == parent) {
                Some((_, names)) => names.push(item.name()),
                None => groups.push((parent, vec![item.name()])),
            }
        }
        for (parent, names) in groups {
            super::tasks::run(
                &self.client,
                task,
                &parent,
                &names,
                dst_dir,
                conflict == ServerConflict::Overwrite,
                &progress,
                &cancel,
            )
            .await?;
        }
        Ok(())
    }
}

/// A listing entry, or `None` for a name that cannot be a path component.
pub(super) fn to_entry(e: &FileEntry, name: String, readonly: bool) -> Option<Entry> {
    if crate::vfs::check_name(&name).is_err() {
        tracing::warn!(name = %crate::nas::listing::reported(&name), "skipping an entry with an unusable name");
        return None;
    }
    Some(Entry {
        name,
        kind: if e.is_folder() {
            EntryKind::Dir
        } else {
            EntryKind::File
        },
        size: if e.is_folder() { 0 } else { e.filesize },
        mtime: e.epochmt,
        mode: e.mode(),
        readonly,
    })
}

/// A plain, hidden, unique name to upload under before a rename into place.
pub(super) fn upload_temp_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(".nascmd-upload-{}-{n}.part", std::process::id())
}

/// A `get_list` page as entries, and the names refused (recorded in `skipped` too);
/// the names move out of the wire structs, not copied.
fn page_entries(
    reply: super::wire::ListReply,
    share_read_only: bool,
    dir: &VPath,
    skipped: &SkipLog,
) -> (Vec<Entry>, Vec<String>) {
    let ro = share_read_only || reply.acl == Some(4);
    let mut refused = Vec::new();
    let entries = reply
        .datas
        .into_iter()
        .filter_map(|mut e| {
            let name = std::mem::take(&mut e.filename);
            if crate::vfs::check_name(&name).is_err() {
                skipped.record(dir, &name);
                refused.push(name);
                return None;
            }
            to_entry(&e, name, ro)
        })
        .collect();
    (entries, refused)
}

impl QnapVfs {
    /// A folder's pages from its `skip`-th entry on, and its size from the first reply
    /// (the root, the shares, comes whole and has none).
    async fn list_paged(&self, dir: &VPath, skip: u64) -> VfsResult<Listing> {
        if dir.is_root() {
            let shares = self.shares().await?;
            return Ok(Listing {
                pages: futures_util::stream::once(async move { Ok(shares) }).boxed(),
                total: None,
            });
        }
        let client = self.client.clone();
        let path = dir.as_str().to_owned();
        let share_ro = self.share_read_only(dir);
        let skipped = self.skipped.clone();
        // The first page is fetched here so a missing folder fails the call itself.
        let paging = self.paging;
        let first_size = if skip == 0 { paging.first } else { paging.next };
        let first = client.get_list(&path, skip, first_size).await?;
        let total = first.total;
        if total > MAX_LISTING {
            // A broken or hostile server: paging towards its count would never end.
            return Err(crate::nas::listing::too_many(&path));
        }
        let got = first.datas.len() as u64;
        let mut guard = PageGuard::new(dir);
        let (first_page, refused) = page_entries(first, share_ro, dir, &skipped);
        let first_page = guard.admit(first_page, &refused)?;
        // The first reply gave the folder's size: ask for every other page now, a few at
        // a time, each fetched and parsed in a task of its own (so pages parse on all
        // cores), handed on in order. An empty page means the folder shrank meanwhile
        // (or a `total` that lied): the listing ends there. A page that brings nothing
        // new (a server ignoring `start`) fails it (`PageGuard`).
        let starts = if got == 0 {
            skip..skip
        } else {
            skip + got..total
        };
        let dir_owned = dir.clone();
        let rest = futures_util::stream::iter(
            starts.step_by(usize::try_from(paging.next).unwrap_or(usize::MAX)),
        )
        .map(move |start| {
            let client = client.clone();
            let path = path.clone();
            let dir = dir_owned.clone();
            let skipped = skipped.clone();
            AbortOnDropHandle::new(tokio::spawn(async move {
                let reply = client.get_list(&path, start, paging.next).await?;
                let empty = reply.datas.is_empty();
                let (entries, refused) = page_entries(reply, share_ro, &dir, &skipped);
                Ok::<_, VfsError>((empty, entries, refused))
            }))
        })
        .buffered(paging.in_flight)
        .map(|joined| {
            joined
                .unwrap_or_else(|e| Err(VfsError::Protocol(format!("a listing task failed: {e}"))))
        })
        .try_take_while(|(empty, _, _)| std::future::ready(Ok(!*empty)))
        .and_then(move |(_, entries, refused)| std::future::ready(guard.admit(entries, &refused)));
        Ok(Listing {
            pages: futures_util::stream::once(async move { Ok(first_page) })
                .chain(rest)
                .boxed(),
            total: Some(total),
        })
    }
}

/// Characters that would not survive inside the quoted multipart `filename="…"`.
fn needs_safe_upload_name(name: &str) -> bool {
    name.chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
}

#[async_trait]
impl Vfs for QnapVfs {
    fn label(&self) -> String {
        let url = self.client.base_url();
        let host = url.host_str().unwrap_or("?");
        let user = crate::names::escape(self.client.user());
        match url.port() {
            Some(p) => format!("qnap {user}@{host}:{p}"),
            None => format!("qnap {user}@{host}"),
        }
    }

    fn features(&self) -> Features<'_> {
        Features {
            cheap_rename: true,
            share_access_codes: true,
            set_mtime: Some(self),
            server_ops: Some(self),
            search: Some(self),
            share_links: Some(self),
            read_range: Some(self),
            // Chunked upload: the NAS assembles, checks and places the file, and keeps
            // what arrived of an interrupted one (not on old firmware: `upload.rs`).
            atomic_upload: Some(self),
            resumable_upload: !self.no_chunked.load(Ordering::Relaxed),
            skipped_names: Some(self.skipped.as_ref()),
            // `get_thumb`: the NAS shrinks the picture (`thumb.rs`).
            thumbnails: Some(self),
            ..Features::default()
        }
    }

    async fn list(&self, dir: &VPath) -> VfsResult<ListStream> {
        self.list_from(dir, 0).await
    }

    /// The first reply of `get_list` carries the folder's `total`.
    async fn list_counted(&self, dir: &VPath) -> VfsResult<Listing> {
        self.list_paged(dir, 0).await
    }

    /// Pages by offset (`start`), so a listing asked again after a failed page starts
    /// where it stopped; its first page is then a full one.
    async fn list_from(&self, dir: &VPath, skip: u64) -> VfsResult<ListStream> {
        Ok(self.list_paged(dir, skip).await?.pages)
    }

    async fn stat(&self, path: &VPath) -> VfsResult<Entry> {
        if path.is_root() {
            return Ok(Entry {
                name: String::new(),
                kind: EntryKind::Dir,
                size: 0,
                mtime: None,
                mode: None,
                readonly: true,
            });
        }
        if path.components().count() == 1 {
            return self
                .shares()
                .await?
                .into_iter()
                .find(|e| e.name == path.name())
                .ok_or_else(|| VfsError::NotFound(path.to_string()));
        }
        let e = self.stat_entry(path).await?;
        to_entry(&e, path.name().to_owned(), self.share_read_only(path))
            .ok_or_else(|| VfsError::InvalidName(path.to_string()))
    }

    async fn mkdir(&self, path: &VPath) -> VfsResult<()> {
        let (parent, name) = split(path)?;
        self.client.createdir(&parent, &name).await
    }

    async fn rename(&self, from: &VPath, to: &VPath, overwrite: bool) -> VfsResult<()> {
        let (dir, old) = split(from)?;
        let (to_dir, new) = split(to)?;
        if dir != to_dir {
            return Err(VfsError::Unsupported(
                "renaming into another folder (use a move)",
            ));
        }
        match self.client.rename(&dir, &old, &new).await {
            Err(e @ VfsError::AlreadyExists(_)) if overwrite && old != new => {
                // File Station never replaces on rename: remove the target, then retry.
                // A folder is never removed to make room (like rename(2) over a dir).
                if self.client.stat(&dir, &new).await?.is_folder() {
                    return Err(e);
                }
                self.client.delete(&dir, &[&new]).await?;
                self.client.rename(&dir, &old, &new).await
            }
            other => other,
        }
    }

    async fn remove(&self, path: &VPath) -> VfsResult<()> {
        let (dir, name) = split(path)?;
        match self.client.delete(&dir, &[&name]).await {
            // 0 = the name does not exist (or the delete failed): tell which.
            Err(
                e @ VfsError::Server {
                    code: ServerCode::Status(0),
                    ..
                },
            ) => match self.client.stat(&dir, &name).await {
                Ok(s) if !s.exists() => Err(VfsError::NotFound(path.to_string())),
                _ => Err(e),
            },
            other => other,
        }
    }

    async fn open_read(&self, path: &VPath, offset: u64) -> VfsResult<ByteReader> {
        let (dir, name) = split(path)?;
        if offset > 0 {
            // Resuming exactly at the end: nothing left to read (a Range there is 416).
            let size = self.stat_entry(path).await?.filesize;
            if offset == size {
                return Ok(Box::pin(tokio::io::empty()));
            }
        }
        let body = self.client.download(&dir, &name, offset).await?;
        Ok(crate::nas::body_speed::with_min_speed(body))
    }

    async fn write_new(
        &self,
        path: &VPath,
        len: u64,
        mut data: ByteReader,
        mtime: Option<i64>,
    ) -> VfsResult<Entry> {
        let (dir, name) = split(path)?;
        // A name the multipart header cannot carry is uploaded under a plain temporary
        // name and renamed (rename takes the name as an ordinary parameter).
        let wire_name = if needs_safe_upload_name(&name) {
            upload_temp_name()
        } else {
            name.clone()
        };
        let body = if len <= BUFFERED_UPLOAD_MAX {
            let mut buf = Vec::with_capacity(len as usize);
            (&mut data)
                .take(len)
                .read_to_end(&mut buf)
                .await
                .map_err(|e| VfsError::io(format!("reading the source of {path}"), e))?;
            if buf.len() as u64 != len {
                return Err(VfsError::SizeMismatch {
                    path: path.to_string(),
                    expected: len,
                    found: buf.len() as u64,
                });
            }
            UploadBody::Memory(Bytes::from(buf))
        } else {
            UploadBody::Stream(data)
        };
        self.client
            .upload(&dir, &wire_name, len, body, true)
            .await?;
        let wire_path = VPath::parse(&dir)?.join(&wire_name)?;
        // The upload parser can answer success while writing nothing: check. With an
        // mtime, `stat settime=1` sets it and answers with the entry in one request.
        let got = match mtime {
            Some(t) => match self.client.settime(&dir, &wire_name, t).await? {
                Some(e) if e.exists() => e,
                Some(_) => return Err(VfsError::NotFound(wire_path.to_string())),
                None => self.stat_entry(&wire_path).await?,
            },
            None => self.stat_entry(&wire_path).await?,
        };
        if got.filesize != len {
            let _ = self.client.delete(&dir, &[&wire_name]).await;
            return Err(VfsError::SizeMismatch {
                path: path.to_string(),
                expected: len,
                found: got.filesize,
            });
        }
        if wire_name != name {
            self.rename(&wire_path, path, true).await?;
        }
        to_entry(&got, name, self.share_read_only(path))
            .ok_or_else(|| VfsError::InvalidName(path.to_string()))
    }

    async fn space(&self, path: &VPath) -> VfsResult<Option<SpaceInfo>> {
        let Some(share) = paths::share_of(path) else {
            return Ok(None);
        };
        // Not every firmware has get_disk_info.
        let info = self.client.get_disk_info(&format!("/{share}")).await;
        crate::nas::space_or_unknown(info.map(|info| {
            info.free_size.map(|free| {
                let free = free.max(0) as u64 * 1024;
                SpaceInfo {
                    free,
                    total: free + info.used_size.unwrap_or(0).max(0) as u64 * 1024,
                }
            })
        }))
    }
}

#[async_trait]
impl SetMtime for QnapVfs {
    async fn set_mtime(&self, path: &VPath, mtime: i64) -> VfsResult<()> {
        let (dir, name) = split(path)?;
        self.client.settime(&dir, &name, mtime).await.map(drop)
    }
}

#[async_trait]
impl ReadRange for QnapVfs {
    async fn open_read_range(&self, path: &VPath, offset: u64, len: u64) -> VfsResult<ByteReader> {
        let (dir, name) = split(path)?;
        let body = self.client.download_range(&dir, &name, offset, len).await?;
        Ok(crate::nas::body_speed::with_min_speed(body))
    }
}

#[async_trait]
impl ServerOps for QnapVfs {
    async fn server_copy(
        &self,
        items: &[VPath],
        dst_dir: &VPath,
        conflict: ServerConflict,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> VfsResult<()> {
        self.run_task(Task::Copy, items, dst_dir, conflict, progress, cancel)
            .await
    }

    async fn server_move(
        &self,
        items: &[VPath],
        dst_dir: &VPath,
        conflict: ServerConflict,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> VfsResult<()> {
        self.run_task(Task::Move, items, dst_dir, conflict, progress, cancel)
            .await
    }
}

#[async_trait]
impl ServerSearch for QnapVfs {
    async fn search(&self, dir: &VPath, pattern: &str) -> VfsResult<SearchStream> {
        super::search::start(self.client.clone(), dir.clone(), pattern).await
    }
}

#[async_trait]
impl ShareLinks for QnapVfs {
    async fn share_create(&self, path: &VPath, opts: &ShareOptions) -> VfsResult<ShareLink> {
        super::share::create(&self.client, path, opts).await
    }

    async fn share_list(&self) -> VfsResult<Vec<ShareLink>> {
        super::share::list(&self.client).await
    }

    async fn share_update(&self, link: &ShareLink, opts: &ShareOptions) -> VfsResult<ShareLink> {
        super::share::update(&self.client, link, opts).await
    }

    async fn share_revoke(&self, link: &ShareLink) -> VfsResult<()> {
        super::share::revoke(&self.client, link).await
    }

    fn emails_links(&self) -> bool {
        true
    }

    async fn share_email(
        &self,
        path: &VPath,
        opts: &ShareOptions,
        mail: &crate::vfs::ShareMail,
    ) -> VfsResult<ShareLink> {
        super::share::email(&self.client, path, opts, mail).await
    }

    async fn share_revoke_every(&self) -> VfsResult<bool> {
        super::share::revoke_every(&self.client).await
    }

    async fn share_hosts(&self) -> VfsResult<Vec<ShareHost>> {
        super::share_hosts::list(&self.client).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_needing_a_safe_upload_name() {
        assert!(!needs_safe_upload_name("report 2024 (final) é.pdf"));
        assert!(needs_safe_upload_name("a\"b"));
        assert!(needs_safe_upload_name("a\\b"));
        assert!(needs_safe_upload_name("\x1b[2J"));
        assert!(needs_safe_upload_name("line\nbreak"));
    }
}
