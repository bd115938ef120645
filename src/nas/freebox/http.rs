//! Reading replies: bodies capped in size, envelopes parsed, results decoded.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::envelope::{self, Failure};
use crate::names::escape;
use crate::vfs::{VfsError, VfsResult};

/// Largest JSON reply accepted (the one ceiling of every NAS reply).
pub use crate::nas::reply::MAX_REPLY as MAX_JSON_BODY;
pub use crate::nas::reply::read_capped;

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
