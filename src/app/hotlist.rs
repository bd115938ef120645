//! The folder hotlist (Ctrl-\): bookmarks of local and NAS folders, kept in the config
//! file (`[hotlist] folders`, written by the runtime), in a picker to add the current
//! folder, remove one, or go to one (in the active pane; a NAS folder of another backend
//! opens through the connect dialog, as Alt-N would).

use super::mc_cmds::{McCmd, McMsg};
use super::picker::{Picker, PickerKind};
use super::places::Place;
use super::{App, Cmd, Layer};

impl App {
    /// Ctrl-\: opens the hotlist over the panes.
    pub(super) fn open_hotlist(&mut self) -> Vec<Cmd> {
        let places = self.hotlist_places();
        self.layers.push(Layer::Picker(Picker::new(
            PickerKind::Hotlist,
            self.active,
            places,
            0,
        )));
        Vec::new()
    }

    fn hotlist_places(&self) -> Vec<Place> {
        self.hotlist
            .iter()
            .filter_map(|t| Place::from_target(t))
            .collect()
    }

    /// Adds the active pane's folder (once) and saves the list.
    pub(super) fn hotlist_add(&mut self) -> Vec<Cmd> {
        let here = self.place_of(self.active);
        let target = here.target();
        let shown = crate::names::escape(&target).into_owned();
        if self.hotlist.contains(&target) {
            self.set_status(format!("{shown} is already in the hotlist"), false);
            return Vec::new();
        }
        self.hotlist.push(target);
        self.hotlist_changed(Some(self.hotlist.len() - 1));
        self.set_status(format!("Added {shown} to the hotlist"), false);
        vec![Cmd::Mc(Box::new(McCmd::SaveHotlist(self.hotlist.clone())))]
    }

    /// Removes the entry under the picker's cursor and saves the list.
    pub(super) fn hotlist_remove(&mut self, at: usize) -> Vec<Cmd> {
        if at >= self.hotlist.len() {
            return Vec::new();
        }
        let gone = self.hotlist.remove(at);
        self.hotlist_changed(Some(at));
        self.set_status(
            format!("Removed {} from the hotlist", crate::names::escape(&gone)),
            false,
        );
        vec![Cmd::Mc(Box::new(McCmd::SaveHotlist(self.hotlist.clone())))]
    }

    /// Shows the new list in the open picker, the cursor near `at`.
    fn hotlist_changed(&mut self, at: Option<usize>) {
        let places = self.hotlist_places();
        if let Some(p) = self.layers.picker_mut()
            && p.kind == PickerKind::Hotlist
        {
            p.places = places;
            p.cursor = at.unwrap_or(0).min(p.places.len().saturating_sub(1));
        }
    }

    pub(super) fn on_mc_msg(&mut self, msg: McMsg) -> Vec<Cmd> {
        match msg {
            McMsg::HotlistSaved(Ok(())) => {}
            McMsg::HotlistSaved(Err(e)) => {
                self.set_status(format!("The hotlist was not saved: {e}"), true)
            }
            sized @ McMsg::Sized { .. } => self.on_sized(sized),
        }
        Vec::new()
    }
}
