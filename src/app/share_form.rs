//! The form asking expiry, access code and (for new QNAP links) the host of the URL, for
//! new links (Alt-L) or a link being changed (the share panel's `e`).

use crossterm::event::KeyCode;
use tui_input::Input;

use crate::key_table::{Binding, KeyTable, ch, ctrl, key};
use crate::share_format::{
    format_lifetime, generate_access_code, parse_expiry, validate_access_code,
};
use crate::vfs::{ShareHost, ShareLink, VPath};

use super::ids::Side;
use super::share_text::display_name;

/// What the form's answer does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormPurpose {
    Create { side: Side, paths: Vec<VPath> },
    Update { id: String },
}

/// What a key does in the share form (the host keys only while the host has the focus;
/// other keys edit the focused field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKey {
    Cancel,
    NextField,
    PreviousField,
    NewCode,
    Submit,
    HostPrevious,
    HostNext,
    HostFirst,
    HostLast,
}

/// The share form's keys (and its F1 help line).
pub const KEYS: KeyTable<FormKey> = KeyTable {
    title: "In share form",
    bindings: &[
        Binding {
            keys: &[key(KeyCode::Tab), key(KeyCode::Down)],
            also: &[],
            action: FormKey::NextField,
            help: Some(("Tab", "next field")),
        },
        Binding {
            keys: &[key(KeyCode::BackTab), key(KeyCode::Up)],
            also: &[],
            action: FormKey::PreviousField,
            help: None,
        },
        Binding {
            keys: &[ctrl('g')],
            also: &[],
            action: FormKey::NewCode,
            help: Some(("Ctrl-G", "new access code (empty: none)")),
        },
        Binding {
            keys: &[key(KeyCode::Left)],
            also: &[],
            action: FormKey::HostPrevious,
            help: Some(("Left/Right", "pick the link's host")),
        },
        Binding {
            keys: &[key(KeyCode::Right), ch(' ')],
            also: &[],
            action: FormKey::HostNext,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Home)],
            also: &[],
            action: FormKey::HostFirst,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::End)],
            also: &[],
            action: FormKey::HostLast,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Enter)],
            also: &[],
            action: FormKey::Submit,
            help: Some(("Enter", "OK")),
        },
        Binding {
            keys: &[key(KeyCode::Esc), key(KeyCode::F(10)), ctrl('c')],
            also: &[],
            action: FormKey::Cancel,
            help: Some(("Esc", "cancel")),
        },
    ],
};

/// Which field has the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormField {
    Expire,
    Code,
    Host,
}

/// Expiry and access code for new links or a link being changed; for new links also the
/// host their URL names, picked among the ones the NAS offers.
pub struct ShareForm {
    pub purpose: FormPurpose,
    pub title: String,
    pub expire: Input,
    pub code: Input,
    /// Host choices (the default first); empty while unknown or where the NAS decides.
    pub hosts: Vec<ShareHost>,
    /// Index of the chosen host in `hosts`.
    pub host: usize,
    pub focus: FormField,
    pub error: Option<String>,
    /// The NAS takes access codes on links (`Features::share_access_codes`); without
    /// them the form has no code field, rather than failing after OK.
    pub codes: bool,
}

// The code field holds an access code: keep it out of Debug output.
impl std::fmt::Debug for ShareForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareForm")
            .field("purpose", &self.purpose)
            .field("expire", &self.expire.value())
            .field("hosts", &self.hosts)
            .field("host", &self.host)
            .field("focus", &self.focus)
            .finish_non_exhaustive()
    }
}

impl ShareForm {
    pub(super) fn for_new(
        side: Side,
        paths: Vec<VPath>,
        expire: &str,
        with_code: bool,
    ) -> ShareForm {
        let title = match paths.as_slice() {
            [one] => format!("Share {}", display_name(one)),
            many => format!("Share {} items", many.len()),
        };
        let code = if with_code {
            generate_access_code()
                .map(|c| c.expose().to_owned())
                .unwrap_or_default()
        } else {
            String::new()
        };
        ShareForm {
            purpose: FormPurpose::Create { side, paths },
            title,
            expire: Input::new(expire.to_owned()),
            code: Input::new(code),
            hosts: Vec::new(),
            host: 0,
            focus: FormField::Expire,
            error: None,
            codes: true,
        }
    }

    pub(super) fn for_link(link: &ShareLink, now: i64) -> ShareForm {
        ShareForm {
            purpose: FormPurpose::Update {
                id: link.id.clone(),
            },
            title: format!("Change the link to {}", display_name(&link.path)),
            expire: Input::new(remaining_lifetime(link.expires, now)),
            code: Input::new(link.access_code.clone().unwrap_or_default()),
            hosts: Vec::new(),
            host: 0,
            focus: FormField::Expire,
            error: None,
            codes: true,
        }
    }

    /// The same form without the access code field (a NAS whose links take none).
    pub(super) fn without_codes(mut self) -> ShareForm {
        self.codes = false;
        self.code = Input::default();
        self
    }

    /// The fields in Tab order (the code only where the NAS takes one, the host only
    /// once there is a choice to make).
    pub fn fields(&self) -> Vec<FormField> {
        let mut f = vec![FormField::Expire];
        if self.codes {
            f.push(FormField::Code);
        }
        if self.hosts.len() > 1 {
            f.push(FormField::Host);
        }
        f
    }

    pub(super) fn move_focus(&mut self, forward: bool) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = fields.len();
        self.focus = fields[if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        }];
    }

    /// Fills in the host choices: `configured` (a profile's `share_host`) is the default
    /// and comes first; then what the backend offers, each once.
    pub(super) fn set_hosts(&mut self, offered: &[ShareHost], configured: Option<&str>) {
        let mut hosts: Vec<ShareHost> = Vec::new();
        if let Some(c) = configured.map(str::trim).filter(|c| !c.is_empty()) {
            hosts.push(ShareHost {
                host: c.to_owned(),
                source: "share_host of the profile".to_owned(),
            });
        }
        for h in offered {
            if !hosts.iter().any(|k| k.host.eq_ignore_ascii_case(&h.host)) {
                hosts.push(h.clone());
            }
        }
        // Keep the user's pick when the list is refreshed under the open form.
        let picked = self.hosts.get(self.host).map(|h| h.host.clone());
        self.host = picked
            .and_then(|p| hosts.iter().position(|h| h.host == p))
            .unwrap_or(0);
        self.hosts = hosts;
    }

    /// The host picked for the URL, if the form offers a choice.
    pub fn chosen_host(&self) -> Option<&ShareHost> {
        self.hosts.get(self.host)
    }

    /// The typed values, checked.
    pub(super) fn values(&self) -> Result<(Option<u64>, Option<String>), String> {
        let expire = parse_expiry(self.expire.value()).map_err(|e| format!("Expiry: {e}"))?;
        let code = self.code.value().trim();
        if code.is_empty() || !self.codes {
            return Ok((expire, None));
        }
        validate_access_code(code).map_err(|e| format!("Access code: {e}"))?;
        Ok((expire, Some(code.to_owned())))
    }
}

/// A link's time left as a lifetime to prefill the form with (`6d`, `5h`, `never`).
fn remaining_lifetime(expires: Option<i64>, now: i64) -> String {
    let Some(at) = expires else {
        return "never".to_owned();
    };
    let left = at.saturating_sub(now).max(60) as u64;
    let rounded = [86_400u64, 3_600, 60]
        .into_iter()
        .find(|&unit| left >= unit)
        .map(|unit| left.div_ceil(unit) * unit)
        .unwrap_or(60);
    format_lifetime(Some(rounded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_lifetime_rounds_up_to_the_largest_unit() {
        assert_eq!(remaining_lifetime(None, 0), "never");
        assert_eq!(remaining_lifetime(Some(7 * 86_400 - 5), 0), "7d");
        assert_eq!(remaining_lifetime(Some(5 * 3_600 - 100), 0), "5h");
        assert_eq!(remaining_lifetime(Some(10), 0), "1m");
    }

    #[test]
    fn form_checks_what_was_typed() {
        let paths = vec![VPath::parse("/Public/a.txt").unwrap()];
        let mut form = ShareForm::for_new(Side::Right, paths, "7d", true);
        assert_eq!(form.title, "Share a.txt");
        let (expire, code) = form.values().unwrap();
        assert_eq!(expire, Some(7 * 86_400));
        assert_eq!(code.map(|c| c.len()), Some(8), "a generated code");
        form.code = Input::new("no spaces".into());
        assert!(form.values().unwrap_err().starts_with("Access code:"));
        form.code = Input::new(String::new());
        form.expire = Input::new("soon".into());
        assert!(form.values().unwrap_err().starts_with("Expiry:"));
        form.expire = Input::new("never".into());
        assert_eq!(form.values().unwrap(), (None, None));
    }

    fn host(h: &str, source: &str) -> ShareHost {
        ShareHost {
            host: h.into(),
            source: source.into(),
        }
    }

    #[test]
    fn host_choices_put_the_configured_one_first_and_keep_a_pick() {
        let paths = vec![VPath::parse("/Public/a.txt").unwrap()];
        let mut form = ShareForm::for_new(Side::Right, paths, "7d", false);
        assert_eq!(form.fields().len(), 2, "no host row before the NAS answers");
        let offered = [
            host("10.0.0.2:8080", "the address nascmd uses"),
            host("nas.example.net:8080", "DDNS"),
        ];
        form.set_hosts(&offered, Some("share.example.org"));
        let names: Vec<&str> = form.hosts.iter().map(|h| h.host.as_str()).collect();
        assert_eq!(
            names,
            ["share.example.org", "10.0.0.2:8080", "nas.example.net:8080"]
        );
        assert_eq!(form.chosen_host().unwrap().host, "share.example.org");
        form.host = 2;
        form.set_hosts(&offered, None);
        assert_eq!(form.chosen_host().unwrap().host, "nas.example.net:8080");
        assert_eq!(
            form.fields(),
            [FormField::Expire, FormField::Code, FormField::Host]
        );
        form.focus = FormField::Host;
        form.move_focus(true);
        assert_eq!(form.focus, FormField::Expire);
        form.move_focus(false);
        assert_eq!(form.focus, FormField::Host);
    }
}
