//! Refusing impossible requests before a job is queued: nothing selected, a folder
//! copied into itself, a file copied onto itself, deleting the root.

use super::ctx::same_backend;
use super::{ItemError, JobKind, JobSpec};
use crate::vfs::check_name;

/// Checks a job request without touching any backend; the error says what is wrong
/// (the app can show it in place of starting the job).
pub fn check_spec(spec: &JobSpec) -> Result<(), ItemError> {
    let refuse = |path: String, message: &str| {
        Err(ItemError {
            path,
            message: message.to_owned(),
        })
    };
    if spec.sources.is_empty() {
        return refuse(String::new(), "nothing selected");
    }
    if let Some(name) = &spec.rename_to {
        if spec.sources.len() != 1 {
            return refuse(name.clone(), "a new name applies to one item only");
        }
        if let Err(e) = check_name(name) {
            return refuse(crate::names::escape(name).into_owned(), &e.to_string());
        }
    }
    if spec.kind == JobKind::Sync {
        return refuse(String::new(), "a sync runs as a sync job");
    }
    if spec.kind == JobKind::Delete {
        if let Some(root) = spec.sources.iter().find(|p| p.is_root()) {
            return refuse(root.to_string(), "the root folder cannot be deleted");
        }
        return Ok(());
    }
    let Some((dst_vfs, dst_dir)) = &spec.dst else {
        return refuse(String::new(), "no target folder");
    };
    if !same_backend(&spec.src, dst_vfs) {
        return Ok(());
    }
    for src in &spec.sources {
        if src.is_root() {
            return refuse(src.to_string(), "the root folder cannot be copied or moved");
        }
        let name = spec.rename_to.as_deref().unwrap_or(src.name());
        if src.parent() == *dst_dir && src.name() == name {
            return refuse(src.to_string(), "source and target are the same");
        }
        if dst_dir.starts_with(src) {
            return refuse(src.to_string(), "a folder cannot be copied into itself");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::ConflictPolicy;
    use crate::vfs::{VPath, VfsHandle, local::LocalFs};
    use std::sync::Arc;

    fn spec(kind: JobKind, sources: &[&str], dst: Option<&str>) -> JobSpec {
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        JobSpec {
            kind,
            src: vfs.clone(),
            sources: sources.iter().map(|s| VPath::parse(s).unwrap()).collect(),
            dst: dst.map(|d| (vfs, VPath::parse(d).unwrap())),
            rename_to: None,
            conflict: ConflictPolicy::Ask,
        }
    }

    #[test]
    fn impossible_requests_are_refused() {
        let bad = [
            spec(JobKind::Copy, &["/a"], Some("/a/b")),
            spec(JobKind::Move, &["/a"], Some("/a")),
            spec(JobKind::Copy, &["/a/f"], Some("/a")),
            spec(JobKind::Copy, &[], Some("/x")),
            spec(JobKind::Copy, &["/a"], None),
            spec(JobKind::Delete, &["/"], None),
        ];
        for s in &bad {
            assert!(check_spec(s).is_err(), "{:?} accepted", s.sources);
        }
        let mut renamed = spec(JobKind::Copy, &["/a/f"], Some("/a"));
        renamed.rename_to = Some("g".into());
        assert!(check_spec(&renamed).is_ok());
        renamed.rename_to = Some("../g".into());
        assert!(check_spec(&renamed).is_err());
        assert!(check_spec(&spec(JobKind::Copy, &["/a"], Some("/ab"))).is_ok());
    }
}
