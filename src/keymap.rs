//! Keys → named actions. One table feeds the key handling, the F1 help, the function-key
//! bar and the user's overrides (`[keys]` in the config file: `copy = "F5"`,
//! `quit = "ctrl-q, F10"`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can do in the panes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Help,
    View,
    Copy,
    Move,
    Rename,
    Mkdir,
    Delete,
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Open,
    Parent,
    SwitchPane,
    Select,
    InvertSelection,
    SelectGlob,
    UnselectGlob,
    Reload,
    Filter,
    Jump,
    ToggleHidden,
    SortName,
    SortExtension,
    SortSize,
    SortTime,
    SortReverse,
    Jobs,
    Suspend,
    Share,
    ShareWithOptions,
    SharePanel,
    Search,
    Connect,
    Messages,
    SwapPanels,
    OtherToThis,
    OtherToCursor,
    Back,
    Forward,
    History,
    Hotlist,
    QuickCd,
    DirSize,
    QuickView,
    Menu,
    Subshell,
    Edit,
    CompareFolders,
    ShareMail,
    Sync,
}

/// The menus of the F9 menu bar, in order; every action is in one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuArea {
    File,
    Panel,
    Command,
    Nas,
    Help,
}

impl MenuArea {
    pub const ALL: [MenuArea; 5] = [
        MenuArea::File,
        MenuArea::Panel,
        MenuArea::Command,
        MenuArea::Nas,
        MenuArea::Help,
    ];

    pub fn title(self) -> &'static str {
        match self {
            MenuArea::File => "File",
            MenuArea::Panel => "Panel",
            MenuArea::Command => "Command",
            MenuArea::Nas => "NAS",
            MenuArea::Help => "Help",
        }
    }
}

struct ActionInfo {
    action: Action,
    name: &'static str,
    /// The F9 menu this action is listed in.
    menu: MenuArea,
    /// Short label for the function-key bar, if it has a slot there.
    bar: Option<&'static str>,
    description: &'static str,
    keys: &'static [&'static str],
}

/// The table: name, bar label, one-line description and default keys.
const ACTIONS: &[ActionInfo] = &[
    ActionInfo {
        action: Action::Help,
        name: "help",
        menu: MenuArea::Help,
        bar: Some("Help"),
        description: "Show this list of keys",
        keys: &["F1"],
    },
    ActionInfo {
        action: Action::View,
        name: "view",
        menu: MenuArea::File,
        bar: Some("View"),
        description: "View the file (text pager, or hex for binary)",
        keys: &["F3"],
    },
    ActionInfo {
        action: Action::Copy,
        name: "copy",
        menu: MenuArea::File,
        bar: Some("Copy"),
        description: "Copy the selection (or the file under the cursor) to the other pane",
        keys: &["F5"],
    },
    ActionInfo {
        action: Action::Move,
        name: "move",
        menu: MenuArea::File,
        bar: Some("RenMov"),
        description: "Move/rename the selection (warns if a job uses it)",
        keys: &["F6"],
    },
    ActionInfo {
        action: Action::Rename,
        name: "rename",
        menu: MenuArea::File,
        bar: None,
        description: "Rename the entry under the cursor in its folder",
        keys: &["shift-F6"],
    },
    ActionInfo {
        action: Action::Mkdir,
        name: "mkdir",
        menu: MenuArea::File,
        bar: Some("Mkdir"),
        description: "Make a folder",
        keys: &["F7"],
    },
    ActionInfo {
        action: Action::Delete,
        name: "delete",
        menu: MenuArea::File,
        bar: Some("Delete"),
        description: "Delete the selection (asks first; warns if a job still uses it)",
        keys: &["F8", "delete"],
    },
    ActionInfo {
        action: Action::Quit,
        name: "quit",
        menu: MenuArea::File,
        bar: Some("Quit"),
        description: "Quit nascmd",
        keys: &["F10"],
    },
    ActionInfo {
        action: Action::Up,
        name: "up",
        menu: MenuArea::Panel,
        bar: None,
        description: "Cursor up",
        keys: &["up"],
    },
    ActionInfo {
        action: Action::Down,
        name: "down",
        menu: MenuArea::Panel,
        bar: None,
        description: "Cursor down",
        keys: &["down"],
    },
    ActionInfo {
        action: Action::PageUp,
        name: "page_up",
        menu: MenuArea::Panel,
        bar: None,
        description: "One screen up",
        keys: &["pageup"],
    },
    ActionInfo {
        action: Action::PageDown,
        name: "page_down",
        menu: MenuArea::Panel,
        bar: None,
        description: "One screen down",
        keys: &["pagedown"],
    },
    ActionInfo {
        action: Action::Home,
        name: "home",
        menu: MenuArea::Panel,
        bar: None,
        description: "First entry",
        keys: &["home"],
    },
    ActionInfo {
        action: Action::End,
        name: "end",
        menu: MenuArea::Panel,
        bar: None,
        description: "Last entry",
        keys: &["end"],
    },
    ActionInfo {
        action: Action::Open,
        name: "open",
        menu: MenuArea::Panel,
        bar: None,
        description: "Open the folder (or view the file) under the cursor",
        keys: &["enter", "right"],
    },
    ActionInfo {
        action: Action::Parent,
        name: "parent",
        menu: MenuArea::Panel,
        bar: None,
        description: "Go up to the parent folder",
        keys: &["backspace", "left"],
    },
    ActionInfo {
        action: Action::SwitchPane,
        name: "switch_pane",
        menu: MenuArea::Panel,
        bar: None,
        description: "Switch to the other pane",
        keys: &["tab"],
    },
    ActionInfo {
        action: Action::Select,
        name: "select",
        menu: MenuArea::File,
        bar: None,
        description: "Select / unselect the entry and move down",
        keys: &["insert", "space"],
    },
    ActionInfo {
        action: Action::InvertSelection,
        name: "invert_selection",
        menu: MenuArea::File,
        bar: None,
        description: "Invert the selection",
        keys: &["*"],
    },
    ActionInfo {
        action: Action::SelectGlob,
        name: "select_glob",
        menu: MenuArea::File,
        bar: None,
        description: "Select entries matching a pattern (*.txt)",
        keys: &["+"],
    },
    ActionInfo {
        action: Action::UnselectGlob,
        name: "unselect_glob",
        menu: MenuArea::File,
        bar: None,
        description: "Unselect entries matching a pattern",
        keys: &["-"],
    },
    ActionInfo {
        action: Action::Reload,
        name: "reload",
        menu: MenuArea::Panel,
        bar: None,
        description: "Reload both panes",
        keys: &["ctrl-r"],
    },
    ActionInfo {
        action: Action::Filter,
        name: "filter",
        menu: MenuArea::Panel,
        bar: None,
        description: "Quick filter: type to narrow the listing (Esc clears)",
        keys: &["/"],
    },
    ActionInfo {
        action: Action::Jump,
        name: "jump",
        menu: MenuArea::Panel,
        bar: None,
        description: "Jump to a name as you type (again: next match)",
        keys: &["ctrl-s", "alt-s"],
    },
    ActionInfo {
        action: Action::ToggleHidden,
        name: "toggle_hidden",
        menu: MenuArea::Panel,
        bar: None,
        description: "Show / hide hidden files",
        keys: &["alt-."],
    },
    ActionInfo {
        action: Action::SortName,
        name: "sort_name",
        menu: MenuArea::Panel,
        bar: None,
        description: "Sort by name (again: reverse)",
        keys: &["alt-1"],
    },
    ActionInfo {
        action: Action::SortExtension,
        name: "sort_extension",
        menu: MenuArea::Panel,
        bar: None,
        description: "Sort by extension (again: reverse)",
        keys: &["alt-2"],
    },
    ActionInfo {
        action: Action::SortSize,
        name: "sort_size",
        menu: MenuArea::Panel,
        bar: None,
        description: "Sort by size (again: reverse)",
        keys: &["alt-3"],
    },
    ActionInfo {
        action: Action::SortTime,
        name: "sort_time",
        menu: MenuArea::Panel,
        bar: None,
        description: "Sort by modification time (again: reverse)",
        keys: &["alt-4"],
    },
    ActionInfo {
        action: Action::SortReverse,
        name: "sort_reverse",
        menu: MenuArea::Panel,
        bar: None,
        description: "Reverse the sort order",
        keys: &["alt-r"],
    },
    ActionInfo {
        action: Action::Jobs,
        name: "jobs",
        menu: MenuArea::Command,
        bar: None,
        description: "Go to the jobs panel (Del: cancel a job; r: resume a paused (restored) one, x: forget it; Esc: back)",
        keys: &["alt-j"],
    },
    ActionInfo {
        action: Action::Suspend,
        name: "suspend",
        menu: MenuArea::Command,
        bar: None,
        description: "Suspend to the shell (fg to return)",
        keys: &["ctrl-z"],
    },
    ActionInfo {
        action: Action::Share,
        name: "share",
        menu: MenuArea::Nas,
        bar: Some("Link"),
        description: "NAS: share link(s) for the selection, URLs to the clipboard (a live one is reused)",
        keys: &["F2"],
    },
    ActionInfo {
        action: Action::ShareWithOptions,
        name: "share_options",
        menu: MenuArea::Nas,
        bar: None,
        description: "NAS: share link(s), asking for expiry, access code and host first",
        keys: &["alt-l", "shift-F2"],
    },
    ActionInfo {
        action: Action::SharePanel,
        name: "share_panel",
        menu: MenuArea::Nas,
        bar: None,
        description: "NAS: the share panel, every link of this NAS (copy, change, revoke)",
        keys: &["ctrl-l"],
    },
    ActionInfo {
        action: Action::ShareMail,
        name: "share_mail",
        menu: MenuArea::Nas,
        bar: None,
        description: "NAS: e-mail a new link to the file under the cursor, sent by the NAS (in the share panel: to the link's file)",
        keys: &["m"],
    },
    ActionInfo {
        action: Action::Search,
        name: "search",
        menu: MenuArea::Command,
        bar: Some("Find"),
        description: "Find files by name from the current folder (on a NAS, searched there)",
        keys: &["alt-?"],
    },
    ActionInfo {
        action: Action::Connect,
        name: "connect",
        menu: MenuArea::Nas,
        bar: None,
        description: "Open a NAS in this pane (NAME:/path, qnap://user@host:port/Share, freebox://host)",
        keys: &["alt-n"],
    },
    ActionInfo {
        action: Action::Messages,
        name: "messages",
        menu: MenuArea::Help,
        bar: None,
        description: "The recent status messages, whole (the last 100, newest first)",
        keys: &["alt-m"],
    },
    ActionInfo {
        action: Action::SwapPanels,
        name: "swap_panels",
        menu: MenuArea::Panel,
        bar: None,
        description: "Swap the two panes",
        keys: &["ctrl-u"],
    },
    ActionInfo {
        action: Action::OtherToThis,
        name: "other_to_this",
        menu: MenuArea::Panel,
        bar: None,
        description: "Show this folder in the other pane (same kind of pane)",
        keys: &["alt-i"],
    },
    ActionInfo {
        action: Action::OtherToCursor,
        name: "other_to_cursor",
        menu: MenuArea::Panel,
        bar: None,
        description: "Open the folder under the cursor in the other pane (same kind of pane)",
        keys: &["alt-o"],
    },
    ActionInfo {
        action: Action::Back,
        name: "back",
        menu: MenuArea::Panel,
        bar: None,
        description: "Back to the previous folder of this pane",
        keys: &["alt-y"],
    },
    ActionInfo {
        action: Action::Forward,
        name: "forward",
        menu: MenuArea::Panel,
        bar: None,
        description: "Forward again in this pane's folder history",
        keys: &["alt-u"],
    },
    ActionInfo {
        action: Action::History,
        name: "history",
        menu: MenuArea::Panel,
        bar: None,
        description: "This pane's folder history, to pick one",
        keys: &["alt-h"],
    },
    ActionInfo {
        action: Action::Hotlist,
        name: "hotlist",
        menu: MenuArea::Command,
        bar: None,
        description: "The folder hotlist: bookmarks of local and NAS folders (add, remove, go)",
        // The terminal sends Ctrl-\ as byte 0x1c, which crossterm reports as Ctrl-4.
        keys: &["ctrl-\\", "ctrl-4"],
    },
    ActionInfo {
        action: Action::QuickCd,
        name: "quick_cd",
        menu: MenuArea::Command,
        bar: None,
        description: "Quick cd: go to a path, NAME:/path or a NAS URL in this pane",
        keys: &["alt-c"],
    },
    ActionInfo {
        action: Action::DirSize,
        name: "dir_size",
        menu: MenuArea::Command,
        bar: None,
        description: "Size of the folder under the cursor or of the selection, all inside counted",
        // The terminal sends Ctrl-Space as NUL, which crossterm reports as Ctrl-Space;
        // some report Ctrl-@ (the same byte).
        keys: &["ctrl-space", "ctrl-@"],
    },
    ActionInfo {
        action: Action::QuickView,
        name: "quick_view",
        menu: MenuArea::Panel,
        bar: None,
        description: "Quick view: the other pane shows the file under the cursor (text or hex); again: back",
        keys: &["ctrl-q"],
    },
    ActionInfo {
        action: Action::Menu,
        name: "menu",
        menu: MenuArea::Help,
        bar: Some("Menu"),
        description: "The menu bar: every action by area (arrows, Enter, Esc)",
        keys: &["F9"],
    },
    ActionInfo {
        action: Action::Subshell,
        name: "subshell",
        menu: MenuArea::Command,
        bar: None,
        description: "A shell in the local pane's folder; the commander comes back when it exits",
        keys: &["ctrl-o"],
    },
    ActionInfo {
        action: Action::Edit,
        name: "edit",
        menu: MenuArea::File,
        bar: Some("Edit"),
        description: "Edit the file with $EDITOR (default vi); a NAS file is fetched aside (Esc cancels) and written back if it changed; changed on the NAS meanwhile, you choose: save beside, overwrite, keep it",
        keys: &["F4"],
    },
    ActionInfo {
        action: Action::CompareFolders,
        name: "compare_folders",
        menu: MenuArea::Command,
        bar: None,
        description: "Compare the two panels' folders: select what differs or is on one side only",
        // mc's Ctrl-X d: a two-key binding (Ctrl-X, then d).
        keys: &["ctrl-x d"],
    },
    ActionInfo {
        action: Action::Sync,
        name: "sync",
        menu: MenuArea::Command,
        bar: None,
        description: "Sync the two panels' folders: direction, deletes, globs, compare; then a plan preview to tick, and Run as one job",
        // mc has none; Ctrl-X s sits beside Compare (Ctrl-X d).
        keys: &["ctrl-x s"],
    },
];

impl Action {
    fn info(self) -> &'static ActionInfo {
        ACTIONS
            .iter()
            .find(|i| i.action == self)
            .unwrap_or(&ACTIONS[0])
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn description(self) -> &'static str {
        self.info().description
    }

    pub fn bar_label(self) -> Option<&'static str> {
        self.info().bar
    }

    pub fn from_name(name: &str) -> Option<Action> {
        ACTIONS.iter().find(|i| i.name == name).map(|i| i.action)
    }

    pub fn menu_area(self) -> MenuArea {
        self.info().menu
    }

    pub fn all() -> impl Iterator<Item = Action> {
        ACTIONS.iter().map(|i| i.action)
    }
}

/// A key with its modifiers, normalised (Shift is dropped for characters: `*` arrives
/// with or without it depending on the terminal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match ev.code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(if mods.is_empty() {
                    c
                } else {
                    c.to_ascii_lowercase()
                })
            }
            KeyCode::BackTab => KeyCode::Tab,
            c => c,
        };
        Key { code, mods }
    }

    /// Parses `F5`, `ctrl-r`, `alt-.`, `insert`, `space`, `*`.
    pub fn parse(s: &str) -> Result<Key, KeymapError> {
        let bad = || KeymapError::BadKey(s.to_owned());
        let s = s.trim();
        let mut mods = KeyModifiers::empty();
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-") {
                mods |= KeyModifiers::ALT;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                KeyCode::F(f[1..].parse().map_err(|_| bad())?)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(bad()),
                }
            }
        };
        Ok(Key::from_event(&KeyEvent::new(code, mods)))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeymapError {
    #[error("unknown key {0:?} in [keys]")]
    BadKey(String),
    #[error("unknown action {0:?} in [keys]")]
    UnknownAction(String),
}

/// The active bindings.
#[derive(Clone, Debug)]
pub struct Keymap {
    by_key: HashMap<Key, Action>,
    by_action: BTreeMap<&'static str, Vec<Key>>,
    /// Two-key bindings (`ctrl-x d`, written with a space): first key, then second.
    chords: HashMap<Key, HashMap<Key, Action>>,
    chords_by_action: BTreeMap<&'static str, Vec<(Key, Key)>>,
}

/// `ctrl-x d` → the two keys; `None` for a single key.
fn parse_chord(s: &str) -> Option<Result<(Key, Key), KeymapError>> {
    let mut parts = s.split_whitespace();
    let (first, second) = (parts.next()?, parts.next()?);
    let bad = || KeymapError::BadKey(s.trim().to_owned());
    Some(
        match (Key::parse(first), Key::parse(second), parts.next()) {
            (Ok(a), Ok(b), None) => Ok((a, b)),
            _ => Err(bad()),
        },
    )
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::with_overrides(&BTreeMap::new()).0
    }
}

impl Keymap {
    /// The defaults with the user's overrides applied: an override replaces all default
    /// keys of that action. Bad entries are skipped and returned, so a typo in the config
    /// is reported but does not stop the program.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> (Keymap, Vec<KeymapError>) {
        let mut errors = Vec::new();
        let mut by_action: BTreeMap<&'static str, Vec<Key>> = BTreeMap::new();
        let mut chords_by_action: BTreeMap<&'static str, Vec<(Key, Key)>> = BTreeMap::new();
        for info in ACTIONS {
            let keys = info
                .keys
                .iter()
                .filter_map(|k| Key::parse(k).ok())
                .collect();
            by_action.insert(info.name, keys);
            let chords = info
                .keys
                .iter()
                .filter_map(|k| parse_chord(k).and_then(Result::ok))
                .collect();
            chords_by_action.insert(info.name, chords);
        }
        for (name, keys) in overrides {
            let Some(action) = Action::from_name(name) else {
                errors.push(KeymapError::UnknownAction(name.clone()));
                continue;
            };
            let mut parsed = Vec::new();
            let mut parsed_chords = Vec::new();
            for k in keys.split(',').filter(|k| !k.trim().is_empty()) {
                match parse_chord(k) {
                    Some(Ok(chord)) => parsed_chords.push(chord),
                    Some(Err(e)) => errors.push(e),
                    None => match Key::parse(k) {
                        Ok(key) => parsed.push(key),
                        Err(e) => errors.push(e),
                    },
                }
            }
            if !parsed.is_empty() || !parsed_chords.is_empty() {
                // A key moved to this action leaves its old one.
                for list in by_action.values_mut() {
                    list.retain(|k| !parsed.contains(k));
                }
                for list in chords_by_action.values_mut() {
                    list.retain(|c| !parsed_chords.contains(c));
                }
                by_action.insert(action.name(), parsed);
                chords_by_action.insert(action.name(), parsed_chords);
            }
        }
        let mut by_key = HashMap::new();
        for (name, keys) in &by_action {
            if let Some(action) = Action::from_name(name) {
                for k in keys {
                    by_key.insert(*k, action);
                }
            }
        }
        let mut chords: HashMap<Key, HashMap<Key, Action>> = HashMap::new();
        for (name, list) in &chords_by_action {
            if let Some(action) = Action::from_name(name) {
                for (first, second) in list {
                    chords.entry(*first).or_default().insert(*second, action);
                }
            }
        }
        (
            Keymap {
                by_key,
                by_action,
                chords,
                chords_by_action,
            },
            errors,
        )
    }

    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        self.by_key.get(&Key::from_event(ev)).copied()
    }

    /// Whether `ev` is the first key of a two-key binding (it then waits for the second).
    pub fn starts_chord(&self, ev: &KeyEvent) -> bool {
        self.chords.contains_key(&Key::from_event(ev))
    }

    /// The action of the two-key binding `first`, then `ev`.
    pub fn chord(&self, first: Key, ev: &KeyEvent) -> Option<Action> {
        self.chords.get(&first)?.get(&Key::from_event(ev)).copied()
    }

    /// Every binding of `action` as the help writes it (`F5`, `Ctrl-X d`).
    pub fn binding_names(&self, action: Action) -> Vec<String> {
        let mut names: Vec<String> = self.keys(action).iter().map(Key::to_string).collect();
        if let Some(chords) = self.chords_by_action.get(action.name()) {
            names.extend(chords.iter().map(|(a, b)| format!("{a} {b}")));
        }
        names
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.by_action
            .get(action.name())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The function-key bar: F1..F10 with the label of what each does.
    pub fn bar(&self) -> Vec<(u8, &'static str)> {
        (1..=10)
            .map(|n| {
                let key = Key {
                    code: KeyCode::F(n),
                    mods: KeyModifiers::empty(),
                };
                let label = self
                    .by_key
                    .get(&key)
                    .and_then(|a| a.bar_label())
                    .unwrap_or("");
                (n, label)
            })
            .collect()
    }

    /// The F9 menu `area`: each of its actions with its keys as bound (table order).
    pub fn menu(&self, area: MenuArea) -> Vec<(Action, String)> {
        Action::all()
            .filter(|a| a.menu_area() == area)
            .map(|a| (a, self.binding_names(a).join(", ")))
            .collect()
    }

    /// Help lines: keys and description of every action, in table order.
    pub fn help_lines(&self) -> Vec<(String, &'static str)> {
        Action::all()
            .map(|a| (self.binding_names(a).join(", "), a.description()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_key_binding_waits_for_its_second_key_and_can_be_moved() {
        let km = Keymap::default();
        let ctrl_x = ev(KeyCode::Char('x'), KeyModifiers::CONTROL);
        assert!(km.starts_chord(&ctrl_x));
        let first = Key::from_event(&ctrl_x);
        let d = ev(KeyCode::Char('d'), KeyModifiers::NONE);
        assert_eq!(km.chord(first, &d), Some(Action::CompareFolders));
        assert_eq!(km.binding_names(Action::CompareFolders), vec!["Ctrl-x d"]);
        let mut o = BTreeMap::new();
        o.insert("compare_folders".to_owned(), "ctrl-x c, F12".to_owned());
        let (km, errors) = Keymap::with_overrides(&o);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(km.chord(first, &d), None);
        let c = ev(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(km.chord(first, &c), Some(Action::CompareFolders));
        assert_eq!(
            km.action(&ev(KeyCode::F(12), KeyModifiers::NONE)),
            Some(Action::CompareFolders)
        );
    }

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_are_mc_keys() {
        let km = Keymap::default();
        assert_eq!(
            km.action(&ev(KeyCode::F(5), KeyModifiers::NONE)),
            Some(Action::Copy)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('*'), KeyModifiers::SHIFT)),
            Some(Action::InvertSelection)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(Action::Reload)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Insert, KeyModifiers::NONE)),
            Some(Action::Select)
        );
        assert_eq!(km.action(&ev(KeyCode::Char('x'), KeyModifiers::NONE)), None);
        let bar = km.bar();
        assert_eq!(bar[4], (5, "Copy"));
        assert_eq!(bar[9], (10, "Quit"));
    }

    #[test]
    fn overrides_replace_and_report_typos() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_owned(), "ctrl-q, F10".to_owned());
        o.insert("copy".to_owned(), "F2".to_owned());
        o.insert("fly".to_owned(), "F11".to_owned());
        o.insert("view".to_owned(), "hyper-x".to_owned());
        let (km, errs) = Keymap::with_overrides(&o);
        assert_eq!(
            km.action(&ev(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action(&ev(KeyCode::F(2), KeyModifiers::NONE)),
            Some(Action::Copy)
        );
        assert_eq!(km.action(&ev(KeyCode::F(5), KeyModifiers::NONE)), None);
        // A bad key leaves the default in place.
        assert_eq!(
            km.action(&ev(KeyCode::F(3), KeyModifiers::NONE)),
            Some(Action::View)
        );
        assert_eq!(errs.len(), 2, "{errs:?}");
    }

    #[test]
    fn every_action_is_in_one_menu() {
        let km = Keymap::default();
        let listed: usize = MenuArea::ALL.iter().map(|a| km.menu(*a).len()).sum();
        assert_eq!(listed, ACTIONS.len());
        assert!(
            km.menu(MenuArea::Command)
                .iter()
                .any(|(a, k)| *a == Action::Search && k == "Alt-?")
        );
        assert_eq!(km.bar()[8], (9, "Menu"));
    }

    #[test]
    fn every_action_has_help() {
        let km = Keymap::default();
        let lines = km.help_lines();
        assert_eq!(lines.len(), ACTIONS.len());
        assert!(lines.iter().all(|(k, d)| !k.is_empty() && !d.is_empty()));
    }
}
