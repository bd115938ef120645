//! Where a Freebox listing can be picked up again after a page failed.
//!
//! A box of API v15+ pages `fs/ls` with an opaque cursor, not an offset: there is no
//! way to ask for "the folder from its 5 000th entry". But each page's reply carries
//! the cursor of the rest, and a cursor can be asked for again (the documented example
//! decodes to a readdir position; the emulator's is an offset into the listing). So a
//! listing leaves a [`Trail`]: after how many entries the box gave which cursor. When a
//! page fails, `Vfs::list_from(dir, skip)` continues at the last mark at or before
//! `skip` instead of the folder's start (`jobs::list_retrying`). Below v15 a listing is
//! one reply: nothing to resume, it is asked for whole again.
//!
//! Positions count the entries the listing yielded (`.`/`..` and refused names left
//! out), as `list_retrying` counts them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::vfs::VPath;

/// Marks kept per listing; past it, every other one is dropped (a box paging one entry
/// at a time cannot make us keep a cursor per entry).
const MARKS_KEPT: usize = 64;

/// Folders whose latest listing is remembered (the oldest is forgotten first).
const FOLDERS_KEPT: usize = 16;

/// A poisoned lock only means another thread panicked while holding plain data.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The cursors one listing of a folder received, by position.
#[derive(Debug, Default)]
pub struct Trail {
    /// (entries yielded before the cursor's page, cursor), in increasing positions.
    marks: Mutex<Vec<(u64, String)>>,
}

impl Trail {
    /// After `at` entries, the rest of the listing is at `cursor`.
    pub fn mark(&self, at: u64, cursor: &str) {
        let mut marks = lock(&self.marks);
        if marks.last().is_some_and(|(last, _)| *last >= at) {
            // A resumed listing going over ground already marked.
            marks.retain(|(pos, _)| *pos < at);
        }
        marks.push((at, cursor.to_owned()));
        if marks.len() > MARKS_KEPT {
            // Every other one, the newest kept: the marks still span the listing.
            let n = marks.len();
            let mut i = 0;
            marks.retain(|_| {
                let keep = (n - 1 - i) % 2 == 0;
                i += 1;
                keep
            });
        }
    }

    /// The last mark at or before entry `pos`.
    fn before(&self, pos: u64) -> Option<(u64, String)> {
        lock(&self.marks)
            .iter()
            .rev()
            .find(|(at, _)| *at <= pos)
            .cloned()
    }
}

/// Where a listing picks up: ask for `cursor`, which continues after `at` entries, and
/// leave out the first `drop` entries it brings (so it starts at the position asked).
#[derive(Debug)]
pub struct Resume {
    pub trail: Arc<Trail>,
    pub cursor: String,
    pub at: u64,
    pub drop: u64,
}

/// The trail of the latest listing of the last few folders listed.
#[derive(Debug, Default)]
pub struct Trails {
    latest: Mutex<VecDeque<(VPath, Arc<Trail>)>>,
}

impl Trails {
    /// A new trail for a listing of `dir` from its start; it replaces the folder's last
    /// one (whose positions may no longer hold).
    pub fn start(&self, dir: &VPath) -> Arc<Trail> {
        let trail = Arc::new(Trail::default());
        let mut latest = lock(&self.latest);
        latest.retain(|(d, _)| d != dir);
        if latest.len() >= FOLDERS_KEPT {
            latest.pop_front();
        }
        latest.push_back((dir.clone(), trail.clone()));
        trail
    }

    /// How to list `dir` from about its `skip`-th entry: the last cursor the folder's
    /// latest listing received at or before it. `None`: from the start.
    pub fn resume(&self, dir: &VPath, skip: u64) -> Option<Resume> {
        let trail = lock(&self.latest)
            .iter()
            .find(|(d, _)| d == dir)
            .map(|(_, t)| t.clone())?;
        let (at, cursor) = trail.before(skip)?;
        Some(Resume {
            trail,
            cursor,
            at,
            drop: skip - at,
        })
    }

    /// The listing that left `trail` reached the end of `dir`: forget it, unless a
    /// newer listing of the folder replaced it.
    pub fn finished(&self, dir: &VPath, trail: &Arc<Trail>) {
        lock(&self.latest).retain(|(d, t)| !(d == dir && Arc::ptr_eq(t, trail)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(p: &str) -> VPath {
        VPath::parse(p).unwrap()
    }

    #[test]
    fn a_listing_resumes_at_the_last_cursor_before_the_position_asked() {
        let trails = Trails::default();
        let big = dir("/Disque dur/big");
        assert!(trails.resume(&big, 500).is_none(), "nothing listed yet");
        let trail = trails.start(&big);
        trail.mark(100, "c100");
        trail.mark(350, "c350");
        trail.mark(600, "c600");
        let r = trails.resume(&big, 500).unwrap();
        assert_eq!((r.cursor.as_str(), r.at, r.drop), ("c350", 350, 150));
        let r = trails.resume(&big, 600).unwrap();
        assert_eq!((r.cursor.as_str(), r.drop), ("c600", 0));
        assert!(trails.resume(&big, 99).is_none(), "before the first cursor");
        assert!(trails.resume(&dir("/Disque dur/other"), 500).is_none());
        // A new listing of the folder starts a new trail; the end of the old one's
        // listing does not forget it.
        let newer = trails.start(&big);
        assert!(trails.resume(&big, 500).is_none());
        newer.mark(250, "n250");
        trails.finished(&big, &trail);
        assert_eq!(trails.resume(&big, 500).unwrap().cursor, "n250");
        trails.finished(&big, &newer);
        assert!(trails.resume(&big, 500).is_none());
    }

    #[test]
    fn marks_and_folders_are_bounded() {
        let trails = Trails::default();
        let big = dir("/d/big");
        let trail = trails.start(&big);
        for i in 1..=10_000u64 {
            trail.mark(i, &format!("c{i}"));
        }
        assert!(lock(&trail.marks).len() <= MARKS_KEPT);
        // The newest mark stays; the others thin out but still span the listing.
        assert_eq!(trails.resume(&big, 10_000).unwrap().cursor, "c10000");
        assert!(trails.resume(&big, 9_999).unwrap().at >= 9_000);
        assert!(trails.resume(&big, 5_000).unwrap().at <= 5_000);
        for i in 0..FOLDERS_KEPT {
            trails.start(&dir(&format!("/d/{i}"))).mark(1, "c");
        }
        assert!(
            trails.resume(&big, 10_000).is_none(),
            "the oldest folder is forgotten"
        );
        assert!(trails.resume(&dir("/d/0"), 1).is_some());
        assert_eq!(lock(&trails.latest).len(), FOLDERS_KEPT);
    }

    #[test]
    fn a_resumed_listing_replaces_the_marks_it_goes_over() {
        let trail = Trail::default();
        trail.mark(100, "a100");
        trail.mark(200, "a200");
        trail.mark(150, "b150");
        assert_eq!(trail.before(1000).unwrap().1, "b150");
        assert_eq!(trail.before(120).unwrap().1, "a100");
    }
}
