//! The share panel (every link of one NAS: copy again, change, revoke, jump to the file),
//! the expiry / access-code form, and the box showing URLs no clipboard took.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::keymap::Action;
use crate::names::escape;
use crate::share_format::{
    format_expiry, format_lifetime, generate_access_code, parse_expiry, validate_access_code,
};
use crate::vfs::{ShareLink, ShareOptions, VPath, VfsHandle};

use super::dialog::{Confirmed, Dialog};
use super::share::{CodeChoice, ShareCmd, ShareConfirm, display_name};
use super::{App, Cmd, Side};

/// The list of links of the NAS shown in one pane.
pub struct SharePanel {
    /// The pane it was opened from (jumps go there).
    pub side: Side,
    pub vfs: VfsHandle,
    pub label: String,
    pub links: Vec<ShareLink>,
    pub cursor: usize,
    /// A listing is in flight (its request id).
    pub loading: Option<u64>,
    pub error: Option<String>,
    next_req: u64,
}

impl std::fmt::Debug for SharePanel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharePanel")
            .field("side", &self.side)
            .field("links", &self.links.len())
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

impl SharePanel {
    pub fn current(&self) -> Option<&ShareLink> {
        self.links.get(self.cursor)
    }

    fn begin_list(&mut self) -> Cmd {
        self.next_req += 1;
        self.loading = Some(self.next_req);
        Cmd::Share(Box::new(ShareCmd::List {
            req: self.next_req,
            vfs: self.vfs.clone(),
        }))
    }

    pub(super) fn listed(&mut self, req: u64, result: Result<Vec<ShareLink>, String>) {
        if self.loading != Some(req) {
            return;
        }
        self.loading = None;
        match result {
            Ok(mut links) => {
                let keep = self.current().map(|l| l.id.clone());
                links.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
                self.links = links;
                self.error = None;
                self.cursor = keep
                    .and_then(|id| self.links.iter().position(|l| l.id == id))
                    .unwrap_or(self.cursor)
                    .min(self.links.len().saturating_sub(1));
            }
            Err(e) => self.error = Some(e),
        }
    }
}

/// What the form's answer does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormPurpose {
    Create { side: Side, paths: Vec<VPath> },
    Update { id: String },
}

/// Expiry and access code for new links or a link being changed.
pub struct ShareForm {
    pub purpose: FormPurpose,
    pub title: String,
    pub expire: Input,
    pub code: Input,
    /// 0: expiry field, 1: access code field.
    pub focus: usize,
    pub error: Option<String>,
}

// The code field holds an access code: keep it out of Debug output.
impl std::fmt::Debug for ShareForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareForm")
            .field("purpose", &self.purpose)
            .field("expire", &self.expire.value())
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
            focus: 0,
            error: None,
        }
    }

    fn for_link(link: &ShareLink, now: i64) -> ShareForm {
        ShareForm {
            purpose: FormPurpose::Update {
                id: link.id.clone(),
            },
            title: format!("Change the link to {}", display_name(&link.path)),
            expire: Input::new(remaining_lifetime(link.expires, now)),
            code: Input::new(link.access_code.clone().unwrap_or_default()),
            focus: 0,
            error: None,
        }
    }

    /// The typed values, checked.
    fn values(&self) -> Result<(Option<u64>, Option<String>), String> {
        let expire = parse_expiry(self.expire.value()).map_err(|e| format!("Expiry: {e}"))?;
        let code = self.code.value().trim();
        if code.is_empty() {
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

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl App {
    /// Opens the share panel on the active pane's NAS and lists its links.
    pub(super) fn open_share_panel(&mut self) -> Vec<Cmd> {
        let side = self.active;
        let pane = self.pane(side);
        if !pane.caps.share_links {
            let label = escape(&pane.label).into_owned();
            self.set_status(
                format!("No share links on this pane ({label}): open the panel from a NAS pane"),
                true,
            );
            return Vec::new();
        }
        let mut panel = SharePanel {
            side,
            vfs: pane.vfs.clone(),
            label: escape(&pane.label).into_owned(),
            links: Vec::new(),
            cursor: 0,
            loading: None,
            error: None,
            next_req: 0,
        };
        let cmd = panel.begin_list();
        self.share.panel = Some(panel);
        vec![cmd]
    }

    /// Lists the links again if the panel is open.
    pub(super) fn refresh_share_panel(&mut self) -> Vec<Cmd> {
        self.share
            .panel
            .as_mut()
            .map(|p| vec![p.begin_list()])
            .unwrap_or_default()
    }

    /// Keys for the share overlays: the form, then the revealed URLs, then the panel.
    pub(super) fn share_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if let Some(mut form) = self.share.form.take() {
            return self.form_key(&mut form, key).unwrap_or_else(|| {
                self.share.form = Some(form);
                Vec::new()
            });
        }
        if self.share.revealed.is_some() {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Enter | KeyCode::F(10) | KeyCode::Char('q')
            ) {
                self.share.revealed = None;
            }
            return Vec::new();
        }
        self.panel_key(key)
    }

    /// `None` while the form stays open.
    fn form_key(&mut self, form: &mut ShareForm, key: KeyEvent) -> Option<Vec<Cmd>> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc | KeyCode::F(10) => return Some(Vec::new()),
            KeyCode::Char('c') if ctrl => return Some(Vec::new()),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => form.focus ^= 1,
            KeyCode::Char('g') if ctrl => match generate_access_code() {
                Ok(c) => {
                    form.code = Input::new(c.expose().to_owned());
                    form.focus = 1;
                }
                Err(e) => form.error = Some(e.to_string()),
            },
            KeyCode::Enter => match form.values() {
                Ok((expire_secs, code)) => {
                    return Some(self.form_submitted(form, expire_secs, code));
                }
                Err(e) => form.error = Some(e),
            },
            _ => {
                let field = if form.focus == 0 {
                    &mut form.expire
                } else {
                    &mut form.code
                };
                field.handle_event(&Event::Key(key));
                form.error = None;
            }
        }
        None
    }

    fn form_submitted(
        &mut self,
        form: &ShareForm,
        expire_secs: Option<u64>,
        code: Option<String>,
    ) -> Vec<Cmd> {
        match &form.purpose {
            FormPurpose::Create { side, paths } => {
                let code = code.map(CodeChoice::Given).unwrap_or(CodeChoice::None);
                self.start_share(*side, paths.clone(), expire_secs, code)
            }
            FormPurpose::Update { id } => {
                let Some(panel) = self.share.panel.as_ref() else {
                    return Vec::new();
                };
                let Some(link) = panel.links.iter().find(|l| &l.id == id).cloned() else {
                    return Vec::new();
                };
                let vfs = panel.vfs.clone();
                let opts = ShareOptions {
                    expire_secs,
                    access_code: code,
                    host_override: self.share.host_for(&vfs),
                };
                let status = format!("Changing the link to {}…", display_name(&link.path));
                self.set_status(status, false);
                vec![Cmd::Share(Box::new(ShareCmd::Update { vfs, link, opts }))]
            }
        }
    }

    fn panel_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let Some(panel) = self.share.panel.as_mut() else {
            return Vec::new();
        };
        let n = panel.links.len();
        let last = n.saturating_sub(1);
        let action = self.keymap.action(&key);
        match key.code {
            KeyCode::Esc | KeyCode::F(10) | KeyCode::Char('q') => self.share.panel = None,
            _ if action == Some(Action::SharePanel) => self.share.panel = None,
            KeyCode::Up => panel.cursor = panel.cursor.saturating_sub(1),
            KeyCode::Down => panel.cursor = (panel.cursor + 1).min(last),
            KeyCode::PageUp => panel.cursor = panel.cursor.saturating_sub(10),
            KeyCode::PageDown => panel.cursor = (panel.cursor + 10).min(last),
            KeyCode::Home => panel.cursor = 0,
            KeyCode::End => panel.cursor = last,
            KeyCode::Char('r') => return vec![panel.begin_list()],
            _ if action == Some(Action::Reload) => return vec![panel.begin_list()],
            KeyCode::Enter | KeyCode::Char('c') => {
                let Some(link) = panel.current() else {
                    return Vec::new();
                };
                if link.url.trim().is_empty() {
                    self.set_status(
                        format!(
                            "This link has no public URL (remote access is off). {}",
                            super::share::FREEBOX_REMOTE_ACCESS_HINT
                        ),
                        true,
                    );
                    return Vec::new();
                }
                let what = format!("Link to {}", display_name(&link.path));
                return vec![Cmd::Share(Box::new(ShareCmd::Copy {
                    text: link.url.clone(),
                    what,
                }))];
            }
            KeyCode::Char('e') | KeyCode::F(4) => {
                if let Some(link) = panel.current() {
                    self.share.form = Some(ShareForm::for_link(link, now()));
                }
            }
            KeyCode::Char('g') | KeyCode::F(3) => return self.jump_to_shared(),
            KeyCode::Char('D') | KeyCode::Char('A') => self.ask_revoke(true),
            KeyCode::F(8) if key.modifiers.contains(KeyModifiers::SHIFT) => self.ask_revoke(true),
            KeyCode::Delete | KeyCode::F(8) | KeyCode::Char('d') => self.ask_revoke(false),
            _ => {}
        }
        Vec::new()
    }

    fn ask_revoke(&mut self, all: bool) {
        let Some(panel) = self.share.panel.as_ref() else {
            return;
        };
        let links: Vec<&ShareLink> = if all {
            panel.links.iter().collect()
        } else {
            panel.current().into_iter().collect()
        };
        let (title, question) = match links.as_slice() {
            [] => return,
            [one] if !all => (
                "Revoke link",
                format!(
                    "Revoke the link to {}? Its URL stops working.",
                    escape(one.path.as_str())
                ),
            ),
            many => (
                "Revoke all links",
                format!(
                    "Revoke all {} links of {}? Their URLs stop working.",
                    many.len(),
                    panel.label
                ),
            ),
        };
        let ids = links.iter().map(|l| l.id.clone()).collect();
        self.dialogs.push(Dialog::Confirm {
            title: title.to_owned(),
            lines: vec![question],
            action: Confirmed::Share(ShareConfirm::Revoke { ids }),
            yes_focused: false,
        });
    }

    pub(super) fn share_confirmed(&mut self, c: ShareConfirm) -> Vec<Cmd> {
        let ShareConfirm::Revoke { ids } = c;
        let Some(panel) = self.share.panel.as_ref() else {
            return Vec::new();
        };
        let links: Vec<ShareLink> = panel
            .links
            .iter()
            .filter(|l| ids.contains(&l.id))
            .cloned()
            .collect();
        if links.is_empty() {
            return Vec::new();
        }
        let vfs = panel.vfs.clone();
        self.set_status(format!("Revoking {} link(s)…", links.len()), false);
        vec![Cmd::Share(Box::new(ShareCmd::Revoke { vfs, links }))]
    }

    fn jump_to_shared(&mut self) -> Vec<Cmd> {
        let Some(panel) = self.share.panel.as_ref() else {
            return Vec::new();
        };
        let Some(link) = panel.current() else {
            return Vec::new();
        };
        let side = panel.side;
        if !std::sync::Arc::ptr_eq(&self.pane(side).vfs, &panel.vfs) {
            self.set_status(
                "That pane shows another place now; open the NAS there first",
                true,
            );
            return Vec::new();
        }
        let path = link.path.clone();
        self.share.panel = None;
        self.active = side;
        if path.is_root() {
            return self.list(side, path, None);
        }
        self.list(side, path.parent(), Some(path.name().to_owned()))
    }

    pub(super) fn share_updated(
        &mut self,
        old: ShareLink,
        result: Result<ShareLink, String>,
    ) -> Vec<Cmd> {
        let name = display_name(&old.path);
        let link = match result {
            Ok(link) => link,
            Err(e) => {
                self.set_status(format!("Cannot change the link to {name}"), true);
                self.dialogs
                    .push(Dialog::error("Share link", vec![format!("{name}: {e}")]));
                return Vec::new();
            }
        };
        let recreated = link.id != old.id || link.url != old.url;
        let expiry = format_expiry(link.expires, now());
        if let Some(panel) = self.share.panel.as_mut()
            && let Some(slot) = panel.links.iter_mut().find(|l| l.id == old.id)
        {
            *slot = link.clone();
        }
        let mut cmds = Vec::new();
        if recreated && !link.url.trim().is_empty() {
            self.set_status(
                format!("The link to {name} was re-created (the NAS cannot change it in place): the old URL no longer works"),
                false,
            );
            cmds.push(Cmd::Share(Box::new(ShareCmd::Copy {
                text: link.url.clone(),
                what: format!("Re-created link to {name} (expires {expiry})"),
            })));
        } else {
            self.set_status(format!("Link to {name} changed: expires {expiry}"), false);
        }
        cmds.extend(self.refresh_share_panel());
        cmds
    }

    pub(super) fn share_revoked(
        &mut self,
        results: Vec<(ShareLink, Result<(), String>)>,
    ) -> Vec<Cmd> {
        let mut done = 0;
        let mut errors = Vec::new();
        for (link, r) in results {
            match r {
                Ok(()) => {
                    done += 1;
                    if let Some(p) = self.share.panel.as_mut() {
                        p.links.retain(|l| l.id != link.id);
                        p.cursor = p.cursor.min(p.links.len().saturating_sub(1));
                    }
                }
                Err(e) => errors.push(format!("{}: {e}", escape(link.path.as_str()))),
            }
        }
        if errors.is_empty() {
            self.set_status(format!("Revoked {done} link(s)"), false);
        } else {
            self.set_status(
                format!("Revoked {done} link(s), {} failed", errors.len()),
                true,
            );
            self.dialogs.push(Dialog::error("Revoke", errors));
        }
        self.refresh_share_panel()
    }
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
}
