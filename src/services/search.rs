//! Searching by name, for the commander's search panel and `nascmd search`: the
//! server searches where the backend declares it can (`Features::search`), otherwise a
//! bounded walk of the tree (`jobs::search::walk_search`) does. Either way the hits
//! arrive as one stream; dropping it stops the search.
//!
//! A person waits for the search, often over a link that drops a request now and then:
//! starting a server search (a QNAP's list of shares, for a search from the root) is
//! tried again on a transient failure (`retry_interactive`); the server's later pages
//! are retried one by one by the backend, and the walk lists each folder through
//! `jobs::list_retrying`.

use crate::jobs::retry_interactive;
use crate::jobs::search::walk_search;
use crate::vfs::{SearchStream, VPath, VfsHandle, VfsResult};

/// Streams the items below `dir` whose names match `pattern` (a case-insensitive part
/// of the name, or a glob such as `*.jpg`).
pub async fn search(vfs: &VfsHandle, dir: VPath, pattern: &str) -> VfsResult<SearchStream> {
    match vfs.features().search {
        Some(server) => retry_interactive(|| server.search(&dir, pattern)).await,
        None => Ok(walk_search(vfs.clone(), dir, pattern)),
    }
}
