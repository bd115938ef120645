//! The two-step HTTP upload of API v1–v3 (§8.3), for boxes too old for the WebSocket
//! upload: `POST upload/` {dirname, upload_name} → `{id}`, then `POST upload/{id}/send`
//! with one multipart file part, streamed from the reader (bounded memory).
//!
//! This API has no "overwrite": an existing name is a `conflict`, so `write_new` removes
//! the old file first, as its contract (replace) asks.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;

use super::api::{AUTH_HEADER, Api};
use super::http::{read_envelope, result_as};
use super::{fs, paths, tasks};
use crate::nas::upload_speed::{UploadMeter, within_min_speed};
use crate::vfs::{ByteReader, VPath, VfsError, VfsResult};

#[derive(Deserialize)]
struct Created {
    /// An int on most boxes, a string in the v3 documentation.
    id: Value,
}

fn id_of(c: &Created) -> VfsResult<u64> {
    match &c.id {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| VfsError::Protocol("the Freebox returned an odd upload id".into()))
}

/// Announces the upload; returns its id.
async fn announce(api: &Api, path: &VPath) -> VfsResult<u64> {
    let body = json!({"dirname": paths::encode(&path.parent()), "upload_name": path.name()});
    let created: Created = api
        .call_as(Method::POST, "upload/", Some(&body), path.as_str())
        .await?;
    id_of(&created)
}

/// Writes `len` bytes from `data` to `path`, replacing any file of that name.
pub async fn write_new(api: &Api, path: &VPath, len: u64, data: ByteReader) -> VfsResult<()> {
    let what = path.as_str();
    let id = match announce(api, path).await {
        Err(VfsError::AlreadyExists(_)) => {
            let body = json!({"files": [paths::encode(path)]});
            let task = fs::start_task(api, "fs/rm/", &body, what).await?;
            tasks::follow(api, task, what, None, None).await?;
            announce(api, path).await?
        }
        other => other?,
    };
    // The bytes can be sent only once, so this step is not retried after a re-login: a
    // session that expired right here surfaces as the (transient) SessionExpired.
    let session = api.session().await?;
    let meter = UploadMeter::default();
    let stream = meter.counted(ReaderStream::new(data.take(len)));
    let part = Part::stream_with_length(reqwest::Body::wrap_stream(stream), len)
        .file_name(path.name().to_owned())
        .mime_str("application/octet-stream")
        .map_err(|_| VfsError::Protocol("bad upload content type".into()))?;
    let request = api
        .http
        .post(api.url(&format!("upload/{id}/send")))
        .header(AUTH_HEADER, session.token.expose())
        .multipart(Form::new().part("file", part));
    let result = within_min_speed(&meter, len, async move {
        let resp = request.send().await?;
        read_envelope(resp).await.map_err(|f| f.into_vfs(what))
    })
    .await?;
    // Some boxes return the FileUpload, others nothing; a FileUpload's size is checked.
    if let Some(v) = result
        && v.get("size").is_some()
    {
        #[derive(Deserialize)]
        struct Done {
            size: u64,
        }
        let done: Done = result_as(Some(v))?;
        if done.size != len {
            return Err(VfsError::SizeMismatch {
                path: what.to_owned(),
                expected: len,
                found: done.size,
            });
        }
    }
    Ok(())
}
