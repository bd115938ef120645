//! Opening a NAS in a pane (`Cmd::Connect`): a thin task around the connect use case
//! (`services::connect`). Its prompter hands each question to the app's dialogs
//! (`Msg::Connect(ConnectMsg::Prompt)`) and ends the attempt; the dialog's answer starts
//! a new attempt with what has been answered so far (`ConnectCmd::Start`). Approval on
//! the box is reported live (`ConnectMsg::Approval`). A newer request (or Esc) aborts
//! the attempt in flight.

use std::sync::Arc;

use async_trait::async_trait;
use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedSender;

use super::Runtime;
use super::effects::Internal;
use crate::app::connect::{ConnectCmd, ConnectMsg};
use crate::app::{Msg, Problem, RequestId};
use crate::prompt::{Answer, Approval, ApprovalStatus, Prompt, Prompter, Unanswered};
use crate::remotes::RemoteError;
use crate::services::connect::{self, Answers, ConnectContext};

impl<B: Backend> Runtime<B> {
    /// [`Runtime::new`] with where the commander finds passwords and profiles and the
    /// config's `[jobs]` tuning (the plain `new` reads nothing), set before the
    /// start-up commands run.
    pub fn with_connect_context(
        terminal: ratatui::Terminal<B>,
        app: crate::app::App,
        cmds: Vec<crate::app::Cmd>,
        ctx: ConnectContext,
    ) -> std::io::Result<Self> {
        let mut rt = Runtime::new(terminal, app, Vec::new())?;
        // Checked when the config was loaded; a config built in memory may say nothing.
        let retry = match ctx.config.jobs.retry_for() {
            Ok(retry_for) => crate::jobs::RetryPolicy::with_retry_for(retry_for),
            Err(_) => crate::jobs::RetryPolicy::default(),
        };
        rt.set_engine_options(crate::jobs::EngineOptions {
            retry,
            verify: ctx.config.jobs.verify,
            ..crate::jobs::EngineOptions::default()
        });
        rt.nas.ctx = Arc::new(ctx);
        rt.execute_all(cmds);
        Ok(rt)
    }

    pub(super) fn connect_cmd(&mut self, cmd: ConnectCmd) {
        let old = self.nas.connect.take();
        self.abort(old);
        if let ConnectCmd::Resume {
            req,
            job,
            answered,
            password,
            code,
            cert_sha256,
        } = cmd
        {
            let answers = Answers {
                password,
                code,
                cert_sha256,
            };
            let task = self.resume_restored(req, job, answered.map(|place| (place, answers)));
            self.nas.connect = Some(task);
        } else if let ConnectCmd::Start {
            req,
            target,
            password,
            code,
            cert_sha256,
            ..
        } = cmd
        {
            let answers = Answers {
                password,
                code,
                cert_sha256,
            };
            let prompter = Dialogs {
                tx: self.tx.clone(),
                req,
            };
            let ctx = self.nas.ctx.clone();
            let places = self.restore.places.clone();
            self.nas.connect = Some(self.spawn(attempt(ctx, target, answers, prompter, places)));
        }
    }
}

pub(super) fn send(tx: &UnboundedSender<Internal>, msg: ConnectMsg) {
    // The loop has ended: nobody to tell.
    let _ = tx.send(Internal::Msg(Msg::Connect(msg)));
}

/// One connection attempt: the pane's backend, an error, or nothing when a dialog
/// was asked for.
async fn attempt(
    ctx: Arc<ConnectContext>,
    target: String,
    answers: Answers,
    dialogs: Dialogs,
    places: super::restore::Places,
) {
    let req = dialogs.req;
    let msg = match connect::open(&ctx, &target, &answers, &dialogs).await {
        Ok(opened) => {
            // Jobs between this pane and another are journaled under this place.
            super::restore::note_place(&places, &opened.vfs, &target);
            ConnectMsg::Connected {
                req,
                vfs: opened.vfs,
                path: opened.path,
                share_host: opened.share_host,
            }
        }
        Err(RemoteError::Deferred) => return,
        Err(e) => ConnectMsg::Failed {
            req,
            error: failure(e),
        },
    };
    send(&dialogs.tx, msg);
}

/// A failure, its kind kept: the backend's refusal is a login problem, anything else
/// (an unknown profile, a bad URL, an unreadable store) is about the target.
pub(super) fn failure(e: RemoteError) -> Problem {
    match e {
        RemoteError::Vfs(v) => Problem::Login(v),
        RemoteError::PasswordRefused(v) => Problem::PasswordRefused(v),
        other => Problem::Target(other.to_string()),
    }
}

/// The commander's prompter: every question goes to a dialog.
pub(super) struct Dialogs {
    pub(super) tx: UnboundedSender<Internal>,
    pub(super) req: RequestId,
}

#[async_trait]
impl Prompter for Dialogs {
    async fn ask(&self, prompt: Prompt) -> Result<Answer, Unanswered> {
        send(
            &self.tx,
            ConnectMsg::Prompt {
                req: self.req,
                prompt,
            },
        );
        Err(Unanswered::Deferred)
    }

    fn approval(&self, approval: Approval, status: ApprovalStatus) {
        let req = self.req;
        send(
            &self.tx,
            ConnectMsg::Approval {
                req,
                approval,
                status,
            },
        );
    }
}
