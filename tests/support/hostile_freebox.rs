//! A hostile Freebox: a small axum server that speaks just enough Freebox OS
//! (`/api_version`, `login/` challenge and `login/session/`, `fs/ls/`, `fs/info/`, `dl/`)
//! to serve what a broken or malicious box would, one scenario per folder of its
//! `Disque dur` disk:
//!
//! * `same_cursor` — a v15 `{entries, cursor}` listing whose cursor never changes;
//! * `endless_cursor` — a fresh cursor on every page, the same entries on every page;
//! * `big_reply` — a listing reply of 80 MiB, generated while it is sent;
//! * `slow_reply` — a listing reply trickling one byte every 200 ms;
//! * `names` — a bare-array listing (the pre-v15 form) of names made to hurt (ESC/OSC,
//!   C1, bidi, `../x`, absolute, `a/b`, NUL, invalid UTF-8 inside the JSON string,
//!   20 000 bytes, and `caf\u{fffd}.txt` as a box shows the Latin-1 `caf\xe9.txt`, its
//!   bytes only in its `path` token) next to good files, `.` and `..` first as a real
//!   box sends them. Strict as a disk is: a file is found only by its own bytes, so a
//!   client that sends back a lossy spelling (U+FFFD) finds nothing;
//! * `bodies` — `slow.bin` (one byte every 200 ms) and `long.bin` (listed as 10 bytes,
//!   its body never ends);
//! * `uploads` — an empty folder; a WebSocket upload (`ws/upload`) is accepted, its
//!   `upload_start` answered, and then not a byte more is read.
//!
//! Any app token opens a session. Everything else answers a failed envelope.
//! [`HostileFreebox::stalling`] starts one whose `/api_version` or login challenge
//! trickles one byte every 200 ms and never ends, or that never answers the upload's
//! WebSocket upgrade.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Query;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub use super::hostile_kit::GOOD_BODY;
use super::hostile_kit::{
    Item, LONG_LISTED, SLOW_SIZE, bad_body, big_reply, comma_joined, hurtful_names, json, serve,
    stall_on, trickle, unusable_names, with_type,
};

/// The disk every scenario lives in.
pub const DISK: &str = "Disque dur";

/// The API root the double announces (v15: `fs/ls` pages with a cursor).
const API: &str = "/api/v15/";

/// The names of `names/` that the client must refuse, as they would print escaped
/// (`.` and `..` are the box's own entries, dropped without a word).
pub const REFUSED: &[&str] = &[
    "../x",
    "../../escape.txt",
    "/etc/passwd",
    "a/b",
    "nul\\x00name",
];

/// A running hostile Freebox, on its own runtime, until dropped.
pub struct HostileFreebox {
    _rt: tokio::runtime::Runtime,
    /// `http://127.0.0.1:PORT`, as a `[[remote]]` of kind `freebox` takes it.
    pub url: String,
}

/// Which reply before any listing trickles, if any.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stall {
    Nothing,
    /// `GET /api_version`, the discovery every connection starts with.
    ApiVersion,
    /// `GET login/`, the challenge of every session.
    LoginChallenge,
    /// `GET ws/upload`: the connection is accepted, the upgrade never answered.
    UploadUpgrade,
}

impl HostileFreebox {
    pub fn start() -> HostileFreebox {
        HostileFreebox::stalling(Stall::Nothing)
    }

    /// A hostile Freebox whose `stall` reply trickles.
    pub fn stalling(stall: Stall) -> HostileFreebox {
        let app = axum::Router::new()
            .route(
                &format!("{API}ws/upload"),
                axum::routing::get(move |ws: WebSocketUpgrade| ws_upload(stall, ws)),
            )
            .fallback(
                move |method: Method, uri: Uri, query: Query<Vec<(String, String)>>| {
                    route(stall, method, uri, query)
                },
            );
        let (rt, addr) = serve(app);
        HostileFreebox {
            _rt: rt,
            url: format!("http://{addr}"),
        }
    }
}

/// Every request: the endpoint is read from the raw path (base64 tokens hold `/`).
async fn route(
    stall: Stall,
    method: Method,
    uri: Uri,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let path = uri.path();
    if path == "/api_version" {
        let version =
            b"{\"api_version\":\"15.0\",\"api_base_url\":\"/api/\",\"device_name\":\"Hostile\"}";
        if stall == Stall::ApiVersion {
            return json(Body::from_stream(stall_on(version.to_vec())));
        }
        return json(&version[..]);
    }
    let Some(endpoint) = path.strip_prefix(API) else {
        return failure();
    };
    let cursor = q
        .iter()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.as_str());
    match (method, endpoint) {
        (Method::GET, "login/") => {
            let challenge = envelope(b"{\"logged_in\":false,\"challenge\":\"hostile\"}");
            if stall == Stall::LoginChallenge {
                return json(Body::from_stream(stall_on(challenge)));
            }
            json(challenge)
        }
        (Method::POST, "login/session/") => {
            ok(b"{\"session_token\":\"hostile-session\",\"permissions\":{\"explorer\":true}}")
        }
        (Method::GET, e) if e.starts_with("fs/ls/") => match decode(&e["fs/ls/".len()..]) {
            Some(dir) => list(&dir, cursor).await,
            None => failure(),
        },
        (Method::GET, e) if e.starts_with("fs/info/") => {
            match decode(&e["fs/info/".len()..]).and_then(|p| lookup(&p)) {
                Some(item) => ok(&entry(&item)),
                None => not_found(),
            }
        }
        (Method::GET, e) if e.starts_with("dl/") => match decode(&e["dl/".len()..]) {
            Some(file) => download(&file),
            None => not_found(),
        },
        _ => failure(),
    }
}

/// The clear path behind a token. A token holding U+FFFD names nothing here: the
/// client sent a lossy spelling of bytes that are not UTF-8, which no disk holds.
fn decode(token: &str) -> Option<String> {
    let bytes = STANDARD.decode(token).ok()?;
    if bytes.windows(3).any(|w| w == "\u{fffd}".as_bytes()) {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// A successful envelope around `result` (raw JSON: a name may hold bytes that are
/// not UTF-8).
fn ok(result: &[u8]) -> Response {
    json(envelope(result))
}

fn envelope(result: &[u8]) -> Vec<u8> {
    let mut out = b"{\"success\":true,\"result\":".to_vec();
    out.extend_from_slice(result);
    out.push(b'}');
    out
}

fn failure() -> Response {
    (
        StatusCode::BAD_REQUEST,
        json("{\"success\":false,\"error_code\":\"invalid_request\",\"msg\":\"no\"}"),
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        json("{\"success\":false,\"error_code\":\"path_not_found\",\"msg\":\"no\"}"),
    )
        .into_response()
}

/// One entry as `fs/ls` and `fs/info` write it. Its `path` is the folder's token
/// unless the name's bytes differ from its JSON name (the client needs it only then).
fn entry(item: &Item) -> Vec<u8> {
    let path = match &item.disk_bytes {
        Some(bytes) => {
            let mut clear = format!("/{DISK}/names/").into_bytes();
            clear.extend_from_slice(bytes);
            STANDARD.encode(clear)
        }
        None => "L0Rpc3F1ZSBkdXI=".to_owned(),
    };
    item.object(
        "name",
        &format!(
            ",\"type\":\"{}\",\"size\":{},\"modification\":1700000000,\"path\":\"{path}\"",
            if item.folder { "dir" } else { "file" },
            item.size
        ),
    )
}

fn folder(name: &str) -> Item {
    Item::folder(name, 4096)
}

fn array(items: &[Item]) -> Vec<u8> {
    let mut out = b"[".to_vec();
    out.extend_from_slice(&comma_joined(items.iter().map(entry)));
    out.push(b']');
    out
}

/// A v15 page: `{entries, cursor}`.
fn paged(items: &[Item], cursor: &str) -> Vec<u8> {
    let mut out = b"{\"entries\":".to_vec();
    out.extend_from_slice(&array(items));
    out.extend_from_slice(format!(",\"cursor\":\"{cursor}\"}}").as_bytes());
    out
}

/// The listing of `names/`: the box's own `.` and `..` first, good files, names to show
/// escaped, names to refuse.
fn hostile_names() -> Vec<Item> {
    let mut items = vec![folder("."), folder("..")];
    items.extend(hurtful_names());
    items.push(Item::shown_as("caf\u{fffd}.txt", b"caf\xe9.txt"));
    items.extend(unusable_names());
    items.push(folder("sub"));
    items
}

const SCENARIOS: &[&str] = &[
    "same_cursor",
    "endless_cursor",
    "big_reply",
    "slow_reply",
    "names",
    "bodies",
    "uploads",
];

/// What `fs/info` says of `path`.
fn lookup(path: &str) -> Option<Item> {
    let rest = path.strip_prefix(&format!("/{DISK}"))?;
    if rest.is_empty() {
        return Some(folder(DISK));
    }
    let (dir, name) = rest.rsplit_once('/')?;
    if dir.is_empty() && SCENARIOS.contains(&name) {
        return Some(folder(name));
    }
    match (dir, name) {
        ("/names", "sub") => Some(folder("sub")),
        ("/bodies", "slow.bin") => Some(Item::file("slow.bin", SLOW_SIZE)),
        ("/bodies", "long.bin") => Some(Item::file("long.bin", LONG_LISTED)),
        ("/names" | "/names/sub", n) => Some(Item::file(n, GOOD_BODY.len() as u64)),
        _ => None,
    }
}

async fn list(dir: &str, cursor: Option<&str>) -> Response {
    let scenario = dir.rsplit('/').next().unwrap_or("");
    match scenario {
        // The same cursor back: the page after is the same one, for ever.
        "same_cursor" => ok(&paged(
            &[Item::file("same1", 1), Item::file("same2", 1)],
            "c2FtZQ==",
        )),
        // A new cursor every time, the same entries on every page.
        "endless_cursor" => {
            let n: u64 = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
            ok(&paged(
                &[Item::file("same1", 1), Item::file("same2", 1)],
                &(n + 1).to_string(),
            ))
        }
        "big_reply" => json(Body::from_stream(big_reply(
            b"{\"success\":true,\"result\":[{\"type\":\"file\",\"name\":\"",
        ))),
        "slow_reply" => json(Body::from_stream(trickle(
            envelope(&array(&[Item::file("late", 1)])),
            Duration::from_millis(200),
        ))),
        "names" => ok(&array(&hostile_names())),
        "sub" => ok(&array(&[Item::file("inner.txt", 5)])),
        "uploads" => ok(&array(&[])),
        "bodies" => ok(&array(&[
            Item::file("long.bin", LONG_LISTED),
            Item::file("slow.bin", SLOW_SIZE),
        ])),
        _ => not_found(),
    }
}

fn download(path: &str) -> Response {
    const TYPE: &str = "application/octet-stream";
    if let Some(bad) = bad_body(path.rsplit('/').next().unwrap_or(""), TYPE) {
        return bad;
    }
    if path.contains("/names/") {
        return with_type(GOOD_BODY.into_response(), TYPE);
    }
    not_found()
}

/// `ws/upload`: never answered under [`Stall::UploadUpgrade`]; else upgraded, its
/// `upload_start` accepted, and then nothing more read from the socket.
async fn ws_upload(stall: Stall, ws: WebSocketUpgrade) -> Response {
    if stall == Stall::UploadUpgrade {
        std::future::pending::<()>().await;
    }
    ws.on_upgrade(|mut socket| async move {
        if let Some(Ok(Message::Text(start))) = socket.recv().await {
            let start: serde_json::Value = serde_json::from_str(start.as_str()).unwrap_or_default();
            let reply = serde_json::json!({
                "action": "upload_start",
                "success": true,
                "request_id": start["request_id"],
            });
            let _ = socket.send(Message::Text(reply.to_string().into())).await;
        }
        std::future::pending::<()>().await;
        drop(socket);
    })
}
