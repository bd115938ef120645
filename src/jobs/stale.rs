//! Nothing left behind: temporaries of nascmd's own naming that an earlier run left in a
//! folder (a kill, a crash, a power cut) are removed once they are clearly abandoned.
//!
//! The rule, for one folder: a file whose name starts with `TEMP_PREFIX` (a partial
//! file `.nascmd-part-<key>-<name>`, its resume record `.nascmd-part-<key>.resume`, or
//! the record's own temporary) belongs to the transfer `<key>`. All files of a key are
//! removed together when none of them changed for `STALE_AFTER` and no transfer of the
//! running job owns the key (`keep`: those are resumed or replaced by the transfer
//! itself). Anything else — other people's files, nascmd's fresh temporaries, folders,
//! entries without a time — is never touched.
//!
//! A key is also kept while any entry of the job journal records a temporary of it
//! (`Journal::owned_temp_keys`): a paused job's partial download or upload is what it
//! continues when resumed, however old. Forgetting the job removes those temporaries
//! (`resume::discard_partials`).
//!
//! The same sweep runs in a folder a pane or `ls` lists when the listing shows such a
//! temporary (`looks_abandoned`, `sweep_listed`).
//!
//! It goes through the `Vfs` seam only (list + remove), so the same rule serves a NAS
//! folder: on a NAS target the first `NAS_FOLDERS_MAX` folders a job writes into are
//! swept (each costs a listing), except on one that assembles uploads itself (QNAP),
//! where nascmd writes no temporary.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;

use futures_util::StreamExt;

use super::JobEvent;
use super::ctx::JobCtx;
use super::plan::Step;
use super::resume::transfer_key;
use super::transfer::TEMP_PREFIX;
use crate::vfs::{EntryKind, VPath, Vfs, VfsError, VfsResult};

/// How long a temporary must have been left alone before it counts as abandoned: far
/// longer than any transfer stalls without writing.
pub const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// Most folders swept per job on a target without `durable` (a NAS), where each one is
/// a listing over the network: a `put -r` of thousands of folders pays for a few.
pub const NAS_FOLDERS_MAX: usize = 32;

/// What one sweep removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Names removed from the folder.
    pub names: Vec<String>,
    /// Their total size: the space that came back.
    pub bytes: u64,
}

/// The transfer key of a name of nascmd's temporary naming (`None`: not ours). A name
/// of that prefix without a key is a group of its own.
pub fn temp_key(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(TEMP_PREFIX)?;
    let end = rest.find(['-', '.']).unwrap_or(rest.len());
    match &rest[..end] {
        "" => Some(name),
        key => Some(key),
    }
}

/// Removes the abandoned temporaries of `dir` (see the module doc); `now` is the
/// current time in seconds since the epoch. A temporary that cannot be removed is
/// logged and left; the listing failing is the only error.
pub async fn sweep(
    vfs: &dyn Vfs,
    dir: &VPath,
    keep: &HashSet<String>,
    now: i64,
) -> VfsResult<Swept> {
    let cutoff = now.saturating_sub(STALE_AFTER.as_secs() as i64);
    // key -> (newest mtime of its files, the files with their sizes)
    let mut groups: BTreeMap<String, (i64, Vec<(String, u64)>)> = BTreeMap::new();
    let mut pages = vfs.list(dir).await?;
    while let Some(page) = pages.next().await {
        for entry in page? {
            if entry.kind != EntryKind::File {
                continue;
            }
            let Some(key) = temp_key(&entry.name) else {
                continue;
            };
            // Without a time nothing says it is old.
            let mtime = entry.mtime.unwrap_or(i64::MAX);
            let group = groups
                .entry(key.to_owned())
                .or_insert((i64::MIN, Vec::new()));
            group.0 = group.0.max(mtime);
            group.1.push((entry.name, entry.size));
        }
    }
    let mut swept = Swept::default();
    for (key, (newest, files)) in groups {
        if newest > cutoff || keep.contains(&key) {
            continue;
        }
        for (name, size) in files {
            let path = dir.join(&name)?;
            match vfs.remove(&path).await {
                Ok(()) => {
                    swept.bytes += size;
                    swept.names.push(name);
                }
                Err(VfsError::NotFound(_)) => {}
                Err(e) => {
                    tracing::warn!(path = %path, error = %e, "could not remove a stale temporary");
                }
            }
        }
    }
    if !swept.names.is_empty() {
        tracing::info!(dir = %dir, files = swept.names.len(), bytes = swept.bytes, "removed stale temporaries");
    }
    Ok(swept)
}

/// Whether a listed entry is one the sweep would remove if no journal owns it: a file of
/// our temporary naming left alone for `STALE_AFTER` (`cutoff` = now minus that). A
/// pane or `ls` sweeps a folder only when its listing showed one, so an ordinary
/// listing costs nothing more.
pub fn looks_abandoned(entry: &crate::vfs::Entry, cutoff: i64) -> bool {
    entry.kind == EntryKind::File
        && temp_key(&entry.name).is_some()
        && entry.mtime.is_some_and(|m| m <= cutoff)
}

/// The cutoff for [`looks_abandoned`], now.
pub fn abandoned_before() -> i64 {
    now_secs().saturating_sub(STALE_AFTER.as_secs() as i64)
}

/// After a pane or `ls` listed `dir` and saw abandoned temporaries: sweeps it, keeping
/// what any entry of `journal` records (a paused job continues those).
pub async fn sweep_listed(
    vfs: &dyn Vfs,
    dir: &VPath,
    journal: Option<super::journal::Journal>,
) -> VfsResult<Swept> {
    // Reading the journal's files is blocking I/O.
    let keep = tokio::task::spawn_blocking(move || {
        journal.map(|j| j.owned_temp_keys()).unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    sweep(vfs, dir, &keep, now_secs()).await
}

/// Before a job's files move: sweeps the folders they go to (every one on a durable
/// target, the local disk; the first `NAS_FOLDERS_MAX` on a NAS), keeping the
/// temporaries this job's own transfers will resume and those any journal entry
/// records. What was removed is told as a `JobEvent::StaleRemoved` per folder.
pub(crate) async fn sweep_job_folders(ctx: &JobCtx, steps: &[Step]) {
    let dst = ctx.dst_vfs();
    let features = dst.features();
    if features.durable.is_none() && features.atomic_upload.is_some() {
        // A NAS that assembles uploads itself (QNAP chunked upload) gets no temporary
        // of ours: its partial uploads live in its own cache (`upload::earlier_upload`).
        return;
    }
    let label = ctx.src.label();
    let mut folders = BTreeSet::new();
    let mut keep = HashSet::new();
    for step in steps {
        if let Step::File(f) = step {
            folders.insert(f.dst.parent());
            keep.insert(transfer_key(&label, &f.src, &f.dst));
        }
    }
    if let Some(journal) = ctx.journal.as_ref().and_then(|j| j.folder()) {
        keep.extend(journal.owned_temp_keys());
    }
    let most = match dst.features().durable {
        Some(_) => usize::MAX,
        None => NAS_FOLDERS_MAX,
    };
    let now = now_secs();
    for folder in folders.into_iter().take(most) {
        if ctx.cancel.is_cancelled() {
            return;
        }
        match sweep(dst.as_ref(), &folder, &keep, now).await {
            Ok(swept) if !swept.names.is_empty() => {
                let _ = ctx.events.send(JobEvent::StaleRemoved {
                    id: ctx.id,
                    folder,
                    names: swept.names,
                    bytes: swept.bytes,
                });
            }
            Ok(_) => {}
            Err(e) => tracing::debug!(dir = %folder, error = %e, "no sweep of stale temporaries"),
        }
    }
}

/// How the front ends tell a sweep: "removed 2 stale temporary files from /x (1.5 GiB
/// freed)", the folder made safe for a terminal.
pub fn describe(folder: &VPath, files: usize, bytes: u64) -> String {
    format!(
        "removed {} from {} ({} freed)",
        crate::plural::count(
            files as u64,
            "stale temporary file",
            "stale temporary files"
        ),
        crate::names::escape(folder.as_str()),
        humansize::format_size(bytes, humansize::BINARY)
    )
}

/// Seconds since the epoch, now.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_naming_has_a_key() {
        assert_eq!(temp_key(".nascmd-part-00ff-a.txt"), Some("00ff"));
        assert_eq!(temp_key(".nascmd-part-00ff.resume"), Some("00ff"));
        assert_eq!(temp_key(".nascmd-part-00ff.resume.x1Yz"), Some("00ff"));
        assert_eq!(temp_key(".nascmd-part-x-old"), Some("x"));
        assert_eq!(temp_key(".nascmd-part--a"), Some(".nascmd-part--a"));
        assert_eq!(temp_key("notours.part"), None);
        assert_eq!(temp_key("nascmd-part-00ff-a"), None);
    }
}
