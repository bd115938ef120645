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
            "In a text field".to_owned(),
            "Ctrl-A/E start/end, Alt-B/F a word back/forward, Alt-Backspace deletes the word before, Alt-D to the end of the word, Ctrl-W back to a space, Ctrl-U back to the start, Ctrl-K to the end, Ctrl-Y puts back what went".to_owned(),
        ),
        (
            "Any other key".to_owned(),
            "Says on the status line that it does nothing here (in the viewer: on its bottom line, for a moment)".to_owned(),
        ),
    ]
}

impl App {
    /// A key the focused layer or field has no use for: F1 opens the help over
    /// everything (it lists every layer's keys), any other key says it does nothing here.
    pub(super) fn unbound_key(&mut self, key: &KeyEvent) {
        if self.keymap.action(key) == Some(crate::keymap::Action::Help) {
            self.layers
                .push_over_all(super::layers::Layer::Dialog(super::dialog::Dialog::Help {
                    scroll: 0,
                }));
        } else {
            self.no_action(key);
        }
    }

    /// Tells the user `key` does nothing in the panes.
    pub(super) fn no_action(&mut self, key: &KeyEvent) {
        if let Some(name) = key_name(key) {
            self.set_status(format!("{name}: no action here — F1 lists the keys"), false);
        }
    }
}

/// How long the viewer's hint line gives way to "no action here".
pub(super) const VIEWER_NOTE_FOR: std::time::Duration = std::time::Duration::from_secs(3);

impl App {
    /// Tells the user `key` does nothing in the full-screen viewer, on its hint line
    /// (the status line is under the viewer) until the next key or
    /// [`VIEWER_NOTE_FOR`]; `token` names the timer that takes the note away.
    pub(super) fn viewer_no_action(&mut self, key: &KeyEvent, token: u64) -> Vec<super::Cmd> {
        let Some(name) = key_name(key) else {
            return Vec::new();
        };
        let text = format!("{name}: no action here — F1 lists the keys");
        self.messages.push(super::Status {
            text: text.clone(),
            error: false,
        });
        let Some(v) = self.layers.viewer_mut() else {
            return Vec::new();
        };
        v.note = Some((token, text));
        vec![super::Cmd::After {
            delay: VIEWER_NOTE_FOR,
            msg: Box::new(super::Msg::ViewerNoteExpired(token)),
        }]
    }

    /// The viewer's note timer `token` ran out: the hint comes back (unless a newer
    /// note replaced it).
    pub(super) fn viewer_note_expired(&mut self, token: u64) -> bool {
        match self.layers.viewer_mut() {
            Some(v) if v.note.as_ref().is_some_and(|(t, _)| *t == token) => {
                v.note = None;
                true
            }
            _ => false,
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
