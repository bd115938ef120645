//! One big file fetched as several ranges at once, each written in place in the
//! temporary file: a single HTTP stream leaves a core and the link half idle (one
//! connection's receive path and the page-cache writes run one after the other), while
//! a few streams keep both busy. Used by `transfer::stream_copy` when the source reads
//! ranges (`Features::read_range`) and the target writes at offsets
//! (`Features::write_at`).
//!
//! The file is cut into parts of `PART_MIN`..`PART_MAX` bytes that `STREAMS` workers
//! take in order, so a slow connection delays only the part it holds. A part that fails
//! transiently is fetched again from the first byte not yet written; bytes are counted
//! for progress once, when written. The temporary file has its full size from the
//! start, so completeness comes from every part reporting all its bytes written, never
//! from the size alone. A server that turns out to ignore ranges makes the caller fall
//! back to one plain stream.
//!
//! With a resume record (`jobs::resume`), each part's synced progress is recorded as it
//! goes, and a later run continues every part from its recorded point in the same
//! full-size temporary file.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use bytes::{Bytes, BytesMut};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::future::join_all;
use futures_util::stream::FuturesUnordered;
use tokio::io::AsyncReadExt;
use tokio::sync::Mutex as AsyncMutex;
use tokio_util::sync::CancellationToken;

use super::cancel::{CancelReader, until_cancelled};
use super::ctx::JobCtx;
use super::patience::flowing;
use super::plan::FileStep;
use super::ramp::{self, Ramp, Step as RampStep};
use super::resume::{RECORD_POLL, RangeDone, Resume, SYNC_STEP};
use crate::vfs::{ByteReader, Entry, ReadRange, VPath, VfsError, VfsResult, WriteAt};

/// Smallest file fetched in parallel: below this, one stream finishes before extra
/// connections pay off (measured in benches/transfer.sh, see docs/PERFORMANCE.md).
pub(crate) const MIN_SIZE: u64 = 64 << 20;
/// Most connections per file. A download starts with one and doubles while the total
/// grows (`jobs::ramp`), so this is reached only on a link whose connections are each
/// capped well below what the whole link carries.
pub(crate) const STREAMS: usize = 8;
/// Fixes the stream count instead (1 turns parallel ranges off), so
/// benches/transfer.sh can compare stream counts with one build.
const STREAMS_ENV: &str = "NASCMD_RANGED_STREAMS";
/// Bytes read from a stream before they are written in one positional write: large
/// enough that the hand-off to the blocking pool is rare, small enough that
/// `STREAMS` buffers stay a few MiB.
const WRITE_CHUNK: usize = 1 << 20;
/// Part sizes: about four parts per stream, within these bounds.
const PART_MIN: u64 = 8 << 20;
const PART_MAX: u64 = 64 << 20;
/// Files fetched in parallel at the same time across the process (with `--jobs N`, the
/// others stream plainly), bounding connections and buffer memory.
const MAX_FILES: usize = 2;

static FILES_RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Copies `step.src` into `tmp` with parallel ranges when this transfer allows it.
/// `None`: not applicable (small file, a backend that cannot, too many running, or the
/// server ignored ranges); the caller streams the file plainly and nothing of this
/// attempt is left counted.
/// `Some` carries the written file as the target reports it.
pub(crate) async fn try_copy(
    ctx: &JobCtx,
    step: &FileStep,
    tmp: &VPath,
    resume: Option<&Resume<'_>>,
) -> Option<VfsResult<Entry>> {
    let len = step.entry.size;
    let dst = ctx.dst_vfs();
    let streams = streams();
    if streams.most < 2 || len < MIN_SIZE {
        return None;
    }
    let ends = Ends {
        read: ctx.src.features().read_range?,
        write: dst.features().write_at?,
    };
    if streams.ramp && on_a_lan(ctx) && resume.and_then(|r| r.previous(true)).is_none() {
        return None;
    }
    // A single stream an earlier run left (it was on a LAN then) is continued plainly,
    // whatever the round trip is now: parallel ranges would fetch it all again.
    if resume
        .and_then(|r| r.previous(false))
        .is_some_and(|ranges| ranges.iter().any(|r| r.done > 0))
    {
        return None;
    }
    let _slot = Slot::take()?;
    let counted = AtomicU64::new(0);
    let res = copy(ctx, ends, step, tmp, &counted, streams, resume).await;
    match res {
        Err(VfsError::Unsupported(what)) if !ctx.cancel.is_cancelled() => {
            tracing::info!(path = %step.src, what, "no parallel ranges, streaming plainly");
            ctx.acct.sub_bytes(counted.load(Ordering::Relaxed));
            None
        }
        other => Some(other),
    }
}

/// Whether the job measured a round trip to the source below `LINK_RTT` (a loopback
/// or a LAN). There one plain stream fills the link and beats the ranged machinery
/// (a pre-sized file written at offsets), as `benches/transfer.sh` measured: parallel
/// ranges only pay across a link, where each connection is capped well below it. A
/// parallel download an earlier run left is continued all the same.
fn on_a_lan(ctx: &JobCtx) -> bool {
    ctx.src_rtt.get().is_some_and(|rtt| *rtt < LINK_RTT)
}

/// How many streams a download may run, and whether it ramps up to them.
#[derive(Clone, Copy, Debug)]
struct Streams {
    most: usize,
    ramp: bool,
}

/// Up to `STREAMS` with the ramp, or the count fixed in `NASCMD_RANGED_STREAMS` (read
/// once).
fn streams() -> Streams {
    static STREAMS_SET: OnceLock<Streams> = OnceLock::new();
    *STREAMS_SET.get_or_init(|| {
        match std::env::var(STREAMS_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
        {
            Some(n) => Streams {
                most: n.clamp(1, 16),
                ramp: false,
            },
            None => Streams {
                most: STREAMS,
                ramp: true,
            },
        }
    })
}

/// A place among the `MAX_FILES` parallel downloads, given back on drop.
struct Slot;

impl Slot {
    fn take() -> Option<Slot> {
        FILES_RUNNING
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_FILES).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        FILES_RUNNING.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The parts of a `len`-byte file.
fn parts(len: u64, streams: usize) -> Vec<Range<u64>> {
    let size = (len / (streams as u64 * 4)).clamp(PART_MIN, PART_MAX);
    (0..len.div_ceil(size))
        .map(|i| i * size..((i + 1) * size).min(len))
        .collect()
}

/// The two ends of a parallel download, as their features.
#[derive(Clone, Copy)]
struct Ends<'a> {
    read: &'a dyn ReadRange,
    write: &'a dyn WriteAt,
}

/// What the workers of one file share.
struct Shared<'a> {
    ctx: &'a JobCtx,
    ends: Ends<'a>,
    step: &'a FileStep,
    tmp: &'a VPath,
    /// Each part with the first byte still to fetch.
    parts: Vec<RangeDone>,
    resume: Option<&'a Resume<'a>>,
    next: AtomicUsize,
    /// Workers asked to stop after their current part (the ramp took them back).
    retire: AtomicUsize,
    /// Each part's first byte not yet written, as its worker moves on.
    written: Vec<AtomicU64>,
    /// Each part's progress as last recorded (`record_progress`).
    recorded: Vec<AtomicU64>,
    /// Fires on the job's cancel, or when one part failed for good (the others stop).
    stop: CancellationToken,
    /// The failure that stopped the others.
    failure: Mutex<Option<VfsError>>,
    /// One positional write at a time: a local file takes one buffered write at a time
    /// anyway (the kernel holds the inode lock during the copy), and waiting here costs
    /// no CPU, unlike several blocking threads spinning on that lock. Reads go on
    /// meanwhile.
    write_turn: AsyncMutex<()>,
    counted: &'a AtomicU64,
}

async fn copy(
    ctx: &JobCtx,
    ends: Ends<'_>,
    step: &FileStep,
    tmp: &VPath,
    counted: &AtomicU64,
    streams: Streams,
    resume: Option<&Resume<'_>>,
) -> VfsResult<Entry> {
    let dst = ctx.dst_vfs();
    let len = step.entry.size;
    // Parts are cut from the listed size: a file that changed since it was listed (or
    // changes while the parts arrive) would come out as a mix, so both are checked.
    // Across a link the job already measured (`JobCtx::src_rtt`), the streams start
    // with this `stat` rather than one round trip after it: a size that turned out
    // different stops them, and nothing is kept of what they wrote.
    let link_rtt = ctx.src_rtt.get().copied().filter(|rtt| *rtt >= LINK_RTT);
    let asked = Instant::now();
    let checked = move || async move {
        let before = until_cancelled(&ctx.cancel, ctx.src.stat(&step.src)).await?;
        if before.size != len {
            return Err(VfsError::SizeMismatch {
                path: step.src.to_string(),
                expected: len,
                found: before.size,
            });
        }
        Ok(before)
    };
    let mut known = None;
    if link_rtt.is_none() {
        known = Some(checked().await?);
    }
    // One round trip on a connection the job already opened: with the first stream's
    // first bytes, it tells a link from a loopback or a LAN (see `run_ramped`).
    let stat_took = link_rtt.unwrap_or_else(|| asked.elapsed());
    // An earlier run's parts continue where their synced bytes end, in its file.
    let parts = match resume.and_then(|r| r.previous(true)) {
        Some(previous) => previous.to_vec(),
        None => {
            until_cancelled(&ctx.cancel, ends.write.create_sized(tmp, len)).await?;
            parts(len, streams.most)
                .into_iter()
                .map(RangeDone::fresh)
                .collect()
        }
    };
    let already: u64 = parts.iter().map(|p| p.done - p.start).sum();
    counted.fetch_add(already, Ordering::Relaxed);
    ctx.acct.add_found(already);
    if let Some(r) = resume {
        r.begin(true, parts.clone()).await;
    }
    let written = parts.iter().map(|p| AtomicU64::new(p.done)).collect();
    let recorded = parts.iter().map(|p| AtomicU64::new(p.done)).collect();
    let shared = Shared {
        ctx,
        ends,
        step,
        tmp,
        parts,
        resume,
        written,
        recorded,
        next: AtomicUsize::new(0),
        retire: AtomicUsize::new(0),
        stop: ctx.cancel.child_token(),
        failure: Mutex::new(None),
        write_turn: AsyncMutex::new(()),
        counted,
    };
    tracing::debug!(path = %step.src, parts = shared.parts.len(), "parallel ranged download");
    // The workers run in this task (the socket reads and disk writes they wait on run
    // elsewhere), and all of them have stopped before this returns: no write can land
    // after the caller removed the temporary file.
    let run = async {
        if streams.ramp {
            run_ramped(&shared, streams.most, stat_took, link_rtt.is_some()).await;
        } else {
            join_all((0..streams.most).map(|_| worker(&shared))).await;
        }
    };
    let work = async {
        match known {
            Some(before) => {
                run.await;
                Ok(before)
            }
            None => {
                let check = async {
                    let res = checked().await;
                    if res.is_err() {
                        shared.stop.cancel();
                    }
                    res
                };
                tokio::join!(check, run).0
            }
        }
    };
    let before = match resume {
        Some(r) => tokio::select! {
            before = work => before,
            never = record_progress(&shared, r) => match never {},
        },
        None => work.await,
    };
    if ctx.cancel.is_cancelled() {
        return Err(VfsError::Cancelled);
    }
    let before = before?;
    if let Some(e) = shared.failure.lock().ok().and_then(|mut f| f.take()) {
        return Err(e);
    }
    let after = until_cancelled(&ctx.cancel, ctx.src.stat(&step.src)).await?;
    if (after.size, after.mtime) != (before.size, before.mtime) {
        return Err(VfsError::Protocol(format!(
            "{} changed on the server during the download",
            crate::names::escape(step.src.as_str())
        )));
    }
    let done = counted.load(Ordering::Relaxed);
    if done != len {
        // Cannot happen when every part reported success; checked because a wrong
        // file must never be renamed into place.
        return Err(VfsError::SizeMismatch {
            path: step.dst.to_string(),
            expected: len,
            found: done,
        });
    }
    if let (Some(m), Some(setter)) = (step.entry.mtime, dst.features().set_mtime) {
        until_cancelled(&ctx.cancel, setter.set_mtime(tmp, m)).await?;
    }
    until_cancelled(&ctx.cancel, dst.stat(tmp)).await
}

/// Every `RECORD_POLL`, records the parts that wrote `SYNC_STEP` or more since their
/// last record, all in one record (one fdatasync). Driven by time rather than by the
/// writes, so a stream that stalls (or is killed while stalled) has its progress on
/// record within `RECORD_POLL`; and on a fast link records never cost more than one per
/// `RECORD_POLL`, whatever the speed. Runs until dropped.
async fn record_progress(sh: &Shared<'_>, resume: &Resume<'_>) -> std::convert::Infallible {
    let mut tick = tokio::time::interval(RECORD_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let due: Vec<(usize, u64)> = sh
            .written
            .iter()
            .zip(&sh.recorded)
            .enumerate()
            .filter_map(|(i, (written, recorded))| {
                let written = written.load(Ordering::Relaxed);
                (written >= recorded.load(Ordering::Relaxed).saturating_add(SYNC_STEP))
                    .then_some((i, written))
            })
            .collect();
        resume.record_many(&due).await;
        for (i, done) in due {
            sh.recorded[i].fetch_max(done, Ordering::Relaxed);
        }
    }
}

/// One worker first, more as the ramp asks (`jobs::ramp`), until every worker is done.
///
/// The round trip (the quicker of `stat_took` and the first stream's first bytes)
/// decides how the ramp starts. On a link (at least `LINK_RTT`), each connection is
/// usually capped well below the link, so `LINK_START` streams start as soon as the
/// first bytes arrive instead of climbing there one doubling (two windows) at a time;
/// when the job measured the link before (`link_known`), they start at once, with the
/// `stat` that checks the size. Below it, one stream stays alone unless its rate shows a cap (`ALONE_RATE`): on a
/// loopback or a LAN more streams only share the same CPU and disk.
async fn run_ramped(sh: &Shared<'_>, most: usize, stat_took: Duration, link_known: bool) {
    let mut running = FuturesUnordered::new();
    let early = if link_known { LINK_START.min(most) } else { 1 };
    for _ in 0..early {
        running.push(worker(sh));
    }
    // The window is sized from how long the first bytes take to arrive.
    let started = Instant::now();
    let base = sh.counted.load(Ordering::Relaxed);
    let mut poll = tokio::time::interval(FIRST_BYTE_POLL);
    let first_byte = loop {
        tokio::select! {
            done = running.next() => {
                if done.is_none() {
                    return;
                }
            }
            _ = poll.tick() => {
                if sh.counted.load(Ordering::Relaxed) > base {
                    break started.elapsed();
                }
            }
        }
    };
    let rtt = first_byte.min(stat_took);
    let window = ramp::window(first_byte);
    let mut ramp = if rtt >= LINK_RTT {
        let start = LINK_START.min(most).max(early);
        for _ in early..start {
            running.push(worker(sh));
        }
        Ramp::starting(start, most)
    } else {
        Ramp::new(most).alone_from(ALONE_RATE.saturating_mul(window.as_millis() as u64) / 1000)
    };
    tracing::debug!(
        path = %sh.step.src,
        rtt_ms = rtt.as_secs_f64() * 1e3,
        streams = ramp.streams(),
        "ranged download starts"
    );
    let mut tick = tokio::time::interval(window);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            done = running.next() => {
                if done.is_none() {
                    return;
                }
            }
            _ = tick.tick() => match ramp.tick(sh.counted.load(Ordering::Relaxed)) {
                RampStep::Add(n) => {
                    tracing::debug!(path = %sh.step.src, streams = ramp.streams(), "more streams");
                    for _ in 0..n {
                        running.push(worker(sh));
                    }
                }
                RampStep::Retire(n) => {
                    tracing::debug!(path = %sh.step.src, streams = ramp.streams(), "fewer streams");
                    sh.retire.fetch_add(n, Ordering::Relaxed);
                }
                RampStep::Hold => {}
            },
        }
    }
}

/// How often the ramp looks for the first bytes of a download.
const FIRST_BYTE_POLL: Duration = Duration::from_millis(5);
/// A round trip at least this long is a link (a loopback answers in well under 1 ms,
/// even on a loaded machine a few ms; a LAN 0.2–3 ms; a remote NAS 10–50 ms).
const LINK_RTT: Duration = Duration::from_millis(5);
/// Streams a download on a link starts with (four filled the bench's link: 16 MiB/s
/// per connection, 64 MiB/s in all; the ramp may still double them).
const LINK_START: usize = 4;
/// Bytes per second from which one stream below `LINK_RTT` is left alone: more than a
/// capped connection gives (the bench's link: 16 MiB/s), less than one loopback or
/// gigabit stream.
const ALONE_RATE: u64 = 48 << 20;

/// Takes parts in order until none is left, the download stops, or the ramp retires it.
async fn worker(sh: &Shared<'_>) {
    // Reused for every chunk of this worker (a fresh 1 MiB buffer per chunk costs page
    // faults each time).
    let mut buf = BytesMut::with_capacity(WRITE_CHUNK);
    loop {
        if sh.stop.is_cancelled() {
            return;
        }
        let retired = sh
            .retire
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
        if retired.is_ok() {
            return;
        }
        let i = sh.next.fetch_add(1, Ordering::Relaxed);
        let Some(part) = sh.parts.get(i) else { return };
        if part.done == part.end {
            continue;
        }
        if let Err(e) = fetch_part(sh, i, part.done..part.end, &mut buf).await {
            if !sh.stop.is_cancelled()
                && let Ok(mut f) = sh.failure.lock()
            {
                f.get_or_insert(e);
            }
            sh.stop.cancel();
            return;
        }
    }
}

/// Part `index` (its bytes `part` still to fetch), retried from its first unwritten
/// byte after a transient failure. The retry budget is per part and starts again
/// whenever an attempt made progress.
async fn fetch_part(
    sh: &Shared<'_>,
    index: usize,
    part: Range<u64>,
    buf: &mut BytesMut,
) -> VfsResult<()> {
    let mut patience = sh.ctx.patience();
    let mut pos = part.start;
    let mut progress = Progress { index };
    loop {
        let before = pos;
        let attempt = until_cancelled(
            &sh.stop,
            fetch_from(sh, &mut pos, part.end, buf, &mut progress),
        );
        let res = if patience.retries() == 0 {
            attempt.await
        } else {
            // A try after a failure: once its bytes are written, the job stops saying
            // "reconnecting" (it said so until the part's end, over a moving bar).
            tokio::pin!(attempt);
            tokio::select! {
                res = &mut attempt => res,
                () = flowing(&sh.written[index], before) => {
                    patience.underway();
                    attempt.await
                }
            }
        };
        match res {
            Ok(()) => return Ok(()),
            Err(_) if sh.stop.is_cancelled() => return Err(VfsError::Cancelled),
            Err(e) if e.is_transient() => {
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

/// Which part an attempt writes (its progress goes to `Shared::written`).
struct Progress {
    index: usize,
}

/// One attempt: streams `*pos..end` into the temporary file in `WRITE_CHUNK` writes,
/// moving `*pos` past every byte written (and counted) and into `Shared::written`
/// (recorded by `record_progress`; a finished part at once). The next chunk is read while the
/// last one is written, as the single-stream path does: one stream reading and
/// writing in turn was measured slower than the plain copy on loopback.
async fn fetch_from(
    sh: &Shared<'_>,
    pos: &mut u64,
    end: u64,
    buf: &mut BytesMut,
    progress: &mut Progress,
) -> VfsResult<()> {
    let ctx = sh.ctx;
    let reader = sh
        .ends
        .read
        .open_read_range(&sh.step.src, *pos, end - *pos)
        .await?;
    let mut reader: ByteReader = Box::pin(CancelReader::new(reader, sh.stop.clone()));
    let first = (end - *pos).min(WRITE_CHUNK as u64) as usize;
    let mut chunk = read_chunk(&mut reader, first, buf).await?;
    loop {
        let len = chunk.len() as u64;
        let after = (end - *pos - len).min(WRITE_CHUNK as u64) as usize;
        let write = write_in_turn(sh, *pos, chunk.clone());
        let (written, next) = if after > 0 {
            let (w, r) = tokio::join!(write, read_chunk(&mut reader, after, buf));
            (w, Some(r))
        } else {
            (write.await, None)
        };
        written?;
        // The writer dropped its handle: the buffer is ours again, without a copy.
        *buf = chunk.try_into_mut().unwrap_or_default();
        *pos += len;
        ctx.acct.add_bytes(len);
        sh.counted.fetch_add(len, Ordering::Relaxed);
        sh.written[progress.index].store(*pos, Ordering::Relaxed);
        if let Some(r) = sh.resume
            && *pos == end
        {
            // A finished part is recorded at once (the others by `record_progress`).
            r.record(progress.index, end).await;
            sh.recorded[progress.index].fetch_max(end, Ordering::Relaxed);
        }
        match next {
            None => return Ok(()),
            Some(read) => chunk = read?,
        }
    }
}

/// Writes `data` at `offset` of the temporary file when no other worker is writing.
async fn write_in_turn(sh: &Shared<'_>, offset: u64, data: Bytes) -> VfsResult<()> {
    let _turn = sh.write_turn.lock().await;
    sh.ends.write.write_at(sh.tmp, offset, data).await
}

/// Reads exactly `want` bytes into `buf` (emptied first) and hands them out; a stream
/// that ends first is a dropped connection (the bytes read are dropped too and fetched
/// again).
async fn read_chunk(reader: &mut ByteReader, want: usize, buf: &mut BytesMut) -> VfsResult<Bytes> {
    buf.clear();
    buf.reserve(want);
    while buf.len() < want {
        let mut limited = reader.take((want - buf.len()) as u64);
        let n = limited.read_buf(buf).await.map_err(read_error)?;
        if n == 0 {
            return Err(VfsError::Network("the server ended a range early".into()));
        }
    }
    // Taken whole (not `split`, which would leave `buf` holding a share of the memory
    // and so stop the caller from getting it back).
    Ok(std::mem::take(buf).freeze())
}

/// A read error keeps the backend's meaning when it carried a `VfsError` (a file that
/// changed on the server is not worth retrying); anything else is a dropped connection.
fn read_error(e: std::io::Error) -> VfsError {
    VfsError::from_body_read(e, || "reading a range".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_file_once_in_order() {
        for len in [MIN_SIZE, MIN_SIZE + 1, 1 << 30, (5 << 30) + 12345] {
            let ps = parts(len, STREAMS);
            assert_eq!(ps.first().unwrap().start, 0);
            assert_eq!(ps.last().unwrap().end, len);
            assert!(ps.windows(2).all(|w| w[0].end == w[1].start));
            assert!(
                ps.iter()
                    .all(|p| p.end - p.start <= PART_MAX && p.end > p.start)
            );
            assert!(ps.len() >= STREAMS, "{len}: {} parts", ps.len());
        }
    }

    #[test]
    fn slots_are_bounded_and_given_back() {
        let held: Vec<_> = std::iter::from_fn(Slot::take).take(MAX_FILES + 1).collect();
        assert_eq!(held.len(), MAX_FILES);
        drop(held);
        assert!(Slot::take().is_some());
    }

    #[test]
    fn read_errors_keep_a_backends_meaning() {
        let e = std::io::Error::other(VfsError::Protocol("changed".into()));
        assert!(matches!(read_error(e), VfsError::Protocol(_)));
        let e = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(read_error(e).is_transient());
    }
}
