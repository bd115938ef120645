//! One stream of a parallel download: takes a part (`layout`), fetches it with one
//! request, and writes it in `WRITE_CHUNK` pieces, reading the next piece while the
//! last one is being written (as the single-stream path does: the socket and the disk
//! both stay busy). Then takes another part, until none is left, the download stops,
//! or the ramp retires it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncReadExt;

use super::super::cancel::{CancelReader, until_cancelled};
use super::layout::Work;
use super::{REQUEST_MAX, STEAL_MIN, Shared, WRITE_CHUNK};
use crate::vfs::{ByteReader, VfsError, VfsResult};

/// Stream `id`: parts until none is left (or the download stops, or the ramp retires
/// it). A permanent failure stops the whole download.
pub(super) async fn worker(sh: &Shared<'_>, id: usize) {
    let mut spare = Spare::default();
    loop {
        if sh.stop.is_cancelled() || sh.retired(id) {
            return;
        }
        let Some(work) = sh.layout().take(id, STEAL_MIN) else {
            return;
        };
        let res = fetch_part(sh, id, work, &mut spare).await;
        sh.layout().release(work.start, id);
        if let Err(e) = res {
            sh.fail(e);
            return;
        }
    }
}

/// One part, retried from its first unwritten byte after a transient failure. The
/// retry budget starts again whenever an attempt made progress. Only the first attempt
/// at the whole file (a fresh download's first part) is a plain request for the body.
async fn fetch_part(sh: &Shared<'_>, id: usize, work: Work, spare: &mut Spare) -> VfsResult<()> {
    let mut patience = sh.ctx.patience();
    let mut plain = work.whole;
    loop {
        let before = sh.layout().written(work.start);
        let res = until_cancelled(&sh.stop, fetch_from(sh, id, work, plain, spare)).await;
        plain = false;
        match res {
            Ok(()) => return Ok(()),
            Err(_) if sh.stop.is_cancelled() => return Err(VfsError::Cancelled),
            Err(e) if e.is_transient() => {
                let pos = {
                    let mut layout = sh.layout();
                    layout.unclaim(work.start);
                    layout.written(work.start)
                };
                if pos > before {
                    patience.progressed();
                }
                tracing::info!(path = %sh.step.src, pos, error = %e, retry = patience.retries(), "range interrupted, resuming it");
                patience.wait_after(e, &sh.stop).await?;
            }
            Err(e) => return Err(e),
        }
    }
}

/// One attempt at part `work` from its first unwritten byte to its end (which may move
/// closer while it runs: another stream took the rest, or the ramp retired this one), in
/// requests of at most `REQUEST_MAX` bytes, or one plain request for the whole body (it
/// stops reading at the part's end).
async fn fetch_from(
    sh: &Shared<'_>,
    id: usize,
    work: Work,
    plain: bool,
    spare: &mut Spare,
) -> VfsResult<()> {
    let src = &sh.step.src;
    let arrived = sh.arrived.get(id);
    let mut plain = plain;
    let mut writing: Option<Write<'_>> = None;
    loop {
        let asked = sh.layout().ask(work.start, id, plain, REQUEST_MAX);
        let Some(request) = asked else { break };
        // The last write of the previous request lands while this one is asked for.
        let open = async {
            match plain {
                true => sh.ctx.src.open_read(src, 0).await,
                false => {
                    let len = request.end - request.start;
                    sh.ends.read.open_read_range(src, request.start, len).await
                }
            }
        };
        let opened = match writing.take() {
            Some(w) => {
                let (landed, opened) = futures_util::future::join(w.land(sh, spare), open).await;
                landed?;
                opened?
            }
            None => open.await?,
        };
        plain = false;
        let mut reader: ByteReader = Box::pin(CancelReader::new(opened, sh.stop.clone()));
        loop {
            if sh.retired(id) {
                sh.layout().give_back(work.start);
            }
            let claimed = sh
                .layout()
                .claim(work.start, id, WRITE_CHUNK as u64, request.end);
            let Some(next) = claimed else { break };
            let want = (next.end - next.start) as usize;
            let read = read_chunk(&mut reader, want, spare.take(), arrived);
            let chunk = match writing.take() {
                Some(w) => {
                    let (landed, chunk) = futures_util::future::join(w.land(sh, spare), read).await;
                    landed?;
                    chunk?
                }
                None => read.await?,
            };
            writing = Some(Write::start(sh, work.start, next.start, chunk));
        }
    }
    if let Some(w) = writing {
        w.land(sh, spare).await?;
    }
    Ok(())
}

/// A positional write on its way to the file.
struct Write<'a> {
    part: u64,
    at: u64,
    /// The bytes (a second handle, to take the buffer back once written).
    bytes: Bytes,
    pending: Pin<Box<dyn Future<Output = VfsResult<()>> + Send + 'a>>,
}

impl<'a> Write<'a> {
    fn start(sh: &'a Shared<'a>, part: u64, at: u64, chunk: Bytes) -> Write<'a> {
        let bytes = chunk.clone();
        let pending = Box::pin(async move {
            let _turn = sh.write_turn.lock().await;
            sh.ends.write.write_at(sh.tmp, at, chunk).await
        });
        Write {
            part,
            at,
            bytes,
            pending,
        }
    }

    /// Waits for the write; then its bytes count (for progress, once) and its buffer
    /// is reused.
    async fn land(self, sh: &Shared<'_>, spare: &mut Spare) -> VfsResult<()> {
        self.pending.await?;
        let n = self.bytes.len() as u64;
        sh.layout().wrote(self.part, self.at + n);
        sh.ctx.acct.add_bytes(n);
        sh.counted.fetch_add(n, Ordering::Relaxed);
        // The writer dropped its handle: the buffer is ours again, without a copy.
        if let Ok(buf) = self.bytes.try_into_mut() {
            spare.give(buf);
        }
        Ok(())
    }
}

/// A stream's buffers (two: one being read into while the other is written), reused
/// for every chunk: a fresh 1 MiB buffer per chunk costs page faults each time.
#[derive(Default)]
struct Spare(Vec<BytesMut>);

impl Spare {
    fn take(&mut self) -> BytesMut {
        self.0
            .pop()
            .unwrap_or_else(|| BytesMut::with_capacity(WRITE_CHUNK))
    }

    fn give(&mut self, buf: BytesMut) {
        if self.0.len() < 2 {
            self.0.push(buf);
        }
    }
}

/// Reads exactly `want` bytes into `buf` and hands them out; a stream that ends first
/// is a dropped connection (the bytes read are dropped too and fetched again). Every
/// read is added to `arrived` as it comes.
async fn read_chunk(
    reader: &mut ByteReader,
    want: usize,
    mut buf: BytesMut,
    arrived: Option<&AtomicU64>,
) -> VfsResult<Bytes> {
    buf.clear();
    buf.reserve(want);
    while buf.len() < want {
        let mut limited = reader.take((want - buf.len()) as u64);
        let n = limited.read_buf(&mut buf).await.map_err(read_error)?;
        if n == 0 {
            return Err(VfsError::Network("the server ended a range early".into()));
        }
        if let Some(a) = arrived {
            a.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
    Ok(buf.freeze())
}

/// A read error keeps the backend's meaning when it carried a `VfsError` (a file that
/// changed on the server is not worth retrying); anything else is a dropped connection.
fn read_error(e: std::io::Error) -> VfsError {
    match e.into_inner().map(|inner| inner.downcast::<VfsError>()) {
        Some(Ok(vfs)) => *vfs,
        Some(Err(other)) => VfsError::Network(format!("reading a range: {other}")),
        None => VfsError::Network("reading a range failed".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_errors_keep_a_backends_meaning() {
        let e = std::io::Error::other(VfsError::Protocol("changed".into()));
        assert!(matches!(read_error(e), VfsError::Protocol(_)));
        let e = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(read_error(e).is_transient());
    }
}
