//! The synchronous part of the `fs` API: listing (paged where the box pages), info,
//! mkdir, rename, and starting tasks (§5, §6, §7).

use std::sync::Arc;

use futures_util::{StreamExt, stream};
use reqwest::Method;
use serde_json::{Value, json};
use tokio_util::task::AbortOnDropHandle;

use super::api::Api;
use super::discovery::PAGED_LS_MAJOR;
use super::ls_trail::{Resume, Trail, Trails};
use super::paths;
use super::wire::{FileInfo, FsTask, LsPage};
use crate::nas::listing::{PageGuard, SkipLog};
use crate::vfs::{Entry, EntryKind, ListStream, VPath, VfsError, VfsResult, check_name};

/// How a folder is asked for on boxes that page (v15+).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LsPaging {
    /// Entries in the first page: a screenful and more, quick to arrive.
    pub first: usize,
    /// Entries in each later page. A cursor is opaque, so pages come one after another:
    /// bigger pages mean fewer round trips.
    pub next: usize,
}

impl Default for LsPaging {
    /// 1 000, then 10 000: a 100 000-entry folder is 10 round trips instead of 99 (at
    /// 20 ms a round trip, 2 s). Whether a real box caps `limit` is not known; if it
    /// does, its cursor simply continues.
    fn default() -> Self {
        LsPaging {
            first: 1000,
            next: 10_000,
        }
    }
}

/// Fetches one listing page; `cursor` continues a paged listing.
async fn ls_page(
    api: &Api,
    dir: &VPath,
    cursor: Option<&str>,
    paging: LsPaging,
) -> VfsResult<LsPage> {
    let endpoint = format!("fs/ls/{}", paths::encode(dir));
    let limit = match cursor {
        None => paging.first,
        Some(_) => paging.next,
    }
    .max(1)
    .to_string();
    let mut query: Vec<(&str, &str)> = Vec::new();
    if api.root.major >= PAGED_LS_MAJOR {
        query.push(("limit", &limit));
        if let Some(c) = cursor {
            query.push(("cursor", c));
        }
    }
    api.call_parsed(
        &endpoint,
        &query,
        dir.as_str(),
        LsPage::from_reply,
        LsPage::from_result,
    )
    .await
}

/// Turns a page into entries: drops `.`/`..`, and any name that is not one safe path
/// component (a hostile box cannot make us address `../x`); those are recorded in
/// `skipped` and returned as the second part, so they are reported by name.
fn page_entries(dir: &VPath, infos: Vec<FileInfo>, skipped: &SkipLog) -> (Vec<Entry>, Vec<String>) {
    // The token check is for the log only: a join and a base64 encoding per entry are
    // not paid on a 100 000-entry listing unless debug logging is on.
    let check_tokens = tracing::enabled!(tracing::Level::DEBUG);
    let mut refused = Vec::new();
    let entries = infos
        .into_iter()
        .filter(|i| !i.is_dot_entry())
        .filter_map(|i| match check_name(&i.name) {
            Ok(()) => {
                if check_tokens
                    && let Ok(p) = dir.join(&i.name)
                    && !i.path.is_empty()
                    && i.path != paths::encode(&p)
                {
                    tracing::debug!(name = %crate::names::escape(&i.name), "listed name and path token differ");
                }
                Some(i.into_entry())
            }
            Err(_) => {
                skipped.record(dir, &i.name);
                refused.push(i.name);
                None
            }
        })
        .collect();
    (entries, refused)
}

/// Lists a folder as a stream of pages, from its start (`from: None`) or from where an
/// earlier listing of it left off (`ls_trail`). The first page is fetched before
/// returning, so a missing folder fails here rather than inside the stream. A cursor is
/// opaque, so later pages come one after another; but the next one is asked for as soon
/// as a page's cursor is known, in a task of its own, while the consumer still takes
/// the page before (one page waits ready at most): the box builds page n + 1 while the
/// client parses and merges page n. A cursor that comes back unchanged, or a page that
/// brings no new name, ends the listing with an error (a box that would otherwise page
/// for ever). Each cursor received is marked on the listing's trail in `trails`.
pub async fn list(
    api: Arc<Api>,
    dir: VPath,
    paging: LsPaging,
    skipped: Arc<SkipLog>,
    trails: Arc<Trails>,
    from: Option<Resume>,
) -> VfsResult<ListStream> {
    let (first, mut place) = match from {
        None => {
            let first = ls_page(&api, &dir, None, paging).await?;
            let place = Place {
                trail: trails.start(&dir),
                at: 0,
                drop: 0,
            };
            (first, place)
        }
        Some(r) => {
            let first = ls_page(&api, &dir, Some(&r.cursor), paging).await?;
            if first.cursor.as_deref() == Some(r.cursor.as_str()) {
                return Err(repeated_cursor());
            }
            let place = Place {
                trail: r.trail,
                at: r.at,
                drop: r.drop,
            };
            (first, place)
        }
    };
    let mut guard = PageGuard::new(&dir);
    let (first_entries, refused) = page_entries(&dir, first.entries, &skipped);
    let first_entries = place.passed(guard.admit(first_entries, &refused)?);
    let first_page = stream::once(async move { Ok(first_entries) });
    let Some(cursor) = first.cursor else {
        trails.finished(&dir, &place.trail);
        return Ok(Box::pin(first_page));
    };
    place.trail.mark(place.at, &cursor);
    let (tx, rx) = tokio::sync::mpsc::channel::<VfsResult<Vec<Entry>>>(1);
    let fetcher = AbortOnDropHandle::new(tokio::spawn(async move {
        let mut cursor = cursor;
        loop {
            let page = match next_page(&api, &dir, &cursor, paging, &skipped, &mut guard).await {
                Ok(Some(page)) => page,
                Ok(None) => {
                    trails.finished(&dir, &place.trail);
                    return;
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let (entries, next) = page;
            let entries = place.passed(entries);
            if let Some(c) = &next {
                place.trail.mark(place.at, c);
            }
            if !entries.is_empty() && tx.send(Ok(entries)).await.is_err() {
                return;
            }
            match next {
                Some(c) => cursor = c,
                None => {
                    trails.finished(&dir, &place.trail);
                    return;
                }
            }
        }
    }));
    // The task lives as long as the stream: dropping the listing stops its requests.
    let rest = stream::unfold((rx, fetcher), |(mut rx, fetcher)| async move {
        let page = rx.recv().await?;
        Some((page, (rx, fetcher)))
    });
    Ok(Box::pin(first_page.chain(rest)))
}

/// How far a listing has got: entries passed (its trail's positions) and how many it
/// still leaves out (a resumed listing starts at the position asked, not at its cursor).
struct Place {
    trail: Arc<Trail>,
    at: u64,
    drop: u64,
}

impl Place {
    /// A page passed: what of it is yielded.
    fn passed(&mut self, mut entries: Vec<Entry>) -> Vec<Entry> {
        self.at += entries.len() as u64;
        let n = entries
            .len()
            .min(usize::try_from(self.drop).unwrap_or(usize::MAX));
        entries.drain(..n);
        self.drop -= n as u64;
        entries
    }
}

fn repeated_cursor() -> VfsError {
    VfsError::Protocol("the Freebox repeated a listing cursor".into())
}

/// The page at `cursor` and the cursor after it; `None` once a page is empty (the
/// end, whatever its cursor says).
async fn next_page(
    api: &Api,
    dir: &VPath,
    cursor: &str,
    paging: LsPaging,
    skipped: &SkipLog,
    guard: &mut PageGuard,
) -> VfsResult<Option<(Vec<Entry>, Option<String>)>> {
    let page = ls_page(api, dir, Some(cursor), paging).await?;
    if page.cursor.as_deref() == Some(cursor) {
        return Err(repeated_cursor());
    }
    let (entries, refused) = page_entries(dir, page.entries, skipped);
    if entries.is_empty() && refused.is_empty() {
        return Ok(None);
    }
    let entries = guard.admit(entries, &refused)?;
    Ok(Some((entries, page.cursor)))
}

/// `fs/info` of one item.
pub async fn info(api: &Api, path: &VPath) -> VfsResult<FileInfo> {
    api.call_as(
        Method::GET,
        &format!("fs/info/{}", paths::encode(path)),
        None,
        path.as_str(),
    )
    .await
}

/// Metadata of one item as an [`Entry`]; the root is always a folder.
pub async fn stat(api: &Api, path: &VPath) -> VfsResult<Entry> {
    if path.is_root() {
        return Ok(Entry {
            name: String::new(),
            kind: EntryKind::Dir,
            size: 0,
            mtime: None,
            mode: None,
            readonly: false,
        });
    }
    let info = info(api, path).await?;
    let mut entry = info.to_entry();
    // Name the entry as it was asked for: the box's `name` is informative only.
    entry.name = path.name().to_owned();
    Ok(entry)
}

pub async fn mkdir(api: &Api, path: &VPath) -> VfsResult<()> {
    if path.is_root() {
        return Err(VfsError::AlreadyExists("/".into()));
    }
    let body = json!({"parent": paths::encode(&path.parent()), "dirname": path.name()});
    api.call(Method::POST, "fs/mkdir/", Some(&body), path.as_str())
        .await
        .map(drop)
}

/// `fs/rename`: a new name within the same folder.
pub async fn rename(api: &Api, from: &VPath, new_name: &str) -> VfsResult<()> {
    check_name(new_name)?;
    let body = json!({"src": paths::encode(from), "dst": new_name});
    api.call(Method::POST, "fs/rename/", Some(&body), from.as_str())
        .await
        .map(drop)
}

/// Starts a task (`fs/cp/`, `fs/mv/`, `fs/rm/`) and returns it as first reported.
pub async fn start_task(api: &Api, endpoint: &str, body: &Value, what: &str) -> VfsResult<FsTask> {
    api.call_as(Method::POST, endpoint, Some(body), what).await
}
