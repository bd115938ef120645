//! A small list of folders to pick from, over the panes: the folder history (Alt-H) and
//! the hotlist (Ctrl-\). This is its state and key tables; what picking does is in
//! `history.rs` and `hotlist.rs`.

use crossterm::event::{KeyCode, KeyEvent};

use crate::key_table::{Binding, KeyTable, ch, key};
use crate::keymap::Action;

use super::ids::Side;
use super::places::Place;

/// Which list the picker shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickerKind {
    History,
    Hotlist,
}

/// What a key does in a picker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickerKey {
    Close,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Go,
    Add,
    Remove,
}

// The moves both pickers share (a const is copied where used).
const UP: Binding<PickerKey> = Binding {
    keys: &[key(KeyCode::Up)],
    also: &[],
    action: PickerKey::Up,
    help: None,
};
const DOWN: Binding<PickerKey> = Binding {
    keys: &[key(KeyCode::Down)],
    also: &[],
    action: PickerKey::Down,
    help: None,
};
const PAGE_UP: Binding<PickerKey> = Binding {
    keys: &[key(KeyCode::PageUp)],
    also: &[],
    action: PickerKey::PageUp,
    help: None,
};
const PAGE_DOWN: Binding<PickerKey> = Binding {
    keys: &[key(KeyCode::PageDown)],
    also: &[],
    action: PickerKey::PageDown,
    help: None,
};
const HOME: Binding<PickerKey> = Binding {
    keys: &[key(KeyCode::Home)],
    also: &[],
    action: PickerKey::Home,
    help: None,
};
const END: Binding<PickerKey> = Binding {
    keys: &[key(KeyCode::End)],
    also: &[],
    action: PickerKey::End,
    help: Some(("↑/↓ PgUp/PgDn Home/End", "pick")),
};

/// The history list's keys (and its F1 line).
pub const HISTORY_KEYS: KeyTable<PickerKey> = KeyTable {
    title: "In history (Alt-H)",
    bindings: &[
        UP,
        DOWN,
        PAGE_UP,
        PAGE_DOWN,
        HOME,
        END,
        Binding {
            keys: &[key(KeyCode::Enter)],
            also: &[],
            action: PickerKey::Go,
            help: Some(("Enter", "go there")),
        },
        Binding {
            keys: &[key(KeyCode::Esc), key(KeyCode::F(10))],
            also: &[Action::History],
            action: PickerKey::Close,
            help: Some(("Esc", "close")),
        },
    ],
};

/// The hotlist's keys (and its F1 line).
pub const HOTLIST_KEYS: KeyTable<PickerKey> = KeyTable {
    title: "In hotlist (Ctrl-\\)",
    bindings: &[
        UP,
        DOWN,
        PAGE_UP,
        PAGE_DOWN,
        HOME,
        END,
        Binding {
            keys: &[key(KeyCode::Enter)],
            also: &[],
            action: PickerKey::Go,
            help: Some(("Enter", "go there")),
        },
        Binding {
            keys: &[key(KeyCode::Insert), ch('a')],
            also: &[],
            action: PickerKey::Add,
            help: Some(("Ins/a", "add this pane's folder")),
        },
        Binding {
            keys: &[key(KeyCode::Delete), ch('d')],
            also: &[],
            action: PickerKey::Remove,
            help: Some(("Del/d", "remove")),
        },
        Binding {
            keys: &[key(KeyCode::Esc), key(KeyCode::F(10))],
            also: &[Action::Hotlist],
            action: PickerKey::Close,
            help: Some(("Esc", "close")),
        },
    ],
};

/// The picker layer.
#[derive(Clone, Debug)]
pub struct Picker {
    pub kind: PickerKind,
    /// The pane a picked place opens in.
    pub side: Side,
    pub places: Vec<Place>,
    pub cursor: usize,
    /// Rows shown (set when drawn, for PgUp/PgDn).
    pub page: usize,
}

impl Picker {
    pub fn new(kind: PickerKind, side: Side, places: Vec<Place>, cursor: usize) -> Picker {
        Picker {
            kind,
            side,
            places,
            cursor,
            page: 10,
        }
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            PickerKind::History => "Folder history",
            PickerKind::Hotlist => "Folder hotlist",
        }
    }

    pub fn keys(&self) -> &'static KeyTable<PickerKey> {
        match self.kind {
            PickerKind::History => &HISTORY_KEYS,
            PickerKind::Hotlist => &HOTLIST_KEYS,
        }
    }

    /// The key's meaning here; cursor moves are done at once.
    pub fn on_key(&mut self, ev: &KeyEvent, pane_action: Option<Action>) -> Option<PickerKey> {
        let action = self.keys().action(ev, pane_action)?;
        let last = self.places.len().saturating_sub(1);
        let page = self.page.max(2) - 1;
        self.cursor = match action {
            PickerKey::Up => self.cursor.saturating_sub(1),
            PickerKey::Down => (self.cursor + 1).min(last),
            PickerKey::PageUp => self.cursor.saturating_sub(page),
            PickerKey::PageDown => (self.cursor + page).min(last),
            PickerKey::Home => 0,
            PickerKey::End => last,
            _ => self.cursor.min(last),
        };
        Some(action)
    }

    pub fn selected(&self) -> Option<&Place> {
        self.places.get(self.cursor)
    }
}
