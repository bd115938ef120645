//! Compare folders (mc's Ctrl-X d, and the F9 menu): selects, in both panes, the
//! entries that are on one side only or differ (size, then modification time, the rule
//! of `services::sync`), from the listings the panes already hold — no request. The
//! status line counts them. Also the two-key bindings' second key (`Mode::Chord`).

use crossterm::event::KeyEvent;

use crate::keymap::Key;
use crate::services::sync::{Verdict, compare_listings, keeps_mtimes};

use super::{App, Cmd, Side};

/// Modification times this close count as equal (NAS times are whole seconds).
const TOLERANCE_SECS: i64 = 2;

impl App {
    /// The key after the first key of a two-key binding: its action, or a word saying
    /// the pair means nothing.
    pub(super) fn chord_key(&mut self, first: Key, key: KeyEvent) -> Vec<Cmd> {
        self.status = None;
        match self.keymap.chord(first, &key) {
            Some(action) => self.do_action(action),
            None => {
                let second = Key::from_event(&key);
                self.set_status(
                    format!("{first} {second}: no action here — F1 lists the keys"),
                    false,
                );
                Vec::new()
            }
        }
    }

    pub(super) fn compare_panes(&mut self) -> Vec<Cmd> {
        let (left, right) = (self.pane(Side::Left), self.pane(Side::Right));
        let a: Vec<_> = left.visible_entries().cloned().collect();
        let b: Vec<_> = right.visible_entries().cloned().collect();
        let cmp = compare_listings(
            &a,
            &b,
            keeps_mtimes(&left.vfs),
            keeps_mtimes(&right.vfs),
            TOLERANCE_SECS,
        );
        let mut marked_left = Vec::new();
        let mut marked_right = Vec::new();
        for (item, verdict) in cmp.differences() {
            if verdict != Verdict::OnlyB {
                marked_left.push(item.rel.clone());
            }
            if verdict != Verdict::OnlyA {
                marked_right.push(item.rel.clone());
            }
        }
        let (l, r) = (marked_left.len(), marked_right.len());
        for (side, names) in [(Side::Left, marked_left), (Side::Right, marked_right)] {
            let pane = self.pane_mut(side);
            pane.selected.clear();
            pane.selected.extend(names);
        }
        if l + r == 0 {
            self.set_status("Compare: the folders hold the same files", false);
        } else {
            // Short enough for 80 columns beside the selection and free space.
            self.set_status_brief(
                format!("Compare: {l} left, {r} right differ"),
                format!("Compare: {l} left, {r} right selected (differ or on one side only)"),
            );
        }
        Vec::new()
    }
}
