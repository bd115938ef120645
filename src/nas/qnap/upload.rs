//! `AtomicUpload` for QNAP: the chunked upload (`chunked.rs`) lands a file under its
//! final name in one step, so a small file costs two requests (start, one final chunk
//! carrying name, overwrite rule and mtime) and the file is verified from the final
//! reply (size; mtime when one was set). Big files go in chunks of
//! `QnapConfig::upload_chunk_size` (32 MiB), a last chunk above 1 MiB as two (its
//! final 64 KiB alone: [`SPLIT_ABOVE`]), streamed: an interruption costs at most
//! one chunk, since the NAS keeps what arrived and the job engine goes on from
//! `uploaded`. Firmware without the chunked funcs (File Station before 4.2) gets the
//! standard upload to a hidden temporary name, then `settime` and a rename into place,
//! for the rest of the session.

use std::sync::atomic::Ordering;

use async_trait::async_trait;

use super::chunked::ChunkedUpload;
use super::paths::{self, split};
use super::vfs::QnapVfs;
use crate::vfs::{
    AtomicUpload, ByteReader, Entry, EntryKind, UploadId, UploadTarget, VPath, Vfs, VfsError,
    VfsResult,
};

/// Chunk size when the configuration does not set one: an interruption costs at most
/// this much, and it is never held in memory (the chunk is streamed).
pub const DEFAULT_CHUNK: u64 = 32 << 20;

/// A last chunk larger than this is sent as two: its bytes but [`TAIL`], then the tail
/// alone. The bytes of a request are read into it long before they reach the NAS (socket
/// buffers hold megabytes), and only its reply says they arrived: this way the reply to
/// the first part says the NAS holds all but the tail, and the last request carries
/// little more than the assembly, which is what the job calls "finishing on the NAS"
/// once every byte is read (`Accounting::finishing_after`). One more request per big
/// file; a small one goes in one, as before.
const SPLIT_ABOVE: u64 = 1 << 20;
/// The bytes the final request of a split last chunk carries.
const TAIL: u64 = 64 << 10;

/// The id of an upload that goes through the standard upload (nothing is kept on the
/// NAS between attempts).
const STANDARD: &str = "";

/// `/<share>`: where the NAS keeps the chunks (`upload_root_dir`).
fn upload_root(path: &VPath) -> VfsResult<String> {
    paths::share_of(path)
        .map(|s| format!("/{s}"))
        .ok_or_else(|| VfsError::InvalidName(path.to_string()))
}

impl QnapVfs {
    fn chunked_upload(&self, id: &UploadId, target: &UploadTarget) -> VfsResult<ChunkedUpload> {
        let (dest, name) = split(&target.path)?;
        Ok(ChunkedUpload {
            root: upload_root(&target.path)?,
            id: id.0.clone(),
            dest,
            name,
            filesize: target.len,
            overwrite: target.overwrite,
            mtime: target.mtime,
        })
    }

    /// Old firmware: standard upload under a temporary name (which also sets the mtime
    /// and checks the size), then a rename honouring the overwrite rule.
    async fn standard_into_place(
        &self,
        target: &UploadTarget,
        data: ByteReader,
    ) -> VfsResult<Entry> {
        let tmp = target.path.parent().join(&super::vfs::upload_temp_name())?;
        let written = self.write_new(&tmp, target.len, data, target.mtime).await;
        let placed = match written {
            Ok(entry) => self
                .rename(&tmp, &target.path, target.overwrite)
                .await
                .map(|()| entry),
            Err(e) => Err(e),
        };
        if placed.is_err() {
            let _ = self.remove(&tmp).await;
        }
        placed.map(|e| Entry {
            name: target.path.name().to_owned(),
            ..e
        })
    }
}

#[async_trait]
impl AtomicUpload for QnapVfs {
    async fn begin_upload(&self, target: &UploadTarget) -> VfsResult<UploadId> {
        // The first upload of the session finds out whether the firmware has the
        // chunked funcs; parallel workers wait for that answer instead of all asking.
        let _probe = if self.chunked_known.load(Ordering::Acquire) {
            None
        } else {
            Some(self.chunked_probe.lock().await)
        };
        if self.no_chunked.load(Ordering::Acquire) {
            return Ok(UploadId(STANDARD.into()));
        }
        let root = upload_root(&target.path)?;
        let started = self.client.start_chunked_upload(&root).await?;
        self.chunked_known.store(true, Ordering::Release);
        match started {
            Some(id) => Ok(UploadId(id)),
            None => {
                tracing::info!("the NAS has no chunked upload; using the standard upload");
                self.no_chunked.store(true, Ordering::Release);
                Ok(UploadId(STANDARD.into()))
            }
        }
    }

    async fn upload_from(
        &self,
        id: &UploadId,
        target: &UploadTarget,
        offset: u64,
        data: ByteReader,
    ) -> VfsResult<Entry> {
        if id.0 == STANDARD {
            if offset != 0 {
                return Err(VfsError::Unsupported("resuming a standard upload"));
            }
            return self.standard_into_place(target, data).await;
        }
        let up = self.chunked_upload(id, target)?;
        let mut pos = offset;
        let mut reader = data;
        // At least one request, also for an empty file (it lands with the last chunk).
        let reply = loop {
            let left = target.len.saturating_sub(pos);
            let n = match self.upload_chunk.min(left) {
                n if n == left && n > SPLIT_ABOVE => n - TAIL,
                n => n,
            };
            let (reply, rest) = self.client.send_chunk(&up, pos, n, reader).await?;
            pos += n;
            match rest {
                Some(r) if pos < target.len => reader = r,
                _ => break reply,
            }
        };
        let size = match reply.size {
            Some(s) => s,
            // A firmware that does not say: ask.
            None => self.stat(&target.path).await?.size,
        };
        if size != target.len {
            return Err(VfsError::SizeMismatch {
                path: target.path.to_string(),
                expected: target.len,
                found: size,
            });
        }
        let mut mtime = reply.mtime;
        if let Some(want) = target.mtime
            && reply.mtime != Some(want)
        {
            // Not applied (or not reported): set it the usual way.
            let (dir, name) = split(&target.path)?;
            self.client.settime(&dir, &name, want).await?;
            mtime = Some(want);
        }
        Ok(Entry {
            name: target.path.name().to_owned(),
            kind: EntryKind::File,
            size,
            mtime,
            mode: None,
            readonly: self.share_read_only(&target.path),
        })
    }

    async fn uploaded(&self, id: &UploadId, target: &UploadTarget) -> VfsResult<u64> {
        if id.0 == STANDARD {
            // The standard upload keeps nothing to go on from: as for a chunked upload
            // that is gone, the engine then looks whether the file landed (a rename
            // into place whose answer was lost) before it sends the file again.
            return Err(VfsError::NotFound(target.path.to_string()));
        }
        let root = upload_root(&target.path)?;
        self.client.chunked_upload_status(&root, &id.0).await
    }

    async fn abandon_upload(&self, id: &UploadId, target: &UploadTarget) -> VfsResult<()> {
        if id.0 == STANDARD {
            return Ok(());
        }
        let root = upload_root(&target.path)?;
        self.client.delete_chunked_upload(&root, &id.0).await
    }
}
