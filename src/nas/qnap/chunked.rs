//! The chunked upload funcs of File Station 4.2+ on the wire (qnap.md A.5;
//! docs/EMULATOR.md for the reply shapes): `start_chunked_upload`, one
//! `chunked_upload` per chunk (multipart, exact `Content-Length`), the final one
//! carrying the name, the overwrite rule and the mtime, `get_chunked_upload_status`,
//! `delete_chunked_upload_file`. What a file upload does with them is in `upload.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use tokio::sync::oneshot;

use super::client::{Client, Kind, http_error};
use super::wire;
use crate::nas::pieces::Pieces;
use crate::nas::upload_speed::{UploadMeter, within_min_speed};
use crate::vfs::{ByteReader, ServerCode, VfsError, VfsResult};

/// Bytes per read from the source while a chunk is sent: pieces that stay in the CPU
/// cache on their way to the socket, in a buffer used again once the connection has
/// sent them (docs/PERFORMANCE.md, "Session 9: loopback put").
const CHUNK_READ: usize = crate::vfs::local_read::PIECE;

/// One upload under way: where its chunks go and where the file lands.
pub struct ChunkedUpload {
    /// The share folder the NAS keeps the chunks in (`/Public`).
    pub root: String,
    pub id: String,
    /// Folder and name of the final file.
    pub dest: String,
    pub name: String,
    pub filesize: u64,
    pub overwrite: bool,
    pub mtime: Option<i64>,
}

/// What the NAS answered to a chunk: the bytes it now holds and, after the final
/// chunk, the mtime of the file in place.
#[derive(Debug, Default)]
pub struct ChunkReply {
    pub size: Option<u64>,
    pub mtime: Option<i64>,
}

/// A number the NAS may send as a JSON number or a string.
fn number(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Client {
    /// `start_chunked_upload`: the new upload's id, or `None` when the firmware has no
    /// such func (status 20, HTTP 404 or an empty reply: File Station before 4.2).
    pub async fn start_chunked_upload(&self, root: &str) -> VfsResult<Option<String>> {
        let mut relogged = false;
        loop {
            let (sid, generation) = self.live_sid().await?;
            let url = self.util_url(
                "start_chunked_upload",
                &sid,
                &[("upload_root_dir", root.to_owned())],
            );
            tracing::debug!("qnap start_chunked_upload");
            let resp = self
                .http()
                .post(url)
                .timeout(crate::nas::reply::api_deadline())
                .send()
                .await?;
            if resp.status() == StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if !resp.status().is_success() {
                return Err(http_error(resp.status()));
            }
            let body = crate::nas::reply::read_capped(resp, crate::nas::reply::MAX_REPLY).await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            let v = wire::parse_reply(&body)?;
            if let Some(id) = v.get("upload_id").and_then(Value::as_str)
                && !id.is_empty()
            {
                return Ok(Some(id.to_owned()));
            }
            match wire::status_of(&v) {
                Some(20) => return Ok(None),
                Some(3) if !relogged => {
                    self.relogin(generation).await?;
                    relogged = true;
                }
                // QSRC answers success with status 0 and the id; without an id it failed.
                Some(code) if code != 0 && code != 1 => {
                    return Err(wire::status_error(code, root));
                }
                _ => {
                    return Err(VfsError::Protocol(
                        "the NAS started no chunked upload (no upload_id)".into(),
                    ));
                }
            }
        }
    }

    /// `get_chunked_upload_status`: the bytes the NAS holds of the upload.
    pub async fn chunked_upload_status(&self, root: &str, id: &str) -> VfsResult<u64> {
        let v = self
            .call(
                Kind::Read,
                "get_chunked_upload_status",
                &[
                    ("upload_id", id.to_owned()),
                    ("upload_root_dir", root.to_owned()),
                ],
                id,
            )
            .await?;
        number(&v, "size")
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| VfsError::Protocol("the upload status has no size".into()))
    }

    /// `delete_chunked_upload_file`: drops what the NAS holds of an upload.
    pub async fn delete_chunked_upload(&self, root: &str, id: &str) -> VfsResult<()> {
        self.call(
            Kind::Write,
            "delete_chunked_upload_file",
            &[
                ("upload_id", id.to_owned()),
                ("upload_root_dir", root.to_owned()),
            ],
            id,
        )
        .await
        .map(drop)
    }

    /// Sends the `len` bytes of `reader` at `offset` as one chunk, streamed. Returns the
    /// reply and, unless this was the final chunk, the reader (positioned after the
    /// chunk) for the next one. A session found expired is renewed and reported as
    /// `SessionExpired` (transient): the caller goes on from what the NAS holds.
    pub async fn send_chunk(
        &self,
        up: &ChunkedUpload,
        offset: u64,
        len: u64,
        reader: ByteReader,
    ) -> VfsResult<(ChunkReply, Option<ByteReader>)> {
        // A session whose renewal failed is renewed before any byte is read.
        let (sid, generation) = self.live_sid().await?;
        let last = offset + len >= up.filesize;
        let mut params = vec![
            ("upload_id", up.id.clone()),
            ("offset", offset.to_string()),
            ("filesize", up.filesize.to_string()),
            ("multipart", "1".into()),
            ("dest_path", up.dest.clone()),
            ("upload_root_dir", up.root.clone()),
            ("upload_name", up.name.clone()),
            ("overwrite", if up.overwrite { "1" } else { "0" }.into()),
        ];
        if let Some(t) = up.mtime {
            params.push(("settime", "1".into()));
            params.push(("mtime", t.to_string()));
        }
        if last {
            params.push(("Filename", up.name.clone()));
        }
        let short = Arc::new(AtomicBool::new(false));
        let meter = UploadMeter::default();
        let (body, back) = chunk_body(reader, len, short.clone(), &meter);
        // Every part has a known length, so reqwest sets Content-Length (QNAP answers
        // chunked transfer-encoding with 411).
        let part = Part::stream_with_length(body, len)
            .file_name("blob")
            .mime_str("application/octet-stream")
            .map_err(|_| VfsError::Protocol("bad MIME type".into()))?;
        let url = self.util_url("chunked_upload", &sid, &params);
        tracing::debug!(offset, len, last, "qnap chunked_upload");
        let request = self
            .http()
            .post(url)
            .multipart(Form::new().part("file", part));
        let sent = within_min_speed(&meter, len, async move {
            let resp = request.send().await?;
            if !resp.status().is_success() {
                return Err(http_error(resp.status()));
            }
            crate::nas::reply::read_capped(resp, crate::nas::reply::MAX_REPLY).await
        })
        .await;
        if short.load(Ordering::Relaxed) {
            return Err(VfsError::SizeMismatch {
                path: format!("{}/{}", up.dest, crate::names::escape(&up.name)),
                expected: up.filesize,
                found: offset,
            });
        }
        let body = sent?;
        let v = wire::parse_reply(&body)?;
        match wire::status_of(&v) {
            None | Some(1) => {}
            // The NAS's generic failure here means the body broke off on its side:
            // transient, like a dropped connection (it keeps what arrived).
            Some(0) => {
                return Err(VfsError::Network(
                    "a chunk of the upload did not complete on the NAS (status 0)".into(),
                ));
            }
            Some(3) => {
                self.relogin(generation).await?;
                return Err(VfsError::SessionExpired);
            }
            Some(20) if v.get("size").is_some() => {
                return Err(VfsError::Server {
                    code: ServerCode::Status(20),
                    message: format!(
                        "the NAS holds {} bytes of the upload, not {offset}",
                        number(&v, "size").unwrap_or(-1)
                    ),
                });
            }
            Some(code) => return Err(wire::status_error(code, &up.name)),
        }
        let reply = ChunkReply {
            size: number(&v, "size").and_then(|n| u64::try_from(n).ok()),
            mtime: number(&v, "mtime"),
        };
        if last {
            return Ok((reply, None));
        }
        let reader = back
            .await
            .map_err(|_| VfsError::Protocol("the chunk body was not sent whole".into()))?;
        Ok((reply, Some(reader)))
    }
}

/// A request body of the next `len` bytes of `reader`, read `CHUNK_READ` at a time
/// (never the whole chunk in memory). Once they are all read the reader comes back
/// through the receiver; a source that ends early sets `short` and fails the body.
fn chunk_body(
    reader: ByteReader,
    len: u64,
    short: Arc<AtomicBool>,
    meter: &UploadMeter,
) -> (reqwest::Body, oneshot::Receiver<ByteReader>) {
    let (tx, rx) = oneshot::channel();
    // The bytes left are counted here rather than through `AsyncReadExt::take`: its
    // reads hand the reader memory marked uninitialised, which the local file reader
    // then zeroes before every read (a tenth of a big upload's CPU).
    let start = (reader, len, tx, Pieces::default());
    let stream = futures_util::stream::unfold(Some(start), move |state| {
        let short = short.clone();
        async move {
            let (mut r, left, tx, mut pieces) = state?;
            let want = left.min(CHUNK_READ as u64) as usize;
            if want == 0 {
                let _ = tx.send(r);
                return None;
            }
            match pieces.read(&mut r, want).await {
                Ok(b) if b.is_empty() => {
                    short.store(true, Ordering::Relaxed);
                    let e = std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the source ended early",
                    );
                    Some((Err(e), None))
                }
                Ok(b) => {
                    let left = left - b.len() as u64;
                    Some((Ok(b), Some((r, left, tx, pieces))))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    (reqwest::Body::wrap_stream(meter.counted(stream)), rx)
}
