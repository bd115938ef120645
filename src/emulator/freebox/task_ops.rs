//! What the tasks do on disk (blocking code, run on the blocking pool): recursive copy and
//! move with the box's conflict modes, recursive remove, and file hashing. Progress goes to
//! the task slot after every chunk; pausing and deleting the task are honoured there.
//! Symlinks are never followed while walking (a link pointing out of the root must not
//! leak its target). A copy recreates a link only when its target, read from the new
//! place, stays inside the root (others are skipped); a move that would carry such a
//! link is refused (`permission_denied`). Every call goes through `emulator::confined`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::Duration;

use sha2::Digest as _;

use super::Emu;
use super::paths::Target;
use super::upload::{create_temp, is_reserved, now_secs};
use crate::emulator::confined;
use crate::emulator::fsroot::FsRoot;

const CHUNK: usize = 1024 * 1024;

/// Conflict resolution of `fs/cp` and `fs/mv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Overwrite,
    Both,
    Recent,
    Skip,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        Some(match s {
            "overwrite" => Mode::Overwrite,
            "both" => Mode::Both,
            "recent" => Mode::Recent,
            "skip" => Mode::Skip,
            _ => return None,
        })
    }
}

/// A task's work.
#[derive(Debug)]
pub enum Job {
    Copy {
        files: Vec<Target>,
        dst: Target,
        mode: Mode,
        delete_src: bool,
    },
    Remove {
        files: Vec<Target>,
    },
    Hash {
        src: Target,
        hash_type: String,
    },
}

/// Why a task failed: the `error` code of the `FsTask`.
type Fail = &'static str;

/// Access to the task's slot from the blocking job.
struct Ctl<'a> {
    emu: &'a Emu,
    id: u64,
}

impl Ctl<'_> {
    fn fs(&self) -> &FsRoot {
        self.emu.disk.fs()
    }

    /// Waits while paused; fails when the task was deleted (no rollback, like the box).
    fn checkpoint(&self) -> Result<(), Fail> {
        loop {
            match self.emu.tasks.update(self.id, |s| s.task.state) {
                None => return Err("internal"),
                Some("paused") => sleep(Duration::from_millis(50)),
                Some(_) => return Ok(()),
            }
        }
    }

    fn set_totals(&self, bytes: u64, files: u64) {
        self.emu.tasks.update(self.id, |s| {
            s.task.total_bytes = bytes;
            s.task.nfiles = files;
        });
    }

    fn begin_item(&self, from: &str, to: &str, size: u64) {
        self.emu.tasks.update(self.id, |s| {
            s.task.from = from.to_owned();
            s.task.to = to.to_owned();
            s.task.curr_bytes = size;
            s.task.curr_bytes_done = 0;
        });
    }

    fn add_bytes(&self, n: u64) {
        let rate_limit = self.emu.cfg.task_rate_limit;
        let wait = self.emu.tasks.update(self.id, |s| {
            s.task.curr_bytes_done += n;
            s.task.total_bytes_done += n;
            let elapsed = super::tasks::TaskQueue::elapsed(s).as_secs_f64().max(0.001);
            let done = s.task.total_bytes_done;
            s.task.rate = (done as f64 / elapsed) as u64;
            let total = s.task.total_bytes;
            if let Some(p) = (done.min(total) * 100).checked_div(total) {
                s.task.progress = p.min(99);
                s.task.eta = total
                    .saturating_sub(done)
                    .checked_div(s.task.rate)
                    .unwrap_or(0);
            }
            s.task.duration = now_secs() - s.task.started_ts;
            // Sleep long enough to keep the average under the configured cap.
            rate_limit.map(|r| {
                let target = done as f64 / r.max(1) as f64;
                Duration::from_secs_f64((target - elapsed).max(0.0))
            })
        });
        if let Some(Some(w)) = wait {
            sleep(w);
        }
    }

    fn file_done(&self) {
        self.emu.tasks.update(self.id, |s| s.task.nfiles_done += 1);
    }
}

/// Runs a job; `Ok(Some(hex))` for a hash task.
pub fn run(emu: &Emu, id: u64, job: Job) -> Result<Option<String>, Fail> {
    let ctl = Ctl { emu, id };
    match job {
        Job::Copy {
            files,
            dst,
            mode,
            delete_src,
        } => copy_job(&ctl, &files, &dst, mode, delete_src).map(|_| None),
        Job::Remove { files } => remove_job(&ctl, &files).map(|_| None),
        Job::Hash { src, hash_type } => hash_job(&ctl, &src, &hash_type).map(Some),
    }
}

/// Bytes and files under `p`, links not followed.
fn measure(fs: &FsRoot, p: &Path) -> (u64, u64) {
    match fs.symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs
            .read_dir(p)
            .into_iter()
            .flatten()
            .map(|e| measure(fs, &e.path))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
        Ok(m) => (m.len(), 1),
        Err(_) => (0, 0),
    }
}

fn copy_job(
    ctl: &Ctl,
    files: &[Target],
    dst: &Target,
    mode: Mode,
    delete_src: bool,
) -> Result<(), Fail> {
    let fs = ctl.fs();
    let dst_real = dst.real.as_deref().ok_or("permission_denied")?;
    if !fs.is_dir(dst_real) {
        return Err("dest_is_not_dir");
    }
    let mut sources = Vec::new();
    for f in files {
        let real = f.real.as_deref().ok_or("permission_denied")?;
        if delete_src && f.is_volume() {
            return Err("permission_denied");
        }
        // No entry of that name: the partial upload held under it, if any, is the file
        // a box has there (read, copied or moved as any file).
        let held = match fs.entry_exists(real) {
            true => None,
            false => Some(ctl.emu.uploads.held(fs, real).ok_or("file_not_found")?),
        };
        if is_reserved(f.name()) {
            // The emulator's own temporaries are not the client's to copy or move.
            return Err("permission_denied");
        }
        // Onto itself: only a copy with `both` makes sense (a second copy beside it).
        if real.parent() == Some(dst_real) && (delete_src || mode != Mode::Both) {
            return Err("same_file");
        }
        if dst_real.starts_with(real) {
            return Err("copy_into_itself");
        }
        sources.push((real.to_path_buf(), held, f.clear.clone()));
    }
    let (bytes, count) = sources
        .iter()
        .map(|(p, held, _)| measure(fs, held.as_deref().unwrap_or(p)))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    ctl.set_totals(bytes, count);
    for (real, held, clear) in &sources {
        let name = real.file_name().ok_or("internal")?;
        let from = held.as_deref().unwrap_or(real);
        let to_clear = format!("{}/{}", dst.clear, crate::undecodable::from_os(name));
        if delete_src {
            move_item(ctl, from, dst_real, name, mode, clear, &to_clear)?;
            if held.is_some() && !fs.entry_exists(from) {
                // Moved away: nothing is held under that name any more.
                ctl.emu.uploads.forget_partial(real);
            }
        } else {
            copy_item(ctl, from, dst_real, name, mode, clear, &to_clear)?;
        }
    }
    Ok(())
}

/// Where `name` lands in `dir` under `mode`; `None` means skip.
fn place(
    fs: &FsRoot,
    dir: &Path,
    name: &std::ffi::OsStr,
    src: &Path,
    mode: Mode,
    merge_dirs: bool,
) -> Option<PathBuf> {
    let dest = dir.join(name);
    let Ok(dmeta) = fs.symlink_metadata(&dest) else {
        return Some(dest);
    };
    if merge_dirs && dmeta.is_dir() && fs.symlink_metadata(src).is_ok_and(|m| m.is_dir()) {
        return Some(dest); // folders merge, entries inside resolve their own conflicts
    }
    match mode {
        Mode::Overwrite => Some(dest),
        Mode::Skip => None,
        Mode::Recent => {
            let newer = fs
                .symlink_metadata(src)
                .and_then(|s| Ok(confined::modified(&s)? > confined::modified(&dmeta)?))
                .unwrap_or(false);
            newer.then_some(dest)
        }
        Mode::Both => Some(unique_name(fs, dir, name)),
    }
}

/// `name (1).ext`, `name (2).ext`… (the box's suffix is undocumented).
fn unique_name(fs: &FsRoot, dir: &Path, name: &std::ffi::OsStr) -> PathBuf {
    let name = crate::undecodable::from_os(name);
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (&name[..], ""),
    };
    (1..)
        .map(|n| dir.join(crate::undecodable::to_os(&format!("{stem} ({n}){ext}"))))
        .find(|p| !fs.entry_exists(p))
        .unwrap_or_else(|| dir.join(crate::undecodable::to_os(&format!("{name}.copy"))))
}

fn copy_item(
    ctl: &Ctl,
    src: &Path,
    dir: &Path,
    name: &std::ffi::OsStr,
    mode: Mode,
    from: &str,
    to: &str,
) -> Result<(), Fail> {
    ctl.checkpoint()?;
    let fs = ctl.fs();
    let meta = fs.symlink_metadata(src).map_err(|_| "file_not_found")?;
    let Some(dest) = place(fs, dir, name, src, mode, true) else {
        let (b, f) = measure(fs, src);
        ctl.add_bytes(b);
        for _ in 0..f {
            ctl.file_done();
        }
        return Ok(());
    };
    if meta.file_type().is_symlink() {
        // Copied as a link only when it still points inside from its new place;
        // otherwise skipped (counted done, like a skipped conflict).
        let target = fs.read_link(src).map_err(|_| "readlink_failed")?;
        if fs.link_stays_inside(&dest, &target) {
            fs.remove_any(&dest).map_err(|_| "overwrite_failed")?;
            fs.symlink_inside(&target, &dest)
                .map_err(|_| "symlink_failed")?;
        }
        ctl.file_done();
        return Ok(());
    }
    if meta.is_dir() {
        if !fs.symlink_metadata(&dest).is_ok_and(|m| m.is_dir()) {
            fs.remove_any(&dest).map_err(|_| "overwrite_failed")?;
            fs.create_dir(&dest).map_err(|_| "mkdir_failed")?;
        }
        let entries = fs.read_dir(src).map_err(|_| "opendir_failed")?;
        for e in entries {
            let n = e.name;
            if is_reserved(&crate::undecodable::from_os(&n)) {
                continue; // another upload's temporary: not part of the folder
            }
            let sub_from = format!("{from}/{}", crate::undecodable::from_os(&n));
            let sub_to = format!("{to}/{}", crate::undecodable::from_os(&n));
            copy_item(ctl, &e.path, &dest, &n, mode, &sub_from, &sub_to)?;
        }
        return Ok(());
    }
    copy_file(ctl, src, &dest, meta.len(), from, to)
}

/// Copies one file through a temporary name beside `dest`, then renames it into place.
fn copy_file(
    ctl: &Ctl,
    src: &Path,
    dest: &Path,
    size: u64,
    from: &str,
    to: &str,
) -> Result<(), Fail> {
    ctl.begin_item(from, to, size);
    let fs = ctl.fs();
    let dir = dest.parent().ok_or("internal")?;
    let name = crate::undecodable::from_os(dest.file_name().ok_or("internal")?);
    let (temp, mut output) = match create_temp(fs, dir, &name) {
        Ok(created) => created,
        Err(_) => {
            ctl.file_done();
            return Err("open_output_failed");
        }
    };
    let result = (|| {
        let mut input = fs.open_read(src).map_err(|_| "open_input_failed")?;
        let mut buf = vec![0u8; CHUNK];
        loop {
            ctl.checkpoint()?;
            let n = input.read(&mut buf).map_err(|_| "file_not_found")?;
            if n == 0 {
                break;
            }
            output.write_all(&buf[..n]).map_err(|e| {
                if e.kind() == std::io::ErrorKind::StorageFull {
                    "disk_full"
                } else {
                    "write_failed"
                }
            })?;
            ctl.add_bytes(n as u64);
        }
        output.sync_all().map_err(|_| "write_failed")?;
        if let Ok(t) = input.metadata().and_then(|m| m.modified()) {
            let _ = output.set_modified(t);
        }
        fs.remove_any(dest).map_err(|_| "overwrite_failed")?;
        fs.rename(&temp, dest).map_err(|_| "write_failed")
    })();
    if result.is_err() {
        let _ = fs.remove_file(&temp);
    }
    ctl.file_done();
    result
}

fn move_item(
    ctl: &Ctl,
    src: &Path,
    dir: &Path,
    name: &std::ffi::OsStr,
    mode: Mode,
    from: &str,
    to: &str,
) -> Result<(), Fail> {
    ctl.checkpoint()?;
    let fs = ctl.fs();
    let meta = fs.symlink_metadata(src).map_err(|_| "file_not_found")?;
    let merging = meta.is_dir()
        && fs
            .symlink_metadata(&dir.join(name))
            .is_ok_and(|m| m.is_dir());
    if merging {
        // Folder onto folder: move the entries one by one, then drop the emptied source.
        let dest = dir.join(name);
        for e in fs.read_dir(src).map_err(|_| "opendir_failed")? {
            let n = e.name;
            let sub_from = format!("{from}/{}", crate::undecodable::from_os(&n));
            let sub_to = format!("{to}/{}", crate::undecodable::from_os(&n));
            move_item(ctl, &e.path, &dest, &n, mode, &sub_from, &sub_to)?;
        }
        let _ = fs.remove_dir(src); // stays when something inside was skipped
        return Ok(());
    }
    let (bytes, files) = measure(fs, src);
    let Some(dest) = place(fs, dir, name, src, mode, false) else {
        ctl.add_bytes(bytes);
        return Ok(());
    };
    // A relative link carried to another depth could point out of the root: refused.
    if fs.escaping_link_below(src, &dest).is_some() {
        return Err("permission_denied");
    }
    ctl.begin_item(from, to, bytes);
    // A file replaces a file atomically by rename; anything else must go first.
    let file_onto_file = !meta.is_dir()
        && fs
            .symlink_metadata(&dest)
            .map(|m| !m.is_dir())
            .unwrap_or(true);
    if !file_onto_file {
        fs.remove_any(&dest).map_err(|_| "overwrite_failed")?;
    }
    if fs.rename(src, &dest).is_err() {
        // Another file system: copy, then remove the source once the copy is complete.
        copy_item(
            ctl,
            src,
            dir,
            dest.file_name().ok_or("internal")?,
            Mode::Overwrite,
            from,
            to,
        )?;
        fs.remove_any(src).map_err(|_| "unlink_failed")?;
        return Ok(());
    }
    ctl.add_bytes(bytes);
    for _ in 0..files {
        ctl.file_done();
    }
    Ok(())
}

fn remove_job(ctl: &Ctl, files: &[Target]) -> Result<(), Fail> {
    let fs = ctl.fs();
    let mut reals = Vec::new();
    for f in files {
        if f.is_volume() {
            return Err("permission_denied");
        }
        let real = f.real.as_deref().ok_or("permission_denied")?;
        if !fs.entry_exists(real) && ctl.emu.uploads.held(fs, real).is_none() {
            return Err("file_not_found");
        }
        reals.push((real.to_path_buf(), f.clear.clone()));
    }
    ctl.set_totals(0, reals.len() as u64);
    for (real, clear) in reals {
        ctl.checkpoint()?;
        ctl.begin_item(&clear, "", 0);
        // The name goes with what the box holds of an unfinished upload to it.
        ctl.emu.uploads.drop_held(fs, &real);
        if !fs.entry_exists(&real) {
            ctl.file_done();
            continue;
        }
        let is_dir = fs.symlink_metadata(&real).is_ok_and(|m| m.is_dir());
        // A link is removed as the link, wherever it points.
        fs.remove_any(&real).map_err(|_| {
            if is_dir {
                "rmdir_failed"
            } else {
                "unlink_failed"
            }
        })?;
        ctl.file_done();
    }
    Ok(())
}

/// The digests the box offers.
enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(kind: &str) -> Option<Hasher> {
        Some(match kind {
            "md5" => Hasher::Md5(md5::Md5::new()),
            "sha1" => Hasher::Sha1(<sha1::Sha1 as sha1::Digest>::new()),
            "sha256" => Hasher::Sha256(sha2::Sha256::new()),
            "sha512" => Hasher::Sha512(sha2::Sha512::new()),
            _ => return None,
        })
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha1(h) => sha1::Digest::update(h, data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    fn hex(self) -> String {
        let bytes: Vec<u8> = match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha1(h) => sha1::Digest::finalize(h).to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn hash_job(ctl: &Ctl, src: &Target, kind: &str) -> Result<String, Fail> {
    let mut hasher = Hasher::new(kind).ok_or("unknown_hash_type")?;
    let named = src.real.as_deref().ok_or("file_not_found")?;
    let fs = ctl.fs();
    // No entry of that name: the partial upload held under it, if any.
    let held = match fs.entry_exists(named) {
        true => None,
        false => ctl.emu.uploads.held(fs, named),
    };
    let real = held.as_deref().unwrap_or(named);
    let meta = fs.metadata(real).map_err(|_| "file_not_found")?;
    if !meta.is_file() {
        return Err("unsupported_file_type");
    }
    ctl.set_totals(meta.len(), 1);
    ctl.begin_item(&src.clear, "", meta.len());
    let mut input = fs.open_read(real).map_err(|_| "open_input_failed")?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        ctl.checkpoint()?;
        let n = input.read(&mut buf).map_err(|_| "file_not_found")?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        ctl.add_bytes(n as u64);
    }
    ctl.file_done();
    Ok(hasher.hex())
}
