//! The HTTP side of File Station: one pooled keep-alive `reqwest::Client`, the session
//! (sid held as a [`Secret`], never logged) and transparent re-login when the NAS says
//! the session is gone (status 3). Transient failures are not retried here: that is
//! the caller's one retry layer (`jobs::RetryPolicy`).
//!
//! The per-func methods live in `funcs.rs` and `transfer.rs`; this file only knows how
//! to send one request and what to do when it fails.

use std::sync::{Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use reqwest::Url;
use serde_json::Value;

use super::QnapConfig;
use super::auth::{self, LoginOutcome};
use super::paths::encode_query;
use super::tls;
use super::wire::{self, Retry};
use crate::nas::reply::{MAX_REPLY, api_deadline, read_capped};
use crate::secret::Secret;
use crate::vfs::{VfsError, VfsResult};

const UTIL: &str = "cgi-bin/filemanager/utilRequest.cgi";
const AUTH_LOGIN: &str = "cgi-bin/authLogin.cgi";
const AUTH_LOGOUT: &str = "cgi-bin/authLogout.cgi";

/// How a request is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Changes nothing on the NAS: GET.
    Read,
    /// Changes something: POST, repeated only after a re-login (the NAS refused it
    /// without doing anything), never after a network error.
    Write,
}

struct Session {
    sid: Secret,
    qtoken: Option<Secret>,
    /// Bumped at each login, so concurrent requests that all saw the old sid expire
    /// trigger one re-login, not one each.
    generation: u64,
    /// The NAS said the sid expired and logging in again failed: the next request
    /// logs in first rather than send the dead sid (on a link that loses every other
    /// request, "refused, re-login failed" would otherwise repeat for ever).
    dead: bool,
}

pub struct Client {
    http: reqwest::Client,
    /// Ends with `/`; the CGIs are joined onto it.
    base: Url,
    user: String,
    password: Secret,
    /// The code given at connect time; used for the first login only.
    second_factor: Mutex<Option<String>>,
    session: RwLock<Session>,
    relogin_lock: tokio::sync::Mutex<()>,
}

impl Client {
    /// Builds the HTTP client and logs in.
    pub async fn connect(cfg: &QnapConfig) -> VfsResult<Client> {
        let mut base = Url::parse(cfg.base_url.trim())
            .map_err(|_| VfsError::Protocol("the NAS address is not a valid URL".into()))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(VfsError::Protocol(
                "the NAS address must be an http:// or https:// URL".into(),
            ));
        }
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        base.set_query(None);
        base.set_fragment(None);
        let http = tls::client_builder(cfg)?
            .user_agent(concat!("nascmd/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(Duration::from_secs(90))
            .pool_idle_timeout(Duration::from_secs(50))
            .pool_max_idle_per_host(32)
            .tcp_nodelay(true)
            // A redirect would turn the login POST into a GET without its form; say
            // where the NAS points instead (e.g. http:8080 → https with "force SSL").
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| VfsError::Network("could not set up the HTTP client".into()))?;
        let client = Client {
            http,
            base,
            user: cfg.user.clone(),
            password: cfg.password.clone(),
            second_factor: Mutex::new(cfg.second_factor.clone()),
            session: RwLock::new(Session {
                sid: Secret::default(),
                qtoken: None,
                generation: 0,
                dead: false,
            }),
            relogin_lock: tokio::sync::Mutex::new(()),
        };
        client.login().await?;
        Ok(client)
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The current sid and its generation (for [`Client::relogin`]).
    pub fn sid(&self) -> (Secret, u64) {
        match self.session.read() {
            Ok(s) => (s.sid.clone(), s.generation),
            Err(p) => (p.get_ref().sid.clone(), p.get_ref().generation),
        }
    }

    /// `utilRequest.cgi?func=…&sid=…&…` (the URL carries the sid: never log it).
    pub fn util_url(&self, func: &str, sid: &Secret, params: &[(&str, String)]) -> Url {
        let mut pairs: Vec<(&str, &str)> = vec![("func", func), ("sid", sid.expose())];
        pairs.extend(params.iter().map(|(k, v)| (*k, v.as_str())));
        self.url_with(UTIL, &encode_query(&pairs))
    }

    pub fn url_with(&self, cgi: &str, query: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}{cgi}", self.base.path()));
        url.set_query(Some(query));
        url
    }

    async fn login(&self) -> VfsResult<()> {
        let code = self.second_factor.lock().ok().and_then(|mut c| c.take());
        let qtoken = self.session.read().ok().and_then(|s| s.qtoken.clone());
        let pwd = auth::ez_encode(self.password.expose());
        let mut form: Vec<(&str, &str)> = vec![
            ("user", self.user.as_str()),
            ("pwd", pwd.as_str()),
            ("serviceKey", "1"),
        ];
        if let Some(c) = code.as_deref() {
            form.push(("security_code", c));
            // Ask for a "remember me" token so a later re-login needs no new code.
            form.push(("remme", "1"));
        }
        if let Some(t) = qtoken.as_ref() {
            form.push(("qtoken", t.expose()));
        }
        tracing::debug!(user = %crate::names::escape(&self.user), "qnap login");
        let resp = self
            .http
            .post(self.url_with(AUTH_LOGIN, ""))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encode_query(&form))
            .timeout(api_deadline())
            .send()
            .await?;
        let status = resp.status();
        if status.is_redirection() {
            return Err(redirect_error(&resp));
        }
        if !status.is_success() {
            return Err(http_error(status));
        }
        let body = read_text(resp).await?;
        let fields = auth::parse_login_xml(&body)?;
        match auth::login_outcome(&fields, code.is_some()) {
            LoginOutcome::Passed { sid, qtoken } => {
                if let Ok(mut s) = self.session.write() {
                    s.sid = sid;
                    s.qtoken = qtoken.or(s.qtoken.take());
                    s.generation += 1;
                    s.dead = false;
                }
                Ok(())
            }
            LoginOutcome::NeedSecondFactor => Err(VfsError::SecondFactorRequired),
            LoginOutcome::Failed(e) => Err(e),
        }
    }

    /// Logs in with a new 2-step code (the next login sends it).
    pub async fn login_with_code(&self, code: &str) -> VfsResult<()> {
        let _guard = self.relogin_lock.lock().await;
        if let Ok(mut c) = self.second_factor.lock() {
            *c = Some(code.to_owned());
        }
        self.login().await
    }

    /// Logs in again unless another task already did since `seen_generation`.
    pub async fn relogin(&self, seen_generation: u64) -> VfsResult<()> {
        let _guard = self.relogin_lock.lock().await;
        if self.sid().1 != seen_generation {
            return Ok(());
        }
        tracing::info!("qnap session expired, logging in again");
        let logged_in = self.login().await;
        if logged_in.is_err()
            && let Ok(mut s) = self.session.write()
        {
            s.dead = true;
        }
        logged_in
    }

    /// The sid to send: the current one, or a new one first when the last re-login
    /// failed (the current one is known dead). Every request that carries a sid takes
    /// it from here (File Station calls, transfers, chunked uploads).
    pub(super) async fn live_sid(&self) -> VfsResult<(Secret, u64)> {
        let (sid, generation) = self.sid();
        let dead = match self.session.read() {
            Ok(s) => s.dead,
            Err(p) => p.get_ref().dead,
        };
        if !dead {
            return Ok((sid, generation));
        }
        self.relogin(generation).await?;
        Ok(self.sid())
    }

    /// `authLogin.cgi?sid=…`: is the current session still valid?
    pub async fn session_alive(&self) -> VfsResult<bool> {
        let (sid, _) = self.sid();
        let url = self.url_with(AUTH_LOGIN, &encode_query(&[("sid", sid.expose())]));
        let resp = self.http.get(url).timeout(api_deadline()).send().await?;
        if !resp.status().is_success() {
            return Err(http_error(resp.status()));
        }
        let body = read_text(resp).await?;
        let fields = auth::parse_login_xml(&body)?;
        Ok(fields.get("authPassed").map(String::as_str) == Some("1"))
    }

    /// Ends the session on the NAS (best effort: a dead network is not an error here).
    pub async fn logout(&self) {
        let (sid, _) = self.sid();
        let body = encode_query(&[("sid", sid.expose()), ("logout", "1")]);
        let sent = self
            .http
            .post(self.url_with(AUTH_LOGOUT, ""))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        if let Err(e) = sent {
            tracing::debug!(error = %VfsError::from(e), "qnap logout failed");
        }
    }

    /// One File Station func with a JSON reply; the status is already checked
    /// (`what` names the item in error messages).
    pub async fn call(
        &self,
        kind: Kind,
        func: &str,
        params: &[(&str, String)],
        what: &str,
    ) -> VfsResult<Value> {
        self.call_parsed(kind, func, params, what, |body, what| {
            let value = wire::parse_reply(body)?;
            wire::check_status(&value, what)?;
            Ok(value)
        })
        .await
    }

    /// [`Client::call`] with the reply body read by `parse` (which also checks the
    /// status): a big reply (`get_list` pages) goes straight into its wire struct
    /// instead of through a `serde_json::Value` first.
    pub async fn call_parsed<T>(
        &self,
        kind: Kind,
        func: &str,
        params: &[(&str, String)],
        what: &str,
        parse: impl Fn(&[u8], &str) -> VfsResult<T>,
    ) -> VfsResult<T> {
        let mut relogged = false;
        loop {
            let (sid, generation) = self.live_sid().await?;
            let err = match self.send_once(kind, func, &sid, params).await {
                Ok(body) => match parse(&body, what) {
                    Ok(v) => return Ok(v),
                    Err(e) => e,
                },
                Err(e) => e,
            };
            match wire::should_retry(&err) {
                Retry::Relogin if !relogged => {
                    self.relogin(generation).await?;
                    relogged = true;
                }
                // A read answered with HTML or a cut-off body: old firmware sends a
                // login page for an expired session.
                Retry::Never
                    if matches!(err, VfsError::Protocol(_))
                        && kind == Kind::Read
                        && !relogged
                        && !self.session_alive().await.unwrap_or(true) =>
                {
                    self.relogin(generation).await?;
                    relogged = true;
                }
                _ => return Err(err),
            }
        }
    }

    /// One request; the body of a 2xx reply, unread.
    async fn send_once(
        &self,
        kind: Kind,
        func: &str,
        sid: &Secret,
        params: &[(&str, String)],
    ) -> VfsResult<Bytes> {
        tracing::debug!(func, "qnap request");
        let req = match kind {
            Kind::Read => self.http.get(self.util_url(func, sid, params)),
            Kind::Write => self
                .http
                .post(self.util_url(func, sid, &[]))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(encode_query(params)),
        };
        let resp = req.timeout(api_deadline()).send().await?;
        if !resp.status().is_success() {
            return Err(http_error(resp.status()));
        }
        read_capped(resp, MAX_REPLY).await
    }
}

/// A login reply (XML) as text, within the reply ceiling.
async fn read_text(resp: reqwest::Response) -> VfsResult<String> {
    let body = read_capped(resp, MAX_REPLY).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Exponential backoff: 200 ms, 400 ms, 800 ms, … capped at 5 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((200u64 << attempt.min(5)).min(5000))
}

/// A redirect, reported with the origin it points to (never the full location, which
/// could echo a query string).
fn redirect_error(resp: &reqwest::Response) -> VfsError {
    let target = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| resp.url().join(l).ok())
        .map(|u| u.origin().ascii_serialization());
    match target {
        Some(origin) => VfsError::Protocol(format!(
            "the NAS redirects to {origin}; connect to that address instead"
        )),
        None => VfsError::Protocol(format!("the NAS answered HTTP {}", resp.status())),
    }
}

/// An HTTP-level failure (File Station reports its own errors with HTTP 200).
pub fn http_error(status: reqwest::StatusCode) -> VfsError {
    if status.is_server_error() {
        VfsError::Server {
            code: crate::vfs::ServerCode::Http(status.as_u16()),
            message: "the NAS had an internal error".into(),
        }
    } else {
        VfsError::Protocol(format!("the NAS answered HTTP {status}"))
    }
}
