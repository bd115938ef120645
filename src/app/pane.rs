//! One pane: a backend handle, its current folder, the sorted entries, what is visible
//! (hidden files, quick filter), the cursor, the selection and the listing in flight.
//!
//! A pane knows its backend only through the `Vfs` trait, so a NAS pane is the same type
//! with another handle.

use std::collections::HashSet;

use crate::vfs::{Entry, SpaceInfo, VPath, VfsHandle};

use super::ids::RequestId;
use super::sort::SortSpec;
use super::view::{Shown, View};

/// Pending listing entries merged at the latest once this many have arrived.
const MERGE_AT_ONCE: usize = 4096;
/// F1 lines for keys of the panes that no table lists (typing in the filter and jump
/// modes, the mouse).
pub(super) const PANE_HELP: [(&str, &str); 4] = [
    (
        "Esc",
        "Clear the quick filter; close a dialog or the viewer",
    ),
    (
        "Mouse",
        "Click: pick a pane and row; wheel: scroll; click the key bar",
    ),
    (
        "In filter (/)",
        "Type to narrow, Enter keeps it, Esc clears it",
    ),
    (
        "In jump (Ctrl-S)",
        "Type a prefix; Ctrl-S next match; Enter opens",
    ),
];

/// A row as the pane shows it: the `..` row, or an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row<'a> {
    Parent,
    Entry(&'a Entry),
}

/// A listing in flight.
#[derive(Clone, Debug)]
pub struct Loading {
    pub req: RequestId,
    pub dir: VPath,
    /// Put the cursor on this name once it arrives (reload, or the folder we came from).
    pub focus: Option<String>,
    /// The first page has arrived and replaced the old entries.
    pub started: bool,
    /// A re-listing of the same folder: the cursor's row before it, where the cursor
    /// goes when `focus` is gone (the entry that took a deleted one's place), unless
    /// the user moved meanwhile.
    pub fallback_row: Option<usize>,
    /// How many entries the folder holds, when the backend said (`Msg::ListTotal`).
    pub total: Option<u64>,
}

pub struct Pane {
    pub vfs: VfsHandle,
    pub label: String,
    pub cwd: VPath,
    /// All entries of `cwd`, sorted, without `..`.
    entries: Vec<Entry>,
    /// Which entries are visible (rows), kept up to date page by page.
    view: View,
    /// Row index (row 0 is `..` when the folder has a parent).
    pub cursor: usize,
    /// First row shown.
    pub scroll: usize,
    pub selected: HashSet<String>,
    pub sort: SortSpec,
    pub show_hidden: bool,
    /// Quick filter: only names containing this text (case-insensitive) are shown.
    pub filter: String,
    pub loading: Option<Loading>,
    pub space: Option<SpaceInfo>,
    pub space_req: RequestId,
    /// The name the cursor should return to while pages keep arriving.
    sticky: Option<String>,
    /// Pages received but not merged yet (see `take_page`).
    pending: Vec<Entry>,
    /// An entry of this folder being renamed in place (`from`, `to`): once a listing
    /// no longer has `from`, the cursor follows it to `to`, as in mc.
    pub renaming: Option<(String, String)>,
}

impl Pane {
    pub fn new(vfs: VfsHandle, cwd: VPath) -> Self {
        Pane {
            label: vfs.label(),
            vfs,
            cwd,
            entries: Vec::new(),
            view: View::default(),
            cursor: 0,
            scroll: 0,
            selected: HashSet::new(),
            sort: SortSpec::default(),
            show_hidden: false,
            filter: String::new(),
            loading: None,
            space: None,
            space_req: 0,
            sticky: None,
            pending: Vec::new(),
            renaming: None,
        }
    }

    fn has_parent_row(&self) -> bool {
        !self.cwd.is_root()
    }

    pub fn row_count(&self) -> usize {
        self.view.len() + usize::from(self.has_parent_row())
    }

    pub fn row(&self, i: usize) -> Option<Row<'_>> {
        let parent = usize::from(self.has_parent_row());
        if i < parent {
            return Some(Row::Parent);
        }
        let idx = self.view.get(i - parent)?;
        self.entries.get(idx).map(Row::Entry)
    }

    pub fn current(&self) -> Option<Row<'_>> {
        self.row(self.cursor)
    }

    pub fn current_entry(&self) -> Option<&Entry> {
        match self.current() {
            Some(Row::Entry(e)) => Some(e),
            _ => None,
        }
    }

    /// All entries (sorted), hidden and filtered ones included.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn visible_entries(&self) -> impl Iterator<Item = &Entry> {
        self.view.iter().filter_map(|i| self.entries.get(i))
    }

    /// Starts a new listing of `dir`; the old entries stay on screen until its first
    /// page arrives.
    pub fn begin_list(&mut self, req: RequestId, dir: VPath, focus: Option<String>) {
        let fallback_row = (dir == self.cwd).then_some(self.cursor);
        self.loading = Some(Loading {
            req,
            dir,
            focus,
            started: false,
            fallback_row,
            total: None,
        });
    }

    /// The folder of listing `req` holds `total` entries. Returns false when stale.
    pub fn expect_total(&mut self, req: RequestId, total: u64) -> bool {
        match self.loading.as_mut().filter(|l| l.req == req) {
            Some(loading) => {
                loading.total = Some(total);
                true
            }
            None => false,
        }
    }

    /// While a listing whose size is known is in flight: how many of its entries have
    /// arrived, and how many the folder holds (never fewer than arrived: a folder may
    /// grow while it is listed).
    pub fn loading_progress(&self) -> Option<(u64, u64)> {
        let loading = self.loading.as_ref()?;
        let total = loading.total?;
        let arrived = if loading.started {
            (self.entries.len() + self.pending.len()) as u64
        } else {
            0
        };
        Some((arrived, total.max(arrived)))
    }

    /// Once a listing is complete: when the name the cursor was to land on is gone, the
    /// cursor goes to its new name (a rename) or stays at its row (the entry that took
    /// a deleted one's place; the previous one when it was the last).
    fn place_cursor_after_list(&mut self) {
        let Some(loading) = self.loading.as_ref() else {
            return;
        };
        let Some(focus) = loading.focus.clone() else {
            return;
        };
        // Not a re-listing, or the user moved meanwhile: the cursor stays.
        let Some(fallback) = loading.fallback_row else {
            return;
        };
        if self.current_name().as_deref() == Some(focus.as_str()) {
            return;
        }
        if let Some((from, to)) = self.renaming.clone()
            && from == focus
        {
            self.renaming = None;
            if self.focus_name(&to) {
                return;
            }
        }
        self.cursor = fallback;
        self.clamp_cursor();
    }

    /// Takes one page of the listing `req`. Returns false when it was stale (dropped).
    pub fn take_page(&mut self, req: RequestId, page: Vec<Entry>, done: bool) -> bool {
        let Some(loading) = self.loading.as_mut().filter(|l| l.req == req) else {
            return false;
        };
        let first = !loading.started;
        if first {
            loading.started = true;
            let same_dir = loading.dir == self.cwd;
            self.sticky = loading.focus.clone();
            self.cwd = loading.dir.clone();
            self.entries.clear();
            self.view.clear();
            if !same_dir {
                self.selected.clear();
                self.filter.clear();
                self.scroll = 0;
            }
            self.cursor = 0;
        } else if self.sticky.is_none() {
            self.sticky = self.current_name();
        }
        // Pages are merged when they add up to as many entries as are shown (and at the
        // end): the first page shows at once, and a small folder costs few merges. Never
        // more than MERGE_AT_ONCE pending entries wait, though: each merge costs about
        // what it brings (`merge_pending`), and a page waiting is a page not shown.
        if first {
            self.pending.clear();
        }
        self.pending.extend(page);
        if first || done || self.pending.len() >= self.entries.len().min(MERGE_AT_ONCE) {
            self.merge_pending();
        }
        if done {
            self.place_cursor_after_list();
            self.loading = None;
            if !self.selected.is_empty() {
                let names: HashSet<&str> = self.entries.iter().map(|e| e.name.as_str()).collect();
                self.selected.retain(|n| names.contains(n.as_str()));
            }
            self.sticky = None;
        }
        true
    }

    /// Merges the pending pages, at a cost proportional to them rather than to the
    /// folder (docs/PERFORMANCE.md, "Session 10"): the entries are merged in place
    /// (`SortSpec::merge_into`), the rows follow (`View::merged`), and the cursor's
    /// entry is followed by how many new entries came before it; only a name still
    /// awaited is looked for, among the new entries.
    fn merge_pending(&mut self) {
        let page = std::mem::take(&mut self.pending);
        let keep = self.sticky.take().or_else(|| self.current_name());
        let at = self.current_index();
        let before = self.sort.merge_into(&mut self.entries, page);
        let shown = self.shown();
        self.view.merged(&self.entries, &before, &shown);
        let found = match keep.as_deref() {
            None => None,
            Some("..") if self.has_parent_row() => Some(0),
            Some(name) => {
                let moved = at
                    .map(|i| i + before.partition_point(|&b| b <= i))
                    .filter(|&i| self.entries.get(i).is_some_and(|e| e.name == name));
                moved
                    .or_else(|| {
                        (before.iter().enumerate())
                            .map(|(k, &b)| b + k)
                            .find(|&i| self.entries.get(i).is_some_and(|e| e.name == name))
                    })
                    .and_then(|i| self.view.row_of(i))
                    .map(|row| row + usize::from(self.has_parent_row()))
            }
        };
        if let Some(row) = found {
            self.cursor = row;
        }
        self.keep_sticky(keep, found.is_some());
    }

    /// After the rows changed: `keep` (the name the cursor was to stay on) stays
    /// remembered while pages are still arriving; a cursor not placed is clamped.
    fn keep_sticky(&mut self, keep: Option<String>, placed: bool) {
        if !placed {
            self.clamp_cursor();
        }
        if keep.is_some() && self.loading.as_ref().is_some_and(|l| l.started) {
            self.sticky = keep;
        }
    }

    fn shown(&self) -> Shown {
        Shown::new(self.show_hidden, &self.filter)
    }

    /// The index in `entries` of the cursor's entry.
    fn current_index(&self) -> Option<usize> {
        let parent = usize::from(self.has_parent_row());
        self.cursor
            .checked_sub(parent)
            .and_then(|row| self.view.get(row))
    }

    /// The listing `req` failed; returns false when it was stale.
    pub fn list_failed(&mut self, req: RequestId) -> bool {
        if self.loading.as_ref().is_some_and(|l| l.req == req) {
            if !self.pending.is_empty() {
                // Keep what arrived before the failure.
                self.merge_pending();
            }
            self.loading = None;
            self.sticky = None;
            true
        } else {
            false
        }
    }

    fn current_name(&self) -> Option<String> {
        match self.current()? {
            Row::Parent => Some("..".to_owned()),
            Row::Entry(e) => Some(e.name.clone()),
        }
    }

    /// Recomputes the visible rows (the filter or the hidden setting changed) and puts
    /// the cursor back on the entry it was on.
    pub fn rebuild_view(&mut self) {
        let current = self.current_entry().cloned();
        self.rebuild_view_keeping(current);
    }

    /// Recomputes the visible rows after the entries changed order; `current` is the
    /// cursor's entry before, found again by a binary search in the sort order.
    fn rebuild_view_keeping(&mut self, current: Option<Entry>) {
        let keep = self.sticky.take().or_else(|| match &current {
            Some(e) => Some(e.name.clone()),
            // `..`, or no row at all.
            None => self.current_name(),
        });
        let shown = self.shown();
        self.view.rebuild(&self.entries, &shown);
        let parent = usize::from(self.has_parent_row());
        let placed = match keep.as_deref() {
            None => false,
            Some(name) => match current.filter(|e| e.name == name) {
                Some(e) => match self.locate(&e).and_then(|i| self.view.row_of(i)) {
                    Some(row) => {
                        self.cursor = row + parent;
                        true
                    }
                    // Filtered out now (or the entries not in the pane's order).
                    None => self.focus_name(name),
                },
                // A name awaited, or `..`.
                None => self.focus_name(name),
            },
        };
        self.keep_sticky(keep, placed);
    }

    /// The index of `e` in the (sorted) entries, by a binary search.
    fn locate(&self, e: &Entry) -> Option<usize> {
        let i = self
            .entries
            .partition_point(|x| self.sort.compare(x, e) == std::cmp::Ordering::Less);
        self.entries.get(i).filter(|x| x.name == e.name).map(|_| i)
    }

    /// Moves the cursor to the row named `name`; false when no such row is visible.
    pub fn focus_name(&mut self, name: &str) -> bool {
        if name == ".." && self.has_parent_row() {
            self.cursor = 0;
            return true;
        }
        let parent = usize::from(self.has_parent_row());
        match self
            .view
            .iter()
            .position(|i| self.entries.get(i).is_some_and(|e| e.name == name))
        {
            Some(pos) => {
                self.cursor = pos + parent;
                true
            }
            None => false,
        }
    }

    pub fn clamp_cursor(&mut self) {
        let n = self.row_count();
        self.cursor = if n == 0 { 0 } else { self.cursor.min(n - 1) };
    }

    /// Moves the cursor by `delta` rows, clamped to the listing.
    pub fn move_cursor(&mut self, delta: isize) {
        let n = self.row_count();
        if n == 0 {
            return;
        }
        let target = self.cursor as isize + delta;
        self.cursor = target.clamp(0, n as isize - 1) as usize;
        self.user_moved();
    }

    pub fn set_cursor(&mut self, row: usize) {
        self.cursor = row;
        self.user_moved();
        self.clamp_cursor();
    }

    /// The user put the cursor somewhere: a listing in flight leaves it there.
    fn user_moved(&mut self) {
        self.sticky = None;
        if let Some(l) = self.loading.as_mut() {
            l.fallback_row = None;
        }
    }

    /// Keeps the cursor inside the `height` rows shown.
    pub fn scroll_into_view(&mut self, height: usize) {
        if height == 0 {
            return;
        }
        if self.cursor < self.scroll {
            self.scroll = self.cursor;
        } else if self.cursor >= self.scroll + height {
            self.scroll = self.cursor + 1 - height;
        }
        let max_scroll = self.row_count().saturating_sub(height);
        self.scroll = self.scroll.min(max_scroll);
    }

    /// Re-sorts after the sort order changed, cursor kept on its entry.
    pub fn resort(&mut self) {
        let current = self.current_entry().cloned();
        let spec = self.sort;
        spec.sort(&mut self.entries);
        self.rebuild_view_keeping(current);
    }

    pub fn is_selected(&self, e: &Entry) -> bool {
        self.selected.contains(&e.name)
    }

    /// Toggles the selection of the cursor's entry; returns false on `..`.
    pub fn toggle_current(&mut self) -> bool {
        let Some(name) = self.current_entry().map(|e| e.name.clone()) else {
            return false;
        };
        if !self.selected.remove(&name) {
            self.selected.insert(name);
        }
        true
    }

    /// Inverts the selection of the visible entries.
    pub fn invert_selection(&mut self) {
        let names: Vec<String> = self.visible_entries().map(|e| e.name.clone()).collect();
        for name in names {
            if !self.selected.remove(&name) {
                self.selected.insert(name);
            }
        }
    }

    /// Selects (or unselects) the visible entries whose name matches `glob`.
    pub fn select_matching(&mut self, glob: &globset::GlobMatcher, select: bool) -> usize {
        let names: Vec<String> = self
            .visible_entries()
            .filter(|e| glob.is_match(&e.name))
            .map(|e| e.name.clone())
            .collect();
        let n = names.len();
        for name in names {
            if select {
                self.selected.insert(name);
            } else {
                self.selected.remove(&name);
            }
        }
        n
    }

    /// Number and total size of the selected entries (folders count as 0 bytes).
    pub fn selection_summary(&self) -> (usize, u64) {
        if self.selected.is_empty() {
            return (0, 0);
        }
        let bytes = self
            .entries
            .iter()
            .filter(|e| self.selected.contains(&e.name))
            .map(|e| e.size)
            .sum();
        (self.selected.len(), bytes)
    }

    /// What an operation acts on: the selection, or else the entry under the cursor.
    pub fn targets(&self) -> Vec<VPath> {
        self.target_entries()
            .into_iter()
            .filter_map(|e| self.cwd.join(&e.name).ok())
            .collect()
    }

    /// The entries behind [`Pane::targets`] (to tell files from folders).
    pub fn target_entries(&self) -> Vec<&Entry> {
        if self.selected.is_empty() {
            return self.current_entry().into_iter().collect();
        }
        self.entries
            .iter()
            .filter(|e| self.selected.contains(&e.name))
            .collect()
    }

    /// Jump-to-name: the first visible row at or after `from` (wrapping) whose name
    /// starts with `prefix`, case-insensitively.
    pub fn find_prefix(&self, prefix: &str, from: usize) -> Option<usize> {
        let prefix = prefix.to_lowercase();
        let n = self.row_count();
        (0..n).map(|k| (from + k) % n).find(|&i| match self.row(i) {
            Some(Row::Entry(e)) => e.name.to_lowercase().starts_with(&prefix),
            _ => false,
        })
    }
}

#[cfg(test)]
#[path = "pane_tests.rs"]
mod tests;
