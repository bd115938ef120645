//! The job journal: what a copy, move or sync set out to do and how far it got, kept in the
//! state folder so that a job interrupted by a quit, a crash, `kill -9` or a power cut
//! can be taken up again (a CLI rerun of the same command, or the commander's
//! "paused (restored)" jobs).
//!
//! # Format
//! One file per job, `<state>/jobs/<key>.journal` (folder 0700, file 0600), `key` = 16
//! hex digits of sha256 over the job's header (kind, places, sources, target folder,
//! new name, conflict rule), so the same command finds the same file. The file is a
//! sequence of lines, each `<16 hex digits> <JSON>\n`, the digits being the start of
//! sha256(JSON). The first line is the header (`{"job":{…}}`), written whole before
//! the file gets its name (temporary file, fsync, rename, fsync of the folder). Later
//! lines are appended, one `write` each:
//! * `{"planned":{"items":N}}`: the files the job counted once planning was over;
//! * `{"sync_plan":{"copies":[{"from":"a","items":[[SRC,DST],…]}],"deletes":[{"on":"b",
//!   "paths":[…]}]}}` (a sync only, written with the header, again when a rerun planned
//!   anew; the last one holds): the plan's ticked actions, so a resume runs them without
//!   comparing again — its copies (each verified one skipped, see `done`), then its
//!   deletes, only once every copy is verified;
//! * `{"done":{"src":"/a/b"}}`: that source's copy was verified at the target (for a
//!   move: and the source removed);
//! * `{"upload":{"dst":…,"id":…,"size":…,"mtime":…}}`: a chunked upload the NAS keeps
//!   for that target (QNAP `upload_id`), so a later run can go on from the NAS's
//!   offset while the source's size and mtime are unchanged;
//! * `{"partial":{"dst":…,"temp":…,"size":…,"mtime":…}}`: an upload written under
//!   the temporary name `temp` (in `dst`'s folder) that the NAS keeps when cut (the
//!   Freebox WebSocket upload), so a later run appends to it (`force: "resume"`) while
//!   the source's size and mtime are unchanged, and the stale sweep leaves it alone.
//!
//! A reader takes the lines up to the first one that is cut short or whose digits do
//! not match, and a writer reopening the file cuts it there first: a crash at any
//! instant leaves the file readable, losing at most the last marks (done marks are
//! not synced one by one; losing one only costs checking that file again).
//!
//! Places are names, never credentials: `local`, a profile name, or `user@http://host:port`.
//! The upload id is not a secret but is kept out of logs.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{ConflictPolicy, JobKind, JobSpec};
use crate::vfs::VPath;

/// The journal file's name ending.
const EXT: &str = "journal";

/// Where each end of a job lives, as names a later run can open again (never a
/// password, sid, token or a URL carrying one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPlaces {
    /// `local`, a profile name, or `user@http://host:port`.
    pub src: String,
    pub dst: String,
}

/// What a job set out to do: the first line of its journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobHeader {
    /// `copy` or `move`.
    pub kind: String,
    pub src: String,
    pub sources: Vec<String>,
    pub dst: String,
    pub dst_dir: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename_to: Option<String>,
    /// `ask`, `overwrite`, `skip`, `newer` or `rename`.
    pub conflict: String,
    /// A sync (kind `sync`): `src`/`sources[0]` are its end A, `dst`/`dst_dir` its end B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncHeader>,
}

/// What names a sync besides its two folders: the same `nascmd sync` command (or Sync
/// dialog) gives the same header, so a rerun finds the entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncHeader {
    /// `a-to-b`, `b-to-a` or `both`.
    pub way: String,
    /// Whether the plan may delete.
    pub delete: bool,
}

/// A sync's ticked actions as its journal keeps them (absolute paths at each end).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPlanRecord {
    /// One per direction, run in order.
    pub copies: Vec<SyncCopyRecord>,
    /// Run only once every copy is verified.
    pub deletes: Vec<SyncDeleteRecord>,
}

/// The copies of one direction: `from` is `a` or `b`; each item is (source, target).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCopyRecord {
    pub from: String,
    pub items: Vec<(String, String)>,
}

/// The deletes on one end (`a` or `b`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncDeleteRecord {
    pub on: String,
    pub paths: Vec<String>,
}

impl SyncPlanRecord {
    /// The files it copies.
    pub fn copy_count(&self) -> u64 {
        self.copies.iter().map(|c| c.items.len() as u64).sum()
    }

    /// Whether it copies `src`.
    fn copies_from(&self, src: &str) -> bool {
        self.copies
            .iter()
            .any(|c| c.items.iter().any(|(s, _)| s == src))
    }
}

impl JournalEntry {
    /// Takes `plan` as the sync's plan: done marks of files it does not copy (a rerun
    /// planned anew, without what is in sync now) no longer count.
    fn take_plan(&mut self, plan: SyncPlanRecord) {
        self.done.retain(|src| plan.copies_from(src));
        self.planned = Some(plan.copy_count());
        self.sync_plan = Some(plan);
    }
}

impl JobHeader {
    /// The header of a copy or move job; `None` for a delete (not journaled).
    pub fn of(spec: &JobSpec, places: &JobPlaces) -> Option<JobHeader> {
        let kind = match spec.kind {
            JobKind::Copy => "copy",
            JobKind::Move => "move",
            JobKind::Delete | JobKind::Sync => return None,
        };
        let (_, dst_dir) = spec.dst.as_ref()?;
        Some(JobHeader {
            kind: kind.to_owned(),
            src: places.src.clone(),
            sources: spec.sources.iter().map(|p| p.to_string()).collect(),
            dst: places.dst.clone(),
            dst_dir: dst_dir.to_string(),
            rename_to: spec.rename_to.clone(),
            conflict: conflict_name(spec.conflict).to_owned(),
            sync: None,
        })
    }

    /// The header of a sync between folder `a_dir` at place `a` and `b_dir` at `b`.
    pub fn of_sync(places: &JobPlaces, a_dir: &VPath, b_dir: &VPath, sync: SyncHeader) -> Self {
        JobHeader {
            kind: SYNC.to_owned(),
            src: places.src.clone(),
            sources: vec![a_dir.to_string()],
            dst: places.dst.clone(),
            dst_dir: b_dir.to_string(),
            rename_to: None,
            conflict: conflict_name(ConflictPolicy::Overwrite).to_owned(),
            sync: Some(sync),
        }
    }

    /// The job's kind, back from its name.
    pub fn job_kind(&self) -> JobKind {
        match self.kind.as_str() {
            "move" => JobKind::Move,
            SYNC => JobKind::Sync,
            _ => JobKind::Copy,
        }
    }

    /// The conflict rule, back from its name.
    pub fn conflict_policy(&self) -> ConflictPolicy {
        match self.conflict.as_str() {
            "overwrite" => ConflictPolicy::Overwrite,
            "skip" => ConflictPolicy::Skip,
            "newer" => ConflictPolicy::NewerOnly,
            "rename" => ConflictPolicy::RenameNew,
            _ => ConflictPolicy::Ask,
        }
    }

    /// 16 hex digits naming this job; the same command gives the same key.
    pub fn key(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex16(&json)
    }

    /// "Copy /a/b (nas) to /down (local)" for lists and messages (not escaped).
    pub fn describe(&self) -> String {
        if let Some(sync) = &self.sync {
            let a = (self.sources.first().map_or("/", String::as_str), &self.src);
            let b = (self.dst_dir.as_str(), &self.dst);
            let (from, to, arrow) = match sync.way.as_str() {
                "b-to-a" => (b, a, "→"),
                "both" => (a, b, "↔"),
                _ => (a, b, "→"),
            };
            return format!("Sync {} ({}) {arrow} {} ({})", from.0, from.1, to.0, to.1);
        }
        let verb = if self.kind == "move" { "Move" } else { "Copy" };
        let what = match self.sources.as_slice() {
            [one] => one.clone(),
            many => format!("{} items", many.len()),
        };
        format!(
            "{verb} {what} ({}) to {} ({})",
            self.src, self.dst_dir, self.dst
        )
    }
}

/// The place of a remote as the user typed it: `NAME` for `NAME:/path`, or
/// `scheme://user@host:port` for a URL form (which never holds a password: such a URL
/// is refused when parsed). `None` for anything else (a local path).
pub fn place_of_typed(typed: &str) -> Option<String> {
    if let Some((scheme, rest)) = typed.split_once("://") {
        let authority = rest.split('/').next().unwrap_or("");
        return Some(format!("{scheme}://{authority}"));
    }
    let (name, _) = typed.split_once(':')?;
    let profile_like = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    profile_like.then(|| name.to_owned())
}

/// What to open to reach `path` at `place` again (`local`, a profile, a URL form).
pub fn reopen_target(place: &str, path: &str) -> String {
    if place == LOCAL {
        path.to_owned()
    } else if place.contains("://") {
        format!("{place}{path}")
    } else {
        format!("{place}:{path}")
    }
}

/// The place name of the local disk.
pub const LOCAL: &str = "local";

/// The kind name of a sync's header.
const SYNC: &str = "sync";

fn conflict_name(c: ConflictPolicy) -> &'static str {
    match c {
        ConflictPolicy::Ask => "ask",
        ConflictPolicy::Overwrite => "overwrite",
        ConflictPolicy::Skip => "skip",
        ConflictPolicy::NewerOnly => "newer",
        ConflictPolicy::RenameNew => "rename",
    }
}

/// A chunked upload the NAS keeps, as the journal records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    /// The final path at the target.
    pub dst: String,
    /// The NAS's upload id.
    pub id: String,
    /// The source's size and mtime when the upload began.
    pub size: u64,
    pub mtime: Option<i64>,
}

/// An upload under a temporary name that the NAS keeps when it is cut (Freebox), as the
/// journal records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialRecord {
    /// The final path at the target.
    pub dst: String,
    /// The temporary file's name, in the final path's folder.
    pub temp: String,
    /// The source's size and mtime when the upload began.
    pub size: u64,
    pub mtime: Option<i64>,
}

/// One line of a journal.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Record {
    Job(JobHeader),
    Planned { items: u64 },
    Done { src: String },
    Upload(UploadRecord),
    Partial(PartialRecord),
    SyncPlan(SyncPlanRecord),
}

/// Everything a journal file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    pub path: PathBuf,
    pub header: JobHeader,
    /// Sources whose copy was verified.
    pub done: BTreeSet<String>,
    /// Files counted by the plan, once planning ended.
    pub planned: Option<u64>,
    /// Chunked uploads kept by the NAS, by final path.
    pub uploads: HashMap<String, UploadRecord>,
    /// Partial uploads under temporary names, by final path.
    pub partials: HashMap<String, PartialRecord>,
    /// A sync's plan (the last one written).
    pub sync_plan: Option<SyncPlanRecord>,
}

impl JournalEntry {
    /// "resuming: 3 of 10 items already done" (or "3 items" before the plan was known).
    pub fn resuming_line(&self) -> String {
        let n = self.done.len() as u64;
        match self.planned {
            Some(m) => format!("resuming: {n} of {m} items already done"),
            None => format!(
                "resuming: {} already done",
                crate::plural::count(n, "item", "items")
            ),
        }
    }

    /// What the entry left at each place it wrote to, for forgetting it: the target's
    /// place for a copy or move; for a sync, each end its copies went to (B→A copies
    /// leave their partials at A), judged by the plan's items, else by the end's folder.
    /// Each part holds only the partials and uploads of that place.
    pub fn by_target(&self) -> Vec<(String, JournalEntry)> {
        let h = &self.header;
        if h.sync.is_none() || h.src == h.dst {
            return vec![(h.dst.clone(), self.clone())];
        }
        let a_dir = h.sources.first().map_or("", String::as_str);
        let on_a = |dst: &str| {
            let planned = self.sync_plan.as_ref().and_then(|p| {
                p.copies
                    .iter()
                    .find(|c| c.items.iter().any(|(_, d)| d == dst))
                    .map(|c| c.from == "b")
            });
            planned.unwrap_or_else(|| under(dst, a_dir) && !under(dst, &h.dst_dir))
        };
        let part = |a: bool| JournalEntry {
            partials: self
                .partials
                .iter()
                .filter(|(dst, _)| on_a(dst) == a)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            uploads: self
                .uploads
                .iter()
                .filter(|(dst, _)| on_a(dst) == a)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            ..self.clone()
        };
        [(h.dst.clone(), part(false)), (h.src.clone(), part(true))]
            .into_iter()
            .filter(|(_, e)| !e.partials.is_empty() || !e.uploads.is_empty())
            .collect()
    }
}

/// Whether `path` is `dir` or below it.
fn under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The journal folder (`<state>/jobs`).
#[derive(Clone, Debug)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    pub fn at(dir: impl Into<PathBuf>) -> Journal {
        Journal { dir: dir.into() }
    }

    /// The user's journal: `$XDG_STATE_HOME/nascmd/jobs`.
    pub fn of_user() -> Journal {
        Journal::at(crate::config::state_dir().join("jobs"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, header: &JobHeader) -> PathBuf {
        self.dir.join(format!("{}.{EXT}", header.key()))
    }

    /// The entry a job with this header left, if any.
    pub fn find(&self, header: &JobHeader) -> Option<JournalEntry> {
        read_entry(&self.path_of(header)).filter(|e| &e.header == header)
    }

    /// Every entry in the folder (unreadable files are skipped), oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut found: Vec<(std::time::SystemTime, JournalEntry)> = rd
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == EXT))
            .filter_map(|e| {
                let when = e.metadata().and_then(|m| m.modified()).ok()?;
                Some((when, read_entry(&e.path())?))
            })
            .collect();
        found.sort_by_key(|(when, _)| *when);
        found.into_iter().map(|(_, e)| e).collect()
    }

    /// The transfer keys (`jobs::stale::temp_key`) of every temporary an entry of this
    /// folder records: partial files a paused job will continue, which the stale sweep
    /// leaves alone however old they are.
    pub fn owned_temp_keys(&self) -> HashSet<String> {
        self.entries()
            .iter()
            .flat_map(|e| e.partials.values())
            .filter_map(|p| super::stale::temp_key(&p.temp).map(str::to_owned))
            .collect()
    }

    /// Removes the entry of `header` (`--no-resume`, a forgotten job).
    pub fn forget(&self, header: &JobHeader) {
        remove_quietly(&self.path_of(header));
    }

    /// Opens the journal of a job: the one an earlier run left when `resume` (its
    /// marks kept), else a new one (an old one is dropped).
    pub fn open(&self, header: &JobHeader, resume: bool) -> std::io::Result<JobJournal> {
        self.open_with(header, resume, None)
    }

    /// [`Journal::open`], with a sync's plan: written with the header of a new entry
    /// (one atomic file), appended (synced) to an entry taken up again.
    pub fn open_with(
        &self,
        header: &JobHeader,
        resume: bool,
        plan: Option<&SyncPlanRecord>,
    ) -> std::io::Result<JobJournal> {
        private_dir(&self.dir)?;
        let path = self.path_of(header);
        let earlier = self.find(header);
        // Starting over: the uploads the NAS keeps for the dropped entry are still
        // to be removed there (`JobJournal::abandoned_upload`).
        let dropped_uploads = match (&earlier, resume) {
            (Some(e), false) => e.uploads.clone(),
            _ => HashMap::new(),
        };
        let entry = match earlier.filter(|_| resume) {
            Some(entry) => {
                // Cut a torn tail, so what is appended now follows a whole line.
                let good = good_length(&path)?;
                let f = File::options().write(true).open(&path)?;
                f.set_len(good)?;
                entry
            }
            None => {
                let mut lines = encode(&Record::Job(header.clone()))?;
                if let Some(plan) = plan {
                    lines.extend(encode(&Record::SyncPlan(plan.clone()))?);
                }
                crate::atomic_file::replace(&path, &lines)?;
                sync_dir(&self.dir);
                JournalEntry {
                    path: path.clone(),
                    header: header.clone(),
                    done: BTreeSet::new(),
                    uploads: HashMap::new(),
                    partials: HashMap::new(),
                    planned: plan.map(SyncPlanRecord::copy_count),
                    sync_plan: plan.cloned(),
                }
            }
        };
        let fresh = entry.sync_plan.as_ref() != plan;
        let mut file = File::options().append(true).open(&path)?;
        file.seek(std::io::SeekFrom::End(0))?;
        let journal = JobJournal {
            file: Mutex::new(Some(file)),
            state: Mutex::new(entry),
            dropped_uploads: Mutex::new(dropped_uploads),
        };
        if let Some(plan) = plan.filter(|_| fresh) {
            if let Ok(mut s) = journal.state.lock() {
                s.take_plan(plan.clone());
            }
            journal.append(&Record::SyncPlan(plan.clone()), true);
        }
        Ok(journal)
    }
}

/// An open journal of a running job; every method is best effort (a journal that
/// cannot be written costs a later resume, never the job).
pub struct JobJournal {
    /// `None` once the entry was removed.
    file: Mutex<Option<File>>,
    state: Mutex<JournalEntry>,
    /// Uploads of an entry dropped by starting over, by final path.
    dropped_uploads: Mutex<HashMap<String, UploadRecord>>,
}

impl JobJournal {
    /// What the journal held when it was opened, plus the marks since.
    pub fn snapshot(&self) -> Option<JournalEntry> {
        self.state.lock().ok().map(|s| s.clone())
    }

    /// The journal folder this entry lives in.
    pub fn folder(&self) -> Option<Journal> {
        let s = self.state.lock().ok()?;
        s.path.parent().map(Journal::at)
    }

    /// Whether an earlier run verified this source's copy.
    pub fn was_done(&self, src: &VPath) -> bool {
        self.state
            .lock()
            .is_ok_and(|s| s.done.contains(src.as_str()))
    }

    pub fn mark_done(&self, src: &VPath) {
        let fresh = self
            .state
            .lock()
            .is_ok_and(|mut s| s.done.insert(src.to_string()));
        if fresh {
            self.append(
                &Record::Done {
                    src: src.to_string(),
                },
                false,
            );
        }
    }

    pub fn note_planned(&self, items: u64) {
        if let Ok(mut s) = self.state.lock() {
            s.planned = Some(items);
        }
        self.append(&Record::Planned { items }, false);
    }

    /// The chunked upload an earlier run began for `dst`, if any.
    pub fn upload_for(&self, dst: &VPath) -> Option<UploadRecord> {
        self.state.lock().ok()?.uploads.get(dst.as_str()).cloned()
    }

    /// An upload of a dropped earlier entry (`--no-resume`) for `dst`, to be removed on
    /// the NAS; each is handed out once.
    pub fn abandoned_upload(&self, dst: &VPath) -> Option<UploadRecord> {
        self.dropped_uploads.lock().ok()?.remove(dst.as_str())
    }

    /// Records an upload the NAS keeps (synced: it is what a later run continues).
    pub fn note_upload(&self, record: UploadRecord) {
        if let Ok(mut s) = self.state.lock() {
            s.uploads.insert(record.dst.clone(), record.clone());
        }
        self.append(&Record::Upload(record), true);
    }

    /// The partial upload an earlier run began for `dst` under a temporary name.
    pub fn partial_for(&self, dst: &VPath) -> Option<PartialRecord> {
        self.state.lock().ok()?.partials.get(dst.as_str()).cloned()
    }

    /// Records an upload under a temporary name the NAS keeps when cut (synced: it is
    /// what a later run continues, and what the stale sweep must leave alone). A record
    /// equal to the one held is not written again.
    pub fn note_partial(&self, record: PartialRecord) {
        let fresh = self.state.lock().is_ok_and(|mut s| {
            s.partials.insert(record.dst.clone(), record.clone()) != Some(record.clone())
        });
        if fresh {
            self.append(&Record::Partial(record), true);
        }
    }

    /// Removes the journal file: the job finished (or was dismissed).
    pub fn remove(&self) {
        if let Ok(mut f) = self.file.lock() {
            *f = None;
        }
        if let Ok(s) = self.state.lock() {
            remove_quietly(&s.path);
        }
    }

    fn append(&self, record: &Record, sync: bool) {
        let Ok(line) = encode(record) else { return };
        let Ok(mut guard) = self.file.lock() else {
            return;
        };
        let Some(file) = guard.as_mut() else { return };
        // One write per line: a kill leaves whole lines; a power cut a torn tail
        // that readers skip.
        let written = file
            .write_all(&line)
            .and_then(|()| if sync { file.sync_data() } else { Ok(()) });
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not write the job journal");
        }
    }
}

fn hex16(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn encode(record: &Record) -> std::io::Result<Vec<u8>> {
    let json = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    let mut line = Vec::with_capacity(json.len() + 18);
    line.extend_from_slice(hex16(&json).as_bytes());
    line.push(b' ');
    line.extend_from_slice(&json);
    line.push(b'\n');
    Ok(line)
}

/// The record on one whole line, if its digits match.
fn decode(line: &[u8]) -> Option<Record> {
    let line = line.strip_suffix(b"\n")?;
    let (sum, json) = (line.get(..16)?, line.get(17..)?);
    if line.get(16) != Some(&b' ') || sum != hex16(json).as_bytes() {
        return None;
    }
    serde_json::from_slice(json).ok()
}

/// The good lines of a journal file and the length they cover.
fn good_lines(path: &Path) -> std::io::Result<(Vec<Record>, u64)> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut records = Vec::new();
    let mut good = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        match decode(&line) {
            Some(r) => {
                records.push(r);
                good += n as u64;
            }
            None => break, // a torn tail: everything after it is ignored
        }
    }
    Ok((records, good))
}

fn good_length(path: &Path) -> std::io::Result<u64> {
    good_lines(path).map(|(_, len)| len)
}

/// A journal file read back; `None` when it has no whole header.
pub fn read_entry(path: &Path) -> Option<JournalEntry> {
    let (records, _) = good_lines(path).ok()?;
    let mut records = records.into_iter();
    let Some(Record::Job(header)) = records.next() else {
        return None;
    };
    let mut entry = JournalEntry {
        path: path.to_owned(),
        header,
        done: BTreeSet::new(),
        planned: None,
        uploads: HashMap::new(),
        partials: HashMap::new(),
        sync_plan: None,
    };
    for r in records {
        match r {
            Record::Done { src } => {
                entry.done.insert(src);
            }
            Record::Planned { items } => entry.planned = Some(items),
            Record::Upload(u) => {
                entry.uploads.insert(u.dst.clone(), u);
            }
            Record::Partial(p) => {
                entry.partials.insert(p.dst.clone(), p);
            }
            Record::SyncPlan(plan) => entry.take_plan(plan),
            Record::Job(_) => {}
        }
    }
    Some(entry)
}

fn remove_quietly(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(error = %e, "could not remove a job journal");
    }
}

/// The journal folder, the owner's only.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        }
        Err(e) => Err(e),
    }
}

/// Makes a rename in `dir` durable (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn header() -> JobHeader {
        JobHeader {
            kind: "copy".into(),
            src: "nas".into(),
            sources: vec!["/Public/a".into(), "/Public/b".into()],
            dst: "local".into(),
            dst_dir: "/tmp/down".into(),
            rename_to: None,
            conflict: "ask".into(),
            sync: None,
        }
    }

    fn vp(s: &str) -> VPath {
        VPath::parse(s).unwrap()
    }

    #[test]
    fn marks_survive_a_reopen_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path().join("jobs"));
        let h = header();
        let j = journal.open(&h, true).unwrap();
        j.note_planned(7);
        j.mark_done(&vp("/Public/a/x"));
        j.note_upload(UploadRecord {
            dst: "/tmp/down/b".into(),
            id: "42".into(),
            size: 9,
            mtime: Some(3),
        });
        let partial = PartialRecord {
            dst: "/tmp/down/c".into(),
            temp: ".nascmd-part-0123456789abcdef-c".into(),
            size: 5,
            mtime: None,
        };
        j.note_partial(partial.clone());
        j.note_partial(partial.clone());
        drop(j);
        let entry = journal.find(&h).unwrap();
        assert_eq!(entry.partials["/tmp/down/c"], partial);
        let text = std::fs::read_to_string(&entry.path).unwrap();
        assert_eq!(text.matches("\"partial\"").count(), 1, "{text}");
        assert!(entry.done.contains("/Public/a/x"));
        assert_eq!(entry.planned, Some(7));
        assert_eq!(entry.uploads["/tmp/down/b"].id, "42");
        assert_eq!(entry.resuming_line(), "resuming: 1 of 7 items already done");
        let mode = std::fs::metadata(&entry.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dmode = std::fs::metadata(journal.dir())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dmode & 0o777, 0o700);

        let again = journal.open(&h, true).unwrap();
        assert!(again.was_done(&vp("/Public/a/x")));
        drop(again);
        let fresh = journal.open(&h, false).unwrap();
        assert!(!fresh.was_done(&vp("/Public/a/x")));
        fresh.remove();
        assert!(journal.find(&h).is_none());
        assert!(journal.entries().is_empty());
    }

    #[test]
    fn a_sync_entry_is_split_by_the_end_each_partial_is_at() {
        let places = JobPlaces {
            src: LOCAL.to_owned(),
            dst: "nas".to_owned(),
        };
        let sync = SyncHeader {
            way: "both".to_owned(),
            delete: false,
        };
        let header = JobHeader::of_sync(&places, &vp("/home/u/a"), &vp("/Public/b"), sync);
        let partial = |dst: &str| PartialRecord {
            dst: dst.to_owned(),
            temp: ".nascmd-part-0123456789abcdef-x".to_owned(),
            size: 1,
            mtime: None,
        };
        let entry = JournalEntry {
            path: PathBuf::new(),
            header,
            done: BTreeSet::new(),
            planned: None,
            uploads: HashMap::new(),
            // One planned B→A, one A→B, one only the folders tell (at A).
            partials: ["/home/u/a/x", "/Public/b/y", "/home/u/a/z"]
                .into_iter()
                .map(|d| (d.to_owned(), partial(d)))
                .collect(),
            sync_plan: Some(SyncPlanRecord {
                copies: vec![
                    SyncCopyRecord {
                        from: "b".to_owned(),
                        items: vec![("/Public/b/x".to_owned(), "/home/u/a/x".to_owned())],
                    },
                    SyncCopyRecord {
                        from: "a".to_owned(),
                        items: vec![("/home/u/a/y".to_owned(), "/Public/b/y".to_owned())],
                    },
                ],
                deletes: Vec::new(),
            }),
        };
        let parts = entry.by_target();
        let at = |place: &str| {
            let mut v: Vec<String> = parts
                .iter()
                .filter(|(p, _)| p == place)
                .flat_map(|(_, e)| e.partials.keys().cloned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(at(LOCAL), ["/home/u/a/x", "/home/u/a/z"]);
        assert_eq!(at("nas"), ["/Public/b/y"]);
        assert!(!under("/home/u/ab", "/home/u/a"));
    }

    #[test]
    fn a_torn_tail_is_ignored_and_cut_before_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path());
        let h = header();
        let j = journal.open(&h, true).unwrap();
        j.mark_done(&vp("/Public/a/1"));
        drop(j);
        let path = journal.find(&h).unwrap().path;
        // A crash in the middle of a line, then a line whose digits do not match.
        let mut f = File::options().append(true).open(&path).unwrap();
        f.write_all(b"0123456789abcdef {\"done\":{\"src\":\"/Pub")
            .unwrap();
        drop(f);
        assert_eq!(journal.find(&h).unwrap().done.len(), 1);
        let j = journal.open(&h, true).unwrap();
        j.mark_done(&vp("/Public/a/2"));
        drop(j);
        let entry = journal.find(&h).unwrap();
        assert_eq!(entry.done.len(), 2, "{entry:?}");
        let mut bad = std::fs::read(&path).unwrap();
        bad.extend_from_slice(b"ffffffffffffffff {\"done\":{\"src\":\"/x\"}}\n");
        std::fs::write(&path, bad).unwrap();
        assert_eq!(journal.find(&h).unwrap().done.len(), 2);
    }

    #[test]
    fn a_sync_keeps_its_plan_and_a_new_plan_drops_the_marks_it_does_not_copy() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::at(dir.path());
        let places = JobPlaces {
            src: "local".into(),
            dst: "nas".into(),
        };
        let sync = SyncHeader {
            way: "a-to-b".into(),
            delete: true,
        };
        let h = JobHeader::of_sync(&places, &vp("/src"), &vp("/Public/dst"), sync);
        assert_eq!(h.job_kind(), JobKind::Sync);
        assert_eq!(h.describe(), "Sync /src (local) → /Public/dst (nas)");
        let plan = SyncPlanRecord {
            copies: vec![SyncCopyRecord {
                from: "a".into(),
                items: vec![
                    ("/src/x".into(), "/Public/dst/x".into()),
                    ("/src/y".into(), "/Public/dst/y".into()),
                ],
            }],
            deletes: vec![SyncDeleteRecord {
                on: "b".into(),
                paths: vec!["/Public/dst/old".into()],
            }],
        };
        let j = journal.open_with(&h, true, Some(&plan)).unwrap();
        j.mark_done(&vp("/src/x"));
        drop(j);
        // The header and the plan are one write: a new entry is never without its plan.
        let entry = journal.find(&h).unwrap();
        assert_eq!(entry.sync_plan.as_ref(), Some(&plan));
        assert_eq!(entry.resuming_line(), "resuming: 1 of 2 items already done");
        // A resume of what the journal holds keeps plan and marks, and writes no plan.
        let j = journal.open_with(&h, true, None).unwrap();
        assert!(j.was_done(&vp("/src/x")));
        drop(j);
        let text = std::fs::read_to_string(&entry.path).unwrap();
        assert_eq!(text.matches("sync_plan").count(), 1, "{text}");
        // A rerun that planned anew (x is in sync now): only y is left to copy.
        let mut again = plan.clone();
        again.copies[0].items.remove(0);
        let j = journal.open_with(&h, true, Some(&again)).unwrap();
        assert!(!j.was_done(&vp("/src/x")));
        drop(j);
        let entry = journal.find(&h).unwrap();
        assert_eq!(entry.sync_plan, Some(again));
        assert_eq!(entry.resuming_line(), "resuming: 0 of 1 items already done");
        // A copy's header says nothing of syncs (its key is what it was).
        assert!(!serde_json::to_string(&header()).unwrap().contains("sync"));
    }

    #[test]
    fn places_round_trip_to_what_opens_them() {
        assert_eq!(place_of_typed("nas:/Public/a").as_deref(), Some("nas"));
        assert_eq!(
            place_of_typed("qnap://admin@h:8080/Public/a").as_deref(),
            Some("qnap://admin@h:8080")
        );
        assert_eq!(place_of_typed("/tmp/x"), None);
        assert_eq!(reopen_target("nas", "/Public"), "nas:/Public");
        assert_eq!(
            reopen_target("qnap://admin@h:8080", "/Public"),
            "qnap://admin@h:8080/Public"
        );
        assert_eq!(reopen_target("local", "/tmp"), "/tmp");
    }

    #[test]
    fn the_same_job_has_the_same_key_and_another_job_another() {
        let a = header();
        let mut b = header();
        b.dst_dir = "/tmp/other".into();
        assert_eq!(a.key(), header().key());
        assert_ne!(a.key(), b.key());
        assert_eq!(a.key().len(), 16);
    }
}
