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

/// Natural order (`file2` < `file10`). Most pairs differ first at a character outside any
/// number, where natural order is plain character order, or inside two numbers of as
/// many digits (`IMG_004711` against `IMG_004720`), where it is digit order: those cases
/// are decided from the bytes at once, the rest goes to `alphanumeric_sort`. Sorting and
/// merging 100 000 names is several times faster this way (see `benches/big_folder.rs`);
/// property tests check both agree.
pub fn natural(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let i = x.iter().zip(y).take_while(|(p, q)| p == q).count();
    if i == x.len() && i == y.len() {
        return Ordering::Equal;
    }
    // The start of the character holding byte i (skip UTF-8 continuation bytes).
    let mut start = i;
    while start > 0 && start < x.len() && (x[start] & 0xC0) == 0x80 {
        start -= 1;
    }
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    let after_number = start > 0 && x[start - 1].is_ascii_digit();
    if !after_number && !digit(x, start) && !digit(y, start) {
        return x.get(i).cmp(&y.get(i));
    }
    if digit(x, i) && digit(y, i) {
        let digits = |s: &[u8]| s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        // Two numbers equal up to here with as many digits left: they have as many
        // digits in all (what came before is shared), so the first differing digit
        // orders them, leading zeros or not.
        if digits(x) == digits(y) {
            return x[i].cmp(&y[i]);
        }
    }
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

    /// Merges a freshly listed page into the sorted `entries`, in place, and returns for
    /// each of the page's entries (in their sorted order) how many old entries come
    /// before it: what the pane needs to move its rows and cursor along
    /// (`app::view`) without looking at the old entries again.
    ///
    /// The listing task sorts each page already (runtime/effects.rs), so the page's own
    /// sort is a stable sort of sorted runs: one linear pass per run (the order is
    /// total, so stable or not gives the same). Where each page entry goes is found by
    /// galloping from where the one before went: about p·log(n/p) comparisons for a
    /// page of p spread over n entries, one for a page that sorts after them all. The
    /// old entries after the page's first are then moved up once each, never compared:
    /// pages that arrive in order are only appended.
    pub fn merge_into(&self, entries: &mut Vec<Entry>, mut page: Vec<Entry>) -> Vec<usize> {
        page.sort_by(|a, b| self.compare(a, b));
        let n = entries.len();
        let (p, Some(first)) = (page.len(), page.first()) else {
            return Vec::new();
        };
        // Entries equal in the order (the same name) keep the old one first.
        let stays_before = |old: &Entry, new: &Entry| self.compare(old, new) != Ordering::Greater;
        if entries.last().is_none_or(|last| stays_before(last, first)) {
            entries.extend(page);
            return vec![n; p];
        }
        let mut before = Vec::with_capacity(p);
        let mut lo = 0;
        for e in &page {
            let rest = &entries[lo..];
            // Doubling steps from `lo`, then a binary search inside the last step.
            let mut bound = 1;
            while bound <= rest.len() && stays_before(&rest[bound - 1], e) {
                bound *= 2;
            }
            let start = bound / 2;
            let end = bound.min(rest.len());
            lo += start + rest[start..end].partition_point(|old| stays_before(old, e));
            before.push(lo);
        }
        // Backwards: the old entries at and after each new one's place move up by the
        // new ones still to place, into the free slots at the end.
        entries.resize_with(n + p, placeholder);
        let mut r = n; // old entries [0, r) have not moved
        for (k, e) in page.into_iter().enumerate().rev() {
            while r > before[k] {
                r -= 1;
                entries.swap(r, r + k + 1);
            }
            entries[r + k] = e;
        }
        before
    }
}

/// What fills an entry's slot for the moment it is moved (no allocation).
fn placeholder() -> Entry {
    Entry {
        name: String::new(),
        kind: crate::vfs::EntryKind::File,
        size: 0,
        mtime: None,
        mode: None,
        readonly: false,
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

    proptest::proptest! {
        #[test]
        fn fast_natural_order_agrees_with_the_crate(a in "[a0-2.\\-é點 ]{0,8}", b in "[a0-2.\\-é點 ]{0,8}") {
            proptest::prop_assert_eq!(natural(&a, &b), alphanumeric_sort::compare_str(&a, &b));
        }

        #[test]
        fn fast_natural_order_agrees_on_numbered_names(
            shared in "(IMG_|x)?[0-9]{0,5}",
            a in "[0-9]{0,4}(\\.jpg|[0-9a]{0,3})",
            b in "[0-9]{0,4}(\\.jpg|[0-9a]{0,3})",
        ) {
            // Names that share a start, as in a camera roll: they differ in a number.
            let (a, b) = (format!("{shared}{a}"), format!("{shared}{b}"));
            proptest::prop_assert_eq!(natural(&a, &b), alphanumeric_sort::compare_str(&a, &b));
        }
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
            let page_len = chunk.len();
            let before = spec.merge_into(&mut merged, chunk.to_vec());
            assert_eq!(before.len(), page_len);
            // Each new entry is where `before` says, after the old ones before it.
            let mut page = chunk.to_vec();
            spec.sort(&mut page);
            for (k, e) in page.iter().enumerate() {
                assert_eq!(&merged[before[k] + k], e);
            }
        }
        assert_eq!(merged, expected);
    }

    #[test]
    fn sorted_pages_merge_in_any_order_and_in_runs() {
        let spec = SortSpec::default();
        let mut all: Vec<Entry> = (0..600)
            .map(|i| e(&format!("f{i}"), i % 50 == 0, 0, 0))
            .collect();
        spec.sort(&mut all);
        let sorted_chunks = |v: &[Entry], n: usize| -> Vec<Vec<Entry>> {
            v.chunks(n).map(<[Entry]>::to_vec).collect()
        };
        // In order (each page only appended), backwards, and two sorted pages handed
        // over as one (the pane's pending entries).
        let mut in_order = Vec::new();
        for page in sorted_chunks(&all, 70) {
            let before = spec.merge_into(&mut in_order, page);
            assert!(before.iter().all(|&b| b + 70 >= in_order.len()), "appended");
        }
        assert_eq!(in_order, all);
        let mut backwards = Vec::new();
        for page in sorted_chunks(&all, 70).into_iter().rev() {
            let before = spec.merge_into(&mut backwards, page);
            assert!(before.iter().all(|&b| b == 0), "all new ones first");
        }
        assert_eq!(backwards, all);
        let odd: Vec<Entry> = all.iter().skip(1).step_by(2).cloned().collect();
        let even: Vec<Entry> = all.iter().step_by(2).cloned().collect();
        let mut merged = odd.clone();
        let before = spec.merge_into(&mut merged, even.clone());
        assert_eq!(merged, all);
        // The k-th even entry has k odd ones before it.
        assert_eq!(before, (0..even.len()).collect::<Vec<_>>());
        let two_runs: Vec<Entry> = odd.into_iter().chain(even).collect();
        let mut from_empty = Vec::new();
        spec.merge_into(&mut from_empty, two_runs);
        assert_eq!(from_empty, all);
    }
}
