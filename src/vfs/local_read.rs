//! Reading a local file for a transfer, without the blocking pool where the kernel can
//! answer at once. A file being uploaded is nearly always in the page cache (just
//! written, or read ahead by the kernel), and a read from there takes microseconds:
//! handing each one to a blocking thread cost a thread wake-up per read and, through
//! `tokio::fs::File`, a copy from its own buffer. So a read is first tried on the
//! calling task's thread with `preadv2(RWF_NOWAIT)`, which answers only from the page
//! cache (short where only a part is there) and fails with `EAGAIN` rather than wait
//! for the disk; only then does that read go to the blocking pool. The bytes go
//! straight into the caller's buffer: a caller that reads in pieces that stay in the
//! CPU cache (`PIECE`) keeps the whole upload path in it (docs/PERFORMANCE.md,
//! "Session 9: loopback put").

use std::fs::File;
use std::future::Future;
use std::io;
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, ReadBuf};
use tokio::task::JoinHandle;

/// Bytes per read a sender should ask for: small enough that the buffer it fills, and
/// the socket copy that follows, stay in a core's cache (curl reads 64 KiB; 1 MiB
/// pieces made the kernel's page-cache copy 4× slower per byte).
pub const PIECE: usize = 128 * 1024;

/// Most bytes one read on the blocking pool asks for (a caller may offer more).
const BLOCKING_MAX: usize = 1 << 20;

/// An `AsyncRead` over a local file from an offset (see the module doc).
pub struct LocalReader {
    file: Arc<File>,
    /// Offset of the next byte to hand out.
    pos: u64,
    /// Whether `preadv2(RWF_NOWAIT)` may be tried (off once the kernel refuses it).
    nowait: bool,
    /// A read under way on the blocking pool, at `pos`.
    pending: Option<JoinHandle<io::Result<Vec<u8>>>>,
    /// Bytes a blocking read returned, from `done`, not yet handed out.
    held: Vec<u8>,
    done: usize,
}

impl LocalReader {
    /// Reads `file` from `offset`.
    pub fn new(file: File, offset: u64) -> Self {
        LocalReader {
            file: Arc::new(file),
            pos: offset,
            nowait: cfg!(target_os = "linux"),
            pending: None,
            held: Vec::new(),
            done: 0,
        }
    }
}

/// What a read straight from the page cache gave.
enum Cached {
    Read(usize),
    /// Not (all) in memory, or this kernel cannot say: ask a blocking thread.
    WouldBlock,
    Unsupported,
}

#[cfg(target_os = "linux")]
fn read_cached(file: &File, dst: &mut [u8], pos: u64) -> io::Result<Cached> {
    use rustix::io::{Errno, ReadWriteFlags, preadv2};
    loop {
        let mut bufs = [io::IoSliceMut::new(dst)];
        return match preadv2(file, &mut bufs, pos, ReadWriteFlags::NOWAIT) {
            Ok(n) => Ok(Cached::Read(n)),
            Err(Errno::INTR) => continue,
            Err(Errno::AGAIN) => Ok(Cached::WouldBlock),
            // Kernels before 4.14 (or filesystems without non-blocking reads).
            Err(Errno::OPNOTSUPP | Errno::INVAL | Errno::NOSYS) => Ok(Cached::Unsupported),
            Err(e) => Err(e.into()),
        };
    }
}

#[cfg(not(target_os = "linux"))]
fn read_cached(_: &File, _: &mut [u8], _: u64) -> io::Result<Cached> {
    Ok(Cached::Unsupported)
}

/// One read of up to `want` bytes at `pos`, on a blocking thread.
fn read_blocking(file: &File, mut buf: Vec<u8>, want: usize, pos: u64) -> io::Result<Vec<u8>> {
    buf.resize(want, 0);
    let n = loop {
        match file.read_at(&mut buf, pos) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => break other?,
        }
    };
    buf.truncate(n);
    Ok(buf)
}

impl AsyncRead for LocalReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        if let Some(handle) = this.pending.as_mut() {
            let joined = ready!(Pin::new(handle).poll(cx));
            this.pending = None;
            this.held = joined.map_err(io::Error::other)??;
            this.done = 0;
            if this.held.is_empty() {
                // The end of the file.
                return Poll::Ready(Ok(()));
            }
        }
        if this.done < this.held.len() {
            let n = buf.remaining().min(this.held.len() - this.done);
            buf.put_slice(&this.held[this.done..this.done + n]);
            this.done += n;
            this.pos += n as u64;
            return Poll::Ready(Ok(()));
        }
        if this.nowait {
            let dst = buf.initialize_unfilled();
            match read_cached(&this.file, dst, this.pos)? {
                Cached::Read(n) => {
                    buf.advance(n);
                    this.pos += n as u64;
                    return Poll::Ready(Ok(()));
                }
                Cached::WouldBlock => {}
                Cached::Unsupported => this.nowait = false,
            }
        }
        let file = this.file.clone();
        let spare = std::mem::take(&mut this.held);
        let want = buf.remaining().min(BLOCKING_MAX);
        let pos = this.pos;
        this.pending = Some(tokio::task::spawn_blocking(move || {
            read_blocking(&file, spare, want, pos)
        }));
        // Polled at once: registers the waker (or hands out a read already done).
        self.poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn sample(len: usize) -> (tempfile::NamedTempFile, Vec<u8>) {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, &data).unwrap();
        (f, data)
    }

    #[tokio::test]
    async fn reads_the_whole_file_from_an_offset_in_pieces() {
        let (f, data) = sample(3 * PIECE + 17);
        let mut r = LocalReader::new(File::open(f.path()).unwrap(), 5);
        let mut got = Vec::new();
        let mut piece = vec![0u8; PIECE];
        loop {
            let n = r.read(&mut piece).await.unwrap();
            if n == 0 {
                break;
            }
            assert!(n <= PIECE);
            got.extend_from_slice(&piece[..n]);
        }
        assert_eq!(got, data[5..]);
    }

    #[tokio::test]
    async fn the_blocking_pool_reads_the_same_bytes() {
        let (f, data) = sample(2 * PIECE + 3);
        let mut r = LocalReader::new(File::open(f.path()).unwrap(), 0);
        r.nowait = false;
        let mut got = Vec::new();
        // Small reads: a blocking read's bytes are handed out over several calls.
        let mut piece = vec![0u8; 1000];
        loop {
            let n = r.read(&mut piece).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&piece[..n]);
        }
        assert_eq!(got, data);
    }
}
