//! The route table. Every endpoint answers with and without a trailing slash (real clients
//! mix both); path tokens are taken verbatim from the rest of the URL (`+`, `/`, `=` kept).

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde_json::json;

use super::envelope::{BusinessError, FbxError, json_reply};
use super::{Emu, auth, dl, fs, share, storage, tasks, upload, upload_legacy};

/// The API major a request addresses (from `/api/vN/…` or `/api/latest/…`).
#[derive(Clone, Copy, Debug)]
pub struct ApiMajor(pub u32);

type R = Router<Arc<Emu>>;

/// Adds `path` and `path/` for the same handlers.
fn both(router: R, path: &str, mr: MethodRouter<Arc<Emu>>) -> R {
    router
        .route(path, mr.clone())
        .route(&format!("{path}/"), mr)
}

pub fn router(emu: Arc<Emu>) -> Router {
    let open = [
        ("/api_version", get(api_version)),
        ("/login", get(auth::challenge)),
        ("/login/authorize", post(auth::authorize)),
        ("/login/authorize/{id}", get(auth::track)),
        ("/login/session", post(auth::open_session)),
        ("/login/logout", post(auth::logout)),
        ("/share/{token}", get(share::serve_doc_form)),
    ];
    let mut public = Router::new();
    for (p, mr) in open {
        public = both(public, &format!("/api/{{ver}}{p}"), mr);
    }

    let file_api = [
        ("/fs/info", post(fs::info_batch)),
        ("/fs/mkdir", post(fs::mkdir)),
        ("/fs/rename", post(fs::rename)),
        ("/fs/cp", post(tasks::cp)),
        ("/fs/mv", post(tasks::mv)),
        ("/fs/rm", post(tasks::rm)),
        ("/fs/hash", post(tasks::hash)),
        ("/fs/tasks", get(tasks::list)),
        (
            "/fs/tasks/{id}",
            get(tasks::get_one).put(tasks::update).delete(tasks::delete),
        ),
        ("/fs/tasks/{id}/hash", get(tasks::hash_result)),
        ("/ws/upload", get(upload::ws_upload)),
        ("/upload", get(upload::list).post(upload_legacy::create)),
        ("/upload/clean", axum::routing::delete(upload::clean)),
        ("/upload/{id}", get(upload::get_one).delete(upload::delete)),
        ("/upload/{id}/cancel", axum::routing::delete(upload::cancel)),
        ("/share_link", get(share::list).post(share::create)),
        ("/storage/partition", get(storage::partitions)),
        (
            "/share_link/{token}",
            get(share::get_one).delete(share::delete),
        ),
    ];
    let mut protected = Router::new()
        .route("/api/{ver}/fs/ls/{*tok}", get(fs::ls))
        .route("/api/{ver}/fs/info/{*tok}", get(fs::info))
        .route("/api/{ver}/dl/{*tok}", get(dl::download));
    for (p, mr) in file_api {
        protected = both(protected, &format!("/api/{{ver}}{p}"), mr);
    }
    let protected = protected.route_layer(middleware::from_fn_with_state(
        emu.clone(),
        auth::require_explorer,
    ));

    // The legacy upload's data step is authorised by its id alone (one real client sends
    // it without the session header).
    let legacy_send = both(
        Router::new(),
        "/api/{ver}/upload/{id}/send",
        post(upload_legacy::send).layer(DefaultBodyLimit::disable()),
    );

    let api = public
        .merge(protected)
        .merge(legacy_send)
        .route_layer(middleware::from_fn_with_state(emu.clone(), version_guard));

    let router = Router::new()
        .route("/api_version", get(api_version))
        .route("/share/{token}", get(share::serve_public))
        .route("/share/{token}/", get(share::serve_public))
        .route("/share/{token}/{*rest}", get(share::serve_public))
        .merge(api)
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(emu.clone(), business_status))
        .layer(middleware::from_fn_with_state(emu.clone(), forget_listings));
    let router = emu.cfg.request_log.layer(emu.faults.layer(router));
    router.with_state(emu)
}

/// `GET /api_version`: bare object, no envelope.
async fn api_version(State(emu): State<Arc<Emu>>) -> Response {
    let port = emu
        .base_url
        .trim_start_matches("http://")
        .rsplit_once(':')
        .map(|(_, p)| p.parse::<u16>().unwrap_or(443))
        .unwrap_or(443);
    json_reply(
        axum::http::StatusCode::OK,
        &json!({
            "box_model_name": "Freebox v9 (r1)",
            "api_base_url": "/api/",
            "https_port": port,
            "device_name": "Freebox Server",
            // No TLS here: clients must not switch to https://api_domain.
            "https_available": false,
            "box_model": "fbxgw9-r1",
            "api_domain": format!("{}.fbxos.fr", &emu.uid[..8]),
            "uid": emu.uid,
            "api_version": format!("{}.0", emu.cfg.api_major),
            "device_type": "FreeboxServer9,1",
        }),
    )
}

async fn not_found() -> Response {
    FbxError::not_found_route().into_response()
}

/// Parses the `vN`/`latest` segment; a major above the box's → `invalid_api_version`.
async fn version_guard(State(emu): State<Arc<Emu>>, mut req: Request, next: Next) -> Response {
    let seg = req.uri().path().split('/').nth(2).unwrap_or("");
    let major = if seg == "latest" {
        Some(emu.cfg.api_major)
    } else {
        seg.strip_prefix('v')
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| (1..=emu.cfg.api_major).contains(n))
    };
    let Some(major) = major else {
        return FbxError::with_status(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_api_version",
            "Version d'API inconnue",
        )
        .into_response();
    };
    req.extensions_mut().insert(ApiMajor(major));
    next.run(req).await
}

/// Gives business errors the configured status, and turns axum's plain-text extractor
/// rejections (bad percent-encoding, not a WebSocket handshake…) into the box's envelope.
/// Anything but a GET may change a folder: no `fs/ls` snapshot serves another page
/// (`emulator/snapshots.rs`). Before and after, as a task may still be running when
/// its call returns (the folder's mtime catches what it does later).
async fn forget_listings(State(emu): State<Arc<Emu>>, req: Request, next: Next) -> Response {
    let writes = req.method() != axum::http::Method::GET;
    if writes {
        emu.listings.invalidate();
    }
    let resp = next.run(req).await;
    if writes {
        emu.listings.invalidate();
    }
    resp
}

async fn business_status(State(emu): State<Arc<Emu>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if resp.extensions().get::<BusinessError>().is_some() {
        *resp.status_mut() = emu.cfg.business_error_status;
        return resp;
    }
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let status = resp.status();
    let keep = [
        axum::http::StatusCode::NOT_FOUND,
        axum::http::StatusCode::RANGE_NOT_SATISFIABLE,
    ];
    if status.is_client_error() && !keep.contains(&status) && !is_json {
        let mut e = FbxError::invalid_request("Requête invalide");
        e.status = Some(status);
        return e.into_response();
    }
    resp
}
