//! A fault-injecting `Vfs` around the local backend: dropped streams, slow reads, a
//! lying `stat`, cross-device renames, hostile names in listings, server-side copy.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use nascmd::jobs::TEMP_PREFIX;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{
    Append, ByteReader, BytesFn, CopyIntoPlace, Entry, EntryKind, Features, ListStream, NativeCopy,
    ProgressFn, ReadRange, ServerConflict, ServerOps, SetMtime, TaskProgress, VPath, Vfs, VfsError,
    VfsResult, range_of_open_read,
};
use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::sync::CancellationToken;

use super::jobs::{tree, write};

/// LocalFs behind a different label (so the engine streams through itself instead of
/// using the local fast paths) with switchable faults.
#[derive(Default)]
pub struct Faulty {
    pub label: String,
    /// Drop the next read stream after this many bytes (once).
    pub drop_read_after: Mutex<Option<u64>>,
    /// Offsets `open_read` was called with.
    pub read_offsets: Mutex<Vec<u64>>,
    /// Sleep this long per read chunk of 64 KiB.
    pub slow_reads: Option<Duration>,
    /// `stat` of temp files reports one byte less (a failed verification).
    pub lying_stat: AtomicBool,
    /// Renames to another folder fail like EXDEV.
    pub cross_device: bool,
    /// Extra hostile names listed in every folder.
    pub hostile_names: Vec<String>,
    /// Reading a file or listing a folder of this name fails with "permission denied".
    pub unreadable: Option<String>,
    /// Making a folder of this name fails with "permission denied" (while set).
    pub refused_mkdir: Mutex<Option<String>>,
    /// Offers server-side copy (done here with std::fs, reporting progress).
    pub server_copy: bool,
    pub server_copies: Mutex<Vec<(Vec<VPath>, VPath)>>,
    /// Copies natively (so small files go in batches); the native copy of the file
    /// of this name first waits for a permit of the semaphore.
    pub gated_copy: Option<(String, Arc<tokio::sync::Semaphore>)>,
    /// Each `list` takes this long (a NAS round trip).
    pub list_delay: Option<Duration>,
    /// `list` calls running now, and the most that ever ran at once.
    pub lists_running: AtomicUsize,
    pub most_lists_at_once: AtomicUsize,
}

impl Faulty {
    pub fn new(label: &str) -> Self {
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
    fn features(&self) -> Features<'_> {
        Features {
            server_ops: self.server_copy.then_some(self as &dyn ServerOps),
            native_copy: self.gated_copy.is_some().then_some(self as &dyn NativeCopy),
            set_mtime: Some(self),
            read_range: Some(self),
            append: Some(self),
            ..LocalFs.features()
        }
    }
    async fn list(&self, dir: &VPath) -> VfsResult<ListStream> {
        let now = self.lists_running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_lists_at_once.fetch_max(now, Ordering::SeqCst);
        if let Some(d) = self.list_delay {
            tokio::time::sleep(d).await;
        }
        let listed = if self.unreadable.as_deref() == Some(dir.name()) {
            Err(VfsError::PermissionDenied(dir.to_string()))
        } else {
            LocalFs.list(dir).await
        };
        self.lists_running.fetch_sub(1, Ordering::SeqCst);
        let inner = listed?;
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
        if self.refused_mkdir.lock().unwrap().as_deref() == Some(path.name()) {
            return Err(VfsError::PermissionDenied(path.to_string()));
        }
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
    ) -> VfsResult<Entry> {
        LocalFs.write_new(path, len, data, mtime).await?;
        // What this backend reports (a lying `stat` fails the verification).
        self.stat(path).await
    }
}

#[async_trait]
impl SetMtime for Faulty {
    async fn set_mtime(&self, path: &VPath, mtime: i64) -> VfsResult<()> {
        LocalFs.set_mtime(path, mtime).await
    }
}

#[async_trait]
impl ReadRange for Faulty {
    /// Through this backend's own `open_read`, so its faults apply to ranges too.
    async fn open_read_range(&self, path: &VPath, offset: u64, len: u64) -> VfsResult<ByteReader> {
        range_of_open_read(self, path, offset, len).await
    }
}

#[async_trait]
impl Append for Faulty {
    async fn append(&self, path: &VPath, len: u64, data: ByteReader) -> VfsResult<()> {
        LocalFs.append(path, len, data).await
    }
}

#[async_trait]
impl NativeCopy for Faulty {
    async fn copy_file(
        &self,
        from: &VPath,
        to: &VPath,
        mtime: Option<i64>,
        progress: BytesFn,
        cancel: CancellationToken,
    ) -> VfsResult<u64> {
        LocalFs.copy_file(from, to, mtime, progress, cancel).await
    }
    async fn copy_file_into_place(
        &self,
        job: &CopyIntoPlace,
        progress: BytesFn,
        cancel: CancellationToken,
    ) -> VfsResult<u64> {
        if let Some((name, gate)) = &self.gated_copy
            && job.from.name() == name
        {
            let _permit = gate.acquire().await;
        }
        LocalFs.copy_file_into_place(job, progress, cancel).await
    }
}

#[async_trait]
impl ServerOps for Faulty {
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
    /// Only reached for a move between two labels of one backend (a same-label move
    /// is a rename): moved here with std::fs.
    async fn server_move(
        &self,
        items: &[VPath],
        dst_dir: &VPath,
        _conflict: ServerConflict,
        _progress: ProgressFn,
        _cancel: CancellationToken,
    ) -> VfsResult<()> {
        for item in items {
            let to = PathBuf::from(dst_dir.as_str()).join(item.name());
            std::fs::rename(item.as_str(), to).map_err(|e| VfsError::io(item.to_string(), e))?;
        }
        Ok(())
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
