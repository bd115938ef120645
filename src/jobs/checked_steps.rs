//! The steps of a file after its bytes — rename into place, remove a moved source,
//! take a finished upload as written — retried like the bytes are, and made safe to
//! repeat: after a transient failure the step may well have taken effect on the NAS
//! (only its answer was lost), so before trying again it looks whether it did.
//! Repeating blindly could rename twice onto something else, or report a failure for
//! a source that is already gone.

use super::ctx::JobCtx;
use crate::vfs::{Entry, VPath, VfsError, VfsHandle, VfsResult};

/// Renames the verified temporary file `tmp` to `dst`. After a transient failure: if
/// `tmp` is gone and `dst` has the expected size, the rename took effect; if `tmp` is
/// still there, it is renamed again; anything else (`tmp` gone, `dst` not ours) is an
/// error, never a second rename.
pub(crate) async fn rename_into_place(
    ctx: &JobCtx,
    tmp: &VPath,
    dst: &VPath,
    expected_size: u64,
    overwrite: bool,
) -> VfsResult<()> {
    let vfs = ctx.dst_vfs().clone();
    let mut patience = ctx.patience();
    let mut failed_before = false;
    loop {
        if ctx.cancel.is_cancelled() {
            return Err(VfsError::Cancelled);
        }
        let outcome = if failed_before {
            rename_unless_done(&vfs, tmp, dst, expected_size, overwrite).await
        } else {
            vfs.rename(tmp, dst, overwrite).await
        };
        match outcome {
            Err(e) if e.is_transient() && !ctx.cancel.is_cancelled() => {
                tracing::info!(path = %dst, error = %e, "rename into place interrupted, retrying");
                failed_before = true;
                patience.wait_after(e, &ctx.cancel).await?;
            }
            other => return other,
        }
    }
}

/// The rename after an interrupted one: looks first.
async fn rename_unless_done(
    vfs: &VfsHandle,
    tmp: &VPath,
    dst: &VPath,
    expected_size: u64,
    overwrite: bool,
) -> VfsResult<()> {
    match vfs.stat(tmp).await {
        Ok(_) => vfs.rename(tmp, dst, overwrite).await,
        Err(VfsError::NotFound(_)) => match vfs.stat(dst).await {
            Ok(e) if !e.is_dir() && e.size == expected_size => {
                tracing::debug!(path = %dst, "the interrupted rename had taken effect");
                Ok(())
            }
            Ok(e) => Err(VfsError::SizeMismatch {
                path: dst.to_string(),
                expected: expected_size,
                found: e.size,
            }),
            Err(VfsError::NotFound(_)) => Err(VfsError::NotFound(format!(
                "{tmp} (the temporary file vanished before it was renamed into place)"
            ))),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// Removes `path` (a moved file's source, whose copy is verified and in place, or an
/// item being deleted). A `NotFound` after an interrupted try means the removal took
/// effect.
pub(crate) async fn remove_retrying(ctx: &JobCtx, vfs: &VfsHandle, path: &VPath) -> VfsResult<()> {
    retry_removal(ctx, vfs, path, false).await
}

/// As `remove_retrying`, for a folder the caller found empty: where the target can tell
/// (the local disk), it is removed only while it still is (`Vfs::remove_emptied_folder`).
pub(crate) async fn remove_emptied_retrying(
    ctx: &JobCtx,
    vfs: &VfsHandle,
    path: &VPath,
) -> VfsResult<()> {
    retry_removal(ctx, vfs, path, true).await
}

async fn retry_removal(
    ctx: &JobCtx,
    vfs: &VfsHandle,
    path: &VPath,
    emptied: bool,
) -> VfsResult<()> {
    let mut patience = ctx.patience();
    let mut failed_before = false;
    loop {
        if ctx.cancel.is_cancelled() {
            return Err(VfsError::Cancelled);
        }
        let removal = async {
            match emptied {
                true => vfs.remove_emptied_folder(path).await,
                false => vfs.remove(path).await,
            }
        };
        match super::cancel::until_cancelled(&ctx.cancel, removal).await {
            Err(VfsError::NotFound(_)) if failed_before => {
                tracing::debug!(path = %path, "the interrupted removal had taken effect");
                return Ok(());
            }
            Err(e) if e.is_transient() && !ctx.cancel.is_cancelled() => {
                failed_before = true;
                patience.wait_after(e, &ctx.cancel).await?;
            }
            other => return other,
        }
    }
}

/// After an upload whose answer was lost: the temporary file is already complete when
/// every byte was sent and the target reports the full size. Its time is set (where
/// the target can) and its entry returned, so the bytes are not sent again.
pub(crate) async fn written_already(
    ctx: &JobCtx,
    tmp: &VPath,
    len: u64,
    bytes_sent: u64,
    mtime: Option<i64>,
) -> Option<Entry> {
    if bytes_sent < len {
        return None;
    }
    let vfs = ctx.dst_vfs();
    let found = vfs.stat(tmp).await.ok()?;
    if found.is_dir() || found.size != len {
        return None;
    }
    if let (Some(m), Some(setter)) = (mtime, vfs.features().set_mtime) {
        setter.set_mtime(tmp, m).await.ok()?;
    }
    tracing::debug!(path = %tmp, "the interrupted upload had completed");
    vfs.stat(tmp).await.ok()
}
