//! The CGI endpoints, the parameter merge (query + form body), the sid check and the
//! `func` dispatch of `utilRequest.cgi` (also in its path-info form
//! `utilRequest.cgi/<name>?…`).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use super::envelope::{Reply, status};
use super::params::{self, Params};
use super::{
    Emu, QnapUser, auth, chunked, disk, download, listing, misc, ops, search, share, thumb, upload,
};

/// One authenticated `utilRequest.cgi` call.
pub(crate) struct Ctx {
    pub emu: Arc<Emu>,
    pub p: Params,
    pub user: Arc<QnapUser>,
    pub headers: HeaderMap,
}

impl Ctx {
    /// Status 4 for read-only accounts.
    pub fn require_write(&self) -> Result<(), i64> {
        if self.user.readonly {
            Err(status::PERMISSION)
        } else {
            Ok(())
        }
    }

    /// A required parameter (status 20 when missing, like QTS 5).
    pub fn req(&self, key: &str) -> Result<&str, i64> {
        self.p.nonempty(key).ok_or(status::PARAMS)
    }

    /// `Host` of the request, for links that point back at this server.
    pub fn host(&self) -> String {
        self.headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
            .to_string()
    }
}

pub(crate) fn build(emu: Arc<Emu>) -> Router {
    let router = Router::new()
        .route("/cgi-bin/authLogin.cgi", any(auth::login))
        .route("/cgi-bin/authLogout.cgi", any(auth::logout))
        .route("/cgi-bin/filemanager/wfm2Login.cgi", any(auth::wfm2_login))
        .route(
            "/cgi-bin/filemanager/wfm2Logout.cgi",
            any(auth::wfm2_logout),
        )
        .route("/cgi-bin/filemanager/utilRequest.cgi", any(util_request))
        .route(
            "/cgi-bin/filemanager/utilRequest.cgi/{*name}",
            any(util_request),
        )
        .route("/share.cgi", any(share::serve_link))
        .fallback(not_found)
        // Uploads are streamed to disk; no size limit on bodies.
        .layer(DefaultBodyLimit::disable())
        .with_state(emu.clone());
    let router = emu.faults.layer(router);
    emu.cfg.request_log.layer(router)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html")],
        "<html><body><h1>404 Not Found</h1></body></html>\n",
    )
        .into_response()
}

/// Funcs that change something on disk: status 4 for a read-only account.
const WRITE_FUNCS: &[&str] = &[
    "createdir",
    "rename",
    "delete",
    "copy",
    "move",
    "upload",
    "start_chunked_upload",
    "chunked_upload",
    "delete_chunked_upload_file",
];

/// The chunked upload funcs, unknown (status 20) when `chunked_upload` is off.
const CHUNKED_FUNCS: &[&str] = &[
    "start_chunked_upload",
    "chunked_upload",
    "get_chunked_upload_status",
    "delete_chunked_upload_file",
];

async fn util_request(State(emu): State<Arc<Emu>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let (p, body) = params::collect(&parts.method, &parts.headers, parts.uri.query(), body).await;
    let Some(session) = p.get("sid").and_then(|s| emu.sessions.get(s)) else {
        return emu.status(status::AUTH_FAIL);
    };
    let func = p.get("func").unwrap_or("").to_string();
    if !emu.cfg.chunked_upload && CHUNKED_FUNCS.contains(&func.as_str()) {
        // Older firmware: the func does not exist.
        return emu.status(status::PARAMS);
    }
    let ctx = Ctx {
        emu: emu.clone(),
        p,
        user: session.user,
        headers: parts.headers,
    };
    if WRITE_FUNCS.contains(&func.as_str()) && ctx.user.readonly {
        return emu.status(status::PERMISSION);
    }
    // A write through the emulator ends every listing snapshot (`snapshots.rs`); before
    // and after, since a copy/move may still be changing things when its call returns.
    let writes = WRITE_FUNCS.contains(&func.as_str()) || (func == "stat" && ctx.p.flag("settime"));
    if writes {
        emu.listings.invalidate();
    }
    let reply = dispatch(&func, ctx, body.unwrap_or_else(Body::empty)).await;
    if writes {
        emu.listings.invalidate();
    }
    match reply {
        Ok(r) => r,
        Err(status::PARAMS) if emu.cfg.legacy_profile && is_known(&func) => {
            // Older firmware prints nothing when a required parameter is missing.
            StatusCode::OK.into_response()
        }
        Err(code) => emu.status(code),
    }
}

const KNOWN_FUNCS: &[&str] = &[
    "get_tree",
    "get_list",
    "stat",
    "createdir",
    "rename",
    "delete",
    "copy",
    "move",
    "get_copy_status",
    "get_move_status",
    "cancel_copy",
    "cancel_move",
    "upload",
    "start_chunked_upload",
    "chunked_upload",
    "get_chunked_upload_status",
    "delete_chunked_upload_file",
    "download",
    "get_viewer",
    "search",
    "get_share_link",
    "share_file",
    "get_share_list",
    "update_share_link",
    "delete_share",
    "delete_share_all",
    "get_domain_ip_list",
    "get_file_size",
    "get_disk_info",
    "get_thumb",
];

fn is_known(func: &str) -> bool {
    KNOWN_FUNCS.contains(&func)
}

async fn dispatch(func: &str, ctx: Ctx, body: Body) -> Reply {
    match func {
        "upload" => return upload::upload(&ctx, body).await,
        "chunked_upload" => return chunked::chunked_upload(&ctx, body).await,
        "download" => return download::download(&ctx).await,
        "get_viewer" => return download::get_viewer(&ctx).await,
        _ => {}
    }
    let blocking: fn(&Ctx) -> Reply = match func {
        "start_chunked_upload" => chunked::start,
        "get_chunked_upload_status" => chunked::get_status,
        "delete_chunked_upload_file" => chunked::delete,
        "get_tree" => listing::get_tree,
        "get_list" => listing::get_list,
        "stat" => listing::stat,
        "createdir" => ops::createdir,
        "rename" => ops::rename,
        "delete" => ops::delete,
        "copy" => ops::copy,
        "move" => ops::move_items,
        "get_copy_status" | "get_move_status" => ops::progress,
        "cancel_copy" | "cancel_move" => ops::cancel,
        "search" => search::search,
        "get_share_link" => share::get_share_link,
        "share_file" => share::share_file,
        "get_share_list" => share::get_share_list,
        "update_share_link" => share::update_share_link,
        "delete_share" => share::delete_share,
        "delete_share_all" => share::delete_share_all,
        "get_domain_ip_list" => misc::get_domain_ip_list,
        "get_file_size" => misc::get_file_size,
        "get_disk_info" => disk::get_disk_info,
        "get_thumb" => thumb::get_thumb,
        _ => return Err(status::PARAMS),
    };
    // File system calls block; keep them off the async workers.
    tokio::task::spawn_blocking(move || blocking(&ctx))
        .await
        .unwrap_or(Err(status::FAIL))
}
