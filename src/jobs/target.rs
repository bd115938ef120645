//! What a copy or move's typed target is, asked of the target's backend: a folder takes
//! the items inside it (as `cp -r src dir` and mc do), anything else is a new name for a
//! single item. Shared by the CLI (`get`, `put`, `cp`, `mv`) and the commander, which
//! asks when the target is not a folder either pane shows (F5 to a path typed by hand).

use crate::vfs::{EntryKind, VPath, VfsError, VfsHandle, VfsResult};

use super::retry_interactive;

/// What is at a typed target path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetAt {
    /// A folder: the items go inside it. For a local link to a folder, the folder it
    /// leads to (a job never follows links itself).
    Folder(VPath),
    /// A file (or a link to one, or a special file).
    Other,
    /// Nothing by that name.
    Missing,
}

/// Asks `vfs` what is at `path` (the interactive retry policy: a link that drops for a
/// moment is tried again). The root is always a folder.
pub async fn target_at(vfs: &VfsHandle, path: &VPath) -> VfsResult<TargetAt> {
    if path.is_root() {
        return Ok(TargetAt::Folder(path.clone()));
    }
    match retry_interactive(|| vfs.stat(path)).await {
        Ok(e) if e.is_dir() => Ok(TargetAt::Folder(path.clone())),
        // Only the local disk lists links.
        Ok(e) if e.kind == EntryKind::Symlink => {
            Ok(linked_folder(path).map_or(TargetAt::Other, TargetAt::Folder))
        }
        Ok(_) => Ok(TargetAt::Other),
        Err(VfsError::NotFound(_)) => Ok(TargetAt::Missing),
        Err(e) => Err(e),
    }
}

/// Where one item typed as `dir/name` goes: inside `dir/name` when that is a folder,
/// else into `dir` under `name`. A target that cannot be asked about keeps the name (the
/// job then meets the same error and reports it).
pub async fn single_item_target(
    vfs: &VfsHandle,
    dir: VPath,
    name: String,
) -> (VPath, Option<String>) {
    let Ok(path) = dir.join(&name) else {
        return (dir, Some(name)); // the job refuses the name and says why
    };
    match target_at(vfs, &path).await {
        Ok(TargetAt::Folder(folder)) => (folder, None),
        Ok(_) => (dir, Some(name)),
        Err(e) => {
            tracing::debug!(error = %e, "could not ask what the target is; taking it as a name");
            (dir, Some(name))
        }
    }
}

/// The folder the local link `path` leads to, if it leads to one.
fn linked_folder(path: &VPath) -> Option<VPath> {
    let real = std::fs::canonicalize(crate::vfs::local::local_path(path)).ok()?;
    if !real.is_dir() {
        return None;
    }
    VPath::parse(&crate::undecodable::from_os(real.as_os_str())).ok()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::vfs::local::LocalFs;

    fn vpath(p: &std::path::Path) -> VPath {
        VPath::parse(p.to_str().expect("utf-8 temp path")).expect("absolute path")
    }

    #[tokio::test]
    async fn a_folder_takes_the_item_inside_and_anything_else_is_a_name() {
        let tmp = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(tmp.path().join("back")).expect("folder");
        std::fs::write(tmp.path().join("file"), b"x").expect("file");
        std::os::unix::fs::symlink(tmp.path().join("back"), tmp.path().join("to-back"))
            .expect("link");
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        let dir = vpath(tmp.path());
        let at = |name: &str| single_item_target(&vfs, dir.clone(), name.to_owned());
        let back = dir.join("back").expect("a name");
        assert_eq!(at("back").await, (back.clone(), None));
        assert_eq!(at("to-back").await, (back, None));
        assert_eq!(at("file").await, (dir.clone(), Some("file".to_owned())));
        assert_eq!(at("new").await, (dir.clone(), Some("new".to_owned())));
    }
}
