//! One file copied through the engine by a use case that waits for it (F4's write-back
//! of an edit): the copy's temporary name, verification, rename over the old file and
//! per-step retries — each request tried again on its own, so a link that fails every
//! few requests still gets the file there — without a row in the jobs panel.

use std::time::Duration;

use super::ctx::EngineOptions;
use super::engine::JobEngine;
use super::retry::RetryPolicy;
use super::{ConflictPolicy, JobEvent, JobKind, JobSpec};
use crate::vfs::{VPath, VfsHandle};

/// A person waits: a few seconds of retries per step, not a job's minutes.
const PATIENCE: RetryPolicy = RetryPolicy {
    retries: 5,
    retry_for: Duration::from_secs(20),
    first_delay: Duration::from_millis(200),
    max_delay: Duration::from_secs(2),
};

/// Copies `from` (on `src`) to `dir/name` on `dst`, over a file already there. The
/// error is the failure as the job reports it.
pub async fn copy_one_file(
    src: VfsHandle,
    from: VPath,
    dst: VfsHandle,
    dir: VPath,
    name: String,
) -> Result<(), String> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = JobEngine::with_options(
        tx,
        EngineOptions {
            workers: 1,
            adapt_to_link: false,
            retry: PATIENCE,
            ..EngineOptions::default()
        },
    );
    let id = engine.start(JobSpec {
        kind: JobKind::Copy,
        src,
        sources: vec![from],
        dst: Some((dst, dir)),
        rename_to: Some(name),
        conflict: ConflictPolicy::Overwrite,
    });
    while let Some(event) = rx.recv().await {
        if let JobEvent::Finished { id: done, report } = event
            && done == id
        {
            return match report.failed.into_iter().next() {
                None if report.items_done > 0 => Ok(()),
                None => Err("nothing was written".into()),
                Some(failed) => Err(failed.message),
            };
        }
    }
    Err("the copy ended without a word".into())
}
