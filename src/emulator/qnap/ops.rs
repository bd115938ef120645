//! Changing things: `createdir`, `rename`, `delete`, and the asynchronous `copy`/`move`
//! (pid at once, work in the background, `mode` 0 = overwrite / 1 = skip, `dup`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::envelope::{J, Reply, json, status};
use super::jobs::Progress;
use super::paths::check_name;
use super::router::Ctx;

const COPY_BUFFER: usize = 1 << 20;

pub fn createdir(c: &Ctx) -> Reply {
    let dest = c.req("dest_path")?;
    let name = c.req("dest_folder")?;
    c.emu.real_dir(dest)?;
    let target = c.emu.real_child(dest, name)?;
    if std::fs::symlink_metadata(&target).is_ok() {
        return Err(if c.emu.cfg.legacy_profile {
            status::EXISTS
        } else {
            status::NAME_DUP
        });
    }
    // QSRC maps every mkdir failure to 9.
    std::fs::create_dir(&target).map_err(|_| status::QUOTA)?;
    Err(status::OK)
}

pub fn rename(c: &Ctx) -> Reply {
    let dir = c.req("path")?;
    let from = c.req("source_name")?;
    let to = c.req("dest_name")?;
    c.emu.real_dir(dir)?;
    let src = c.emu.real_child(dir, from)?;
    let dst = c.emu.real_child(dir, to)?;
    let src_meta = std::fs::symlink_metadata(&src).map_err(|_| status::FAIL)?;
    if let Ok(dst_meta) = std::fs::symlink_metadata(&dst) {
        // A case-only rename on a case-insensitive disk finds "itself" under the new name.
        use std::os::unix::fs::MetadataExt;
        let same = dst_meta.ino() == src_meta.ino() && dst_meta.dev() == src_meta.dev();
        if !same || from == to {
            return Err(status::EXISTS);
        }
    }
    std::fs::rename(&src, &dst).map_err(|_| status::FAIL)?;
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
        let target = c.emu.real_child(dir, name)?;
        let meta = std::fs::symlink_metadata(&target).map_err(|_| status::FAIL)?;
        let r = if meta.is_dir() {
            std::fs::remove_dir_all(&target)
        } else {
            std::fs::remove_file(&target)
        };
        r.map_err(|_| status::FAIL)?;
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
fn dup_name(dir: &Path, name: &str, dup: &str, is_dir: bool) -> String {
    let (base, ext) = match name.rsplit_once('.') {
        Some((b, e)) if !is_dir && !b.is_empty() => (b, format!(".{e}")),
        _ => (name, String::new()),
    };
    (1..)
        .map(|n| format!("{base}-{dup}({n}){ext}"))
        .find(|cand| std::fs::symlink_metadata(dir.join(cand)).is_err())
        .unwrap_or_else(|| format!("{base}-{dup}{ext}"))
}

struct Plan {
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
    for n in names {
        check_name(n)?;
        let p = c.emu.real_child(src_dir, n)?;
        if std::fs::symlink_metadata(&p).is_err() {
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
    if !dest.is_dir() {
        return Err(status::DEST_MISSING);
    }
    for (_, p) in &sources {
        // Into itself (or a sub-folder of itself) is never allowed; onto its own
        // folder only with `dup`, which picks a new name.
        let into_itself = p.is_dir() && dest.starts_with(p);
        let onto_itself = p.parent() == Some(dest.as_path());
        if into_itself || (onto_itself && dup.is_none()) {
            return Err(status::ILLEGAL_NAME);
        }
    }
    Ok(Plan {
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

/// Counts files and bytes below `p` (links are skipped like the device does).
fn measure(p: &Path, files: &mut u64, bytes: &mut u64) {
    let Ok(meta) = std::fs::symlink_metadata(p) else {
        return;
    };
    if meta.is_dir() {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                measure(&e.path(), files, bytes);
            }
        }
    } else if meta.is_file() {
        *files += 1;
        *bytes += meta.len();
    }
}

fn run_job(plan: &Plan, prog: &Arc<Progress>, is_move: bool) {
    let (mut files, mut bytes) = (0, 0);
    for (_, p) in &plan.sources {
        measure(p, &mut files, &mut bytes);
    }
    prog.total_files.store(files, Ordering::Relaxed);
    prog.total_bytes.store(bytes, Ordering::Relaxed);
    for (name, src) in &plan.sources {
        let target_name = match &plan.dup {
            Some(d) => dup_name(&plan.dest, name, d, src.is_dir()),
            None => name.clone(),
        };
        let target = plan.dest.join(&target_name);
        let r = if is_move {
            move_one(src, &target, plan.mode, prog)
        } else {
            copy_tree(src, &target, plan.mode, prog)
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

fn copy_tree(src: &Path, dst: &Path, mode: OnExisting, prog: &Progress) -> Result<(), i64> {
    if prog.cancelled() {
        return Ok(());
    }
    let meta = std::fs::symlink_metadata(src).map_err(|_| 10)?;
    // Links and special files (FIFO, socket, device) are not copied.
    if !meta.is_dir() && !meta.is_file() {
        return Ok(());
    }
    if meta.is_dir() {
        match std::fs::symlink_metadata(dst) {
            Ok(m) if m.is_dir() => {}
            Ok(_) if mode == OnExisting::Skip => return Ok(()),
            Ok(_) => std::fs::remove_file(dst).map_err(|_| 11)?,
            Err(_) => {}
        }
        if !dst.exists() {
            std::fs::create_dir(dst).map_err(|_| 11)?;
        }
        let rd = std::fs::read_dir(src).map_err(|_| 10)?;
        for e in rd.flatten() {
            copy_tree(&e.path(), &dst.join(e.file_name()), mode, prog)?;
        }
        return Ok(());
    }
    prog.set_current(&src.file_name().unwrap_or_default().to_string_lossy());
    if dst.exists() && mode == OnExisting::Skip {
        prog.done_bytes.fetch_add(meta.len(), Ordering::Relaxed);
        prog.done_files.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    copy_file(src, dst, prog)?;
    prog.done_files.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

fn copy_file(src: &Path, dst: &Path, prog: &Progress) -> Result<(), i64> {
    let mut input = crate::emulator::fsroot::open_regular(src).map_err(|_| 10)?;
    let mut out = std::fs::File::create(dst).map_err(|_| 11)?;
    let mut buf = vec![0u8; COPY_BUFFER];
    loop {
        if prog.cancelled() {
            drop(out);
            let _ = std::fs::remove_file(dst);
            return Ok(());
        }
        let n = input.read(&mut buf).map_err(|_| 10)?;
        if n == 0 {
            break;
        }
        if out.write_all(&buf[..n]).is_err() {
            drop(out);
            let _ = std::fs::remove_file(dst);
            return Err(status::QUOTA);
        }
        prog.done_bytes.fetch_add(n as u64, Ordering::Relaxed);
    }
    if let Ok(m) = std::fs::metadata(src).and_then(|m| m.modified()) {
        let _ = out.set_modified(m);
    }
    Ok(())
}

fn move_one(src: &Path, dst: &Path, mode: OnExisting, prog: &Progress) -> Result<(), i64> {
    if prog.cancelled() {
        return Ok(());
    }
    let meta = std::fs::symlink_metadata(src).map_err(|_| 10)?;
    match std::fs::symlink_metadata(dst) {
        // Folder onto folder merges; `mode` decides per file.
        Ok(d) if d.is_dir() && meta.is_dir() => {
            let rd = std::fs::read_dir(src).map_err(|_| 10)?;
            for e in rd.flatten() {
                move_one(&e.path(), &dst.join(e.file_name()), mode, prog)?;
            }
            let _ = std::fs::remove_dir(src);
            return Ok(());
        }
        Ok(_) if mode == OnExisting::Skip => return Ok(()),
        Ok(d) if d.is_dir() => std::fs::remove_dir_all(dst).map_err(|_| 11)?,
        Ok(_) => {}
        Err(_) => {}
    }
    prog.set_current(&src.file_name().unwrap_or_default().to_string_lossy());
    let (mut files, mut bytes) = (0, 0);
    measure(src, &mut files, &mut bytes);
    if std::fs::rename(src, dst).is_err() {
        // Another file system: copy, then delete the source once the copy is complete.
        copy_tree(src, dst, OnExisting::Overwrite, prog)?;
        if prog.cancelled() {
            return Ok(());
        }
        let r = if meta.is_dir() {
            std::fs::remove_dir_all(src)
        } else {
            std::fs::remove_file(src)
        };
        r.map_err(|_| 10)?;
        return Ok(());
    }
    prog.done_files.fetch_add(files, Ordering::Relaxed);
    prog.done_bytes.fetch_add(bytes, Ordering::Relaxed);
    Ok(())
}
