//! The share panel: every link of one NAS, to copy again, change (`share_form.rs`),
//! revoke, or jump to the shared file.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::keymap::Action;
use crate::names::escape;
use crate::share_format::format_expiry;
use crate::vfs::{ShareLink, VfsHandle};

use super::dialog::{Confirmed, Dialog};
use super::share::{CopyWhat, ShareCmd, ShareConfirm, display_name};
pub use super::share_form::ShareForm;
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
    /// The profile's `share_host`: listed URLs name it where the NAS picks the host.
    host: Option<String>,
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
            host: self.host.clone(),
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

pub(super) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

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
        let mut panel = SharePanel {
            side,
            vfs: pane.vfs.clone(),
            label: escape(&pane.label).into_owned(),
            links: Vec::new(),
            cursor: 0,
            loading: None,
            error: None,
            host: self.share.host_for(&pane.vfs),
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
                let what = CopyWhat::Made(format!("Link to {}", display_name(&link.path)));
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
