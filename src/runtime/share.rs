//! Carrying out share-link and clipboard commands. NAS calls run as tasks; a copy runs on
//! a blocking thread (the system clipboard may take up to its 2 s timeout). OSC 52 bytes
//! come back to the loop as `Internal::TerminalBytes`, which writes them after a frame.

use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::share::{CodeChoice, CopyWhat, ShareCmd, ShareMsg, reusable};
use crate::app::{Msg, Problem};
use crate::clipboard::{Clipboard, CopyOutcome};
use crate::share_format::{generate_access_code, url_names_host, url_with_host};
use crate::vfs::{ShareLink, ShareOptions, VPath, VfsError, VfsHandle};

use super::Runtime;
use super::effects::Internal;

impl<B: Backend> Runtime<B> {
    pub(super) fn execute_share(&mut self, cmd: ShareCmd) {
        let tx = self.tx.clone();
        match cmd {
            ShareCmd::Create {
                side,
                vfs,
                paths,
                expire_secs,
                code,
                host,
                reuse,
                codes_dropped,
            } => {
                self.spawn(async move {
                    let mut paths = paths;
                    let mut results = Vec::with_capacity(paths.len());
                    let mut reused = Vec::new();
                    if reuse {
                        let found = existing(&vfs, &paths, expire_secs, &code, &host).await;
                        paths.retain(|p| !found.iter().any(|(q, _)| q == p));
                        reused = found.iter().map(|(_, l)| l.id.clone()).collect();
                        results.extend(found.into_iter().map(|(p, l)| (p, Ok(l))));
                    }
                    let (made, dropped) = create(&vfs, paths, expire_secs, &code, host).await;
                    results.extend(made);
                    send(
                        &tx,
                        ShareMsg::Created {
                            side,
                            results,
                            codes_dropped: codes_dropped || dropped,
                            reused,
                        },
                    );
                });
            }
            ShareCmd::Hosts { vfs } => {
                self.spawn(async move {
                    let result = vfs.share_hosts().await;
                    send(
                        &tx,
                        ShareMsg::Hosts {
                            label: vfs.label(),
                            result,
                        },
                    );
                });
            }
            ShareCmd::List { req, vfs, host } => {
                self.spawn(async move {
                    let result = list(&vfs, host.as_deref()).await;
                    send(&tx, ShareMsg::Listed { req, result });
                });
            }
            ShareCmd::Update { vfs, link, opts } => {
                self.spawn(async move {
                    let result = vfs.share_update(&link, &opts).await;
                    send(&tx, ShareMsg::Updated { old: link, result });
                });
            }
            ShareCmd::Revoke { vfs, links } => {
                self.spawn(async move {
                    let mut results = Vec::with_capacity(links.len());
                    for link in links {
                        let r = vfs.share_revoke(&link).await;
                        results.push((link, r));
                    }
                    send(&tx, ShareMsg::Revoked { results });
                });
            }
            ShareCmd::Copy { text, what } => {
                let clipboard = self.clipboard.clone();
                self.spawn(copy(tx, clipboard, text, what));
            }
        }
    }
}

fn send(tx: &UnboundedSender<Internal>, msg: ShareMsg) {
    // The loop has ended: nobody to tell.
    let _ = tx.send(Internal::Msg(Msg::Share(Box::new(msg))));
}

/// Every link; where the NAS picks the URL's host itself (no `share_hosts`), a configured
/// host replaces it, as it did when the link was made.
async fn list(vfs: &VfsHandle, host: Option<&str>) -> Result<Vec<ShareLink>, VfsError> {
    let mut links = vfs.share_list().await?;
    if let Some(h) = host
        && vfs.share_hosts().await.unwrap_or_default().is_empty()
    {
        for l in &mut links {
            if let Some(url) = url_with_host(&l.url, h) {
                l.url = url;
            }
        }
    }
    Ok(links)
}

/// Live links made the way the defaults make them, for the paths that have one (the
/// longest-lived if several). The URL must name the host a new link would: the
/// configured one, else the address the NAS is reached by; where the NAS picks the host
/// itself (no `share_hosts`), a configured host is put in the URL as on creation. A
/// listing that fails only means new links are made.
async fn existing(
    vfs: &VfsHandle,
    paths: &[VPath],
    expire_secs: Option<u64>,
    code: &CodeChoice,
    host: &Option<String>,
) -> Vec<(VPath, ShareLink)> {
    let links = match vfs.share_list().await {
        Ok(l) => l,
        Err(e) => {
            tracing::debug!(error = %e, "cannot list share links; making new ones");
            return Vec::new();
        }
    };
    let with_code = *code != CodeChoice::None;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let candidates: Vec<&ShareLink> = links
        .iter()
        .filter(|l| {
            paths
                .iter()
                .any(|p| reusable(l, p, expire_secs, with_code, now))
        })
        .collect();
    if candidates.is_empty() {
        // The usual first press: no need to ask the NAS for its hosts.
        return Vec::new();
    }
    let ours = vfs.share_hosts().await.unwrap_or_default();
    let want_host = host
        .clone()
        .or_else(|| ours.first().map(|h| h.host.clone()));
    let mut out = Vec::new();
    for path in paths {
        let best = candidates
            .iter()
            .copied()
            .filter(|l| reusable(l, path, expire_secs, with_code, now))
            .filter_map(|l| match (&want_host, ours.is_empty()) {
                (Some(h), false) => url_names_host(&l.url, h).then(|| l.clone()),
                (Some(h), true) => {
                    url_with_host(&l.url, h).map(|url| ShareLink { url, ..l.clone() })
                }
                (None, _) => Some(l.clone()),
            })
            .max_by_key(|l| l.expires.unwrap_or(i64::MAX));
        if let Some(l) = best {
            out.push((path.clone(), l));
        }
    }
    out
}

/// One link per path, in order; a failure does not stop the others. A generated code (the
/// config's default) is dropped where the NAS has no access codes (a Freebox); the flag
/// says so. A code the user typed is never dropped silently: that fails instead.
async fn create(
    vfs: &VfsHandle,
    paths: Vec<VPath>,
    expire_secs: Option<u64>,
    code: &CodeChoice,
    host: Option<String>,
) -> (Vec<(VPath, Result<ShareLink, Problem>)>, bool) {
    let mut codes_dropped = false;
    let mut results = Vec::with_capacity(paths.len());
    for path in paths {
        let access_code = match code {
            CodeChoice::None => Ok(None),
            CodeChoice::Given(c) => Ok(Some(c.clone())),
            CodeChoice::Generate => generate_access_code()
                .map(|c| Some(c.expose().to_owned()))
                .map_err(Problem::from),
        };
        let result = match access_code {
            Ok(access_code) => {
                let mut opts = ShareOptions {
                    expire_secs,
                    access_code: if codes_dropped { None } else { access_code },
                    host_override: host.clone(),
                };
                let mut r = vfs.share_create(&path, &opts).await;
                if matches!(r, Err(VfsError::Unsupported(_)))
                    && *code == CodeChoice::Generate
                    && opts.access_code.is_some()
                {
                    codes_dropped = true;
                    opts.access_code = None;
                    r = vfs.share_create(&path, &opts).await;
                }
                r.map_err(Problem::from)
            }
            Err(e) => Err(e),
        };
        results.push((path, result));
    }
    (results, codes_dropped)
}

async fn copy(tx: UnboundedSender<Internal>, clipboard: Clipboard, text: String, what: CopyWhat) {
    let for_copy = text.clone();
    let outcome = match tokio::task::spawn_blocking(move || clipboard.copy(&for_copy)).await {
        Ok(outcome) => outcome,
        Err(e) => CopyOutcome::Unavailable {
            reason: format!("the clipboard task failed: {e}"),
        },
    };
    // The bytes go to the loop (the terminal's only writer); the app only needs the route.
    let outcome = match outcome {
        CopyOutcome::Osc52 { bytes } => {
            let _ = tx.send(Internal::TerminalBytes(bytes));
            CopyOutcome::Osc52 { bytes: Vec::new() }
        }
        other => other,
    };
    send(
        &tx,
        ShareMsg::Copied {
            text,
            what,
            outcome,
        },
    );
}
