//! Ordering of a pane's entries: folders first, then by the chosen key (natural order
//! for names, so `file2` comes before `file10`), optionally reversed.

use std::cmp::Ordering;

use crate::vfs::Entry;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Extension,
    Size,
    Time,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Extension => "ext",
            SortKey::Size => "size",
            SortKey::Time => "time",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortSpec {
    pub key: SortKey,
    pub reverse: bool,
}

impl Default for SortSpec {
    fn default() -> Self {
        SortSpec {
            key: SortKey::Name,
            reverse: false,
        }
    }
}

fn extension(name: &str) -> &str {
    match name.rfind('.') {
        Some(0) | None => "",
        Some(i) => &name[i + 1..],
    }
}

fn natural(a: &str, b: &str) -> Ordering {
    alphanumeric_sort::compare_str(a, b)
}

impl SortSpec {
    /// The order of two entries. Folders always come first (also when reversed, as in
    /// mc); ties on the key fall back to the name so the order is total and stable.
    pub fn compare(&self, a: &Entry, b: &Entry) -> Ordering {
        match (a.is_dir(), b.is_dir()) {
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let by_key = match self.key {
            SortKey::Name => Ordering::Equal,
            SortKey::Extension => natural(extension(&a.name), extension(&b.name)),
            SortKey::Size => a.size.cmp(&b.size),
            SortKey::Time => a.mtime.cmp(&b.mtime),
        };
        let ord = by_key
            .then_with(|| natural(&a.name, &b.name))
            .then_with(|| a.name.cmp(&b.name));
        if self.reverse { ord.reverse() } else { ord }
    }

    pub fn sort(&self, entries: &mut [Entry]) {
        entries.sort_unstable_by(|a, b| self.compare(a, b));
    }

    /// Merges a freshly listed page into the already sorted entries: the page is sorted
    /// on its own (small) and merged in one linear pass, so a folder arriving in 50
    /// pages is never re-sorted as a whole.
    pub fn merge(&self, sorted: Vec<Entry>, mut page: Vec<Entry>) -> Vec<Entry> {
        self.sort(&mut page);
        if sorted.is_empty() {
            return page;
        }
        let mut out = Vec::with_capacity(sorted.len() + page.len());
        let mut a = sorted.into_iter().peekable();
        let mut b = page.into_iter().peekable();
        loop {
            let take_a = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => self.compare(x, y) != Ordering::Greater,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let next = if take_a { a.next() } else { b.next() };
            out.extend(next);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::EntryKind;

    fn e(name: &str, dir: bool, size: u64, mtime: i64) -> Entry {
        Entry {
            name: name.into(),
            kind: if dir { EntryKind::Dir } else { EntryKind::File },
            size,
            mtime: Some(mtime),
            mode: None,
            readonly: false,
        }
    }

    fn names(v: &[Entry]) -> Vec<&str> {
        v.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn folders_first_then_natural_names() {
        let mut v = vec![
            e("file10", false, 1, 0),
            e("zdir", true, 0, 0),
            e("file2", false, 1, 0),
            e("adir", true, 0, 0),
        ];
        SortSpec::default().sort(&mut v);
        assert_eq!(names(&v), ["adir", "zdir", "file2", "file10"]);
        let rev = SortSpec {
            key: SortKey::Name,
            reverse: true,
        };
        rev.sort(&mut v);
        assert_eq!(names(&v), ["zdir", "adir", "file10", "file2"]);
    }

    #[test]
    fn by_size_time_extension() {
        let mut v = vec![
            e("a.txt", false, 30, 3),
            e("b.rs", false, 10, 1),
            e("c.md", false, 20, 2),
        ];
        let spec = |key| SortSpec {
            key,
            reverse: false,
        };
        spec(SortKey::Size).sort(&mut v);
        assert_eq!(names(&v), ["b.rs", "c.md", "a.txt"]);
        spec(SortKey::Time).sort(&mut v);
        assert_eq!(names(&v), ["b.rs", "c.md", "a.txt"]);
        spec(SortKey::Extension).sort(&mut v);
        assert_eq!(names(&v), ["c.md", "b.rs", "a.txt"]);
    }

    #[test]
    fn merging_pages_equals_sorting_everything() {
        let spec = SortSpec::default();
        let all: Vec<Entry> = (0..500)
            .map(|i| e(&format!("f{}", (i * 7919) % 500), i % 9 == 0, 0, 0))
            .collect();
        let mut expected = all.clone();
        spec.sort(&mut expected);
        let mut merged = Vec::new();
        for chunk in all.chunks(64) {
            merged = spec.merge(merged, chunk.to_vec());
        }
        assert_eq!(merged, expected);
    }
}
