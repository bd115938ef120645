//! Checksums computed by the box (§7, `fs/hash`): a `hash` task is started, followed
//! to its end like the other tasks, its digest read from `fs/tasks/{id}/hash`, then the
//! task deleted (finished tasks linger on the box otherwise).

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

/// The sha256 of `path` on the box, as lowercase hex.
pub async fn sha256(api: &Api, path: &VPath) -> VfsResult<String> {
    let what = path.as_str();
    let body = json!({"src": paths::encode(path), "hash_type": "sha256"});
    let task = fs::start_task(api, "fs/hash/", &body, what).await?;
    let id = tasks::follow_keeping(api, task, what, None, None).await?;
    let answer: VfsResult<HashResult> = api
        .call_as(Method::GET, &format!("fs/tasks/{id}/hash"), None, what)
        .await;
    tasks::delete_task(api, id).await;
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
