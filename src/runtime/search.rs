//! The search panel's effect (`Cmd::Search`): one spawned task that runs
//! `services::search` and sends its hits back in batches as `Msg::Search`; a newer
//! search (or Esc) aborts the one in flight.

use futures_util::StreamExt;
use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedSender;

use super::Runtime;
use super::effects::Internal;
use crate::app::search::{SearchCmd, SearchMsg};
use crate::app::{Msg, RequestId};
use crate::vfs::{VPath, VfsHandle};

/// Hits sent to the app in one message at most (a burst is drawn once).
const HIT_BATCH: usize = 256;

impl<B: Backend> Runtime<B> {
    pub(super) fn search_cmd(&mut self, cmd: SearchCmd) {
        let old = self.search_task.take();
        self.abort(old);
        if let SearchCmd::Start {
            req,
            vfs,
            dir,
            pattern,
        } = cmd
        {
            let tx = self.tx.clone();
            self.search_task = Some(self.spawn(search(tx, req, vfs, dir, pattern)));
        }
    }
}

fn send(tx: &UnboundedSender<Internal>, msg: Msg) {
    // The loop has ended: nobody to tell.
    let _ = tx.send(Internal::Msg(msg));
}

/// Streams hits in batches until the search ends or its first error.
async fn search(
    tx: UnboundedSender<Internal>,
    req: RequestId,
    vfs: VfsHandle,
    dir: VPath,
    pattern: String,
) {
    let mut stream = match crate::services::search::search(&vfs, dir, &pattern).await {
        Ok(s) => s.ready_chunks(HIT_BATCH),
        Err(e) => {
            let error = Some(e);
            send(&tx, Msg::Search(SearchMsg::Done { req, error }));
            return;
        }
    };
    let mut error = None;
    while let Some(batch) = stream.next().await {
        let mut hits = Vec::with_capacity(batch.len());
        for item in batch {
            match item {
                Ok(h) => hits.push(h),
                Err(e) => error = Some(e),
            }
        }
        if !hits.is_empty() {
            send(&tx, Msg::Search(SearchMsg::Hits { req, hits }));
        }
        if error.is_some() {
            break;
        }
    }
    send(&tx, Msg::Search(SearchMsg::Done { req, error }));
}
