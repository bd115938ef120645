//! A question with a few named answers (buttons), such as what to do with an edit whose
//! NAS copy changed meanwhile. Left/Right/Tab move the focus, Enter picks it, the first
//! letter of a label picks that one, Esc gives the dialog's safe answer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What the answer is for (the app acts on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChoicePurpose {
    /// F4 on a NAS file changed meanwhile (`remote_edit::EDIT_CHOICES`).
    EditConflict,
}

#[derive(Clone, Debug)]
pub struct ChoiceDialog {
    pub title: String,
    pub lines: Vec<String>,
    pub labels: Vec<String>,
    pub focused: usize,
    /// The answer Esc (and F10, Ctrl-C) gives.
    pub escape: usize,
    pub purpose: ChoicePurpose,
}

/// What a key did in a choice dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChoiceKey {
    /// The answer at this index.
    Picked(usize),
    /// The focus moved.
    Moved,
    /// Not a key of this dialog.
    Unbound,
}

impl ChoiceDialog {
    pub fn on_key(&mut self, key: KeyEvent) -> ChoiceKey {
        let n = self.labels.len().max(1);
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            _ if ctrl_c => ChoiceKey::Picked(self.escape),
            KeyCode::Esc | KeyCode::F(10) => ChoiceKey::Picked(self.escape),
            KeyCode::Enter => ChoiceKey::Picked(self.focused),
            KeyCode::Right | KeyCode::Tab => {
                self.focused = (self.focused + 1) % n;
                ChoiceKey::Moved
            }
            KeyCode::Left | KeyCode::BackTab => {
                self.focused = (self.focused + n - 1) % n;
                ChoiceKey::Moved
            }
            KeyCode::Char(c) if key.modifiers.difference(KeyModifiers::SHIFT).is_empty() => self
                .labels
                .iter()
                .position(|l| l.chars().next().is_some_and(|f| f.eq_ignore_ascii_case(&c)))
                .map_or(ChoiceKey::Unbound, ChoiceKey::Picked),
            _ => ChoiceKey::Unbound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialog() -> ChoiceDialog {
        ChoiceDialog {
            title: "t".into(),
            lines: Vec::new(),
            labels: vec!["Save".into(), "Overwrite".into(), "Keep".into()],
            focused: 0,
            escape: 2,
            purpose: ChoicePurpose::EditConflict,
        }
    }

    #[test]
    fn letters_pick_enter_takes_the_focus_and_esc_the_safe_answer() {
        let k = |c| KeyEvent::new(c, KeyModifiers::NONE);
        let mut d = dialog();
        assert_eq!(d.on_key(k(KeyCode::Char('o'))), ChoiceKey::Picked(1));
        assert_eq!(d.on_key(k(KeyCode::Left)), ChoiceKey::Moved);
        assert_eq!(d.on_key(k(KeyCode::Enter)), ChoiceKey::Picked(2));
        assert_eq!(d.on_key(k(KeyCode::Esc)), ChoiceKey::Picked(2));
        assert_eq!(d.on_key(k(KeyCode::Char('z'))), ChoiceKey::Unbound);
    }
}
