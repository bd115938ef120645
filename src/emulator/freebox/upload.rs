//! WebSocket upload (`GET /api/vN/ws/upload`, what v4+ clients use) and the upload
//! tracking endpoints (`/upload/…`).
//!
//! Bytes go to a hidden temporary file in the target folder and are renamed onto the final
//! name at `upload_finalize`, so a half-written file's bytes never sit under the final
//! name. On a real box the partial file sits under the name being uploaded; here it stays
//! under the temporary name, but the box's view is kept: the partial held for a name is
//! listed under that name (`fs/ls`, with its current size and mtime, hidden as any dot
//! name), answers `fs/info` there and goes with `fs/rm` of that name, as long as no real
//! entry has the name ([`Uploads::held_in`], [`Uploads::held`], [`Uploads::drop_held`]);
//! `fs/rename` of that name moves the partial onto the new name, and `dl`, `fs/hash`,
//! `fs/cp`, `fs/mv` read, copy or move it as the file it is on a box.
//! `force:"resume"` and the conflict's `file_size` see the same file.
//! Temporary names are random and created exclusively (a name nobody can guess, so no
//! link can be planted there); the one partial file of each target is remembered in
//! memory, and the plain files of that pattern an earlier run of the emulator left in a
//! folder are taken back once per folder ([`Uploads::adopt`]). No request may create a
//! name of that reserved pattern.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Extension;
use axum::body::{Body, BodyDataStream, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path as UrlPath, State};
use axum::response::Response;
use bytes::BytesMut;
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::emulator::confined::{Metadata, WriteMode};
use crate::emulator::faults::Faults;
use crate::emulator::fsroot::FsRoot;

use super::Emu;
use super::envelope::{FbxError, ok, ok_empty, ok_list, to_box_json};
use super::routes::ApiMajor;

const TEMP_PREFIX: &str = ".fbxemu-upload.";
const TEMP_SUFFIX: &str = ".part";

/// Whether a file name is one of our partial uploads.
pub fn is_upload_temp(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

/// Whether a client may not create a file or folder of this name (rename, mkdir,
/// upload, copy): the whole temporary prefix is the emulator's.
pub fn is_reserved(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX)
}

/// The name a temporary file `.fbxemu-upload.<name>.<16 hex>.part` was made for (`None`:
/// not of that shape, or made for a name too long to be spelled out, see [`create_temp`]).
fn temp_target(temp: &str) -> Option<&str> {
    let inner = temp.strip_prefix(TEMP_PREFIX)?.strip_suffix(TEMP_SUFFIX)?;
    let (name, random) = inner.rsplit_once('.')?;
    let is_hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_hex(random, 16) || is_hex(name, 64) {
        return None;
    }
    (!name.is_empty() && name != "." && name != ".." && !is_reserved(name)).then_some(name)
}

/// A new temporary file for `name` in `dir`: `.fbxemu-upload.<name>.<random>.part`,
/// created exclusively. Long names are replaced by a digest to stay under the 255-byte
/// name limit.
pub fn create_temp(
    fs: &FsRoot,
    dir: &Path,
    name: &str,
) -> std::io::Result<(PathBuf, std::fs::File)> {
    // `.` + 16 random hex digits come between the name and the suffix.
    let shown = if name.len() + TEMP_PREFIX.len() + TEMP_SUFFIX.len() + 17 <= 255 {
        name.to_owned()
    } else {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(name.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    };
    fs.create_temp(dir, &format!("{TEMP_PREFIX}{shown}."), TEMP_SUFFIX)
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A `FileUpload` as listed in `/upload/`.
#[derive(Clone, Debug, Serialize)]
pub struct FileUpload {
    pub id: u64,
    pub size: u64,
    pub uploaded: u64,
    pub status: &'static str,
    pub start_date: i64,
    pub last_update: i64,
    pub upload_name: String,
    pub dirname: String,
}

/// Every upload since start (or the last `clean`).
pub struct Uploads {
    inner: Mutex<(u64, BTreeMap<u64, FileUpload>)>,
    /// The partial (temporary) file held for each target path: what `force: "resume"`
    /// continues and what the box shows under the target's name.
    partials: Mutex<HashMap<PathBuf, PathBuf>>,
    /// Folders already searched for partial files an earlier run left ([`Uploads::adopt`]).
    adopted: Mutex<HashSet<PathBuf>>,
    /// When this run began: only files older than that are taken back from disk (a task
    /// copy of this run writes through the same kind of temporary name).
    started: std::time::SystemTime,
}

impl Default for Uploads {
    fn default() -> Self {
        Uploads {
            inner: Mutex::default(),
            partials: Mutex::default(),
            adopted: Mutex::default(),
            started: std::time::SystemTime::now(),
        }
    }
}

impl Uploads {
    fn partials(&self) -> MutexGuard<'_, HashMap<PathBuf, PathBuf>> {
        self.partials.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The partial file kept for `dest`, if it is still there as a plain file.
    fn partial_of(&self, fs: &FsRoot, dest: &Path) -> Option<PathBuf> {
        let temp = self.partials().get(dest).cloned()?;
        fs.symlink_metadata(&temp)
            .is_ok_and(|m| m.is_file())
            .then_some(temp)
    }

    /// Once per folder and run: takes back the partial uploads an earlier run of the
    /// emulator left in `dir` (the box keeps them across a reboot). A plain file (never a
    /// link) of the temporary pattern, older than this run, is held for the name it was
    /// made for, unless a partial is held for that name already. Of several for one
    /// name the newest is held and the others are removed (a box holds one file under a
    /// name).
    pub fn adopt(&self, fs: &FsRoot, dir: &Path) {
        {
            let mut adopted = self.adopted.lock().unwrap_or_else(|p| p.into_inner());
            if !adopted.insert(dir.to_owned()) {
                return;
            }
        }
        let Ok(entries) = fs.read_dir_with_meta(dir) else {
            return;
        };
        let mut found: HashMap<PathBuf, (std::time::SystemTime, PathBuf)> = HashMap::new();
        for e in entries {
            let Some(target) = e.name.to_str().and_then(temp_target) else {
                continue;
            };
            let Ok(mtime) = e.meta.modified().map(|t| t.into_std()) else {
                continue;
            };
            if !e.meta.is_file() || mtime >= self.started {
                continue;
            }
            let dest = dir.join(target);
            let older = match found.get(&dest) {
                Some((t, _)) if *t >= mtime => Some(e.path),
                _ => found.insert(dest, (mtime, e.path)).map(|(_, p)| p),
            };
            if let Some(older) = older {
                let _ = fs.remove_file(&older);
            }
        }
        let mut partials = self.partials();
        for (dest, (_, temp)) in found {
            partials.entry(dest).or_insert(temp);
        }
    }

    /// The partial upload held for `dest` (looked for on disk too, see [`Uploads::adopt`]).
    pub fn held(&self, fs: &FsRoot, dest: &Path) -> Option<PathBuf> {
        if let Some(dir) = dest.parent() {
            self.adopt(fs, dir);
        }
        self.partial_of(fs, dest)
    }

    /// The partial uploads held in `dir` under a name no entry of `dir` has: each target
    /// name with its partial file's own metadata (size and mtime as they are now).
    pub fn held_in(&self, fs: &FsRoot, dir: &Path) -> Vec<(std::ffi::OsString, Metadata)> {
        self.adopt(fs, dir);
        let held: Vec<(PathBuf, PathBuf)> = self
            .partials()
            .iter()
            .filter(|(dest, _)| dest.parent() == Some(dir))
            .map(|(d, t)| (d.clone(), t.clone()))
            .collect();
        held.into_iter()
            .filter(|(dest, _)| !fs.entry_exists(dest))
            .filter_map(|(dest, temp)| {
                let meta = fs.symlink_metadata(&temp).ok().filter(|m| m.is_file())?;
                Some((dest.file_name()?.to_owned(), meta))
            })
            .collect()
    }

    /// Removes the partial upload held for `dest` (what `fs/rm` of that name does on a
    /// box); `true` when there was one.
    pub fn drop_held(&self, fs: &FsRoot, dest: &Path) -> bool {
        let Some(temp) = self.held(fs, dest) else {
            return false;
        };
        self.forget_partial(dest);
        fs.remove_file(&temp).is_ok()
    }

    fn keep_partial(&self, dest: &Path, temp: &Path) {
        self.partials().insert(dest.to_owned(), temp.to_owned());
    }

    /// Holds nothing for `dest` any more (finished, cancelled, removed or renamed away).
    pub fn forget_partial(&self, dest: &Path) {
        self.partials().remove(dest);
    }

    fn lock(&self) -> MutexGuard<'_, (u64, BTreeMap<u64, FileUpload>)> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a new upload in `in_progress` and returns its id.
    pub fn start(&self, name: &str, dirname: &str, size: u64, uploaded: u64) -> u64 {
        let mut g = self.lock();
        g.0 += 1;
        let id = g.0;
        let now = now_secs();
        g.1.insert(
            id,
            FileUpload {
                id,
                size,
                uploaded,
                status: "in_progress",
                start_date: now,
                last_update: now,
                upload_name: name.to_owned(),
                dirname: dirname.to_owned(),
            },
        );
        id
    }

    pub fn progress(&self, id: u64, uploaded: u64) {
        if let Some(u) = self.lock().1.get_mut(&id) {
            u.uploaded = uploaded;
            u.size = u.size.max(uploaded);
            u.last_update = now_secs();
        }
    }

    pub fn set_status(&self, id: u64, status: &'static str) {
        if let Some(u) = self.lock().1.get_mut(&id) {
            u.status = status;
            u.last_update = now_secs();
        }
    }

    pub fn status(&self, id: u64) -> Option<&'static str> {
        self.lock().1.get(&id).map(|u| u.status)
    }
}

/// Where an active upload writes.
struct Active {
    id: u64,
    request_id: Value,
    file: tokio::fs::File,
    temp: PathBuf,
    dest: PathBuf,
    written: u64,
}

/// `GET /api/vN/ws/upload` (the session middleware already checked the handshake).
pub async fn ws_upload(State(emu): State<Arc<Emu>>, ws: WebSocketUpgrade) -> Response {
    let limit = emu.cfg.upload_max_frame;
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| run_socket(emu, socket))
}

fn reply(action: &str, request_id: &Value, result: Option<Value>) -> Message {
    let mut v = json!({"action": action, "success": true, "request_id": request_id});
    if let Some(r) = result {
        v["result"] = r;
    }
    box_text(&v)
}

/// A text frame written like the box's JSON (`/` escaped).
fn box_text(v: &Value) -> Message {
    let text = String::from_utf8(to_box_json(v)).unwrap_or_default();
    Message::Text(text.into())
}

fn reply_err(action: &str, request_id: &Value, e: FbxError) -> Message {
    let mut v = e.body();
    v["action"] = json!(action);
    v["request_id"] = request_id.clone();
    box_text(&v)
}

/// Passes binary frames through the upload faults (bandwidth cap, dropped connection):
/// frames go into a body stream wrapped by [`Faults::wrap_upload`] and are read back.
struct FrameShaper {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    out: BodyDataStream,
}

impl FrameShaper {
    fn new(faults: &Faults) -> Option<FrameShaper> {
        let c = faults.config();
        if c.bandwidth.is_none() && c.drop_after_bytes.is_none() && c.corrupt_upload_at.is_none() {
            return None;
        }
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let input = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let out = faults
            .wrap_upload(Body::from_stream(input))
            .into_data_stream();
        Some(FrameShaper { tx, out })
    }

    /// The frame's bytes once they made it through; `Err(partial)` when the fault
    /// dropped the connection part-way.
    async fn pass(&mut self, data: Bytes) -> Result<Bytes, Bytes> {
        let want = data.len();
        if self.tx.send(Ok(data)).await.is_err() {
            return Err(Bytes::new());
        }
        let mut got = BytesMut::with_capacity(want);
        while got.len() < want {
            match self.out.next().await {
                Some(Ok(piece)) => got.extend_from_slice(&piece),
                _ => return Err(got.freeze()),
            }
        }
        Ok(got.freeze())
    }
}

async fn run_socket(emu: Arc<Emu>, mut socket: WebSocket) {
    let mut active: Option<Active> = None;
    let mut shaper = FrameShaper::new(&emu.faults);
    while let Some(Ok(msg)) = socket.recv().await {
        let out = match msg {
            Message::Binary(data) => match shaper.as_mut() {
                None => on_data(&emu, &mut active, &data).await,
                Some(sh) => match sh.pass(data).await {
                    Ok(data) => on_data(&emu, &mut active, &data).await,
                    Err(partial) => {
                        // What arrived before the "cable was pulled" is kept, then the
                        // socket is closed without a close frame.
                        tracing::debug!("fault: dropping the upload socket");
                        if !partial.is_empty() {
                            let _ = on_data(&emu, &mut active, &partial).await;
                        }
                        break;
                    }
                },
            },
            Message::Text(text) => on_command(&emu, &mut active, text.as_str()).await,
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        if socket.send(out).await.is_err() {
            break;
        }
    }
    // Socket gone mid-upload: the partial file stays for a later `force:"resume"`,
    // written out before the socket closes (a tokio file writes in the background: a
    // client reconnecting at once would find fewer bytes than it sent).
    if let Some(mut a) = active {
        let _ = a.file.flush().await;
        tracing::info!(
            id = a.id,
            written = a.written,
            "upload socket closed before finalize"
        );
        emu.uploads.set_status(a.id, "failed");
    }
}

async fn on_data(emu: &Emu, active: &mut Option<Active>, data: &[u8]) -> Message {
    let Some(a) = active else {
        return reply_err(
            "upload_data",
            &Value::Null,
            FbxError::invalid_request("Aucun envoi en cours"),
        );
    };
    if emu.uploads.status(a.id) == Some("cancelled") {
        let rid = a.request_id.clone();
        remove_blocking(emu.disk.fs(), &a.temp).await;
        emu.uploads.forget_partial(&a.dest);
        *active = None;
        return reply_err(
            "upload_data",
            &rid,
            FbxError::business("cancelled", "Envoi annulé"),
        );
    }
    if let Err(e) = a.file.write_all(data).await {
        let rid = a.request_id.clone();
        emu.uploads.set_status(a.id, "failed");
        *active = None;
        return reply_err("upload_data", &rid, super::fs::io_error(&e));
    }
    a.written += data.len() as u64;
    emu.uploads.progress(a.id, a.written);
    reply(
        "upload_data",
        &a.request_id,
        Some(json!({"total_len": a.written, "complete": false})),
    )
}

async fn on_command(emu: &Emu, active: &mut Option<Active>, text: &str) -> Message {
    let Ok(cmd) = serde_json::from_str::<Value>(text) else {
        return reply_err("", &Value::Null, FbxError::bad_json());
    };
    let rid = cmd.get("request_id").cloned().unwrap_or(Value::Null);
    let action = cmd["action"].as_str().unwrap_or("").to_owned();
    match action.as_str() {
        "upload_start" => {
            if active.is_some() {
                return reply_err(
                    &action,
                    &rid,
                    FbxError::business("invalid_request", "Un envoi est déjà en cours"),
                );
            }
            match start(emu, &cmd, rid.clone()).await {
                Ok(a) => {
                    *active = Some(a);
                    reply(&action, &rid, None)
                }
                Err(e) => reply_err(&action, &rid, e),
            }
        }
        "upload_finalize" => match active.take() {
            None => reply_err(
                &action,
                &rid,
                FbxError::invalid_request("Aucun envoi en cours"),
            ),
            Some(a) => match finalize(emu.disk.fs(), &a).await {
                Ok(()) => {
                    emu.uploads.forget_partial(&a.dest);
                    emu.uploads.set_status(a.id, "done");
                    reply(
                        &action,
                        &rid,
                        Some(json!({"total_len": a.written, "complete": true})),
                    )
                }
                Err(e) => {
                    emu.uploads.set_status(a.id, "failed");
                    reply_err(&action, &rid, e)
                }
            },
        },
        "upload_cancel" => match active.take() {
            None => reply_err(
                &action,
                &rid,
                FbxError::invalid_request("Aucun envoi en cours"),
            ),
            Some(a) => {
                drop(a.file);
                remove_blocking(emu.disk.fs(), &a.temp).await;
                emu.uploads.forget_partial(&a.dest);
                emu.uploads.set_status(a.id, "cancelled");
                reply(
                    &action,
                    &rid,
                    Some(json!({"total_len": a.written, "complete": true, "cancelled": true})),
                )
            }
        },
        _ => reply_err(&action, &rid, FbxError::invalid_request("Action inconnue")),
    }
}

/// `upload_start`: checks the target, opens the temporary file as `force` says.
async fn start(emu: &Emu, cmd: &Value, request_id: Value) -> Result<Active, FbxError> {
    let dirname = cmd["dirname"]
        .as_str()
        .ok_or_else(FbxError::path_not_found)?;
    let filename = cmd["filename"]
        .as_str()
        .ok_or_else(|| FbxError::invalid_request("Requête invalide"))?;
    let force = cmd["force"].as_str().unwrap_or("missing");
    let size = cmd["size"].as_u64().unwrap_or(0);
    let dir = emu.disk.resolve_token(dirname)?;
    let dir_real = dir.real_or_denied()?.to_path_buf();
    let fs = emu.disk.fs().clone();
    if !fs.is_dir(&dir_real) {
        return Err(FbxError::path_not_found());
    }
    if is_reserved(filename) {
        return Err(FbxError::invalid_request("Requête invalide : nom réservé"));
    }
    if !matches!(force, "overwrite" | "resume" | "missing" | "") {
        return Err(FbxError::invalid_request("Requête invalide : force"));
    }
    let dest = emu.disk.child(&dir, filename)?;
    let dest_real = dest.real_or_denied()?.to_path_buf();
    let partial = emu.uploads.held(&fs, &dest_real);
    let (wanted, name) = (force.to_owned(), filename.to_owned());
    let (dest2, partial2) = (dest_real.clone(), partial.clone());
    let (temp, file) = tokio::task::spawn_blocking(move || {
        open_temp(&fs, &dir_real, &dest2, &name, &wanted, partial2)
    })
    .await
    .map_err(|e| FbxError::internal(format!("Erreur interne : {e}")))??;
    emu.uploads.keep_partial(&dest_real, &temp);
    let file = tokio::fs::File::from_std(file);
    let written = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let id = emu
        .uploads
        .start(filename, &dir.clear, size.max(written), written);
    tracing::debug!(id, force, "upload started");
    Ok(Active {
        id,
        request_id,
        file,
        temp,
        dest: dest_real,
        written,
    })
}

/// The temporary file an upload writes to, as `force` says (blocking; confined):
/// `overwrite` starts a new one, `resume` goes on with the partial file (or a copy of the
/// existing target), `missing` refuses when either exists (with its size).
fn open_temp(
    fs: &FsRoot,
    dir: &Path,
    dest: &Path,
    name: &str,
    force: &str,
    partial: Option<PathBuf>,
) -> Result<(PathBuf, std::fs::File), FbxError> {
    let io = |e: std::io::Error| super::fs::io_error(&e);
    // What the name leads to, inside the root only (a link out reads as missing).
    let dest_meta = fs.metadata(dest).ok();
    if dest_meta.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(conflict(0));
    }
    let partial_len = partial
        .as_deref()
        .and_then(|p| fs.symlink_metadata(p).ok())
        .map(|m| m.len());
    match force {
        "overwrite" => {
            if let Some(p) = &partial {
                let _ = fs.remove_file(p);
            }
            create_temp(fs, dir, name).map_err(io)
        }
        "resume" => match partial {
            Some(p) => {
                let f = fs.open_write(&p, WriteMode::Append).map_err(io)?;
                Ok((p, f))
            }
            None => {
                let (temp, mut out) = create_temp(fs, dir, name).map_err(io)?;
                if dest_meta.is_some() {
                    let copied = fs
                        .open_read(dest)
                        .and_then(|mut input| std::io::copy(&mut input, &mut out));
                    if let Err(e) = copied {
                        let _ = fs.remove_file(&temp);
                        return Err(io(e));
                    }
                }
                Ok((temp, out))
            }
        },
        _ => {
            if let Some(len) = partial_len.or(dest_meta.map(|m| m.len())) {
                return Err(conflict(len));
            }
            create_temp(fs, dir, name).map_err(io)
        }
    }
}

/// Removes a temporary file from async code (errors ignored: it may be gone already).
async fn remove_blocking(fs: &FsRoot, path: &Path) {
    let (fs, path) = (fs.clone(), path.to_owned());
    let _ = tokio::task::spawn_blocking(move || fs.remove_file(&path)).await;
}

fn conflict(existing: u64) -> FbxError {
    FbxError::business("conflict", "Le fichier existe déjà").with("file_size", json!(existing))
}

/// Flushes the temporary file to disk and renames it onto the final name (a link of that
/// name is replaced, never written through).
async fn finalize(fs: &FsRoot, a: &Active) -> Result<(), FbxError> {
    a.file
        .sync_all()
        .await
        .map_err(|e| super::fs::io_error(&e))?;
    let (fs, temp, dest) = (fs.clone(), a.temp.clone(), a.dest.clone());
    tokio::task::spawn_blocking(move || fs.rename(&temp, &dest))
        .await
        .map_err(|e| FbxError::internal(format!("Erreur interne : {e}")))?
        .map_err(|e| super::fs::io_error(&e))
}

/// `GET /api/vN/upload/`
pub async fn list(State(emu): State<Arc<Emu>>) -> Response {
    let items = emu.uploads.lock().1.values().map(|u| json!(u)).collect();
    ok_list(items)
}

fn unknown_upload(major: u32) -> FbxError {
    if major >= 8 {
        FbxError::business("noent", "Pas d'envoi avec cet identifiant")
    } else {
        FbxError::business("invalid_id", "Identifiant invalide")
    }
}

fn parse_id(id: &str) -> Option<u64> {
    id.trim_end_matches('/').parse().ok()
}

/// `GET /api/vN/upload/{id}`
pub async fn get_one(
    State(emu): State<Arc<Emu>>,
    Extension(ApiMajor(major)): Extension<ApiMajor>,
    UrlPath((_v, id)): UrlPath<(String, String)>,
) -> Result<Response, FbxError> {
    let g = emu.uploads.lock();
    let u = parse_id(&id).and_then(|id| g.1.get(&id));
    u.map(ok).ok_or_else(|| unknown_upload(major))
}

/// `DELETE /api/vN/upload/{id}/cancel`: only while in progress.
pub async fn cancel(
    State(emu): State<Arc<Emu>>,
    Extension(ApiMajor(major)): Extension<ApiMajor>,
    UrlPath((_v, id)): UrlPath<(String, String)>,
) -> Result<Response, FbxError> {
    let mut g = emu.uploads.lock();
    let u = parse_id(&id)
        .and_then(|id| g.1.get_mut(&id))
        .ok_or_else(|| unknown_upload(major))?;
    if u.status != "in_progress" {
        return Err(FbxError::business(
            "invalid_request",
            "L'envoi n'est pas en cours",
        ));
    }
    u.status = "cancelled";
    Ok(ok_empty())
}

/// `DELETE /api/vN/upload/{id}`: forgets the upload (cancelling it if running).
pub async fn delete(
    State(emu): State<Arc<Emu>>,
    Extension(ApiMajor(major)): Extension<ApiMajor>,
    UrlPath((_v, id)): UrlPath<(String, String)>,
) -> Result<Response, FbxError> {
    let mut g = emu.uploads.lock();
    let id = parse_id(&id).ok_or_else(|| unknown_upload(major))?;
    match g.1.get_mut(&id) {
        Some(u) if u.status == "in_progress" => {
            // The socket sees `cancelled` at its next frame and drops the partial file.
            u.status = "cancelled";
            Ok(ok_empty())
        }
        Some(_) => {
            g.1.remove(&id);
            Ok(ok_empty())
        }
        None => Err(unknown_upload(major)),
    }
}

/// `DELETE /api/vN/upload/clean`: removes every upload not in progress.
pub async fn clean(State(emu): State<Arc<Emu>>) -> Response {
    emu.uploads
        .lock()
        .1
        .retain(|_, u| u.status == "in_progress");
    ok_empty()
}

#[cfg(test)]
mod tests {
    use super::temp_target;

    #[test]
    fn a_temporary_names_the_target_it_was_made_for() {
        let t = ".fbxemu-upload..nascmd-part-00ff-a.bin.0123456789abcdef.part";
        assert_eq!(temp_target(t), Some(".nascmd-part-00ff-a.bin"));
        assert_eq!(
            temp_target(".fbxemu-upload.x.0123456789ABCDEF.part"),
            Some("x")
        );
        // Not ours, no random part, a digest (name too long), or a reserved name.
        assert_eq!(temp_target("x.0123456789abcdef.part"), None);
        assert_eq!(temp_target(".fbxemu-upload.x.part"), None);
        assert_eq!(temp_target(".fbxemu-upload.x.0123.part"), None);
        let digest = "ab".repeat(32);
        assert_eq!(
            temp_target(&format!(".fbxemu-upload.{digest}.0123456789abcdef.part")),
            None
        );
        assert_eq!(
            temp_target(".fbxemu-upload..fbxemu-upload.y.0123456789abcdef.part"),
            None
        );
        assert_eq!(temp_target(".fbxemu-upload...0123456789abcdef.part"), None);
    }
}
