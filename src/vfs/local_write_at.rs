//! Positional writes on the local disk, for parallel ranged downloads: the temporary
//! file is created at its final size, then each range writes its part in place with
//! `pwrite` on a blocking thread (several ranges at once on one file are fine).

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use bytes::Bytes;

use super::{VPath, VfsError, VfsResult};

fn real(path: &VPath) -> PathBuf {
    super::local::local_path(path)
}

/// Runs `op` on the blocking pool, mapping its io::Error to a `VfsError` about `path`.
pub(super) async fn blocking<T: Send + 'static>(
    path: &VPath,
    op: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> VfsResult<T> {
    let ctx = path.to_string();
    tokio::task::spawn_blocking(op)
        .await
        .map_err(|e| VfsError::io(ctx.clone(), std::io::Error::other(e)))?
        .map_err(|e| VfsError::io(ctx, e))
}

/// Creates (or truncates) `path` and reserves `len` bytes. Reserving with `fallocate`
/// makes a full disk fail here, before any byte is fetched, and keeps the ranges
/// written out of order from fragmenting the file; where the filesystem cannot
/// reserve, the file is only extended (sparse).
pub(super) async fn create_sized(path: &VPath, len: u64) -> VfsResult<()> {
    let real = real(path);
    blocking(path, move || {
        let f = File::create(&real)?;
        reserve(&f, len)
    })
    .await
}

fn reserve(f: &File, len: u64) -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{FallocateFlags, fallocate};
        match fallocate(f, FallocateFlags::empty(), 0, len) {
            Ok(()) => return Ok(()),
            Err(e) if e == rustix::io::Errno::NOSPC => return Err(e.into()),
            Err(_) => {} // not supported here (tmpfs on old kernels, FUSE…)
        }
    }
    f.set_len(len)
}

/// Writes all of `data` at `offset` of the existing file `path`.
pub(super) async fn write_at(path: &VPath, offset: u64, data: Bytes) -> VfsResult<()> {
    let real = real(path);
    blocking(path, move || {
        let f = OpenOptions::new().write(true).open(&real)?;
        f.write_all_at(&data, offset)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parts_written_out_of_order_make_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = VPath::parse(dir.path().join("f.bin").to_str().unwrap()).unwrap();
        create_sized(&path, 10).await.unwrap();
        assert_eq!(std::fs::metadata(path.as_str()).unwrap().len(), 10);
        write_at(&path, 6, Bytes::from_static(b"6789"))
            .await
            .unwrap();
        write_at(&path, 0, Bytes::from_static(b"012345"))
            .await
            .unwrap();
        assert_eq!(std::fs::read(path.as_str()).unwrap(), b"0123456789");
        // Re-creating truncates what was there.
        create_sized(&path, 3).await.unwrap();
        assert_eq!(std::fs::read(path.as_str()).unwrap(), vec![0u8; 3]);
    }

    #[tokio::test]
    async fn writing_into_a_missing_file_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = VPath::parse(dir.path().join("gone.bin").to_str().unwrap()).unwrap();
        let e = write_at(&path, 0, Bytes::from_static(b"x"))
            .await
            .unwrap_err();
        assert!(matches!(e, VfsError::NotFound(_)), "{e:?}");
    }
}
