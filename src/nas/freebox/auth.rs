//! App registration (the front-panel button press) and sessions (challenge +
//! HMAC-SHA1 of the app token), per §3 of the protocol notes.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha1::Sha1;

use super::discovery::{ApiRoot, discover};
use super::envelope::{Failure, missing_permission_text};
use super::http::{read_envelope, result_as};
use super::tls;
use crate::nas::reply::api_deadline;
use crate::secret::Secret;
use crate::vfs::{VfsError, VfsResult};

/// How nascmd introduces itself to the box (shown on its front panel and in Freebox OS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppInfo {
    pub app_id: String,
    pub app_name: String,
    pub app_version: String,
    pub device_name: String,
}

/// The outcome of `POST login/authorize/`: poll `track_id`; keep `app_token` secret.
#[derive(Debug, Clone)]
pub struct Registration {
    pub track_id: u64,
    pub app_token: Secret,
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStatus {
    /// Waiting for the ✓ button on the box.
    Pending,
    Granted,
    Denied,
    /// Nobody pressed the button in time.
    Timeout,
    /// The token is unknown or was revoked.
    Unknown,
}

impl AuthStatus {
    fn from_wire(s: &str) -> AuthStatus {
        match s {
            "pending" => AuthStatus::Pending,
            "granted" => AuthStatus::Granted,
            "denied" => AuthStatus::Denied,
            "timeout" => AuthStatus::Timeout,
            _ => AuthStatus::Unknown,
        }
    }
}

#[derive(Deserialize)]
struct AuthorizeReply {
    app_token: String,
    track_id: u64,
}

#[derive(Deserialize)]
struct TrackReply {
    status: String,
}

#[derive(Deserialize)]
struct ChallengeReply {
    challenge: String,
}

#[derive(Deserialize)]
struct SessionReply {
    session_token: String,
    #[serde(default)]
    permissions: serde_json::Map<String, serde_json::Value>,
}

/// Asks the box to register the app; the user then presses ✓ on the front panel.
pub async fn register(base_url: &str, app: &AppInfo) -> VfsResult<Registration> {
    let http = tls::http_client()?;
    let root = discover(&http, base_url).await?;
    register_at(&http, &root, app).await
}

/// [`register`] on a box already discovered (`root`).
pub async fn register_at(
    http: &reqwest::Client,
    root: &ApiRoot,
    app: &AppInfo,
) -> VfsResult<Registration> {
    let body = json!({
        "app_id": app.app_id,
        "app_name": app.app_name,
        "app_version": app.app_version,
        "device_name": app.device_name,
    });
    let resp = http
        .post(format!("{}login/authorize/", root.url))
        .json(&body)
        .timeout(api_deadline())
        .send()
        .await?;
    let reply: AuthorizeReply = result_as(
        read_envelope(resp)
            .await
            .map_err(|f| f.into_vfs("app registration"))?,
    )?;
    if reply.app_token.is_empty() {
        return Err(VfsError::Protocol(
            "the Freebox returned an empty app token".into(),
        ));
    }
    Ok(Registration {
        track_id: reply.track_id,
        app_token: Secret::new(reply.app_token),
    })
}

/// One look at a registration's status. Call about once a second until not `Pending`
/// (the box wants the app to keep polling until the verdict); [`TrackPoller`] polls
/// with one client and one discovery.
pub async fn poll_authorization(base_url: &str, track_id: u64) -> VfsResult<AuthStatus> {
    TrackPoller::new(base_url)?.poll(track_id).await
}

/// Polls a registration's status: one HTTP client (one connection kept) and one
/// discovery for every poll, so a poll is one request, not a client, a connection and
/// an `/api_version` each second.
pub struct TrackPoller {
    base_url: String,
    http: reqwest::Client,
    /// Discovered at the first poll that gets that far.
    root: Option<ApiRoot>,
}

impl TrackPoller {
    pub fn new(base_url: &str) -> VfsResult<TrackPoller> {
        Ok(TrackPoller {
            base_url: base_url.to_owned(),
            http: tls::http_client()?,
            root: None,
        })
    }

    /// Polls a box already discovered, with the client that discovered it.
    pub fn with_root(http: reqwest::Client, root: ApiRoot) -> TrackPoller {
        TrackPoller {
            base_url: root.origin.clone(),
            http,
            root: Some(root),
        }
    }

    pub async fn poll(&mut self, track_id: u64) -> VfsResult<AuthStatus> {
        let root = match &self.root {
            Some(root) => root,
            None => self
                .root
                .insert(discover(&self.http, &self.base_url).await?),
        };
        let resp = self
            .http
            .get(format!("{}login/authorize/{track_id}", root.url))
            .timeout(api_deadline())
            .send()
            .await?;
        let reply: TrackReply = result_as(
            read_envelope(resp)
                .await
                .map_err(|f| f.into_vfs("app registration"))?,
        )?;
        Ok(AuthStatus::from_wire(&reply.status))
    }
}

/// The login password: lowercase hex of HMAC-SHA1(key = app token, message = challenge).
pub fn session_password(app_token: &Secret, challenge: &str) -> Secret {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(app_token.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(challenge.as_bytes());
    let digest = mac.finalize().into_bytes();
    Secret::new(
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    )
}

/// An open session.
pub struct SessionGrant {
    pub token: Secret,
}

/// `GET login/`: a fresh challenge.
async fn fetch_challenge(http: &reqwest::Client, root: &ApiRoot) -> VfsResult<String> {
    // Every login reply has the API deadline, as every other call: a box that trickles
    // its challenge must not hold the command for ever.
    let resp = http
        .get(format!("{}login/", root.url))
        .timeout(api_deadline())
        .send()
        .await?;
    Ok(result_as::<ChallengeReply>(
        read_envelope(resp)
            .await
            .map_err(|f| f.into_vfs("login challenge"))?,
    )?
    .challenge)
}

/// Opens a session: fetch a challenge, answer it with the HMAC of the app token. A
/// challenge that rotated under us gets one more try with the fresh one the box sent.
///
/// `kept` is a challenge fetched by a login that failed after it (used instead of
/// fetching one), and where this one leaves its challenge when the answer fails
/// transiently: on a link that loses every other request, the next try is then one
/// request, not two. A kept challenge the box no longer takes (it rotated, or the lost
/// answer used it up) is refused with a fresh one, which the second try uses.
pub async fn open_session(
    http: &reqwest::Client,
    root: &ApiRoot,
    app_id: &str,
    app_token: &Secret,
    kept: &mut Option<String>,
) -> VfsResult<SessionGrant> {
    let reused = kept.is_some();
    let mut challenge = match kept.take() {
        Some(c) => c,
        None => fetch_challenge(http, root).await?,
    };
    for attempt in 0..2 {
        let password = session_password(app_token, &challenge);
        let sent = http
            .post(format!("{}login/session/", root.url))
            .json(&json!({"app_id": app_id, "password": password.expose()}))
            .timeout(api_deadline())
            .send()
            .await;
        let read = match sent {
            Ok(resp) => read_envelope(resp).await,
            Err(e) => Err(Failure::Vfs(e.into())),
        };
        match read {
            Ok(result) => {
                let reply: SessionReply = result_as(result)?;
                if reply.session_token.is_empty() {
                    return Err(VfsError::Protocol(
                        "the Freebox returned an empty session".into(),
                    ));
                }
                // The map is a snapshot of the app's rights; an absent entry means false.
                // A reply without any map says nothing, and the calls will tell.
                let explorer = reply.permissions.get("explorer").and_then(|v| v.as_bool());
                if !reply.permissions.is_empty() && explorer != Some(true) {
                    return Err(VfsError::PermissionDenied(missing_permission_text(
                        "explorer",
                    )));
                }
                return Ok(SessionGrant {
                    token: Secret::new(reply.session_token),
                });
            }
            Err(Failure::Api(e)) if e.code == "invalid_token" && attempt == 0 => {
                // Either the token was revoked or the challenge rotated; the reply carries
                // a fresh challenge, and a second refusal settles it.
                challenge = match e.challenge.clone() {
                    Some(c) => c,
                    // Only a kept challenge is worth another one.
                    None if reused => fetch_challenge(http, root).await?,
                    None => return Err(Failure::Api(e).into_vfs("login")),
                };
                tracing::debug!("login refused once, retrying with the fresh challenge");
            }
            Err(f) => {
                let e = f.into_vfs("login");
                if e.is_transient() {
                    *kept = Some(challenge);
                }
                return Err(e);
            }
        }
    }
    Err(VfsError::AuthFailed(
        "the Freebox refused nascmd's app token; register nascmd again".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_published_vector() {
        let token = Secret::new("89vtuOaDxJ/TDeBDPgWSk9083SbQgEMnHdIGoHg2qK2tpWcLuiRofIjuxZSG8yJn");
        let pw = session_password(&token, "drMHV/Atq4ZTtFItdgqfklDdT75k92qE");
        assert_eq!(pw.expose(), "b4015852c9216f99f4ba20964b21c010bb779d99");
        assert_eq!(format!("{pw:?}"), "<redacted>");
    }

    #[test]
    fn statuses_parse() {
        assert_eq!(AuthStatus::from_wire("pending"), AuthStatus::Pending);
        assert_eq!(AuthStatus::from_wire("granted"), AuthStatus::Granted);
        assert_eq!(AuthStatus::from_wire("denied"), AuthStatus::Denied);
        assert_eq!(AuthStatus::from_wire("timeout"), AuthStatus::Timeout);
        assert_eq!(AuthStatus::from_wire("unknown"), AuthStatus::Unknown);
        assert_eq!(AuthStatus::from_wire("garbage"), AuthStatus::Unknown);
    }

    #[test]
    fn quoted_replies_parse() {
        let r: AuthorizeReply = serde_json::from_str(
            r#"{"app_token":"dyNYgfK0Ya6FWGqq83sBHa7TwzWo+pg4fDFUJHShcjVYzTfaRrZzm93p7OTAfH/0","track_id":42}"#,
        )
        .unwrap();
        assert_eq!(r.track_id, 42);
        let s: SessionReply = serde_json::from_str(
            r#"{"session_token":"eRDFtl35L8ENEND2UGlooFzLhAgmv8CGPbMLiegdyC2n4z3DDr4UEYY+zYMOhSkS",
 "challenge":"sQn1Z4f3UT0u21ms1kogF\/pK+lnmuPTr","password_salt":"P",
 "permissions":{"parental":true,"explorer":true,"settings":true},"password_set":true}"#,
        )
        .unwrap();
        assert_eq!(s.permissions["explorer"], true);
    }
}
