//! Effects of the mc keys (`Cmd::Mc`): writing the hotlist into the config file, the
//! size of folders (`dir_size.rs`).

use std::path::PathBuf;

use ratatui::backend::Backend;

use super::Runtime;
use super::effects::Internal;
use crate::app::Msg;
use crate::app::mc_cmds::{McCmd, McMsg};

impl<B: Backend> Runtime<B> {
    /// Where the hotlist is saved: the user's config file (`nascmd` sets it; tests give
    /// a temporary one). Without it, the hotlist lives for this run only.
    pub fn with_config_file(mut self, path: PathBuf) -> Self {
        self.config_file = Some(path);
        self
    }

    pub(super) fn mc_cmd(&mut self, cmd: McCmd) {
        let tx = self.tx.clone();
        match cmd {
            McCmd::SaveHotlist(folders) => {
                let Some(path) = self.config_file.clone() else {
                    return;
                };
                self.spawn(async move {
                    let saved = tokio::task::spawn_blocking(move || {
                        crate::config::Config::set_hotlist(&path, &folders)
                            .map_err(|e| e.to_string())
                    })
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                    let _ = tx.send(Internal::Msg(Msg::Mc(McMsg::HotlistSaved(saved))));
                });
            }
            McCmd::DirSize { req, vfs, paths } => {
                // A newer Ctrl-Space replaces the walk in flight.
                let old = self.size_task.take();
                self.abort(old);
                let id = self.spawn(super::dir_size::dir_size(tx, req, vfs, paths));
                self.size_task = Some(id);
            }
        }
    }
}
