//! A minimum speed for file bodies. A body has no deadline (a big file takes as long as
//! its size needs), but a server that trickles a byte now and then must not hold a
//! transfer for ever: an attempt that moves less than [`MIN_RATE`] over a whole window
//! (60 s by default) fails as a dropped connection, and the job's retry budget
//! (`jobs::patience`) decides what happens next.

use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::vfs::{ByteReader, VfsError};

/// The slowest a body may come, in bytes per second, averaged over a window.
pub const MIN_RATE: u64 = 1024;

/// The window the rate is measured over, unless `NASCMD_BODY_WINDOW_SECS` sets another
/// (tests use a short one; read once).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// The variable that sets the window, in seconds.
pub const WINDOW_ENV: &str = "NASCMD_BODY_WINDOW_SECS";

/// The window in force.
pub fn window() -> Duration {
    static WINDOW: OnceLock<Duration> = OnceLock::new();
    *WINDOW.get_or_init(|| seconds_from_env(WINDOW_ENV).unwrap_or(DEFAULT_WINDOW))
}

/// A whole number of seconds (at least 1) from an environment variable, if set.
pub(crate) fn seconds_from_env(var: &str) -> Option<Duration> {
    let secs: u64 = std::env::var(var).ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs.max(1)))
}

/// `body`, failing once a window passes with less than `MIN_RATE` × window bytes read.
pub fn with_min_speed(body: ByteReader) -> ByteReader {
    Box::pin(MinSpeed::new(body, window()))
}

/// The reader of [`with_min_speed`].
pub struct MinSpeed {
    inner: ByteReader,
    window: Duration,
    /// When the current window ends.
    window_end: Pin<Box<Sleep>>,
    /// Bytes read in the current window.
    got: u64,
}

impl MinSpeed {
    pub fn new(inner: ByteReader, window: Duration) -> Self {
        MinSpeed {
            inner,
            window,
            window_end: Box::pin(tokio::time::sleep(window)),
            got: 0,
        }
    }

    fn needed(&self) -> u64 {
        MIN_RATE.saturating_mul(self.window.as_secs().max(1))
    }

    /// At the end of a window: an error if it brought too little, else a new window.
    fn window_over(&mut self) -> Option<std::io::Error> {
        if self.got < self.needed() {
            return Some(std::io::Error::other(VfsError::Network(format!(
                "the NAS sent less than 1 KiB/s for {} s",
                self.window.as_secs()
            ))));
        }
        self.got = 0;
        self.window_end.as_mut().reset(Instant::now() + self.window);
        None
    }
}

impl AsyncRead for MinSpeed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        if let Poll::Ready(done) = self.inner.as_mut().poll_read(cx, buf) {
            self.got += (buf.filled().len() - before) as u64;
            return Poll::Ready(done);
        }
        // Nothing yet: the window's timer wakes this reader when it runs out.
        while self.window_end.as_mut().poll(cx).is_ready() {
            if let Some(too_slow) = self.window_over() {
                return Poll::Ready(Err(too_slow));
            }
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// A reader giving one byte, then nothing for ever.
    fn one_byte_then_silence() -> ByteReader {
        Box::pin(tokio::io::AsyncReadExt::chain(
            &b"x"[..],
            tokio_util::io::StreamReader::new(futures_util::stream::pending::<
                std::io::Result<bytes::Bytes>,
            >()),
        ))
    }

    #[tokio::test]
    async fn a_stalled_body_fails_after_one_window_as_a_network_error() {
        // A one-second window: the read ends after it (no timing is asserted).
        let mut r = MinSpeed::new(one_byte_then_silence(), Duration::from_secs(1));
        let mut buf = Vec::new();
        let err = r.read_to_end(&mut buf).await.unwrap_err();
        assert_eq!(buf, b"x");
        let vfs = err.into_inner().unwrap().downcast::<VfsError>().unwrap();
        assert!(vfs.is_transient(), "{vfs}");
        assert!(vfs.to_string().contains("1 KiB/s for 1 s"), "{vfs}");
    }

    #[tokio::test]
    async fn a_body_fast_enough_reads_to_its_end() {
        let data = vec![7u8; 200_000];
        let mut r = MinSpeed::new(
            Box::pin(std::io::Cursor::new(data.clone())),
            Duration::from_secs(1),
        );
        let mut buf = Vec::new();
        r.read_to_end(&mut buf).await.unwrap();
        assert_eq!(buf, data);
    }
}
