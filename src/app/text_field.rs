//! A key typed into a one-line text field (`tui_input::Input`): an edit, or a chord the
//! field has no use for, which the caller reports as unbound ("Alt-Z: no action here —
//! F1 lists the keys") instead of dropping it silently.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

/// What a key did to a text field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKey {
    /// A key the field knows (typing, Backspace, ←→, Home/End, Ctrl-A/E/U/W/K/Y,
    /// Alt-B/F/D): handled, even where it changed nothing (Backspace at the start).
    Edited,
    /// A chord the field has no use for (Alt-Z, Ctrl-G, F5): the field is unchanged.
    Unbound,
}

/// Gives `key` to `input`. Alt is read as Meta, as readline does (terminals report the
/// Alt key as Alt, tui-input binds its word motions to Meta): Alt-B, Alt-F, Alt-D and
/// Alt-Backspace move or delete by word.
pub fn text_key(input: &mut Input, key: KeyEvent) -> TextKey {
    // tui-input reads Meta-D as "delete the word before"; readline (and so every shell
    // an mc user types in) deletes the word after.
    let alt_d = key.code == KeyCode::Char('d')
        && (key.modifiers == KeyModifiers::ALT || key.modifiers == KeyModifiers::META);
    let request = if alt_d {
        Some(InputRequest::DeleteNextWord)
    } else {
        to_input_request(&Event::Key(key))
    };
    let request = request.or_else(|| {
        (key.modifiers == KeyModifiers::ALT).then(|| {
            let meta = KeyEvent {
                modifiers: KeyModifiers::META,
                ..key
            };
            to_input_request(&Event::Key(meta))
        })?
    });
    match request {
        Some(r) => {
            input.handle(r);
            TextKey::Edited
        }
        None => TextKey::Unbound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(input: &mut Input, code: KeyCode, mods: KeyModifiers) -> TextKey {
        text_key(input, KeyEvent::new(code, mods))
    }

    #[test]
    fn typing_edits_and_chords_the_field_has_no_use_for_are_unbound() {
        let mut input = Input::new("*.tmp".into());
        assert_eq!(
            press(&mut input, KeyCode::Char('X'), KeyModifiers::SHIFT),
            TextKey::Edited
        );
        assert_eq!(input.value(), "*.tmpX");
        for (code, mods) in [
            (KeyCode::Char('z'), KeyModifiers::ALT),
            (KeyCode::Char('g'), KeyModifiers::CONTROL),
            (KeyCode::F(5), KeyModifiers::NONE),
        ] {
            assert_eq!(press(&mut input, code, mods), TextKey::Unbound, "{code:?}");
        }
        assert_eq!(input.value(), "*.tmpX");
        // Backspace at the start changes nothing but is the field's key.
        let mut empty = Input::default();
        assert_eq!(
            press(&mut empty, KeyCode::Backspace, KeyModifiers::NONE),
            TextKey::Edited
        );
    }

    #[test]
    fn alt_moves_and_deletes_by_word_like_readline() {
        let mut input = Input::new("one two".into());
        assert_eq!(
            press(&mut input, KeyCode::Char('b'), KeyModifiers::ALT),
            TextKey::Edited
        );
        assert_eq!(input.cursor(), 4);
        assert_eq!(
            press(&mut input, KeyCode::Backspace, KeyModifiers::ALT),
            TextKey::Edited
        );
        assert_eq!(input.value(), "two");
        // Alt-D deletes the word after the cursor, as in a shell.
        let mut input = Input::new("one two three".into()).with_cursor(4);
        assert_eq!(
            press(&mut input, KeyCode::Char('d'), KeyModifiers::ALT),
            TextKey::Edited
        );
        assert_eq!(input.value(), "one three");
        assert_eq!(input.cursor(), 4);
    }
}
