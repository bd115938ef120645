//! The chunked (resumable) upload funcs of File Station 4.2+ (qnap.md A.5):
//! `start_chunked_upload`, `chunked_upload`, `get_chunked_upload_status`,
//! `delete_chunked_upload_file`. Chunks are appended to a cache file
//! `<upload_root_dir>/.@upload_cache/<upload_id>`; the chunk that brings it to
//! `filesize` assembles it: mtime set, then renamed atomically into
//! `dest_path/upload_name`, so nothing partial is ever seen under the final name. A chunk
//! cut off midway keeps what arrived (a real box keeps its partial too): the client asks
//! `get_chunked_upload_status` and continues from there. Reply shapes marked [L] in
//! docs/EMULATOR.md are this emulator's choice, not captures.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::header;

use super::envelope::{J, Reply, json, status};
use super::paths::check_new_name;
use super::router::Ctx;
use super::session::random_token;
use super::upload::{io_status, length_required};
use crate::emulator::confined::{self, WriteMode};
use crate::emulator::fsroot::FsRoot;
use crate::emulator::spool::Spool;

/// Folder of the cache files, inside `upload_root_dir` (hidden from listings: `.@`).
pub const CACHE_DIR: &str = ".@upload_cache";
const ID_LEN: usize = 7;
const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The envelope of this box with extra fields after it.
fn reply(c: &Ctx, code: i64, extra: Vec<(&'static str, J)>) -> Reply {
    let mut fields = vec![
        ("version", J::s(c.emu.cfg.version.as_str())),
        ("build", J::s(c.emu.cfg.build.as_str())),
        ("status", J::Int(code)),
        ("success", J::s("true")),
    ];
    fields.extend(extra);
    Ok(json(&J::Obj(fields)))
}

/// The cache file of `upload_id` (checked: 7 characters of the id alphabet, so it can
/// never name anything outside the cache folder).
fn cache_file(c: &Ctx) -> Result<PathBuf, i64> {
    let id = c.req("upload_id")?;
    if id.len() != ID_LEN || !id.bytes().all(|b| ID_ALPHABET.contains(&b)) {
        return Err(status::PARAMS);
    }
    let root = c.emu.real_dir(c.req("upload_root_dir")?)?;
    Ok(root.join(CACHE_DIR).join(id))
}

/// Removes the cache file, then its folder if that left it empty (no trace of finished
/// uploads in the share).
fn remove_cache(fs: &FsRoot, cache: &Path) -> std::io::Result<()> {
    fs.remove_file(cache)?;
    tidy_cache_dir(fs, cache);
    Ok(())
}

fn tidy_cache_dir(fs: &FsRoot, cache: &Path) {
    if let Some(dir) = cache.parent() {
        // Fails (and is meant to) while other uploads are under way.
        let _ = fs.remove_dir(dir);
    }
}

/// The bytes the cache file holds (the file itself: a link there is no upload).
fn held(fs: &FsRoot, cache: &Path) -> Result<u64, i64> {
    match fs.symlink_metadata(cache) {
        Ok(m) if m.is_file() => Ok(m.len()),
        _ => Err(status::NOT_FOUND),
    }
}

/// `start_chunked_upload&upload_root_dir=/Share` → status 0 (as QSRC writes it) and
/// a fresh `upload_id`.
pub fn start(c: &Ctx) -> Reply {
    let root = c.emu.real_dir(c.req("upload_root_dir")?)?;
    let dir = root.join(CACHE_DIR);
    let fs = &c.emu.fs;
    fs.create_dir_all(&dir).map_err(|e| io_status(&e))?;
    loop {
        let id = random_token(ID_ALPHABET, ID_LEN);
        match fs.open_write(&dir.join(&id), WriteMode::CreateNew) {
            Ok(_) => return reply(c, status::FAIL, vec![("upload_id", J::s(id))]),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            // Another upload just ended and removed the empty folder: make it again.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs.create_dir_all(&dir).map_err(|e| io_status(&e))?;
            }
            Err(e) => return Err(io_status(&e)),
        }
    }
}

/// `get_chunked_upload_status` → the bytes the cache holds (`size`; `md5` empty).
pub fn get_status(c: &Ctx) -> Reply {
    let size = held(&c.emu.fs, &cache_file(c)?)?;
    reply(c, status::OK, vec![("size", J::i(size)), ("md5", J::s(""))])
}

/// `delete_chunked_upload_file`: abandons the upload (5 when there is none).
pub fn delete(c: &Ctx) -> Reply {
    let cache = cache_file(c)?;
    remove_cache(&c.emu.fs, &cache).map_err(|_| status::NOT_FOUND)?;
    Err(status::OK)
}

/// What one `chunked_upload` request asks for.
struct Chunk {
    fs: FsRoot,
    cache: PathBuf,
    offset: u64,
    filesize: u64,
    dest: String,
    name: String,
    target: PathBuf,
    overwrite: bool,
    mtime: Option<i64>,
}

impl Chunk {
    fn parse(c: &Ctx) -> Result<Chunk, i64> {
        let cache = cache_file(c)?;
        let offset =
            u64::try_from(c.p.int("offset").ok_or(status::PARAMS)?).map_err(|_| status::PARAMS)?;
        let filesize = u64::try_from(c.p.int("filesize").ok_or(status::PARAMS)?)
            .map_err(|_| status::PARAMS)?;
        let dest = c.req("dest_path")?.to_owned();
        c.emu.real_dir(&dest)?;
        // `upload_name` names the file; the final request of QSRC's client carries
        // `Filename=` instead, which is taken when `upload_name` is missing.
        let name =
            c.p.nonempty("upload_name")
                .or_else(|| c.p.nonempty("Filename"))
                .ok_or(status::PARAMS)?
                .to_owned();
        check_new_name(&name)?;
        let target = c.emu.real_child(&dest, &name)?;
        let mtime = if c.p.flag("settime") {
            Some(c.p.int("mtime").ok_or(status::PARAMS)?)
        } else {
            None
        };
        Ok(Chunk {
            fs: c.emu.fs.clone(),
            cache,
            offset,
            filesize,
            dest,
            name,
            target,
            overwrite: c.p.get("overwrite") == Some("1"),
            mtime,
        })
    }

    /// Whether the target is in the way (an existing file without `overwrite`, or a
    /// folder, which is never replaced).
    fn blocked(&self) -> bool {
        match self.fs.symlink_metadata(&self.target) {
            Ok(m) => m.is_dir() || !self.overwrite,
            Err(_) => false,
        }
    }
}

/// `chunked_upload`: one multipart chunk at `offset`, which must equal what the cache
/// holds (else status 20 with the held `size`, so a client can resynchronise).
pub async fn chunked_upload(c: &Ctx, body: Body) -> Reply {
    if !c.headers.contains_key(header::CONTENT_LENGTH) {
        return Ok(length_required());
    }
    let chunk = Chunk::parse(c)?;
    let have = held(&chunk.fs, &chunk.cache)?;
    if chunk.offset != have || have > chunk.filesize {
        return reply(c, status::PARAMS, vec![("size", J::i(have))]);
    }
    if chunk.blocked() {
        // Refused before a byte is stored; the upload stays open (the client deletes it).
        return Err(status::EXISTS);
    }
    let boundary = c
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or(status::PARAMS)?;
    let body = c.emu.faults.wrap_upload(body).into_data_stream();
    let mut mp = multer::Multipart::new(body, boundary);
    // The first part is the chunk, whatever its name.
    let mut field = match mp.next_field().await {
        Ok(Some(f)) => f,
        _ => return Err(status::PARAMS),
    };
    let file = chunk
        .fs
        .open_write_async(&chunk.cache, WriteMode::Append)
        .await
        .map_err(|_| status::NOT_FOUND)?;
    let mut out = Spool::new(file);
    let room = chunk.filesize - have;
    let mut got = 0u64;
    let broken = loop {
        match field.chunk().await {
            Ok(Some(bytes)) => {
                got += bytes.len() as u64;
                if got > room {
                    break Some(status::PARAMS);
                }
                out.push(bytes).await.map_err(|e| io_status(&e))?;
            }
            Ok(None) => break None,
            Err(e) => {
                tracing::debug!(error = %e, "qnap emulator: chunk body broken");
                break Some(status::FAIL);
            }
        }
    };
    // What arrived stays in the cache, also from a chunk cut off midway.
    out.finish().await.map_err(|e| io_status(&e))?;
    if let Some(code) = broken {
        if code == status::PARAMS {
            // More bytes than `filesize` announced: the upload is void.
            let _ = remove_cache(&chunk.fs, &chunk.cache);
        }
        return Err(code);
    }
    let size = held(&chunk.fs, &chunk.cache)?;
    if size < chunk.filesize {
        return reply(c, status::OK, vec![("size", J::i(size))]);
    }
    let dest = chunk.dest.clone();
    let name = chunk.name.clone();
    tracing::debug!(dest = %dest, name = %name, size, "qnap emulator: chunked upload assembled");
    let mtime = tokio::task::spawn_blocking(move || assemble(&chunk))
        .await
        .unwrap_or(Err(status::FAIL))?;
    reply(
        c,
        status::OK,
        vec![("size", J::i(size)), ("mtime", J::i(mtime))],
    )
}

/// The complete cache file becomes the target: mtime first, then one rename, so the
/// final name only ever shows the whole file. Returns the file's mtime.
fn assemble(chunk: &Chunk) -> Result<i64, i64> {
    let fs = &chunk.fs;
    if chunk.blocked() {
        let _ = remove_cache(fs, &chunk.cache);
        return Err(status::EXISTS);
    }
    if let Some(t) = chunk.mtime {
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.max(0) as u64);
        fs.set_modified(&chunk.cache, when)
            .map_err(|_| status::OPEN_FAIL)?;
    }
    fs.rename(&chunk.cache, &chunk.target)
        .map_err(|_| status::OPEN_FAIL)?;
    tidy_cache_dir(fs, &chunk.cache);
    let mtime = fs
        .symlink_metadata(&chunk.target)
        .and_then(|m| confined::modified(&m))
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    Ok(mtime)
}
