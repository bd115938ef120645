//! Moving folders between the two panes: Ctrl-U swaps them, Alt-I shows this folder in
//! the other pane, Alt-O the folder under the cursor. A folder opens in the other pane
//! only when both show the same backend (two local panes, or the same NAS account): a
//! local folder has no meaning in a NAS pane, and the NAS pane is not given up silently.

use crate::names::escape;
use crate::vfs::{EntryKind, VPath};

use super::pane::Row;
use super::{App, Cmd, Side};

impl App {
    /// Ctrl-U: the panes change places; the focus stays with the listing it was on.
    pub(super) fn swap_panels(&mut self) -> Vec<Cmd> {
        self.panes.swap(0, 1);
        self.nav.swap(0, 1);
        self.active = self.active.other();
        // Results come back by side: a listing in flight would land in the wrong pane,
        // so it starts again on its new side.
        let mut cmds = Vec::new();
        for side in [Side::Left, Side::Right] {
            if let Some(l) = self.pane(side).loading.clone() {
                cmds.extend(self.list(side, l.dir, l.focus));
            }
        }
        cmds
    }

    /// Alt-I: the other pane shows this pane's folder.
    pub(super) fn other_to_this(&mut self) -> Vec<Cmd> {
        let dir = self.heading_dir(self.active);
        self.open_in_other(dir, "Alt-I")
    }

    /// The folder pane `side` shows, or the one it is opening when a listing is on its
    /// way (keys typed ahead mean where the pane goes).
    pub(super) fn heading_dir(&self, side: Side) -> VPath {
        let pane = self.pane(side);
        pane.loading.as_ref().map_or(&pane.cwd, |l| &l.dir).clone()
    }

    /// Alt-O: the other pane opens the folder under the cursor (or this folder on `..`).
    pub(super) fn other_to_cursor(&mut self) -> Vec<Cmd> {
        let pane = self.active_pane();
        let dir = match pane.current() {
            Some(Row::Entry(e)) if e.is_dir() || e.kind == EntryKind::Symlink => {
                pane.cwd.join(&e.name).ok()
            }
            Some(Row::Parent) => Some(pane.cwd.parent()),
            _ => None,
        };
        match dir {
            Some(dir) => self.open_in_other(dir, "Alt-O"),
            None => {
                self.set_status("Alt-O: the cursor is not on a folder", true);
                Vec::new()
            }
        }
    }

    fn open_in_other(&mut self, dir: VPath, key: &str) -> Vec<Cmd> {
        let (here, there) = (
            self.active_pane().vfs.label(),
            self.pane(self.active.other()).vfs.label(),
        );
        if here != there {
            self.set_status(
                format!(
                    "{key}: a folder of {} cannot open in the other pane ({})",
                    escape(&here),
                    escape(&there)
                ),
                true,
            );
            return Vec::new();
        }
        self.list(self.active.other(), dir, None)
    }
}
