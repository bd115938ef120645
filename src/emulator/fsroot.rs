//! Mapping wire paths onto the emulator's root folder without ever leaving it.
//!
//! Every path a client sends goes through [`FsRoot::resolve`]: NUL, `..` (also after
//! percent-decoding, which the HTTP layer has already done), and symlinks that point
//! outside the root are refused. The result is a real path under the canonical root,
//! which is only ever handed to the confined calls of `confined.rs` (never to
//! `std::fs`): the check here gives each API its own refusal status, the confined calls
//! make it hold at the moment of the call.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Why a wire path was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PathRefused {
    #[error("illegal name")]
    IllegalName,
    #[error("path leaves the root")]
    Escapes,
}

/// The emulator's root folder: its canonical path (to map wire paths) and the folder
/// itself, opened once, beneath which every file-system call resolves (`confined.rs`).
#[derive(Clone, Debug)]
pub struct FsRoot {
    root: PathBuf,
    dir: Arc<cap_std::fs::Dir>,
}

impl FsRoot {
    /// `root` must exist; it is canonicalised and opened once here (the only use of
    /// ambient authority: everything else is relative to this folder).
    pub fn new(root: impl AsRef<Path>) -> io::Result<Self> {
        let root = root.as_ref().canonicalize()?;
        let dir = cap_std::fs::Dir::open_ambient_dir(&root, cap_std::ambient_authority())?;
        Ok(FsRoot {
            root,
            dir: Arc::new(dir),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(super) fn confined_dir(&self) -> &cap_std::fs::Dir {
        &self.dir
    }

    /// Resolves a `/`-separated wire path (leading `/` optional) to a real path under the
    /// root. The target itself need not exist (mkdir, upload), but every existing
    /// ancestor is checked after following symlinks.
    pub fn resolve(&self, wire: &str) -> Result<PathBuf, PathRefused> {
        let real = self.root.join(lexical(wire)?);
        self.check_inside(&real)?;
        Ok(real)
    }

    /// Like [`FsRoot::resolve`], but the last component is taken as the entry itself, not
    /// followed: a link there (pointing anywhere, or nowhere) is the thing to delete,
    /// rename, stat or replace. Its folder must still be inside the root.
    pub fn resolve_entry(&self, wire: &str) -> Result<PathBuf, PathRefused> {
        let rel = lexical(wire)?;
        match rel.file_name() {
            Some(name) => {
                let parent = rel.parent().unwrap_or(Path::new(""));
                let dir = self.root.join(parent);
                self.check_inside(&dir)?;
                Ok(dir.join(name))
            }
            None => self.resolve(wire),
        }
    }

    /// Checks that the deepest existing ancestor of `real` (symlinks followed) is inside
    /// the root. A dangling symlink as the last component is refused too.
    fn check_inside(&self, real: &Path) -> Result<(), PathRefused> {
        let mut probe = real.to_path_buf();
        loop {
            match probe.canonicalize() {
                Ok(c) => {
                    return if c.starts_with(&self.root) {
                        Ok(())
                    } else {
                        Err(PathRefused::Escapes)
                    };
                }
                Err(_) => {
                    if probe.symlink_metadata().is_ok() {
                        // Exists as a link but cannot be followed: refuse.
                        return Err(PathRefused::Escapes);
                    }
                    if !probe.pop() {
                        return Err(PathRefused::Escapes);
                    }
                }
            }
        }
    }

    /// The wire path (`/a/b`) of a real path under the root.
    pub fn wire_of(&self, real: &Path) -> Option<String> {
        let rel = real.strip_prefix(&self.root).ok()?;
        let mut s = String::new();
        for c in rel.components() {
            s.push('/');
            s.push_str(&crate::undecodable::from_os(c.as_os_str()));
        }
        if s.is_empty() {
            s.push('/');
        }
        Some(s)
    }
}

/// The syntax checks of a wire path, without looking at the disk: the root-relative path.
fn lexical(wire: &str) -> Result<PathBuf, PathRefused> {
    if wire.contains('\0') {
        return Err(PathRefused::IllegalName);
    }
    let mut rel = PathBuf::new();
    for comp in wire.split('/') {
        match comp {
            "" | "." => continue,
            ".." => return Err(PathRefused::Escapes),
            c => {
                // A component must stay a single normal component on this OS.
                // Bytes that are not UTF-8 go back to being those bytes.
                let c = crate::undecodable::to_os(c);
                let mut comps = Path::new(&c).components();
                match (comps.next(), comps.next()) {
                    (Some(Component::Normal(_)), None) => rel.push(&c),
                    _ => return Err(PathRefused::IllegalName),
                }
            }
        }
    }
    Ok(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_inside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("Public")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("Public/out")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/x", dir.path().join("Public/dangling")).unwrap();
        let r = FsRoot::new(dir.path()).unwrap();
        assert!(r.resolve("/Public/a.txt").unwrap().starts_with(r.root()));
        assert_eq!(r.resolve("/Public/../../etc"), Err(PathRefused::Escapes));
        assert_eq!(r.resolve("/Public/x\0y"), Err(PathRefused::IllegalName));
        assert_eq!(r.resolve("/Public/out/f"), Err(PathRefused::Escapes));
        assert_eq!(r.resolve("/Public/dangling"), Err(PathRefused::Escapes));
        assert_eq!(r.resolve("/"), Ok(r.root().to_path_buf()));
        let p = r.resolve("Public/new dir/f").unwrap();
        assert_eq!(r.wire_of(&p).unwrap(), "/Public/new dir/f");
        // The entry itself: a link, wherever it points, but never through one.
        let d = r.resolve_entry("/Public/dangling").unwrap();
        assert_eq!(d, r.root().join("Public/dangling"));
        assert!(r.resolve_entry("/Public/out").is_ok());
        assert_eq!(r.resolve_entry("/Public/out/f"), Err(PathRefused::Escapes));
        assert_eq!(r.resolve_entry("/Public/.."), Err(PathRefused::Escapes));
    }
}
