//! What the share panel and the share form do to the app: their keys (read from the
//! tables in `share_panel.rs` and `share_form.rs`) and the answers to the requests they
//! make (list, change, revoke).

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;

use crate::names::escape;
use crate::share_format::{format_expiry, generate_access_code, url_host};
use crate::vfs::{ShareLink, ShareOptions};

use super::dialog::{Confirmed, Dialog, ShareConfirm};
use super::layers::{KeyAnswer, Layer, LayerKind};
use super::problem::Problem;
use super::share_cmds::{CodeChoice, CopyWhat, ShareCmd};
use super::share_form::{self, FormField, FormKey, FormPurpose, ShareForm};
use super::share_panel::{self, PanelKey, SharePanel};
use super::share_text::{FREEBOX_REMOTE_ACCESS_HINT, QrView, display_name, now};
use super::text_field::{TextKey, text_key};
use super::{App, Cmd};

impl App {
    /// Opens the share panel on the active pane's NAS and lists its links.
    pub(super) fn open_share_panel(&mut self) -> Vec<Cmd> {
        let side = self.active;
        let pane = self.pane(side);
        if pane.vfs.features().share_links.is_none() {
            let label = escape(&pane.label).into_owned();
            self.set_status(
                format!("No share links on this pane ({label}): open the panel from a NAS pane"),
                true,
            );
            return Vec::new();
        }
        let mut panel = SharePanel::new(
            side,
            pane.vfs.clone(),
            escape(&pane.label).into_owned(),
            self.share.host_for(&pane.vfs),
        );
        let cmd = panel.begin_list();
        self.layers.push(Layer::SharePanel(panel));
        vec![cmd]
    }

    /// Lists the links again if the panel is open.
    pub(super) fn refresh_share_panel(&mut self) -> Vec<Cmd> {
        self.layers
            .share_panel_mut()
            .map(|p| vec![p.begin_list()])
            .unwrap_or_default()
    }

    /// Keys in the share panel (the form and revealed URLs over it are layers of their
    /// own).
    pub(super) fn panel_key(&mut self, key: KeyEvent) -> KeyAnswer {
        if let Some(answer) = self.mail_form_key(key) {
            return answer;
        }
        let action = share_panel::KEYS.action(&key, self.keymap.action(&key));
        let Some(panel) = self.layers.share_panel_mut() else {
            return KeyAnswer::Pass;
        };
        let n = panel.links.len();
        let last = n.saturating_sub(1);
        match action {
            Some(PanelKey::Close) => return KeyAnswer::Close(Vec::new()),
            Some(PanelKey::Up) => panel.cursor = panel.cursor.saturating_sub(1),
            Some(PanelKey::Down) => panel.cursor = (panel.cursor + 1).min(last),
            Some(PanelKey::PageUp) => panel.cursor = panel.cursor.saturating_sub(10),
            Some(PanelKey::PageDown) => panel.cursor = (panel.cursor + 10).min(last),
            Some(PanelKey::Home) => panel.cursor = 0,
            Some(PanelKey::End) => panel.cursor = last,
            Some(PanelKey::Refresh) => return KeyAnswer::Consumed(vec![panel.begin_list()]),
            Some(PanelKey::Copy | PanelKey::Qr) => {
                let Some(link) = panel.current() else {
                    return KeyAnswer::Consumed(Vec::new());
                };
                if link.url.trim().is_empty() {
                    self.set_status(
                        format!(
                            "This link has no public URL (remote access is off). {}",
                            FREEBOX_REMOTE_ACCESS_HINT
                        ),
                        true,
                    );
                    return KeyAnswer::Consumed(Vec::new());
                }
                if action == Some(PanelKey::Qr) {
                    let title = format!("Link to {}", display_name(&link.path));
                    match crate::share_qr::half_blocks(&link.url) {
                        Ok(rows) => self.layers.push(Layer::Qr(QrView { title, rows })),
                        Err(e) => self.set_status(e.to_string(), true),
                    }
                    return KeyAnswer::Consumed(Vec::new());
                }
                let what = CopyWhat::Made(format!("Link to {}", display_name(&link.path)));
                return KeyAnswer::Consumed(vec![Cmd::Share(Box::new(ShareCmd::Copy {
                    text: link.url.clone(),
                    what,
                }))]);
            }
            Some(PanelKey::Edit) => {
                if let Some(mut form) = panel.current().map(|l| ShareForm::for_link(l, now())) {
                    if !panel.vfs.features().share_access_codes {
                        form = form.without_codes();
                    }
                    self.layers.push(Layer::ShareForm(form));
                }
            }
            Some(PanelKey::GoTo) => return KeyAnswer::Consumed(self.jump_to_shared()),
            Some(PanelKey::Mail) => self.open_mail_form(),
            Some(PanelKey::RevokeAll) => self.ask_revoke(true),
            Some(PanelKey::Revoke) => self.ask_revoke(false),
            None => {}
        }
        KeyAnswer::Consumed(Vec::new())
    }

    fn ask_revoke(&mut self, all: bool) {
        let Some(panel) = self.layers.share_panel() else {
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
        self.layers.push_dialog(Dialog::Confirm {
            title: title.to_owned(),
            lines: vec![question],
            action: Confirmed::Share(ShareConfirm::Revoke { ids, all }),
            yes_focused: false,
        });
    }

    pub(super) fn share_confirmed(&mut self, c: ShareConfirm) -> Vec<Cmd> {
        let ShareConfirm::Revoke { ids, all } = c;
        let Some(panel) = self.layers.share_panel() else {
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
        vec![Cmd::Share(Box::new(ShareCmd::Revoke { vfs, links, all }))]
    }

    fn jump_to_shared(&mut self) -> Vec<Cmd> {
        let Some(panel) = self.layers.share_panel() else {
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
        self.layers.close(LayerKind::SharePanel);
        self.active = side;
        if path.is_root() {
            return self.list(side, path, None);
        }
        self.list(side, path.parent(), Some(path.name().to_owned()))
    }

    pub(super) fn share_updated(
        &mut self,
        old: ShareLink,
        result: Result<ShareLink, Problem>,
    ) -> Vec<Cmd> {
        let name = display_name(&old.path);
        let link = match result {
            Ok(link) => link,
            Err(e) => {
                self.set_status(format!("Cannot change the link to {name}"), true);
                self.layers.push_dialog(Dialog::error(
                    "Share link",
                    vec![format!("{name}: {}", e.user_message())],
                ));
                return Vec::new();
            }
        };
        let recreated = link.id != old.id || link.url != old.url;
        let expiry = format_expiry(link.expires, now());
        if let Some(panel) = self.layers.share_panel_mut()
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
                what: CopyWhat::Made(format!("Re-created link to {name} (expires {expiry})")),
            })));
        } else {
            self.set_status(format!("Link to {name} changed: expires {expiry}"), false);
        }
        cmds.extend(self.refresh_share_panel());
        cmds
    }

    pub(super) fn share_revoked(
        &mut self,
        results: Vec<(ShareLink, Result<(), Problem>)>,
    ) -> Vec<Cmd> {
        let mut done = 0;
        let mut errors = Vec::new();
        for (link, r) in results {
            match r {
                Ok(()) => {
                    done += 1;
                    if let Some(p) = self.layers.share_panel_mut() {
                        p.links.retain(|l| l.id != link.id);
                        p.cursor = p.cursor.min(p.links.len().saturating_sub(1));
                    }
                }
                Err(e) => errors.push(format!(
                    "{}: {}",
                    escape(link.path.as_str()),
                    e.user_message()
                )),
            }
        }
        if errors.is_empty() {
            self.set_status(format!("Revoked {done} link(s)"), false);
        } else {
            self.set_status(
                format!("Revoked {done} link(s), {} failed", errors.len()),
                true,
            );
            self.layers.push_dialog(Dialog::error("Revoke", errors));
        }
        self.refresh_share_panel()
    }

    /// `Close` when the form is done with (the caller took it off the stack), else it
    /// stays open.
    pub(super) fn form_key(&mut self, form: &mut ShareForm, key: KeyEvent) -> KeyAnswer {
        let on_host = form.focus == FormField::Host;
        match share_form::KEYS.action(&key, None) {
            Some(FormKey::Cancel) => return KeyAnswer::Close(Vec::new()),
            Some(FormKey::NextField) => form.move_focus(true),
            Some(FormKey::PreviousField) => form.move_focus(false),
            Some(FormKey::NewCode) if !form.codes => {}
            Some(FormKey::NewCode) => match generate_access_code() {
                Ok(c) => {
                    form.code = Input::new(c.expose().to_owned());
                    form.focus = FormField::Code;
                }
                Err(e) => form.error = Some(e.to_string()),
            },
            Some(FormKey::Submit) => match form.values() {
                Ok((expire_secs, code)) => {
                    return KeyAnswer::Close(self.form_submitted(form, expire_secs, code));
                }
                Err(e) => form.error = Some(e),
            },
            Some(FormKey::HostPrevious | FormKey::HostNext) if on_host => {
                let n = form.hosts.len().max(1);
                form.host = if key.code == KeyCode::Left {
                    (form.host + n - 1) % n
                } else {
                    (form.host + 1) % n
                };
            }
            Some(FormKey::HostFirst) if on_host => form.host = 0,
            Some(FormKey::HostLast) if on_host => form.host = form.hosts.len().saturating_sub(1),
            _ => {
                let field = match form.focus {
                    FormField::Expire => &mut form.expire,
                    FormField::Code => &mut form.code,
                    // The host is picked with ←/→ Home/End, not typed.
                    FormField::Host => return KeyAnswer::Unbound,
                };
                match text_key(field, key) {
                    TextKey::Edited => form.error = None,
                    TextKey::Unbound => return KeyAnswer::Unbound,
                }
            }
        }
        KeyAnswer::Consumed(Vec::new())
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
                let host = match form.chosen_host() {
                    Some(h) => Some(h.host.clone()),
                    None => self.share.host_for(&self.pane(*side).vfs),
                };
                self.start_share(*side, paths.clone(), expire_secs, code, host, false)
            }
            FormPurpose::Update { id } => {
                let Some(panel) = self.layers.share_panel() else {
                    return Vec::new();
                };
                let Some(link) = panel.links.iter().find(|l| &l.id == id).cloned() else {
                    return Vec::new();
                };
                let vfs = panel.vfs.clone();
                // A changed link keeps naming the host it was made with (DDNS, …).
                let opts = ShareOptions {
                    expire_secs,
                    access_code: code,
                    host_override: url_host(&link.url).or_else(|| self.share.host_for(&vfs)),
                };
                let status = format!("Changing the link to {}…", display_name(&link.path));
                self.set_status(status, false);
                vec![Cmd::Share(Box::new(ShareCmd::Update { vfs, link, opts }))]
            }
        }
    }
}
