//! F9, the pull-down menu bar: every pane action by area (File, Panel, Command, NAS,
//! Help), generated from the keymap's one table (`keymap::MenuArea`), so an action is
//! listed once with its keys as bound. Left/Right pick the menu, Up/Down the entry,
//! Enter runs it, Esc closes.

use crossterm::event::{KeyCode, KeyEvent};

use crate::key_table::{Binding, KeyTable, key};
use crate::keymap::{Action, MenuArea};

use super::layers::{KeyAnswer, Layer, LayerKind};
use super::{App, Cmd};

/// What a key does in the menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuKey {
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    Run,
    Close,
}

/// The menu's keys (and its F1 line).
pub const MENU_KEYS: KeyTable<MenuKey> = KeyTable {
    title: "In the menu (F9)",
    bindings: &[
        Binding {
            keys: &[key(KeyCode::Left)],
            also: &[],
            action: MenuKey::Left,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Right), key(KeyCode::Tab)],
            also: &[],
            action: MenuKey::Right,
            help: Some(("Left/Right", "menu")),
        },
        Binding {
            keys: &[key(KeyCode::Up)],
            also: &[],
            action: MenuKey::Up,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Down)],
            also: &[],
            action: MenuKey::Down,
            help: Some(("Up/Down", "entry")),
        },
        Binding {
            keys: &[key(KeyCode::Home), key(KeyCode::PageUp)],
            also: &[],
            action: MenuKey::Home,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::End), key(KeyCode::PageDown)],
            also: &[],
            action: MenuKey::End,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Enter)],
            also: &[],
            action: MenuKey::Run,
            help: Some(("Enter", "run it")),
        },
        Binding {
            keys: &[key(KeyCode::Esc), key(KeyCode::F(10))],
            also: &[Action::Menu],
            action: MenuKey::Close,
            help: Some(("Esc/F9", "close")),
        },
    ],
};

/// The open menu: which area, which entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Menu {
    pub area: usize,
    pub item: usize,
}

impl Menu {
    pub fn area(&self) -> MenuArea {
        MenuArea::ALL[self.area % MenuArea::ALL.len()]
    }
}

impl App {
    pub(super) fn open_menu(&mut self) -> Vec<Cmd> {
        self.layers.push(Layer::Menu(Menu::default()));
        Vec::new()
    }

    pub(super) fn menu_key(&mut self, key: KeyEvent) -> KeyAnswer {
        let pane_action = self.keymap.action(&key);
        let Some(mut menu) = self.layers.menu().copied() else {
            return KeyAnswer::Pass;
        };
        let n_areas = MenuArea::ALL.len();
        let items = self.keymap.menu(menu.area());
        let last = items.len().saturating_sub(1);
        match MENU_KEYS.action(&key, pane_action) {
            Some(MenuKey::Left) => {
                menu = Menu {
                    area: (menu.area + n_areas - 1) % n_areas,
                    item: 0,
                }
            }
            Some(MenuKey::Right) => {
                menu = Menu {
                    area: (menu.area + 1) % n_areas,
                    item: 0,
                }
            }
            Some(MenuKey::Up) => menu.item = menu.item.checked_sub(1).unwrap_or(last),
            Some(MenuKey::Down) => menu.item = if menu.item >= last { 0 } else { menu.item + 1 },
            Some(MenuKey::Home) => menu.item = 0,
            Some(MenuKey::End) => menu.item = last,
            Some(MenuKey::Close) => return KeyAnswer::Close(Vec::new()),
            Some(MenuKey::Run) => {
                self.layers.close(LayerKind::Menu);
                return match items.get(menu.item) {
                    Some((action, _)) => KeyAnswer::Consumed(self.do_action(*action)),
                    None => KeyAnswer::Consumed(Vec::new()),
                };
            }
            None => {
                if let Some(name) = super::unbound::key_name(&key) {
                    self.set_status(
                        format!("{name}: no action in the menu — F1 lists the keys"),
                        false,
                    );
                }
            }
        }
        if let Some(m) = self.layers.menu_mut() {
            *m = menu;
        }
        KeyAnswer::Consumed(Vec::new())
    }
}
