//! What the hostile doubles (`hostile.rs` for QNAP, `hostile_freebox.rs`) share, whatever
//! API they speak: starting on a runtime of their own, a listing entry whose name is raw
//! JSON (it may hold bytes that are not UTF-8), the names made to hurt, and the bodies
//! of a broken server — trickling, endless, oversized, never read.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};

/// The contents of every good file.
pub const GOOD_BODY: &[u8] = b"hello";

/// `app` served on loopback by a runtime of its own (which must outlive the server and
/// be dropped outside any other runtime).
pub fn serve(app: axum::Router) -> (tokio::runtime::Runtime, SocketAddr) {
    let rt = super::runtime();
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    });
    (rt, addr)
}

pub fn json(body: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body.into()).into_response()
}

/// One entry of a listing, its name as raw JSON string content.
pub struct Item {
    /// The name's JSON string content, already escaped as the server writes it.
    pub raw_name: Vec<u8>,
    pub folder: bool,
    pub size: u64,
    /// The bytes of the name on the server's disk, where they differ from what the JSON
    /// name says (a Freebox shows a name that is not UTF-8 lossily; its `path` token
    /// carries these bytes).
    pub disk_bytes: Option<Vec<u8>>,
}

impl Item {
    pub fn file(name: &str, size: u64) -> Item {
        let quoted = serde_json::to_string(name).unwrap();
        Item {
            raw_name: quoted.as_bytes()[1..quoted.len() - 1].to_vec(),
            folder: false,
            size,
            disk_bytes: None,
        }
    }

    /// A file whose JSON name is `raw_name` as it stands (invalid UTF-8, a lone
    /// surrogate escape…).
    pub fn raw(raw_name: &[u8]) -> Item {
        Item {
            raw_name: raw_name.to_vec(),
            folder: false,
            size: GOOD_BODY.len() as u64,
            disk_bytes: None,
        }
    }

    /// A file shown as `shown` whose name on disk is `bytes`.
    pub fn shown_as(shown: &str, bytes: &[u8]) -> Item {
        Item {
            disk_bytes: Some(bytes.to_vec()),
            ..Item::file(shown, GOOD_BODY.len() as u64)
        }
    }

    pub fn folder(name: &str, size: u64) -> Item {
        Item {
            folder: true,
            size,
            ..Item::file(name, 0)
        }
    }

    /// `{"<name_key>":"<name>"` followed by `rest` (the double's other fields, starting
    /// with a comma) and `}`.
    pub fn object(&self, name_key: &str, rest: &str) -> Vec<u8> {
        let mut out = format!("{{\"{name_key}\":\"").into_bytes();
        out.extend_from_slice(&self.raw_name);
        out.push(b'"');
        out.extend_from_slice(rest.as_bytes());
        out.push(b'}');
        out
    }
}

/// `parts` joined by commas.
pub fn comma_joined(parts: impl IntoIterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&part);
    }
    out
}

/// Names made to hurt, next to good files: escape sequences, C1, bidi, control
/// characters, 20 000 bytes, invalid UTF-8 inside the JSON string.
pub fn hurtful_names() -> Vec<Item> {
    vec![
        Item::file("good1.txt", 5),
        Item::file("good2.txt", 5),
        Item::file("esc\x1b[2J\x1b]0;pwned\x07.txt", 5),
        Item::file("c1\u{9b}31m.txt", 5),
        Item::file("bidi\u{202e}txt.exe", 5),
        Item::file("tab\tnew\nline.txt", 5),
        Item::file(&"n".repeat(20_000), 5),
        Item::raw(b"bad\xff\xfeutf8.txt"),
    ]
}

/// Names no client may use as a path component, as the server sends them (the doubles'
/// `REFUSED` lists are these as they print escaped).
pub fn unusable_names() -> Vec<Item> {
    [
        "../x",
        "../../escape.txt",
        "/etc/passwd",
        "a/b",
        "nul\0name",
    ]
    .into_iter()
    .map(|n| Item::file(n, 5))
    .collect()
}

/// A reply of 80 MiB, made chunk by chunk: `head`, then a name that never ends, then
/// `"}]}`.
pub fn big_reply(head: &'static [u8]) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let head = stream::once(async move { Ok(Bytes::from_static(head)) });
    let chunk = Bytes::from(vec![b'a'; 1024 * 1024]);
    let middle = stream::iter((0..80).map(move |_| Ok(chunk.clone())));
    let tail = stream::once(async { Ok(Bytes::from_static(b"\"}]}")) });
    head.chain(middle).chain(tail)
}

/// `data` one byte at a time, `every` apart.
pub fn trickle(data: Vec<u8>, every: Duration) -> impl Stream<Item = Result<Bytes, Infallible>> {
    stream::iter(data).then(move |b| async move {
        tokio::time::sleep(every).await;
        Ok(Bytes::copy_from_slice(&[b]))
    })
}

/// `data` one byte every 200 ms, then spaces (still valid JSON) the same way, for ever.
pub fn stall_on(data: Vec<u8>) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let every = Duration::from_millis(200);
    trickle(data, every).chain(stream::repeat(b' ').then(move |b| async move {
        tokio::time::sleep(every).await;
        Ok(Bytes::copy_from_slice(&[b]))
    }))
}

/// The size `slow.bin` is listed with.
pub const SLOW_SIZE: u64 = 100_000;

/// The size `long.bin` is listed with; its body never ends.
pub const LONG_LISTED: u64 = 10;

/// The body of the bad files: `slow.bin` trickles one byte every 200 ms, `long.bin`
/// goes on for ever; `None` for any other name.
pub fn bad_body(name: &str, content_type: &'static str) -> Option<Response> {
    let body = match name {
        "slow.bin" => Body::from_stream(trickle(
            vec![b's'; SLOW_SIZE as usize],
            Duration::from_millis(200),
        )),
        "long.bin" => {
            let chunk = Bytes::from(vec![b'L'; 64 * 1024]);
            Body::from_stream(stream::repeat_with(move || {
                Ok::<_, Infallible>(chunk.clone())
            }))
        }
        _ => return None,
    };
    Some(with_type(body.into_response(), content_type))
}

/// `resp` with its `Content-Type` set.
pub fn with_type(mut resp: Response, content_type: &'static str) -> Response {
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// Holds an upload's body without reading a byte of it (the connection's buffers fill,
/// then the client can send no more), and never answers.
pub async fn never_read(body: Body) -> Response {
    std::future::pending::<()>().await;
    drop(body);
    json("{}")
}
