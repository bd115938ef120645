//! `impl Vfs for FreeboxVfs`: the Freebox pane as the rest of nascmd sees it.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::api::Api;
use super::discovery::{WS_UPLOAD_MAJOR, discover};
use super::{download, fs, hash, paths, share, storage, tasks, tls, upload, upload_legacy};
use crate::nas::tls::Trust;
use crate::secret::Secret;
use crate::vfs::{
    AckedWrites, Append, ByteReader, BytesFn, Checksums, Entry, Features, ListStream, ProgressFn,
    ReadRange, ServerConflict, ServerOps, ShareLink, ShareLinks, ShareOptions, SpaceInfo, VPath,
    Vfs, VfsError, VfsResult,
};

/// What is needed to open a Freebox pane (the app token comes from registration).
#[derive(Debug, Clone)]
pub struct FreeboxConfig {
    /// `http://mafreebox.freebox.fr`, `https://xxxx.fbxos.fr:PORT`, or an emulator.
    pub base_url: String,
    pub app_id: String,
    pub app_token: Secret,
}

/// A connected Freebox.
pub struct FreeboxVfs {
    api: Arc<Api>,
    label: String,
    paging: fs::LsPaging,
    /// Names listings refused, until reported (`Features::skipped_names`).
    skipped: Arc<crate::nas::listing::SkipLog>,
    /// Where the latest listings can be picked up again (`Vfs::list_from`).
    trails: Arc<super::ls_trail::Trails>,
}

impl FreeboxVfs {
    /// Discovers the API version and opens a session (so a revoked token or a missing
    /// permission is reported now, in plain words).
    pub async fn connect(cfg: FreeboxConfig) -> VfsResult<FreeboxVfs> {
        Self::connect_with_trust(cfg, &Trust::freebox()).await
    }

    /// [`FreeboxVfs::connect`] with another TLS trust: extra roots (a box behind a
    /// reverse proxy with its own CA) or a pinned certificate.
    pub async fn connect_with_trust(cfg: FreeboxConfig, trust: &Trust) -> VfsResult<FreeboxVfs> {
        let http = tls::http_client_with(trust)?;
        let root = discover(&http, &cfg.base_url).await?;
        Self::with_api(Arc::new(Api::new(http, root, cfg.app_id, cfg.app_token))).await
    }

    /// Opens a session with `api` (a box already discovered): what the connector
    /// calls, keeping `api` for a login tried again (its challenge included).
    pub(super) async fn with_api(api: Arc<Api>) -> VfsResult<FreeboxVfs> {
        let host = reqwest::Url::parse(&api.root.origin)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        api.session().await?;
        Ok(FreeboxVfs {
            api,
            label: format!("freebox {}", crate::names::escape(&host)),
            paging: fs::LsPaging::default(),
            skipped: Arc::default(),
            trails: Arc::default(),
        })
    }

    /// Lists folders with other page sizes (tests use small pages to get many).
    pub fn with_list_paging(mut self, paging: fs::LsPaging) -> Self {
        self.paging = paging;
        self
    }

    /// The API major in use (`/api/v{major}/`).
    pub fn api_major(&self) -> u32 {
        self.api.root.major
    }

    async fn run_task(
        &self,
        endpoint: &str,
        body: serde_json::Value,
        what: &str,
        progress: Option<&ProgressFn>,
        cancel: Option<&CancellationToken>,
    ) -> VfsResult<()> {
        let task = fs::start_task(&self.api, endpoint, &body, what).await?;
        tasks::follow(&self.api, task, what, progress, cancel).await
    }

    async fn transfer(
        &self,
        endpoint: &str,
        items: &[VPath],
        dst_dir: &VPath,
        conflict: ServerConflict,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> VfsResult<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mode = match conflict {
            ServerConflict::Overwrite => "overwrite",
            ServerConflict::Skip => "skip",
        };
        let files: Vec<String> = items.iter().map(paths::encode).collect();
        let body = json!({"files": files, "dst": paths::encode(dst_dir), "mode": mode});
        let what = match items {
            [one] => one.as_str().to_owned(),
            many => format!("{} items", many.len()),
        };
        self.run_task(endpoint, body, &what, Some(&progress), Some(&cancel))
            .await
    }

    async fn exists(&self, path: &VPath) -> VfsResult<bool> {
        match fs::stat(&self.api, path).await {
            Ok(_) => Ok(true),
            Err(VfsError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Checksums for FreeboxVfs {
    async fn sha256(&self, path: &VPath) -> VfsResult<String> {
        hash::sha256(&self.api, path).await
    }

    fn computed_by(&self) -> &'static str {
        "Freebox"
    }
}

#[async_trait]
impl Vfs for FreeboxVfs {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn features(&self) -> Features<'_> {
        Features {
            // `rename` stays within one folder; moves go through `server_move`.
            cheap_rename: false,
            // Freebox share links have no password.
            share_access_codes: false,
            server_ops: Some(self),
            // No search API: `services::search` walks the tree.
            search: None,
            share_links: Some(self),
            read_range: Some(self),
            // `force: "resume"` of the WebSocket upload.
            append: self.resumes_uploads().then_some(self as &dyn Append),
            // Each frame of the WebSocket upload is acknowledged (`upload_data`).
            acked_writes: self.resumes_uploads().then_some(self as &dyn AckedWrites),
            // No way to set a modification time.
            set_mtime: None,
            skipped_names: Some(self.skipped.as_ref()),
            // `upload_start`, `fs/mkdir` and `fs/rename` name things in JSON text.
            text_names: true,
            // The `fs/hash` task.
            checksums: Some(self),
            // No thumbnail API: a bounded read of the file (`vfs::thumbs`).
            thumbnails: Some(self),
            ..Features::default()
        }
    }

    async fn list(&self, dir: &VPath) -> VfsResult<ListStream> {
        fs::list(
            self.api.clone(),
            dir.clone(),
            self.paging,
            self.skipped.clone(),
            self.trails.clone(),
            None,
        )
        .await
    }

    /// From the last cursor the folder's latest listing received at or before `skip`
    /// (`ls_trail`); from the start when there is none (a box below v15 answers a
    /// listing in one reply) or when the box will not take the cursor again.
    async fn list_from(&self, dir: &VPath, skip: u64) -> VfsResult<ListStream> {
        let Some(resume) = self.trails.resume(dir, skip) else {
            return self.list(dir).await;
        };
        let listing = fs::list(
            self.api.clone(),
            dir.clone(),
            self.paging,
            self.skipped.clone(),
            self.trails.clone(),
            Some(resume),
        )
        .await;
        match listing {
            Err(e) if !e.is_transient() && !matches!(e, VfsError::Cancelled) => {
                tracing::debug!(error = %e, "the Freebox did not take a listing cursor again, listing from the start");
                self.list(dir).await
            }
            other => other,
        }
    }

    async fn stat(&self, path: &VPath) -> VfsResult<Entry> {
        fs::stat(&self.api, path).await
    }

    async fn mkdir(&self, path: &VPath) -> VfsResult<()> {
        fs::mkdir(&self.api, path).await
    }

    async fn rename(&self, from: &VPath, to: &VPath, overwrite: bool) -> VfsResult<()> {
        if from == to {
            return Ok(());
        }
        if from.parent() != to.parent() {
            return Err(VfsError::InvalidName(format!(
                "{to}: a rename stays in the same folder"
            )));
        }
        if !overwrite {
            if self.exists(to).await? {
                return Err(VfsError::AlreadyExists(to.to_string()));
            }
            return fs::rename(&self.api, from, to.name()).await;
        }
        match fs::rename(&self.api, from, to.name()).await {
            Err(VfsError::AlreadyExists(_)) => {}
            other => return other,
        }
        // Overwriting replaces a file, never a folder and all it holds (the rule of every
        // backend: QNAP and the local disk refuse too).
        if self.stat(to).await?.is_dir() {
            return Err(VfsError::AlreadyExists(format!("{to} (a folder)")));
        }
        // The box does not rename over an existing item: put the old one aside, rename,
        // then remove it, restoring it if the rename fails.
        let aside_name = format!(".{}.nascmd-replaced", to.name());
        let aside = to.parent().join(&aside_name)?;
        if self.exists(&aside).await? {
            self.remove(&aside).await?;
        }
        fs::rename(&self.api, to, &aside_name).await?;
        if let Err(e) = fs::rename(&self.api, from, to.name()).await {
            if let Err(back) = fs::rename(&self.api, &aside, to.name()).await {
                tracing::warn!(path = %to, error = %back, "could not restore the replaced item");
            }
            return Err(e);
        }
        self.remove(&aside).await
    }

    async fn remove(&self, path: &VPath) -> VfsResult<()> {
        if path.is_root() || path.parent().is_root() {
            return Err(VfsError::PermissionDenied(format!(
                "{path}: a whole Freebox disk cannot be removed"
            )));
        }
        let body = json!({"files": [paths::encode(path)]});
        self.run_task("fs/rm/", body, path.as_str(), None, None)
            .await
    }

    async fn open_read(&self, path: &VPath, offset: u64) -> VfsResult<ByteReader> {
        download::open_read(&self.api, path, offset).await
    }

    async fn write_new(
        &self,
        path: &VPath,
        len: u64,
        data: ByteReader,
        _mtime: Option<i64>,
    ) -> VfsResult<Entry> {
        self.write_new_reporting(path, len, data, Arc::new(|_| {}))
            .await
    }

    async fn space(&self, path: &VPath) -> VfsResult<Option<SpaceInfo>> {
        crate::nas::space_or_unknown(storage::space(&self.api, path).await)
    }
}

#[async_trait]
impl ReadRange for FreeboxVfs {
    async fn open_read_range(&self, path: &VPath, offset: u64, len: u64) -> VfsResult<ByteReader> {
        download::open_read_range(&self.api, path, offset, len).await
    }
}

#[async_trait]
impl Append for FreeboxVfs {
    async fn append(&self, path: &VPath, len: u64, data: ByteReader) -> VfsResult<()> {
        if !self.resumes_uploads() {
            return Err(VfsError::Unsupported("appending to a file"));
        }
        upload::append(&self.api, path, len, data, &|_| {}).await
    }

    async fn held_len(&self, path: &VPath) -> VfsResult<Option<u64>> {
        if !self.resumes_uploads() {
            return Ok(None);
        }
        upload::held(&self.api, path).await.map(Some)
    }

    async fn discard_partial(&self, path: &VPath) -> VfsResult<()> {
        if !self.resumes_uploads() {
            return Ok(());
        }
        upload::discard_partial(&self.api, path).await
    }
}

#[async_trait]
impl AckedWrites for FreeboxVfs {
    async fn write_new_acked(
        &self,
        path: &VPath,
        len: u64,
        data: ByteReader,
        _mtime: Option<i64>,
        acked: BytesFn,
    ) -> VfsResult<Entry> {
        self.write_new_reporting(path, len, data, acked).await
    }

    async fn append_acked(
        &self,
        path: &VPath,
        len: u64,
        data: ByteReader,
        acked: BytesFn,
    ) -> VfsResult<()> {
        if !self.resumes_uploads() {
            return Err(VfsError::Unsupported("appending to a file"));
        }
        upload::append(&self.api, path, len, data, &*acked).await
    }
}

#[async_trait]
impl ServerOps for FreeboxVfs {
    async fn server_copy(
        &self,
        items: &[VPath],
        dst_dir: &VPath,
        conflict: ServerConflict,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> VfsResult<()> {
        self.transfer("fs/cp/", items, dst_dir, conflict, progress, cancel)
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
        self.transfer("fs/mv/", items, dst_dir, conflict, progress, cancel)
            .await
    }
}

#[async_trait]
impl ShareLinks for FreeboxVfs {
    async fn share_create(&self, path: &VPath, opts: &ShareOptions) -> VfsResult<ShareLink> {
        share::create(&self.api, path, opts).await
    }

    async fn share_list(&self) -> VfsResult<Vec<ShareLink>> {
        share::list(&self.api).await
    }

    async fn share_update(&self, link: &ShareLink, opts: &ShareOptions) -> VfsResult<ShareLink> {
        share::update(&self.api, link, opts).await
    }

    async fn share_revoke(&self, link: &ShareLink) -> VfsResult<()> {
        share::delete(&self.api, &link.id).await
    }
}

impl FreeboxVfs {
    /// Whether appending works (`force: "resume"` of the WebSocket upload).
    fn resumes_uploads(&self) -> bool {
        self.api.root.major >= WS_UPLOAD_MAJOR
    }

    /// `write_new`; `acked` hears of the bytes the box acknowledged (the WebSocket
    /// upload; the legacy HTTP upload tells nothing before its answer).
    async fn write_new_reporting(
        &self,
        path: &VPath,
        len: u64,
        data: ByteReader,
        acked: BytesFn,
    ) -> VfsResult<Entry> {
        if path.is_root() || path.parent().is_root() {
            return Err(VfsError::PermissionDenied(
                "files go inside a disk of the Freebox, not at its top level".into(),
            ));
        }
        if self.api.root.major < WS_UPLOAD_MAJOR {
            upload_legacy::write_new(&self.api, path, len, data).await?;
        } else {
            upload::write_new(&self.api, path, len, data, &*acked).await?;
        }
        fs::stat(&self.api, path).await
    }

    /// One share link by its token (`GET share_link/{token}`).
    pub async fn share_get(&self, token: &str) -> VfsResult<ShareLink> {
        share::get(&self.api, token).await
    }
}

/// A Freebox has no thumbnail service: the file itself is read, up to
/// `thumbnail::MAX_SOURCE_BYTES`, and shrunk here.
#[async_trait]
impl crate::vfs::Thumbnails for FreeboxVfs {
    async fn thumbnail(&self, path: &VPath, max_side: u32) -> VfsResult<crate::vfs::Preview> {
        crate::vfs::thumbs::by_bounded_read(
            self,
            path,
            max_side,
            crate::thumbnail::MAX_SOURCE_BYTES,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::freebox::{FreeboxEmulatorConfig, spawn};
    use futures_util::TryStreamExt;

    /// A listing picked up with a cursor the box no longer takes (an emulator cursor
    /// must decode to an offset) is asked again from the folder's start.
    #[tokio::test]
    async fn a_cursor_the_box_refuses_lists_the_folder_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        for n in ["a", "b", "c"] {
            std::fs::write(dir.path().join("d").join(n), b"").unwrap();
        }
        let emu = spawn(FreeboxEmulatorConfig::new(dir.path())).await.unwrap();
        let fbx = crate::nas::freebox::signed_in::signed_in(&emu.base_url).await;
        let d = VPath::parse("/Disque dur/d").unwrap();
        fbx.trails.start(&d).mark(1, "bm90IGEgY3Vyc29y");
        let pages: Vec<Vec<Entry>> = fbx
            .list_from(&d, 1)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let names: Vec<String> = pages.concat().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
}
