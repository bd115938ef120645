//! Free space of the volume a path is on, from `GET storage/partition/`: each partition
//! names the folder it is mounted at (`path`, base64) and its sizes.

use reqwest::Method;
use serde::Deserialize;

use super::api::Api;
use super::paths;
use crate::vfs::{SpaceInfo, VPath, VfsError, VfsResult};

#[derive(Debug, Deserialize)]
struct Partition {
    #[serde(default)]
    path: String,
    #[serde(default)]
    total_bytes: Option<u64>,
    #[serde(default)]
    free_bytes: Option<u64>,
}

/// The sizes of the partition mounted at the first folder of `path` (`/Disque dur`);
/// `None` at `/`, for an unknown volume, or when the box does not say.
pub async fn space(api: &Api, path: &VPath) -> VfsResult<Option<SpaceInfo>> {
    let Some(volume) = path.components().next() else {
        return Ok(None);
    };
    let Some(result) = api
        .call(Method::GET, "storage/partition/", None, "disk sizes")
        .await?
    else {
        return Ok(None); // the box omits `result` for an empty list
    };
    let partitions: Vec<Partition> = serde_json::from_value(result)
        .map_err(|e| VfsError::Protocol(format!("unexpected storage/partition reply: {e}")))?;
    Ok(partitions
        .into_iter()
        .find(|p| {
            paths::decode(&p.path)
                .ok()
                .is_some_and(|mount| mount.components().eq([volume]))
        })
        .and_then(|p| {
            Some(SpaceInfo {
                free: p.free_bytes?,
                total: p.total_bytes?,
            })
        }))
}
