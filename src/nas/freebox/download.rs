//! Downloads through `GET dl/{token}` (§8.1), resumable with `Range`.
//!
//! The box answers a failure with a JSON envelope instead of the bytes, so a reply is
//! only streamed as file content once it is known not to be one: a non-2xx status is
//! always an error; a 2xx JSON reply without `Content-Disposition` is inspected first
//! (a real `.json` file comes back with the bytes already read put in front).

use bytes::Bytes;
use futures_util::{TryStreamExt, stream};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::{Response, StatusCode};
use tokio::io::AsyncReadExt;
use tokio_util::io::StreamReader;

use super::api::{AUTH_HEADER, Api};
use super::envelope;
use super::http::{MAX_JSON_BODY, read_capped};
use super::paths;
use crate::nas::body_speed::with_min_speed;
use crate::vfs::{ByteReader, VPath, VfsError, VfsResult};

/// How much of a 2xx JSON-typed reply is read to tell an error envelope from a file.
const SNIFF_LIMIT: usize = 1024 * 1024;

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"))
}

/// The start offset of a `Content-Range: bytes START-END/TOTAL` header.
fn range_start(resp: &Response) -> Option<u64> {
    let v = resp.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    rest.split('-').next()?.trim().parse().ok()
}

/// The size a 416 reply gives in `Content-Range: bytes */SIZE`.
fn complete_length(resp: &Response) -> Option<u64> {
    let v = resp.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    v.trim().strip_prefix("bytes */")?.trim().parse().ok()
}

fn body_reader(resp: Response) -> ByteReader {
    Box::pin(StreamReader::new(
        resp.bytes_stream().map_err(std::io::Error::other),
    ))
}

fn bytes_reader(bytes: Bytes) -> ByteReader {
    Box::pin(StreamReader::new(stream::iter([Ok::<_, std::io::Error>(
        bytes,
    )])))
}

/// A download that passed the checks: the status and the file bytes.
struct Opened {
    status: StatusCode,
    reader: ByteReader,
}

/// Opens `path` for reading from `offset`, under the minimum body speed.
pub async fn open_read(api: &Api, path: &VPath, offset: u64) -> VfsResult<ByteReader> {
    let opened = open(api, path, offset, None).await?;
    let what = path.as_str();
    // The bytes skipped below count towards the minimum speed too: a box that ignores
    // the range and trickles would otherwise hold every retry for longer than the one
    // before, each one still moving the file forward, so the retry budget never ends.
    let mut reader = with_min_speed(opened.reader);
    if offset > 0 && opened.status != StatusCode::PARTIAL_CONTENT {
        // The box ignored the range: skip the bytes we already have.
        tracing::debug!(offset, "Range ignored by the Freebox, skipping locally");
        let skipped = tokio::io::copy(&mut (&mut reader).take(offset), &mut tokio::io::sink())
            .await
            .map_err(|e| skip_error(what, e))?;
        if skipped < offset {
            return Err(VfsError::SizeMismatch {
                path: what.to_owned(),
                expected: offset,
                found: skipped,
            });
        }
    }
    Ok(reader)
}

/// Opens the `len` bytes of `path` from `offset` (one part of a parallel download),
/// asking for exactly that range, under the minimum body speed. A box that ignores the
/// range fails with `Unsupported` for a part after the start, rather than sending the
/// whole file for every part.
pub async fn open_read_range(
    api: &Api,
    path: &VPath,
    offset: u64,
    len: u64,
) -> VfsResult<ByteReader> {
    let opened = open(api, path, offset, Some(offset + len)).await?;
    if offset > 0 && opened.status != StatusCode::PARTIAL_CONTENT {
        return Err(VfsError::Unsupported(
            "ranged reads (the Freebox ignores Range)",
        ));
    }
    // Cut at the end of the part (a whole file sent for the part at offset 0).
    Ok(with_min_speed(Box::pin(opened.reader.take(len))))
}

/// A failed skip keeps the reader's own error (a body too slow); anything else is a
/// dropped connection, worth another try.
fn skip_error(what: &str, e: std::io::Error) -> VfsError {
    VfsError::from_body_read(e, || {
        format!("the download of {} broke off", crate::names::escape(what))
    })
}

/// Sends the download request from `offset`, up to `end` (exclusive) when given.
async fn open(api: &Api, path: &VPath, offset: u64, end: Option<u64>) -> VfsResult<Opened> {
    let url = api.url(&format!("dl/{}", paths::encode(path)));
    let what = path.as_str();
    api.with_session(|token| {
        let mut req = api.http.get(&url).header(AUTH_HEADER, token.expose());
        match end {
            Some(end) => req = req.header(RANGE, format!("bytes={offset}-{}", end - 1)),
            None if offset > 0 => req = req.header(RANGE, format!("bytes={offset}-")),
            None => {}
        }
        async move { checked_response(req.send().await?, what, offset).await }
    })
    .await
}

/// Turns an error reply into an error; a file reply into its reader.
async fn checked_response(resp: Response, what: &str, offset: u64) -> VfsResult<Opened> {
    let status = resp.status();
    let shown = crate::names::escape(what).into_owned();
    if !status.is_success() {
        if status == StatusCode::RANGE_NOT_SATISFIABLE {
            // Reading from exactly the end is an empty read (as on every other backend),
            // not a refusal: the box answers 416 with the size, `bytes */SIZE`.
            if complete_length(&resp) == Some(offset) {
                return Ok(Opened {
                    status: StatusCode::PARTIAL_CONTENT,
                    reader: Box::pin(tokio::io::empty()),
                });
            }
            return Err(VfsError::Protocol(format!(
                "the Freebox refused to resume {shown} at byte {offset}"
            )));
        }
        let body = read_capped(resp, MAX_JSON_BODY).await?;
        return Err(match envelope::parse(status, &body) {
            Err(f) => f.into_vfs(what),
            Ok(_) => VfsError::Server {
                code: crate::vfs::ServerCode::Http(status.as_u16()),
                message: format!("download of {shown} failed"),
            },
        });
    }
    if status == StatusCode::PARTIAL_CONTENT && range_start(&resp) != Some(offset) {
        // Also refuses a 206 without Content-Range: where it starts is unknown.
        return Err(VfsError::Protocol(format!(
            "the Freebox sent the wrong part of {shown}"
        )));
    }
    let small = resp
        .content_length()
        .is_some_and(|n| n <= SNIFF_LIMIT as u64);
    if is_json(&resp) && !resp.headers().contains_key(CONTENT_DISPOSITION) && small {
        let body = read_capped(resp, SNIFF_LIMIT).await?;
        if let Err(f) = envelope::parse(status, &body) {
            if let envelope::Failure::Api(_) = f {
                return Err(f.into_vfs(what));
            }
            // Not an envelope at all: a JSON file served without a disposition.
        } else if body.starts_with(b"{\"success\"") {
            return Err(VfsError::Protocol(format!(
                "the Freebox answered the download of {shown} with an API reply"
            )));
        }
        return Ok(Opened {
            status,
            reader: bytes_reader(body),
        });
    }
    Ok(Opened {
        status,
        reader: body_reader(resp),
    })
}
