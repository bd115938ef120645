//! What the keys of a picker (folder history, hotlist) do to the app.

use crossterm::event::KeyEvent;

use super::layers::{KeyAnswer, Layer, LayerKind};
use super::picker::{Picker, PickerKey, PickerKind};
use super::{App, Cmd};

impl App {
    /// Alt-H: the active pane's folders, oldest first, the cursor on the current one.
    pub(super) fn open_history(&mut self) -> Vec<Cmd> {
        let (places, current) = self.history_places();
        self.layers.push(Layer::Picker(Picker::new(
            PickerKind::History,
            self.active,
            places,
            current,
        )));
        Vec::new()
    }

    pub(super) fn picker_key(&mut self, key: KeyEvent) -> KeyAnswer {
        let pane_action = self.keymap.action(&key);
        let page = self.size.1.saturating_sub(8) as usize;
        let Some(p) = self.layers.picker_mut() else {
            return KeyAnswer::Pass;
        };
        p.page = page;
        let (kind, side, at) = (p.kind, p.side, p.cursor);
        let picked = p.selected().cloned();
        match p.on_key(&key, pane_action) {
            None => {
                if let Some(name) = super::unbound::key_name(&key) {
                    let list = match kind {
                        PickerKind::History => "the history list",
                        PickerKind::Hotlist => "the hotlist",
                    };
                    self.set_status(
                        format!("{name}: no action in {list} — F1 lists the keys"),
                        false,
                    );
                }
                KeyAnswer::Consumed(Vec::new())
            }
            Some(PickerKey::Close) => KeyAnswer::Close(Vec::new()),
            Some(PickerKey::Go) => match picked {
                Some(place) => {
                    self.layers.close(LayerKind::Picker);
                    self.status = None;
                    KeyAnswer::Consumed(self.go_to_place(side, place))
                }
                None => KeyAnswer::Consumed(Vec::new()),
            },
            Some(PickerKey::Add) if kind == PickerKind::Hotlist => {
                KeyAnswer::Consumed(self.hotlist_add())
            }
            Some(PickerKey::Remove) if kind == PickerKind::Hotlist => {
                KeyAnswer::Consumed(self.hotlist_remove(at))
            }
            Some(_) => KeyAnswer::Consumed(Vec::new()),
        }
    }
}
