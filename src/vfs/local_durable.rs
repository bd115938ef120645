//! Durability on the local disk (`Features::durable`): fdatasync of a partial download,
//! cutting it back to its last synced length, and the crash-safe 0600 replacement of
//! the small resume record beside it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::features::REPLACING_SUFFIX;
use super::local_write_at::blocking;
use super::{VPath, VfsResult};

fn real(path: &VPath) -> PathBuf {
    super::local::local_path(path)
}

/// fdatasync of `path`: any descriptor of a file flushes all its dirty pages, so this
/// also covers the writes other handles made before the call.
pub(super) async fn sync_data(path: &VPath) -> VfsResult<()> {
    let real = real(path);
    blocking(path, move || {
        OpenOptions::new().write(true).open(&real)?.sync_data()
    })
    .await
}

pub(super) async fn truncate(path: &VPath, len: u64) -> VfsResult<()> {
    let real = real(path);
    blocking(path, move || {
        let f = OpenOptions::new().write(true).open(&real)?;
        f.set_len(len)?;
        f.sync_data()
    })
    .await
}

/// Written to the 0600 file `<path>.tmp` (a fixed name, so whoever owns `path` can
/// remove what a crash mid-replacement left), synced, renamed over `path`, then the
/// folder synced so the rename itself survives a power loss.
pub(super) async fn replace_private(path: &VPath, data: Bytes) -> VfsResult<()> {
    let real = real(path);
    blocking(path, move || {
        let dir = real.parent().unwrap_or(Path::new("/")).to_path_buf();
        let mut tmp_name = real.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(REPLACING_SUFFIX);
        let tmp = dir.join(tmp_name);
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        // An older file of that name keeps its mode on open: made private here too.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(&data)?;
        f.sync_data()?;
        drop(f);
        std::fs::rename(&tmp, &real)?;
        File::open(&dir)?.sync_all()
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_record_is_replaced_whole_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = VPath::parse(dir.path().join(".rec").to_str().unwrap()).unwrap();
        replace_private(&path, Bytes::from_static(b"one"))
            .await
            .unwrap();
        replace_private(&path, Bytes::from_static(b"two"))
            .await
            .unwrap();
        assert_eq!(std::fs::read(path.as_str()).unwrap(), b"two");
        let mode = std::fs::metadata(path.as_str())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // Nothing else was left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn a_partial_file_is_cut_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = VPath::parse(dir.path().join("p").to_str().unwrap()).unwrap();
        std::fs::write(path.as_str(), b"0123456789").unwrap();
        sync_data(&path).await.unwrap();
        truncate(&path, 4).await.unwrap();
        assert_eq!(std::fs::read(path.as_str()).unwrap(), b"0123");
    }
}
