//! F4 on a NAS file: fetched into a private temporary (a 0600 file in a 0700 folder
//! under `$XDG_RUNTIME_DIR/nascmd`, else the state folder), edited, and written back
//! through the Vfs only if its bytes changed — under a temporary name, then renamed
//! over the original, as the job engine writes. If the NAS copy changed meanwhile
//! (size or mtime differ from when it was fetched), the edit is saved beside it as
//! `NAME.edited` and the NAS copy is kept: nothing anyone wrote is lost.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

use tokio::io::AsyncReadExt;

use crate::vfs::{VPath, VfsHandle};

/// The largest file F4 fetches from a NAS (it is held in memory to compare).
const MAX_EDIT_BYTES: u64 = 64 * 1024 * 1024;

/// A NAS file fetched for editing. Dropping it removes the temporary folder.
pub(super) struct Fetched {
    /// The local copy the editor opens.
    pub file: PathBuf,
    _dir: tempfile::TempDir,
    original: Vec<u8>,
    /// Size and mtime of the NAS copy when it was fetched.
    stamp: (u64, Option<i64>),
}

/// What became of an edit.
pub(super) enum Outcome {
    Unchanged,
    Uploaded,
    /// The NAS copy changed meanwhile: the edit went to this name beside it.
    SavedBeside(String),
}

/// Where private temporaries go: `$XDG_RUNTIME_DIR/nascmd` (per-user, in memory),
/// else `<state dir>/edit`; made 0700.
fn private_base() -> std::io::Result<PathBuf> {
    let base = match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d).join("nascmd"),
        None => crate::config::state_dir().join("edit"),
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&base)?;
    Ok(base)
}

pub(super) async fn fetch(vfs: &VfsHandle, path: &VPath) -> Result<Fetched, String> {
    let entry = vfs.stat(path).await.map_err(|e| e.user_message())?;
    if entry.size > MAX_EDIT_BYTES {
        return Err(format!(
            "{} is too big to edit here (over {} MiB)",
            path,
            MAX_EDIT_BYTES / 1024 / 1024
        ));
    }
    let mut original = Vec::new();
    vfs.open_read(path, 0)
        .await
        .map_err(|e| e.user_message())?
        .take(MAX_EDIT_BYTES + 1)
        .read_to_end(&mut original)
        .await
        .map_err(|e| e.to_string())?;
    let name = crate::names::terminal_safe_name(path.name()).into_owned();
    let saved = tokio::task::spawn_blocking({
        let original = original.clone();
        move || save_private(&name, &original)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot make a private copy: {e}"))?;
    let (dir, file) = saved;
    Ok(Fetched {
        file,
        _dir: dir,
        original,
        stamp: (entry.size, entry.mtime),
    })
}

/// `bytes` in a new 0600 file `name` inside a new 0700 folder.
fn save_private(name: &str, bytes: &[u8]) -> std::io::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::Builder::new()
        .prefix("edit-")
        .tempdir_in(private_base()?)?;
    // Said outright: the folder's default mode follows the umask.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
    let file = dir.path().join(name);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&file)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok((dir, file))
}

/// After the editor: writes the edit back if it changed (see the module doc).
pub(super) async fn write_back(
    vfs: &VfsHandle,
    path: &VPath,
    fetched: &Fetched,
) -> Result<Outcome, String> {
    let edited = tokio::fs::read(&fetched.file)
        .await
        .map_err(|e| format!("cannot read the edited copy: {e}"))?;
    if edited == fetched.original {
        return Ok(Outcome::Unchanged);
    }
    let now = vfs.stat(path).await.ok().map(|e| (e.size, e.mtime));
    if now.is_some_and(|n| n != fetched.stamp) {
        let beside = format!("{}.edited", path.name());
        let target = path.parent().join(&beside).map_err(|e| e.user_message())?;
        upload(vfs, &target, edited).await?;
        return Ok(Outcome::SavedBeside(beside));
    }
    upload(vfs, path, edited).await?;
    Ok(Outcome::Uploaded)
}

/// Writes `bytes` under a temporary name in the same folder, checks the size, then
/// renames it over `path`; the temporary is removed if anything fails.
async fn upload(vfs: &VfsHandle, path: &VPath, bytes: Vec<u8>) -> Result<(), String> {
    let len = bytes.len() as u64;
    let temp_name = format!(".nascmd-part-edit-{}", path.name());
    let temp = path
        .parent()
        .join(&temp_name)
        .map_err(|e| e.user_message())?;
    let reader: crate::vfs::ByteReader = Box::pin(std::io::Cursor::new(bytes));
    let written = async {
        let entry = vfs.write_new(&temp, len, reader, None).await?;
        if entry.size != len {
            return Err(crate::vfs::VfsError::SizeMismatch {
                path: path.to_string(),
                expected: len,
                found: entry.size,
            });
        }
        vfs.rename(&temp, path, true).await
    }
    .await;
    if let Err(e) = written {
        let _ = vfs.remove(&temp).await;
        return Err(e.user_message());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_private_copy_is_0600_in_a_0700_folder() {
        let (dir, file) = super::save_private("a.txt", b"x").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(dir.path()), 0o700);
    }
}
