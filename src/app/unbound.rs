//! A key nothing is bound to says so on the status line instead of doing nothing silently
//! ("Alt-Z: no action here — F1 lists the keys").

use crossterm::event::{KeyCode, KeyEvent};

use crate::keymap::Key;

use super::App;

/// F1 lines for what the new layers and keys do beyond the keymap's own lines.
pub(super) fn help_lines() -> Vec<(String, String)> {
    vec![
        super::picker::HISTORY_KEYS.help_line(),
        super::picker::HOTLIST_KEYS.help_line(),
        super::menu::MENU_KEYS.help_line(),
        (
            "Double click".to_owned(),
            "On a pane row: open the folder or view the file".to_owned(),
        ),
        (
            "Any other key".to_owned(),
            "Says on the status line that it does nothing here".to_owned(),
        ),
    ]
}

impl App {
    /// Tells the user `key` does nothing in the panes.
    pub(super) fn no_action(&mut self, key: &KeyEvent) {
        if let Some(name) = key_name(key) {
            self.set_status(format!("{name}: no action here — F1 lists the keys"), false);
        }
    }
}

/// The key as the help writes it, letters in capitals with a modifier (`Alt-Z`,
/// `Ctrl-K`); `None` for what is not a key of its own (a lone modifier) or needs no word
/// (Esc with nothing to close).
pub(super) fn key_name(key: &KeyEvent) -> Option<String> {
    if matches!(
        key.code,
        KeyCode::Modifier(_) | KeyCode::Esc | KeyCode::Null
    ) {
        return None;
    }
    let mut k = Key::from_event(key);
    if !k.mods.is_empty()
        && let KeyCode::Char(c) = k.code
    {
        k.code = KeyCode::Char(c.to_ascii_uppercase());
    }
    Some(k.to_string())
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyModifiers;

    use super::*;

    #[test]
    fn keys_are_named_like_the_help() {
        let name = |code, mods| key_name(&KeyEvent::new(code, mods));
        assert_eq!(
            name(KeyCode::Char('z'), KeyModifiers::ALT).as_deref(),
            Some("Alt-Z")
        );
        assert_eq!(
            name(KeyCode::Char('x'), KeyModifiers::NONE).as_deref(),
            Some("x")
        );
        assert_eq!(
            name(KeyCode::F(11), KeyModifiers::NONE).as_deref(),
            Some("F11")
        );
        assert_eq!(name(KeyCode::Esc, KeyModifiers::NONE), None);
    }
}
