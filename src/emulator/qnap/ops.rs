//! Changing things: `createdir`, `rename`, `delete`, and the asynchronous `copy`/`move`
//! (pid at once, work in the background, `mode` 0 = overwrite / 1 = skip, `dup`).
//! All disk access goes through the confined layer (`emulator::confined`): links are
//! never copied, never written through, and a move that would carry a link pointing out
//! of the root is refused (docs/EMULATOR.md, "Links and the root").

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::envelope::{J, Reply, json, status};
use super::jobs::Progress;
use super::paths::{check_name, check_new_name, is_reserved};
use super::router::Ctx;
use crate::emulator::confined::{self, WriteMode};
use crate::emulator::fsroot::FsRoot;

const COPY_BUFFER: usize = 1 << 20;

pub fn createdir(c: &Ctx) -> Reply {
    let dest = c.req("dest_path")?;
    let name = c.req("dest_folder")?;
    check_new_name(name)?;
    c.emu.real_dir(dest)?;
    let target = c.emu.real_child(dest, name)?;
    if c.emu.fs.entry_exists(&target) {
        return Err(if c.emu.cfg.legacy_profile {
            status::EXISTS
        } else {
            status::NAME_DUP
        });
    }
    // QSRC maps every mkdir failure to 9.
    c.emu.fs.create_dir(&target).map_err(|_| status::QUOTA)?;
    Err(status::OK)
}

pub fn rename(c: &Ctx) -> Reply {
    let dir = c.req("path")?;
    let from = c.req("source_name")?;
    let to = c.req("dest_name")?;
    check_new_name(to)?;
    c.emu.real_dir(dir)?;
    // The entries themselves: renaming a link renames the link (in the same folder, so
    // what it points to does not change).
    let src = c.emu.real_entry(dir, from)?;
    let dst = c.emu.real_entry(dir, to)?;
    let fs = &c.emu.fs;
    let src_meta = fs.symlink_metadata(&src).map_err(|_| status::FAIL)?;
    if let Ok(dst_meta) = fs.symlink_metadata(&dst) {
        // A case-only rename on a case-insensitive disk finds "itself" under the new name.
        use confined::MetadataExt;
        let same = dst_meta.ino() == src_meta.ino() && dst_meta.dev() == src_meta.dev();
        if !same || from == to {
            return Err(status::EXISTS);
        }
    }
    fs.rename(&src, &dst).map_err(|_| status::FAIL)?;
    Err(status::OK)
}

pub fn delete(c: &Ctx) -> Reply {
    let dir = c.req("path")?;
    c.emu.real_dir(dir)?;
    let names = c.p.items("file_name", "file_total");
    if names.is_empty() {
        return Err(status::PARAMS);
    }
    for name in names {
        // A link is deleted as the link, wherever it points.
        let target = c.emu.real_entry(dir, name)?;
        c.emu
            .fs
            .symlink_metadata(&target)
            .map_err(|_| status::FAIL)?;
        c.emu.fs.remove_any(&target).map_err(|_| status::FAIL)?;
    }
    Err(status::OK)
}

/// What to do when a target name exists.
#[derive(Clone, Copy, Debug, PartialEq)]
enum OnExisting {
    Overwrite,
    Skip,
}

fn on_existing(c: &Ctx) -> OnExisting {
    match (c.p.int("mode"), c.p.get("overwrite")) {
        (Some(0), _) => OnExisting::Overwrite,
        (Some(_), _) => OnExisting::Skip,
        (None, Some("1")) => OnExisting::Overwrite,
        _ => OnExisting::Skip,
    }
}

/// `base-<dup>(N).ext`, N the first free number from 1.
fn dup_name(fs: &FsRoot, dir: &Path, name: &str, dup: &str, is_dir: bool) -> String {
    let (base, ext) = match name.rsplit_once('.') {
        Some((b, e)) if !is_dir && !b.is_empty() => (b, format!(".{e}")),
        _ => (name, String::new()),
    };
    (1..)
        .map(|n| format!("{base}-{dup}({n}){ext}"))
        .find(|cand| !fs.entry_exists(&dir.join(cand)))
        .unwrap_or_else(|| format!("{base}-{dup}{ext}"))
}

struct Plan {
    fs: FsRoot,
    sources: Vec<(String, PathBuf)>,
    dest: PathBuf,
    mode: OnExisting,
    dup: Option<String>,
}

/// The synchronous checks of copy and move: 5 source missing, 25 destination missing,
/// 12 folder into itself (or onto itself without `dup`).
fn plan(c: &Ctx, names: Vec<&str>) -> Result<Plan, i64> {
    let src_dir = c.req("source_path")?;
    let dest_wire = c.req("dest_path")?.trim_end_matches('/');
    if names.is_empty() {
        return Err(status::PARAMS);
    }
    let dup = c.p.nonempty("dup").map(String::from);
    let mut sources = Vec::new();
    let fs = &c.emu.fs;
    for n in names {
        check_name(n)?;
        if is_reserved(n) {
            // The emulator's own temporaries are not the client's to copy or move.
            return Err(status::ILLEGAL_NAME);
        }
        let p = c.emu.real_entry(src_dir, n)?;
        if !fs.entry_exists(&p) {
            return Err(status::NOT_FOUND);
        }
        sources.push((n.to_string(), p));
    }
    let dest = c
        .emu
        .real(if dest_wire.is_empty() { "/" } else { dest_wire })
        .map_err(|e| {
            if e == status::NOT_FOUND {
                status::DEST_MISSING
            } else {
                e
            }
        })?;
    if !fs.is_dir(&dest) {
        return Err(status::DEST_MISSING);
    }
    for (_, p) in &sources {
        // Into itself (or a sub-folder of itself) is never allowed; onto its own
        // folder only with `dup`, which picks a new name.
        let into_itself = is_real_dir(fs, p) && dest.starts_with(p);
        let onto_itself = p.parent() == Some(dest.as_path());
        if into_itself || (onto_itself && dup.is_none()) {
            return Err(status::ILLEGAL_NAME);
        }
    }
    Ok(Plan {
        fs: fs.clone(),
        sources,
        dest,
        mode: on_existing(c),
        dup,
    })
}

fn started(pid: u64) -> Reply {
    Ok(json(&J::Obj(vec![
        ("status", J::Int(1)),
        ("pid", J::i(pid)),
    ])))
}

pub fn copy(c: &Ctx) -> Reply {
    let plan = plan(c, c.p.items("source_file", "source_total"))?;
    let (pid, prog) = c.emu.jobs.start();
    std::thread::spawn(move || run_job(&plan, &prog, false));
    started(pid)
}

pub fn move_items(c: &Ctx) -> Reply {
    // QTS 5: without source_total nothing moves, yet the reply is success.
    if c.p.get("source_total").is_none() {
        return Err(status::OK);
    }
    let plan = plan(c, c.p.items("source_file", "source_total"))?;
    let (pid, prog) = c.emu.jobs.start();
    std::thread::spawn(move || run_job(&plan, &prog, true));
    started(pid)
}

pub fn progress(c: &Ctx) -> Reply {
    let pid = c.p.int("pid").ok_or(status::PARAMS)?;
    match c.emu.jobs.get(pid as u64) {
        Some(p) => Ok(json(&p.to_json())),
        // Unknown pid: status 1, percent 0, like QSRC.
        None => {
            let idle = Progress::default();
            idle.status.store(1, Ordering::SeqCst);
            idle.running.store(true, Ordering::SeqCst);
            Ok(json(&idle.to_json()))
        }
    }
}

pub fn cancel(c: &Ctx) -> Reply {
    let pid = c.p.int("pid").ok_or(status::PARAMS)?;
    if let Some(p) = c.emu.jobs.get(pid as u64) {
        p.cancel.store(true, Ordering::SeqCst);
    }
    Err(status::OK)
}

/// A folder itself (not a link to one).
fn is_real_dir(fs: &FsRoot, p: &Path) -> bool {
    fs.symlink_metadata(p).is_ok_and(|m| m.is_dir())
}

/// Counts files and bytes below `p` (links are skipped like the device does).
fn measure(fs: &FsRoot, p: &Path, files: &mut u64, bytes: &mut u64) {
    let Ok(meta) = fs.symlink_metadata(p) else {
        return;
    };
    if meta.is_dir() {
        if let Ok(rd) = fs.read_dir(p) {
            for e in rd {
                measure(fs, &e.path, files, bytes);
            }
        }
    } else if meta.is_file() {
        *files += 1;
        *bytes += meta.len();
    }
}

fn run_job(plan: &Plan, prog: &Arc<Progress>, is_move: bool) {
    let (mut files, mut bytes) = (0, 0);
    let fs = &plan.fs;
    for (_, p) in &plan.sources {
        measure(fs, p, &mut files, &mut bytes);
    }
    prog.total_files.store(files, Ordering::Relaxed);
    prog.total_bytes.store(bytes, Ordering::Relaxed);
    for (name, src) in &plan.sources {
        let target_name = match &plan.dup {
            Some(d) => dup_name(fs, &plan.dest, name, d, is_real_dir(fs, src)),
            None => name.clone(),
        };
        let target = plan.dest.join(&target_name);
        let r = if is_move {
            move_one(fs, src, &target, plan.mode, prog)
        } else {
            copy_tree(fs, src, &target, plan.mode, prog)
        };
        if let Err(code) = r {
            prog.status.store(code, Ordering::SeqCst);
            break;
        }
        if prog.cancelled() {
            break;
        }
    }
    prog.running.store(false, Ordering::SeqCst);
}

fn copy_tree(
    fs: &FsRoot,
    src: &Path,
    dst: &Path,
    mode: OnExisting,
    prog: &Progress,
) -> Result<(), i64> {
    if prog.cancelled() {
        return Ok(());
    }
    let meta = fs.symlink_metadata(src).map_err(|_| 10)?;
    // Links and special files (FIFO, socket, device) are not copied.
    if !meta.is_dir() && !meta.is_file() {
        return Ok(());
    }
    if meta.is_dir() {
        // A link in the way is a non-folder: skipped or replaced, never merged into.
        match fs.symlink_metadata(dst) {
            Ok(m) if m.is_dir() => {}
            Ok(_) if mode == OnExisting::Skip => return Ok(()),
            Ok(_) => fs.remove_file(dst).map_err(|_| 11)?,
            Err(_) => fs.create_dir(dst).map_err(|_| 11)?,
        }
        let rd = fs.read_dir(src).map_err(|_| 10)?;
        for e in rd {
            if is_reserved(&e.name.to_string_lossy()) {
                continue; // another upload's temporary: not part of the folder
            }
            copy_tree(fs, &e.path, &dst.join(&e.name), mode, prog)?;
        }
        return Ok(());
    }
    prog.set_current(&src.file_name().unwrap_or_default().to_string_lossy());
    let existing = fs.symlink_metadata(dst).ok();
    if existing.is_some() && mode == OnExisting::Skip {
        prog.done_bytes.fetch_add(meta.len(), Ordering::Relaxed);
        prog.done_files.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    if existing.is_some_and(|m| m.file_type().is_symlink()) {
        // Overwriting a link replaces the link; it is never written through.
        fs.remove_file(dst).map_err(|_| 11)?;
    }
    copy_file(fs, src, dst, prog)?;
    prog.done_files.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

fn copy_file(fs: &FsRoot, src: &Path, dst: &Path, prog: &Progress) -> Result<(), i64> {
    let mut input = fs.open_read(src).map_err(|_| 10)?;
    let mut out = fs.open_write(dst, WriteMode::Truncate).map_err(|_| 11)?;
    let mut buf = vec![0u8; COPY_BUFFER];
    loop {
        if prog.cancelled() {
            drop(out);
            let _ = fs.remove_file(dst);
            return Ok(());
        }
        let n = input.read(&mut buf).map_err(|_| 10)?;
        if n == 0 {
            break;
        }
        if out.write_all(&buf[..n]).is_err() {
            drop(out);
            let _ = fs.remove_file(dst);
            return Err(status::QUOTA);
        }
        prog.done_bytes.fetch_add(n as u64, Ordering::Relaxed);
    }
    if let Ok(m) = input.metadata().and_then(|m| m.modified()) {
        let _ = out.set_modified(m);
    }
    Ok(())
}

fn move_one(
    fs: &FsRoot,
    src: &Path,
    dst: &Path,
    mode: OnExisting,
    prog: &Progress,
) -> Result<(), i64> {
    if prog.cancelled() {
        return Ok(());
    }
    let meta = fs.symlink_metadata(src).map_err(|_| 10)?;
    match fs.symlink_metadata(dst) {
        // Folder onto folder merges; `mode` decides per file.
        Ok(d) if d.is_dir() && meta.is_dir() => {
            let rd = fs.read_dir(src).map_err(|_| 10)?;
            for e in rd {
                move_one(fs, &e.path, &dst.join(&e.name), mode, prog)?;
            }
            let _ = fs.remove_dir(src);
            return Ok(());
        }
        Ok(_) if mode == OnExisting::Skip => return Ok(()),
        Ok(d) if d.is_dir() => fs.remove_any(dst).map_err(|_| 11)?,
        Ok(_) => {}
        Err(_) => {}
    }
    // A relative link carried to another depth could point out of the root: refused.
    if fs.escaping_link_below(src, dst).is_some() {
        return Err(status::PERMISSION);
    }
    prog.set_current(&src.file_name().unwrap_or_default().to_string_lossy());
    let (mut files, mut bytes) = (0, 0);
    measure(fs, src, &mut files, &mut bytes);
    if fs.rename(src, dst).is_err() {
        // Another file system: copy, then delete the source once the copy is complete.
        copy_tree(fs, src, dst, OnExisting::Overwrite, prog)?;
        if prog.cancelled() {
            return Ok(());
        }
        fs.remove_any(src).map_err(|_| 10)?;
        return Ok(());
    }
    prog.done_files.fetch_add(files, Ordering::Relaxed);
    prog.done_bytes.fetch_add(bytes, Ordering::Relaxed);
    Ok(())
}
