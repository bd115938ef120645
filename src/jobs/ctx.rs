//! What every part of a running job shares: its id, the event channel, the cancel
//! token, the accounting and the engine options.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::patience::Patience;
use super::progress::Accounting;
use super::retry::RetryPolicy;
use super::{JobEvent, JobId, JobKind};
use crate::vfs::{VPath, VfsHandle, VfsResult};

/// Tuning of the engine; the defaults suit both a local disk and a NAS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineOptions {
    /// Files transferred at once within one job (many small files run in parallel; one
    /// big file streams alone at full speed).
    pub workers: usize,
    /// Raise `workers` for a slow link, from the round trip measured when a job starts
    /// (`jobs::pace`); false when the user fixed the count (`--jobs`).
    pub adapt_to_link: bool,
    pub retry: RetryPolicy,
    /// What a transfer compares before the rename (`jobs::verify`).
    pub verify: super::Verify,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            workers: 8,
            adapt_to_link: true,
            retry: RetryPolicy::default(),
            verify: super::Verify::default(),
        }
    }
}

pub(crate) struct JobCtx {
    pub id: JobId,
    pub kind: JobKind,
    pub events: UnboundedSender<JobEvent>,
    pub cancel: CancellationToken,
    pub acct: Arc<Accounting>,
    pub opts: EngineOptions,
    pub src: VfsHandle,
    /// Target backend and folder (copy/move).
    pub dst: Option<(VfsHandle, VPath)>,
    /// Continue the partial downloads an earlier run left (`jobs::resume`); off, they
    /// are removed and the files fetched again.
    pub resume: bool,
    /// The job's journal (`jobs::journal`), when it is journaled.
    pub journal: Option<Arc<super::journal::JobJournal>>,
    /// The round trip to the source, measured when the job started (`jobs::pace`; only
    /// when the engine adapts to the link). A big download uses it to choose between
    /// one plain stream and parallel ranges (`jobs::ranged`).
    pub src_rtt: std::sync::OnceLock<std::time::Duration>,
}

impl JobCtx {
    /// Runs one backend call of the job under its retry policy; while it waits to
    /// retry, the job's progress says "reconnecting".
    pub async fn retry<T, F, Fut>(&self, op: F) -> VfsResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = VfsResult<T>>,
    {
        self.opts
            .retry
            .run_watched(&self.cancel, Some(&*self.acct), op)
            .await
    }

    /// A fresh retry state for an operation of this job that tracks its own progress.
    pub fn patience(&self) -> Patience<'_> {
        Patience::new(self.opts.retry, Some(&*self.acct))
    }

    /// Records in the journal that `src`'s copy is verified (and, for a move, the
    /// source removed).
    pub fn mark_done(&self, src: &VPath) {
        if let Some(j) = &self.journal {
            j.mark_done(src);
        }
    }

    /// Whether an earlier run of this job verified `src`'s copy.
    pub fn was_done(&self, src: &VPath) -> bool {
        self.journal.as_ref().is_some_and(|j| j.was_done(src))
    }

    /// The target backend (copy/move jobs always have one; delete jobs use `src`).
    pub fn dst_vfs(&self) -> &VfsHandle {
        self.dst.as_ref().map(|(v, _)| v).unwrap_or(&self.src)
    }

    /// Source and target are the same backend, so renames and native copies work across
    /// them. Two handles of one backend (one per pane) count as the same when their
    /// labels match.
    pub fn same_backend(&self) -> bool {
        same_backend(&self.src, self.dst_vfs())
    }
}

pub(crate) fn same_backend(a: &VfsHandle, b: &VfsHandle) -> bool {
    Arc::ptr_eq(a, b) || a.label() == b.label()
}
