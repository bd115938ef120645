//! Server-side copy/move: start the task, poll its status for progress, cancel it on
//! request. File Station forgets a finished task and then answers "percent 0" for its
//! pid (qnap.md A.4), so completion is also confirmed by looking at the targets.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::client::Client;
use super::funcs::Task;
use crate::nas::poll::PollWatch;
use crate::vfs::{ProgressFn, TaskProgress, VPath, VfsError, VfsResult};

/// Polls that show no running task before we give up on it (with the delays below,
/// roughly half a minute).
const IDLE_POLLS_MAX: u32 = 60;

#[allow(clippy::too_many_arguments)]
pub async fn run(
    client: &Client,
    task: Task,
    src_dir: &VPath,
    names: &[&str],
    dst_dir: &VPath,
    overwrite: bool,
    progress: &ProgressFn,
    cancel: &CancellationToken,
) -> VfsResult<()> {
    if cancel.is_cancelled() {
        return Err(VfsError::Cancelled);
    }
    // Sizes of the file items, for byte progress and for checking completion.
    let mut sizes = Vec::with_capacity(names.len());
    for name in names {
        let e = client.stat(src_dir.as_str(), name).await?;
        if !e.exists() {
            return Err(VfsError::NotFound(src_dir.join(name)?.to_string()));
        }
        sizes.push((!e.is_folder()).then_some(e.filesize));
    }
    let bytes_total: u64 = if sizes.iter().all(Option::is_some) {
        sizes.iter().flatten().sum()
    } else {
        0
    };
    let pid = client
        .start_task(task, src_dir.as_str(), names, dst_dir.as_str(), overwrite)
        .await?;
    tracing::debug!(?task, "qnap server task started");
    let mut idle = 0;
    let mut delay = Duration::from_millis(150);
    // A failed poll is not a failed task: it keeps running on the NAS.
    let mut watch = PollWatch::default();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => {
                if let Err(e) = client.cancel_task(task, pid).await {
                    tracing::warn!(error = %e, "could not cancel the server task");
                }
                return Err(VfsError::Cancelled);
            }
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(1));
        let answer = match client.task_status(task, pid).await {
            // Some firmware forgets the pid with "not found" instead of percent 0.
            Err(VfsError::NotFound(_)) => Ok(None),
            other => other.map(Some),
        };
        let Some(status) = watch.check(answer)? else {
            continue;
        };
        let percent = status.as_ref().and_then(|s| s.percent).unwrap_or(0);
        if let Some(s) = &status {
            let pct = percent.clamp(0, 100) as u64;
            progress(TaskProgress {
                bytes_done: bytes_total * pct / 100,
                bytes_total,
                items_done: s.the_num,
                items_total: s.files.max(names.len() as u64),
            });
        }
        if percent >= 100 {
            return Ok(());
        }
        let running = status.as_ref().is_some_and(|s| s.copying == Some(1)) || percent > 0;
        if running {
            idle = 0;
            continue;
        }
        // A hiccup while looking counts as "not there yet" (and as an idle poll).
        let done = targets_done(client, task, src_dir, names, &sizes, dst_dir).await;
        if watch.check(done)?.unwrap_or(false) {
            progress(TaskProgress {
                bytes_done: bytes_total,
                bytes_total,
                items_done: names.len() as u64,
                items_total: names.len() as u64,
            });
            return Ok(());
        }
        idle += 1;
        if idle >= IDLE_POLLS_MAX {
            return Err(VfsError::Protocol(
                "the NAS stopped reporting the task before it finished".into(),
            ));
        }
    }
}

/// True when every item is at the destination (files with their size) and, for a
/// move, gone from the source.
async fn targets_done(
    client: &Client,
    task: Task,
    src_dir: &VPath,
    names: &[&str],
    sizes: &[Option<u64>],
    dst_dir: &VPath,
) -> VfsResult<bool> {
    for (name, size) in names.iter().zip(sizes) {
        let dst = client.stat(dst_dir.as_str(), name).await?;
        if !dst.exists() || size.is_some_and(|s| dst.filesize != s) {
            return Ok(false);
        }
        if task == Task::Move && client.stat(src_dir.as_str(), name).await?.exists() {
            return Ok(false);
        }
    }
    Ok(true)
}
