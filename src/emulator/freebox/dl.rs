//! `GET /api/vN/dl/{tok}`: the file's bytes, streamed, with `Range` → 206 (one range),
//! or a JSON error envelope instead of bytes.

use std::io::SeekFrom;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::Emu;
use super::envelope::FbxError;
use super::file_info::mimetype_of;
use crate::emulator::faults::Faults;
use crate::emulator::fsroot::FsRoot;

/// Read size of the streaming body: big reads keep a fast link busy.
pub const STREAM_BUF: usize = 256 * 1024;

/// `Content-Disposition` as the box sends it. Non-ASCII names go raw (UTF-8) inside the
/// quotes (undocumented on the box); quotes, backslashes and controls become `_`.
pub fn content_disposition(name: &str) -> HeaderValue {
    let safe: String = name
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    HeaderValue::from_bytes(format!("attachment; filename=\"{safe}\"").as_bytes())
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Streams `real` (a regular file) with `Range` support, named `name`, through the
/// download faults (bandwidth cap, dropped connection).
pub async fn stream_file(
    faults: &Faults,
    fs: &FsRoot,
    real: &Path,
    name: &str,
    headers: &HeaderMap,
    ranges_allowed: bool,
) -> Result<Response, FbxError> {
    let not_a_file = || FbxError::invalid_request("Requête invalide : ce n'est pas un fichier");
    let mut file = fs.open_read_async(real).await.map_err(|e| match e.kind() {
        // A FIFO, socket or device (`open_regular` refuses them).
        std::io::ErrorKind::InvalidInput => not_a_file(),
        _ => super::fs::io_error(&e),
    })?;
    let meta = file.metadata().await.map_err(|e| super::fs::io_error(&e))?;
    if !meta.is_file() {
        return Err(not_a_file());
    }
    let len = meta.len();
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, mimetype_of(name))
        .header(header::CONTENT_DISPOSITION, content_disposition(name));
    if ranges_allowed {
        builder = builder.header(header::ACCEPT_RANGES, "bytes");
    }
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| ranges_allowed)
        .map(|v| http_range_header::parse_range_header(v).and_then(|r| r.validate(len)));
    let (status, start, count) = match range {
        None => (StatusCode::OK, 0, len),
        Some(Ok(ranges)) if ranges.len() == 1 => {
            let r = &ranges[0];
            builder = builder.header(
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{len}", r.start(), r.end()),
            );
            (
                StatusCode::PARTIAL_CONTENT,
                *r.start(),
                r.end() - r.start() + 1,
            )
        }
        // Several ranges: answering the whole file is allowed and simpler for clients.
        Some(Ok(_)) => (StatusCode::OK, 0, len),
        Some(Err(_)) => {
            return builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{len}"))
                .body(Body::empty())
                .map_err(|_| FbxError::internal("Erreur interne"));
        }
    };
    if start > 0 {
        file.seek(SeekFrom::Start(start))
            .await
            .map_err(|e| super::fs::io_error(&e))?;
    }
    let stream = ReaderStream::with_capacity(file.take(count), STREAM_BUF);
    builder
        .status(status)
        .header(header::CONTENT_LENGTH, count)
        .body(faults.wrap_download(Body::from_stream(stream)))
        .map_err(|_| FbxError::internal("Erreur interne"))
}

/// `GET /api/vN/dl/{tok}`
pub async fn download(
    State(emu): State<Arc<Emu>>,
    UrlPath((_ver, tok)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, FbxError> {
    let t = emu.disk.resolve_token(&tok)?;
    let named = t.real.as_deref().ok_or_else(FbxError::path_not_found)?;
    let fs = emu.disk.fs();
    // No entry of that name: the partial upload held under it, if any, is the file a
    // box has there (docs/EMULATOR.md, "Partial uploads").
    let real = match fs.entry_exists(named) {
        true => named.to_path_buf(),
        false => emu
            .uploads
            .held(fs, named)
            .ok_or_else(FbxError::path_not_found)?,
    };
    if fs.metadata(&real).is_err() {
        return Err(FbxError::path_not_found());
    }
    stream_file(
        &emu.faults,
        fs,
        &real,
        t.name(),
        &headers,
        emu.cfg.range_support,
    )
    .await
}
