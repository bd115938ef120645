//! Every file-system call the emulators make, confined beneath their root.
//!
//! [`FsRoot::resolve`](super::fsroot::FsRoot::resolve) maps a wire path to a real path
//! under the root, but a path is only a name: between that check and the call, a planted
//! symbolic link could lead anywhere (and `std::fs` follows links). So the emulators never
//! hand such a path to `std::fs`/`tokio::fs`; they call the methods here, which open the
//! root once as a `cap_std::fs::Dir` and resolve each path beneath it at the moment of
//! the call: no `..`, no absolute link, no link whose target leaves the root is ever
//! followed (cap-std uses `openat2(RESOLVE_BENEATH)` where the kernel has it, a checked
//! component-by-component walk otherwise).
//!
//! The rule on top of that (docs/EMULATOR.md, "Links and the root"):
//! * reading follows a link whose target stays inside the root, like the box serving a
//!   share would; anything that would leave it fails like a missing file;
//! * writing never goes through a link: files are created exclusively or opened
//!   `O_NOFOLLOW`, so an existing link as the last component is refused or replaced, never
//!   written through;
//! * removing and renaming act on the entry itself, a link included.
//!
//! Paths given here are the real paths `resolve` returned (absolute, under the root);
//! one that is not under the root is refused (`PermissionDenied`).

use std::ffi::OsString;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, SystemTimeSpec};
use cap_std::fs::{Dir, OpenOptions};

pub use cap_std::fs::{Metadata, MetadataExt, PermissionsExt};

use super::fsroot::FsRoot;

/// One entry of a folder: its name and its real path (under the root).
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: OsString,
    pub path: PathBuf,
}

/// One entry of a folder with the metadata of the entry itself (a link is a link here,
/// not what it leads to).
#[derive(Debug, Clone)]
pub struct EntryWithMeta {
    pub name: OsString,
    pub path: PathBuf,
    pub meta: Metadata,
}

/// How an existing file is opened for writing (never through a link).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// A new file; fails with `AlreadyExists` when anything (a link too) has the name.
    CreateNew,
    /// Create or truncate; an existing link of that name is refused.
    Truncate,
    /// Create or keep the bytes (resume at the end); an existing link is refused.
    Keep,
    /// An existing file, every write at its end; a link is refused.
    Append,
}

/// The modification time of a metadata record, as `std` time.
pub fn modified(meta: &Metadata) -> io::Result<SystemTime> {
    meta.modified().map(cap_std::time::SystemTime::into_std)
}

fn outside() -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, "path leaves the root")
}

impl FsRoot {
    /// The root-relative form of a real path (`.` for the root itself).
    fn rel<'a>(&self, real: &'a Path) -> io::Result<&'a Path> {
        let rel = real.strip_prefix(self.root()).map_err(|_| outside())?;
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(outside());
        }
        Ok(if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        })
    }

    fn dir(&self) -> &Dir {
        self.confined_dir()
    }

    /// The entry itself (a link is not followed).
    pub fn symlink_metadata(&self, real: &Path) -> io::Result<Metadata> {
        self.dir().symlink_metadata(self.rel(real)?)
    }

    /// What the entry leads to, following links only while they stay inside.
    pub fn metadata(&self, real: &Path) -> io::Result<Metadata> {
        self.dir().metadata(self.rel(real)?)
    }

    /// Whether the name is taken (by anything, a dangling link included).
    pub fn entry_exists(&self, real: &Path) -> bool {
        self.symlink_metadata(real).is_ok()
    }

    /// A folder (links inside the root followed).
    pub fn is_dir(&self, real: &Path) -> bool {
        self.metadata(real).is_ok_and(|m| m.is_dir())
    }

    /// A regular file (links inside the root followed).
    pub fn is_file(&self, real: &Path) -> bool {
        self.metadata(real).is_ok_and(|m| m.is_file())
    }

    /// The entries of a folder, unsorted.
    pub fn read_dir(&self, real: &Path) -> io::Result<Vec<Entry>> {
        let mut out = Vec::new();
        for e in self.dir().read_dir(self.rel(real)?)? {
            let name = e?.file_name();
            out.push(Entry {
                path: real.join(&name),
                name,
            });
        }
        Ok(out)
    }

    /// The entries of a folder with their own metadata, unsorted. Each is read by
    /// name relative to the folder opened once (one `statx` on its descriptor), not by
    /// resolving its whole path beneath the root again (which opens the parent folder
    /// for every entry): a third of the syscalls for a listing of 100 000 entries. An
    /// entry removed meanwhile is left out.
    pub fn read_dir_with_meta(&self, real: &Path) -> io::Result<Vec<EntryWithMeta>> {
        let mut out = Vec::new();
        for e in self.dir().read_dir(self.rel(real)?)? {
            let e = e?;
            // Like `symlink_metadata`: a link is not followed. An entry gone since
            // `readdir` is left out, as a read a moment later would.
            let meta = match e.metadata() {
                Ok(m) => m,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err),
            };
            let name = e.file_name();
            out.push(EntryWithMeta {
                path: real.join(&name),
                name,
                meta,
            });
        }
        Ok(out)
    }

    /// The names in a folder, each with whether it is a folder as `readdir` tells it
    /// (no `stat`: a 100 000-entry folder in a fraction of the time
    /// [`FsRoot::read_dir_with_meta`] takes), unsorted. `None` for a link or an entry
    /// whose kind `readdir` does not give: the caller looks at it itself.
    pub fn read_dir_kinds(&self, real: &Path) -> io::Result<Vec<(OsString, Option<bool>)>> {
        let mut out = Vec::new();
        for e in self.dir().read_dir(self.rel(real)?)? {
            let e = e?;
            let kind = e
                .file_type()
                .ok()
                .filter(|t| !t.is_symlink())
                .map(|t| t.is_dir());
            out.push((e.file_name(), kind));
        }
        Ok(out)
    }

    /// Opens a regular file to read, never waiting on a FIFO (see
    /// [`crate::regular_file::open_regular`]): anything else is `InvalidInput`.
    pub fn open_read(&self, real: &Path) -> io::Result<std::fs::File> {
        use cap_std::fs::OpenOptionsExt;
        let mut opts = OpenOptions::new();
        opts.read(true)
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
        let file = self.dir().open_with(self.rel(real)?, &opts)?.into_std();
        if !file.metadata()?.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file (a FIFO, socket or device)",
            ));
        }
        Ok(file)
    }

    /// [`FsRoot::open_read`] from async code.
    pub async fn open_read_async(&self, real: &Path) -> io::Result<tokio::fs::File> {
        let (fs, real) = (self.clone(), real.to_owned());
        let file = tokio::task::spawn_blocking(move || fs.open_read(&real))
            .await
            .map_err(io::Error::other)??;
        Ok(tokio::fs::File::from_std(file))
    }

    /// Opens a file to write, never through a link (see [`WriteMode`]).
    pub fn open_write(&self, real: &Path, mode: WriteMode) -> io::Result<std::fs::File> {
        let mut opts = OpenOptions::new();
        opts.write(true);
        match mode {
            WriteMode::CreateNew => opts.create_new(true),
            WriteMode::Truncate => opts.create(true).truncate(true),
            WriteMode::Keep => opts.create(true),
            WriteMode::Append => opts.append(true),
        };
        opts.follow(FollowSymlinks::No);
        Ok(self.dir().open_with(self.rel(real)?, &opts)?.into_std())
    }

    /// [`FsRoot::open_write`] from async code.
    pub async fn open_write_async(
        &self,
        real: &Path,
        mode: WriteMode,
    ) -> io::Result<std::fs::File> {
        let (fs, real) = (self.clone(), real.to_owned());
        tokio::task::spawn_blocking(move || fs.open_write(&real, mode))
            .await
            .map_err(io::Error::other)?
    }

    /// A new file with an unpredictable name `<prefix><random><suffix>` in `dir`, created
    /// exclusively: nobody can plant a link there in advance.
    pub fn create_temp(
        &self,
        dir: &Path,
        prefix: &str,
        suffix: &str,
    ) -> io::Result<(PathBuf, std::fs::File)> {
        loop {
            let path = dir.join(format!("{prefix}{}{suffix}", random_token()));
            match self.open_write(&path, WriteMode::CreateNew) {
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                other => return other.map(|f| (path, f)),
            }
        }
    }

    pub fn create_dir(&self, real: &Path) -> io::Result<()> {
        self.dir().create_dir(self.rel(real)?)
    }

    pub fn create_dir_all(&self, real: &Path) -> io::Result<()> {
        self.dir().create_dir_all(self.rel(real)?)
    }

    /// Removes a file or a link (never its target).
    pub fn remove_file(&self, real: &Path) -> io::Result<()> {
        self.dir().remove_file(self.rel(real)?)
    }

    pub fn remove_dir(&self, real: &Path) -> io::Result<()> {
        self.dir().remove_dir(self.rel(real)?)
    }

    /// Removes whatever has this name: a folder with its content (links inside removed as
    /// links), a file, a link. A missing name is fine.
    pub fn remove_any(&self, real: &Path) -> io::Result<()> {
        let rel = self.rel(real)?;
        match self.dir().symlink_metadata(rel) {
            Ok(m) if m.is_dir() => self.dir().remove_dir_all(rel),
            Ok(_) => self.dir().remove_file(rel),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Renames an entry (a link is moved as the link). Links carried along are the
    /// caller's business: see [`FsRoot::escaping_link_below`].
    pub fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let dir = self.dir();
        dir.rename(self.rel(from)?, dir, self.rel(to)?)
    }

    /// The raw target of a link.
    pub fn read_link(&self, real: &Path) -> io::Result<PathBuf> {
        self.dir().read_link_contents(self.rel(real)?)
    }

    /// Creates a link at `real` to `target` only when `target`, read from `real`'s
    /// folder, stays inside the root (see [`FsRoot::link_stays_inside`]).
    pub fn symlink_inside(&self, target: &Path, real: &Path) -> io::Result<()> {
        if !self.link_stays_inside(real, target) {
            return Err(outside());
        }
        self.dir().symlink(target, self.rel(real)?)
    }

    /// Sets the modification time of a file or folder (a link is followed only while it
    /// stays inside, like a read: no time outside the root ever changes).
    pub fn set_modified(&self, real: &Path, when: SystemTime) -> io::Result<()> {
        self.dir().set_times(
            self.rel(real)?,
            None,
            Some(SystemTimeSpec::Absolute(
                cap_std::time::SystemTime::from_std(when),
            )),
        )
    }

    /// The real path an entry leads to, links followed while they stay inside.
    pub fn canonical(&self, real: &Path) -> io::Result<PathBuf> {
        let rel = self.dir().canonicalize(self.rel(real)?)?;
        Ok(self.root().join(rel))
    }

    /// File-system statistics of the volume holding a folder (the folder itself, not a
    /// link to one).
    pub fn statvfs(&self, real: &Path) -> io::Result<rustix::fs::StatVfs> {
        let dir = self.dir().open_dir_nofollow(self.rel(real)?)?;
        Ok(rustix::fs::fstatvfs(&dir)?)
    }

    /// Whether a link at `link` (a real path) with target `target` would lead to a place
    /// inside the root, judged from the text: an absolute target never does (it names a
    /// place on this host, not in the share); a relative one must not climb above the root
    /// with its `..`. Links met further along are not followed here: every later access
    /// is confined anyway.
    pub fn link_stays_inside(&self, link: &Path, target: &Path) -> bool {
        let Ok(rel) = self.rel(link) else {
            return false;
        };
        let mut depth: Vec<&std::ffi::OsStr> = rel
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n),
                _ => None,
            })
            .collect();
        for c in target.components() {
            match c {
                Component::Normal(n) => depth.push(n),
                Component::CurDir => {}
                Component::ParentDir => {
                    if depth.pop().is_none() {
                        return false;
                    }
                }
                Component::RootDir | Component::Prefix(_) => return false,
            }
        }
        true
    }

    /// The first link below `src` (`src` itself included, links not followed) whose target
    /// would leave the root once `src` is moved to `dst`. A move that carries one is
    /// refused.
    pub fn escaping_link_below(&self, src: &Path, dst: &Path) -> Option<PathBuf> {
        let meta = self.symlink_metadata(src).ok()?;
        if meta.file_type().is_symlink() {
            let target = self.read_link(src).ok()?;
            return (!self.link_stays_inside(dst, &target)).then(|| src.to_path_buf());
        }
        if !meta.is_dir() {
            return None;
        }
        self.read_dir(src)
            .ok()?
            .into_iter()
            .find_map(|e| self.escaping_link_below(&e.path, &dst.join(&e.name)))
    }
}

/// 16 random hex digits for a temporary name.
pub fn random_token() -> String {
    let mut bytes = [0u8; 8];
    // Without system randomness the name is still created exclusively: only its
    // unpredictability is lost, and `getrandom` failing on Linux means a broken host.
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn setup() -> (tempfile::TempDir, tempfile::TempDir, FsRoot) {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("Public/sub")).unwrap();
        std::fs::write(outside.path().join("secret"), b"secret").unwrap();
        std::fs::write(root.path().join("Public/in.txt"), b"inside").unwrap();
        symlink(
            outside.path().join("secret"),
            root.path().join("Public/out"),
        )
        .unwrap();
        symlink("in.txt", root.path().join("Public/near")).unwrap();
        let fs = FsRoot::new(root.path()).unwrap();
        (root, outside, fs)
    }

    #[test]
    fn never_writes_or_reads_through_a_link_out() {
        let (_root, outside, fs) = setup();
        let out = fs.root().join("Public/out");
        assert!(fs.open_read(&out).is_err());
        assert!(fs.metadata(&out).is_err());
        assert!(fs.symlink_metadata(&out).unwrap().file_type().is_symlink());
        for mode in [
            WriteMode::CreateNew,
            WriteMode::Truncate,
            WriteMode::Keep,
            WriteMode::Append,
        ] {
            assert!(fs.open_write(&out, mode).is_err(), "{mode:?}");
        }
        assert_eq!(
            std::fs::read(outside.path().join("secret")).unwrap(),
            b"secret"
        );
        fs.remove_any(&out).unwrap();
        assert!(outside.path().join("secret").exists());
    }

    #[test]
    fn reads_through_a_link_inside_but_never_writes_through_it() {
        let (_root, _outside, fs) = setup();
        let near = fs.root().join("Public/near");
        assert!(fs.open_read(&near).is_ok());
        assert!(fs.open_write(&near, WriteMode::Truncate).is_err());
        assert_eq!(
            std::fs::read(fs.root().join("Public/in.txt")).unwrap(),
            b"inside"
        );
    }

    #[test]
    fn judges_link_targets_from_their_new_place() {
        let (_root, _outside, fs) = setup();
        let r = fs.root();
        assert!(fs.link_stays_inside(&r.join("Public/l"), Path::new("../x")));
        assert!(!fs.link_stays_inside(&r.join("Public/l"), Path::new("../../x")));
        assert!(fs.link_stays_inside(&r.join("Public/sub/l"), Path::new("../../x")));
        assert!(!fs.link_stays_inside(&r.join("Public/l"), Path::new("/etc/passwd")));
        symlink("../../in.txt", r.join("Public/sub/up")).unwrap();
        assert_eq!(
            fs.escaping_link_below(&r.join("Public/sub"), &r.join("Public/sub2")),
            None
        );
        assert!(
            fs.escaping_link_below(&r.join("Public/sub"), &r.join("moved"))
                .is_some()
        );
    }

    #[test]
    fn temporaries_are_unpredictable_and_exclusive() {
        let (_root, _outside, fs) = setup();
        let dir = fs.root().join("Public");
        let (a, _) = fs.create_temp(&dir, ".t.", ".part").unwrap();
        let (b, _) = fs.create_temp(&dir, ".t.", ".part").unwrap();
        assert_ne!(a, b);
    }
}
