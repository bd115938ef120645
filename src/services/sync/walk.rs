//! Reading a whole tree from listings: one listing per folder (never a request per
//! file), a few folders listed at once, each through `jobs::list_retrying`, so a
//! dropped page is listed again instead of failing the comparison.

use std::collections::{BTreeMap, VecDeque};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio_util::sync::CancellationToken;

use super::filter::Filter;
use crate::jobs::{RetryPolicy, list_retrying};
use crate::vfs::{Entry, VPath, VfsError, VfsHandle, VfsResult};

/// Folder listings in flight at once, per tree (the two trees are walked together).
const PARALLEL_LISTINGS: usize = 8;
/// Folder depth beyond which the walk stops (a link loop on the local disk).
const MAX_DEPTH: usize = 256;

/// Everything below a folder, by path relative to it (`a/b/name`, no leading `/`).
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub entries: BTreeMap<String, Entry>,
    /// Paths the filter left out (so a delete never takes them with their folder).
    pub excluded: Vec<String>,
    /// The folder itself does not exist (a target not made yet).
    pub missing: bool,
}

impl Tree {
    /// Whether something the filter left out lies below folder `rel`.
    pub fn holds_excluded(&self, rel: &str) -> bool {
        let prefix = format!("{rel}/");
        self.excluded.iter().any(|e| e.starts_with(&prefix))
    }
}

/// Walks `root` on `vfs`, `levels` folders deep (1: the folder's own entries only). A
/// missing root is an empty tree marked `missing`; any other failure to list a folder
/// fails the walk (a sync must not act on half a picture).
pub async fn walk(
    vfs: VfsHandle,
    root: VPath,
    filter: &Filter,
    levels: usize,
    cancel: &CancellationToken,
) -> VfsResult<Tree> {
    walk_counted(vfs, root, filter, levels, None, cancel).await
}

/// [`walk`], adding the number of entries of each folder listed to `counter` (the
/// commander's progress while it plans).
pub(super) async fn walk_counted(
    vfs: VfsHandle,
    root: VPath,
    filter: &Filter,
    levels: usize,
    counter: Option<&std::sync::atomic::AtomicU64>,
    cancel: &CancellationToken,
) -> VfsResult<Tree> {
    let max_depth = levels.min(MAX_DEPTH);
    let mut tree = Tree::default();
    let mut pending: VecDeque<(VPath, String, usize)> = VecDeque::from([(root, String::new(), 0)]);
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < PARALLEL_LISTINGS
            && let Some((dir, rel, depth)) = pending.pop_front()
        {
            let vfs = vfs.clone();
            let cancel = cancel.clone();
            running.push(async move {
                let listed = list_all(vfs, dir.clone(), cancel).await;
                (dir, rel, depth, listed)
            });
        }
        let Some((dir, rel, depth, listed)) = running.next().await else {
            break;
        };
        if cancel.is_cancelled() {
            return Err(VfsError::Cancelled);
        }
        let entries = match listed {
            Ok(entries) => entries,
            Err(VfsError::NotFound(_)) if rel.is_empty() => {
                tree.missing = true;
                return Ok(tree);
            }
            Err(e) => return Err(e),
        };
        if let Some(n) = counter {
            n.fetch_add(entries.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
        for entry in entries {
            // The engine's own temporaries (a partial download to resume) are neither
            // content to copy nor strays to delete.
            if entry.name.starts_with(crate::jobs::TEMP_PREFIX) {
                continue;
            }
            let Ok(path) = dir.join(&entry.name) else {
                continue; // a hostile name is never a place to go (the backend logged it)
            };
            let child = if rel.is_empty() {
                entry.name.clone()
            } else {
                format!("{rel}/{}", entry.name)
            };
            if filter.excludes(&child, entry.is_dir()) {
                tree.excluded.push(child);
                continue;
            }
            if entry.is_dir() && depth + 1 < max_depth {
                pending.push_back((path, child.clone(), depth + 1));
            }
            tree.entries.insert(child, entry);
        }
    }
    Ok(tree)
}

async fn list_all(vfs: VfsHandle, dir: VPath, cancel: CancellationToken) -> VfsResult<Vec<Entry>> {
    let mut pages = list_retrying(vfs, dir, RetryPolicy::INTERACTIVE, cancel).await?;
    let mut all = Vec::new();
    while let Some(page) = pages.next().await {
        all.extend(page?);
    }
    Ok(all)
}
