//! Fault injection shared by the QNAP and Freebox emulators, so a client's reliability
//! code (retries, re-login, resume, "never keep a half file") can be tested against a
//! server that misbehaves on purpose.
//!
//! Two levels:
//! - request level ([`Faults::layer`]): added latency, an HTTP 500 every Nth request, a
//!   JSON/XML body cut in half every Nth request;
//! - body level ([`Faults::wrap_download`], [`Faults::wrap_upload`]): a bandwidth cap and
//!   "drop the connection after N bytes" (once per server, or every time), and a
//!   download or an upload whose byte N arrives altered (same size: only a checksum
//!   sees it). Handlers
//!   wrap the bodies of file transfers only, so listings never consume the one drop.
//!
//! `session_lifetime` is only carried here; each emulator enforces it in its session store.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use tokio::time::Instant;

/// What to break, and how often. `Default` breaks nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultConfig {
    /// Added before every request is handled.
    pub latency: Option<Duration>,
    /// Cap on transfer bodies, in bytes per second.
    pub bandwidth: Option<u64>,
    /// Abort the connection once this many body bytes of a download/upload went through.
    pub drop_after_bytes: Option<u64>,
    /// With `drop_after_bytes`: drop every transfer, not only the first that gets that far.
    pub drop_every_time: bool,
    /// Flip the bits of the byte at this offset of every download body: a file
    /// corrupted in flight, of the right size (what `--verify hash` is for).
    pub corrupt_download_at: Option<u64>,
    /// Flip the bits of the byte at this offset of every upload body (of each upload
    /// connection, for the Freebox's WebSocket): a file stored corrupted, of the right
    /// size.
    pub corrupt_upload_at: Option<u64>,
    /// Answer HTTP 500 to every Nth request (1-based: N, 2N, …).
    pub http500_every: Option<u32>,
    /// Cut the JSON/XML body of every Nth request in half.
    pub truncate_every: Option<u32>,
    /// A session id expires this long after login.
    pub session_lifetime: Option<Duration>,
}

/// Command-line flags for [`FaultConfig`]; both `emulate` subcommands flatten this.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct FaultArgs {
    /// Added latency per request, in milliseconds.
    #[arg(long = "fault-latency-ms", value_name = "MS")]
    pub latency_ms: Option<u64>,
    /// Bandwidth cap for file transfers, in bytes per second.
    #[arg(long = "fault-bandwidth", value_name = "BYTES_PER_SEC")]
    pub bandwidth: Option<u64>,
    /// Drop the connection after N bytes of a download or upload body.
    #[arg(long = "fault-drop-after", value_name = "BYTES")]
    pub drop_after_bytes: Option<u64>,
    /// With --fault-drop-after: drop every transfer, not only the first one.
    #[arg(long = "fault-drop-every-time", requires = "drop_after_bytes")]
    pub drop_every_time: bool,
    /// Alter the byte at this offset of every download body (same size).
    #[arg(long = "fault-corrupt-at", value_name = "BYTE")]
    pub corrupt_download_at: Option<u64>,
    /// Alter the byte at this offset of every upload body (same size).
    #[arg(long = "fault-corrupt-upload-at", value_name = "BYTE")]
    pub corrupt_upload_at: Option<u64>,
    /// Answer HTTP 500 to every Nth request.
    #[arg(long = "fault-http500-every", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub http500_every: Option<u32>,
    /// Truncate the JSON/XML reply of every Nth request.
    #[arg(long = "fault-truncate-every", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub truncate_every: Option<u32>,
    /// Session ids expire this many seconds after login.
    #[arg(long = "session-lifetime-secs", value_name = "SECS")]
    pub session_lifetime_secs: Option<u64>,
}

impl From<FaultArgs> for FaultConfig {
    fn from(a: FaultArgs) -> Self {
        FaultConfig {
            latency: a.latency_ms.map(Duration::from_millis),
            bandwidth: a.bandwidth.filter(|b| *b > 0),
            drop_after_bytes: a.drop_after_bytes,
            drop_every_time: a.drop_every_time,
            corrupt_download_at: a.corrupt_download_at,
            corrupt_upload_at: a.corrupt_upload_at,
            http500_every: a.http500_every,
            truncate_every: a.truncate_every,
            session_lifetime: a.session_lifetime_secs.map(Duration::from_secs),
        }
    }
}

#[derive(Debug, Default)]
struct FaultState {
    requests: AtomicU64,
    download_dropped: AtomicBool,
    upload_dropped: AtomicBool,
}

/// A [`FaultConfig`] plus the counters that make "every Nth" and "once" work.
/// Cheap to clone; clones share the counters.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    cfg: FaultConfig,
    state: Arc<FaultState>,
}

impl Faults {
    pub fn new(cfg: FaultConfig) -> Self {
        Faults {
            cfg,
            state: Arc::default(),
        }
    }

    pub fn config(&self) -> &FaultConfig {
        &self.cfg
    }

    /// Adds the request-level faults to `router` (a no-op layer when none is set).
    pub fn layer<S: Clone + Send + Sync + 'static>(&self, router: Router<S>) -> Router<S> {
        let c = &self.cfg;
        if c.latency.is_none() && c.http500_every.is_none() && c.truncate_every.is_none() {
            return router;
        }
        router.layer(middleware::from_fn_with_state(self.clone(), request_faults))
    }

    /// Applies the bandwidth cap and the drop rule to a download (response) body.
    pub fn wrap_download(&self, body: Body) -> Body {
        self.wrap(body, Direction::Download)
    }

    /// Applies the bandwidth cap and the drop rule to an upload (request) body. The
    /// handler then sees a read error where the connection "dropped".
    pub fn wrap_upload(&self, body: Body) -> Body {
        self.wrap(body, Direction::Upload)
    }

    fn wrap(&self, body: Body, dir: Direction) -> Body {
        let corrupts = self.corrupt_at(dir).is_some();
        if self.cfg.bandwidth.is_none() && self.cfg.drop_after_bytes.is_none() && !corrupts {
            return body;
        }
        Body::from_stream(shape(body.into_data_stream(), self.clone(), dir))
    }

    /// The body offset whose byte arrives altered in this direction.
    fn corrupt_at(&self, dir: Direction) -> Option<u64> {
        match dir {
            Direction::Download => self.cfg.corrupt_download_at,
            Direction::Upload => self.cfg.corrupt_upload_at,
        }
    }

    /// Whether a transfer that just reached the drop threshold must be cut.
    fn should_drop(&self, dir: Direction) -> bool {
        if self.cfg.drop_every_time {
            return true;
        }
        let flag = match dir {
            Direction::Download => &self.state.download_dropped,
            Direction::Upload => &self.state.upload_dropped,
        };
        !flag.swap(true, Ordering::SeqCst)
    }
}

/// Applies `faults`' request-level faults to `router`; same as [`Faults::layer`].
pub fn apply_request_faults<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    faults: &Faults,
) -> Router<S> {
    faults.layer(router)
}

#[derive(Clone, Copy, Debug)]
enum Direction {
    Download,
    Upload,
}

async fn request_faults(State(f): State<Faults>, req: Request, next: Next) -> Response {
    let n = f.state.requests.fetch_add(1, Ordering::SeqCst) + 1;
    if let Some(d) = f.cfg.latency {
        tokio::time::sleep(d).await;
    }
    let nth = |every: Option<u32>| every.is_some_and(|e| n % u64::from(e) == 0);
    if nth(f.cfg.http500_every) {
        tracing::debug!(request = n, "fault: HTTP 500");
        return (StatusCode::INTERNAL_SERVER_ERROR, "injected fault\n").into_response();
    }
    let resp = next.run(req).await;
    if nth(f.cfg.truncate_every) && is_small_text(&resp) {
        tracing::debug!(request = n, "fault: truncated body");
        let (mut parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, 16 << 20)
            .await
            .unwrap_or_default();
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)));
    }
    resp
}

/// JSON/XML/HTML replies are the ones a truncation fault is meant for; file bodies are not.
fn is_small_text(resp: &Response) -> bool {
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    ct.contains("json") || ct.contains("xml") || ct.starts_with("text/")
}

/// Largest piece handed on at once under a bandwidth cap (~20 pieces a second).
fn piece_size(bandwidth: Option<u64>) -> usize {
    match bandwidth {
        Some(bw) => (bw / 20).clamp(1024, 1 << 20) as usize,
        None => usize::MAX,
    }
}

struct Shaper<S> {
    inner: S,
    faults: Faults,
    dir: Direction,
    pending: Bytes,
    sent: u64,
    start: Instant,
    done: bool,
}

fn shape<S>(inner: S, faults: Faults, dir: Direction) -> impl Stream<Item = std::io::Result<Bytes>>
where
    S: Stream<Item = Result<Bytes, axum::Error>> + Send + Unpin + 'static,
{
    let st = Shaper {
        inner,
        faults,
        dir,
        pending: Bytes::new(),
        sent: 0,
        start: Instant::now(),
        done: false,
    };
    futures_util::stream::unfold(st, |mut st| async move {
        if st.done {
            return None;
        }
        while st.pending.is_empty() {
            match st.inner.next().await {
                None => return None,
                Some(Err(e)) => {
                    st.done = true;
                    return Some((Err(std::io::Error::other(e)), st));
                }
                Some(Ok(b)) => st.pending = b,
            }
        }
        let cfg = &st.faults.cfg;
        let mut take = st.pending.len().min(piece_size(cfg.bandwidth));
        if let Some(limit) = cfg.drop_after_bytes {
            let left = limit.saturating_sub(st.sent);
            if left == 0 && st.faults.should_drop(st.dir) {
                tracing::debug!(dir = ?st.dir, bytes = st.sent, "fault: dropping connection");
                st.done = true;
                // Let the server flush what was already "sent" before the connection dies,
                // so the peer really receives N bytes and then a cut.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let e = std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "injected drop");
                return Some((Err(e), st));
            }
            if left > 0 {
                take = take.min(usize::try_from(left).unwrap_or(usize::MAX));
            }
        }
        let mut piece = st.pending.split_to(take);
        if let Some(at) = st.faults.corrupt_at(st.dir) {
            piece = corrupt(piece, st.sent, at);
        }
        st.sent += piece.len() as u64;
        if let Some(bw) = cfg.bandwidth {
            let due = Duration::from_secs_f64(st.sent as f64 / bw as f64);
            tokio::time::sleep_until(st.start + due).await;
        }
        Some((Ok(piece), st))
    })
}

/// `piece` (which starts at body offset `start`) with the byte at offset `at` altered,
/// when it holds it.
fn corrupt(piece: Bytes, start: u64, at: u64) -> Bytes {
    let Some(index) = at
        .checked_sub(start)
        .and_then(|i| usize::try_from(i).ok())
        .filter(|i| *i < piece.len())
    else {
        return piece;
    };
    tracing::debug!(offset = at, "fault: corrupting a body byte");
    let mut bytes = piece.to_vec();
    bytes[index] ^= 0xff;
    Bytes::from(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn corrupts_one_byte_of_every_download_keeping_the_size() {
        let f = Faults::new(FaultConfig {
            corrupt_download_at: Some(5),
            ..Default::default()
        });
        for _ in 0..2 {
            let (got, failed) = collect(f.wrap_download(Body::from(vec![7u8; 100]))).await;
            assert!(!failed);
            assert_eq!(got.len(), 100);
            assert_eq!(got[5], !7u8);
            assert_eq!(got.iter().filter(|b| **b == 7).count(), 99);
        }
        let (up, _) = collect(f.wrap_upload(Body::from(vec![7u8; 100]))).await;
        assert!(up.iter().all(|b| *b == 7));
    }

    #[tokio::test]
    async fn corrupts_one_byte_of_every_upload_keeping_the_size() {
        let f = Faults::new(FaultConfig {
            corrupt_upload_at: Some(9),
            ..Default::default()
        });
        for _ in 0..2 {
            let (got, failed) = collect(f.wrap_upload(Body::from(vec![7u8; 100]))).await;
            assert!(!failed);
            assert_eq!(got.len(), 100);
            assert_eq!(got[9], !7u8);
            assert_eq!(got.iter().filter(|b| **b == 7).count(), 99);
        }
        let (down, _) = collect(f.wrap_download(Body::from(vec![7u8; 100]))).await;
        assert!(down.iter().all(|b| *b == 7));
    }

    async fn collect(body: Body) -> (Vec<u8>, bool) {
        let mut s = body.into_data_stream();
        let mut out = Vec::new();
        while let Some(r) = s.next().await {
            match r {
                Ok(b) => out.extend_from_slice(&b),
                Err(_) => return (out, true),
            }
        }
        (out, false)
    }

    #[tokio::test]
    async fn drops_once_then_passes() {
        let f = Faults::new(FaultConfig {
            drop_after_bytes: Some(10),
            ..Default::default()
        });
        let (got, failed) = collect(f.wrap_download(Body::from(vec![7u8; 100]))).await;
        assert!(failed);
        assert_eq!(got.len(), 10);
        let (got, failed) = collect(f.wrap_download(Body::from(vec![7u8; 100]))).await;
        assert!(!failed);
        assert_eq!(got.len(), 100);
    }

    #[tokio::test]
    async fn drops_every_time_and_small_bodies_pass() {
        let f = Faults::new(FaultConfig {
            drop_after_bytes: Some(10),
            drop_every_time: true,
            ..Default::default()
        });
        assert!(!collect(f.wrap_upload(Body::from(vec![1u8; 9]))).await.1);
        for _ in 0..2 {
            let (got, failed) = collect(f.wrap_upload(Body::from(vec![1u8; 50]))).await;
            assert!(failed && got.len() == 10);
        }
    }

    #[tokio::test]
    async fn bandwidth_cap_slows_transfer() {
        let f = Faults::new(FaultConfig {
            bandwidth: Some(100_000),
            ..Default::default()
        });
        let t = Instant::now();
        let (got, _) = collect(f.wrap_download(Body::from(vec![0u8; 30_000]))).await;
        assert_eq!(got.len(), 30_000);
        assert!(t.elapsed() >= Duration::from_millis(280));
    }

    #[test]
    fn args_convert() {
        let c: FaultConfig = FaultArgs {
            latency_ms: Some(5),
            session_lifetime_secs: Some(2),
            ..Default::default()
        }
        .into();
        assert_eq!(c.latency, Some(Duration::from_millis(5)));
        assert_eq!(c.session_lifetime, Some(Duration::from_secs(2)));
        assert_eq!(c.bandwidth, None);
    }
}
