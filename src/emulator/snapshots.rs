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

use std::collections::HashMap;
use std::hash::Hash;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// How long a snapshot serves later pages.
pub const MAX_AGE: Duration = Duration::from_secs(10);
/// Snapshots kept at once (the oldest goes first).
const MAX_KEPT: usize = 16;

struct Snapshot<T> {
    items: Arc<Vec<T>>,
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

    /// The snapshot of `key` if it still stands for `dir`.
    pub fn get(&self, key: &K, dir: &Path) -> Option<Arc<Vec<T>>> {
        let mtime = dir_mtime(dir);
        let mut inner = self.lock();
        let generation = inner.generation;
        let snap = inner.by_key.get(key)?;
        let fresh = snap.generation == generation
            && snap.taken.elapsed() < MAX_AGE
            && mtime.is_some()
            && snap.dir_mtime == mtime;
        if fresh {
            Some(snap.items.clone())
        } else {
            inner.by_key.remove(key);
            None
        }
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
            if inner.by_key.len() >= MAX_KEPT && !inner.by_key.contains_key(&key) {
                let oldest = inner
                    .by_key
                    .iter()
                    .min_by_key(|(_, s)| s.taken)
                    .map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    inner.by_key.remove(&k);
                }
            }
            inner.by_key.insert(
                key,
                Snapshot {
                    items: items.clone(),
                    taken: Instant::now(),
                    dir_mtime: mtime,
                    generation,
                },
            );
        }
        Ok(items)
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
