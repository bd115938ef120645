//! `GET /api/vN/storage/partition/`: one partition per volume, with sizes read by
//! `statvfs` on the folder that holds it. The notes only confirm `label` and `path`
//! (the Home Assistant storage fixture); the size keys follow the public API
//! documentation [L].

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use super::Emu;
use super::envelope::{FbxError, ok_list};
use super::paths::encode_clear;

pub async fn partitions(State(emu): State<Arc<Emu>>) -> Result<Response, FbxError> {
    let emu = emu.clone();
    let items = tokio::task::spawn_blocking(move || partition_list(&emu))
        .await
        .map_err(|_| FbxError::invalid_request("internal error"))??;
    Ok(ok_list(items))
}

fn partition_list(emu: &Emu) -> Result<Vec<Value>, FbxError> {
    let mut items = Vec::new();
    for (i, label) in emu.disk.volumes().into_iter().enumerate() {
        let clear = format!("/{label}");
        let target = emu.disk.resolve_clear(&clear)?;
        let Ok(st) = emu.disk.fs().statvfs(target.real_or_denied()?) else {
            continue;
        };
        let bytes = |blocks: u64| blocks.saturating_mul(st.f_frsize);
        let (total, free) = (bytes(st.f_blocks), bytes(st.f_bavail));
        items.push(json!({
            "id": i + 1,
            "disk_id": i,
            "state": "mounted",
            "fstype": "ext4",
            "label": label,
            "path": encode_clear(&clear),
            "total_bytes": total,
            "used_bytes": total.saturating_sub(free),
            "free_bytes": free,
        }));
    }
    Ok(items)
}
