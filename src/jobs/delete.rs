//! Deleting a selection. Each selected item is removed with one `Vfs::remove` (one
//! server call on a NAS, `remove_dir_all` locally). When a folder cannot be removed as a
//! whole, it is walked and removed item by item, so the report names exactly the files
//! that stayed and why, and everything else is gone.

use futures_util::{StreamExt, stream};

use super::checked_steps::remove_retrying;
use super::ctx::JobCtx;
use super::{ItemError, JobReport};
use crate::vfs::{VPath, VfsError, VfsResult};

pub(crate) async fn run_delete(ctx: &JobCtx, sources: &[VPath]) -> JobReport {
    ctx.acct.add_total(sources.len() as u64, 0);
    let mut report = JobReport::default();
    let mut results = stream::iter(sources.iter().cloned())
        .map(|src| async move {
            ctx.acct.set_current(src.to_string());
            let mut failed = Vec::new();
            let res = delete_one(ctx, &src, &mut failed).await;
            (res, failed)
        })
        .buffer_unordered(ctx.opts.workers.max(1));
    while let Some((res, failed)) = results.next().await {
        match res {
            Ok(()) => {
                ctx.acct.item_done();
                report.items_done += 1;
            }
            Err(VfsError::Cancelled) => report.cancelled = true,
            Err(_) => {}
        }
        report.failed.extend(failed);
    }
    report.cancelled |= ctx.cancel.is_cancelled();
    report
}

/// Removes one selected item; on failure of a folder, falls back to item by item.
async fn delete_one(ctx: &JobCtx, path: &VPath, failed: &mut Vec<ItemError>) -> VfsResult<()> {
    let vfs = ctx.src.clone();
    let whole = remove_retrying(ctx, &vfs, path).await;
    let err = match whole {
        Ok(()) => return Ok(()),
        Err(VfsError::Cancelled) => return Err(VfsError::Cancelled),
        Err(e) => e,
    };
    let is_dir = matches!(vfs.stat(path).await, Ok(e) if e.is_dir());
    if !is_dir {
        failed.push(item_error(path, &err));
        return Err(err);
    }
    let before = failed.len();
    Box::pin(delete_tree(ctx, path, failed, 0)).await?;
    if failed.len() == before {
        return Ok(()); // item by item, everything went after all
    }
    Err(err)
}

/// Removes the content of `dir` one by one, then `dir`; records what failed.
async fn delete_tree(
    ctx: &JobCtx,
    dir: &VPath,
    failed: &mut Vec<ItemError>,
    depth: usize,
) -> VfsResult<()> {
    let vfs = ctx.src.clone();
    let listing =
        super::list_retrying(vfs.clone(), dir.clone(), ctx.opts.retry, ctx.cancel.clone());
    let mut pages = match listing.await {
        Ok(p) => p,
        Err(e) => {
            failed.push(item_error(dir, &e));
            return Ok(());
        }
    };
    let mut children = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => children.extend(p),
            Err(e) => failed.push(item_error(dir, &e)),
        }
    }
    let before = failed.len();
    for child in children {
        if ctx.cancel.is_cancelled() {
            return Err(VfsError::Cancelled);
        }
        let path = match dir.join(&child.name) {
            Ok(p) => p,
            Err(e) => {
                let shown = format!("{dir}/{}", crate::names::escape(&child.name));
                failed.push(ItemError {
                    path: shown,
                    message: e.to_string(),
                });
                continue;
            }
        };
        match remove_retrying(ctx, &vfs, &path).await {
            Ok(()) => {}
            Err(VfsError::Cancelled) => return Err(VfsError::Cancelled),
            Err(_) if child.is_dir() && depth < 256 => {
                Box::pin(delete_tree(ctx, &path, failed, depth + 1)).await?
            }
            Err(e) => failed.push(item_error(&path, &e)),
        }
    }
    if failed.len() == before
        && let Err(e) = remove_retrying(ctx, &vfs, dir).await
    {
        failed.push(item_error(dir, &e));
    }
    Ok(())
}

fn item_error(path: &VPath, e: &VfsError) -> ItemError {
    ItemError {
        path: path.to_string(),
        message: e.to_string(),
    }
}
