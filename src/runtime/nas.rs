//! What the commander's NAS effects share: the connection task in flight and where
//! credentials come from (opening a NAS is in `runtime::connect`, searching in
//! `runtime::search`), and `run_for`, a look at the screen while one is still going on.

use std::sync::Arc;
use std::time::Duration;

use ratatui::backend::Backend;

use super::Runtime;
use crate::services::connect::ConnectContext;

/// The connection in flight and where credentials come from.
#[derive(Default)]
pub(super) struct NasTasks {
    pub(super) connect: Option<u64>,
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
}
