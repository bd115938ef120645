//! Checksums computed by the box (§7, `fs/hash`): a `hash` task is started, followed
//! to its end like the other tasks, its digest read from `fs/tasks/{id}/hash`, then the
//! task deleted (finished tasks linger on the box otherwise). A caller that stops
//! waiting (a cancelled job drops the future) still gets its task deleted on the box
//! ([`TaskGuard`]), so it neither runs on nor lingers in the task list.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::api::Api;
use super::{fs, paths, tasks};
use crate::nas::poll::PollWatch;
use crate::vfs::{VPath, VfsError, VfsResult};

/// Waits before asking again for a digest whose read failed (doubled up to the max).
const DIGEST_RETRY: Duration = Duration::from_millis(250);
const DIGEST_RETRY_MAX: Duration = Duration::from_secs(2);

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
    // The digest stays on the box until the task is deleted: a failed read of it is
    // asked again on its own (`PollWatch`), not by hashing the whole file again.
    let endpoint = format!("fs/tasks/{id}/hash");
    let answer: VfsResult<HashResult> = PollWatch::default()
        .ask(DIGEST_RETRY, DIGEST_RETRY_MAX, || {
            api.call_as(Method::GET, &endpoint, None, what)
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::freebox::{FreeboxEmulatorConfig, spawn};
    use crate::vfs::Checksums;

    /// The box's answer with the digest is asked again on its own when it fails: the
    /// whole file is not hashed a second time. Requests: 1-4 the registration, 5-7 the
    /// session, 8 the hash task, 9 a poll (done), 10 the digest (HTTP 500), 11 the
    /// digest again, 12 the task deleted.
    #[tokio::test]
    async fn a_lost_digest_is_asked_again_without_hashing_again() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), b"0123456789").unwrap();
        let mut cfg = FreeboxEmulatorConfig::new(dir.path());
        cfg.faults.http500_every = Some(10);
        let log = cfg.request_log.clone();
        let emu = spawn(cfg).await.unwrap();
        let fbx = crate::nas::freebox::signed_in::signed_in(&emu.base_url).await;
        let a = VPath::parse("/Disque dur/a.txt").unwrap();
        let hash = crate::jobs::retry_interactive(|| fbx.sha256(&a)).await;
        let lines = log.lines();
        assert_eq!(
            hash.unwrap_or_else(|e| panic!("{e} {lines:?}")),
            "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882"
        );
        let tasks = lines.iter().filter(|l| l.contains("fs/hash")).count();
        assert_eq!(tasks, 1, "{lines:?}");
    }
}
