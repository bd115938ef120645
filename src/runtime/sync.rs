//! The Sync dialog's effects (`Cmd::Sync`): planning as one spawned task that compares
//! both trees through `services::sync` (progress a few times a second, `Msg::Sync`), and
//! Run, which starts the ticked plan as one engine job (`SyncJobs::start`), journaled
//! when both ends have a place (`restore.rs`), so a killed commander lists it paused.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::Runtime;
use super::effects::Internal;
use crate::app::sync_dialog::{SyncCmd, SyncMsg};
use crate::app::{Msg, RequestId};
use crate::jobs::JobKind;
use crate::services::sync::{CompareOptions, Direction, Ends, Plan, SyncJobs, compare_trees};

/// How often the planning's progress is sent.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

impl<B: Backend> Runtime<B> {
    pub(super) fn sync_cmd(&mut self, cmd: SyncCmd) {
        match cmd {
            SyncCmd::Plan {
                req,
                ends,
                direction,
                delete,
                opts,
            } => {
                let old = self.sync_task.take();
                self.abort(old);
                let tx = self.tx.clone();
                let fut = plan(tx, req, ends, direction, delete, opts);
                self.sync_task = Some(self.spawn(fut));
            }
            SyncCmd::Cancel => {
                let old = self.sync_task.take();
                self.abort(old);
            }
            SyncCmd::Run { plan, ends, title } => match SyncJobs::of(&plan, &ends) {
                Ok(jobs) => {
                    let places = crate::app::jobs::Footprint(jobs.places());
                    let id = self.start_sync(jobs, &plan, &ends, title.clone());
                    tracing::info!(job = id, %title, "sync job started");
                    self.dispatch(Msg::JobStarted {
                        id,
                        kind: JobKind::Sync,
                        title,
                    });
                    self.dispatch(Msg::JobPlaces { id, places });
                }
                Err(e) => self.dispatch(Msg::Sync(SyncMsg::RunFailed(e))),
            },
            SyncCmd::InSync {
                ends,
                direction,
                delete,
            } => {
                let keys = self.settled_sync(&ends, direction, delete);
                if !keys.is_empty() {
                    self.dispatch(Msg::Sync(SyncMsg::Settled(keys)));
                }
            }
        }
    }
}

fn send(tx: &UnboundedSender<Internal>, msg: SyncMsg) {
    // The loop has ended: nobody to tell.
    let _ = tx.send(Internal::Msg(Msg::Sync(msg)));
}

/// Compares both trees (progress every `PROGRESS_EVERY`) and sends the plan. Aborting
/// the task drops the walk; the token stops what it already spawned.
async fn plan(
    tx: UnboundedSender<Internal>,
    req: RequestId,
    ends: Ends,
    direction: Direction,
    delete: bool,
    mut opts: CompareOptions,
) {
    let listed = Arc::new(AtomicU64::new(0));
    opts.listed = Some(listed.clone());
    let cancel = CancellationToken::new();
    let _stop = cancel.clone().drop_guard();
    let compare = compare_trees(&ends, &opts, &cancel);
    tokio::pin!(compare);
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    tick.tick().await;
    let result = loop {
        tokio::select! {
            cmp = &mut compare => break cmp,
            _ = tick.tick() => {
                let listed = listed.load(Ordering::Relaxed);
                send(&tx, SyncMsg::Progress { req, listed });
            }
        }
    };
    let result = result.map(|cmp| Plan::make(&cmp, direction, delete));
    send(&tx, SyncMsg::Planned { req, result });
}
