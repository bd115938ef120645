//! The authenticated API client: one session shared by every request, renewed
//! transparently when the box says it expired (`auth_required`/`invalid_session`), with
//! logins serialised so concurrent requests never race each other's challenges.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::auth::open_session;
use super::discovery::ApiRoot;
use super::http::{read_envelope, result_as};
use crate::secret::Secret;
use crate::vfs::{VfsError, VfsResult};

/// The header carrying the session token.
pub const AUTH_HEADER: &str = "X-Fbx-App-Auth";

/// The session in use, numbered so a request that failed with an old session does not
/// trigger a second login when another request already renewed it.
#[derive(Clone)]
pub struct Session {
    pub generation: u64,
    pub token: Secret,
}

pub struct Api {
    /// HTTP/1.1 only (shared TLS config), so it also does the WebSocket upgrade.
    pub http: reqwest::Client,
    pub root: ApiRoot,
    app_id: String,
    app_token: Secret,
    /// `None` before the first login and after a renewal failed (the old session is
    /// dead: the next call logs in first instead of being refused once more).
    current: Mutex<Option<Session>>,
    /// Sessions opened so far (numbers them).
    generations: AtomicU64,
    /// Held by the one login at a time; keeps the challenge of a login that failed
    /// after fetching it, for the next (`auth::open_session`).
    login_lock: tokio::sync::Mutex<Option<String>>,
}

impl Api {
    pub fn new(http: reqwest::Client, root: ApiRoot, app_id: String, app_token: Secret) -> Api {
        Api {
            http,
            root,
            app_id,
            app_token,
            current: Mutex::new(None),
            generations: AtomicU64::new(0),
            login_lock: tokio::sync::Mutex::new(None),
        }
    }

    /// `{api root}{endpoint}`. Endpoints carry base64 tokens raw (`/`, `+`, `=` are
    /// valid in a URL path and the box expects them unescaped).
    pub fn url(&self, endpoint: &str) -> String {
        format!("{}{endpoint}", self.root.url)
    }

    fn current(&self) -> Option<Session> {
        self.current.lock().ok().and_then(|g| g.clone())
    }

    /// The session to use, logging in if there is none yet.
    pub async fn session(&self) -> VfsResult<Session> {
        match self.current() {
            Some(s) => Ok(s),
            None => self.renew(None).await,
        }
    }

    /// Logs in again unless someone already replaced the session `stale`.
    async fn renew(&self, stale: Option<u64>) -> VfsResult<Session> {
        let mut challenge = self.login_lock.lock().await;
        if let Some(s) = self.current()
            && Some(s.generation) != stale
        {
            return Ok(s);
        }
        let opened = open_session(
            &self.http,
            &self.root,
            &self.app_id,
            &self.app_token,
            &mut challenge,
        )
        .await;
        let mut guard = self
            .current
            .lock()
            .map_err(|_| VfsError::Protocol("session state poisoned".into()))?;
        let grant = match opened {
            Ok(grant) => grant,
            Err(e) => {
                *guard = None;
                return Err(e);
            }
        };
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let session = Session {
            generation,
            token: grant.token,
        };
        *guard = Some(session.clone());
        tracing::debug!(generation, "Freebox session opened");
        Ok(session)
    }

    /// Runs `op` with the session token; if the box says the session is gone, logs in
    /// again and runs it once more.
    pub async fn with_session<T, F, Fut>(&self, op: F) -> VfsResult<T>
    where
        F: Fn(Secret) -> Fut,
        Fut: Future<Output = VfsResult<T>>,
    {
        let session = self.session().await?;
        match op(session.token.clone()).await {
            Err(VfsError::SessionExpired) => {
                tracing::debug!("Freebox session expired, logging in again");
                let fresh = self.renew(Some(session.generation)).await?;
                op(fresh.token).await
            }
            other => other,
        }
    }

    /// An authenticated JSON call; `what` names the object in errors.
    pub async fn call(
        &self,
        method: Method,
        endpoint: &str,
        body: Option<&Value>,
        what: &str,
    ) -> VfsResult<Option<Value>> {
        self.call_with_query(method, endpoint, &[], body, what)
            .await
    }

    /// [`Api::call`] with query parameters (percent-encoded here, so opaque values such
    /// as `fs/ls` cursors keep their `+`, `/` and `=`).
    pub async fn call_with_query(
        &self,
        method: Method,
        endpoint: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        what: &str,
    ) -> VfsResult<Option<Value>> {
        let url = self.url(endpoint);
        self.with_session(|token| {
            let mut req = self
                .http
                .request(method.clone(), &url)
                .timeout(crate::nas::reply::api_deadline())
                .header(AUTH_HEADER, token.expose());
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            async move {
                let resp = req.send().await?;
                read_envelope(resp).await.map_err(|f| f.into_vfs(what))
            }
        })
        .await
    }

    /// [`Api::call_with_query`] for a big reply: `fast` reads a successful reply
    /// straight from its bytes; a reply it does not take (`None`: a failure envelope, a
    /// repair to make, another shape) goes the general way, through the envelope's
    /// `Value`, to `slow` — so errors, session renewal and repairs are as for any call.
    pub async fn call_parsed<T>(
        &self,
        endpoint: &str,
        query: &[(&str, &str)],
        what: &str,
        fast: impl Fn(&[u8]) -> Option<T>,
        slow: impl Fn(Option<Value>) -> VfsResult<T>,
    ) -> VfsResult<T> {
        let url = self.url(endpoint);
        let (fast, slow) = (&fast, &slow);
        self.with_session(|token| {
            let mut req = self
                .http
                .get(&url)
                .timeout(crate::nas::reply::api_deadline())
                .header(AUTH_HEADER, token.expose());
            if !query.is_empty() {
                req = req.query(query);
            }
            async move {
                let resp = req.send().await?;
                let status = resp.status();
                let body = super::http::read_capped(resp, super::http::MAX_JSON_BODY).await?;
                if let Some(v) = fast(&body) {
                    return Ok(v);
                }
                let result = super::envelope::parse(status, &body).map_err(|f| f.into_vfs(what))?;
                slow(result)
            }
        })
        .await
    }

    /// An authenticated call whose `result` must decode as `T`.
    pub async fn call_as<T: DeserializeOwned>(
        &self,
        method: Method,
        endpoint: &str,
        body: Option<&Value>,
        what: &str,
    ) -> VfsResult<T> {
        result_as(self.call(method, endpoint, body, what).await?)
    }
}
