//! Server-side `search`, streamed page by page. Hits come as on-disk paths
//! (`/share/CACHEDEV1_DATA/Public/…`) and are mapped back to share paths; a glob
//! pattern is sent as its longest literal part and filtered here.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt, stream};
use globset::{GlobBuilder, GlobMatcher};

use super::client::Client;
use super::paths::share_path_from_disk;
use super::vfs::to_entry;
use crate::nas::poll::PollWatch;
use crate::vfs::{SearchHit, SearchStream, VPath, VfsError, VfsResult};

const PAGE: u64 = 500;
/// Wait before asking again for a page that failed (doubled, up to the max).
const RETRY_PAGE: Duration = Duration::from_millis(200);
const RETRY_PAGE_MAX: Duration = Duration::from_secs(1);

/// The keyword to send and, for a glob, the matcher applied to names.
pub fn plan(pattern: &str) -> VfsResult<(String, Option<GlobMatcher>)> {
    if !pattern.contains(['*', '?', '[']) {
        return Ok((pattern.to_owned(), None));
    }
    let glob = GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(true)
        .build()
        .map_err(|e| VfsError::InvalidName(format!("search pattern: {e}")))?;
    let keyword = pattern
        .split(['*', '?', '[', ']'])
        .max_by_key(|s| s.len())
        .unwrap_or("")
        .to_owned();
    Ok((keyword, Some(glob.compile_matcher())))
}

struct State {
    client: Arc<Client>,
    /// Folders still to search (the root means every share).
    dirs: Vec<VPath>,
    start: u64,
    keyword: String,
    glob: Option<GlobMatcher>,
    scope: VPath,
}

pub async fn start(client: Arc<Client>, dir: VPath, pattern: &str) -> VfsResult<SearchStream> {
    let (keyword, glob) = plan(pattern)?;
    let dirs = if dir.is_root() {
        let mut shares = Vec::new();
        for n in client.get_tree("share_root").await? {
            if let Ok(p) = VPath::root().join(&n.text) {
                shares.push(p);
            }
        }
        shares.reverse(); // popped from the end
        shares
    } else {
        vec![dir.clone()]
    };
    let state = State {
        client,
        dirs,
        start: 0,
        keyword,
        glob,
        scope: dir,
    };
    let pages = stream::try_unfold(state, |mut st| async move {
        let Some(dir) = st.dirs.last().cloned() else {
            return Ok(None);
        };
        // The search runs on the NAS; a failed request for its next page asks again.
        let client = &st.client;
        let (keyword, start) = (&st.keyword, st.start);
        let reply = PollWatch::default()
            .ask(RETRY_PAGE, RETRY_PAGE_MAX, || {
                client.search(dir.as_str(), keyword, start, PAGE)
            })
            .await?;
        let n = reply.datas.len() as u64;
        st.start += n;
        if n == 0 || st.start >= reply.total {
            st.dirs.pop();
            st.start = 0;
        }
        let hits: Vec<SearchHit> = reply
            .datas
            .iter()
            .filter_map(|e| {
                let path = share_path_from_disk(&e.filename, st.client.user())?;
                if !path.starts_with(&st.scope) {
                    return None;
                }
                if st.glob.as_ref().is_some_and(|g| !g.is_match(path.name())) {
                    return None;
                }
                let entry = to_entry(e, path.name().to_owned(), false)?;
                Some(SearchHit { path, entry })
            })
            .collect();
        Ok::<_, VfsError>(Some((hits, st)))
    });
    Ok(pages
        .map_ok(|hits| stream::iter(hits.into_iter().map(Ok)))
        .try_flatten()
        .boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_plans() {
        let (k, g) = plan("report").unwrap();
        assert_eq!(k, "report");
        assert!(g.is_none());
        let (k, g) = plan("*.JPG").unwrap();
        assert_eq!(k, ".JPG");
        let g = g.unwrap();
        assert!(g.is_match("holiday.jpg"));
        assert!(!g.is_match("holiday.jpg.txt"));
    }
}
