//! Deciding what happens when a file of the same name exists at the target: the job's
//! `ConflictPolicy`, or the user's answer to a `JobEvent::Conflict` (which may apply to
//! all later conflicts of the job).

use tokio::sync::mpsc::UnboundedReceiver;

use super::ctx::JobCtx;
use super::{ConflictAnswer, ConflictPolicy, JobEvent};
use crate::vfs::{Entry, VPath, VfsError, VfsResult, check_name};

/// What to do with one conflicting item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Resolution {
    Overwrite,
    Skip,
    /// Write under this other (free) name in the same folder.
    WriteAs(String),
}

/// Resolves conflicts for one job, remembering an "apply to all" answer.
pub(crate) struct Resolver {
    policy: ConflictPolicy,
    answers: UnboundedReceiver<(ConflictAnswer, bool)>,
}

impl Resolver {
    pub fn new(policy: ConflictPolicy, answers: UnboundedReceiver<(ConflictAnswer, bool)>) -> Self {
        Resolver { policy, answers }
    }

    /// Decides for `target` (which exists as `existing`); `taken` says whether a name is
    /// already used in the target folder, for picking a free one.
    pub async fn resolve(
        &mut self,
        ctx: &JobCtx,
        target: &VPath,
        source: &Entry,
        existing: &Entry,
        taken: &(dyn Fn(&str) -> bool + Sync),
    ) -> VfsResult<Resolution> {
        let answer = match self.policy {
            ConflictPolicy::Overwrite => ConflictAnswer::Overwrite,
            ConflictPolicy::Skip => ConflictAnswer::Skip,
            ConflictPolicy::NewerOnly => ConflictAnswer::NewerOnly,
            ConflictPolicy::RenameNew => {
                return Ok(Resolution::WriteAs(free_name(target.name(), taken)));
            }
            ConflictPolicy::Ask => {
                let (answer, to_all) = self.ask(ctx, target, source, existing).await?;
                if to_all {
                    self.policy = match answer {
                        ConflictAnswer::Overwrite => ConflictPolicy::Overwrite,
                        ConflictAnswer::Skip => ConflictPolicy::Skip,
                        ConflictAnswer::NewerOnly => ConflictPolicy::NewerOnly,
                        ConflictAnswer::Rename(_) => ConflictPolicy::RenameNew,
                    };
                }
                answer
            }
        };
        Ok(match answer {
            ConflictAnswer::Overwrite => Resolution::Overwrite,
            ConflictAnswer::Skip => Resolution::Skip,
            ConflictAnswer::NewerOnly => newer_only(source, existing),
            ConflictAnswer::Rename(name) => {
                check_name(&name)?;
                if taken(&name) {
                    Resolution::WriteAs(free_name(&name, taken))
                } else {
                    Resolution::WriteAs(name)
                }
            }
        })
    }

    /// Sends the conflict to the app and waits for the answer (or the cancel).
    async fn ask(
        &mut self,
        ctx: &JobCtx,
        target: &VPath,
        source: &Entry,
        existing: &Entry,
    ) -> VfsResult<(ConflictAnswer, bool)> {
        let event = JobEvent::Conflict {
            id: ctx.id,
            target: target.clone(),
            source: source.clone(),
            existing: existing.clone(),
        };
        if ctx.events.send(event).is_err() {
            return Err(VfsError::Cancelled); // nobody can answer any more
        }
        tokio::select! {
            a = self.answers.recv() => a.ok_or(VfsError::Cancelled),
            _ = ctx.cancel.cancelled() => Err(VfsError::Cancelled),
        }
    }
}

/// Overwrite only a strictly older target; when either time is unknown, keep the target.
fn newer_only(source: &Entry, existing: &Entry) -> Resolution {
    match (source.mtime, existing.mtime) {
        (Some(s), Some(e)) if s > e => Resolution::Overwrite,
        _ => Resolution::Skip,
    }
}

/// `report.txt` → `report (1).txt`, `report (2).txt`, … the first one not taken. A
/// leading dot is not an extension (`.bashrc` → `.bashrc (1)`).
pub(crate) fn free_name(name: &str, taken: &(dyn Fn(&str) -> bool + Sync)) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    (1u64..)
        .map(|n| format!("{stem} ({n}){ext}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| format!("{stem} (copy){ext}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::EntryKind;

    fn file(mtime: i64) -> Entry {
        Entry {
            name: "f".into(),
            kind: EntryKind::File,
            size: 1,
            mtime: Some(mtime),
            mode: None,
            readonly: false,
        }
    }

    #[test]
    fn free_names_keep_the_extension() {
        let taken = |n: &str| ["a.txt", "a (1).txt"].contains(&n);
        assert_eq!(free_name("a.txt", &taken), "a (2).txt");
        assert_eq!(free_name(".bashrc", &|_| false), ".bashrc (1)");
        assert_eq!(free_name("folder", &|_| false), "folder (1)");
        assert_eq!(free_name("x.tar.gz", &|_| false), "x.tar (1).gz");
    }

    #[test]
    fn newer_only_overwrites_only_older_targets() {
        assert_eq!(newer_only(&file(10), &file(5)), Resolution::Overwrite);
        assert_eq!(newer_only(&file(5), &file(10)), Resolution::Skip);
        assert_eq!(newer_only(&file(5), &file(5)), Resolution::Skip);
    }
}
