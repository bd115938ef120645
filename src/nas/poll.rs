//! Watching a server-side task (a QNAP copy/move, a Freebox file-system task, a QNAP
//! search's next page) through poll failures.
//!
//! This is not a second retry layer: it never repeats an operation, it keeps asking
//! about one that is already running on the server (or, for a search, asks again for
//! the same page of results). A failed poll says nothing about the task, which keeps
//! running, so ending the whole operation on one network hiccup would be wrong; only
//! several failures in a row, or a permanent error, end the watch.

use std::future::Future;
use std::time::Duration;

use crate::vfs::VfsResult;

/// Transient poll failures in a row after which the watch gives up.
pub(crate) const FAILED_POLLS_MAX: u32 = 5;

/// Counts transient poll failures in a row; any answer resets the count.
#[derive(Debug, Default)]
pub(crate) struct PollWatch {
    failures: u32,
}

impl PollWatch {
    /// `Ok(Some(answer))` for an answer; `Ok(None)` for a transient failure to ride
    /// out (poll again at the next tick); `Err` for a permanent error or the
    /// [`FAILED_POLLS_MAX`]th transient failure in a row.
    pub(crate) fn check<T>(&mut self, answer: VfsResult<T>) -> VfsResult<Option<T>> {
        match answer {
            Ok(v) => {
                self.failures = 0;
                Ok(Some(v))
            }
            Err(e) if e.is_transient() && self.failures + 1 < FAILED_POLLS_MAX => {
                self.failures += 1;
                tracing::debug!(error = %e, failures = self.failures, "poll failed, polling again");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Asks with `ask` until it answers, waiting `interval` (doubled after each failure,
    /// up to `max_interval`) between tries: for a poll loop that has no tick of its own.
    pub(crate) async fn ask<T, F, Fut>(
        &mut self,
        interval: Duration,
        max_interval: Duration,
        mut ask: F,
    ) -> VfsResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = VfsResult<T>>,
    {
        let mut wait = interval;
        loop {
            if let Some(answer) = self.check(ask().await)? {
                return Ok(answer);
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(max_interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::VfsError;

    fn hiccup() -> VfsResult<u32> {
        Err(VfsError::Network("reset".into()))
    }

    #[test]
    fn transient_failures_are_ridden_out_until_too_many_in_a_row() {
        let mut watch = PollWatch::default();
        for _ in 0..FAILED_POLLS_MAX - 1 {
            assert!(watch.check(hiccup()).unwrap().is_none());
        }
        // An answer resets the count.
        assert_eq!(watch.check(Ok(7)).unwrap(), Some(7));
        for _ in 0..FAILED_POLLS_MAX - 1 {
            assert!(watch.check(hiccup()).unwrap().is_none());
        }
        assert!(matches!(watch.check(hiccup()), Err(VfsError::Network(_))));
    }

    #[test]
    fn a_permanent_error_ends_the_watch_at_once() {
        let mut watch = PollWatch::default();
        let r = watch.check::<u32>(Err(VfsError::NotFound("task".into())));
        assert!(matches!(r, Err(VfsError::NotFound(_))));
    }

    #[tokio::test]
    async fn ask_polls_again_after_a_hiccup() {
        let mut calls = 0;
        let r = PollWatch::default()
            .ask(Duration::from_millis(1), Duration::from_millis(2), || {
                calls += 1;
                let answer = if calls < 3 { hiccup() } else { Ok(calls) };
                async move { answer }
            })
            .await;
        assert_eq!(r.unwrap(), 3);
    }
}
