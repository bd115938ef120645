//! The share panel: every link of one NAS, to copy again, change (`share_form.rs`),
//! revoke, or jump to the shared file. This is its state and key table; what its keys
//! and answers do to the app is in `share_actions.rs`.

use crossterm::event::KeyCode;

use crate::key_table::{Binding, KeyTable, ch, key, shift};
use crate::keymap::Action;
use crate::vfs::{ShareLink, VfsHandle};

use super::problem::Problem;

use super::ids::Side;
use super::msg::Cmd;
use super::share_cmds::ShareCmd;
pub use super::share_form::ShareForm;

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
    Qr,
    /// A new link to the file, e-mailed by the NAS (`share_mail.rs`).
    Mail,
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
            keys: &[ch('Q')],
            also: &[],
            action: PanelKey::Qr,
            help: Some(("Q", "QR code")),
        },
        Binding {
            // `share_mail` in `[keys]` (default m), like the panes' e-mail key.
            keys: &[],
            also: &[Action::ShareMail],
            action: PanelKey::Mail,
            help: Some(("m", "e-mail a link")),
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
    /// The mail form, while it is open over the panel.
    pub mail: Option<super::share_mail::MailForm>,
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
    /// A panel over the links of `vfs`, opened from pane `side`; `host` is the profile's
    /// `share_host`. Ask for the links with [`SharePanel::begin_list`].
    pub(super) fn new(side: Side, vfs: VfsHandle, label: String, host: Option<String>) -> Self {
        SharePanel {
            side,
            vfs,
            label,
            links: Vec::new(),
            cursor: 0,
            loading: None,
            error: None,
            host,
            next_req: 0,
            mail: None,
        }
    }

    pub fn current(&self) -> Option<&ShareLink> {
        self.links.get(self.cursor)
    }

    pub(super) fn begin_list(&mut self) -> Cmd {
        self.next_req += 1;
        self.loading = Some(self.next_req);
        Cmd::Share(Box::new(ShareCmd::List {
            req: self.next_req,
            vfs: self.vfs.clone(),
            host: self.host.clone(),
        }))
    }

    pub(super) fn listed(&mut self, req: u64, result: Result<Vec<ShareLink>, Problem>) {
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
            Err(e) => self.error = Some(e.user_message()),
        }
    }
}
