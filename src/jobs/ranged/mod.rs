//! One big file fetched over several connections at once where one connection does not
//! fill the link, each stream writing its bytes in place in the temporary file. Used by
//! `transfer::stream_copy` when the source reads ranges (`Features::read_range`) and
//! the target writes at offsets (`Features::write_at`).
//!
//! A download starts as ONE plain request for the whole body, written as fast as the
//! single-stream path (the next chunk is read while the last one is written). Every few
//! milliseconds the ramp (`jobs::ramp`) looks at the bytes each stream received; when
//! a second connection measurably adds to the total, it starts more, each taking the
//! back half of the largest part nobody has asked for yet (`layout`): the first
//! request is then cut where the bytes another stream owns begin. On a link one stream
//! fills (a quiet loopback), the download stays one stream. A stream that finishes its
//! part takes half of another's; a part that fails transiently is fetched again from its
//! first unwritten byte. Bytes are counted for progress once, when written. The
//! temporary file has its full size from the start, so completeness comes from every
//! part having all its bytes written, never from the size alone. A server that turns
//! out to ignore ranges makes the caller fall back to one plain stream.
//!
//! With a resume record (`jobs::resume`), the parts and their synced progress are
//! recorded as they go, and a later run continues every part from its recorded point in
//! the same full-size temporary file.

mod layout;
mod worker;

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::Mutex as AsyncMutex;
use tokio_util::sync::CancellationToken;

use super::cancel::until_cancelled;
use super::ctx::JobCtx;
use super::plan::FileStep;
use super::ramp::{Ramp, Step as RampStep};
use super::resume::{RECORD_POLL, Resume, SYNC_STEP};
use crate::vfs::{Entry, ReadRange, VPath, VfsError, VfsResult, WriteAt};
use layout::Layout;
use worker::worker;

/// Smallest file fetched this way: below this, a few more requests and connections are
/// not worth it (see docs/PERFORMANCE.md).
pub(crate) const MIN_SIZE: u64 = 64 << 20;
/// Most connections per file. A download starts with one and doubles while the total
/// grows (`jobs::ramp`), so this is reached only on a link whose connections are each
/// capped well below what the whole link carries.
pub(crate) const STREAMS: usize = 8;
/// Fixes the stream count instead (1 turns parallel ranges off), so
/// benches/transfer.sh can compare stream counts with one build.
const STREAMS_ENV: &str = "NASCMD_RANGED_STREAMS";
/// Bytes read from a stream before they are written in one positional write: large
/// enough that the hand-off to the blocking pool is rare, small enough that two
/// buffers per stream stay a few MiB in all.
const WRITE_CHUNK: usize = 1 << 20;
/// Most bytes asked for in one request (except the first, plain one, for the whole
/// body): another stream may take a part's rest only past its open request, so nothing
/// is fetched twice; a new request on the kept-alive connection costs a round trip.
const REQUEST_MAX: u64 = 16 << 20;
/// Smallest piece a stream takes from another (each costs a request and a round trip;
/// smaller pieces would shorten the end, where one stream finishes alone).
const STEAL_MIN: u64 = 512 << 10;
/// The ramp stops growing when less than this is left per stream.
const LEFT_PER_STREAM: u64 = 4 << 20;
/// How often the ramp samples the bytes received.
const SAMPLE: Duration = Duration::from_millis(5);
/// A record is written at least this often while bytes arrive, even below `SYNC_STEP`
/// (so a download that stalls has its last bytes recorded).
const RECORD_CATCH_UP: Duration = Duration::from_secs(1);
/// Files fetched in parallel at the same time across the process (with `--jobs N`, the
/// others stream plainly), bounding connections and buffer memory.
const MAX_FILES: usize = 2;

static FILES_RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Copies `step.src` into `tmp` this way when this transfer allows it.
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

/// The two ends of a parallel download, as their features.
#[derive(Clone, Copy)]
struct Ends<'a> {
    read: &'a dyn ReadRange,
    write: &'a dyn WriteAt,
}

/// What the streams of one file share.
struct Shared<'a> {
    ctx: &'a JobCtx,
    ends: Ends<'a>,
    step: &'a FileStep,
    tmp: &'a VPath,
    /// Which stream fetches which bytes, and how far each part is written.
    layout: Mutex<Layout>,
    resume: Option<&'a Resume<'a>>,
    /// Streams numbered this or above stop after the bytes they asked for (the ramp
    /// took them back).
    allowed: AtomicUsize,
    /// Bytes each stream received so far, as they arrive (what the ramp measures).
    arrived: Vec<AtomicU64>,
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

impl Shared<'_> {
    fn layout(&self) -> MutexGuard<'_, Layout> {
        self.layout.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn retired(&self, id: usize) -> bool {
        id >= self.allowed.load(Ordering::Relaxed)
    }

    /// Stops every stream because of `e` (the first failure wins).
    fn fail(&self, e: VfsError) {
        if !self.stop.is_cancelled()
            && let Ok(mut f) = self.failure.lock()
        {
            f.get_or_insert(e);
        }
        self.stop.cancel();
    }
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
    let before = until_cancelled(&ctx.cancel, ctx.src.stat(&step.src)).await?;
    if before.size != len {
        return Err(VfsError::SizeMismatch {
            path: step.src.to_string(),
            expected: len,
            found: before.size,
        });
    }
    // An earlier run's parts continue where their synced bytes end, in its file.
    let layout = match resume.and_then(|r| r.previous(true)) {
        Some(previous) => Layout::resumed(previous),
        None => {
            until_cancelled(&ctx.cancel, ends.write.create_sized(tmp, len)).await?;
            Layout::fresh(len)
        }
    };
    let already = layout.written_total();
    counted.fetch_add(already, Ordering::Relaxed);
    ctx.acct.add_bytes(already);
    if let Some(r) = resume {
        r.begin(true, layout.ranges()).await;
    }
    let shared = Shared {
        ctx,
        ends,
        step,
        tmp,
        layout: Mutex::new(layout),
        resume,
        allowed: AtomicUsize::new(1),
        arrived: (0..streams.most).map(|_| AtomicU64::new(0)).collect(),
        stop: ctx.cancel.child_token(),
        failure: Mutex::new(None),
        write_turn: AsyncMutex::new(()),
        counted,
    };
    tracing::debug!(path = %step.src, "ranged download");
    // The streams run in this task (the socket reads and disk writes they wait on run
    // elsewhere), and all of them have stopped before this returns: no write can land
    // after the caller removed the temporary file.
    run(&shared, streams).await;
    if ctx.cancel.is_cancelled() {
        return Err(VfsError::Cancelled);
    }
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
    if done != len || !shared.layout().complete() {
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

/// Runs the streams until every byte is written or the download stops: one stream
/// first and more as the ramp asks (`jobs::ramp`), or the fixed count at once; the
/// resume record follows meanwhile.
async fn run(sh: &Shared<'_>, streams: Streams) {
    let first = if streams.ramp { 1 } else { streams.most };
    sh.allowed.store(first, Ordering::Relaxed);
    let mut running = FuturesUnordered::new();
    for id in 0..first {
        running.push(worker(sh, id));
    }
    let mut ramp = streams.ramp.then(|| Ramp::new(streams.most));
    let started = Instant::now();
    let mut sample = tokio::time::interval(SAMPLE);
    sample.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let recording = record_progress(sh);
    tokio::pin!(recording);
    loop {
        tokio::select! {
            done = running.next() => {
                if done.is_some() {
                    continue;
                }
                // Every stream stopped. Bytes given back by retired streams after the
                // others ran out of work are still to fetch: one more stream does it.
                if sh.stop.is_cancelled() || sh.layout().complete() {
                    return;
                }
                sh.allowed.fetch_max(1, Ordering::Relaxed);
                running.push(worker(sh, 0));
            }
            _ = sample.tick(), if ramp.is_some() => {
                let Some(r) = ramp.as_mut() else { continue };
                if sh.layout().unclaimed() < 2 * r.streams() as u64 * LEFT_PER_STREAM {
                    r.settle();
                }
                let arrived: Vec<u64> = sh.arrived.iter().map(|a| a.load(Ordering::Relaxed)).collect();
                match r.observe(started.elapsed(), &arrived) {
                    RampStep::Add(n) => {
                        tracing::debug!(path = %sh.step.src, streams = r.streams(), at = ?started.elapsed(), "more streams");
                        sh.allowed.store(r.streams(), Ordering::Relaxed);
                        for id in r.streams() - n..r.streams() {
                            running.push(worker(sh, id));
                        }
                    }
                    RampStep::Retire(_) => {
                        tracing::debug!(path = %sh.step.src, streams = r.streams(), at = ?started.elapsed(), "fewer streams");
                        sh.allowed.store(r.streams(), Ordering::Relaxed);
                    }
                    RampStep::Hold => {}
                }
                if r.settled() {
                    tracing::debug!(path = %sh.step.src, streams = r.streams(), at = ?started.elapsed(), "streams settled");
                    ramp = None;
                }
            }
            never = &mut recording => match never {},
        }
    }
}

/// Keeps the resume record up to date while the streams run: every `RECORD_POLL`, once
/// `SYNC_STEP` more bytes are written (or `RECORD_CATCH_UP` passed with any), one
/// fdatasync of the file and one record of every part. On a fast link a record per
/// stream per step would cost more than the download; at most this much work is redone
/// after a crash, whatever the speed.
async fn record_progress(sh: &Shared<'_>) -> Infallible {
    let Some(resume) = sh.resume else {
        return std::future::pending().await;
    };
    let mut tick = tokio::time::interval(RECORD_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut recorded = sh.layout().written_total();
    let mut last = Instant::now();
    loop {
        tick.tick().await;
        // Taken before the sync: these bytes are written, so the sync covers them.
        let (ranges, total) = {
            let layout = sh.layout();
            (layout.ranges(), layout.written_total())
        };
        let fresh = total.saturating_sub(recorded);
        if fresh >= SYNC_STEP || (fresh > 0 && last.elapsed() >= RECORD_CATCH_UP) {
            resume.record_layout(ranges).await;
            recorded = total;
            last = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_given_back() {
        let held: Vec<_> = std::iter::from_fn(Slot::take).take(MAX_FILES + 1).collect();
        assert_eq!(held.len(), MAX_FILES);
        drop(held);
        assert!(Slot::take().is_some());
    }
}
