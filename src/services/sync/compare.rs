//! Comparing two trees entry by entry: on one side only, or on both and the same or
//! not — by size, then by modification time with a tolerance (NAS times are whole
//! seconds, and a FAT disk's two), and by checksum only when asked and both ends
//! compute one (one request per file then, which is why it is not the default).
//!
//! A Freebox cannot set a file's time: what it holds of an upload has the upload's
//! time. So a newer time on an end that does not keep times says nothing when the
//! sizes agree (it may be the upload's), and the pair counts as the same.

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::Ends;
use super::filter::Filter;
use super::plan::End;
use super::walk::{Tree, walk_counted};
use crate::vfs::{Entry, VfsHandle, VfsResult};

/// Checksums computed at once when `checksum` is asked for.
const PARALLEL_CHECKSUMS: usize = 4;

#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// Modification times this close count as equal.
    pub tolerance_secs: i64,
    /// Compare same-size files by sha256 where both ends compute one (instead of times).
    pub checksum: bool,
    pub filter: Filter,
    /// Counts the entries listed so far on both sides (progress while planning).
    pub listed: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            tolerance_secs: 2,
            checksum: false,
            filter: Filter::default(),
            listed: None,
        }
    }
}

/// One path and what each side has there.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Relative to the compared folders: `a/b/name`.
    pub rel: String,
    pub a: Option<Entry>,
    pub b: Option<Entry>,
    /// Set when both were files of one size and their checksums were compared.
    pub same_content: Option<bool>,
}

/// What an [`Item`] amounts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    OnlyA,
    OnlyB,
    Same,
    /// A file on one side, a folder on the other.
    KindClash,
    /// Two files that differ; `newer` is the side whose time is later beyond the
    /// tolerance (none: equal or unknown times).
    Differ {
        newer: Option<End>,
    },
}

/// Two trees side by side, every path of either, sorted (a folder before its content).
#[derive(Clone, Debug, Default)]
pub struct Comparison {
    pub items: Vec<Item>,
    pub a_tree_excluded: Vec<String>,
    pub b_tree_excluded: Vec<String>,
    /// The folder on B does not exist yet.
    pub b_missing: bool,
    pub a_keeps_mtimes: bool,
    pub b_keeps_mtimes: bool,
    pub tolerance_secs: i64,
}

impl Comparison {
    pub fn verdict(&self, item: &Item) -> Verdict {
        let (a, b) = match (&item.a, &item.b) {
            (Some(a), Some(b)) => (a, b),
            (Some(_), None) => return Verdict::OnlyA,
            (None, _) => return Verdict::OnlyB,
        };
        match (a.is_dir(), b.is_dir()) {
            (true, true) => return Verdict::Same,
            (false, false) => {}
            _ => return Verdict::KindClash,
        }
        let newer = match (a.mtime, b.mtime) {
            (Some(ma), Some(mb)) if ma > mb + self.tolerance_secs => Some(End::A),
            (Some(ma), Some(mb)) if mb > ma + self.tolerance_secs => Some(End::B),
            _ => None,
        };
        if let Some(same) = item.same_content {
            return if same {
                Verdict::Same
            } else {
                Verdict::Differ { newer }
            };
        }
        if a.size != b.size {
            return Verdict::Differ { newer };
        }
        match newer {
            None => Verdict::Same,
            // Its time may be the time it was uploaded (see the module doc).
            Some(end) if !self.keeps_mtimes(end) => Verdict::Same,
            Some(_) => Verdict::Differ { newer },
        }
    }

    fn keeps_mtimes(&self, end: End) -> bool {
        match end {
            End::A => self.a_keeps_mtimes,
            End::B => self.b_keeps_mtimes,
        }
    }

    /// The items that are not the same on both sides.
    pub fn differences(&self) -> impl Iterator<Item = (&Item, Verdict)> {
        self.items
            .iter()
            .map(|i| (i, self.verdict(i)))
            .filter(|(_, v)| *v != Verdict::Same)
    }

    /// Whether something the filter left out lies below folder `rel` on `end`.
    pub fn holds_excluded(&self, end: End, rel: &str) -> bool {
        let prefix = format!("{rel}/");
        let excluded = match end {
            End::A => &self.a_tree_excluded,
            End::B => &self.b_tree_excluded,
        };
        excluded.iter().any(|e| e.starts_with(&prefix))
    }
}

/// Whether a file written to `vfs` keeps the time it is given.
pub fn keeps_mtimes(vfs: &VfsHandle) -> bool {
    let f = vfs.features();
    f.set_mtime.is_some() || f.atomic_upload.is_some()
}

/// Compares the whole trees below both folders (both walked at once). A missing A is
/// an error; a missing B is an empty one (the sync makes it).
pub async fn compare_trees(
    ends: &Ends,
    opts: &CompareOptions,
    cancel: &CancellationToken,
) -> VfsResult<Comparison> {
    compare_levels(ends, opts, usize::MAX, cancel).await
}

/// Compares the two folders' own entries only (the commander's compare: one listing
/// each).
pub async fn compare_folders(
    ends: &Ends,
    opts: &CompareOptions,
    cancel: &CancellationToken,
) -> VfsResult<Comparison> {
    compare_levels(ends, opts, 1, cancel).await
}

async fn compare_levels(
    ends: &Ends,
    opts: &CompareOptions,
    levels: usize,
    cancel: &CancellationToken,
) -> VfsResult<Comparison> {
    let (a_vfs, a_dir) = ends.a.clone();
    let (b_vfs, b_dir) = ends.b.clone();
    let listed = opts.listed.as_deref();
    let (a, b) = tokio::join!(
        walk_counted(
            a_vfs.clone(),
            a_dir.clone(),
            &opts.filter,
            levels,
            listed,
            cancel
        ),
        walk_counted(b_vfs.clone(), b_dir, &opts.filter, levels, listed, cancel),
    );
    let (a, b) = (a?, b?);
    if a.missing {
        return Err(crate::vfs::VfsError::NotFound(a_dir.to_string()));
    }
    let mut cmp = Comparison {
        items: pair_up(&a, &b),
        a_tree_excluded: a.excluded,
        b_tree_excluded: b.excluded,
        b_missing: b.missing,
        a_keeps_mtimes: keeps_mtimes(&a_vfs),
        b_keeps_mtimes: keeps_mtimes(&b_vfs),
        tolerance_secs: opts.tolerance_secs,
    };
    if opts.checksum {
        compare_checksums(ends, &mut cmp.items, cancel).await?;
    }
    Ok(cmp)
}

/// Compares two folder listings already at hand (the commander's panes): no request.
pub fn compare_listings(
    a: &[Entry],
    b: &[Entry],
    a_keeps_mtimes: bool,
    b_keeps_mtimes: bool,
    tolerance_secs: i64,
) -> Comparison {
    let tree = |entries: &[Entry]| Tree {
        entries: entries
            .iter()
            .map(|e| (e.name.clone(), e.clone()))
            .collect(),
        ..Tree::default()
    };
    Comparison {
        items: pair_up(&tree(a), &tree(b)),
        a_keeps_mtimes,
        b_keeps_mtimes,
        tolerance_secs,
        ..Comparison::default()
    }
}

/// Every path of either tree once, in order (a merge of two sorted maps).
fn pair_up(a: &Tree, b: &Tree) -> Vec<Item> {
    let mut items = Vec::with_capacity(a.entries.len().max(b.entries.len()));
    let mut ai = a.entries.iter().peekable();
    let mut bi = b.entries.iter().peekable();
    loop {
        let item = match (ai.peek(), bi.peek()) {
            (None, None) => break,
            (Some((ra, _)), Some((rb, _))) if ra == rb => {
                let (rel, ea) = ai.next().map(|(r, e)| (r.clone(), e.clone())).unzip();
                let eb = bi.next().map(|(_, e)| e.clone());
                Item {
                    rel: rel.unwrap_or_default(),
                    a: ea,
                    b: eb,
                    same_content: None,
                }
            }
            (Some((ra, _)), Some((rb, _))) if ra > rb => {
                let (rel, e) = bi.next().map(|(r, e)| (r.clone(), e.clone())).unzip();
                only(rel, None, e)
            }
            (Some(_), _) => {
                let (rel, e) = ai.next().map(|(r, e)| (r.clone(), e.clone())).unzip();
                only(rel, e, None)
            }
            (None, Some(_)) => {
                let (rel, e) = bi.next().map(|(r, e)| (r.clone(), e.clone())).unzip();
                only(rel, None, e)
            }
        };
        items.push(item);
    }
    items
}

fn only(rel: Option<String>, a: Option<Entry>, b: Option<Entry>) -> Item {
    Item {
        rel: rel.unwrap_or_default(),
        a,
        b,
        same_content: None,
    }
}

/// Sets `same_content` on same-size file pairs where both ends compute checksums.
async fn compare_checksums(
    ends: &Ends,
    items: &mut [Item],
    cancel: &CancellationToken,
) -> VfsResult<()> {
    let (a_vfs, a_dir) = &ends.a;
    let (b_vfs, b_dir) = &ends.b;
    if a_vfs.features().checksums.is_none() || b_vfs.features().checksums.is_none() {
        return Ok(());
    }
    let wanted: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| match (&i.a, &i.b) {
            (Some(a), Some(b)) => !a.is_dir() && !b.is_dir() && a.size == b.size,
            _ => false,
        })
        .map(|(n, _)| n)
        .collect();
    let results: Vec<(usize, VfsResult<bool>)> =
        futures_util::stream::iter(wanted.into_iter().map(|n| {
            let rel = items[n].rel.clone();
            async move {
                let same = async {
                    let pa = a_dir.join_rel(&rel)?;
                    let pb = b_dir.join_rel(&rel)?;
                    let (ha, hb) = tokio::join!(sha256(a_vfs, &pa), sha256(b_vfs, &pb));
                    Ok(ha? == hb?)
                }
                .await;
                (n, same)
            }
        }))
        .buffer_unordered(PARALLEL_CHECKSUMS)
        .take_until(cancel.cancelled())
        .collect()
        .await;
    if cancel.is_cancelled() {
        return Err(crate::vfs::VfsError::Cancelled);
    }
    for (n, same) in results {
        items[n].same_content = Some(same?);
    }
    Ok(())
}

async fn sha256(vfs: &VfsHandle, path: &crate::vfs::VPath) -> VfsResult<String> {
    match vfs.features().checksums {
        Some(c) => c.sha256(path).await,
        None => Err(crate::vfs::VfsError::Unsupported("checksums")),
    }
}
