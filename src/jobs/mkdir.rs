//! Making a path of folders, as `mkdir -p` does: the commander's F7 with `a/b` and
//! `nascmd mkdir -p`, on any backend through the `Vfs` core (a `stat` per folder that
//! may be there, a `mkdir` per one that is not). One use case for both front ends.

use super::retry::{mkdir_interactive, retry_interactive};
use crate::vfs::{VPath, VfsError, VfsHandle, VfsResult};

/// Whether the last folder of the path may be there already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LastFolder {
    /// `mkdir -p`: a folder already there is fine.
    MayExist,
    /// F7: the user asked for a new folder; one already there fails `AlreadyExists`.
    MustBeNew,
}

/// What [`mkdir_parents`] did: the first folder it made (the top one of those it made,
/// `None` when it made none) and how it ended. A failure part-way leaves the folders
/// made before it, and says which was first, so the caller can show them.
#[derive(Debug)]
pub struct MadeFolders {
    pub first: Option<VPath>,
    pub outcome: VfsResult<()>,
}

/// Makes `path` and every missing folder between `base` (a folder that exists, above
/// `path`) and it, from the top. Folders on the way that are there already are used;
/// anything else in the way (a file) fails the call, as does a `..`-free `path` that is
/// not below `base`. Each call is retried like [`retry_interactive`]; a `mkdir` whose
/// answer was lost counts as done ([`mkdir_interactive`]).
pub async fn mkdir_parents(
    vfs: &VfsHandle,
    base: &VPath,
    path: &VPath,
    last: LastFolder,
) -> MadeFolders {
    let mut first = None;
    let outcome = make(vfs, base, path, last, &mut first).await;
    MadeFolders { first, outcome }
}

async fn make(
    vfs: &VfsHandle,
    base: &VPath,
    path: &VPath,
    last: LastFolder,
    first: &mut Option<VPath>,
) -> VfsResult<()> {
    let Some(rel) = path.strip_prefix(base) else {
        return Err(VfsError::InvalidName(format!("{path} is not below {base}")));
    };
    if rel.is_empty() {
        // The base itself, which exists.
        return match last {
            LastFolder::MayExist => Ok(()),
            LastFolder::MustBeNew => Err(VfsError::AlreadyExists(path.to_string())),
        };
    }
    let names: Vec<&str> = rel.split('/').collect();
    let mut cur = base.clone();
    for (i, name) in names.iter().enumerate() {
        cur = cur.join(name)?;
        let is_last = i + 1 == names.len();
        // Below a folder just made nothing can be there; the last one, when it must be
        // new, is made without asking first (one request, as a plain mkdir).
        let may_be_there = first.is_none() && !(is_last && last == LastFolder::MustBeNew);
        if may_be_there {
            match retry_interactive(|| vfs.stat(&cur)).await {
                Ok(e) if e.is_dir() => continue,
                Ok(_) => return Err(not_a_folder(&cur)),
                Err(VfsError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        match mkdir_interactive(vfs, &cur).await {
            Ok(()) => {
                first.get_or_insert_with(|| cur.clone());
            }
            // Made meanwhile by someone else: a folder on the way is a folder.
            Err(VfsError::AlreadyExists(what)) if !is_last || last == LastFolder::MayExist => {
                match retry_interactive(|| vfs.stat(&cur)).await {
                    Ok(e) if e.is_dir() => {}
                    Ok(_) => return Err(not_a_folder(&cur)),
                    Err(_) => return Err(VfsError::AlreadyExists(what)),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A file where a folder of the path should be.
fn not_a_folder(path: &VPath) -> VfsError {
    VfsError::io(
        path.to_string(),
        std::io::Error::from(std::io::ErrorKind::NotADirectory),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::vfs::local::LocalFs;

    fn vp(p: &std::path::Path) -> VPath {
        VPath::parse(p.to_str().unwrap()).unwrap()
    }

    #[tokio::test]
    async fn makes_the_missing_folders_from_the_top_and_names_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        let base = vp(tmp.path());
        std::fs::create_dir(tmp.path().join("a")).unwrap();
        let made = mkdir_parents(
            &vfs,
            &base,
            &base.join_rel("a/b/c").unwrap(),
            LastFolder::MustBeNew,
        )
        .await;
        made.outcome.unwrap();
        assert_eq!(made.first, Some(base.join_rel("a/b").unwrap()));
        assert!(tmp.path().join("a/b/c").is_dir());

        // Again: the last one is there. F7 says so, `mkdir -p` is content.
        let path = base.join_rel("a/b/c").unwrap();
        let again = mkdir_parents(&vfs, &base, &path, LastFolder::MustBeNew).await;
        assert!(
            matches!(again.outcome, Err(VfsError::AlreadyExists(_))),
            "{again:?}"
        );
        assert_eq!(again.first, None);
        let p = mkdir_parents(&vfs, &base, &path, LastFolder::MayExist).await;
        assert!(p.outcome.is_ok() && p.first.is_none(), "{p:?}");
    }

    #[tokio::test]
    async fn a_file_on_the_way_fails_saying_it_is_not_a_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        let base = vp(tmp.path());
        std::fs::write(tmp.path().join("f"), b"x").unwrap();
        let made = mkdir_parents(
            &vfs,
            &base,
            &base.join_rel("f/b").unwrap(),
            LastFolder::MayExist,
        )
        .await;
        let err = made.outcome.unwrap_err().user_message();
        assert!(
            err.contains("/f") && err.contains("not a directory"),
            "{err}"
        );
        assert!(made.first.is_none());
        // Not below the base: refused before anything is asked.
        let outside = mkdir_parents(&vfs, &base, &base.parent(), LastFolder::MayExist).await;
        assert!(matches!(outside.outcome, Err(VfsError::InvalidName(_))));
    }
}
