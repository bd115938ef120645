//! Retrying transient failures (`VfsError::is_transient`) with exponential backoff.
//! Permanent errors (not found, permission, no space) fail at once; a cancel ends the
//! wait immediately.
//!
//! This is the one layer that retries: backends only renew an expired session. The job
//! engine uses its policy for every call; a call a person waits on outside a job (a
//! pane's listing, a CLI command's `stat`) goes through [`retry_interactive`].

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::cancel::until_cancelled;
use crate::vfs::{VfsError, VfsResult};

/// How many times and how patiently a transient failure is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = no retry).
    pub retries: u32,
    /// Wait before the first retry; doubled each time up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 5,
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// For a call a person waits on: a few quick retries (200, 400, 800 ms), so a dead
    /// NAS is reported within about 1.5 s.
    pub const INTERACTIVE: RetryPolicy = RetryPolicy {
        retries: 3,
        first_delay: Duration::from_millis(200),
        max_delay: Duration::from_millis(800),
    };

    /// The wait before retry number `retry` (0-based).
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX);
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// Waits before retry number `retry`; `Err(Cancelled)` if the job is cancelled
    /// meanwhile.
    pub async fn wait(&self, retry: u32, cancel: &CancellationToken) -> VfsResult<()> {
        tokio::select! {
            _ = tokio::time::sleep(self.delay(retry)) => Ok(()),
            _ = cancel.cancelled() => Err(VfsError::Cancelled),
        }
    }

    /// Runs `op` until it succeeds, fails permanently, runs out of retries or the job is
    /// cancelled (see `cancel::until_cancelled` for how a running attempt is stopped).
    pub async fn run<T, F, Fut>(&self, cancel: &CancellationToken, mut op: F) -> VfsResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = VfsResult<T>>,
    {
        let mut retry = 0;
        loop {
            if cancel.is_cancelled() {
                return Err(VfsError::Cancelled);
            }
            let res = until_cancelled(cancel, op()).await;
            match res {
                Err(_) if cancel.is_cancelled() => return Err(VfsError::Cancelled),
                Err(e) if e.is_transient() && retry < self.retries => {
                    tracing::debug!(error = %e, retry, "transient failure, retrying");
                    self.wait(retry, cancel).await?;
                    retry += 1;
                }
                other => return other,
            }
        }
    }
}

/// Runs `op` with [`RetryPolicy::INTERACTIVE`], outside any job (nothing cancels it
/// but dropping the future).
pub async fn retry_interactive<T, F, Fut>(op: F) -> VfsResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = VfsResult<T>>,
{
    RetryPolicy::INTERACTIVE
        .run(&CancellationToken::new(), op)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick() -> RetryPolicy {
        RetryPolicy {
            retries: 3,
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
        }
    }

    #[test]
    fn delay_doubles_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0), Duration::from_millis(250));
        assert_eq!(p.delay(1), Duration::from_millis(500));
        assert_eq!(p.delay(30), Duration::from_secs(8));
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let r = quick()
            .run(&CancellationToken::new(), || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(VfsError::Network("reset".into()))
                } else {
                    Ok(42)
                }
            })
            .await;
        assert_eq!(r.unwrap(), 42);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn permanent_errors_and_exhaustion_fail() {
        let calls = AtomicU32::new(0);
        let r: VfsResult<()> = quick()
            .run(&CancellationToken::new(), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(VfsError::NotFound("x".into()))
            })
            .await;
        assert!(matches!(r, Err(VfsError::NotFound(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let r: VfsResult<()> = quick()
            .run(&CancellationToken::new(), || async {
                Err(VfsError::Network("down".into()))
            })
            .await;
        assert!(matches!(r, Err(VfsError::Network(_))));
    }

    #[tokio::test]
    async fn cancel_ends_the_wait() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let r: VfsResult<()> = RetryPolicy::default()
            .run(&cancel, std::future::pending)
            .await;
        assert!(matches!(r, Err(VfsError::Cancelled)));
    }
}
