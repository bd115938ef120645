//! A hostile QNAP: a small axum server that speaks just enough File Station
//! (`authLogin.cgi`, `utilRequest.cgi` `get_tree`/`get_list`/`stat`/`download`) to serve
//! what a broken or malicious NAS would, one scenario per folder of its `Public` share:
//!
//! * `huge_total` — a listing that claims 10^18 entries;
//! * `repeat` — a listing that claims a million entries and sends the same page for
//!   every offset;
//! * `big_reply` — a listing reply of more than 64 MiB, generated while it is sent
//!   (never held whole here either);
//! * `slow_reply` — a listing reply trickling one byte every 200 ms;
//! * `names` — names made to hurt (ESC/OSC, C1, bidi, `..`, `../x`, absolute, `a/b`,
//!   NUL, invalid UTF-8, a lone surrogate, 20 000 bytes) next to good files;
//! * `bodies` — `slow.bin` (one byte every 200 ms) and `long.bin` (announced as 10
//!   bytes, its body never ends).
//!
//! `createdir` answers status 9 (File Station's "quota / disk full", which it also
//! gives for any folder it could not create). Everything else answers a failure.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};

/// The share every scenario lives in.
pub const SHARE: &str = "Public";

/// The contents of every good file.
pub const GOOD_BODY: &[u8] = b"hello";

/// A running hostile server, on its own runtime, until dropped.
pub struct Hostile {
    rt: tokio::runtime::Runtime,
    pub url: String,
}

impl Hostile {
    pub fn start() -> Hostile {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let url = rt.block_on(async {
            let app = axum::Router::new()
                .route("/cgi-bin/authLogin.cgi", axum::routing::any(login))
                .route(
                    "/cgi-bin/authLogout.cgi",
                    axum::routing::any(|| async { "" }),
                )
                .route(
                    "/cgi-bin/filemanager/utilRequest.cgi",
                    axum::routing::any(util),
                );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await });
            format!("http://{addr}/")
        });
        Hostile { rt, url }
    }

    /// Keeps the runtime named as used (its threads serve the requests).
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.rt
    }
}

async fn login() -> Response {
    xml(
        "<QDocRoot version=\"1.0\"><authPassed><![CDATA[1]]></authPassed>\
         <authSid><![CDATA[hostile0sid]]></authSid></QDocRoot>",
    )
}

fn xml(text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/xml")], text).into_response()
}

fn json(body: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body.into()).into_response()
}

/// One entry of a listing, as raw JSON (a name may hold bytes that are not UTF-8).
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
            size: 0,
            ..Item::file(name, 0)
        }
    }

    fn json(&self) -> Vec<u8> {
        let mut out = b"{\"filename\":\"".to_vec();
        out.extend_from_slice(&self.raw_name);
        out.extend_from_slice(
            format!(
                "\",\"isfolder\":{},\"filesize\":\"{}\",\"epochmt\":1700000000,\"privilege\":\"644\",\"exist\":1}}",
                u8::from(self.folder),
                self.size
            )
            .as_bytes(),
        );
        out
    }
}

/// The names of `names/` that the client must refuse, as they would print escaped.
pub const REFUSED: &[&str] = &[
    "..",
    "../x",
    "../../escape.txt",
    "/etc/passwd",
    "a/b",
    "nul\\x00name",
];

/// The listing of `names/`: good files, names to show escaped, names to refuse.
fn hostile_names() -> Vec<Item> {
    let mut items = vec![
        Item::file("good1.txt", 5),
        Item::file("good2.txt", 5),
        Item::file("esc\x1b[2J\x1b]0;pwned\x07.txt", 5),
        Item::file("c1\u{9b}31m.txt", 5),
        Item::file("bidi\u{202e}txt.exe", 5),
        Item::file("tab\tnew\nline.txt", 5),
        Item::file(&"n".repeat(20_000), 5),
        // Not valid UTF-8, and a lone surrogate escape.
        Item::raw(b"bad\xff\xfeutf8.txt"),
        Item::raw(b"lone\\ud800surrogate.txt"),
    ];
    for refused in [
        "..",
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

/// A `get_list`-shaped reply.
fn list_body(total: u64, items: &[Item]) -> Vec<u8> {
    let mut out = format!("{{\"total\":{total},\"acl\":7,\"datas\":[").into_bytes();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&item.json());
    }
    out.extend_from_slice(b"]}");
    out
}

fn failure() -> Response {
    json("{\"status\":0}")
}

fn stat_body(item: Option<Item>, name: &str) -> Response {
    match item {
        Some(item) => json(list_body(1, &[item])),
        None => json(format!(
            "{{\"total\":1,\"datas\":[{{\"filename\":{},\"exist\":0}}]}}",
            serde_json::to_string(name).unwrap()
        )),
    }
}

/// What `stat` says of `dir/name`.
fn lookup(dir: &str, name: &str) -> Option<Item> {
    let scenarios = [
        "huge_total",
        "repeat",
        "big_reply",
        "slow_reply",
        "names",
        "bodies",
    ];
    if dir == format!("/{SHARE}") && scenarios.contains(&name) {
        return Some(Item::folder(name));
    }
    match (dir, name) {
        (d, "sub") if d.ends_with("/names") => Some(Item::folder("sub")),
        (d, "slow.bin") if d.ends_with("/bodies") => Some(Item::file("slow.bin", 100_000)),
        (d, "long.bin") if d.ends_with("/bodies") => Some(Item::file("long.bin", 10)),
        (d, n) if d.ends_with("/names") || d.ends_with("/names/sub") => {
            Some(Item::file(n, GOOD_BODY.len() as u64))
        }
        _ => None,
    }
}

async fn util(Query(q): Query<Vec<(String, String)>>) -> Response {
    let get = |k: &str| {
        q.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    match get("func") {
        "get_tree" => json(format!(
            "[{{\"id\":\"/{SHARE}\",\"text\":\"{SHARE}\",\"cls\":\"w\"}}]"
        )),
        "stat" => stat_body(lookup(get("path"), get("file_name")), get("file_name")),
        "get_list" => {
            let start: u64 = get("start").parse().unwrap_or(0);
            list(get("path"), start).await
        }
        "download" => download(get("source_path"), get("source_file")),
        // What File Station answers for a folder it cannot make, whatever the reason.
        "createdir" => json("{\"status\":9}"),
        _ => failure(),
    }
}

async fn list(path: &str, start: u64) -> Response {
    let scenario = path.rsplit('/').next().unwrap_or("");
    match scenario {
        "huge_total" => json(list_body(
            1_000_000_000_000_000_000,
            &[Item::file("a", 1), Item::file("b", 1)],
        )),
        "repeat" => json(list_body(
            1_000_000,
            &[Item::file("same1", 1), Item::file("same2", 1)],
        )),
        "big_reply" => json(Body::from_stream(big_reply())),
        "slow_reply" => json(Body::from_stream(trickle(
            list_body(1, &[Item::file("late", 1)]),
            Duration::from_millis(200),
        ))),
        "names" => {
            let items = hostile_names();
            let page: Vec<Item> = items.into_iter().skip(start as usize).collect();
            let total = hostile_names().len() as u64;
            json(list_body(total, &page))
        }
        "sub" => json(list_body(1, &[Item::file("inner.txt", 5)])),
        "bodies" => json(list_body(
            2,
            &[Item::file("long.bin", 10), Item::file("slow.bin", 100_000)],
        )),
        _ => json("{\"status\":5}"),
    }
}

/// A listing reply of 80 MiB: one entry whose name never ends, made chunk by chunk.
fn big_reply() -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    let head = stream::once(async {
        Ok(Bytes::from_static(
            b"{\"total\":1,\"datas\":[{\"filename\":\"",
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

fn download(dir: &str, name: &str) -> Response {
    let mut resp = match name {
        "slow.bin" => Body::from_stream(trickle(vec![b's'; 100_000], Duration::from_millis(200)))
            .into_response(),
        // Announced as 10 bytes by the listing; the body goes on for ever.
        "long.bin" => {
            let chunk = Bytes::from(vec![b'L'; 64 * 1024]);
            Body::from_stream(stream::repeat_with(move || {
                Ok::<_, Infallible>(chunk.clone())
            }))
            .into_response()
        }
        _ if dir.contains("/names") => GOOD_BODY.into_response(),
        _ => return (StatusCode::NOT_FOUND, "").into_response(),
    };
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/force-download"),
    );
    resp
}
