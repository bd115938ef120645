//! Reading replies: bodies capped in size, envelopes parsed, results decoded.

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::envelope::{self, Failure};
use crate::names::escape;
use crate::vfs::{VfsError, VfsResult};

/// Largest JSON reply accepted. A 100 000-entry listing page is far below; a hostile or
/// confused server cannot make us buffer more.
pub const MAX_JSON_BODY: usize = 64 * 1024 * 1024;

/// Reads a body up to `cap` bytes; more is a protocol error.
pub async fn read_capped(resp: reqwest::Response, cap: usize) -> VfsResult<Vec<u8>> {
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(VfsError::Protocol("the Freebox reply is too large".into()));
    }
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > cap {
            return Err(VfsError::Protocol("the Freebox reply is too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads and parses an enveloped reply, whatever its HTTP status.
pub async fn read_envelope(resp: reqwest::Response) -> Result<Option<Value>, Failure> {
    let status = resp.status();
    let body = read_capped(resp, MAX_JSON_BODY)
        .await
        .map_err(Failure::Vfs)?;
    envelope::parse(status, &body)
}

/// Decodes a `result` that must be present.
pub fn result_as<T: DeserializeOwned>(result: Option<Value>) -> VfsResult<T> {
    let value =
        result.ok_or_else(|| VfsError::Protocol("the Freebox reply has no result".into()))?;
    serde_json::from_value(value).map_err(|e| {
        let e = e.to_string();
        VfsError::Protocol(format!("unexpected Freebox reply shape: {}", escape(&e)))
    })
}

/// Decodes a collection `result`, which the box omits when it is empty.
pub fn list_as<T: DeserializeOwned>(result: Option<Value>) -> VfsResult<Vec<T>> {
    match result {
        None | Some(Value::Null) => Ok(Vec::new()),
        some => result_as(some),
    }
}
