//! Carrying out share-link and clipboard commands. NAS calls run as tasks; a copy runs on
//! a blocking thread (the system clipboard may take up to its 2 s timeout). OSC 52 bytes
//! come back to the loop as `Internal::TerminalBytes`, which writes them after a frame.

use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::Msg;
use crate::app::share::{CodeChoice, ShareCmd, ShareMsg};
use crate::clipboard::{Clipboard, CopyOutcome};
use crate::share_format::generate_access_code;
use crate::vfs::{ShareLink, ShareOptions, VPath, VfsError, VfsHandle};

use super::Runtime;
use super::effects::{Internal, user_error};

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
            } => {
                self.spawn(async move {
                    let (results, codes_dropped) =
                        create(&vfs, paths, expire_secs, &code, host).await;
                    send(
                        &tx,
                        ShareMsg::Created {
                            side,
                            results,
                            codes_dropped,
                        },
                    );
                });
            }
            ShareCmd::List { req, vfs } => {
                self.spawn(async move {
                    let result = vfs.share_list().await.map_err(|e| user_error(&e));
                    send(&tx, ShareMsg::Listed { req, result });
                });
            }
            ShareCmd::Update { vfs, link, opts } => {
                self.spawn(async move {
                    let result = vfs
                        .share_update(&link, &opts)
                        .await
                        .map_err(|e| user_error(&e));
                    send(&tx, ShareMsg::Updated { old: link, result });
                });
            }
            ShareCmd::Revoke { vfs, links } => {
                self.spawn(async move {
                    let mut results = Vec::with_capacity(links.len());
                    for link in links {
                        let r = vfs.share_revoke(&link).await.map_err(|e| user_error(&e));
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

/// One link per path, in order; a failure does not stop the others. A generated code (the
/// config's default) is dropped where the NAS has no access codes (a Freebox); the flag
/// says so. A code the user typed is never dropped silently: that fails instead.
async fn create(
    vfs: &VfsHandle,
    paths: Vec<VPath>,
    expire_secs: Option<u64>,
    code: &CodeChoice,
    host: Option<String>,
) -> (Vec<(VPath, Result<ShareLink, String>)>, bool) {
    let mut codes_dropped = false;
    let mut results = Vec::with_capacity(paths.len());
    for path in paths {
        let access_code = match code {
            CodeChoice::None => Ok(None),
            CodeChoice::Given(c) => Ok(Some(c.clone())),
            CodeChoice::Generate => generate_access_code()
                .map(|c| Some(c.expose().to_owned()))
                .map_err(|e| e.to_string()),
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
                r.map_err(|e| user_error(&e))
            }
            Err(e) => Err(e),
        };
        results.push((path, result));
    }
    (results, codes_dropped)
}

async fn copy(tx: UnboundedSender<Internal>, clipboard: Clipboard, text: String, what: String) {
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
