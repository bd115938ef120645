//! Checksums computed by the box (§7, `fs/hash`): a `hash` task is started, followed
//! to its end like the other tasks, its digest read from `fs/tasks/{id}/hash`, then the
//! task deleted (finished tasks linger on the box otherwise). A caller that stops
//! waiting (a cancelled job drops the future) still gets its task deleted on the box
//! ([`TaskGuard`]), so it neither runs on nor lingers in the task list.

use std::sync::Arc;

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::api::Api;
use super::{fs, paths, tasks};
use crate::vfs::{VPath, VfsError, VfsResult};

#[derive(Deserialize)]
struct HashResult {
    hash: String,
}

/// Deletes a hash task on the box when dropped before [`TaskGuard::settled`] (its
/// future dropped mid-way: the deletion runs as a task of its own).
struct TaskGuard {
    api: Arc<Api>,
    id: Option<u64>,
}

impl TaskGuard {
    /// The task is deleted (or was by `follow_keeping`) by the code that waited.
    fn settled(mut self) {
        self.id = None;
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let api = self.api.clone();
            rt.spawn(async move { tasks::delete_task(&api, id).await });
        }
    }
}

/// The sha256 of `path` on the box, as lowercase hex.
pub async fn sha256(api: &Arc<Api>, path: &VPath) -> VfsResult<String> {
    let what = path.as_str();
    let body = json!({"src": paths::encode(path), "hash_type": "sha256"});
    let task = fs::start_task(api, "fs/hash/", &body, what).await?;
    let guard = TaskGuard {
        api: api.clone(),
        id: Some(task.id),
    };
    let followed = tasks::follow_keeping(api, task, what, None, None).await;
    let id = match followed {
        Ok(id) => id,
        Err(e) => {
            // A failed task is deleted by `follow_keeping`; one whose polls failed
            // is left to the guard.
            if !e.is_transient() {
                guard.settled();
            }
            return Err(e);
        }
    };
    let answer: VfsResult<HashResult> = api
        .call_as(Method::GET, &format!("fs/tasks/{id}/hash"), None, what)
        .await;
    tasks::delete_task(api, id).await;
    guard.settled();
    let hash = answer?.hash.to_ascii_lowercase();
    // Whatever the box sends goes into a comparison and maybe a message: only a
    // well-formed digest is taken.
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(VfsError::Protocol(format!(
            "the Freebox answered a malformed sha256 for {}",
            crate::names::escape(what)
        )));
    }
    Ok(hash)
}
