//! Ctrl-Space: the size of the folder under the cursor, or of the selection, folders
//! counted with everything in them (on a NAS too); the runtime walks the listing in the
//! background and the status line shows the total.

use super::mc_cmds::{McCmd, McMsg};
use super::pane::Row;
use super::{App, Cmd};
use crate::names::escape;
use crate::plural::count;

impl App {
    pub(super) fn ask_dir_size(&mut self) -> Vec<Cmd> {
        let pane = self.active_pane();
        let entries = pane.target_entries();
        let (paths, what): (Vec<_>, String) = if entries.is_empty()
            || (pane.selected.is_empty() && pane.current() == Some(Row::Parent))
        {
            // On `..` (or in an empty folder): this folder.
            let name = if pane.cwd.is_root() {
                pane.cwd.to_string()
            } else {
                pane.cwd.name().to_owned()
            };
            (
                vec![(pane.cwd.clone(), true)],
                format!("\"{}\"", escape(&name)),
            )
        } else {
            let what = match entries.as_slice() {
                [one] => format!("\"{}\"", escape(&one.name)),
                many => count(many.len() as u64, "item", "items"),
            };
            let paths = entries
                .iter()
                .filter_map(|e| pane.cwd.join(&e.name).ok().map(|p| (p, e.is_dir())))
                .collect();
            (paths, what)
        };
        let vfs = pane.vfs.clone();
        let req = self.next_req();
        self.set_status(format!("Adding up the size of {what}…"), false);
        self.sizing = Some((req, what));
        vec![Cmd::Mc(Box::new(McCmd::DirSize { req, vfs, paths }))]
    }

    pub(super) fn on_sized(&mut self, msg: McMsg) {
        let McMsg::Sized { req, result } = msg else {
            return;
        };
        let Some((_, what)) = self.sizing.take_if(|(r, _)| *r == req) else {
            return;
        };
        match result {
            Ok(s) => {
                let size = humansize::format_size(s.bytes, humansize::BINARY);
                let mut text = format!(
                    "Size of {what}: {size} ({} bytes) in {}",
                    s.bytes,
                    count(s.files, "file", "files")
                );
                if s.folders > 0 {
                    text.push_str(&format!(", {}", count(s.folders, "folder", "folders")));
                }
                self.set_status(text, false);
            }
            Err(e) => self.set_status(
                format!("Cannot add up the size of {what}: {}", e.user_message()),
                true,
            ),
        }
    }
}
