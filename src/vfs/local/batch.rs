//! A batch of small local copies on one blocking thread. Files are opened, renamed and
//! (on failure) removed relative to descriptors of their folders, kept open across the
//! batch, instead of walking the full path for every call: on tmpfs the path walks of
//! `openat` and `renameat2` were a good part of the kernel time per small file.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags, RenameFlags};
use tokio_util::sync::CancellationToken;

use super::{CopyError, LocalFs, copy_between, place_one, placing_error};
use crate::vfs::{BytesFn, CopyIntoPlace, VfsError, VfsResult};

/// The folder descriptors of the current batch (source side, target side).
#[derive(Default)]
pub(super) struct Dirs {
    src: Option<(PathBuf, OwnedFd)>,
    dst: Option<(PathBuf, OwnedFd)>,
}

/// Opens `dir` (an `O_PATH` descriptor: only used as the base of `*at` calls), or
/// reuses the one already open for it.
fn dir_fd<'a>(
    slot: &'a mut Option<(PathBuf, OwnedFd)>,
    dir: &Path,
) -> std::io::Result<BorrowedFd<'a>> {
    if slot.as_ref().is_none_or(|(p, _)| p != dir) {
        let fd = rustix::fs::open(
            dir,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        *slot = Some((dir.to_path_buf(), fd));
    }
    let slot: &'a Option<(PathBuf, OwnedFd)> = slot;
    match slot {
        Some((_, fd)) => Ok(fd.as_fd()),
        None => Err(std::io::ErrorKind::NotFound.into()),
    }
}

/// [`place_one`] with folder-relative calls; same rules: nothing under `to` unless the
/// size matched, an existing `to` kept unless `overwrite`, no temporary file left
/// after a failure or a cancel.
pub(super) fn place(
    job: &CopyIntoPlace,
    dirs: &mut Dirs,
    progress: &BytesFn,
    cancel: &CancellationToken,
) -> VfsResult<u64> {
    if job.temp.parent() != job.to.parent() {
        return place_one(job, progress, cancel);
    }
    if cancel.is_cancelled() {
        return Err(VfsError::Cancelled);
    }
    let src_dir = LocalFs::real(&job.from.parent());
    let dst_dir = LocalFs::real(&job.to.parent());
    let res = (|| {
        let src_fd = dir_fd(&mut dirs.src, &src_dir)?;
        let input = rustix::fs::openat(
            src_fd,
            job.from.name(),
            // Never waits on a FIFO put there since planning (the copy then fails the
            // size check instead); no cost for a regular file.
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(std::io::Error::from)?;
        let dst_fd = dir_fd(&mut dirs.dst, &dst_dir)?;
        let output = rustix::fs::openat(
            dst_fd,
            job.temp.name(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o666),
        )
        .map_err(std::io::Error::from)?;
        place_into(job, input.into(), output.into(), dst_fd, progress, cancel)
    })();
    // The temp file is only ever created in `dst_dir`; the slot may still hold an
    // earlier folder when opening this one failed.
    if res.is_err()
        && let Some((dir, fd)) = &dirs.dst
        && *dir == dst_dir
    {
        let _ = rustix::fs::unlinkat(fd, job.temp.name(), AtFlags::empty());
    }
    res.map_err(|e| placing_error(e, job))
}

fn place_into(
    job: &CopyIntoPlace,
    input: std::fs::File,
    output: std::fs::File,
    dst_fd: BorrowedFd<'_>,
    progress: &BytesFn,
    cancel: &CancellationToken,
) -> Result<u64, CopyError> {
    let (copied, output) = copy_between(input, output, job.mtime, progress, cancel)?;
    let written = output.metadata()?.len();
    drop(output);
    job.check_size(written).map_err(CopyError::Vfs)?;
    if cancel.is_cancelled() {
        return Err(CopyError::Cancelled);
    }
    rename_at(dst_fd, job.temp.name(), job.to.name(), job.overwrite)?;
    Ok(copied)
}

/// `rename_blocking` within one folder descriptor.
fn rename_at(dir: BorrowedFd<'_>, from: &str, to: &str, overwrite: bool) -> std::io::Result<()> {
    if overwrite {
        return Ok(rustix::fs::renameat(dir, from, dir, to)?);
    }
    match rustix::fs::renameat_with(dir, from, dir, to, RenameFlags::NOREPLACE) {
        Ok(()) => return Ok(()),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
        Err(e) => return Err(e.into()),
    }
    if rustix::fs::statat(dir, to, AtFlags::SYMLINK_NOFOLLOW).is_ok() {
        return Err(std::io::ErrorKind::AlreadyExists.into());
    }
    Ok(rustix::fs::renameat(dir, from, dir, to)?)
}
