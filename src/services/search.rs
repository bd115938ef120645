//! Searching by name, for the commander's search panel and `nascmd search`: the
//! server searches where the backend declares it can (`Features::search`), otherwise a
//! bounded walk of the tree (`jobs::search::walk_search`) does. Either way the hits
//! arrive as one stream; dropping it stops the search.

use crate::jobs::search::walk_search;
use crate::vfs::{SearchStream, VPath, VfsHandle, VfsResult};

/// Streams the items below `dir` whose names match `pattern` (a case-insensitive part
/// of the name, or a glob such as `*.jpg`).
pub async fn search(vfs: &VfsHandle, dir: VPath, pattern: &str) -> VfsResult<SearchStream> {
    match vfs.features().search {
        Some(server) => server.search(&dir, pattern).await,
        None => Ok(walk_search(vfs.clone(), dir, pattern)),
    }
}
