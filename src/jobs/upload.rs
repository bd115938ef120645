//! One file into a target that assembles uploads itself (`Features::atomic_upload`,
//! QNAP's chunked upload): the server checks the size, sets the mtime and puts the file
//! under its final name in one step, so the engine's temporary name and rename would
//! only cost requests. The plan's overwrite rule goes with the upload (`overwrite`),
//! so the server refuses an existing name exactly where the rename would have.
//!
//! A transient failure mid-file goes on from the bytes the server holds when the
//! source can be read from an offset (`read_range`), else starts a new upload. An
//! upload given up (a permanent failure, a cancel) is abandoned on the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::cancel::{CancelReader, until_cancelled};
use super::ctx::JobCtx;
use super::plan::FileStep;
use super::progress::CountingReader;
use crate::vfs::{AtomicUpload, ByteReader, UploadId, UploadTarget, VfsError, VfsResult};

/// Whether `transfer` writes this job's files straight to their final names.
pub(crate) fn applies(ctx: &JobCtx) -> bool {
    let native = ctx.same_backend() && ctx.src.features().native_copy.is_some();
    !native && ctx.dst_vfs().features().atomic_upload.is_some()
}

/// Uploads `step.src` into place at `step.dst` (see the module doc).
pub(crate) async fn upload_into_place(ctx: &JobCtx, step: &FileStep) -> VfsResult<()> {
    let dst = ctx.dst_vfs().clone();
    let up = dst
        .features()
        .atomic_upload
        .ok_or(VfsError::Unsupported("uploads assembled by the server"))?;
    let target = UploadTarget {
        path: step.dst.clone(),
        len: step.entry.size,
        mtime: step.entry.mtime,
        overwrite: step.overwrite,
    };
    let mut id = ctx.retry(|| up.begin_upload(&target)).await?;
    let res = send_resuming(ctx, step, up, &target, &mut id).await;
    match res {
        Ok(entry) if entry.size == target.len => Ok(()),
        Ok(entry) => Err(VfsError::SizeMismatch {
            path: step.dst.to_string(),
            expected: target.len,
            found: entry.size,
        }),
        Err(e) => {
            // Best effort: the server may have dropped it already.
            if let Err(gone) = up.abandon_upload(&id, &target).await
                && !matches!(gone, VfsError::NotFound(_))
            {
                tracing::warn!(path = %step.dst, error = %gone, "could not abandon an upload");
            }
            Err(e)
        }
    }
}

/// The file at the final name when it is the one this upload sends: its size, and its
/// mtime where one was asked for (the quick check rsync also trusts).
async fn landed(ctx: &JobCtx, target: &UploadTarget) -> Option<crate::vfs::Entry> {
    let entry = ctx.dst_vfs().stat(&target.path).await.ok()?;
    let same_mtime = target.mtime.is_none() || entry.mtime == target.mtime;
    (entry.size == target.len && same_mtime).then_some(entry)
}

/// Sends the file, going on after transient failures (within the job's retry budget).
async fn send_resuming(
    ctx: &JobCtx,
    step: &FileStep,
    up: &dyn AtomicUpload,
    target: &UploadTarget,
    id: &mut UploadId,
) -> VfsResult<crate::vfs::Entry> {
    let can_resume = ctx.src.features().read_range.is_some();
    // Bytes of this file counted so far (they equal what the server holds when an
    // attempt goes on from there).
    let counted = Arc::new(AtomicU64::new(0));
    let mut offset = 0u64;
    let mut patience = ctx.patience();
    loop {
        let attempt = until_cancelled(&ctx.cancel, async {
            let reader = ctx.src.open_read(&step.src, offset).await?;
            let counting: ByteReader = Box::pin(CountingReader::new(
                reader,
                ctx.acct.clone(),
                counted.clone(),
            ));
            let data: ByteReader = Box::pin(CancelReader::new(counting, ctx.cancel.clone()));
            up.upload_from(id, target, offset, data).await
        })
        .await;
        match attempt {
            Err(_) if ctx.cancel.is_cancelled() => return Err(VfsError::Cancelled),
            Err(e) if e.is_transient() => {
                tracing::info!(path = %step.src, error = %e, retry = patience.retries(), "upload interrupted, retrying");
                patience.wait_after(e, &ctx.cancel).await?;
                // Where to go on from; the NAS may still be away, so this waits within
                // the same budget.
                let held = loop {
                    match until_cancelled(&ctx.cancel, up.uploaded(id, target)).await {
                        Err(e) if e.is_transient() && !ctx.cancel.is_cancelled() => {
                            patience.wait_after(e, &ctx.cancel).await?
                        }
                        other => break other,
                    }
                };
                // The upload is gone: it may have landed just before its reply was lost
                // (a new upload would then find its own file in the way).
                if matches!(held, Err(VfsError::NotFound(_)))
                    && let Some(done) = landed(ctx, target).await
                {
                    let before = counted.swap(target.len, Ordering::Relaxed);
                    ctx.acct.add_bytes(target.len.saturating_sub(before));
                    return Ok(done);
                }
                let resumed_at = offset;
                offset = match held {
                    Ok(held) if held <= target.len && (held == 0 || can_resume) => held,
                    // Unknown, or the source cannot start mid-file: a fresh upload.
                    _ => {
                        let _ = up.abandon_upload(id, target).await;
                        *id = loop {
                            match until_cancelled(&ctx.cancel, up.begin_upload(target)).await {
                                Err(e) if e.is_transient() && !ctx.cancel.is_cancelled() => {
                                    patience.wait_after(e, &ctx.cancel).await?
                                }
                                other => break other?,
                            }
                        };
                        0
                    }
                };
                // Progress is what the server kept: bytes sent into a request that then
                // failed do not count.
                if offset > resumed_at {
                    patience.progressed();
                }
                ctx.acct.recount_file(&counted, offset);
            }
            other => return other,
        }
    }
}
