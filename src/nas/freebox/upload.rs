//! Uploads over the WebSocket API `GET ws/upload` (§8.2, v4+), the method current
//! clients use (the HTTP upload is deprecated since v4).
//!
//! The upgrade goes through reqwest (same TLS trust, same session header) and the frames
//! through tungstenite. Memory stays bounded: the file is read in 512 KiB chunks, each
//! sent as one binary frame, with at most [`WINDOW`] chunks' worth awaiting the box's
//! `upload_data` acknowledgement. Those acknowledgements are what the caller hears of
//! as progress (`acked`): the bytes the box holds, not the ones read into the socket
//! (up to the window and the socket buffers ahead of them).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{
    CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use serde::Deserialize;
use serde_json::json;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::api::{AUTH_HEADER, Api};
use super::envelope::{self, ApiError};
use super::http::{MAX_JSON_BODY, read_capped};
use super::paths;
use crate::nas::pieces::Pieces;
use crate::nas::upload_speed::{Metered, UploadMeter, connected_within_deadline, within_min_speed};
use crate::vfs::{ByteReader, VPath, VfsError, VfsResult};

/// Bytes per binary frame (the box refuses frames above 1 MB; its docs use 512 KiB).
/// Smaller frames cost more here, not less: 128 KiB took 1.8× the CPU of 512 KiB on
/// loopback (more kernel copy and user `memmove` per byte; docs/PERFORMANCE.md,
/// "Session 9: loopback put"), and a fresh buffer per frame beat reusing one.
pub const CHUNK: usize = 512 * 1024;
/// Chunks' worth of bytes sent but not yet acknowledged.
pub const WINDOW: usize = 8;
/// Longest wait for any reply from the box.
const REPLY_TIMEOUT: Duration = Duration::from_secs(60);

type Socket = WebSocketStream<Metered<reqwest::Upgraded>>;

/// A JSON reply on the upload socket.
#[derive(Debug, Deserialize)]
struct WsReply {
    #[serde(default)]
    action: String,
    #[serde(default)]
    success: bool,
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    result: Option<WsResult>,
    /// With a `conflict` refusal of `upload_start`: the bytes already there.
    #[serde(default)]
    file_size: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
struct WsResult {
    #[serde(default)]
    total_len: u64,
    #[serde(default)]
    complete: bool,
}

/// Opens the upload socket with the session header; `meter` counts what is written on
/// it (the upload's minimum speed, `nas::upload_speed`).
async fn connect(api: &Api, meter: &UploadMeter) -> VfsResult<Socket> {
    let url = api.url("ws/upload");
    api.with_session(|token| {
        let key = generate_key();
        let req = api
            .http
            .get(&url)
            .header(AUTH_HEADER, token.expose())
            .header(CONNECTION, "Upgrade")
            .header(UPGRADE, "websocket")
            .header(SEC_WEBSOCKET_VERSION, "13")
            .header(SEC_WEBSOCKET_KEY, key.clone());
        async move {
            let resp = req.send().await?;
            if resp.status() != StatusCode::SWITCHING_PROTOCOLS {
                let status = resp.status();
                let body = read_capped(resp, MAX_JSON_BODY).await?;
                return Err(match envelope::parse(status, &body) {
                    Err(f) => f.into_vfs("upload"),
                    Ok(_) => VfsError::Protocol(format!(
                        "the Freebox refused the upload connection (HTTP {})",
                        status.as_u16()
                    )),
                });
            }
            let expected = derive_accept_key(key.as_bytes());
            let accepted = resp
                .headers()
                .get(SEC_WEBSOCKET_ACCEPT)
                .and_then(|v| v.to_str().ok());
            if accepted != Some(expected.as_str()) {
                return Err(VfsError::Protocol(
                    "bad WebSocket handshake from the Freebox".into(),
                ));
            }
            let upgraded = meter.socket(resp.upgrade().await?);
            let mut config = WebSocketConfig::default();
            config.max_message_size = Some(1024 * 1024);
            config.max_frame_size = Some(1024 * 1024);
            Ok(WebSocketStream::from_raw_socket(upgraded, Role::Client, Some(config)).await)
        }
    })
    .await
}

fn ws_err(e: tokio_tungstenite::tungstenite::Error) -> VfsError {
    VfsError::Network(format!(
        "upload connection: {}",
        crate::names::escape(&e.to_string())
    ))
}

/// Sends one JSON command.
async fn send_json(ws: &mut Socket, v: serde_json::Value) -> VfsResult<()> {
    ws.send(Message::text(v.to_string())).await.map_err(ws_err)
}

/// The next JSON reply (pings are answered by tungstenite itself).
async fn next_reply(ws: &mut Socket) -> VfsResult<WsReply> {
    loop {
        let msg = tokio::time::timeout(REPLY_TIMEOUT, ws.next())
            .await
            .map_err(|_| VfsError::Network("the Freebox stopped answering the upload".into()))?;
        match msg {
            None | Some(Ok(Message::Close(_))) => {
                return Err(VfsError::Network(
                    "the Freebox closed the upload connection".into(),
                ));
            }
            Some(Err(e)) => return Err(ws_err(e)),
            Some(Ok(Message::Text(t))) => {
                return serde_json::from_str(t.as_str()).map_err(|_| {
                    VfsError::Protocol("unreadable upload reply from the Freebox".into())
                });
            }
            Some(Ok(_)) => {}
        }
    }
}

/// A reply to `action`, failing on an error reply.
async fn expect_reply(ws: &mut Socket, action: &str, what: &str) -> VfsResult<WsResult> {
    let reply = next_reply(ws).await?;
    if !reply.success {
        let e = ApiError {
            code: reply.error_code.unwrap_or_else(|| "upload_failed".into()),
            msg: reply.msg.unwrap_or_default(),
            missing_right: None,
            challenge: None,
            status: 200,
        };
        return Err(envelope::map_api_error(&e, what));
    }
    if reply.action != action {
        return Err(VfsError::Protocol(format!(
            "the Freebox answered {} while {action} was expected",
            crate::names::escape(&reply.action)
        )));
    }
    Ok(reply.result.unwrap_or_default())
}

/// Called with each number of bytes the box newly acknowledged (a delta).
pub type Acked<'a> = &'a (dyn Fn(u64) + Send + Sync);

/// Writes `len` bytes from `data` to `path`, replacing any file of that name.
pub async fn write_new(
    api: &Api,
    path: &VPath,
    len: u64,
    data: ByteReader,
    acked: Acked<'_>,
) -> VfsResult<()> {
    upload(api, path, len, data, None, acked).await
}

/// Appends `len` bytes to what the box holds at `path`: a file, or a partial upload a
/// cut connection left there (`force: "resume"`: the box keeps what is there and adds
/// to it). Fails with `NotFound` when it holds nothing.
pub async fn append(
    api: &Api,
    path: &VPath,
    len: u64,
    data: ByteReader,
    acked: Acked<'_>,
) -> VfsResult<()> {
    let (mut ws, meter) = open(api).await?;
    let existing = match ask_held(&mut ws, path).await? {
        Some(n) => n,
        None => {
            cancel_quietly(&mut ws).await;
            let _ = ws.close(None).await;
            return Err(VfsError::NotFound(path.to_string()));
        }
    };
    upload_on(ws, &meter, path, len, data, Some(existing), acked).await
}

/// The bytes the box holds at `path`: a whole file, or the partial upload a cut
/// connection left (which, on a box, does not always show in a listing). Asked the
/// way the protocol offers it: `upload_start` without `force` is refused with the
/// length already there (`file_size`, §8.2). When nothing is there, the upload that
/// question started is cancelled and the answer is 0.
pub async fn held(api: &Api, path: &VPath) -> VfsResult<u64> {
    let (mut ws, _) = open(api).await?;
    let held = ask_held(&mut ws, path).await;
    if matches!(held, Ok(None)) {
        cancel_quietly(&mut ws).await;
    }
    let _ = ws.close(None).await;
    Ok(held?.unwrap_or(0))
}

/// Drops what the box holds of an unfinished upload to `path` (a partial file a cut
/// connection left): a new upload over it (`force: "overwrite"`), cancelled at once,
/// which deletes both. Used only on nascmd's own temporary names.
pub async fn discard_partial(api: &Api, path: &VPath) -> VfsResult<()> {
    let (mut ws, _) = open(api).await?;
    send_json(&mut ws, start_command(path, 0, "overwrite")).await?;
    let started = expect_reply(&mut ws, "upload_start", path.as_str()).await;
    if started.is_ok() {
        cancel_quietly(&mut ws).await;
    }
    let _ = ws.close(None).await;
    started.map(|_| ())
}

/// `upload_start` for `path` with `force` (`size` = the file's whole length).
fn start_command(path: &VPath, size: u64, force: &str) -> serde_json::Value {
    json!({
        "action": "upload_start",
        "request_id": 1,
        "size": size,
        "dirname": paths::encode(&path.parent()),
        "filename": path.name(),
        "force": force,
    })
}

/// On a fresh socket: `Some(bytes)` the box holds at `path` (its conflict answer to an
/// `upload_start` without `force`), or `None` when it holds nothing, in which case that
/// upload is now started and the caller cancels it.
async fn ask_held(ws: &mut Socket, path: &VPath) -> VfsResult<Option<u64>> {
    send_json(ws, start_command(path, 0, "missing")).await?;
    let reply = next_reply(ws).await?;
    if reply.success {
        return Ok(None);
    }
    let conflict = matches!(
        reply.error_code.as_deref(),
        Some("conflict" | "destination_conflict")
    );
    match (conflict, reply.file_size) {
        (true, Some(n)) => Ok(Some(n)),
        _ => {
            let e = ApiError {
                code: reply.error_code.unwrap_or_else(|| "upload_failed".into()),
                msg: reply.msg.unwrap_or_default(),
                missing_right: None,
                challenge: None,
                status: 200,
            };
            Err(envelope::map_api_error(&e, path.as_str()))
        }
    }
}

/// Cancels the upload running on this socket (best effort; the box deletes its file).
/// A box that stopped reading gets 5 s for it all.
async fn cancel_quietly(ws: &mut Socket) {
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        send_json(ws, json!({"action": "upload_cancel", "request_id": 3})).await?;
        next_reply(ws).await
    })
    .await;
}

/// A fresh upload socket within the upgrade deadline, and the meter counting what is
/// written on it (the upload's minimum speed).
async fn open(api: &Api) -> VfsResult<(Socket, UploadMeter)> {
    let meter = UploadMeter::default();
    let ws = connected_within_deadline(connect(api, &meter)).await?;
    Ok((ws, meter))
}

/// One upload on a fresh socket; `resume_from` = the length already on the box.
async fn upload(
    api: &Api,
    path: &VPath,
    len: u64,
    data: ByteReader,
    resume_from: Option<u64>,
    acked: Acked<'_>,
) -> VfsResult<()> {
    let (ws, meter) = open(api).await?;
    upload_on(ws, &meter, path, len, data, resume_from, acked).await
}

/// One upload on `ws`; `resume_from` = the length already on the box.
async fn upload_on(
    mut ws: Socket,
    meter: &UploadMeter,
    path: &VPath,
    len: u64,
    mut data: ByteReader,
    resume_from: Option<u64>,
    acked: Acked<'_>,
) -> VfsResult<()> {
    let what = path.as_str();
    let base = resume_from.unwrap_or(0);
    let force = if resume_from.is_some() {
        "resume"
    } else {
        "overwrite"
    };
    send_json(&mut ws, start_command(path, base + len, force)).await?;
    expect_reply(&mut ws, "upload_start", what).await?;

    // The watch's own failure (outer) is told from the sending's (inner): the first means
    // the box stopped taking this socket's bytes.
    let sending = async { Ok(send_data(&mut ws, &mut data, base, len, what, acked).await) };
    match within_min_speed(meter, len, sending).await {
        Ok(Ok(())) => {}
        // The box takes nothing more on this socket: a cancel sent on it would never
        // arrive (waiting for its answer only delayed the cleanup by 5 s). The socket is
        // dropped; what the box kept under this name is the caller's to discard, on a
        // fresh socket (`discard_partial`, as the job engine does with its temporaries).
        Err(stalled) => return Err(stalled),
        Ok(Err(e)) => {
            if resume_from.is_none() {
                // Do not leave a partial new file behind under this name. (A resumed file
                // keeps its bytes: cancelling would delete the old ones too.)
                cancel_quietly(&mut ws).await;
            }
            let _ = tokio::time::timeout(Duration::from_secs(5), ws.close(None)).await;
            return Err(e);
        }
    }
    send_json(
        &mut ws,
        json!({"action": "upload_finalize", "request_id": 2}),
    )
    .await?;
    let done = expect_reply(&mut ws, "upload_finalize", what).await?;
    let _ = ws.close(None).await;
    if !done.complete || done.total_len != base + len {
        return Err(VfsError::SizeMismatch {
            path: what.to_owned(),
            expected: base + len,
            found: done.total_len,
        });
    }
    Ok(())
}

/// Streams the bytes, keeping at most [`WINDOW`] chunks' worth unacknowledged. Counts
/// acknowledged bytes (each `upload_data` reply carries the file's length so far), so a
/// box that acknowledges several frames at once works too; each new acknowledged
/// length goes to `acked`, read as it comes, also while the next chunk is read from a
/// source slower than the link (read only once the window was full, the count lagged up
/// to the window behind what the box held). `base` is the length already on the box,
/// which acknowledgements include.
async fn send_data(
    ws: &mut Socket,
    data: &mut ByteReader,
    base: u64,
    len: u64,
    what: &str,
    acked_to: Acked<'_>,
) -> VfsResult<()> {
    let window = (WINDOW * CHUNK) as u64;
    let mut sent: u64 = 0;
    let mut acked: u64 = 0;
    // Frame buffers are used again once the socket has taken their bytes: neither a
    // fresh allocation nor zeroing per frame (docs/PERFORMANCE.md, "Session 11").
    let mut pieces = Pieces::default();
    while sent < len {
        let want = (len - sent).min(CHUNK as u64) as usize;
        // The read goes on across the acknowledgements (it is not cancel-safe); an
        // acknowledgement's wait is (it only awaits the socket's next message).
        let read = pieces.read_full(data, want);
        tokio::pin!(read);
        let chunk = loop {
            tokio::select! {
                chunk = &mut read => break chunk.map_err(|e| VfsError::io(what, e))?,
                got = ack(ws, what, base, acked, sent, acked_to), if acked < sent => {
                    acked = got?;
                }
            }
        };
        if chunk.is_empty() {
            return Err(VfsError::SizeMismatch {
                path: what.to_owned(),
                expected: len,
                found: sent,
            });
        }
        while sent - acked >= window {
            acked = ack(ws, what, base, acked, sent, acked_to).await?;
        }
        sent += chunk.len() as u64;
        ws.send(Message::Binary(chunk)).await.map_err(ws_err)?;
    }
    while acked < len {
        acked = ack(ws, what, base, acked, sent, acked_to).await?;
    }
    Ok(())
}

/// One `upload_data` acknowledgement: returns the bytes of this upload it covers (the
/// box reports the file's whole length, `base` included), which must not shrink nor
/// pass what was sent; tells `acked_to` what it adds.
async fn ack(
    ws: &mut Socket,
    what: &str,
    base: u64,
    before: u64,
    sent: u64,
    acked_to: Acked<'_>,
) -> VfsResult<u64> {
    let r = expect_reply(ws, "upload_data", what).await?;
    let covered = r.total_len.checked_sub(base).ok_or_else(|| {
        VfsError::Protocol("the Freebox acknowledged less than the file already held".into())
    })?;
    if covered < before || covered > sent {
        return Err(VfsError::Protocol(
            "the Freebox acknowledged a length that was never sent".into(),
        ));
    }
    if covered > before {
        acked_to(covered - before);
    }
    Ok(covered)
}
