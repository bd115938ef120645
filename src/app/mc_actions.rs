//! Where the keys an mc user reaches for (issue 18) are dispatched: the panes' action
//! match hands every action of this family here, so each feature lives in its own module
//! (`panels`, `history`, `quick_cd`, `hotlist`, `dir_size`, `menu`).

use crate::keymap::Action;

use super::{App, Cmd};

impl App {
    pub(super) fn mc_action(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::SwapPanels => self.swap_panels(),
            Action::OtherToThis => self.other_to_this(),
            Action::OtherToCursor => self.other_to_cursor(),
            Action::Back => self.history_step(false),
            Action::Forward => self.history_step(true),
            Action::History => self.open_history(),
            Action::Hotlist => self.open_hotlist(),
            Action::QuickCd => self.ask_quick_cd(),
            Action::DirSize => self.ask_dir_size(),
            Action::Menu => self.open_menu(),
            Action::QuickView => self.toggle_quick_view(),
            Action::Subshell => self.open_subshell(),
            Action::Edit => self.edit_current(),
            Action::CompareFolders => self.compare_panes(),
            Action::Sync => {
                self.open_sync_dialog();
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
