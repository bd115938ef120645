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
//!   NUL, invalid UTF-8, a lone surrogate, a Python-style `\udce9`, 20 000 bytes) next
//!   to good files. Strict as a disk is: a file is found only by its own bytes, so a
//!   client that sends a name lossily (U+FFFD for the bytes) finds nothing;
//! * `bodies` — `slow.bin` (one byte every 200 ms) and `long.bin` (announced as 10
//!   bytes, its body never ends);
//! * `many` — eight folders `d0`…`d7`, each with a good file and two names to refuse
//!   that say which folder they came from (`../dN-escape`, `dN/x`);
//! * `uploads` — an empty folder whose uploads (chunked and standard) are accepted and
//!   their bodies never read.
//!
//! `createdir` answers status 9 (File Station's "quota / disk full", which it also
//! gives for any folder it could not create). Everything else answers a failure.

use std::time::Duration;

use axum::body::Body;
use axum::extract::RawQuery;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub use super::hostile_kit::GOOD_BODY;
use super::hostile_kit::{
    Item, LONG_LISTED, SLOW_SIZE, bad_body, big_reply, comma_joined, hurtful_names, json,
    never_read, serve, trickle, unusable_names, with_type,
};

/// The share every scenario lives in.
pub const SHARE: &str = "Public";

/// A running hostile server, on its own runtime, until dropped.
pub struct Hostile {
    rt: tokio::runtime::Runtime,
    pub url: String,
}

impl Hostile {
    pub fn start() -> Hostile {
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
        let (rt, addr) = serve(app);
        Hostile {
            rt,
            url: format!("http://{addr}/"),
        }
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

/// One entry as `get_list` writes it.
fn entry(item: &Item) -> Vec<u8> {
    item.object(
        "filename",
        &format!(
            ",\"isfolder\":{},\"filesize\":\"{}\",\"epochmt\":1700000000,\"privilege\":\"644\",\"exist\":1",
            u8::from(item.folder),
            item.size
        ),
    )
}

fn folder(name: &str) -> Item {
    Item::folder(name, 0)
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
    let mut items = hurtful_names();
    // A lone surrogate escape: valid JSON, not a Unicode string, and no byte.
    items.push(Item::raw(b"lone\\ud800surrogate.txt"));
    // How Python's `surrogateescape` writes the byte 0xe9 of a Latin-1 name.
    items.push(Item::raw(b"py\\udce9.txt"));
    items.push(Item::file("..", 5));
    items.extend(unusable_names());
    items.push(folder("sub"));
    items
}

/// A `get_list`-shaped reply.
fn list_body(total: u64, items: &[Item]) -> Vec<u8> {
    let mut out = format!("{{\"total\":{total},\"acl\":7,\"datas\":[").into_bytes();
    out.extend_from_slice(&comma_joined(items.iter().map(entry)));
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
        "uploads",
        "many",
    ];
    if dir == format!("/{SHARE}") && scenarios.contains(&name) {
        return Some(folder(name));
    }
    match (dir, name) {
        (d, n) if d.ends_with("/many") => Some(folder(n)),
        (d, "sub") if d.ends_with("/names") => Some(folder("sub")),
        (d, "slow.bin") if d.ends_with("/bodies") => Some(Item::file("slow.bin", SLOW_SIZE)),
        (d, "long.bin") if d.ends_with("/bodies") => Some(Item::file("long.bin", LONG_LISTED)),
        (d, n) if d.ends_with("/names") || d.ends_with("/names/sub") || d.contains("/many/") => {
            Some(Item::file(n, GOOD_BODY.len() as u64))
        }
        _ => None,
    }
}

/// The query's pairs with their values as bytes (`%E9` is the byte 0xe9, as a CGI sees
/// it), keys as text.
fn query_pairs(raw: &str) -> Vec<(String, Vec<u8>)> {
    raw.split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .map(|(k, v)| {
            let v = v.replace('+', " ");
            let bytes: Vec<u8> = percent_encoding::percent_decode_str(&v).collect();
            (k.to_owned(), bytes)
        })
        .collect()
}

/// Whether a name the client sent is one the disk could hold: U+FFFD (bytes `ef bf bd`)
/// in it means the client sent a lossy spelling of bytes that are not UTF-8.
fn sent_lossily(name: &[u8]) -> bool {
    name.windows(3).any(|w| w == "\u{fffd}".as_bytes())
}

async fn util(RawQuery(raw): RawQuery, body: Body) -> Response {
    let q = query_pairs(raw.as_deref().unwrap_or(""));
    let bytes = |k: &str| {
        q.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let texts: Vec<(String, String)> = q
        .iter()
        .map(|(k, v)| (k.clone(), String::from_utf8_lossy(v).into_owned()))
        .collect();
    let get = |k: &str| {
        texts
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let by_bytes = |k: &str| !sent_lossily(&bytes(k));
    match get("func") {
        "get_tree" => json(format!(
            "[{{\"id\":\"/{SHARE}\",\"text\":\"{SHARE}\",\"cls\":\"w\"}}]"
        )),
        "stat" => stat_body(
            lookup(get("path"), get("file_name")).filter(|_| by_bytes("file_name")),
            get("file_name"),
        ),
        "get_list" => {
            let start: u64 = get("start").parse().unwrap_or(0);
            list(get("path"), start).await
        }
        "download" if !by_bytes("source_file") => (StatusCode::NOT_FOUND, "").into_response(),
        "download" => download(get("source_path"), get("source_file")),
        // What File Station answers for a folder it cannot make, whatever the reason.
        "createdir" => json("{\"status\":9}"),
        "start_chunked_upload" => json("{\"status\":0,\"upload_id\":\"hostile-upload\"}"),
        "get_chunked_upload_status" => json("{\"status\":1,\"size\":0}"),
        "delete_chunked_upload_file" => json("{\"status\":1}"),
        "chunked_upload" | "upload" => never_read(body).await,
        _ => failure(),
    }
}

/// The folders of `many/`.
pub const MANY_FOLDERS: usize = 8;

/// The names of `many/dN` the client must refuse.
pub fn refused_in_many(folder: usize) -> [String; 2] {
    [format!("../d{folder}-escape"), format!("d{folder}/x")]
}

async fn list(path: &str, start: u64) -> Response {
    let scenario = path.rsplit('/').next().unwrap_or("");
    if let Some(d) = path
        .rsplit_once("/many/d")
        .and_then(|(_, n)| n.parse::<usize>().ok())
    {
        let mut items = vec![Item::file("good.txt", GOOD_BODY.len() as u64)];
        items.extend(refused_in_many(d).iter().map(|n| Item::file(n, 5)));
        return json(list_body(items.len() as u64, &items));
    }
    match scenario {
        "huge_total" => json(list_body(
            1_000_000_000_000_000_000,
            &[Item::file("a", 1), Item::file("b", 1)],
        )),
        "repeat" => json(list_body(
            1_000_000,
            &[Item::file("same1", 1), Item::file("same2", 1)],
        )),
        "big_reply" => json(Body::from_stream(big_reply(
            b"{\"total\":1,\"datas\":[{\"filename\":\"",
        ))),
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
        "uploads" => json(list_body(0, &[])),
        "many" => {
            let folders: Vec<Item> = (0..MANY_FOLDERS)
                .map(|i| folder(&format!("d{i}")))
                .collect();
            json(list_body(folders.len() as u64, &folders))
        }
        "bodies" => json(list_body(
            2,
            &[
                Item::file("long.bin", LONG_LISTED),
                Item::file("slow.bin", SLOW_SIZE),
            ],
        )),
        _ => json("{\"status\":5}"),
    }
}

fn download(dir: &str, name: &str) -> Response {
    const TYPE: &str = "application/force-download";
    if let Some(bad) = bad_body(name, TYPE) {
        return bad;
    }
    if dir.contains("/names") || dir.contains("/many/") {
        return with_type(GOOD_BODY.into_response(), TYPE);
    }
    (StatusCode::NOT_FOUND, "").into_response()
}
