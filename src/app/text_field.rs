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
    /// Alt-B/F/D, Alt-Backspace): handled, even where it changed nothing (Backspace at
    /// the start).
    Edited,
    /// A chord the field has no use for (Alt-Z, Ctrl-G, F5): the field is unchanged.
    Unbound,
}

/// Gives `key` to `input`. Alt is read as Meta, as readline does (terminals report the
/// Alt key as Alt, tui-input binds its word motions to Meta). The word keys are
/// readline's own ([`word_key`]); the rest is tui-input's.
pub fn text_key(input: &mut Input, key: KeyEvent) -> TextKey {
    if let Some(word) = word_key(key) {
        word.apply(input);
        return TextKey::Edited;
    }
    let request = to_input_request(&Event::Key(key)).or_else(|| {
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

/// The word keys, as readline (and so every shell an mc user types in) has them. A
/// word is a run of letters and digits: `foo_bar.txt` is three.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WordKey {
    /// Alt-F, Ctrl-→ (forward-word): to the end of this or the next word.
    Forward,
    /// Alt-B, Ctrl-← (backward-word): to the start of this or the previous word.
    Backward,
    /// Alt-D, Ctrl-Delete (kill-word): from the cursor to where Alt-F goes; the space
    /// after the word stays.
    KillForward,
    /// Alt-Backspace (backward-kill-word): from where Alt-B goes to the cursor.
    KillBackward,
    /// Ctrl-W (unix-word-rubout): back to the previous space, whatever the characters.
    Rubout,
    /// Ctrl-U (unix-line-discard): from the start of the line to the cursor; what is
    /// after the cursor stays.
    KillToStart,
    /// Ctrl-K (kill-line): from the cursor to the end of the line.
    KillToEnd,
}

fn word_key(key: KeyEvent) -> Option<WordKey> {
    let meta = key.modifiers == KeyModifiers::ALT || key.modifiers == KeyModifiers::META;
    let ctrl = key.modifiers == KeyModifiers::CONTROL;
    Some(match key.code {
        KeyCode::Char('f') if meta => WordKey::Forward,
        KeyCode::Right if ctrl => WordKey::Forward,
        KeyCode::Char('b') if meta => WordKey::Backward,
        KeyCode::Left if ctrl => WordKey::Backward,
        KeyCode::Char('d') if meta => WordKey::KillForward,
        KeyCode::Delete if ctrl => WordKey::KillForward,
        KeyCode::Backspace if meta => WordKey::KillBackward,
        KeyCode::Char('w') if ctrl => WordKey::Rubout,
        KeyCode::Char('u') if ctrl => WordKey::KillToStart,
        KeyCode::Char('k') if ctrl => WordKey::KillToEnd,
        _ => return None,
    })
}

impl WordKey {
    fn apply(self, input: &mut Input) {
        let chars: Vec<char> = input.value().chars().collect();
        let at = input.cursor().min(chars.len());
        match self {
            WordKey::Forward => {
                input.handle(InputRequest::SetCursor(word_end(&chars, at)));
            }
            WordKey::Backward => {
                input.handle(InputRequest::SetCursor(word_start(&chars, at)));
            }
            WordKey::KillForward => kill(input, &chars, at, word_end(&chars, at), false),
            WordKey::KillBackward => kill(input, &chars, word_start(&chars, at), at, true),
            WordKey::Rubout => kill(input, &chars, rubout_start(&chars, at), at, true),
            WordKey::KillToStart => kill(input, &chars, 0, at, true),
            WordKey::KillToEnd => kill(input, &chars, at, chars.len(), false),
        }
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

fn word_end(chars: &[char], mut at: usize) -> usize {
    while at < chars.len() && !is_word(chars[at]) {
        at += 1;
    }
    while at < chars.len() && is_word(chars[at]) {
        at += 1;
    }
    at
}

fn word_start(chars: &[char], mut at: usize) -> usize {
    while at > 0 && !is_word(chars[at - 1]) {
        at -= 1;
    }
    while at > 0 && is_word(chars[at - 1]) {
        at -= 1;
    }
    at
}

fn rubout_start(chars: &[char], mut at: usize) -> usize {
    while at > 0 && chars[at - 1].is_whitespace() {
        at -= 1;
    }
    while at > 0 && !chars[at - 1].is_whitespace() {
        at -= 1;
    }
    at
}

/// Removes the characters `from..to` as a kill: Ctrl-Y puts them back, and kills in a
/// row add up (in the order they stood), as in readline. tui-input keeps that text
/// privately, so the kill is made by its own request. A kill of nothing (Ctrl-K at the
/// end) leaves the kill text alone but ends the row, as readline does.
fn kill(input: &mut Input, chars: &[char], from: usize, to: usize, backward: bool) {
    if from >= to {
        input.handle(InputRequest::SetCursor(input.cursor()));
        return;
    }
    let killed: String = chars[from..to].iter().collect();
    let rest: String = chars[..from].iter().chain(&chars[to..]).collect();
    // Ctrl-U's request on the removed text alone: it keeps what it removes before
    // (cursor at the end) or after (at the start) what the kill before it removed.
    let at = if backward { killed.chars().count() } else { 0 };
    let mut cut = std::mem::take(input).with_value(killed).with_cursor(at);
    cut.handle(InputRequest::DeleteLine);
    *input = cut.with_value(rest).with_cursor(from);
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

    /// `text` with `|` for the cursor, after `keys`.
    fn edit(text: &str, keys: &[(KeyCode, KeyModifiers)]) -> String {
        let at = text.find('|').expect("a cursor");
        let mut input = Input::new(text.replace('|', "")).with_cursor(text[..at].chars().count());
        for (code, mods) in keys {
            assert_eq!(press(&mut input, *code, *mods), TextKey::Edited, "{code:?}");
        }
        let mut shown: Vec<char> = input.value().chars().collect();
        shown.insert(input.cursor(), '|');
        shown.into_iter().collect()
    }

    const ALT: KeyModifiers = KeyModifiers::ALT;
    const CTRL: KeyModifiers = KeyModifiers::CONTROL;

    /// Each case checked against bash 5.2 (emacs mode) with the same keys.
    #[test]
    fn word_keys_do_what_readline_does() {
        let d = (KeyCode::Char('d'), ALT);
        let f = (KeyCode::Char('f'), ALT);
        let b = (KeyCode::Char('b'), ALT);
        let bs = (KeyCode::Backspace, ALT);
        let w = (KeyCode::Char('w'), CTRL);
        for (before, keys, after) in [
            // Alt-D: to the end of the word; the space after it stays.
            ("one |two three", vec![d], "one | three"),
            ("one t|wo three", vec![d], "one t| three"),
            ("one| two three", vec![d], "one| three"),
            ("|a.b c", vec![d], "|.b c"),
            ("one two|", vec![d], "one two|"),
            (
                "one |two three",
                vec![(KeyCode::Delete, CTRL)],
                "one | three",
            ),
            // Alt-F to the end of a word, Alt-B to its start.
            ("one |two three", vec![f], "one two| three"),
            ("|one two three", vec![f, f], "one two| three"),
            ("one two three|", vec![b], "one two |three"),
            ("one two three |", vec![b], "one two |three "),
            (
                "one two| three",
                vec![(KeyCode::Left, CTRL)],
                "one |two three",
            ),
            // Alt-Backspace: letters and digits only; Ctrl-W: back to a space.
            ("foo.bar|", vec![bs], "foo.|"),
            ("foo_bar|", vec![bs], "foo_|"),
            ("one two  |", vec![bs], "one |"),
            ("été ça|", vec![bs], "été |"),
            ("*.tmp foo-bar.txt  |", vec![w], "*.tmp |"),
            ("foo/bar.txt|", vec![w], "|"),
            ("a b|c", vec![w], "a |c"),
        ] {
            assert_eq!(edit(before, &keys), after, "{before:?} {keys:?}");
        }
    }

    /// Each case checked against bash 5.2 (emacs mode) with the same keys.
    #[test]
    fn ctrl_u_and_ctrl_k_kill_to_either_end_of_the_line_as_readline_does() {
        let u = (KeyCode::Char('u'), CTRL);
        let k = (KeyCode::Char('k'), CTRL);
        let y = (KeyCode::Char('y'), CTRL);
        let end = (KeyCode::End, KeyModifiers::NONE);
        for (before, keys, after) in [
            // Ctrl-U: from the start to the cursor; what follows stays.
            ("one two |three", vec![u], "|three"),
            ("one two |three", vec![u, y], "one two |three"),
            ("one two three|", vec![u], "|"),
            ("|one", vec![u], "|one"),
            // Ctrl-K: from the cursor to the end.
            ("ab| cd", vec![k], "ab|"),
            (
                "ab| cd",
                vec![k, (KeyCode::Home, KeyModifiers::NONE), y],
                " cd|ab",
            ),
            // In a row they add up in the order the text stood.
            ("ab |cd", vec![k, u, y], "ab cd|"),
            ("ab |cd", vec![u, k, y], "ab cd|"),
            ("été |ça", vec![u, end, y], "çaété |"),
            // Ctrl-U at the start kills nothing and ends the row: Ctrl-K then kills alone.
            ("|ab cd", vec![u, k, y], "ab cd|"),
        ] {
            assert_eq!(edit(before, &keys), after, "{before:?} {keys:?}");
        }
        // A kill of nothing keeps what the last kill took (bash: "foo bar" C-w x C-k C-y).
        assert_eq!(
            edit(
                "foo bar|",
                &[
                    (KeyCode::Char('w'), CTRL),
                    (KeyCode::Char('x'), KeyModifiers::NONE),
                    k,
                    y
                ]
            ),
            "foo xbar|"
        );
    }

    #[test]
    fn word_kills_are_put_back_by_ctrl_y_and_add_up_in_a_row() {
        let y = (KeyCode::Char('y'), CTRL);
        let d = (KeyCode::Char('d'), ALT);
        let w = (KeyCode::Char('w'), CTRL);
        // Two Alt-D in a row: both words come back, in their order.
        assert_eq!(
            edit(
                "|one two three",
                &[d, d, (KeyCode::End, KeyModifiers::NONE), y]
            ),
            " threeone two|"
        );
        // Backward kills in a row come back in the order they stood.
        assert_eq!(
            edit("a b c|", &[w, w, (KeyCode::Home, KeyModifiers::NONE), y]),
            "b c|a "
        );
        // An empty kill between two kills ends the row, as a move does.
        assert_eq!(
            edit("ab cd|", &[w, (KeyCode::Char('k'), CTRL), w, y]),
            "ab |"
        );
        // A move between two kills: only the last comes back.
        assert_eq!(
            edit(
                "one two three|",
                &[w, (KeyCode::Left, KeyModifiers::NONE), w, y]
            ),
            "one two| "
        );
    }
}
