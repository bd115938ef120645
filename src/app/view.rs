//! Which of a pane's entries are shown, kept up to date page by page.
//!
//! A pane's entries are sorted; its rows are the visible ones among them (hidden files
//! when they are not shown, and the quick filter). When a listing page is merged into
//! the entries (`SortSpec::merge_into` says how many old entries come before each new
//! one), [`View::merged`] moves the rows after the new entries along and adds the new
//! visible ones, looking at no entry but the page's. With no quick filter and no hidden
//! entry hidden, every entry is a row and no index is kept at all.

use crate::vfs::Entry;

/// What a pane shows: hidden entries or not, and the quick filter.
pub struct Shown {
    hidden: bool,
    /// The quick filter, lower-cased; empty: no filter.
    needle: String,
}

impl Shown {
    pub fn new(show_hidden: bool, filter: &str) -> Self {
        Shown {
            hidden: show_hidden,
            needle: filter.to_lowercase(),
        }
    }

    pub fn admits(&self, e: &Entry) -> bool {
        (self.hidden || !e.is_hidden())
            && (self.needle.is_empty() || contains_ignore_case(&e.name, &self.needle))
    }
}

/// The visible entries of a pane, as indices into its sorted entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// Indices of the visible entries, ascending; `None`: every entry is visible.
    rows: Option<Vec<u32>>,
    /// How many entries there are (all of them rows when `rows` is `None`).
    total: usize,
}

impl View {
    /// No entries.
    pub fn clear(&mut self) {
        *self = View::default();
    }

    /// Number of visible entries.
    pub fn len(&self) -> usize {
        match &self.rows {
            None => self.total,
            Some(rows) => rows.len(),
        }
    }

    /// The index in the entries of the visible entry `row`.
    pub fn get(&self, row: usize) -> Option<usize> {
        match &self.rows {
            None => (row < self.total).then_some(row),
            Some(rows) => rows.get(row).map(|&i| i as usize),
        }
    }

    /// The indices of the visible entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter_map(|row| self.get(row))
    }

    /// The row showing entry `index`; `None` when it is not visible.
    pub fn row_of(&self, index: usize) -> Option<usize> {
        match &self.rows {
            None => (index < self.total).then_some(index),
            Some(rows) => u32::try_from(index)
                .ok()
                .and_then(|i| rows.binary_search(&i).ok()),
        }
    }

    /// Recomputes the rows from every entry (the filter or hidden setting changed, or
    /// the entries were re-sorted).
    pub fn rebuild(&mut self, entries: &[Entry], shown: &Shown) {
        let rows: Vec<u32> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| shown.admits(e))
            .map(|(i, _)| i as u32)
            .collect();
        self.total = entries.len();
        self.rows = (rows.len() != entries.len()).then_some(rows);
    }

    /// Follows a merge of a page into the entries: `entries` are the merged ones,
    /// `before[k]` how many of the old entries come before the page's k-th (in sort
    /// order, so ascending), which is now at `before[k] + k`. Costs the page's entries
    /// and a shift of the rows after the page's first, never a look at an old entry.
    pub fn merged(&mut self, entries: &[Entry], before: &[usize], shown: &Shown) {
        let old_total = self.total;
        self.total += before.len();
        let added: Vec<u32> = before
            .iter()
            .enumerate()
            .map(|(k, &b)| b + k)
            .filter(|&i| entries.get(i).is_some_and(|e| shown.admits(e)))
            .map(|i| i as u32)
            .collect();
        if self.rows.is_none() {
            if added.len() == before.len() {
                return;
            }
            // The first entry not shown: every old entry was a row.
            self.rows = Some((0..old_total as u32).collect());
        }
        let (Some(rows), Some(&first)) = (self.rows.as_mut(), before.first()) else {
            return;
        };
        // Rows before the page's first new entry do not move.
        let keep = rows.partition_point(|&r| (r as usize) < first);
        let mut i = rows.len(); // old rows [keep, i) still to move
        let mut j = added.len(); // added rows [0, j) still to place
        let mut k = before.len(); // new entries [0, k) come before the old row at i - 1
        rows.resize(rows.len() + added.len(), 0);
        let mut w = rows.len(); // rows [w, ..) are final
        while i > keep {
            let old = rows[i - 1] as usize;
            while k > 0 && before[k - 1] > old {
                k -= 1;
            }
            let now = (old + k) as u32;
            while j > 0 && added[j - 1] > now {
                j -= 1;
                w -= 1;
                rows[w] = added[j];
            }
            i -= 1;
            w -= 1;
            rows[w] = now;
        }
        while j > 0 {
            j -= 1;
            w -= 1;
            rows[w] = added[j];
        }
        debug_assert_eq!(w, keep);
    }
}

fn contains_ignore_case(haystack: &str, lower_needle: &str) -> bool {
    if haystack.is_ascii() && lower_needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), lower_needle.as_bytes());
        n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(lower_needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::sort::{SortKey, SortSpec};
    use crate::vfs::EntryKind;

    fn entry(name: &str, size: u64) -> Entry {
        Entry {
            name: name.into(),
            kind: if name.starts_with('d') {
                EntryKind::Dir
            } else {
                EntryKind::File
            },
            size,
            mtime: Some(0),
            mode: None,
            readonly: false,
        }
    }

    fn rows(view: &View) -> Vec<usize> {
        view.iter().collect()
    }

    /// Pages merged one by one give the entries and rows of one sort and one full
    /// rebuild, whatever the order, the filter and the hidden setting.
    fn check_pages(spec: SortSpec, shown: &Shown, pages: Vec<Vec<Entry>>) {
        let mut entries = Vec::new();
        let mut view = View::default();
        for mut page in pages {
            spec.sort(&mut page);
            let before = spec.merge_into(&mut entries, page);
            view.merged(&entries, &before, shown);
            let mut full = View::default();
            full.rebuild(&entries, shown);
            assert_eq!(rows(&view), rows(&full));
            assert_eq!(view.len(), full.len());
            for (row, index) in rows(&full).into_iter().enumerate() {
                assert_eq!(view.row_of(index), Some(row));
            }
        }
        let mut all = entries.clone();
        spec.sort(&mut all);
        assert_eq!(entries, all);
    }

    proptest::proptest! {
        #[test]
        fn merged_pages_show_what_a_rebuild_shows(
            names in proptest::collection::btree_set("[.dfa-c0-9]{1,4}", 0..60),
            cuts in proptest::collection::vec(0usize..60, 0..6),
            key in 0usize..4,
            reverse in proptest::bool::ANY,
            hidden in proptest::bool::ANY,
            filter in "[a0-9]{0,1}",
        ) {
            let spec = SortSpec {
                key: [SortKey::Name, SortKey::Extension, SortKey::Size, SortKey::Time][key],
                reverse,
            };
            let entries: Vec<Entry> = names
                .iter()
                .enumerate()
                .map(|(i, n)| entry(n, (i as u64 * 7) % 5))
                .collect();
            // Pages cut anywhere, in the names' order (not the sort's).
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(entries.len())).collect();
            cuts.push(0);
            cuts.push(entries.len());
            cuts.sort_unstable();
            let pages = cuts.windows(2).map(|w| entries[w[0]..w[1]].to_vec()).collect();
            check_pages(spec, &Shown::new(hidden, &filter), pages);
        }
    }

    #[test]
    fn all_shown_keeps_no_rows_until_one_is_hidden() {
        let spec = SortSpec::default();
        let shown = Shown::new(false, "");
        let mut entries = Vec::new();
        let mut view = View::default();
        let before = spec.merge_into(&mut entries, vec![entry("b", 0), entry("c", 0)]);
        view.merged(&entries, &before, &shown);
        assert_eq!(view.rows, None, "every entry shown: no index kept");
        assert_eq!((view.len(), view.get(1), view.get(2)), (2, Some(1), None));
        let before = spec.merge_into(&mut entries, vec![entry(".a", 0), entry("a", 0)]);
        view.merged(&entries, &before, &shown);
        // .a, a, b, c: the dot file is hidden.
        assert_eq!(rows(&view), [1, 2, 3]);
        assert_eq!(view.row_of(0), None);
        let mut full = View::default();
        full.rebuild(&entries, &Shown::new(true, ""));
        assert_eq!(full.rows, None);
    }

    #[test]
    fn a_filter_shows_matching_names_of_new_pages_only() {
        let spec = SortSpec::default();
        let shown = Shown::new(true, "IMG");
        let mut entries = Vec::new();
        let mut view = View::default();
        for page in [
            vec![entry("img_2.jpg", 0), entry("notes", 0)],
            vec![entry("IMG_1.jpg", 0), entry("zeta", 0), entry("img_3", 0)],
        ] {
            let before = spec.merge_into(&mut entries, page);
            view.merged(&entries, &before, &shown);
        }
        let shown_names: Vec<&str> = view.iter().map(|i| entries[i].name.as_str()).collect();
        assert_eq!(shown_names, ["IMG_1.jpg", "img_2.jpg", "img_3"]);
    }
}
