//! Following a file-system task to its end (§7.2): poll `fs/tasks/{id}`, report progress,
//! delete the task once its outcome is read (finished tasks linger on the box otherwise),
//! and delete it at once when the user cancels (the box stops it, without rollback).

use std::time::Duration;

use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::api::Api;
use super::envelope::map_task_error;
use super::http::result_as;
use super::wire::FsTask;
use crate::nas::poll::PollWatch;
use crate::vfs::{ProgressFn, ServerCode, TaskProgress, VfsError, VfsResult};

const FIRST_POLL: Duration = Duration::from_millis(100);
const MAX_POLL: Duration = Duration::from_millis(500);

fn progress_of(t: &FsTask) -> TaskProgress {
    TaskProgress {
        bytes_done: t.total_bytes_done.max(0) as u64,
        bytes_total: t.total_bytes.max(0) as u64,
        items_done: t.nfiles_done.max(0) as u64,
        items_total: t.nfiles.max(0) as u64,
    }
}

pub(super) async fn delete_task(api: &Api, id: u64) {
    if let Err(e) = api
        .call(Method::DELETE, &format!("fs/tasks/{id}"), None, "task")
        .await
    {
        tracing::debug!(id, error = %e, "could not delete a finished Freebox task");
    }
}

/// Waits for `task` to finish. `what` names the items in errors.
pub async fn follow(
    api: &Api,
    task: FsTask,
    what: &str,
    progress: Option<&ProgressFn>,
    cancel: Option<&CancellationToken>,
) -> VfsResult<()> {
    let id = follow_keeping(api, task, what, progress, cancel).await?;
    delete_task(api, id).await;
    Ok(())
}

/// [`follow`], but a task that finished well is left on the box for its outcome to be
/// read (`fs/tasks/{id}/hash`); the caller deletes it with [`delete_task`]. A failed or
/// cancelled task is deleted here.
pub async fn follow_keeping(
    api: &Api,
    mut task: FsTask,
    what: &str,
    progress: Option<&ProgressFn>,
    cancel: Option<&CancellationToken>,
) -> VfsResult<u64> {
    let never = CancellationToken::new();
    let cancel = cancel.unwrap_or(&never);
    let mut delay = FIRST_POLL;
    // A failed poll is not a failed task: it keeps running on the box.
    let mut watch = PollWatch::default();
    loop {
        if let Some(report) = progress {
            report(progress_of(&task));
        }
        match task.state.as_str() {
            "done" => return Ok(task.id),
            "failed" => {
                delete_task(api, task.id).await;
                return Err(map_task_error(&task.kind, &task.error, what));
            }
            _ => {}
        }
        tokio::select! {
            _ = cancel.cancelled() => {
                delete_task(api, task.id).await;
                return Err(VfsError::Cancelled);
            }
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(MAX_POLL);
        let answer = api
            .call(Method::GET, &format!("fs/tasks/{}", task.id), None, "task")
            .await
            .map_err(|e| match e {
                VfsError::Server {
                    code: ServerCode::Named(code),
                    ..
                } if code == "invalid_id" || code == "task_not_found" => {
                    VfsError::Protocol(format!(
                        "the Freebox task for {} disappeared before it finished",
                        crate::names::escape(what)
                    ))
                }
                e => e,
            });
        let Some(result) = watch.check(answer)? else {
            continue;
        };
        task = result_as(result)?;
    }
}
