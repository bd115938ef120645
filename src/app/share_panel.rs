//! The share panel: every link of one NAS, to copy again, change (`share_form.rs`),
//! revoke, or jump to the shared file.

use crossterm::event::{KeyCode, KeyEvent};

use crate::key_table::{Binding, KeyTable, ch, key, shift};
use crate::keymap::Action;
use crate::names::escape;
use crate::share_format::format_expiry;
use crate::vfs::{ShareLink, VfsHandle};

use super::dialog::{Confirmed, Dialog, ShareConfirm};
use super::layers::{KeyAnswer, Layer, LayerKind};
use super::share_cmds::{CopyWhat, ShareCmd};
pub use super::share_form::ShareForm;
use super::share_text::{FREEBOX_REMOTE_ACCESS_HINT, display_name, now};
use super::{App, Cmd, Side};

/// What a key does in the share panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelKey {
    Close,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Refresh,
    Copy,
    Edit,
    GoTo,
    Revoke,
    RevokeAll,
}

/// The share panel's keys (and its F1 help line). First match wins: Shift-F8 before F8.
pub const KEYS: KeyTable<PanelKey> = KeyTable {
    title: "In share panel",
    bindings: &[
        Binding {
            keys: &[],
            also: &[Action::SharePanel],
            action: PanelKey::Close,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Up)],
            also: &[],
            action: PanelKey::Up,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Down)],
            also: &[],
            action: PanelKey::Down,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::PageUp)],
            also: &[],
            action: PanelKey::PageUp,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::PageDown)],
            also: &[],
            action: PanelKey::PageDown,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Home)],
            also: &[],
            action: PanelKey::Home,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::End)],
            also: &[],
            action: PanelKey::End,
            help: None,
        },
        Binding {
            keys: &[ch('r')],
            also: &[Action::Reload],
            action: PanelKey::Refresh,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Enter), ch('c')],
            also: &[],
            action: PanelKey::Copy,
            help: Some(("Enter/c", "copy URL")),
        },
        Binding {
            keys: &[ch('e'), key(KeyCode::F(4))],
            also: &[],
            action: PanelKey::Edit,
            help: Some(("e", "change expiry/code")),
        },
        Binding {
            keys: &[shift(KeyCode::F(8))],
            also: &[],
            action: PanelKey::RevokeAll,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Delete), key(KeyCode::F(8)), ch('d')],
            also: &[],
            action: PanelKey::Revoke,
            help: Some(("Del", "revoke")),
        },
        Binding {
            keys: &[ch('D'), ch('A')],
            also: &[],
            action: PanelKey::RevokeAll,
            help: Some(("D", "revoke all")),
        },
        Binding {
            keys: &[ch('g'), key(KeyCode::F(3))],
            also: &[],
            action: PanelKey::GoTo,
            help: Some(("g", "go to file")),
        },
        Binding {
            keys: &[key(KeyCode::Esc), key(KeyCode::F(10)), ch('q')],
            also: &[],
            action: PanelKey::Close,
            help: Some(("Esc", "close")),
        },
    ],
};

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
            host: self.share.host_for(&pane.vfs),
            next_req: 0,
        };
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
        let action = KEYS.action(&key, self.keymap.action(&key));
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
            Some(PanelKey::Copy) => {
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
                let what = CopyWhat::Made(format!("Link to {}", display_name(&link.path)));
                return KeyAnswer::Consumed(vec![Cmd::Share(Box::new(ShareCmd::Copy {
                    text: link.url.clone(),
                    what,
                }))]);
            }
            Some(PanelKey::Edit) => {
                if let Some(form) = panel.current().map(|l| ShareForm::for_link(l, now())) {
                    self.layers.push(Layer::ShareForm(form));
                }
            }
            Some(PanelKey::GoTo) => return KeyAnswer::Consumed(self.jump_to_shared()),
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
            action: Confirmed::Share(ShareConfirm::Revoke { ids }),
            yes_focused: false,
        });
    }

    pub(super) fn share_confirmed(&mut self, c: ShareConfirm) -> Vec<Cmd> {
        let ShareConfirm::Revoke { ids } = c;
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
        vec![Cmd::Share(Box::new(ShareCmd::Revoke { vfs, links }))]
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
        result: Result<ShareLink, String>,
    ) -> Vec<Cmd> {
        let name = display_name(&old.path);
        let link = match result {
            Ok(link) => link,
            Err(e) => {
                self.set_status(format!("Cannot change the link to {name}"), true);
                self.layers
                    .push_dialog(Dialog::error("Share link", vec![format!("{name}: {e}")]));
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
        results: Vec<(ShareLink, Result<(), String>)>,
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
            self.layers.push_dialog(Dialog::error("Revoke", errors));
        }
        self.refresh_share_panel()
    }
}
