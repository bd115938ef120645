//! Searching by name on backends without server-side search: a tree walk with a few
//! folder listings in flight at once, streaming hits as they are found. Dropping the
//! stream stops the walk.

use std::collections::VecDeque;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use globset::{GlobBuilder, GlobMatcher};

use crate::vfs::{Entry, SearchHit, SearchStream, VPath, VfsError, VfsHandle, VfsResult};

/// Folder listings in flight at once.
const PARALLEL_LISTINGS: usize = 4;
/// Hits buffered ahead of a slow reader.
const HIT_BUFFER: usize = 256;
/// Folder depth beyond which the walk stops (a link loop on the local disk).
const MAX_DEPTH: usize = 256;

/// How a name is matched: a glob when the pattern has `*`, `?` or `[`, else a
/// substring; both case-insensitive.
#[derive(Clone, Debug)]
pub enum NameMatcher {
    Substring(String),
    Glob(GlobMatcher),
}

impl NameMatcher {
    pub fn new(pattern: &str) -> VfsResult<Self> {
        if pattern.contains(['*', '?', '[']) {
            let glob = GlobBuilder::new(pattern)
                .case_insensitive(true)
                .literal_separator(true)
                .build()
                .map_err(|e| VfsError::InvalidName(format!("pattern {pattern:?}: {e}")))?;
            Ok(NameMatcher::Glob(glob.compile_matcher()))
        } else {
            Ok(NameMatcher::Substring(pattern.to_lowercase()))
        }
    }

    pub fn is_match(&self, name: &str) -> bool {
        match self {
            NameMatcher::Substring(s) => name.to_lowercase().contains(s.as_str()),
            NameMatcher::Glob(g) => g.is_match(name),
        }
    }
}

/// Walks `dir` on `vfs` and streams every item whose name matches `pattern`. An
/// unreadable `dir` or a bad pattern is the stream's one error; sub-folders still
/// unreadable after the retries are skipped, and the stream ends with an error that
/// says how many (and the first), so nobody takes the hits for all there is.
pub fn walk_search(vfs: VfsHandle, dir: VPath, pattern: &str) -> SearchStream {
    let matcher = match NameMatcher::new(pattern) {
        Ok(m) => m,
        Err(e) => return futures_util::stream::once(async { Err(e) }).boxed(),
    };
    let (tx, rx) = tokio::sync::mpsc::channel(HIT_BUFFER);
    tokio::spawn(async move {
        let mut pending = VecDeque::from([(dir, 0usize)]);
        let mut running = FuturesUnordered::new();
        let mut skipped: Vec<(VPath, VfsError)> = Vec::new();
        loop {
            while running.len() < PARALLEL_LISTINGS
                && let Some((d, depth)) = pending.pop_front()
            {
                let vfs = vfs.clone();
                running.push(async move {
                    let listed = list_all(&vfs, &d).await;
                    (d, depth, listed)
                });
            }
            let Some((d, depth, listed)) = running.next().await else {
                break;
            };
            let entries = match listed {
                Ok(e) => e,
                Err(e) if depth == 0 => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
                Err(e) => {
                    tracing::debug!(dir = %d, error = %e, "search skips an unreadable folder");
                    skipped.push((d, e));
                    continue;
                }
            };
            for entry in entries {
                let Ok(path) = d.join(&entry.name) else {
                    continue; // a hostile name is never a place to go
                };
                if entry.is_dir() && depth < MAX_DEPTH {
                    pending.push_back((path.clone(), depth + 1));
                }
                if matcher.is_match(&entry.name)
                    && tx.send(Ok(SearchHit { path, entry })).await.is_err()
                {
                    return; // the reader dropped the stream
                }
            }
        }
        if let Some(left_out) = left_out(&skipped) {
            let _ = tx.send(Err(left_out)).await;
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|v| (v, rx)) })
        .boxed()
}

/// The error that ends a walk which had to skip folders: how many, and the first with
/// its reason.
fn left_out(skipped: &[(VPath, VfsError)]) -> Option<VfsError> {
    let (first, why) = skipped.first()?;
    let context = format!(
        "{} left out of the search",
        crate::plural::count(skipped.len() as u64, "folder", "folders")
    );
    let cause = std::io::Error::other(format!(
        "{} could not be read ({})",
        crate::names::escape(first.as_str()),
        why.user_message()
    ));
    Some(VfsError::Io {
        context,
        cause: std::sync::Arc::new(cause),
    })
}

/// A folder's whole listing, later pages retried like the pane's (the walk is cancelled
/// by dropping its stream, so no token is needed).
async fn list_all(vfs: &VfsHandle, dir: &VPath) -> VfsResult<Vec<Entry>> {
    let policy = super::RetryPolicy::INTERACTIVE;
    let quiet = tokio_util::sync::CancellationToken::new();
    let mut pages = super::list_retrying(vfs.clone(), dir.clone(), policy, quiet).await?;
    let mut all = Vec::new();
    while let Some(page) = pages.next().await {
        all.extend(page?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::local::LocalFs;
    use std::sync::Arc;

    #[test]
    fn matching_is_case_insensitive_for_both_kinds() {
        let sub = NameMatcher::new("Rep").unwrap();
        assert!(sub.is_match("my_REPORT.pdf"));
        assert!(!sub.is_match("notes.txt"));
        let glob = NameMatcher::new("*.PDF").unwrap();
        assert!(glob.is_match("a.pdf"));
        assert!(!glob.is_match("a.pdf.txt"));
        assert!(NameMatcher::new("[").is_err());
    }

    #[tokio::test]
    async fn walk_finds_hits_at_every_depth() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        for p in ["x.log", "a/y.LOG", "a/b/c/z.log", "a/b/keep.txt"] {
            std::fs::write(root.join(p), b"1").unwrap();
        }
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        let dir = VPath::parse(root.to_str().unwrap()).unwrap();
        let hits: Vec<_> = walk_search(vfs, dir.clone(), "*.log").collect().await;
        let mut names: Vec<String> = hits
            .into_iter()
            .map(|h| h.unwrap().path.strip_prefix(&dir).unwrap().to_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a/b/c/z.log", "a/y.LOG", "x.log"]);
    }

    /// The local disk, except that the folder named `locked` cannot be listed (root
    /// reads any folder, so a mode cannot stand in for it).
    struct OneLockedFolder(LocalFs);

    #[async_trait::async_trait]
    impl crate::vfs::Vfs for OneLockedFolder {
        fn label(&self) -> String {
            "locked".into()
        }
        fn features(&self) -> crate::vfs::Features<'_> {
            crate::vfs::Features::default()
        }
        async fn list(&self, dir: &VPath) -> VfsResult<crate::vfs::ListStream> {
            if dir.name() == "locked" {
                return Err(VfsError::PermissionDenied(dir.to_string()));
            }
            self.0.list(dir).await
        }
        async fn stat(&self, path: &VPath) -> VfsResult<Entry> {
            self.0.stat(path).await
        }
        async fn mkdir(&self, _: &VPath) -> VfsResult<()> {
            Err(VfsError::Unsupported("mkdir"))
        }
        async fn rename(&self, _: &VPath, _: &VPath, _: bool) -> VfsResult<()> {
            Err(VfsError::Unsupported("rename"))
        }
        async fn remove(&self, _: &VPath) -> VfsResult<()> {
            Err(VfsError::Unsupported("remove"))
        }
        async fn open_read(&self, _: &VPath, _: u64) -> VfsResult<crate::vfs::ByteReader> {
            Err(VfsError::Unsupported("read"))
        }
        async fn write_new(
            &self,
            _: &VPath,
            _: u64,
            _: crate::vfs::ByteReader,
            _: Option<i64>,
        ) -> VfsResult<Entry> {
            Err(VfsError::Unsupported("write"))
        }
    }

    #[tokio::test]
    async fn a_walk_that_skipped_a_folder_ends_saying_so() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("a/locked")).unwrap();
        for p in ["x.log", "a/y.log", "a/locked/z.log"] {
            std::fs::write(root.join(p), b"1").unwrap();
        }
        let vfs: VfsHandle = Arc::new(OneLockedFolder(LocalFs::new()));
        let dir = VPath::parse(root.to_str().unwrap()).unwrap();
        let items: Vec<_> = walk_search(vfs, dir, "*.log").collect().await;
        let (hits, errors): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| i.is_ok());
        assert_eq!(hits.len(), 2, "{hits:?}");
        let [Err(e)] = errors.as_slice() else {
            panic!("{errors:?}");
        };
        let said = e.user_message();
        assert!(
            said.starts_with("1 folder left out of the search: "),
            "{said}"
        );
        assert!(
            said.contains("a/locked could not be read (permission denied"),
            "{said}"
        );
    }
}
