//! What an emulator was asked: one short line per request ("PUT /api/v8/upload",
//! "POST /cgi-bin/filemanager/utilRequest.cgi func=upload"), kept in memory so a test or a
//! benchmark can count the requests one operation costs (the figure behind "HTTP requests
//! per uploaded file"), and traced at debug level.
//!
//! Only the method, the path and QNAP's `func` are kept: never a query's other
//! parameters (a QNAP `sid`, a password on login) nor any header (a Freebox session
//! token), so the log can be shown anywhere. Besides, the declared body lengths
//! (`Content-Length`) are summed, so a test can tell how many bytes an upload cost.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;

/// Lines kept at most; older ones are dropped (the count goes on).
const KEEP: usize = 10_000;

/// Called with each line as it is recorded (`nascmd emulate … --log-requests` prints it).
pub type EchoFn = Arc<dyn Fn(&str) + Send + Sync>;

/// A shared request log; clones record into the same log.
#[derive(Clone, Default)]
pub struct RequestLog {
    inner: Arc<Mutex<Lines>>,
    echo: Option<EchoFn>,
}

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestLog")
            .field("count", &self.count())
            .field("echo", &self.echo.is_some())
            .finish()
    }
}

#[derive(Debug, Default)]
struct Lines {
    lines: VecDeque<String>,
    total: u64,
    body_bytes: u64,
}

impl RequestLog {
    /// A log that also hands each line to `echo` as it comes.
    pub fn echoing(echo: EchoFn) -> Self {
        RequestLog {
            echo: Some(echo),
            ..RequestLog::default()
        }
    }

    /// The lines recorded since the start or the last [`RequestLog::clear`], oldest first
    /// (the last 10 000 at most).
    pub fn lines(&self) -> Vec<String> {
        self.with(|l| l.lines.iter().cloned().collect())
    }

    /// How many requests were recorded since the start or the last clear.
    pub fn count(&self) -> u64 {
        self.with(|l| l.total)
    }

    /// Forgets everything recorded so far (to count what comes next).
    /// Sum of the `Content-Length` of every request received (a request cut off
    /// midway counts whole: it is what the client set out to send).
    pub fn body_bytes(&self) -> u64 {
        self.with(|l| l.body_bytes)
    }

    pub fn clear(&self) {
        self.with(|l| *l = Lines::default());
    }

    /// Says something the emulator did that no request line shows (an e-mail it would
    /// have sent): logged and echoed like a request, not counted as one.
    pub(crate) fn note(&self, line: &str) {
        tracing::info!(target: "nascmd::emulator::requests", "{line}");
        if let Some(echo) = &self.echo {
            echo(line);
        }
    }

    fn record(&self, line: String) {
        tracing::debug!(target: "nascmd::emulator::requests", "{line}");
        if let Some(echo) = &self.echo {
            echo(&line);
        }
        self.with(|l| {
            if l.lines.len() == KEEP {
                l.lines.pop_front();
            }
            l.lines.push_back(line);
            l.total += 1;
        });
    }

    fn with<T>(&self, f: impl FnOnce(&mut Lines) -> T) -> T {
        // A panic while holding the lock leaves plain data behind: keep using it.
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    /// Records every request that reaches `router`.
    pub(crate) fn layer<S: Clone + Send + Sync + 'static>(&self, router: Router<S>) -> Router<S> {
        router.layer(middleware::from_fn_with_state(self.clone(), record_request))
    }
}

async fn record_request(State(log): State<RequestLog>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    log.with(|l| l.body_bytes += declared);
    log.record(describe(&req));
    next.run(req).await
}

/// `METHOD /path` plus ` func=NAME` when the query names a QNAP function.
fn describe(req: &Request) -> String {
    let uri = req.uri();
    let func = uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "func")
            .map(|(_, v)| v.into_owned())
    });
    let mut line = format!("{} {}", req.method(), uri.path());
    if let Some(func) = func {
        line.push_str(" func=");
        line.push_str(&func);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_method_path_and_func_only() {
        let req = Request::builder()
            .method("POST")
            .uri("/cgi-bin/filemanager/utilRequest.cgi?func=upload&sid=SECRETSID&dest_path=%2FPublic")
            .body(axum::body::Body::empty())
            .unwrap();
        let line = describe(&req);
        assert_eq!(
            line,
            "POST /cgi-bin/filemanager/utilRequest.cgi func=upload"
        );
        assert!(!line.contains("SECRETSID"));
    }

    #[test]
    fn counts_beyond_what_it_keeps() {
        let log = RequestLog::default();
        for i in 0..KEEP + 5 {
            log.record(format!("GET /{i}"));
        }
        assert_eq!(log.count(), (KEEP + 5) as u64);
        assert_eq!(log.lines().len(), KEEP);
        assert_eq!(log.lines()[0], "GET /5");
        log.clear();
        assert_eq!(log.count(), 0);
    }
}
