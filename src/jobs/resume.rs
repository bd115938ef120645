//! Downloads that survive the process: a killed (or crashed, or powered-off) download
//! continues in the next run from the bytes known to be on disk, instead of starting
//! over under a new temporary name.
//!
//! Where the target makes written bytes durable (`Features::durable`, the local disk),
//! the temporary file gets a name derived from the transfer — `.nascmd-part-<key>-<name>`,
//! `key` a hash of the source backend's label, the source path and the target path — so
//! the next run of the same copy finds it without searching. Beside it, a small record
//! `.nascmd-part-<key>.resume` (JSON, 0600, replaced atomically) says what the temporary
//! holds: the source (backend label and path, never a secret), its size and mtime, the
//! target, and per range the end of the bytes written *and synced* from its start.
//! Progress is recorded at most every `SYNC_STEP` bytes per stream, after an fdatasync,
//! so a resumed download fetches at most that much per stream twice; a single stream
//! also waits `RECORD_EVERY` between records and skips one its remaining bytes would
//! outrun (see `record_stream`). A file below `SYNC_STEP` gets no record and no journal
//! line (it would never claim a byte), and a fresh download writes its first record with
//! its first claim: a record that claims nothing says what its absence says.
//!
//! The next run continues only when the record names the same source with the same size
//! and mtime; otherwise (or with `--no-resume`) the old temporary and record are removed
//! and the copy starts over. The record goes once the file is renamed into place.
//!
//! Uploads onto a NAS that keeps a cut upload and appends to it (`Features::append`
//! without `durable`: the Freebox's WebSocket upload, `force: "resume"`) resume the
//! same way when the job is journaled ([`NasPartial`]): the temporary gets the keyed
//! name, the journal records it with the source's size and mtime (there is no place
//! on the NAS for a record), and the next run asks the NAS how much it kept
//! (`Append::held_len`) and sends only the rest.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::ctx::JobCtx;
use super::journal::{JournalEntry, PartialRecord};
use super::plan::FileStep;
use super::transfer::{NAME_MAX, TEMP_PREFIX};
use crate::vfs::{
    Durable, REPLACING_SUFFIX, UploadId, UploadTarget, VPath, VfsError, VfsHandle, VfsResult,
};

/// Bytes a stream writes between two records of its progress (each costs an fdatasync
/// and a record replacement): what a resumed download may fetch twice, per stream.
pub(crate) const SYNC_STEP: u64 = 4 << 20;
/// Suffix of the record beside the temporary file.
pub const RECORD_SUFFIX: &str = ".resume";
/// A record is a few hundred bytes; anything much larger is not ours.
const RECORD_MAX: u64 = 64 << 10;
const RECORD_VERSION: u32 = 1;
/// How often a single stream's progress is looked at (recorded only past `SYNC_STEP`).
pub(crate) const RECORD_POLL: Duration = Duration::from_millis(200);
/// Least time between two records of a single stream. A record costs an fdatasync,
/// which on ext4 writes out every dirty page of the file (and, through the journal
/// commit, other files' too): on a fast loopback one record cost more disk time than
/// the whole download took (docs/PERFORMANCE.md, session 9), while fetching again
/// what one second brought costs about a second.
pub(crate) const RECORD_EVERY: Duration = Duration::from_secs(1);

/// What the record beside a temporary file says (its on-disk format).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub version: u32,
    /// The source backend's label (`Vfs::label`: kind, user, host; no secret).
    pub source: String,
    pub path: String,
    pub size: u64,
    pub mtime: Option<i64>,
    /// The final path at the target.
    pub target: String,
    /// The temporary file's name (in the target's folder).
    pub temp: String,
    /// Written as parallel ranges in a full-size file (`jobs::ranged`), or as one
    /// stream from the start.
    pub parallel: bool,
    pub ranges: Vec<RangeDone>,
}

/// One range of the file and how far from its start the bytes are written and synced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RangeDone {
    pub start: u64,
    pub end: u64,
    pub done: u64,
}

impl RangeDone {
    pub fn fresh(range: std::ops::Range<u64>) -> Self {
        RangeDone {
            start: range.start,
            end: range.end,
            done: range.start,
        }
    }
}

/// The resume state of one file transfer.
pub(crate) struct Resume<'a> {
    durable: &'a dyn Durable,
    dst: VfsHandle,
    pub temp: VPath,
    record_path: VPath,
    /// The transfer as this run sees it (ranges empty until `begin`).
    current: Mutex<Record>,
    /// What the previous run left, when it matches this transfer.
    found: Option<Record>,
    /// One record replacement at a time (each writes the whole state).
    write_turn: Arc<tokio::sync::Mutex<()>>,
    /// Whether this run wrote a record (else `finish` has nothing to remove).
    wrote: AtomicBool,
}

impl<'a> Resume<'a> {
    /// The resume state of `step`, or `None` where the target cannot make bytes durable
    /// (then the transfer uses a random temporary name and starts over after a crash).
    /// Anything left by an earlier run that does not match (or everything, when
    /// `ctx.resume` is off) is removed here.
    pub async fn prepare(ctx: &'a JobCtx, step: &FileStep) -> VfsResult<Option<Resume<'a>>> {
        let dst = ctx.dst_vfs();
        let Some(durable) = dst.features().durable else {
            return Ok(None);
        };
        let key = transfer_key(&ctx.src.label(), &step.src, &step.dst);
        let temp = temp_path_for(&step.dst, &key)?;
        let record_path = step.dst.parent().join(&record_name(&key))?;
        let current = Record {
            version: RECORD_VERSION,
            source: ctx.src.label(),
            path: step.src.to_string(),
            size: step.entry.size,
            mtime: step.entry.mtime,
            target: step.dst.to_string(),
            temp: temp.name().to_owned(),
            parallel: false,
            ranges: Vec::new(),
        };
        // Journaled, so the stale sweep keeps it while the job is paused. Not a file
        // below one step: it never gets a progress record (`record_stream`), so its
        // synced journal line would cost more than fetching it again. (It keeps the
        // keyed name: the next run finds what a kill left and removes it.)
        if let Some(journal) = ctx
            .journal
            .as_ref()
            .filter(|_| step.entry.size >= SYNC_STEP)
        {
            journal.note_partial(PartialRecord {
                dst: step.dst.to_string(),
                temp: temp.name().to_owned(),
                size: step.entry.size,
                mtime: step.entry.mtime,
            });
        }
        let mut resume = Resume {
            durable,
            dst: dst.clone(),
            temp,
            record_path,
            current: Mutex::new(current),
            found: None,
            write_turn: Arc::new(tokio::sync::Mutex::new(())),
            wrote: AtomicBool::new(false),
        };
        let previous = match ctx.resume {
            true => resume.read_previous().await,
            false => None,
        };
        match previous {
            Some(found) => {
                tracing::info!(path = %step.src, "found the partial download of an earlier run");
                resume.found = Some(found);
            }
            None => resume.discard().await,
        }
        Ok(Some(resume))
    }

    /// The previous run's record, when it describes this very transfer and its
    /// temporary file is still there.
    async fn read_previous(&self) -> Option<Record> {
        let text = read_small(&self.dst, &self.record_path).await.ok()?;
        let found: Record = serde_json::from_slice(&text).ok()?;
        let current = self.current.lock().ok()?.clone();
        let same = found.version == RECORD_VERSION
            && (&found.source, &found.path, found.size, found.mtime)
                == (&current.source, &current.path, current.size, current.mtime)
            && (&found.target, &found.temp) == (&current.target, &current.temp)
            && covers(&found.ranges, found.size);
        if !same {
            tracing::info!(path = %current.path, "an earlier partial download is stale");
            return None;
        }
        let on_disk = self.dst.stat(&self.temp).await.ok()?;
        let enough = match found.parallel {
            true => on_disk.size == found.size,
            false => found.ranges.iter().all(|r| on_disk.size >= r.done),
        };
        enough.then_some(found)
    }

    /// The ranges the previous run recorded, when it wrote the same way (`parallel`).
    pub fn previous(&self, parallel: bool) -> Option<&[RangeDone]> {
        let found = self.found.as_ref()?;
        (found.parallel == parallel).then_some(found.ranges.as_slice())
    }

    /// Synced bytes of the previous run's single stream, with the temporary file cut
    /// back to them (its tail may not have reached the disk before a power loss).
    pub async fn previous_stream(&self) -> u64 {
        let done = match self.previous(false) {
            Some([only]) if only.start == 0 => only.done,
            _ => return 0,
        };
        match self.durable.truncate(&self.temp, done).await {
            Ok(()) => done,
            Err(e) => {
                tracing::info!(path = %self.temp, error = %e, "cannot cut a partial file back, starting over");
                0
            }
        }
    }

    /// Starts recording this run's layout (and the progress it starts from). A record
    /// that cannot be written costs only the resume, never the download: it is logged.
    /// A fresh download (nothing claimed, no earlier record) writes none yet: without a
    /// record the next run starts over, which is what a record claiming nothing would
    /// make it do, and the first `record` writes the layout with its first claim.
    pub async fn begin(&self, parallel: bool, ranges: Vec<RangeDone>) {
        let claims = ranges.iter().any(|r| r.done > r.start);
        if let Ok(mut current) = self.current.lock() {
            current.parallel = parallel;
            current.ranges = ranges;
        }
        if !claims && self.found.is_none() {
            return;
        }
        if let Err(e) = self.write_record().await {
            tracing::warn!(path = %self.record_path, error = %e, "cannot record download progress");
        }
    }

    /// Records that range `index` has its bytes up to `done` written: they are synced
    /// first, then the record replaced.
    pub async fn record(&self, index: usize, done: u64) {
        let synced = self.durable.sync_data(&self.temp).await;
        if let Err(e) = synced {
            tracing::warn!(path = %self.temp, error = %e, "cannot sync a partial download");
            return;
        }
        if let Ok(mut current) = self.current.lock()
            && let Some(range) = current.ranges.get_mut(index)
        {
            range.done = range.done.max(done.min(range.end));
        }
        if let Err(e) = self.write_record().await {
            tracing::warn!(path = %self.record_path, error = %e, "cannot record download progress");
        }
    }

    /// `record` for several ranges at once: one sync, one replacement of the record.
    pub async fn record_many(&self, done: &[(usize, u64)]) {
        if done.is_empty() {
            return;
        }
        let synced = self.durable.sync_data(&self.temp).await;
        if let Err(e) = synced {
            tracing::warn!(path = %self.temp, error = %e, "cannot sync a partial download");
            return;
        }
        if let Ok(mut current) = self.current.lock() {
            for &(index, done) in done {
                if let Some(range) = current.ranges.get_mut(index) {
                    range.done = range.done.max(done.min(range.end));
                }
            }
        }
        if let Err(e) = self.write_record().await {
            tracing::warn!(path = %self.record_path, error = %e, "cannot record download progress");
        }
    }

    /// Follows a single stream writing the temporary file from its start: once
    /// `counted` (bytes read for it) passed another `SYNC_STEP` and `RECORD_EVERY`
    /// went by since the last record, the bytes the file holds are synced and recorded
    /// — unless the rest of the file arrives within `RECORD_EVERY` at the rate of the
    /// last poll (the record would protect less than it costs). Runs until dropped.
    pub async fn record_stream(&self, counted: &AtomicU64) -> Infallible {
        let len = self.current.lock().map_or(u64::MAX, |c| c.size);
        let mut recorded = counted.load(Ordering::Relaxed);
        let mut recorded_at = Instant::now();
        let (mut seen, mut seen_at) = (recorded, recorded_at);
        let mut tick = tokio::time::interval(RECORD_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = counted.load(Ordering::Relaxed);
            let recent = (now.saturating_sub(seen), seen_at.elapsed());
            (seen, seen_at) = (now, Instant::now());
            if now < recorded.saturating_add(SYNC_STEP) || recorded_at.elapsed() < RECORD_EVERY {
                continue;
            }
            if arrives_within(len.saturating_sub(now), recent, RECORD_EVERY) {
                continue;
            }
            // What the writer has handed to the file so far (it may hold a buffer more
            // than that; those bytes are not claimed).
            if let Ok(written) = self.dst.stat(&self.temp).await {
                self.record(0, written.size).await;
                recorded = written.size;
                recorded_at = Instant::now();
            }
        }
    }

    /// Replaces the record with the current state. The replacement runs as a task of
    /// its own that holds the turn until it is done: a caller dropped midway (a cancel)
    /// cannot leave a write landing after `finish` or `discard` removed the record.
    async fn write_record(&self) -> VfsResult<()> {
        let turn = self.write_turn.clone().lock_owned().await;
        self.wrote.store(true, Ordering::Relaxed);
        let json = match self.current.lock() {
            Ok(current) => serde_json::to_vec_pretty(&*current)
                .map_err(|e| VfsError::Protocol(format!("resume record: {e}")))?,
            Err(_) => return Ok(()),
        };
        let (dst, path) = (self.dst.clone(), self.record_path.clone());
        let replacing = tokio::spawn(async move {
            let _turn = turn;
            match dst.features().durable {
                Some(durable) => durable.replace_private(&path, Bytes::from(json)).await,
                None => Ok(()),
            }
        });
        replacing
            .await
            .map_err(|e| VfsError::Protocol(format!("resume record: {e}")))?
    }

    /// The file is in place: its record goes.
    pub async fn finish(&self) {
        let _turn = self.write_turn.lock().await;
        // No record of this run's, and `prepare` removed any an earlier run left.
        if !self.wrote.load(Ordering::Relaxed) && self.found.is_none() {
            return;
        }
        remove_quietly(&self.dst, &self.record_path).await;
        self.remove_half_replaced().await;
    }

    /// Removes the temporary file and its record (best effort).
    pub async fn discard(&self) {
        let _turn = self.write_turn.lock().await;
        remove_quietly(&self.dst, &self.temp).await;
        remove_quietly(&self.dst, &self.record_path).await;
        self.remove_half_replaced().await;
    }

    /// A replacement of the record that a kill interrupted.
    async fn remove_half_replaced(&self) {
        let name = format!("{}{REPLACING_SUFFIX}", self.record_path.name());
        if let Ok(path) = self.record_path.parent().join(&name) {
            remove_quietly(&self.dst, &path).await;
        }
    }
}

/// Smallest file whose upload to a NAS is made resumable across runs: below it, sending
/// the file again costs less than the synced journal line and the question to the NAS.
pub(crate) const NAS_RESUME_MIN: u64 = 4 << 20;

/// A streamed upload's temporary on a NAS that keeps cut uploads, in a journaled job:
/// its keyed name and the bytes an earlier run left there that this run continues
/// (see the module doc).
pub(crate) struct NasPartial {
    pub temp: VPath,
    /// Bytes of the source already on the NAS (0: a fresh upload, which replaces
    /// whatever the NAS kept under that name).
    pub start: u64,
}

impl NasPartial {
    /// `None` where it does not apply: a job without journal, a file under
    /// `NAS_RESUME_MIN`, a target that makes bytes durable itself (`Resume`) or cannot
    /// append, a source that cannot be read from an offset. Otherwise the temporary is recorded in the journal before any
    /// byte goes.
    pub async fn prepare(ctx: &JobCtx, step: &FileStep) -> Option<NasPartial> {
        let journal = ctx.journal.as_ref()?;
        let features = ctx.dst_vfs().features();
        let applies = step.entry.size >= NAS_RESUME_MIN
            && features.durable.is_none()
            && features.append.is_some()
            && ctx.src.features().read_range.is_some();
        if !applies {
            return None;
        }
        let key = transfer_key(&ctx.src.label(), &step.src, &step.dst);
        let temp = temp_path_for(&step.dst, &key).ok()?;
        let record = PartialRecord {
            dst: step.dst.to_string(),
            temp: temp.name().to_owned(),
            size: step.entry.size,
            mtime: step.entry.mtime,
        };
        let same_source = journal.partial_for(&step.dst).as_ref() == Some(&record);
        let start = match ctx.resume && same_source {
            true => {
                let dst = ctx.dst_vfs().clone();
                let held = ctx
                    .retry(|| resumable_offset(&dst, &temp, record.size))
                    .await;
                held.unwrap_or(0)
            }
            false => 0,
        };
        if start > 0 {
            tracing::info!(path = %step.src, start, "continuing the upload an earlier run began");
        }
        journal.note_partial(record);
        Some(NasPartial { temp, start })
    }
}

/// Where a transfer into `tmp` (of a `len`-byte file) can go on from: the bytes the
/// target holds for it (`Append::held_len`, else its size), or 0 when that is
/// unknown, too long, or a complete partial that does not show under its name (it
/// could not be renamed into place).
pub(crate) async fn resumable_offset(dst: &VfsHandle, tmp: &VPath, len: u64) -> VfsResult<u64> {
    let held = match dst.features().append {
        Some(append) => append.held_len(tmp).await?,
        None => None,
    };
    let held = match held {
        Some(n) => n,
        None => match dst.stat(tmp).await {
            Ok(e) => e.size,
            Err(VfsError::NotFound(_)) => 0,
            Err(e) => return Err(e),
        },
    };
    if held < len {
        return Ok(held);
    }
    let visible = dst.stat(tmp).await.is_ok_and(|e| e.size == len);
    Ok(if held == len && visible { len } else { 0 })
}

/// Removes a temporary on the target and what the target keeps of a cut upload to it
/// (best effort).
pub(crate) async fn discard_temp(dst: &VfsHandle, tmp: &VPath) {
    remove_quietly(dst, tmp).await;
    if let Some(append) = dst.features().append
        && let Err(e) = append.discard_partial(tmp).await
    {
        tracing::warn!(path = %tmp, error = %e, "could not drop a partial upload");
    }
}

/// Removes at `dst` everything a journal entry's unfinished transfers left there: the
/// partial files it records (with a download's resume record, and what a NAS keeps of
/// a cut upload) and the chunked uploads the NAS keeps (abandoned). For a job the user
/// forgets: nothing will continue them. Best effort; returns what was dropped.
pub async fn discard_partials(dst: &VfsHandle, entry: &JournalEntry) -> Discarded {
    let mut dropped = Discarded::default();
    for partial in entry.partials.values() {
        let Ok(target) = VPath::parse(&partial.dst) else {
            continue;
        };
        let Ok(temp) = target.parent().join(&partial.temp) else {
            continue;
        };
        // Counted when it was there to remove (a Freebox may hold a cut upload apart
        // from the name).
        let held = match dst.features().append {
            Some(append) => append.held_len(&temp).await.ok().flatten(),
            None => None,
        };
        match (dst.stat(&temp).await, held) {
            (Ok(found), _) => {
                dropped.files += 1;
                dropped.bytes += found.size;
            }
            (Err(_), Some(len)) if len > 0 => {
                dropped.files += 1;
                dropped.bytes += len;
            }
            _ => {}
        }
        discard_temp(dst, &temp).await;
        if let Some(key) = super::stale::temp_key(&partial.temp)
            && let Ok(record) = target.parent().join(&record_name(key))
        {
            remove_quietly(dst, &record).await;
            let replacing = format!("{}{REPLACING_SUFFIX}", record.name());
            if let Ok(half) = target.parent().join(&replacing) {
                remove_quietly(dst, &half).await;
            }
        }
    }
    if let Some(up) = dst.features().atomic_upload {
        for upload in entry.uploads.values() {
            let Ok(path) = VPath::parse(&upload.dst) else {
                continue;
            };
            let target = UploadTarget {
                path,
                len: upload.size,
                mtime: upload.mtime,
                overwrite: false,
            };
            match up
                .abandon_upload(&UploadId(upload.id.clone()), &target)
                .await
            {
                Ok(()) => dropped.files += 1,
                Err(VfsError::NotFound(_)) => {}
                Err(e) => {
                    tracing::warn!(path = %target.path, error = %e, "could not abandon an upload")
                }
            }
        }
    }
    dropped
}

/// What [`discard_partials`] removed: temporary files (a partial and its resume record
/// count as one; a chunked upload the NAS kept counts as one) and the bytes of those
/// whose size could be seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Discarded {
    pub files: usize,
    pub bytes: u64,
}

/// Whether `remaining` bytes arrive within `within` at the rate of `recent` (bytes
/// that came over a span of time).
fn arrives_within(remaining: u64, recent: (u64, Duration), within: Duration) -> bool {
    let (bytes, over) = recent;
    // remaining / (bytes / over) < within, without dividing.
    (remaining as u128) * over.as_micros() < (bytes as u128) * within.as_micros()
}

/// The ranges cover `0..size` once, in order, each with its progress inside it.
fn covers(ranges: &[RangeDone], size: u64) -> bool {
    let mut at = 0;
    for r in ranges {
        if r.start != at || r.end < r.start || r.done < r.start || r.done > r.end {
            return false;
        }
        at = r.end;
    }
    at == size && !ranges.is_empty()
}

async fn read_small(vfs: &VfsHandle, path: &VPath) -> VfsResult<Vec<u8>> {
    let reader = vfs.open_read(path, 0).await?;
    let mut out = Vec::new();
    reader
        .take(RECORD_MAX)
        .read_to_end(&mut out)
        .await
        .map_err(|e| VfsError::io(path.to_string(), e))?;
    Ok(out)
}

async fn remove_quietly(vfs: &VfsHandle, path: &VPath) {
    if let Err(e) = vfs.remove(path).await
        && !matches!(e, VfsError::NotFound(_))
    {
        tracing::warn!(path = %path, error = %e, "could not remove a temporary file");
    }
}

/// 16 hex digits naming one transfer (source backend + path → target path), the same
/// in every run.
pub fn transfer_key(source_label: &str, src: &VPath, dst: &VPath) -> String {
    let mut h = Sha256::new();
    for part in [source_label, src.as_str(), dst.as_str()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `.nascmd-part-<key>-<name>`, cut to fit `NAME_MAX`.
pub fn temp_path_for(dst: &VPath, key: &str) -> VfsResult<VPath> {
    let prefix = format!("{TEMP_PREFIX}{key}-");
    let mut name = dst.name().to_owned();
    while prefix.len() + name.len() > NAME_MAX {
        name.pop();
    }
    dst.parent().join(&format!("{prefix}{name}"))
}

/// `.nascmd-part-<key>.resume`.
pub fn record_name(key: &str) -> String {
    format!("{TEMP_PREFIX}{key}{RECORD_SUFFIX}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_tell_transfers_apart() {
        let src = VPath::parse("/Public/big.iso").unwrap();
        let dst = VPath::parse("/home/u/big.iso").unwrap();
        let k = transfer_key("qnap u@h", &src, &dst);
        assert_eq!(k.len(), 16);
        assert_eq!(k, transfer_key("qnap u@h", &src, &dst));
        assert_ne!(k, transfer_key("qnap v@h", &src, &dst));
        let other = VPath::parse("/home/u/other.iso").unwrap();
        assert_ne!(k, transfer_key("qnap u@h", &src, &other));
        let t = temp_path_for(&dst, &k).unwrap();
        assert_eq!(t.name(), format!("{TEMP_PREFIX}{k}-big.iso"));
        let long = VPath::parse(&format!("/t/{}", "é".repeat(127))).unwrap();
        assert!(temp_path_for(&long, &k).unwrap().name().len() <= NAME_MAX);
    }

    #[test]
    fn a_record_is_skipped_only_when_the_rest_comes_sooner() {
        let poll = Duration::from_millis(200);
        let second = Duration::from_secs(1);
        // 100 MiB in the last 200 ms: 400 MiB more come within a second, 600 do not.
        assert!(arrives_within(400 << 20, (100 << 20, poll), second));
        assert!(!arrives_within(600 << 20, (100 << 20, poll), second));
        // A stalled stream always records.
        assert!(!arrives_within(1, (0, poll), second));
        assert!(arrives_within(0, (1, poll), second));
    }

    #[test]
    fn only_ranges_covering_the_file_are_believed() {
        let r = |start, end, done| RangeDone { start, end, done };
        assert!(covers(&[r(0, 10, 4), r(10, 20, 20)], 20));
        assert!(!covers(&[r(0, 10, 4)], 20));
        assert!(!covers(&[r(0, 10, 11), r(10, 20, 10)], 20));
        assert!(!covers(&[r(0, 10, 4), r(12, 20, 12)], 20));
        assert!(!covers(&[], 0));
    }
}
