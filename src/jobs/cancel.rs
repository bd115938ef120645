//! Making a cancel reach a running transfer at once without leaving files behind.
//!
//! Dropping a backend's future mid-write is not enough on its own: work it handed to a
//! blocking thread (creating the temporary file, say) can still land after we cleaned
//! up. So the source stream itself fails as soon as the job is cancelled, which makes
//! the backend's write stop by itself; only a backend that does not stop within a short
//! grace period is dropped.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use crate::vfs::{ByteReader, VfsError, VfsResult};

/// How long a cancelled operation may take to wind down before it is dropped.
const GRACE: Duration = Duration::from_secs(2);

/// Runs `fut`; on cancel, gives it `GRACE` to finish on its own (its reader now fails),
/// then returns `Cancelled` either way.
pub(crate) async fn until_cancelled<T>(
    cancel: &CancellationToken,
    fut: impl Future<Output = VfsResult<T>>,
) -> VfsResult<T> {
    tokio::pin!(fut);
    tokio::select! {
        r = &mut fut => return r,
        _ = cancel.cancelled() => {}
    }
    let _ = tokio::time::timeout(GRACE, fut).await;
    Err(VfsError::Cancelled)
}

/// Runs `fut` to its end, unless it is cancelled and does not finish within `GRACE`
/// afterwards (`None`). Unlike [`until_cancelled`], a result that arrives in the grace
/// period is kept: for a batch, that says which files made it into place.
pub(crate) async fn settle<T>(
    cancel: &CancellationToken,
    fut: impl Future<Output = T>,
) -> Option<T> {
    tokio::pin!(fut);
    tokio::select! {
        r = &mut fut => return Some(r),
        _ = cancel.cancelled() => {}
    }
    tokio::time::timeout(GRACE, fut).await.ok()
}

/// A source stream that fails with "cancelled" the moment the job is cancelled, even
/// while it waits for data.
pub(crate) struct CancelReader {
    inner: ByteReader,
    cancelled: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl CancelReader {
    pub fn new(inner: ByteReader, cancel: CancellationToken) -> Self {
        CancelReader {
            inner,
            cancelled: Box::pin(cancel.cancelled_owned()),
        }
    }
}

impl AsyncRead for CancelReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "cancelled",
            )));
        }
        self.inner.as_mut().poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn a_waiting_read_fails_as_soon_as_the_job_is_cancelled() {
        let (_keep_open, far_end) = tokio::io::duplex(64);
        let cancel = CancellationToken::new();
        let mut r = CancelReader::new(Box::pin(far_end), cancel.clone());
        let canceller = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            canceller.cancel();
        });
        let mut buf = [0u8; 8];
        let res = tokio::time::timeout(Duration::from_secs(5), r.read(&mut buf)).await;
        assert!(res.expect("read did not see the cancel").is_err());
    }

    #[tokio::test]
    async fn until_cancelled_lets_a_stopping_operation_finish() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let f = finished.clone();
        let r: VfsResult<()> = until_cancelled(&cancel, async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            f.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        })
        .await;
        assert!(matches!(r, Err(VfsError::Cancelled)));
        assert!(finished.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn settle_keeps_a_result_that_arrives_in_the_grace_period() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let kept = settle(&cancel, async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            7
        })
        .await;
        assert_eq!(kept, Some(7));
    }

    #[tokio::test]
    async fn settle_gives_up_on_an_operation_that_does_not_stop() {
        // Waits out the real grace period (2 s).

        let cancel = CancellationToken::new();
        cancel.cancel();
        let kept = settle(&cancel, std::future::pending::<u8>()).await;
        assert_eq!(kept, None);
    }
}
