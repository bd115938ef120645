//! Ctrl-Space: the total size of folders, walked through the `Vfs` listing (the same on
//! a NAS as on the local disk), off the UI loop. Symbolic links are counted, not followed.

use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use super::effects::Internal;
use crate::app::mc_cmds::{McMsg, Sized};
use crate::app::{Msg, RequestId};
use crate::vfs::{VPath, VfsError, VfsHandle};

pub async fn dir_size(
    tx: UnboundedSender<Internal>,
    req: RequestId,
    vfs: VfsHandle,
    paths: Vec<(VPath, bool)>,
) {
    let result = total(&vfs, paths).await;
    let _ = tx.send(Internal::Msg(Msg::Mc(McMsg::Sized { req, result })));
}

/// Files and folders under `paths` (each with whether it is a folder), all counted.
async fn total(vfs: &VfsHandle, paths: Vec<(VPath, bool)>) -> Result<Sized, VfsError> {
    let mut sized = Sized::default();
    let mut folders = Vec::new();
    for (path, is_dir) in paths {
        if is_dir {
            folders.push(path);
        } else {
            let e = crate::jobs::retry_interactive(|| vfs.stat(&path)).await?;
            sized.bytes += e.size;
            sized.files += 1;
        }
    }
    while let Some(dir) = folders.pop() {
        let mut pages = crate::jobs::list_retrying(
            vfs.clone(),
            dir.clone(),
            crate::jobs::RetryPolicy::INTERACTIVE,
            tokio_util::sync::CancellationToken::new(),
        )
        .await?;
        while let Some(page) = pages.next().await {
            for e in page? {
                if e.is_dir() {
                    sized.folders += 1;
                    folders.push(dir.join(&e.name)?);
                } else {
                    sized.bytes += e.size;
                    sized.files += 1;
                }
            }
        }
    }
    Ok(sized)
}
