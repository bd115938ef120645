//! The legacy two-step HTTP upload of API v1–v3 (deprecated in v4, gone from the v8
//! documentation; served here up to v7): `POST /upload/` {dirname, upload_name} → `{id}`,
//! then `POST /upload/{id}/send` with one multipart file part. Streams to a temporary
//! name and renames into place, like the WebSocket upload.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path as UrlPath, Request, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::Emu;
use super::envelope::{FbxError, ok, parse_body};
use super::fs::io_error;
use super::routes::ApiMajor;
use super::upload::{create_temp, is_reserved};
use crate::emulator::fsroot::FsRoot;

/// Last API major serving the legacy upload.
const LAST_LEGACY_MAJOR: u32 = 7;

/// Announced uploads waiting for their data: id → (folder, final name).
#[derive(Default)]
pub struct LegacyTargets {
    inner: Mutex<HashMap<u64, (PathBuf, String)>>,
}

#[derive(Deserialize)]
struct CreateBody {
    dirname: String,
    upload_name: String,
}

/// `POST /api/v3/upload/`
pub async fn create(
    State(emu): State<Arc<Emu>>,
    Extension(ApiMajor(major)): Extension<ApiMajor>,
    body: Bytes,
) -> Result<Response, FbxError> {
    if major > LAST_LEGACY_MAJOR {
        return Err(FbxError::not_found_route());
    }
    let req: CreateBody = parse_body(&body)?;
    let dir = emu.disk.resolve_token(&req.dirname)?;
    let dir_real = dir.real_or_denied()?.to_path_buf();
    if !emu.disk.fs().is_dir(&dir_real) {
        return Err(FbxError::path_not_found());
    }
    if is_reserved(&req.upload_name) {
        return Err(FbxError::invalid_request("Requête invalide : nom réservé"));
    }
    let dest = emu.disk.child(&dir, &req.upload_name)?;
    if dest
        .real
        .as_ref()
        .is_some_and(|p| emu.disk.fs().entry_exists(p))
    {
        return Err(FbxError::business("conflict", "Le fichier existe déjà"));
    }
    let id = emu.uploads.start(&req.upload_name, &dir.clear, 0, 0);
    emu.uploads.set_status(id, "authorized");
    emu.legacy
        .inner
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, (dir_real, req.upload_name));
    Ok(ok(json!({"id": id})))
}

/// `POST /api/v3/upload/{id}/send` with a multipart body holding the file.
pub async fn send(
    State(emu): State<Arc<Emu>>,
    UrlPath((_v, id)): UrlPath<(String, String)>,
    req: Request,
) -> Result<Response, FbxError> {
    // The body goes through the upload faults (bandwidth cap, dropped connection).
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(parts, emu.faults.wrap_upload(body));
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|_| FbxError::invalid_request("Requête invalide : multipart attendu"))?;
    let id: u64 = id
        .parse()
        .map_err(|_| FbxError::business("invalid_id", "Identifiant invalide"))?;
    let target = emu
        .legacy
        .inner
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&id);
    let Some((dir, name)) = target else {
        return Err(FbxError::business("invalid_id", "Identifiant invalide"));
    };
    emu.uploads.set_status(id, "in_progress");
    let fs = emu.disk.fs().clone();
    let result = receive(&emu, id, &mut multipart, &fs, &dir, &name).await;
    match result {
        Ok(temp) => {
            let dest = dir.join(&name);
            tokio::task::spawn_blocking(move || fs.rename(&temp, &dest))
                .await
                .map_err(|e| FbxError::internal(format!("Erreur interne : {e}")))?
                .map_err(|e| io_error(&e))?;
            emu.uploads.set_status(id, "done");
            Ok(super::envelope::ok_empty())
        }
        Err(e) => {
            emu.uploads.set_status(id, "failed");
            Err(e)
        }
    }
}

/// Streams the first file part of the body into a new temporary file beside `name` in
/// `dir` (random name, created exclusively) and returns its path; removed on failure.
async fn receive(
    emu: &Emu,
    id: u64,
    multipart: &mut Multipart,
    fs: &FsRoot,
    dir: &Path,
    name: &str,
) -> Result<PathBuf, FbxError> {
    let bad = || FbxError::invalid_request("Requête invalide : données manquantes");
    let mut field = loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|_| bad())?
            .ok_or_else(bad)?;
        if field.file_name().is_some() {
            break field;
        }
    };
    let (fs2, dir2, name2) = (fs.clone(), dir.to_owned(), name.to_owned());
    let (temp, file) = tokio::task::spawn_blocking(move || create_temp(&fs2, &dir2, &name2))
        .await
        .map_err(|e| FbxError::internal(format!("Erreur interne : {e}")))?
        .map_err(|e| io_error(&e))?;
    let mut file = tokio::fs::File::from_std(file);
    let streamed = async {
        let mut written = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(|_| bad())? {
            file.write_all(&chunk).await.map_err(|e| io_error(&e))?;
            written += chunk.len() as u64;
            emu.uploads.progress(id, written);
        }
        file.sync_all().await.map_err(|e| io_error(&e))
    }
    .await;
    if let Err(e) = streamed {
        drop(file);
        let (fs, temp) = (fs.clone(), temp);
        let _ = tokio::task::spawn_blocking(move || fs.remove_file(&temp)).await;
        return Err(e);
    }
    Ok(temp)
}
