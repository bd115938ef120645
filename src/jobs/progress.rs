//! Byte and item accounting for one job, rclone style: transfers never compute
//! progress themselves; the bytes are counted where they flow (a wrapped reader, or the
//! callback of a native copy), and a reporter samples the counters a few times a second,
//! smooths the rate and sends a `JobEvent::Progress` only when something changed.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::patience::{RetryWatch, secs_left};
use super::{JobEvent, JobId, JobProgress, Reconnecting, RetryCause};
use crate::vfs::ByteReader;

/// How often progress is sampled and (if changed) reported.
pub(crate) const REPORT_EVERY: Duration = Duration::from_millis(250);
/// Weight of the newest sample in the smoothed rate (exponential moving average).
const RATE_ALPHA: f64 = 0.3;

/// What a job names as its current item.
#[derive(Default)]
struct Current {
    /// Set by `set_current` (planning, a folder, a batch).
    named: String,
    /// Files under way, oldest first (`working_on`).
    in_flight: Vec<(u64, String)>,
}

/// A file under way, named by its job until this is dropped.
pub(crate) struct WorkingOn {
    acct: Arc<Accounting>,
    token: u64,
}

impl Drop for WorkingOn {
    fn drop(&mut self) {
        if let Ok(mut c) = self.acct.current.lock() {
            if let Some((_, name)) = c.in_flight.iter().find(|(t, _)| *t == self.token) {
                // Once nothing is under way, the last file is still the one to name.
                c.named = name.clone();
            }
            c.in_flight.retain(|(t, _)| *t != self.token);
        }
    }
}

/// The shared counters of one job.
#[derive(Default)]
pub(crate) struct Accounting {
    pub items_done: AtomicU64,
    pub items_total: AtomicU64,
    pub bytes_done: AtomicU64,
    pub bytes_total: AtomicU64,
    /// Of `bytes_done`, what was at the target before this run moved anything (items an
    /// earlier run verified, a partial file continued): no part of the rate.
    bytes_found: AtomicU64,
    pub planning: AtomicBool,
    current: Mutex<Current>,
    /// Uploads whose bytes are all sent, waiting for the NAS to answer.
    finishing: AtomicU64,
    /// Operations failing now: token → (next try at, its number, why).
    failing: Mutex<Vec<(u64, Instant, u32, RetryCause)>>,
    next_token: AtomicU64,
}

impl Accounting {
    pub fn add_bytes(&self, n: u64) {
        self.bytes_done.fetch_add(n, Ordering::Relaxed);
    }

    /// Bytes the target already held when this run came to them: done, but not moved
    /// now (counted in the rate they made the first seconds of a resumed job read
    /// "60 MiB/s, ETA 0:01").
    pub fn add_found(&self, n: u64) {
        self.bytes_found.fetch_add(n, Ordering::Relaxed);
        self.add_bytes(n);
    }

    /// Bytes moved by this run (what the rate is measured on).
    fn bytes_moved(&self) -> u64 {
        self.bytes_done
            .load(Ordering::Relaxed)
            .saturating_sub(self.bytes_found.load(Ordering::Relaxed))
    }

    /// A file whose bytes so far are `counted` goes on from `at` (what the target
    /// kept after a failed attempt): both its own count and the job's follow.
    pub fn recount_file(&self, counted: &AtomicU64, at: u64) {
        let before = counted.swap(at, Ordering::Relaxed);
        self.sub_bytes(before.saturating_sub(at));
        self.add_bytes(at.saturating_sub(before));
    }

    /// Takes back bytes counted for an attempt that is being redone.
    pub fn sub_bytes(&self, n: u64) {
        // Never below zero even if callers disagree; fetch_update can't fail here.
        let _ = self
            .bytes_done
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(n))
            });
    }

    pub fn add_total(&self, items: u64, bytes: u64) {
        self.items_total.fetch_add(items, Ordering::Relaxed);
        self.bytes_total.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn item_done(&self) {
        self.items_done.fetch_add(1, Ordering::Relaxed);
    }

    /// Names the item being worked on (escaped for the terminal).
    pub fn set_current(&self, display: String) {
        if let Ok(mut c) = self.current.lock() {
            c.named = display;
        }
    }

    /// Names a file being copied for as long as the returned guard lives. Files copied
    /// side by side each have one: the job names the latest one still under way, so a
    /// big file still copying is named once the small files started after it are done
    /// (it named the last small file until the end).
    pub fn working_on(self: &Arc<Self>, display: String) -> WorkingOn {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut c) = self.current.lock() {
            c.in_flight.push((token, display));
        }
        WorkingOn {
            acct: self.clone(),
            token,
        }
    }

    /// The item the job is on now.
    fn current(&self) -> String {
        self.current
            .lock()
            .map(|c| match c.in_flight.last() {
                Some((_, name)) => name.clone(),
                None => c.named.clone(),
            })
            .unwrap_or_default()
    }

    /// The numbers as they are now (rate filled in by the reporter).
    pub fn snapshot(&self) -> JobProgress {
        let bytes_done = self.bytes_done.load(Ordering::Relaxed);
        let bytes_total = self.bytes_total.load(Ordering::Relaxed);
        JobProgress {
            items_done: self.items_done.load(Ordering::Relaxed),
            items_total: self.items_total.load(Ordering::Relaxed),
            bytes_done,
            bytes_total,
            // Only once the job's bytes are all sent: while others still flow, the
            // rate and the ETA say more.
            finishing: self.finishing.load(Ordering::Relaxed) > 0
                && bytes_total > 0
                && bytes_done >= bytes_total,
            rate: 0.0,
            current: self.current(),
            planning: self.planning.load(Ordering::Relaxed),
            reconnecting: self.reconnecting(Instant::now()),
        }
    }

    /// Runs `work`, an upload to a NAS whose bytes so far are `counted` of `len`: once
    /// they are all sent (read from the source into the request) and the answer has
    /// not come, the job is finishing.
    pub async fn finishing_after<T>(
        &self,
        counted: &AtomicU64,
        len: u64,
        work: impl std::future::Future<Output = T>,
    ) -> T {
        tokio::pin!(work);
        tokio::select! {
            out = &mut work => return out,
            () = super::patience::flowing(counted, len.saturating_sub(1)), if len > 0 => {}
        }
        self.finishing.fetch_add(1, Ordering::Relaxed);
        let _done = Finished(&self.finishing);
        work.await
    }

    /// The failing operation whose next try comes first, if any.
    fn reconnecting(&self, now: Instant) -> Option<Reconnecting> {
        let failing = self.failing.lock().ok()?;
        failing
            .iter()
            .min_by_key(|(_, until, _, _)| *until)
            .map(|(_, until, attempt, cause)| Reconnecting {
                next_try_in: secs_left(*until, now),
                attempt: *attempt,
                cause: *cause,
            })
    }
}

impl RetryWatch for Accounting {
    fn waiting(&self, token: Option<u64>, until: Instant, attempt: u32, cause: RetryCause) -> u64 {
        let token = token.unwrap_or_else(|| self.next_token.fetch_add(1, Ordering::Relaxed));
        if let Ok(mut failing) = self.failing.lock() {
            failing.retain(|(t, _, _, _)| *t != token);
            failing.push((token, until, attempt, cause));
        }
        token
    }

    fn done(&self, token: u64) {
        if let Ok(mut failing) = self.failing.lock() {
            failing.retain(|(t, _, _, _)| *t != token);
        }
    }
}

/// Takes one back from a count when dropped (an upload done, failed or cancelled).
struct Finished<'a>(&'a AtomicU64);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Samples the counters every `REPORT_EVERY` until `stop` fires, sending a progress
/// event whenever something changed; sends one last sample when stopping.
pub(crate) async fn report_loop(
    id: JobId,
    acct: Arc<Accounting>,
    events: UnboundedSender<JobEvent>,
    stop: CancellationToken,
) {
    let mut rate = RateMeter::new(acct.bytes_moved());
    let mut last: Option<JobProgress> = None;
    let mut tick = tokio::time::interval(REPORT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopping = tokio::select! {
            _ = tick.tick() => false,
            _ = stop.cancelled() => true,
        };
        let mut p = acct.snapshot();
        p.rate = rate.sample(acct.bytes_moved());
        if last.as_ref() != Some(&p) {
            last = Some(p.clone());
            if events.send(JobEvent::Progress { id, progress: p }).is_err() {
                return; // nobody listens
            }
        }
        if stopping {
            return;
        }
    }
}

/// A smoothed bytes-per-second rate from cumulative byte counts.
struct RateMeter {
    last_bytes: u64,
    last_at: Instant,
    rate: f64,
}

impl RateMeter {
    fn new(bytes: u64) -> Self {
        RateMeter {
            last_bytes: bytes,
            last_at: Instant::now(),
            rate: 0.0,
        }
    }

    fn sample(&mut self, bytes: u64) -> f64 {
        let now = Instant::now();
        let dt = now.duration_since(self.last_at).as_secs_f64();
        if dt >= 0.05 {
            let inst = bytes.saturating_sub(self.last_bytes) as f64 / dt;
            self.rate = if self.rate == 0.0 {
                inst
            } else {
                RATE_ALPHA * inst + (1.0 - RATE_ALPHA) * self.rate
            };
            self.last_bytes = bytes;
            self.last_at = now;
        }
        self.rate
    }
}

/// Wraps a source stream and counts every byte read into the job's accounting and into
/// a per-attempt counter (so a retried attempt can take its bytes back).
pub(crate) struct CountingReader {
    inner: ByteReader,
    acct: Arc<Accounting>,
    attempt: Arc<AtomicU64>,
}

impl CountingReader {
    pub fn new(inner: ByteReader, acct: Arc<Accounting>, attempt: Arc<AtomicU64>) -> Self {
        CountingReader {
            inner,
            acct,
            attempt,
        }
    }
}

impl AsyncRead for CountingReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let res = self.inner.as_mut().poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        if n > 0 {
            self.acct.add_bytes(n);
            self.attempt.fetch_add(n, Ordering::Relaxed);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[test]
    fn the_job_names_the_latest_file_still_under_way() {
        let acct = Arc::new(Accounting::default());
        let big = acct.working_on("/Public/big.bin".into());
        let small = acct.working_on("/Public/f1.bin".into());
        assert_eq!(acct.snapshot().current, "/Public/f1.bin");
        drop(small);
        // The small file is done; the big one still copies.
        assert_eq!(acct.snapshot().current, "/Public/big.bin");
        let next = acct.working_on("/Public/f2.bin".into());
        assert_eq!(acct.snapshot().current, "/Public/f2.bin");
        drop(big);
        assert_eq!(acct.snapshot().current, "/Public/f2.bin");
        drop(next);
        // Nothing under way: the last file stays named.
        assert_eq!(acct.snapshot().current, "/Public/f2.bin");
    }

    #[tokio::test]
    async fn counting_reader_counts_every_byte() {
        let acct = Arc::new(Accounting::default());
        let attempt = Arc::new(AtomicU64::new(0));
        let data: ByteReader = Box::pin(std::io::Cursor::new(vec![7u8; 300_000]));
        let mut r = CountingReader::new(data, acct.clone(), attempt.clone());
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.unwrap();
        assert_eq!(out.len(), 300_000);
        assert_eq!(acct.snapshot().bytes_done, 300_000);
        assert_eq!(attempt.load(Ordering::Relaxed), 300_000);
        acct.sub_bytes(1_000_000);
        assert_eq!(acct.snapshot().bytes_done, 0);
    }

    #[tokio::test]
    async fn bytes_found_at_the_target_count_as_done_but_not_in_the_rate() {
        let acct = Arc::new(Accounting::default());
        acct.add_total(1, 100 << 20);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let reporter = tokio::spawn(report_loop(1, acct.clone(), tx, stop.clone()));
        // The reporter runs from the job's start, before planning finds anything.
        tokio::time::sleep(REPORT_EVERY / 2).await;
        // A resumed file: 60 MiB already there, then 1 MiB moved.
        acct.add_found(60 << 20);
        acct.add_bytes(1 << 20);
        tokio::time::sleep(REPORT_EVERY * 2).await;
        stop.cancel();
        reporter.await.unwrap();
        let mut last = None;
        while let Ok(JobEvent::Progress { progress, .. }) = rx.try_recv() {
            assert!(progress.rate < (8 << 20) as f64, "rate {}", progress.rate);
            last = Some(progress);
        }
        assert_eq!(last.map(|p| p.bytes_done), Some(61 << 20));
    }

    /// The job's progress says what failed: a server error the NAS answered, or a
    /// connection that went away.
    #[tokio::test]
    async fn a_waiting_operation_is_told_with_its_cause() {
        use super::super::patience::Patience;
        use crate::vfs::{ServerCode, VfsError};
        let acct = Accounting::default();
        let policy = super::super::RetryPolicy {
            retries: 5,
            retry_for: Duration::from_secs(60),
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        };
        let cancel = CancellationToken::new();
        let mut patience = Patience::new(policy, Some(&acct));
        let http500 = VfsError::Server {
            code: ServerCode::Http(500),
            message: "Internal Server Error".into(),
        };
        patience.wait_after(http500, &cancel).await.unwrap();
        let r = acct.snapshot().reconnecting.expect("waiting");
        assert_eq!(r.cause, RetryCause::Http(500));
        assert!(
            r.describe().starts_with("NAS error (HTTP 500) — "),
            "{}",
            r.describe()
        );
        patience
            .wait_after(VfsError::Network("connection refused".into()), &cancel)
            .await
            .unwrap();
        let r = acct.snapshot().reconnecting.expect("waiting");
        assert_eq!(r.cause, RetryCause::Connection);
        assert!(
            r.describe().starts_with("reconnecting — "),
            "{}",
            r.describe()
        );
        patience.progressed();
        assert_eq!(acct.snapshot().reconnecting, None);
    }

    #[test]
    fn rate_is_smoothed_not_jumping() {
        let mut m = RateMeter::new(0);
        m.last_at -= Duration::from_secs(1);
        let r1 = m.sample(1000);
        assert!((900.0..1100.0).contains(&r1), "{r1}");
        m.last_at -= Duration::from_secs(1);
        let r2 = m.sample(1000); // nothing moved for a second
        assert!(r2 > 0.0 && r2 < r1, "{r2}");
    }
}
