//! `func=upload&type=standard`: one multipart file per POST, streamed to a hidden temp
//! file in the target folder and renamed into place once complete, so a dropped or
//! failed upload never leaves a half file under the final name. Memory stays bounded
//! whatever the file size. Chunked requests (no `Content-Length`) get HTTP 411 + HTML.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::envelope::{Reply, status};
use super::paths::{UPLOAD_TEMP_PREFIX, check_new_name};
use super::router::Ctx;
use super::session::random_token;
use crate::emulator::confined::WriteMode;
use crate::emulator::fsroot::FsRoot;
use crate::emulator::spool::Spool;

pub(super) fn length_required() -> Response {
    (
        StatusCode::LENGTH_REQUIRED,
        [(header::CONTENT_TYPE, "text/html")],
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>411 Length Required</title>\n</head><body>\n<h1>Length Required</h1>\n<p>A request of the requested method POST requires a valid Content-length.<br />\n</p>\n</body></html>\n",
    )
        .into_response()
}

/// Removes the temp file unless the upload completed (drop runs on every early return).
struct TempGuard(Option<(FsRoot, PathBuf)>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some((fs, p)) = self.0.take() {
            let _ = fs.remove_file(&p);
        }
    }
}

pub async fn upload(c: &Ctx, body: Body) -> Reply {
    if !c.headers.contains_key(header::CONTENT_LENGTH) {
        return Ok(length_required());
    }
    let dest = c.req("dest_path")?;
    let dir = c.emu.real_dir(dest)?;
    // `overwrite=1` replaces; anything else keeps the existing file (status 2).
    let overwrite = c.p.get("overwrite") == Some("1");
    let boundary = c
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or(status::PARAMS)?;
    // multer streams part by part; no size limit, nothing buffered beyond a chunk.
    let body = c.emu.faults.wrap_upload(body).into_data_stream();
    let mut mp = multer::Multipart::new(body, boundary);
    while let Some(mut field) = mp.next_field().await.map_err(|_| status::FAIL)? {
        // The part name does not matter; the part with a filename is the file.
        let Some(name) = field.file_name().map(str::to_string) else {
            continue;
        };
        let target = match check_new_name(&name).and_then(|_| c.emu.real_child(dest, &name)) {
            Ok(t) => t,
            Err(code) => {
                drain(&mut field).await;
                return Err(code);
            }
        };
        if c.emu.fs.entry_exists(&target) && !overwrite {
            drain(&mut field).await;
            return Err(status::EXISTS);
        }
        let temp = dir.join(format!(
            "{UPLOAD_TEMP_PREFIX}{}",
            random_token(
                b"abcdefghijklmnopqrstuvwxyz0123456789",
                super::paths::UPLOAD_TEMP_RANDOM
            )
        ));
        // Created exclusively under a random name: nothing planted there is written to.
        let file = c
            .emu
            .fs
            .open_write_async(&temp, WriteMode::CreateNew)
            .await
            .map_err(|_| status::OPEN_FAIL)?;
        let mut guard = TempGuard(Some((c.emu.fs.clone(), temp.clone())));
        let mut out = Spool::new(file);
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => out.push(chunk).await.map_err(|e| io_status(&e))?,
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(error = %e, "qnap emulator: upload body broken");
                    return Err(status::FAIL);
                }
            }
        }
        out.finish().await.map_err(|e| io_status(&e))?;
        return finish(&c.emu.fs, &temp, &target, overwrite, &mut guard).await;
    }
    Err(status::PARAMS)
}

async fn finish(
    fs: &FsRoot,
    temp: &Path,
    target: &Path,
    overwrite: bool,
    guard: &mut TempGuard,
) -> Reply {
    // The name itself decides (a link there is replaced, never written through).
    let existing = fs.symlink_metadata(target).ok();
    if !overwrite && existing.is_some() {
        return Err(status::EXISTS);
    }
    if existing.is_some_and(|m| m.is_dir()) {
        return Err(status::EXISTS);
    }
    let (fs2, temp2, target2) = (fs.clone(), temp.to_owned(), target.to_owned());
    tokio::task::spawn_blocking(move || fs2.rename(&temp2, &target2))
        .await
        .map_err(|_| status::OPEN_FAIL)?
        .map_err(|_| status::OPEN_FAIL)?;
    guard.0 = None;
    Err(status::OK)
}

/// Reads and discards a part, so the client gets its answer after sending everything.
async fn drain(field: &mut multer::Field<'_>) {
    while let Ok(Some(_)) = field.chunk().await {}
}

pub(super) fn io_status(e: &std::io::Error) -> i64 {
    if e.raw_os_error() == Some(28) || e.kind() == std::io::ErrorKind::StorageFull {
        status::QUOTA
    } else {
        status::OPEN_FAIL
    }
}
