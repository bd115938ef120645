//! Carrying out share-link and clipboard commands. NAS calls run as tasks that call
//! `services::share` and send back what came of it; a copy runs on
//! a blocking thread (the system clipboard may take up to its 2 s timeout). OSC 52 bytes
//! come back to the loop as `Internal::TerminalBytes`, which writes them after a frame.

use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::share::{CopyWhat, ShareCmd, ShareMsg};
use crate::app::{Msg, Problem};
use crate::clipboard::{Clipboard, CopyOutcome};
use crate::services::share::{self, ShareRequest};

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
                    let req = ShareRequest {
                        expire_secs,
                        code,
                        host,
                        reuse,
                    };
                    let msg = match share::create_or_reuse(vfs.as_ref(), paths.clone(), &req).await
                    {
                        Ok(created) => ShareMsg::Created {
                            side,
                            results: created
                                .results
                                .into_iter()
                                .map(|(p, r)| (p, r.map_err(Problem::from)))
                                .collect(),
                            codes_dropped: codes_dropped || created.codes_dropped,
                            reused: created.reused,
                        },
                        Err(e) => {
                            let problem = Problem::from(e);
                            ShareMsg::Created {
                                side,
                                results: paths
                                    .into_iter()
                                    .map(|p| (p, Err(problem.clone())))
                                    .collect(),
                                codes_dropped,
                                reused: Vec::new(),
                            }
                        }
                    };
                    send(&tx, msg);
                });
            }
            ShareCmd::Hosts { vfs } => {
                self.spawn(async move {
                    let result = share::hosts(vfs.as_ref()).await.map_err(Problem::from);
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
                    let result = share::list(vfs.as_ref(), host.as_deref())
                        .await
                        .map_err(Problem::from);
                    send(&tx, ShareMsg::Listed { req, result });
                });
            }
            ShareCmd::Update { vfs, link, opts } => {
                self.spawn(async move {
                    let result = share::update(vfs.as_ref(), &link, &opts)
                        .await
                        .map_err(Problem::from);
                    send(&tx, ShareMsg::Updated { old: link, result });
                });
            }
            ShareCmd::Revoke { vfs, links, all } => {
                self.spawn(async move {
                    let results = if all {
                        share::revoke_all(vfs.as_ref(), links).await
                    } else {
                        share::revoke_each(vfs.as_ref(), links).await
                    };
                    let results = results
                        .into_iter()
                        .map(|(link, r)| (link, r.map_err(Problem::from)))
                        .collect();
                    send(&tx, ShareMsg::Revoked { results });
                });
            }
            ShareCmd::Mail {
                vfs,
                path,
                mail,
                host,
            } => {
                self.spawn(async move {
                    // A new link, no code, no expiry: what the mail announces.
                    let req = ShareRequest {
                        expire_secs: None,
                        code: share::CodeChoice::None,
                        host,
                        reuse: false,
                    };
                    let recipients = mail.to.len();
                    let result = share::email(vfs.as_ref(), &path, &req, &mail)
                        .await
                        .map_err(Problem::from);
                    send(
                        &tx,
                        ShareMsg::Mailed {
                            path,
                            recipients,
                            result,
                        },
                    );
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
