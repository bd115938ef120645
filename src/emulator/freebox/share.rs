//! Share links: `GET/POST /share_link/`, `GET/DELETE /share_link/{token}`, and the public
//! URL (`/share/{token}/{name}`, as 2023 boxes return it in `fullurl`) served without
//! authentication. Expired or deleted links answer 404.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Emu;
use super::dl::stream_file;
use super::envelope::{FbxError, ok, ok_empty, ok_list, parse_body};
use super::paths::encode_clear;
use super::random::token_from;
use super::upload::{is_upload_temp, now_secs};

const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_-";

/// Characters escaped in a URL path segment (RFC 3986 unreserved ones stay).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Clone, Debug)]
struct Link {
    token: String,
    /// Clear path of the shared file or folder.
    clear: String,
    name: String,
    /// Unix seconds, 0 = never.
    expire: i64,
}

impl Link {
    fn expired(&self) -> bool {
        self.expire != 0 && self.expire <= now_secs()
    }
}

#[derive(Default)]
pub struct Shares {
    inner: Mutex<BTreeMap<String, Link>>,
}

impl Shares {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Link>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The `fullurl` a box with HTTP remote access returns (empty when it is off).
fn fullurl(emu: &Emu, link: &Link) -> String {
    if !emu.cfg.remote_access {
        return String::new();
    }
    let base = emu.cfg.public_base_url.as_deref().unwrap_or(&emu.base_url);
    format!(
        "{}/share/{}/{}",
        base.trim_end_matches('/'),
        link.token,
        utf8_percent_encode(&link.name, SEGMENT)
    )
}

fn to_json(emu: &Emu, link: &Link) -> Value {
    json!({
        "path": encode_clear(&link.clear), "token": link.token, "name": link.name,
        "expire": link.expire, "fullurl": fullurl(emu, link), "internal": 0,
    })
}

fn invalid_id() -> FbxError {
    FbxError::business("invalid_id", "Identifiant invalide")
}

/// `GET /api/vN/share_link/`
pub async fn list(State(emu): State<Arc<Emu>>) -> Response {
    let items = emu
        .shares
        .lock()
        .values()
        .map(|l| to_json(&emu, l))
        .collect();
    ok_list(items)
}

/// `GET /api/vN/share_link/{token}`
pub async fn get_one(
    State(emu): State<Arc<Emu>>,
    UrlPath((_v, token)): UrlPath<(String, String)>,
) -> Result<Response, FbxError> {
    let g = emu.shares.lock();
    g.get(&token)
        .map(|l| ok(to_json(&emu, l)))
        .ok_or_else(invalid_id)
}

/// `DELETE /api/vN/share_link/{token}`
pub async fn delete(
    State(emu): State<Arc<Emu>>,
    UrlPath((_v, token)): UrlPath<(String, String)>,
) -> Result<Response, FbxError> {
    emu.shares
        .lock()
        .remove(&token)
        .map(|_| ok_empty())
        .ok_or_else(invalid_id)
}

#[derive(Deserialize)]
struct CreateBody {
    path: String,
    #[serde(default)]
    expire: Value,
}

/// `POST /api/vN/share_link/` {path, expire, fullurl}
pub async fn create(State(emu): State<Arc<Emu>>, body: Bytes) -> Result<Response, FbxError> {
    let req: CreateBody = parse_body(&body)?;
    // A string expire ("1702198800") was accepted by a real box.
    let expire = match &req.expire {
        Value::Null => 0,
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| FbxError::invalid_request("Requête invalide"))?,
        Value::String(s) => s
            .parse()
            .map_err(|_| FbxError::invalid_request("Requête invalide"))?,
        _ => return Err(FbxError::invalid_request("Requête invalide")),
    };
    let target = emu.disk.resolve_token(&req.path)?;
    let real = target.real.as_ref().ok_or_else(FbxError::access_denied)?;
    if on_disk(emu.as_ref(), real).is_none() {
        return Err(FbxError::path_not_found());
    }
    let link = Link {
        token: token_from(TOKEN_ALPHABET, 16),
        name: target.name().to_owned(),
        clear: target.clear.clone(),
        expire,
    };
    let reply = to_json(&emu, &link);
    emu.shares.lock().insert(link.token.clone(), link);
    Ok(ok(reply))
}

/// What the box's disk has under `real`: the entry, or else the partial upload held
/// under that name — a file like any other on a box (docs/EMULATOR.md, "Partial
/// uploads"), so it is shared and served with its bytes so far.
fn on_disk(emu: &Emu, real: &std::path::Path) -> Option<std::path::PathBuf> {
    let fs = emu.disk.fs();
    if fs.metadata(real).is_ok() {
        return Some(real.to_path_buf());
    }
    if fs.entry_exists(real) {
        return None; // a link leading out, or one that leads nowhere
    }
    emu.uploads.held(fs, real)
}

fn gone() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Ce lien de partage n'existe pas ou a expiré\n",
    )
        .into_response()
}

/// `GET /share/{token}/{name}[/sub/path]`: no authentication. A file share serves the
/// file; a folder share serves an HTML index and the files below it.
pub async fn serve_public(
    State(emu): State<Arc<Emu>>,
    UrlPath(params): UrlPath<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let token = params
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let rest = params
        .iter()
        .find(|(k, _)| k == "rest")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    serve_link(&emu, &token, &rest, &headers).await
}

/// `GET /api/vN/share/{token}/`: the URL form of the v4 documentation.
pub async fn serve_doc_form(
    State(emu): State<Arc<Emu>>,
    UrlPath((_v, token)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    serve_link(&emu, &token, "", &headers).await
}

async fn serve_link(emu: &Emu, token: &str, rest: &str, headers: &HeaderMap) -> Response {
    let link = emu.shares.lock().get(token).cloned();
    let Some(link) = link.filter(|l| !l.expired()) else {
        return gone();
    };
    // The first segment after the token is the shared item's own name (cosmetic).
    let below: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).skip(1).collect();
    let clear = if below.is_empty() {
        link.clear.clone()
    } else {
        format!("{}/{}", link.clear, below.join("/"))
    };
    let Ok(target) = emu.disk.resolve_clear(&clear) else {
        return gone();
    };
    let Some(real) = target.real.as_deref().and_then(|r| on_disk(emu, r)) else {
        return gone();
    };
    // Links inside the root are followed like any read; one leading out is gone.
    let fs = emu.disk.fs();
    match fs.metadata(&real) {
        Ok(m) if m.is_file() => stream_file(
            &emu.faults,
            fs,
            &real,
            target.name(),
            headers,
            emu.cfg.range_support,
        )
        .await
        .unwrap_or_else(|_| gone()),
        Ok(m) if m.is_dir() => folder_index(emu, &link, &below, &real),
        _ => gone(),
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A plain HTML index of a shared folder (what a real box shows is undocumented).
/// Partial uploads held in the folder are listed under their names, as `fs/ls` does.
fn folder_index(emu: &Emu, link: &Link, below: &[&str], dir: &std::path::Path) -> Response {
    let fs = emu.disk.fs();
    let mut names = Vec::new();
    for e in fs.read_dir(dir).into_iter().flatten() {
        if let Some(n) = e.name.to_str() {
            if is_upload_temp(n) {
                continue;
            }
            let is_dir = fs.symlink_metadata(&e.path).is_ok_and(|m| m.is_dir());
            names.push((n.to_owned(), is_dir));
        }
    }
    for (name, _) in emu.uploads.held_in(fs, dir) {
        if let Some(n) = name.to_str() {
            names.push((n.to_owned(), false));
        }
    }
    names.sort();
    let mut prefix = format!(
        "/share/{}/{}",
        utf8_percent_encode(&link.token, SEGMENT),
        utf8_percent_encode(&link.name, SEGMENT)
    );
    for b in below {
        prefix.push('/');
        prefix.extend(utf8_percent_encode(b, SEGMENT));
    }
    let mut html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><ul>",
        html_escape(&link.name)
    );
    for (n, is_dir) in names {
        let slash = if is_dir { "/" } else { "" };
        html.push_str(&format!(
            "<li><a href=\"{prefix}/{}{slash}\">{}{slash}</a></li>",
            utf8_percent_encode(&n, SEGMENT),
            html_escape(&n)
        ));
    }
    html.push_str("</ul></body></html>");
    Html(html).into_response()
}
