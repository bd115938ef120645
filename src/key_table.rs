//! Key tables of the modal layers (viewer, share panel and form, search results, conflict
//! dialog, jobs panel): each layer lists its keys once — which keys, what they do, and
//! the words the F1 help shows — and the same table answers "what does this key do here"
//! and writes the layer's help line. The panes' own keys are in [`crate::keymap`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::keymap::Action;
#[cfg(doc)]
use crate::keymap::Keymap;

/// A key code and the modifiers it needs (more may be held: `F8` also answers Ctrl-F8,
/// as the layers always have; put `Shift-F8` before `F8` to tell them apart). A
/// character is the exception: only Shift may be added, so Alt-z or Ctrl-z is not `z`
/// (it reaches the binding it has, or is said to have none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// A key with no modifier needed.
pub const fn key(code: KeyCode) -> Chord {
    Chord {
        code,
        mods: KeyModifiers::NONE,
    }
}

/// A character key.
pub const fn ch(c: char) -> Chord {
    key(KeyCode::Char(c))
}

/// Ctrl and a character.
pub const fn ctrl(c: char) -> Chord {
    Chord {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

/// Shift and a key.
pub const fn shift(code: KeyCode) -> Chord {
    Chord {
        code,
        mods: KeyModifiers::SHIFT,
    }
}

impl Chord {
    fn matches(&self, ev: &KeyEvent) -> bool {
        let extra = ev.modifiers.difference(self.mods);
        self.code == ev.code
            && ev.modifiers.contains(self.mods)
            && (!matches!(self.code, KeyCode::Char(_)) || plain(extra))
    }
}

/// Whether `mods` are none or only Shift: a character typed as itself, not Alt-z or
/// Ctrl-z (for the layers that read characters without a [`KeyTable`]).
pub fn plain(mods: KeyModifiers) -> bool {
    mods.difference(KeyModifiers::SHIFT).is_empty()
}

/// One line of a layer's table.
pub struct Binding<A: 'static> {
    pub keys: &'static [Chord],
    /// Pane actions whose keys (as the user bound them in `[keys]`) also do this here,
    /// e.g. the share panel's own key closes it.
    pub also: &'static [Action],
    pub action: A,
    /// What F1 shows: the keys as written for people, and what they do. `None` for
    /// keys the help leaves out (or covers in another line's words).
    pub help: Option<(&'static str, &'static str)>,
}

/// The keys of one layer, first match wins.
pub struct KeyTable<A: 'static> {
    /// The help line's left column (`In share panel`).
    pub title: &'static str,
    pub bindings: &'static [Binding<A>],
}

impl<A: Copy> KeyTable<A> {
    /// What `ev` does in this layer, if anything; `pane_action` is what the keymap
    /// makes of it in the panes ([`Keymap::action`]), for the bindings' `also`.
    pub fn action(&self, ev: &KeyEvent, pane_action: Option<Action>) -> Option<A> {
        self.bindings
            .iter()
            .find(|b| {
                b.keys.iter().any(|k| k.matches(ev))
                    || pane_action.is_some_and(|a| b.also.contains(&a))
            })
            .map(|b| b.action)
    }

    /// The F1 help line: `(title, "Up/Down pick, Esc back")`.
    pub fn help_line(&self) -> (String, String) {
        let text: Vec<String> = self
            .bindings
            .iter()
            .filter_map(|b| b.help)
            .map(|(keys, what)| format!("{keys} {what}"))
            .collect();
        (self.title.to_owned(), text.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::Keymap;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Do {
        All,
        One,
        Close,
    }

    const TABLE: KeyTable<Do> = KeyTable {
        title: "In test",
        bindings: &[
            Binding {
                keys: &[shift(KeyCode::F(8))],
                also: &[],
                action: Do::All,
                help: None,
            },
            Binding {
                keys: &[key(KeyCode::F(8)), ch('d')],
                also: &[],
                action: Do::One,
                help: Some(("F8/d", "one")),
            },
            Binding {
                keys: &[key(KeyCode::Esc)],
                also: &[Action::Quit],
                action: Do::Close,
                help: Some(("Esc", "close")),
            },
        ],
    };

    #[test]
    fn first_match_wins_and_pane_keys_count() {
        let km = Keymap::default();
        let ev = |code, mods| KeyEvent::new(code, mods);
        let action = |e: KeyEvent| TABLE.action(&e, km.action(&e));
        assert_eq!(
            action(ev(KeyCode::F(8), KeyModifiers::SHIFT)),
            Some(Do::All)
        );
        assert_eq!(
            action(ev(KeyCode::F(8), KeyModifiers::CONTROL)),
            Some(Do::One)
        );
        assert_eq!(
            action(ev(KeyCode::F(10), KeyModifiers::NONE)),
            Some(Do::Close)
        );
        assert_eq!(action(ev(KeyCode::Char('x'), KeyModifiers::NONE)), None);
        // A letter takes Shift, never Alt or Ctrl: Alt-d is not d.
        assert_eq!(
            action(ev(KeyCode::Char('d'), KeyModifiers::SHIFT)),
            Some(Do::One)
        );
        assert_eq!(action(ev(KeyCode::Char('d'), KeyModifiers::ALT)), None);
        assert_eq!(action(ev(KeyCode::Char('d'), KeyModifiers::CONTROL)), None);
        assert_eq!(
            TABLE.help_line(),
            ("In test".to_owned(), "F8/d one, Esc close".to_owned())
        );
    }
}
