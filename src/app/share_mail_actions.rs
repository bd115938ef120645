//! What the share panel's mail form does to the app: opening it (or saying the NAS
//! sends no mail), its keys, and the NAS's answer.

use crossterm::event::KeyEvent;

use crate::names::escape;
use crate::vfs::{ShareLink, VPath};

use super::layers::KeyAnswer;
use super::problem::Problem;
use super::share_cmds::ShareCmd;
use super::share_mail::{self, MailForm, MailKey};
use super::share_text::display_name;
use super::text_field::{TextKey, text_key};
use super::{App, Cmd};

impl App {
    /// `m` in the share panel: the mail form for the file of the link under the cursor,
    /// or why there is none.
    pub(super) fn open_mail_form(&mut self) {
        let Some(path) = self
            .layers
            .share_panel()
            .and_then(|p| p.current().map(|l| l.path.clone()))
        else {
            return;
        };
        self.open_mail_form_for(path);
    }

    /// `m` in a NAS pane: the share panel, with the mail form for the entry under the
    /// cursor.
    pub(super) fn mail_from_pane(&mut self) -> Vec<Cmd> {
        let pane = self.active_pane();
        let Some(path) = pane
            .current_entry()
            .and_then(|e| pane.cwd.join(&e.name).ok())
        else {
            self.set_status("Put the cursor on a file to e-mail a link to it", true);
            return Vec::new();
        };
        let cmds = self.open_share_panel();
        if self.layers.share_panel().is_some() {
            self.open_mail_form_for(path);
        }
        cmds
    }

    fn open_mail_form_for(&mut self, path: VPath) {
        let Some(panel) = self.layers.share_panel_mut() else {
            return;
        };
        let can_mail = panel
            .vfs
            .features()
            .share_links
            .is_some_and(|l| l.emails_links());
        if !can_mail {
            let label = panel.label.clone();
            self.set_status(
                format!("{label} cannot e-mail links: copy the URL instead (Enter)"),
                true,
            );
            return;
        }
        panel.mail = Some(MailForm::new(path));
    }

    /// Keys while the mail form is open; `None` when it is not.
    pub(super) fn mail_form_key(&mut self, key: KeyEvent) -> Option<KeyAnswer> {
        let host = self
            .layers
            .share_panel()
            .and_then(|p| self.share.host_for(&p.vfs));
        let panel = self.layers.share_panel_mut()?;
        let form = panel.mail.as_mut()?;
        match share_mail::KEYS.action(&key, None) {
            Some(MailKey::Cancel) => panel.mail = None,
            Some(MailKey::NextField) => form.move_focus(true),
            Some(MailKey::PreviousField) => form.move_focus(false),
            Some(MailKey::Send) => match form.mail() {
                Ok(mail) => {
                    let path = form.path.clone();
                    let vfs = panel.vfs.clone();
                    panel.mail = None;
                    let n = mail.to.len();
                    self.set_status(
                        format!(
                            "Asking the NAS to e-mail a link to {} ({})…",
                            display_name(&path),
                            crate::plural::count(n as u64, "address", "addresses")
                        ),
                        false,
                    );
                    return Some(KeyAnswer::Consumed(vec![Cmd::Share(Box::new(
                        ShareCmd::Mail {
                            vfs,
                            path,
                            mail,
                            host,
                        },
                    ))]));
                }
                Err(e) => form.error = Some(e),
            },
            None => match text_key(form.focused_input(), key) {
                TextKey::Edited => form.error = None,
                TextKey::Unbound => return Some(KeyAnswer::Unbound),
            },
        }
        Some(KeyAnswer::Consumed(Vec::new()))
    }

    pub(super) fn share_mailed(
        &mut self,
        path: &VPath,
        recipients: usize,
        result: Result<ShareLink, Problem>,
    ) -> Vec<Cmd> {
        match result {
            Ok(_) => {
                let to = crate::plural::count(recipients as u64, "address", "addresses");
                self.set_status(
                    format!("The NAS e-mailed a link to {} to {to}", display_name(path)),
                    false,
                );
                self.refresh_share_panel()
            }
            Err(e) => {
                let why = e.user_message();
                self.set_status(
                    format!(
                        "Could not e-mail a link to {}: {}",
                        escape(path.name()),
                        why
                    ),
                    true,
                );
                Vec::new()
            }
        }
    }
}
