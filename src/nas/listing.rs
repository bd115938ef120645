//! What a listing may not take on trust: a server decides how many pages a folder has
//! and which names they hold. [`PageGuard`] ends a listing whose pages stop bringing
//! anything new (a server that ignores the page offset, or a cursor that never ends),
//! and [`SkipLog`] keeps the names a listing refused, so they are reported by name
//! instead of vanishing.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use crate::vfs::{Entry, SkippedNames, VPath, VfsError, VfsResult};

/// The most entries one listing may bring: far beyond any real folder (a QNAP lists
/// 100 000 in a few seconds), near enough that a server claiming 10^18 fails soon.
pub const MAX_LISTING: u64 = 50_000_000;

/// Width a refused name is shortened to when reported.
const NAME_WIDTH: usize = 80;

/// Refused names kept per folder; past it only their count grows.
const KEPT_PER_FOLDER: usize = 100;

/// Refused names per folder remembered to recognise a repeat (a folder listed again,
/// by a retry or a second listing running at the same time); past it every name counts.
const REMEMBERED_PER_FOLDER: usize = 10_000;

/// Follows the pages of one listing and fails it once a non-empty page brings no new
/// name (a server that ignores the page offset, or a cursor that never ends). A page
/// that only overlaps the one before passes whole: a folder that changed between two
/// pages may show a name twice, and `jobs::list_retrying` drops repeats for its callers.
///
/// Names are kept as 64-bit hashes, not copies: a 100 000-entry folder cost a copy of
/// every name and a table of them (~6 MB, 100 000 allocations) only to answer "anything
/// new?". A false "seen" needs every name of a page to collide with earlier ones.
pub struct PageGuard {
    dir: String,
    seen: HashSet<u64, BuildHasherDefault<Prehashed>>,
}

/// The hasher of a set of hashes: each value already is one.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A name's hash, the same in every run (SipHash with fixed keys).
fn name_hash(tag: u8, name: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    h.write_u8(tag);
    h.write(name.as_bytes());
    h.finish()
}

impl PageGuard {
    pub fn new(dir: &VPath) -> Self {
        PageGuard {
            dir: dir.as_str().to_owned(),
            seen: HashSet::default(),
        }
    }

    /// `page`, unless it and `refused` (the names of the same page the listing
    /// skipped, which count as something new too) hold no name not seen before.
    pub fn admit(&mut self, page: Vec<Entry>, refused: &[String]) -> VfsResult<Vec<Entry>> {
        let offered = page.len() + refused.len();
        let mut fresh = 0;
        for name in refused {
            // Refused names hold `/` or are `.`/`..`/empty: the tag keeps them apart.
            if self.seen.insert(name_hash(1, name)) {
                fresh += 1;
            }
        }
        for e in &page {
            if self.seen.insert(name_hash(0, &e.name)) {
                fresh += 1;
            }
        }
        if offered > 0 && fresh == 0 {
            return Err(VfsError::Protocol(format!(
                "the NAS sent the same page of {} again; listing stopped",
                crate::names::shorten(&crate::names::escape(&self.dir), NAME_WIDTH)
            )));
        }
        if self.seen.len() as u64 > MAX_LISTING {
            return Err(too_many(&self.dir));
        }
        Ok(page)
    }
}

/// The error for a listing that claims or brings more than [`MAX_LISTING`] entries.
pub fn too_many(dir: &str) -> VfsError {
    VfsError::Protocol(format!(
        "the NAS claims more than {MAX_LISTING} entries in {}; listing stopped",
        crate::names::shorten(&crate::names::escape(dir), NAME_WIDTH)
    ))
}

/// A name as it is reported: escaped, then shortened to one readable line.
pub fn reported(name: &str) -> String {
    crate::names::shorten(&crate::names::escape(name), NAME_WIDTH).into_owned()
}

/// The names each folder's listings refused, kept by folder until a caller takes them.
/// Listings of several folders run at once (`get -r` lists ahead, a pane lists while a
/// job plans): each name is kept under the folder it was listed in, and a name a
/// folder's listing refused again before anyone took it (a retried or concurrent
/// listing of that folder) is kept once, so nothing is lost, doubled or misattributed.
#[derive(Default)]
pub struct SkipLog {
    by_folder: Mutex<HashMap<String, Skipped>>,
}

#[derive(Default)]
struct Skipped {
    names: Vec<String>,
    seen: HashSet<String>,
    more: usize,
}

impl SkipLog {
    /// Records that a listing of `dir` refused `name` (kept escaped and shortened).
    pub fn record(&self, dir: &VPath, name: &str) {
        let shown = reported(name);
        let Ok(mut map) = self.by_folder.lock() else {
            return;
        };
        let entry = map.entry(dir.as_str().to_owned()).or_default();
        if entry.seen.len() < REMEMBERED_PER_FOLDER && !entry.seen.insert(shown.clone()) {
            return;
        }
        tracing::warn!(dir = %dir, name = %shown, "skipping an entry with an unusable name");
        if entry.names.len() < KEPT_PER_FOLDER {
            entry.names.push(shown);
        } else {
            entry.more += 1;
        }
    }
}

impl SkippedNames for SkipLog {
    fn take_skipped(&self, dir: &VPath) -> Vec<String> {
        let Ok(mut map) = self.by_folder.lock() else {
            return Vec::new();
        };
        let Some(skipped) = map.remove(dir.as_str()) else {
            return Vec::new();
        };
        let mut names = skipped.names;
        if skipped.more > 0 {
            names.push(format!("({} more)", skipped.more));
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::EntryKind;

    fn file(name: &str) -> Entry {
        Entry {
            name: name.into(),
            kind: EntryKind::File,
            size: 1,
            mtime: None,
            mode: None,
            readonly: false,
        }
    }

    #[test]
    fn a_repeated_page_stops_the_listing_and_an_overlap_passes() {
        let dir = VPath::parse("/Public/x").unwrap();
        let mut guard = PageGuard::new(&dir);
        assert_eq!(
            guard.admit(vec![file("a"), file("b")], &[]).unwrap().len(),
            2
        );
        let overlap = guard.admit(vec![file("b"), file("c")], &[]).unwrap();
        assert_eq!(overlap, vec![file("b"), file("c")]);
        let err = guard.admit(vec![file("a"), file("c")], &[]).unwrap_err();
        assert!(err.to_string().contains("same page"), "{err}");
        // A page of refused names only is new, once.
        assert!(guard.admit(vec![], &["../x".into()]).unwrap().is_empty());
        assert!(guard.admit(vec![], &["../x".into()]).is_err());
        // An empty page is not a repeated one.
        assert!(guard.admit(vec![], &[]).unwrap().is_empty());
    }

    #[test]
    fn refused_names_are_kept_escaped_shortened_and_taken_once() {
        let log = SkipLog::default();
        let dir = VPath::parse("/d").unwrap();
        log.record(&dir, "../\x1b[2Jx");
        log.record(&dir, &"n".repeat(20_000));
        for i in 0..KEPT_PER_FOLDER {
            log.record(&dir, &format!("a/{i}"));
        }
        let names = log.take_skipped(&dir);
        assert_eq!(names[0], "../\\x1b[2Jx");
        assert!(names[1].chars().count() <= NAME_WIDTH);
        assert_eq!(names.last().unwrap(), "(2 more)");
        assert!(log.take_skipped(&dir).is_empty());
    }

    #[test]
    fn folders_listed_at_once_each_keep_their_own_names_once() {
        let log = std::sync::Arc::new(SkipLog::default());
        let folders: Vec<VPath> = (0..8)
            .map(|i| VPath::parse(&format!("/Public/many/d{i}")).unwrap())
            .collect();
        // Every folder listed twice at the same time (a retry, or a pane and a job),
        // pages interleaved across threads.
        let threads: Vec<_> = folders
            .iter()
            .chain(folders.iter())
            .cloned()
            .map(|dir| {
                let log = log.clone();
                std::thread::spawn(move || {
                    let tag = dir.name().to_owned();
                    for n in 0..20 {
                        log.record(&dir, &format!("../{tag}-{n}"));
                        std::thread::yield_now();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        for dir in &folders {
            let mut names = log.take_skipped(dir);
            names.sort();
            let tag = dir.name();
            let mut expected: Vec<String> = (0..20).map(|n| format!("../{tag}-{n}")).collect();
            expected.sort();
            assert_eq!(names, expected, "{dir}");
        }
    }
}
