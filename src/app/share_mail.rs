//! The share panel's mail form (`m` on a link): addresses, subject and message for a new
//! link to the same file that the NAS e-mails (QNAP `share_file`; a NAS that sends no
//! mail says so instead of opening the form). This is its state and key table; the
//! share panel holds it while it is open (`SharePanel::mail`).

use crossterm::event::KeyCode;
use tui_input::Input;

use crate::key_table::{Binding, KeyTable, key};
use crate::vfs::{ShareMail, VPath};

use super::share_text::display_name;

/// What a key does in the mail form (other keys edit the focused field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKey {
    Cancel,
    NextField,
    PreviousField,
    Send,
}

/// The mail form's keys (and its F1 help line).
pub const KEYS: KeyTable<MailKey> = KeyTable {
    title: "In the share panel's mail form",
    bindings: &[
        Binding {
            keys: &[key(KeyCode::Tab), key(KeyCode::Down)],
            also: &[],
            action: MailKey::NextField,
            help: Some(("Tab", "next field")),
        },
        Binding {
            keys: &[key(KeyCode::BackTab), key(KeyCode::Up)],
            also: &[],
            action: MailKey::PreviousField,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Enter)],
            also: &[],
            action: MailKey::Send,
            help: Some(("Enter", "send")),
        },
        Binding {
            keys: &[key(KeyCode::Esc)],
            also: &[],
            action: MailKey::Cancel,
            help: Some(("Esc", "cancel")),
        },
    ],
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailField {
    To,
    Subject,
    Message,
}

const FIELDS: [MailField; 3] = [MailField::To, MailField::Subject, MailField::Message];

pub struct MailForm {
    /// The shared file the new link points to.
    pub path: VPath,
    pub title: String,
    pub to: Input,
    pub subject: Input,
    pub message: Input,
    pub focus: MailField,
    pub error: Option<String>,
}

impl std::fmt::Debug for MailForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailForm")
            .field("path", &self.path)
            .field("focus", &self.focus)
            .finish_non_exhaustive()
    }
}

impl MailForm {
    pub fn new(path: VPath) -> MailForm {
        let name = display_name(&path);
        MailForm {
            title: format!("E-mail a link to {name}"),
            subject: Input::new(format!("A link to {name}")),
            path,
            to: Input::default(),
            message: Input::default(),
            focus: MailField::To,
            error: None,
        }
    }

    pub fn move_focus(&mut self, forward: bool) {
        let at = FIELDS.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = FIELDS.len();
        self.focus = FIELDS[if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        }];
    }

    pub fn focused_input(&mut self) -> &mut Input {
        match self.focus {
            MailField::To => &mut self.to,
            MailField::Subject => &mut self.subject,
            MailField::Message => &mut self.message,
        }
    }

    /// The mail as typed: addresses split on commas, semicolons and spaces, each checked.
    pub fn mail(&self) -> Result<ShareMail, String> {
        let to: Vec<String> = self
            .to
            .value()
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        ShareMail::new(
            to,
            self.subject.value().trim().to_owned(),
            self.message.value().to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_split_and_checked() {
        let mut f = MailForm::new(VPath::parse("/Public/a.txt").unwrap());
        f.to = Input::new("ann@example.com; bob@example.org".into());
        let mail = f.mail().unwrap();
        assert_eq!(mail.to, ["ann@example.com", "bob@example.org"]);
        assert_eq!(mail.subject, "A link to a.txt");
        f.to = Input::new("not an address".into());
        assert!(f.mail().is_err());
        f.to = Input::default();
        assert!(f.mail().is_err());
    }

    #[test]
    fn focus_cycles_through_the_three_fields() {
        let mut f = MailForm::new(VPath::parse("/Public/a.txt").unwrap());
        f.move_focus(true);
        assert_eq!(f.focus, MailField::Subject);
        f.move_focus(false);
        f.move_focus(false);
        assert_eq!(f.focus, MailField::Message);
    }
}
