//! Mapping wire paths onto the emulator's root folder without ever leaving it.
//!
//! Every path a client sends goes through [`FsRoot::resolve`]: NUL, `..` (also after
//! percent-decoding, which the HTTP layer has already done), and symlinks that point
//! outside the root are refused. The result is a real path under the canonical root.

use std::io;
use std::path::{Component, Path, PathBuf};

/// Why a wire path was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PathRefused {
    #[error("illegal name")]
    IllegalName,
    #[error("path leaves the root")]
    Escapes,
}

/// Opens a file of the root to read and serve, never waiting on a FIFO (see
/// [`crate::regular_file::open_regular`]).
pub fn open_regular(path: &Path) -> io::Result<std::fs::File> {
    crate::regular_file::open_regular(path)
}

/// [`open_regular`] from async code.
pub async fn open_regular_async(path: &Path) -> io::Result<tokio::fs::File> {
    let path = path.to_owned();
    let file = tokio::task::spawn_blocking(move || open_regular(&path))
        .await
        .map_err(io::Error::other)??;
    Ok(tokio::fs::File::from_std(file))
}

#[derive(Clone, Debug)]
pub struct FsRoot {
    root: PathBuf,
}

impl FsRoot {
    /// `root` must exist; it is canonicalised once here.
    pub fn new(root: impl AsRef<Path>) -> io::Result<Self> {
        Ok(FsRoot {
            root: root.as_ref().canonicalize()?,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves a `/`-separated wire path (leading `/` optional) to a real path under the
    /// root. The target itself need not exist (mkdir, upload), but every existing
    /// ancestor is checked after following symlinks.
    pub fn resolve(&self, wire: &str) -> Result<PathBuf, PathRefused> {
        if wire.contains('\0') {
            return Err(PathRefused::IllegalName);
        }
        let mut real = self.root.clone();
        for comp in wire.split('/') {
            match comp {
                "" | "." => continue,
                ".." => return Err(PathRefused::Escapes),
                c if c.contains('\\') && Path::new(c).components().count() != 1 => {
                    return Err(PathRefused::IllegalName);
                }
                c => {
                    // A component must stay a single normal component on this OS.
                    let mut comps = Path::new(c).components();
                    match (comps.next(), comps.next()) {
                        (Some(Component::Normal(_)), None) => real.push(c),
                        _ => return Err(PathRefused::IllegalName),
                    }
                }
            }
        }
        self.check_inside(&real)?;
        Ok(real)
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
            s.push_str(&c.as_os_str().to_string_lossy());
        }
        if s.is_empty() {
            s.push('/');
        }
        Some(s)
    }
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
    }
}
