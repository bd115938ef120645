//! App registration (`login/authorize`), the challenge (`login/`), HMAC-SHA1 session login
//! (`login/session`), logout, and the `X-Fbx-App-Auth` check with permissions.
//!
//! A real box asks its owner to press a button on the front panel: [`GrantMode`] models
//! that answer. Sessions last `session_ttl` from login (absolute, like the ~30 min
//! observed on real boxes) and can all be expired on demand.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha1::Sha1;

use super::Emu;
use super::envelope::{FbxError, MSG_AUTH_REQUIRED, ok, ok_empty, parse_body};
use super::random::base64_token;
use super::routes::ApiMajor;

/// How the emulated owner answers a registration (the front-panel button).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GrantMode {
    /// Granted at the first poll.
    #[default]
    Auto,
    /// `pending` until this long after registration, then granted (a button press).
    After(Duration),
    /// `pending` for this many polls of the track, then granted (deterministic in tests).
    AfterPolls(u32),
    /// Denied at the first poll.
    Deny,
    /// `pending` until this long after registration, then `timeout` (nobody pressed).
    Timeout(Duration),
}

/// Permissions given to every app at login (a session's `permissions` map).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppPermissions {
    /// File access (`fs`, `dl`, `upload`, `share_link`). Off → `insufficient_rights`.
    pub explorer: bool,
    pub downloader: bool,
    pub settings: bool,
}

impl Default for AppPermissions {
    fn default() -> Self {
        AppPermissions {
            explorer: true,
            downloader: true,
            settings: false,
        }
    }
}

impl AppPermissions {
    fn to_json(&self) -> Value {
        json!({
            "parental": false, "contacts": false, "explorer": self.explorer, "tv": false,
            "wdo": false, "downloader": self.downloader, "profile": true, "camera": false,
            "settings": self.settings, "calls": false, "home": false, "pvr": false,
            "vm": false, "player": false
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TrackStatus {
    Pending,
    Granted,
    Denied,
    Timeout,
}

impl TrackStatus {
    fn as_str(self) -> &'static str {
        match self {
            TrackStatus::Pending => "pending",
            TrackStatus::Granted => "granted",
            TrackStatus::Denied => "denied",
            TrackStatus::Timeout => "timeout",
        }
    }
}

struct App {
    app_id: String,
    app_token: String,
    track_id: u64,
    registered: Instant,
    status: TrackStatus,
    /// Track polls seen so far (for `GrantMode::AfterPolls`).
    polls: u32,
}

/// A logged-in session; `permissions` is the snapshot taken at login.
#[derive(Clone, Debug)]
pub struct Session {
    pub app_id: String,
    pub explorer: bool,
    created: Instant,
}

/// How many recently issued challenges stay valid (see docs: racing logins).
const CHALLENGES_KEPT: usize = 8;
const CHALLENGE_LIFETIME: Duration = Duration::from_secs(300);

#[derive(Default)]
struct AuthInner {
    apps: HashMap<String, App>,
    next_track_id: u64,
    challenges: VecDeque<(String, Instant)>,
    sessions: HashMap<String, Session>,
    permissions: AppPermissions,
}

/// Registration, challenge and session state.
pub struct AuthState {
    inner: Mutex<AuthInner>,
    grant: GrantMode,
    session_ttl: Duration,
    /// Where granted apps are kept across restarts (None: memory only).
    state_file: Option<PathBuf>,
}

/// What the state file holds: the granted apps (their tokens are secrets: file is 0600).
#[derive(Serialize, Deserialize, Default)]
struct SavedState {
    next_track_id: u64,
    apps: Vec<SavedApp>,
}

#[derive(Serialize, Deserialize)]
struct SavedApp {
    app_id: String,
    app_token: String,
    track_id: u64,
}

impl AuthState {
    pub fn new(
        grant: GrantMode,
        session_ttl: Duration,
        permissions: AppPermissions,
        state_file: Option<PathBuf>,
    ) -> std::io::Result<Self> {
        let mut inner = AuthInner {
            next_track_id: 1,
            permissions,
            ..AuthInner::default()
        };
        if let Some(path) = &state_file {
            match std::fs::read(path) {
                Ok(bytes) => {
                    let saved: SavedState = serde_json::from_slice(&bytes).map_err(|e| {
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("{}: {e}", path.display()),
                        )
                    })?;
                    inner.next_track_id = saved.next_track_id.max(1);
                    for a in saved.apps {
                        inner.apps.insert(
                            a.app_id.clone(),
                            App {
                                app_id: a.app_id,
                                app_token: a.app_token,
                                track_id: a.track_id,
                                registered: Instant::now(),
                                status: TrackStatus::Granted,
                                polls: 0,
                            },
                        );
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(AuthState {
            inner: Mutex::new(inner),
            grant,
            session_ttl,
            state_file,
        })
    }

    /// Writes the granted apps to the state file (0600, replaced atomically).
    fn save(&self, inner: &AuthInner) {
        let Some(path) = &self.state_file else { return };
        let saved = SavedState {
            next_track_id: inner.next_track_id,
            apps: inner
                .apps
                .values()
                .filter(|a| a.status == TrackStatus::Granted)
                .map(|a| SavedApp {
                    app_id: a.app_id.clone(),
                    app_token: a.app_token.clone(),
                    track_id: a.track_id,
                })
                .collect(),
        };
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let tmp = path.with_extension("tmp");
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            f.write_all(&serde_json::to_vec(&saved).map_err(std::io::Error::other)?)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        if let Err(e) = write() {
            tracing::warn!(path = %path.display(), error = %e, "cannot save the emulator state");
        }
    }

    fn lock(&self) -> MutexGuard<'_, AuthInner> {
        // A poisoned lock only means a handler panicked; the maps are still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Issues a fresh challenge; the last few stay valid for a while.
    fn new_challenge(inner: &mut AuthInner) -> String {
        let c = base64_token(24);
        inner.challenges.push_back((c.clone(), Instant::now()));
        while inner.challenges.len() > CHALLENGES_KEPT {
            inner.challenges.pop_front();
        }
        c
    }

    /// Expires every session now (clients must log in again).
    pub fn expire_all_sessions(&self) {
        self.lock().sessions.clear();
    }

    /// Permissions given to sessions opened from now on.
    pub fn set_permissions(&self, p: AppPermissions) {
        self.lock().permissions = p;
    }

    /// Revokes an app (its token becomes `unknown`/`invalid_token`) and its sessions.
    pub fn revoke_app(&self, app_id: &str) {
        let mut inner = self.lock();
        inner.apps.remove(app_id);
        inner.sessions.retain(|_, s| s.app_id != app_id);
        self.save(&inner);
    }

    /// The live session for a header value, if any.
    pub fn session(&self, token: &str) -> Option<Session> {
        let mut inner = self.lock();
        let s = inner.sessions.get(token)?;
        if s.created.elapsed() >= self.session_ttl {
            inner.sessions.remove(token);
            return None;
        }
        Some(s.clone())
    }

    /// Decides the status of a registration the way the emulated owner would; true when
    /// it was just granted (the state file then needs saving).
    fn settle(&self, app: &mut App) -> bool {
        if app.status != TrackStatus::Pending {
            return false;
        }
        let waited = app.registered.elapsed();
        app.status = match self.grant {
            GrantMode::Auto => TrackStatus::Granted,
            GrantMode::Deny => TrackStatus::Denied,
            GrantMode::After(d) if waited >= d => TrackStatus::Granted,
            GrantMode::Timeout(d) if waited >= d => TrackStatus::Timeout,
            GrantMode::AfterPolls(n) if app.polls > n => TrackStatus::Granted,
            _ => TrackStatus::Pending,
        };
        app.status == TrackStatus::Granted
    }
}

#[derive(Deserialize)]
struct AuthorizeBody {
    app_id: String,
    app_name: String,
    #[allow(dead_code)]
    app_version: Option<String>,
    #[allow(dead_code)]
    device_name: Option<String>,
}

/// `POST /api/vN/login/authorize/`
pub async fn authorize(State(emu): State<Arc<Emu>>, body: Bytes) -> Result<Response, FbxError> {
    let req: AuthorizeBody = parse_body(&body)?;
    if req.app_id.is_empty() || req.app_name.is_empty() {
        return Err(FbxError::invalid_request("Requête invalide"));
    }
    let mut inner = emu.auth.lock();
    let track_id = inner.next_track_id;
    inner.next_track_id += 1;
    // 48 random bytes → 64 base64 characters, like a real app_token.
    let app_token = base64_token(48);
    tracing::info!(app_id = %req.app_id, app_name = %req.app_name, track_id, "app registration");
    inner.apps.insert(
        req.app_id.clone(),
        App {
            app_id: req.app_id,
            app_token: app_token.clone(),
            track_id,
            registered: Instant::now(),
            status: TrackStatus::Pending,
            polls: 0,
        },
    );
    Ok(ok(json!({"app_token": app_token, "track_id": track_id})))
}

/// `GET /api/vN/login/authorize/{track_id}`
pub async fn track(
    State(emu): State<Arc<Emu>>,
    Path((_ver, id)): Path<(String, String)>,
) -> Response {
    let auth = &emu.auth;
    let mut inner = auth.lock();
    let challenge = AuthState::new_challenge(&mut inner);
    let id: Option<u64> = id.trim_end_matches('/').parse().ok();
    let mut granted_now = false;
    let status = match inner.apps.values_mut().find(|a| Some(a.track_id) == id) {
        Some(app) => {
            app.polls = app.polls.saturating_add(1);
            granted_now = auth.settle(app);
            app.status.as_str()
        }
        None => "unknown",
    };
    if granted_now {
        auth.save(&inner);
    }
    ok(json!({"status": status, "challenge": challenge}))
}

/// `GET /api/vN/login/`: the challenge; `logged_in` reflects the session header.
pub async fn challenge(State(emu): State<Arc<Emu>>, req: Request) -> Response {
    let logged_in = session_header(&req)
        .and_then(|t| emu.auth.session(&t))
        .is_some();
    let mut inner = emu.auth.lock();
    let challenge = AuthState::new_challenge(&mut inner);
    ok(json!({
        "logged_in": logged_in, "challenge": challenge,
        "password_salt": "", "password_set": true
    }))
}

#[derive(Deserialize)]
struct SessionBody {
    app_id: String,
    password: String,
}

fn hmac_matches(app_token: &str, challenge: &str, password_hex: &str) -> bool {
    let Ok(expected) = hex_decode(password_hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(app_token.as_bytes()) else {
        return false;
    };
    mac.update(challenge.as_bytes());
    mac.verify_slice(&expected).is_ok()
}

fn hex_decode(s: &str) -> Result<Vec<u8>, ()> {
    if s.len() % 2 != 0 {
        return Err(());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or(())
}

/// `POST /api/vN/login/session/`
pub async fn open_session(
    State(emu): State<Arc<Emu>>,
    Extension(ApiMajor(major)): Extension<ApiMajor>,
    body: Bytes,
) -> Result<Response, FbxError> {
    let req: SessionBody = parse_body(&body)?;
    let auth = &emu.auth;
    let mut inner = auth.lock();
    let fresh = AuthState::new_challenge(&mut inner);
    let auth_error = |code: &'static str, msg: &str| {
        FbxError::with_status(StatusCode::FORBIDDEN, code, msg)
            .with("uid", Value::String(emu.uid.clone()))
            .with("result", json!({"challenge": fresh}))
    };
    let Some(app) = inner.apps.get_mut(&req.app_id) else {
        return Err(auth_error(
            "invalid_token",
            "Erreur d'authentification de l'application",
        ));
    };
    // From v8 the verdict only counts once the app has seen it by polling its track;
    // older APIs let an app log in as soon as the owner answered.
    if major < 8 && auth.settle(app) {
        let inner_ref: &AuthInner = &inner;
        auth.save(inner_ref);
    }
    let Some(app) = inner.apps.get_mut(&req.app_id) else {
        return Err(auth_error(
            "invalid_token",
            "Erreur d'authentification de l'application",
        ));
    };
    match app.status {
        TrackStatus::Granted => {}
        TrackStatus::Pending => {
            return Err(auth_error(
                "pending_token",
                "L'application n'a pas encore été validée",
            ));
        }
        TrackStatus::Denied | TrackStatus::Timeout => {
            return Err(auth_error(
                "invalid_token",
                "Erreur d'authentification de l'application",
            ));
        }
    }
    let app_token = app.app_token.clone();
    let app_id = app.app_id.clone();
    let now = Instant::now();
    let matched = inner.challenges.iter().position(|(c, at)| {
        now.duration_since(*at) < CHALLENGE_LIFETIME && hmac_matches(&app_token, c, &req.password)
    });
    let Some(pos) = matched else {
        tracing::info!(app_id = %app_id, "session login refused: wrong HMAC of the challenge");
        return Err(auth_error(
            "invalid_token",
            "Erreur d'authentification de l'application",
        ));
    };
    // A challenge is good for one login.
    inner.challenges.remove(pos);
    let session_token = base64_token(48);
    let permissions = inner.permissions.clone();
    inner.sessions.insert(
        session_token.clone(),
        Session {
            app_id,
            explorer: permissions.explorer,
            created: now,
        },
    );
    Ok(ok(json!({
        "session_token": session_token, "challenge": fresh, "password_salt": "",
        "permissions": permissions.to_json(), "password_set": true
    })))
}

/// `POST /api/vN/login/logout/`
pub async fn logout(State(emu): State<Arc<Emu>>, req: Request) -> Response {
    let token = session_header(&req);
    let live = token.as_deref().and_then(|t| emu.auth.session(t));
    let mut inner = emu.auth.lock();
    match (token, live) {
        (Some(t), Some(_)) => {
            inner.sessions.remove(&t);
            ok_empty()
        }
        _ => {
            let challenge = AuthState::new_challenge(&mut inner);
            FbxError::with_status(StatusCode::FORBIDDEN, "invalid_session", MSG_AUTH_REQUIRED)
                .with("uid", Value::String(String::new()))
                .with(
                    "result",
                    json!({"password_salt": "", "challenge": challenge}),
                )
                .into_response()
        }
    }
}

/// The `X-Fbx-App-Auth` header value.
pub fn session_header(req: &Request) -> Option<String> {
    req.headers()
        .get("x-fbx-app-auth")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Middleware for every file API: a live session with the `explorer` permission.
pub async fn require_explorer(
    State(emu): State<Arc<Emu>>,
    mut req: Request,
    next: Next,
) -> Response {
    let session = session_header(&req).and_then(|t| emu.auth.session(&t));
    let Some(session) = session else {
        return FbxError::auth_required(&emu.uid).into_response();
    };
    if !session.explorer {
        return FbxError::with_status(
            StatusCode::FORBIDDEN,
            "insufficient_rights",
            "Cette application n'est pas autorisée à accéder à cette fonction",
        )
        .with("uid", Value::String(emu.uid.clone()))
        .with("missing_right", Value::String("explorer".into()))
        .into_response();
    }
    req.extensions_mut().insert(session);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_published_vector() {
        let token = "89vtuOaDxJ/TDeBDPgWSk9083SbQgEMnHdIGoHg2qK2tpWcLuiRofIjuxZSG8yJn";
        let challenge = "drMHV/Atq4ZTtFItdgqfklDdT75k92qE";
        assert!(hmac_matches(
            token,
            challenge,
            "b4015852c9216f99f4ba20964b21c010bb779d99"
        ));
        assert!(!hmac_matches(
            token,
            challenge,
            "b4015852c9216f99f4ba20964b21c010bb779d98"
        ));
        assert!(!hmac_matches(token, challenge, "zz"));
    }
}
