//! The NAS effects of the commander: searching (`Cmd::Search`) here, opening a NAS in a
//! pane (`Cmd::Connect`) in `runtime::connect`. Each runs as one spawned task whose
//! progress comes back as `Msg::Connect` / `Msg::Search`; a newer request (or Esc)
//! aborts the one in flight.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedSender;

use super::Runtime;
use super::effects::Internal;
use crate::app::search::{SearchCmd, SearchMsg};
use crate::app::{Msg, RequestId};
use crate::services::connect::ConnectContext;
use crate::vfs::{VPath, VfsHandle};

/// Hits sent to the app in one message at most (a burst is drawn once).
const HIT_BATCH: usize = 256;

/// The tasks in flight and where credentials come from.
#[derive(Default)]
pub(super) struct NasTasks {
    pub(super) connect: Option<u64>,
    search: Option<u64>,
    pub(super) ctx: Arc<ConnectContext>,
}

impl<B: Backend> Runtime<B> {
    /// Handles whatever arrives for `d`, then draws: a look at the screen while
    /// something is still going on (a Freebox waiting for its button press).
    pub async fn run_for(&mut self, d: Duration) -> std::io::Result<()> {
        let until = tokio::time::Instant::now() + d;
        loop {
            tokio::select! {
                Some(i) = self.rx.recv() => self.on_internal(i),
                _ = tokio::time::sleep_until(until) => break,
            }
        }
        self.render()
    }

    pub(super) fn search_cmd(&mut self, cmd: SearchCmd) {
        let old = self.nas.search.take();
        self.abort(old);
        if let SearchCmd::Start {
            req,
            vfs,
            dir,
            pattern,
        } = cmd
        {
            let tx = self.tx.clone();
            self.nas.search = Some(self.spawn(search(tx, req, vfs, dir, pattern)));
        }
    }
}

fn send(tx: &UnboundedSender<Internal>, msg: Msg) {
    let _ = tx.send(Internal::Msg(msg));
}

/// Streams hits in batches: server-side when the backend can, else a bounded walk.
async fn search(
    tx: UnboundedSender<Internal>,
    req: RequestId,
    vfs: VfsHandle,
    dir: VPath,
    pattern: String,
) {
    let stream = if vfs.capabilities().server_search {
        vfs.search(&dir, &pattern).await
    } else {
        Ok(crate::jobs::search::walk_search(vfs, dir, &pattern))
    };
    let mut stream = match stream {
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
