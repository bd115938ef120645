//! A minimum speed for uploads, the counterpart of [`crate::nas::body_speed`]: a server
//! that takes an upload's bytes at less than [`MIN_RATE`] over a whole window (60 s by
//! default, `NASCMD_BODY_WINDOW_SECS`) fails the attempt as a dropped connection, and
//! the job's retry budget decides what happens next. Once every byte is handed over,
//! the server's answer is an API reply, under the API deadline.
//!
//! An upload's body is pulled by the connection only as the server reads, so its pace
//! is measured where bytes leave nascmd: an [`UploadMeter`] counts them, either as
//! slices of a request body ([`UploadMeter::counted`]) or as writes on a socket
//! ([`UploadMeter::socket`], the Freebox WebSocket), and [`within_min_speed`] watches
//! the count while the upload runs.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::nas::body_speed::{MIN_RATE, window};
use crate::nas::reply::api_deadline;
use crate::vfs::{VfsError, VfsResult};

/// The largest piece a request body hands over at once, so the count follows the
/// server's pace closely (a 2 MiB read counted whole would make a slow but sufficient
/// upload look stalled for a window).
const SLICE: usize = 64 * 1024;

/// Bytes an upload has handed to its connection, shared by the body and its watch.
#[derive(Clone, Default, Debug)]
pub struct UploadMeter(Arc<AtomicU64>);

impl UploadMeter {
    /// Bytes handed over so far.
    pub fn moved(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn add(&self, n: usize) {
        self.0.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// `body` handed over in slices of at most 64 KiB, each counted as the connection
    /// takes it.
    pub fn counted<S>(&self, body: S) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static
    where
        S: Stream<Item = io::Result<Bytes>> + Send + 'static,
    {
        let meter = self.clone();
        body.flat_map(|item| stream::iter(slices(item)))
            .inspect(move |item| {
                if let Ok(bytes) = item {
                    meter.add(bytes.len());
                }
            })
    }

    /// `io`, counting every byte written to it.
    pub fn socket<T>(&self, io: T) -> Metered<T> {
        Metered {
            inner: io,
            meter: self.clone(),
        }
    }
}

/// One read of a body cut into pieces of at most [`SLICE`] (no copy: `Bytes` slices).
fn slices(item: io::Result<Bytes>) -> Vec<io::Result<Bytes>> {
    match item {
        Ok(mut bytes) => {
            let mut out = Vec::with_capacity(bytes.len().div_ceil(SLICE));
            while bytes.len() > SLICE {
                out.push(Ok(bytes.split_to(SLICE)));
            }
            out.push(Ok(bytes));
            out
        }
        Err(e) => vec![Err(e)],
    }
}

/// A socket whose writes an [`UploadMeter`] counts.
pub struct Metered<T> {
    inner: T,
    meter: UploadMeter,
}

impl<T: AsyncRead + Unpin> AsyncRead for Metered<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Metered<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = written {
            self.meter.add(n);
        }
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = written {
            self.meter.add(n);
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Runs `upload`, which hands `len` bytes to a connection counted by `meter`: it fails
/// as a network error once a window passes in which fewer than `MIN_RATE` × window
/// bytes moved while some were left, and once all moved, when the answer takes longer
/// than the API deadline.
pub async fn within_min_speed<T>(
    meter: &UploadMeter,
    len: u64,
    upload: impl Future<Output = VfsResult<T>>,
) -> VfsResult<T> {
    watch(meter, len, upload, window(), api_deadline()).await
}

async fn watch<T>(
    meter: &UploadMeter,
    len: u64,
    upload: impl Future<Output = VfsResult<T>>,
    window: Duration,
    answer_deadline: Duration,
) -> VfsResult<T> {
    let needed = MIN_RATE.saturating_mul(window.as_secs().max(1));
    tokio::pin!(upload);
    // The meter counts this upload's bytes from nothing (a socket's also the commands
    // around them), so `len` is reached once every byte of the body went out.
    let mut at_window_start = meter.moved();
    let mut windows = tokio::time::interval_at(tokio::time::Instant::now() + window, window);
    loop {
        tokio::select! {
            done = &mut upload => return done,
            _ = windows.tick() => {
                let moved = meter.moved();
                if moved >= len {
                    break;
                }
                if moved - at_window_start < needed {
                    return Err(VfsError::Network(format!(
                        "the NAS took less than 1 KiB/s of the upload for {} s",
                        window.as_secs()
                    )));
                }
                at_window_start = moved;
            }
        }
    }
    // Every byte is handed over: what is left is the server's answer.
    tokio::time::timeout(answer_deadline, upload)
        .await
        .unwrap_or_else(|_| {
            Err(VfsError::Network(format!(
                "the NAS did not answer the upload within {} s of its last byte",
                answer_deadline.as_secs()
            )))
        })
}

/// `connecting`, failing as a network error past the API deadline: a server that
/// accepts the connection and never answers its upgrade cannot hold an upload.
pub async fn connected_within_deadline<T>(
    connecting: impl Future<Output = VfsResult<T>>,
) -> VfsResult<T> {
    let deadline = api_deadline();
    tokio::time::timeout(deadline, connecting)
        .await
        .unwrap_or_else(|_| {
            Err(VfsError::Network(format!(
                "the NAS did not open the upload connection within {} s",
                deadline.as_secs()
            )))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_upload_whose_bytes_stop_moving_fails_after_a_window() {
        let meter = UploadMeter::default();
        meter.add(10);
        let stalled = std::future::pending::<VfsResult<()>>();
        let err = watch(
            &meter,
            1 << 20,
            stalled,
            Duration::from_secs(1),
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
        assert!(err.is_transient(), "{err}");
        assert!(err.to_string().contains("less than 1 KiB/s"), "{err}");
    }

    #[tokio::test]
    async fn an_upload_handed_over_whole_waits_for_its_answer_under_the_deadline() {
        let meter = UploadMeter::default();
        meter.add(100);
        let no_answer = std::future::pending::<VfsResult<()>>();
        let err = watch(
            &meter,
            100,
            no_answer,
            Duration::from_secs(1),
            Duration::from_secs(1),
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("did not answer the upload"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_body_is_counted_in_slices_and_arrives_whole() {
        let meter = UploadMeter::default();
        let data = Bytes::from(vec![3u8; 3 * SLICE + 5]);
        let body = meter.counted(stream::iter([Ok(data.clone())]));
        let pieces: Vec<Bytes> = body.map(|b| b.unwrap()).collect().await;
        assert_eq!(pieces.len(), 4);
        assert!(pieces.iter().all(|p| p.len() <= SLICE));
        assert_eq!(pieces.concat(), data.to_vec());
        assert_eq!(meter.moved(), data.len() as u64);
    }
}
