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
//!   20 000 bytes) next to good files, `.` and `..` first as a real box sends them;
//! * `bodies` — `slow.bin` (one byte every 200 ms) and `long.bin` (listed as 10 bytes,
//!   its body never ends).
//!
//! Any app token opens a session. Everything else answers a failed envelope.
//! [`HostileFreebox::stalling`] starts one whose `/api_version` or login challenge
//! trickles one byte every 200 ms and never ends.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Query;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::stream::{self, StreamExt};

/// The disk every scenario lives in.
pub const DISK: &str = "Disque dur";

/// The contents of every good file.
pub const GOOD_BODY: &[u8] = b"hello";

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
}

impl HostileFreebox {
    pub fn start() -> HostileFreebox {
        HostileFreebox::stalling(Stall::Nothing)
    }

    /// A hostile Freebox whose `stall` reply trickles.
    pub fn stalling(stall: Stall) -> HostileFreebox {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let url = rt.block_on(async {
            let app = axum::Router::new().fallback(
                move |method: Method, uri: Uri, query: Query<Vec<(String, String)>>| {
                    route(stall, method, uri, query)
                },
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await });
            format!("http://{addr}")
        });
        HostileFreebox { _rt: rt, url }
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
                Some(item) => ok(&item.json()),
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

/// The clear path behind a token (lossy: the client may ask for a name it showed
/// lossily).
fn decode(token: &str) -> Option<String> {
    let bytes = STANDARD.decode(token).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn json(body: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body.into()).into_response()
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

/// One entry of a listing, as raw JSON.
struct Item {
    /// The name's JSON string content, already escaped as the server writes it.
    raw_name: Vec<u8>,
    folder: bool,
    size: u64,
}

impl Item {
    fn file(name: &str, size: u64) -> Item {
        let quoted = serde_json::to_string(name).unwrap();
        Item {
            raw_name: quoted.as_bytes()[1..quoted.len() - 1].to_vec(),
            folder: false,
            size,
        }
    }

    fn raw(raw_name: &[u8]) -> Item {
        Item {
            raw_name: raw_name.to_vec(),
            folder: false,
            size: GOOD_BODY.len() as u64,
        }
    }

    fn folder(name: &str) -> Item {
        Item {
            folder: true,
            size: 4096,
            ..Item::file(name, 0)
        }
    }

    fn json(&self) -> Vec<u8> {
        let mut out = b"{\"name\":\"".to_vec();
        out.extend_from_slice(&self.raw_name);
        out.extend_from_slice(
            format!(
                "\",\"type\":\"{}\",\"size\":{},\"modification\":1700000000,\"path\":\"L0Rpc3F1ZSBkdXI=\"}}",
                if self.folder { "dir" } else { "file" },
                self.size
            )
            .as_bytes(),
        );
        out
    }
}

fn array(items: &[Item]) -> Vec<u8> {
    let mut out = b"[".to_vec();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&item.json());
    }
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

/// The listing of `names/`.
fn hostile_names() -> Vec<Item> {
    let mut items = vec![
        Item::folder("."),
        Item::folder(".."),
        Item::file("good1.txt", 5),
        Item::file("good2.txt", 5),
        Item::file("esc\x1b[2J\x1b]0;pwned\x07.txt", 5),
        Item::file("c1\u{9b}31m.txt", 5),
        Item::file("bidi\u{202e}txt.exe", 5),
        Item::file("tab\tnew\nline.txt", 5),
        Item::file(&"n".repeat(20_000), 5),
        // Not valid UTF-8 inside the JSON string.
        Item::raw(b"bad\xff\xfeutf8.txt"),
    ];
    for refused in [
        "../x",
        "../../escape.txt",
        "/etc/passwd",
        "a/b",
        "nul\0name",
    ] {
        items.push(Item::file(refused, 5));
    }
    items.push(Item::folder("sub"));
    items
}

const SCENARIOS: &[&str] = &[
    "same_cursor",
    "endless_cursor",
    "big_reply",
    "slow_reply",
    "names",
    "bodies",
];

/// What `fs/info` says of `path`.
fn lookup(path: &str) -> Option<Item> {
    let rest = path.strip_prefix(&format!("/{DISK}"))?;
    if rest.is_empty() {
        return Some(Item::folder(DISK));
    }
    let (dir, name) = rest.rsplit_once('/')?;
    if dir.is_empty() && SCENARIOS.contains(&name) {
        return Some(Item::folder(name));
    }
    match (dir, name) {
        ("/names", "sub") => Some(Item::folder("sub")),
        ("/bodies", "slow.bin") => Some(Item::file("slow.bin", 100_000)),
        ("/bodies", "long.bin") => Some(Item::file("long.bin", 10)),
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
        "big_reply" => json(Body::from_stream(big_reply())),
        "slow_reply" => json(Body::from_stream(trickle(
            envelope(&array(&[Item::file("late", 1)])),
            Duration::from_millis(200),
        ))),
        "names" => ok(&array(&hostile_names())),
        "sub" => ok(&array(&[Item::file("inner.txt", 5)])),
        "bodies" => ok(&array(&[
            Item::file("long.bin", 10),
            Item::file("slow.bin", 100_000),
        ])),
        _ => not_found(),
    }
}

/// A listing reply of 80 MiB: one entry whose name never ends, made chunk by chunk.
fn big_reply() -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    let head = stream::once(async {
        Ok(Bytes::from_static(
            b"{\"success\":true,\"result\":[{\"type\":\"file\",\"name\":\"",
        ))
    });
    let chunk = Bytes::from(vec![b'a'; 1024 * 1024]);
    let middle = stream::iter((0..80).map(move |_| Ok(chunk.clone())));
    let tail = stream::once(async { Ok(Bytes::from_static(b"\"}]}")) });
    head.chain(middle).chain(tail)
}

/// `data` one byte at a time, `every` apart.
fn trickle(
    data: Vec<u8>,
    every: Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    stream::iter(data).then(move |b| async move {
        tokio::time::sleep(every).await;
        Ok(Bytes::copy_from_slice(&[b]))
    })
}

/// `data` one byte every 200 ms, then spaces (still valid JSON) the same way, for ever.
fn stall_on(data: Vec<u8>) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    let every = Duration::from_millis(200);
    trickle(data, every).chain(stream::repeat(b' ').then(move |b| async move {
        tokio::time::sleep(every).await;
        Ok(Bytes::copy_from_slice(&[b]))
    }))
}

fn download(path: &str) -> Response {
    let mut resp = match path.rsplit('/').next().unwrap_or("") {
        "slow.bin" => Body::from_stream(trickle(vec![b's'; 100_000], Duration::from_millis(200)))
            .into_response(),
        // Listed as 10 bytes; the body goes on for ever.
        "long.bin" => {
            let chunk = Bytes::from(vec![b'L'; 64 * 1024]);
            Body::from_stream(stream::repeat_with(move || {
                Ok::<_, Infallible>(chunk.clone())
            }))
            .into_response()
        }
        _ if path.contains("/names/") => GOOD_BODY.into_response(),
        _ => return not_found(),
    };
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    resp
}
