//! Moving bytes: `download` with `Range` (an error body is never taken for file bytes;
//! a dropped connection resumes from where it stopped) and the standard multipart
//! `upload` with an exact `Content-Length` (qnap.md A.5, A.6).

use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::multipart::{Form, Part};
use reqwest::{Response, StatusCode};
use tokio::io::AsyncReadExt;
use tokio_util::io::{ReaderStream, StreamReader};

use super::client::{Client, backoff, http_error};
use super::wire::{self, Retry};
use crate::nas::upload_speed::{UploadMeter, within_min_speed};
use crate::vfs::{ByteReader, ServerCode, VfsError, VfsResult};

/// Reconnections of one download after the connection dropped mid-body.
const RESUMES: u32 = 5;
/// Largest error body we read to find out what went wrong.
const ERROR_BODY_MAX: usize = 1 << 20;
/// Read size of a streamed upload body. At least the local backend's read buffer
/// (`vfs::local::COPY_BUF`), so that buffer passes each read straight through instead of
/// filling itself and copying out (profiled: 16 % of `nascmd put` samples were that
/// memmove with 256 KiB reads); 2 MiB is the most one `tokio::fs::File` read hands over,
/// and every read is a round trip to the blocking pool, which costs scheduling delay on
/// a busy machine.
const UPLOAD_READ: usize = 2 << 20;

/// An opened download: the body stream positioned at the requested offset.
struct Opened {
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    /// Bytes to drop from the start (the NAS ignored `Range` and sent everything).
    skip: u64,
    /// Size of the whole file, when the reply tells.
    total: Option<u64>,
}

/// What the body of a file upload comes from.
pub enum UploadBody {
    /// Small file, held in memory: can be sent again after a re-login.
    Memory(Bytes),
    /// Streamed once; a session that expires meanwhile is reported as
    /// `SessionExpired` (transient) so the job engine re-opens the source and retries.
    Stream(ByteReader),
}

impl Client {
    /// Opens the download from `offset`, up to `end` (exclusive) when given.
    async fn open_download(
        &self,
        dir: &str,
        name: &str,
        offset: u64,
        end: Option<u64>,
    ) -> VfsResult<Opened> {
        let mut relogged = false;
        loop {
            let (sid, generation) = self.live_sid().await?;
            let url = self.util_url(
                "download",
                &sid,
                &[
                    ("source_path", dir.to_owned()),
                    ("source_file", name.to_owned()),
                    ("isfolder", "0".into()),
                    ("source_total", "1".into()),
                    ("compress", "0".into()),
                ],
            );
            let mut req = self.http().get(url);
            match end {
                Some(end) => req = req.header(RANGE, format!("bytes={offset}-{}", end - 1)),
                None if offset > 0 => req = req.header(RANGE, format!("bytes={offset}-")),
                None => {}
            }
            tracing::debug!(offset, ?end, "qnap download");
            let err = match req.send().await {
                Ok(resp) => match check_download(resp, offset, end.is_some(), name).await {
                    Ok(o) => return Ok(o),
                    Err(e) => e,
                },
                Err(e) => e.into(),
            };
            match wire::should_retry(&err) {
                Retry::Relogin if !relogged => {
                    self.relogin(generation).await?;
                    relogged = true;
                }
                _ => return Err(err),
            }
        }
    }

    /// A reader over the file from `offset` that reconnects with `Range` when the
    /// connection drops, and fails (never returns wrong bytes) when it cannot.
    pub async fn download(
        self: &Arc<Self>,
        dir: &str,
        name: &str,
        offset: u64,
    ) -> VfsResult<ByteReader> {
        self.download_part(dir, name, offset, None).await
    }

    /// Like [`Client::download`], for the `len` bytes from `offset` only (one part of a
    /// parallel download): asks for exactly that range, resumes within it, and fails
    /// with `Unsupported` when the NAS ignores ranges.
    pub async fn download_range(
        self: &Arc<Self>,
        dir: &str,
        name: &str,
        offset: u64,
        len: u64,
    ) -> VfsResult<ByteReader> {
        self.download_part(dir, name, offset, Some(offset + len))
            .await
    }

    async fn download_part(
        self: &Arc<Self>,
        dir: &str,
        name: &str,
        offset: u64,
        end: Option<u64>,
    ) -> VfsResult<ByteReader> {
        let opened = self.open_download(dir, name, offset, end).await?;
        let state = Resume {
            client: self.clone(),
            dir: dir.to_owned(),
            name: name.to_owned(),
            pos: offset,
            end,
            total: opened.total,
            skip: opened.skip,
            body: Some(opened.body),
            resumes_left: RESUMES,
        };
        let stream = futures_util::stream::unfold(state, |mut st| async move {
            let item = st.next_chunk().await?;
            Some((item, st))
        });
        Ok(Box::pin(StreamReader::new(stream)))
    }

    /// `upload type=standard` of one file into `dir`, with an exact `Content-Length`.
    pub async fn upload(
        &self,
        dir: &str,
        name: &str,
        len: u64,
        body: UploadBody,
        overwrite: bool,
    ) -> VfsResult<()> {
        let progress = format!("{}-{}", dir.replace('/', "-"), name.replace('/', "-"));
        let params = [
            ("type", "standard".to_owned()),
            ("dest_path", dir.to_owned()),
            ("overwrite", if overwrite { "1" } else { "0" }.to_owned()),
            ("progress", progress),
        ];
        match body {
            UploadBody::Memory(bytes) => {
                let mut relogged = false;
                loop {
                    let (sid, generation) = self.live_sid().await?;
                    let meter = UploadMeter::default();
                    let once = futures_util::stream::iter([Ok(bytes.clone())]);
                    let body = reqwest::Body::wrap_stream(meter.counted(once));
                    let part = Part::stream_with_length(body, len);
                    let sent = self.send_upload(&sid, &params, name, part);
                    match within_min_speed(&meter, len, sent).await {
                        Err(VfsError::SessionExpired) if !relogged => {
                            self.relogin(generation).await?;
                            relogged = true;
                        }
                        other => return other,
                    }
                }
            }
            UploadBody::Stream(reader) => {
                // Renew a dead session first: a streamed body cannot be sent twice.
                let (_, seen) = self.live_sid().await?;
                if !self.session_alive().await.unwrap_or(true) {
                    self.relogin(seen).await?;
                }
                let (sid, generation) = self.live_sid().await?;
                let meter = UploadMeter::default();
                let stream = ReaderStream::with_capacity(reader.take(len), UPLOAD_READ);
                let body = reqwest::Body::wrap_stream(meter.counted(stream));
                let part = Part::stream_with_length(body, len);
                let sent = self.send_upload(&sid, &params, name, part);
                let res = within_min_speed(&meter, len, sent).await;
                if let Err(VfsError::SessionExpired) = res {
                    self.relogin(generation).await?;
                }
                res
            }
        }
    }

    async fn send_upload(
        &self,
        sid: &crate::secret::Secret,
        params: &[(&str, String)],
        name: &str,
        part: Part,
    ) -> VfsResult<()> {
        let part = part
            .file_name(name.to_owned())
            .mime_str("application/octet-stream")
            .map_err(|_| VfsError::Protocol("bad MIME type".into()))?;
        // Every part has a known length, so reqwest sets Content-Length (QNAP answers
        // chunked uploads with 411).
        let form = Form::new().part("file", part);
        let url = self.util_url("upload", sid, params);
        tracing::debug!("qnap upload");
        let resp = self.http().post(url).multipart(form).send().await?;
        if !resp.status().is_success() {
            return Err(http_error(resp.status()));
        }
        let body = crate::nas::reply::read_capped(resp, crate::nas::reply::MAX_REPLY).await?;
        let v = wire::parse_json(&body)?;
        match wire::check_status(&v, name) {
            // The NAS's generic failure on an upload means the body broke off on its
            // side: worth sending again, like a dropped connection.
            Err(VfsError::Server {
                code: ServerCode::Status(0),
                ..
            }) => Err(VfsError::Network(
                "the upload did not complete on the NAS (status 0)".into(),
            )),
            other => other,
        }
    }
}

/// Turns a download reply into a body stream, or into the error the NAS meant.
/// `bounded`: a range with an end was asked for (a part of a parallel download).
async fn check_download(
    resp: Response,
    offset: u64,
    bounded: bool,
    name: &str,
) -> VfsResult<Opened> {
    let status = resp.status();
    if status == StatusCode::RANGE_NOT_SATISFIABLE {
        return Err(VfsError::Protocol(format!(
            "the NAS refused to resume {} at byte {offset}",
            crate::names::escape(name)
        )));
    }
    if !status.is_success() {
        return Err(http_error(status));
    }
    let ctype = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    // Files come as application/force-download; errors as a small JSON (or, on old
    // firmware, HTML) body with HTTP 200.
    if ctype.starts_with("text/") || ctype.contains("json") || ctype.contains("xml") {
        return Err(error_body(resp, name).await);
    }
    let len = resp.content_length();
    let (skip, total) = if status == StatusCode::PARTIAL_CONTENT {
        let range = resp
            .headers()
            .get(CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_content_range)
            .ok_or_else(|| VfsError::Protocol("206 reply without a valid Content-Range".into()))?;
        if range.0 != offset {
            return Err(VfsError::Protocol(format!(
                "asked for byte {offset}, the NAS sent from byte {}",
                range.0
            )));
        }
        (0, range.1)
    } else {
        if bounded && offset > 0 {
            // Skipping to each part's start would fetch the file several times over.
            return Err(VfsError::Unsupported(
                "ranged reads (the NAS ignores Range)",
            ));
        }
        if offset > 0 {
            tracing::warn!(offset, "the NAS ignored Range; skipping bytes already read");
        }
        (offset, len)
    };
    if total.is_some_and(|t| t < offset) {
        return Err(VfsError::Protocol(format!(
            "the file is shorter than the resume offset {offset}"
        )));
    }
    Ok(Opened {
        body: resp.bytes_stream().boxed(),
        skip,
        total,
    })
}

/// Reads the (small) error body of a download and maps it to the NAS's meaning.
async fn error_body(mut resp: Response, name: &str) -> VfsError {
    let mut buf = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) if buf.len() + c.len() <= ERROR_BODY_MAX => buf.extend_from_slice(&c),
            Ok(Some(_)) => {
                return VfsError::Protocol(
                    "the NAS sent a large text page instead of the file".into(),
                );
            }
            Ok(None) => break,
            Err(e) => return e.into(),
        }
    }
    match wire::parse_json(&buf) {
        Ok(v) => match wire::check_status(&v, name) {
            Err(e) => e,
            Ok(()) => VfsError::Protocol("the NAS sent a JSON document instead of the file".into()),
        },
        Err(e) => e,
    }
}

/// `bytes a-b/total` → (a, total). `total` may be `*`.
fn parse_content_range(v: &str) -> Option<(u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    Some((start.trim().parse().ok()?, total))
}

/// State of a resuming download stream.
struct Resume {
    client: Arc<Client>,
    dir: String,
    name: String,
    /// Absolute offset of the next byte the reader will get.
    pos: u64,
    /// End (exclusive) of the part being read; `None` = to the end of the file.
    end: Option<u64>,
    total: Option<u64>,
    skip: u64,
    /// `None` once finished or failed.
    body: Option<BoxStream<'static, reqwest::Result<Bytes>>>,
    resumes_left: u32,
}

impl Resume {
    async fn next_chunk(&mut self) -> Option<std::io::Result<Bytes>> {
        loop {
            let body = self.body.as_mut()?;
            let failure = match body.next().await {
                Some(Ok(mut chunk)) => {
                    if self.skip > 0 {
                        let n = self.skip.min(chunk.len() as u64);
                        self.skip -= n;
                        chunk = chunk.slice(n as usize..);
                        if chunk.is_empty() {
                            continue;
                        }
                    }
                    if let Some(end) = self.end
                        && self.pos + chunk.len() as u64 >= end
                    {
                        // The part is complete (a NAS that ignored the range for a
                        // part at offset 0 sends more: it is cut here).
                        chunk.truncate((end - self.pos) as usize);
                        self.pos = end;
                        self.body = None;
                        return (!chunk.is_empty()).then_some(Ok(chunk));
                    }
                    self.pos += chunk.len() as u64;
                    if self.total.is_some_and(|t| self.pos > t) {
                        self.body = None;
                        return Some(Err(std::io::Error::other(VfsError::Protocol(
                            "the NAS sent more bytes than the file has".into(),
                        ))));
                    }
                    return Some(Ok(chunk));
                }
                Some(Err(e)) => VfsError::from(e),
                None if self.end.or(self.total).is_some_and(|t| self.pos < t) => {
                    VfsError::Network("the download ended early".into())
                }
                None => {
                    self.body = None;
                    return None;
                }
            };
            self.body = None;
            if self.resumes_left == 0 {
                return Some(Err(std::io::Error::other(failure)));
            }
            self.resumes_left -= 1;
            tracing::info!(pos = self.pos, error = %failure, "qnap download interrupted, resuming");
            tokio::time::sleep(backoff(RESUMES - self.resumes_left - 1)).await;
            match self
                .client
                .open_download(&self.dir, &self.name, self.pos, self.end)
                .await
            {
                Ok(o) => {
                    if o.total.is_some() && self.total.is_some() && o.total != self.total {
                        return Some(Err(std::io::Error::other(VfsError::Protocol(
                            "the file changed on the NAS during the download".into(),
                        ))));
                    }
                    self.skip = o.skip;
                    self.body = Some(o.body);
                }
                Err(e) => return Some(Err(std::io::Error::other(e))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::request_log::RequestLog;
    use crate::jobs::retry_interactive;
    use std::time::Duration;

    const LIFETIME: Duration = Duration::from_millis(1000);

    /// Waits until the session has expired, then sends plain requests until the next
    /// one goes through (and the one after it, the re-login, fails).
    async fn expire_session(base_url: &str, log: &RequestLog) {
        tokio::time::sleep(LIFETIME + Duration::from_millis(200)).await;
        while (log.count() + 1) % 2 == 0 {
            let _ = reqwest::get(format!("{base_url}/nothing-here")).await;
        }
    }

    /// The standard upload (old firmware, or the fallback's temporary name) of a session
    /// that expired, on a link failing every 2nd request: the upload is refused, the
    /// re-login fails, and the next try logs in first (`Client::live_sid`) instead of
    /// sending the dead sid again — which made every try "refused, re-login failed".
    /// Also for a streamed body, which checks the session before it sends.
    #[tokio::test]
    async fn a_standard_upload_after_a_failed_relogin_goes_through() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("Public")).unwrap();
        let mut cfg = crate::emulator::qnap::QnapEmulatorConfig::new(dir.path(), "alice", "pw");
        cfg.faults.http500_every = Some(2);
        cfg.faults.session_lifetime = Some(LIFETIME);
        let log = cfg.request_log.clone();
        let emu = crate::emulator::qnap::spawn(cfg).await.unwrap();
        let client = Client::connect(&super::super::QnapConfig {
            base_url: emu.base_url.clone(),
            user: "alice".into(),
            password: crate::secret::Secret::new("pw"),
            ..Default::default()
        })
        .await
        .unwrap();
        let data = Bytes::from_static(b"the photo");
        let len = data.len() as u64;

        expire_session(&emu.base_url, &log).await;
        let up = || {
            client.upload(
                "/Public",
                "a.jpg",
                len,
                UploadBody::Memory(data.clone()),
                true,
            )
        };
        retry_interactive(up)
            .await
            .unwrap_or_else(|e| panic!("{e} {:?}", log.lines()));
        assert_eq!(
            std::fs::read(dir.path().join("Public/a.jpg")).unwrap(),
            data
        );

        expire_session(&emu.base_url, &log).await;
        let streamed = || {
            let body: ByteReader = Box::pin(std::io::Cursor::new(data.clone()));
            client.upload("/Public", "b.jpg", len, UploadBody::Stream(body), true)
        };
        retry_interactive(streamed)
            .await
            .unwrap_or_else(|e| panic!("{e} {:?}", log.lines()));
        assert_eq!(
            std::fs::read(dir.path().join("Public/b.jpg")).unwrap(),
            data
        );
        emu.shutdown().await.unwrap();
    }

    #[test]
    fn content_range() {
        assert_eq!(parse_content_range("bytes 2-5/10"), Some((2, Some(10))));
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, None)));
        assert_eq!(parse_content_range("items 0-1/2"), None);
        assert_eq!(parse_content_range("bytes x-1/2"), None);
    }
}
