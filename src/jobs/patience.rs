//! The retry state of one operation (one file step, one listing, one range): how many
//! tries so far, since when it has been failing, and the time budget
//! ([`RetryPolicy::retry_for`]) that ends the patience. Progress (bytes moved since
//! the last failure) starts both over, so a long file over a flaky link keeps going as
//! long as each try moves it forward.
//!
//! While it waits, the job's accounting knows ([`RetryWatch`]), so the jobs panel and
//! the CLI progress line can say "reconnecting — next try in 12 s (attempt 4)" instead
//! of a rate that means nothing.

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::RetryCause;
use super::retry::RetryPolicy;
use crate::vfs::{VfsError, VfsResult};

/// Told while an operation is failing: from its first wait to retry until it succeeds,
/// moves forward or gives up.
pub(crate) trait RetryWatch: Send + Sync {
    /// The operation waits until `until`; the next try is number `attempt` (counting
    /// the first try as 1). `token` is what an earlier call for the same operation
    /// returned; the answer is the token to pass next time and to [`RetryWatch::done`].
    /// `cause`: what failed (a lost connection, a server error).
    fn waiting(&self, token: Option<u64>, until: Instant, attempt: u32, cause: RetryCause) -> u64;
    /// The operation is not failing any more (it succeeded, moved forward, gave up or
    /// was cancelled).
    fn done(&self, token: u64);
}

/// The retry state of one operation.
pub(crate) struct Patience<'a> {
    policy: RetryPolicy,
    watch: Option<&'a dyn RetryWatch>,
    /// Retries since the last progress.
    retry: u32,
    /// When the first failure since the last progress happened.
    failing_since: Option<Instant>,
    /// Ours at `watch` while failing.
    token: Option<u64>,
}

impl<'a> Patience<'a> {
    pub fn new(policy: RetryPolicy, watch: Option<&'a dyn RetryWatch>) -> Self {
        Patience {
            policy,
            watch,
            retry: 0,
            failing_since: None,
            token: None,
        }
    }

    /// The operation moved forward since its last failure: the budget and the backoff
    /// start over.
    pub fn progressed(&mut self) {
        self.retry = 0;
        self.failing_since = None;
        self.stop_watching();
    }

    /// A try after a failure is moving bytes again, though none is known to be kept
    /// yet: the job stops saying "reconnecting" (the budget and the backoff run on
    /// until [`Patience::progressed`]).
    pub fn underway(&mut self) {
        self.stop_watching();
    }

    fn stop_watching(&mut self) {
        if let (Some(w), Some(t)) = (self.watch, self.token.take()) {
            w.done(t);
        }
    }

    /// Retries since the last progress.
    pub fn retries(&self) -> u32 {
        self.retry
    }

    /// After a transient failure `error`: waits the backoff delay and returns `Ok` for
    /// another try, or returns the error (worded to say how long it was retried) once
    /// the budget is spent; `Cancelled` if the job is cancelled meanwhile.
    pub async fn wait_after(
        &mut self,
        error: VfsError,
        cancel: &CancellationToken,
    ) -> VfsResult<()> {
        let now = Instant::now();
        let since = *self.failing_since.get_or_insert(now);
        let spent = now.duration_since(since);
        let out_of_time = spent >= self.policy.retry_for;
        if self.retry >= self.policy.retries || out_of_time {
            self.stop_watching();
            return Err(if out_of_time && self.retry > 0 {
                self.gave_up(error)
            } else {
                error
            });
        }
        // The last wait ends with the budget, so a last try comes at its end.
        let delay = self
            .policy
            .delay(self.retry)
            .min(self.policy.retry_for - spent);
        self.retry += 1;
        tracing::debug!(error = %error, retry = self.retry, ?delay, "transient failure, retrying");
        if let Some(w) = self.watch {
            let cause = RetryCause::of(&error);
            self.token = Some(w.waiting(self.token, Instant::now() + delay, self.retry + 1, cause));
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => Ok(()),
            _ = cancel.cancelled() => Err(VfsError::Cancelled),
        }
    }

    /// The error that ends a time budget says so (an error alone would not tell the
    /// user that nascmd kept trying); running out of a count of quick retries keeps the
    /// error as it was.
    fn gave_up(&self, error: VfsError) -> VfsError {
        let budget = humantime::format_duration(self.policy.retry_for);
        let reason = match &error {
            VfsError::Network(why) => why.clone(),
            other => other.to_string(),
        };
        VfsError::Network(format!(
            "still failing after retrying for {budget} ({reason})"
        ))
    }
}

impl Drop for Patience<'_> {
    fn drop(&mut self) {
        self.stop_watching();
    }
}

/// Resolves once `counted` has gone past `from` (an attempt's bytes are flowing): with
/// [`Patience::underway`], a try after a failure stops saying "reconnecting" as soon as
/// its bytes flow, not when it ends.
pub(crate) async fn flowing(counted: &std::sync::atomic::AtomicU64, from: u64) {
    while counted.load(std::sync::atomic::Ordering::Relaxed) <= from {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Shown as "next try in N s": whole seconds, rounded up, so it never reads 0 while
/// still waiting.
pub(crate) fn secs_left(until: Instant, now: Instant) -> u64 {
    let left = until.saturating_duration_since(now);
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    fn policy(retry_for: Duration) -> RetryPolicy {
        RetryPolicy {
            retries: u32::MAX,
            retry_for,
            first_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(8),
        }
    }

    #[derive(Default)]
    struct Seen(Mutex<Vec<u32>>);
    impl RetryWatch for Seen {
        fn waiting(
            &self,
            _token: Option<u64>,
            _until: Instant,
            attempt: u32,
            _cause: RetryCause,
        ) -> u64 {
            self.0.lock().unwrap().push(attempt);
            0
        }
        fn done(&self, _token: u64) {}
    }

    #[tokio::test]
    async fn the_budget_ends_the_retries_with_a_clear_reason() {
        let p = RetryPolicy {
            retry_for: Duration::from_millis(40),
            ..policy(Duration::ZERO)
        };
        let seen = Seen::default();
        let mut patience = Patience::new(p, Some(&seen));
        let cancel = CancellationToken::new();
        let started = Instant::now();
        let err = loop {
            if let Err(e) = patience
                .wait_after(VfsError::Network("refused".into()), &cancel)
                .await
            {
                break e;
            }
        };
        assert!(started.elapsed() >= Duration::from_millis(40));
        assert!(matches!(err, VfsError::Network(_)));
        let attempts = seen.0.lock().unwrap().clone();
        assert!(attempts.len() >= 4, "{attempts:?}");
        assert_eq!(&attempts[..3], &[2, 3, 4]);
    }

    #[tokio::test]
    async fn a_spent_budget_names_itself_and_a_spent_count_does_not() {
        let cancel = CancellationToken::new();
        let mut by_time = Patience::new(policy(Duration::from_millis(30)), None);
        let err = loop {
            if let Err(e) = by_time
                .wait_after(VfsError::Network("refused".into()), &cancel)
                .await
            {
                break e;
            }
        };
        assert_eq!(
            err.to_string(),
            "network error: still failing after retrying for 30ms (refused)"
        );
        let count = RetryPolicy {
            retries: 1,
            ..policy(Duration::from_secs(300))
        };
        let mut by_count = Patience::new(count, None);
        by_count
            .wait_after(VfsError::Network("refused".into()), &cancel)
            .await
            .unwrap();
        let err = by_count
            .wait_after(VfsError::Network("refused".into()), &cancel)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "network error: refused");
    }

    #[tokio::test]
    async fn progress_starts_the_count_over() {
        let p = RetryPolicy {
            retries: 2,
            ..policy(Duration::from_secs(60))
        };
        let mut patience = Patience::new(p, None);
        let cancel = CancellationToken::new();
        for _ in 0..5 {
            patience
                .wait_after(VfsError::Network("x".into()), &cancel)
                .await
                .unwrap();
            patience.progressed();
        }
        assert_eq!(patience.retries(), 0);
    }

    #[test]
    fn seconds_left_round_up() {
        let now = Instant::now();
        assert_eq!(secs_left(now + Duration::from_millis(11_200), now), 12);
        assert_eq!(secs_left(now, now + Duration::from_secs(1)), 0);
    }
}
