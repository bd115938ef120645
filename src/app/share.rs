//! Share links from the panes: one key makes a link per selected item with the config
//! defaults and puts the URLs in the clipboard; a second key asks for expiry and access
//! code first; the share panel (`share_panel.rs`) manages the links of a NAS.
//!
//! Like the rest of `app/`, nothing here does I/O: the NAS calls and the clipboard are
//! `ShareCmd`s the runtime carries out, and their results come back as `ShareMsg`s
//! (`share_cmds.rs`).

use crate::clipboard::CopyOutcome;
use crate::names::escape;
use crate::share_format::{format_expiry_relative, join_urls, parse_expiry};
use crate::vfs::{ShareHost, ShareLink, VPath};

use super::dialog::Dialog;
pub use super::dialog::ShareConfirm;
use super::layers::Layer;
pub use super::share_cmds::{CodeChoice, CopyWhat, ShareCmd, ShareMsg};
use super::share_form::{FormPurpose, ShareForm};
pub use super::share_state::ShareState;
pub use super::share_text::{FREEBOX_REMOTE_ACCESS_HINT, QrView, RevealedUrls};
use super::share_text::{display_name, now};
use super::{App, Cmd, Problem, Side};

/// Whether the defaults key may copy `link` for `path` instead of making a new one.
pub use crate::services::share::reusable;

impl App {
    /// The share keys: links for the active pane's selection (or the entry under the
    /// cursor) with the defaults, or after asking (`ask`).
    pub(super) fn share_selection(&mut self, ask: bool) -> Vec<Cmd> {
        let side = self.active;
        let pane = self.pane(side);
        if pane.vfs.features().share_links.is_none() {
            let label = escape(&pane.label).into_owned();
            self.set_status(
                format!("No share links on this pane ({label}): open a NAS pane (QNAP or Freebox) and try again"),
                true,
            );
            return Vec::new();
        }
        let paths = pane.targets();
        if paths.is_empty() {
            self.set_status("Nothing to share: put the cursor on a file or folder", true);
            return Vec::new();
        }
        if ask {
            let vfs = pane.vfs.clone();
            let codes = vfs.features().share_access_codes;
            let mut form = ShareForm::for_new(
                side,
                paths,
                &self.share.expire,
                self.share.access_code && codes,
            );
            if !codes {
                form = form.without_codes();
            }
            if let Some(known) = self.share.offered_hosts.get(&vfs.label()) {
                form.set_hosts(known, self.share.host_for(&vfs).as_deref());
            }
            self.layers.push(Layer::ShareForm(form));
            // Asked again each time: a DDNS name may have been set up meanwhile.
            return vec![Cmd::Share(Box::new(ShareCmd::Hosts { vfs }))];
        }
        let expire_secs = match parse_expiry(&self.share.expire) {
            Ok(e) => e,
            Err(e) => {
                self.set_status(format!("config [share] expire: {e}"), true);
                return Vec::new();
            }
        };
        let vfs = &self.pane(side).vfs;
        let host = self.share.host_for(vfs);
        let no_codes = self.share.no_codes.contains(&vfs.label());
        let code = if self.share.access_code && !no_codes {
            CodeChoice::Generate
        } else {
            CodeChoice::None
        };
        self.start_share(side, paths, expire_secs, code, host, true)
    }

    /// Asks the runtime for one link per path; `reuse` (the defaults key) lets it copy a
    /// live link made the same way instead.
    pub(super) fn start_share(
        &mut self,
        side: Side,
        paths: Vec<VPath>,
        expire_secs: Option<u64>,
        code: CodeChoice,
        host: Option<String>,
        reuse: bool,
    ) -> Vec<Cmd> {
        let vfs = self.pane(side).vfs.clone();
        let codes_dropped = reuse
            && self.share.access_code
            && code == CodeChoice::None
            && self.share.no_codes.contains(&vfs.label());
        let what = match paths.as_slice() {
            [one] => format!("a link to {}", display_name(one)),
            many => format!("{} links", many.len()),
        };
        self.set_status(format!("Making {what}…"), false);
        vec![Cmd::Share(Box::new(ShareCmd::Create {
            side,
            vfs,
            paths,
            expire_secs,
            code,
            host,
            reuse,
            codes_dropped,
        }))]
    }

    pub(super) fn on_share_msg(&mut self, msg: ShareMsg) -> Vec<Cmd> {
        match msg {
            ShareMsg::Created {
                side,
                results,
                codes_dropped,
                reused,
            } => self.share_created(side, results, codes_dropped, reused),
            ShareMsg::Hosts { label, result } => {
                self.hosts_offered(label, result);
                Vec::new()
            }
            ShareMsg::Listed { req, result } => {
                if let Some(p) = self.layers.share_panel_mut() {
                    p.listed(req, result);
                }
                Vec::new()
            }
            ShareMsg::Updated { old, result } => self.share_updated(old, result),
            ShareMsg::Revoked { results } => self.share_revoked(results),
            ShareMsg::Mailed {
                path,
                recipients,
                result,
            } => self.share_mailed(&path, recipients, result),
            ShareMsg::Copied {
                text,
                what,
                outcome,
            } => {
                self.copied(text, what, outcome);
                Vec::new()
            }
        }
    }

    /// Remembers the hosts a NAS offers and shows them in the open form for it.
    fn hosts_offered(&mut self, label: String, result: Result<Vec<ShareHost>, Problem>) {
        let hosts = match result {
            Ok(h) => h,
            Err(e) => {
                tracing::debug!(error = %e, "no host choices for share links");
                return;
            }
        };
        if let Some(form) = self.layers.share_form_mut()
            && let FormPurpose::Create { side, .. } = &form.purpose
            && self.panes[side.index()].vfs.label() == label
        {
            form.set_hosts(&hosts, self.share.hosts.get(&label).map(String::as_str));
        }
        self.share.offered_hosts.insert(label, hosts);
    }

    fn share_created(
        &mut self,
        side: Side,
        results: Vec<(VPath, Result<ShareLink, Problem>)>,
        codes_dropped: bool,
        reused: Vec<String>,
    ) -> Vec<Cmd> {
        if codes_dropped {
            let label = self.pane(side).vfs.label();
            self.share.no_codes.insert(label);
        }
        let mut links = Vec::new();
        let mut no_url = Vec::new();
        let mut errors = Vec::new();
        for (path, r) in results {
            match r {
                Ok(link) if link.url.trim().is_empty() => no_url.push(display_name(&path)),
                Ok(link) => links.push(link),
                Err(e) => errors.push(format!("{}: {}", escape(path.as_str()), e.user_message())),
            }
        }
        let mut cmds = Vec::new();
        if !errors.is_empty() {
            let mut lines = vec![format!("{} link(s) could not be made:", errors.len())];
            // "Making a link…" must not stay on the status line.
            self.set_status(lines[0].trim_end_matches(':').to_owned(), true);
            lines.extend(errors);
            self.layers.push_dialog(Dialog::error("Share link", lines));
        }
        if !no_url.is_empty() {
            self.set_status(
                format!(
                    "No public URL for {}: the NAS has remote access off. {FREEBOX_REMOTE_ACCESS_HINT}",
                    no_url.join(", ")
                ),
                true,
            );
            self.layers.push_dialog(Dialog::error(
                "No public address",
                vec![
                    format!(
                        "The NAS made the link for {} but has no public URL for it:",
                        no_url.join(", ")
                    ),
                    "its remote access is off, so nobody outside your network could open it."
                        .to_owned(),
                    FREEBOX_REMOTE_ACCESS_HINT.to_owned(),
                    "Then press the key again (the share panel lists the links made now)."
                        .to_owned(),
                ],
            ));
        }
        if !links.is_empty() {
            let text = join_urls(links.iter().map(|l| l.url.as_str()));
            let old = links.iter().filter(|l| reused.contains(&l.id)).count();
            let (lead, mut what) = match links.as_slice() {
                [one] if old == 1 => (
                    Some(format!("{} is already shared", display_name(&one.path))),
                    format!(
                        "the existing link ({})",
                        format_expiry_relative(one.expires, now())
                    ),
                ),
                [one] => (None, format!("Link to {}", display_name(&one.path))),
                many if old > 0 => (
                    Some(format!("{old} of {} items are already shared", many.len())),
                    format!("{} links ({old} existing)", many.len()),
                ),
                many => (None, format!("{} links", many.len())),
            };
            let codes: Vec<&str> = links
                .iter()
                .filter_map(|l| l.access_code.as_deref())
                .collect();
            if let [code, ..] = codes.as_slice() {
                if codes.iter().all(|c| c == code) {
                    what.push_str(&format!(" (access code {})", escape(code)));
                } else {
                    what.push_str(" (access codes in the share panel)");
                }
            }
            if codes_dropped {
                what.push_str(" (without access code: this NAS has none)");
            }
            let what = match lead {
                Some(lead) => CopyWhat::Existing { lead, links: what },
                None => CopyWhat::Made(what),
            };
            cmds.push(Cmd::Share(Box::new(ShareCmd::Copy { text, what })));
            for side in [Side::Left, Side::Right] {
                self.pane_mut(side).selected.clear();
            }
        }
        cmds.extend(self.refresh_share_panel());
        cmds
    }

    fn copied(&mut self, text: String, what: CopyWhat, outcome: CopyOutcome) {
        let status = what.status(&outcome);
        match &outcome {
            CopyOutcome::Unavailable { reason } => {
                self.set_status(status, true);
                self.layers.push(Layer::Revealed(RevealedUrls {
                    reason: escape(reason).into_owned(),
                    lines: text.lines().map(|l| escape(l).into_owned()).collect(),
                }));
            }
            _ => self.set_status(status, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(path: &str, expires: Option<i64>, code: Option<&str>) -> ShareLink {
        ShareLink {
            id: "id1".into(),
            url: "http://nas:8080/share.cgi?ssid=id1".into(),
            path: VPath::parse(path).unwrap(),
            expires,
            access_code: code.map(String::from),
            downloads: None,
        }
    }

    #[test]
    fn only_a_live_link_made_like_the_defaults_is_reused() {
        let p = VPath::parse("/Public/cat.jpg").unwrap();
        let week = Some(7 * 86_400);
        assert!(reusable(
            &link("/Public/cat.jpg", Some(2_000), None),
            &p,
            week,
            false,
            1_000
        ));
        // Expired, another file, never vs an expiry, a code when none is wanted.
        assert!(!reusable(
            &link("/Public/cat.jpg", Some(1_000), None),
            &p,
            week,
            false,
            1_000
        ));
        assert!(!reusable(
            &link("/Public/dog.jpg", Some(2_000), None),
            &p,
            week,
            false,
            1_000
        ));
        assert!(!reusable(
            &link("/Public/cat.jpg", None, None),
            &p,
            week,
            false,
            1_000
        ));
        assert!(reusable(
            &link("/Public/cat.jpg", None, None),
            &p,
            None,
            false,
            1_000
        ));
        assert!(!reusable(
            &link("/Public/cat.jpg", Some(2_000), Some("x1")),
            &p,
            week,
            false,
            0
        ));
        assert!(reusable(
            &link("/Public/cat.jpg", Some(2_000), Some("x1")),
            &p,
            week,
            true,
            0
        ));
        let mut no_url = link("/Public/cat.jpg", None, None);
        no_url.url.clear();
        assert!(!reusable(&no_url, &p, None, false, 0));
    }

    #[test]
    fn existing_links_say_so_on_the_status_line() {
        let w = CopyWhat::Existing {
            lead: "cat.jpg is already shared".into(),
            links: "the existing link (in 6 days)".into(),
        };
        assert_eq!(
            w.status(&CopyOutcome::System),
            "cat.jpg is already shared: copied the existing link (in 6 days) to the system clipboard"
        );
        let none = CopyOutcome::Unavailable {
            reason: "no display".into(),
        };
        assert_eq!(
            w.status(&none),
            "cat.jpg is already shared: the existing link (in 6 days) shown; no clipboard available: no display"
        );
        let w = CopyWhat::Made("Link to cat.jpg".into());
        assert_eq!(
            w.status(&CopyOutcome::System),
            "Link to cat.jpg copied to the system clipboard"
        );
    }
}
