//! One sorted snapshot of a folder per listing, so the consecutive page requests of one
//! listing (QNAP `get_list` with `start`, Freebox `fs/ls` with a `cursor`) cost O(page)
//! instead of re-reading and re-sorting the whole folder for every page (a 100 000-entry
//! folder is 21 QNAP pages). What real firmware does is not known (docs/EMULATOR.md);
//! the emulators' rule:
//!
//! * a listing's first page always reads the folder afresh and replaces the snapshot:
//!   a new listing never sees an old one;
//! * a later page with the same key (session, path, sort and flags) reuses it while it
//!   is younger than [`MAX_AGE`], no write went through the emulator since
//!   ([`Snapshots::invalidate`]) and the folder's own mtime is the one it had (a file
//!   added or removed behind the emulator's back, or by a copy/move task still running,
//!   changes it).
//! * a first page may be answered before the snapshot is complete (a huge folder:
//!   `Snapshots::begin`); the snapshot is then read right after it, and a later page
//!   waits for that read instead of reading the folder again.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// How long a snapshot serves later pages.
pub const MAX_AGE: Duration = Duration::from_secs(10);
/// Snapshots kept at once (the oldest goes first).
const MAX_KEPT: usize = 16;

/// A snapshot's items: `None` while its read is under way (`Snapshots::begin`), then
/// `Some(None)` if that read failed.
type Ready<T> = Option<Option<Arc<Vec<T>>>>;

/// Where a later page waits for a snapshot still being read.
struct Cell<T> {
    items: Mutex<Ready<T>>,
    done: Condvar,
}

impl<T> Cell<T> {
    fn new(items: Ready<T>) -> Arc<Cell<T>> {
        Arc::new(Cell {
            items: Mutex::new(items),
            done: Condvar::new(),
        })
    }

    fn set(&self, items: Option<Arc<Vec<T>>>) {
        let mut slot = self.items.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(items);
        }
        self.done.notify_all();
    }

    fn wait(&self) -> Option<Arc<Vec<T>>> {
        let mut slot = self.items.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(items) = slot.as_ref() {
                return items.clone();
            }
            slot = self.done.wait(slot).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// A snapshot being read (`Snapshots::begin`): `fill` hands over the sorted items;
/// dropped unfilled, it fails the snapshot (later pages read the folder afresh).
pub struct Filler<T> {
    cell: Arc<Cell<T>>,
}

impl<T> Filler<T> {
    pub fn fill(self, items: Vec<T>) {
        self.cell.set(Some(Arc::new(items)));
    }
}

impl<T> Drop for Filler<T> {
    fn drop(&mut self) {
        self.cell.set(None);
    }
}

struct Snapshot<T> {
    items: Arc<Cell<T>>,
    taken: Instant,
    /// The folder's mtime when it was read.
    dir_mtime: Option<SystemTime>,
    /// [`Snapshots::generation`] when it was read.
    generation: u64,
}

/// Snapshots of `T` items keyed by `K` (what makes one listing: the same answer for
/// the same key).
pub struct Snapshots<K, T> {
    inner: Mutex<Inner<K, T>>,
}

struct Inner<K, T> {
    /// Bumped by every write through the emulator.
    generation: u64,
    by_key: HashMap<K, Snapshot<T>>,
}

impl<K, T> Default for Snapshots<K, T> {
    fn default() -> Self {
        Snapshots {
            inner: Mutex::new(Inner {
                generation: 0,
                by_key: HashMap::new(),
            }),
        }
    }
}

fn dir_mtime(dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(dir).and_then(|m| m.modified()).ok()
}

impl<K: Clone + Eq + Hash, T> Snapshots<K, T> {
    fn lock(&self) -> MutexGuard<'_, Inner<K, T>> {
        // A panic while holding it leaves nothing half-done worth refusing.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Something changed through the emulator: no snapshot serves another page.
    pub fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.by_key.clear();
    }

    /// The snapshot of `key` if it still stands for `dir`; one still being read is
    /// waited for.
    pub fn get(&self, key: &K, dir: &Path) -> Option<Arc<Vec<T>>> {
        let mtime = dir_mtime(dir);
        let cell = {
            let mut inner = self.lock();
            let generation = inner.generation;
            let snap = inner.by_key.get(key)?;
            let fresh = snap.generation == generation
                && snap.taken.elapsed() < MAX_AGE
                && mtime.is_some()
                && snap.dir_mtime == mtime;
            if !fresh {
                inner.by_key.remove(key);
                return None;
            }
            snap.items.clone()
        };
        cell.wait()
    }

    /// Keeps a snapshot of `dir` for `key` whose items come later, through the
    /// returned [`Filler`] (read on another thread while the first page is answered).
    /// The folder's mtime is taken now, before the caller reads it.
    pub fn begin(&self, key: K, dir: &Path) -> Filler<T> {
        let mtime = dir_mtime(dir);
        let cell = Cell::new(None);
        let mut inner = self.lock();
        let generation = inner.generation;
        inner.keep(key, cell.clone(), mtime, generation);
        Filler { cell }
    }

    /// Reads the folder with `read` (sorted) and keeps the result for `key`. The
    /// folder's mtime is taken before reading, so a change during the read makes the
    /// snapshot stale rather than silently incomplete.
    pub fn read<E>(
        &self,
        key: K,
        dir: &Path,
        read: impl FnOnce() -> Result<Vec<T>, E>,
    ) -> Result<Arc<Vec<T>>, E> {
        let generation = self.lock().generation;
        let mtime = dir_mtime(dir);
        let items = Arc::new(read()?);
        let mut inner = self.lock();
        if inner.generation == generation {
            inner.keep(key, Cell::new(Some(Some(items.clone()))), mtime, generation);
        }
        Ok(items)
    }
}

impl<K: Clone + Eq + Hash, T> Inner<K, T> {
    /// Keeps `items` for `key`, the oldest snapshot going first when full.
    fn keep(
        &mut self,
        key: K,
        items: Arc<Cell<T>>,
        dir_mtime: Option<SystemTime>,
        generation: u64,
    ) {
        if self.by_key.len() >= MAX_KEPT && !self.by_key.contains_key(&key) {
            let oldest = self
                .by_key
                .iter()
                .min_by_key(|(_, s)| s.taken)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.by_key.remove(&k);
            }
        }
        self.by_key.insert(
            key,
            Snapshot {
                items,
                taken: Instant::now(),
                dir_mtime,
                generation,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_serves_until_a_write_or_a_change_of_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let snaps = Snapshots::<&str, u32>::default();
        let read = || Ok::<_, ()>(vec![1]);
        snaps.read("/P", tmp.path(), read).unwrap();
        assert_eq!(*snaps.get(&"/P", tmp.path()).unwrap(), vec![1]);
        assert!(snaps.get(&"/Q", tmp.path()).is_none());

        snaps.invalidate();
        assert!(snaps.get(&"/P", tmp.path()).is_none());

        snaps.read("/P", tmp.path(), read).unwrap();
        // A new entry behind the emulator's back changes the folder's mtime (the sleep
        // only makes sure the clock moved on; nothing here measures time).
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(tmp.path().join("new"), b"").unwrap();
        assert!(snaps.get(&"/P", tmp.path()).is_none());
    }

    #[test]
    fn a_later_page_waits_for_a_snapshot_read_behind_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let snaps = Arc::new(Snapshots::<&str, u32>::default());
        let filler = snaps.begin("/P", tmp.path());
        let waiting = {
            let snaps = snaps.clone();
            let dir = tmp.path().to_owned();
            std::thread::spawn(move || snaps.get(&"/P", &dir))
        };
        filler.fill(vec![7]);
        assert_eq!(*waiting.join().unwrap().unwrap(), vec![7]);
        // A read that failed (its filler dropped) serves nothing.
        drop(snaps.begin("/P", tmp.path()));
        assert!(snaps.get(&"/P", tmp.path()).is_none());
    }

    #[test]
    fn a_write_during_the_read_keeps_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let snaps = Snapshots::<&str, u32>::default();
        snaps
            .read("/P", tmp.path(), || {
                snaps.invalidate();
                Ok::<_, ()>(vec![1])
            })
            .unwrap();
        assert!(snaps.get(&"/P", tmp.path()).is_none());
    }
}
