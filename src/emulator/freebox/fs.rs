//! `fs/ls`, `fs/info` (single and v15 batch), `fs/mkdir`, `fs/rename`: the synchronous
//! part of the file-system API, and the `FileInfo` object they return.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Emu;
use super::envelope::{FbxError, ok, parse_body};
use super::file_info::{FileInfo, child_token};
use super::natural::{natural_cmp, sort_listing};
use super::paths::{Target, encode_clear};
use super::routes::ApiMajor;
use super::upload::{is_reserved, is_upload_temp};
use crate::emulator::confined::Metadata;

/// Whether an entry is listed as itself: the partial-upload files are not, they show
/// under the name they are held for (see upload.rs).
fn listed(name: &str) -> bool {
    !is_upload_temp(name)
}

/// Builds a `FileInfo` for an existing target.
pub fn file_info(
    emu: &Emu,
    target: &Target,
    display_name: &str,
) -> Result<FileInfo<'static>, FbxError> {
    let Some(real) = &target.real else {
        let mut root = FileInfo::dir(display_name.to_owned(), target.token(), 60, 0);
        root.hidden = true;
        return Ok(root);
    };
    let lmeta = emu
        .disk
        .fs()
        .symlink_metadata(real)
        .map_err(|_| FbxError::path_not_found())?;
    Ok(file_info_of(emu, target, display_name, real, lmeta))
}

/// [`file_info`] of an existing entry at `real` whose own metadata (a link not
/// followed) is `lmeta`.
fn file_info_of(
    emu: &Emu,
    target: &Target,
    display_name: &str,
    real: &Path,
    lmeta: Metadata,
) -> FileInfo<'static> {
    let fs = emu.disk.fs();
    let is_link = lmeta.file_type().is_symlink();
    if !is_link {
        return FileInfo::of_meta(display_name.to_owned(), target.token(), &lmeta);
    }
    // A link is shown with what it points to, if that stays inside the root.
    let (meta, target_tok) = {
        match fs
            .canonical(real)
            .ok()
            .and_then(|c| emu.disk.clear_of(&c).map(|clear| (c, clear)))
        {
            Some((c, clear)) => match fs.metadata(&c) {
                Ok(m) => (m, Some(encode_clear(&clear))),
                Err(_) => (lmeta, None),
            },
            None => (lmeta, None),
        }
    };
    FileInfo {
        link: true,
        target: target_tok,
        ..FileInfo::of_meta(display_name.to_owned(), target.token(), &meta)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct LsQuery {
    #[serde(rename = "onlyFolder")]
    only_folder: Option<String>,
    #[serde(rename = "countSubFolder")]
    count_sub_folder: Option<String>,
    #[serde(rename = "removeHidden")]
    remove_hidden: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref(), Some("1" | "true" | "True" | "yes"))
}

/// Counts the sub-folders and files directly inside `dir`.
fn counts(emu: &Emu, dir: &Path) -> (u64, u64) {
    let fs = emu.disk.fs();
    let (mut folders, mut files) = (0, 0);
    for e in fs.read_dir(dir).into_iter().flatten() {
        match fs.symlink_metadata(&e.path) {
            Ok(t) if t.is_dir() => folders += 1,
            Ok(_) => files += 1,
            Err(_) => {}
        }
    }
    (folders, files)
}

/// One entry of an `fs/ls` snapshot: its name and what was read of it when the folder
/// was read, either its own metadata (a plain entry) or its whole `FileInfo` when that
/// had to be built to sort it (`.`/`..`, a link: does it lead to a folder?, a volume of
/// `/`). A plain entry's `FileInfo` (a JSON object, a MIME guess, a base64 path) is
/// built from that metadata only when a page shows it: the first page of a
/// 100 000-entry folder builds one page of them, not 100 000 (issue 14).
pub struct LsRow {
    name: String,
    is_dir: bool,
    read: Read,
}

enum Read {
    Meta(Metadata),
    Built(FileInfo<'static>),
}

impl LsRow {
    fn built(name: &str, v: FileInfo<'static>) -> LsRow {
        LsRow {
            name: name.to_owned(),
            is_dir: v.is_dir(),
            read: Read::Built(v),
        }
    }
}

/// The entries of a directory target, sorted like the box (dirs first, natural order).
fn children(emu: &Emu, dir: &Target) -> Result<Vec<LsRow>, FbxError> {
    let mut out = Vec::new();
    match &dir.real {
        None => {
            for vol in emu.disk.volumes() {
                let t = emu.disk.resolve_clear(&format!("/{vol}"))?;
                out.push(LsRow::built(&vol, file_info(emu, &t, &vol)?));
            }
        }
        Some(real) => {
            let rd = emu
                .disk
                .fs()
                .read_dir_with_meta(real)
                .map_err(|_| FbxError::path_not_found())?;
            for entry in rd {
                let name = crate::undecodable::from_os(&entry.name).into_owned();
                if !listed(&name) {
                    continue;
                }
                if entry.meta.file_type().is_symlink() {
                    let t = child_target(dir, &name);
                    let v = file_info_of(emu, &t, &name, &entry.path, entry.meta);
                    out.push(LsRow::built(&name, v));
                    continue;
                }
                out.push(LsRow {
                    is_dir: entry.meta.is_dir(),
                    name,
                    read: Read::Meta(entry.meta),
                });
            }
            // What the box holds of unfinished uploads, under the names being uploaded.
            for (name, meta) in emu.uploads.held_in(emu.disk.fs(), real) {
                out.push(LsRow {
                    is_dir: false,
                    name: crate::undecodable::from_os(&name).into_owned(),
                    read: Read::Meta(meta),
                });
            }
        }
    }
    Ok(sort_listing(out, |r| (r.is_dir, &r.name)))
}

fn child_target(dir: &Target, name: &str) -> Target {
    Target {
        clear: format!("{}/{name}", dir.clear),
        real: dir.real.as_ref().map(|r| r.join(name)),
    }
}

/// What makes one `fs/ls` listing: its cursor pages reuse one sorted snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListingKey {
    session: String,
    dir: String,
    only_folder: bool,
    count_sub_folder: bool,
    remove_hidden: bool,
}

/// The whole listing of `dir` as the box would send it (dot entries, then the
/// children the flags keep), in order; `FileInfo`s are built by [`page_values`].
fn full_listing(emu: &Emu, dir: &Target, q: &LsQuery) -> Result<Vec<LsRow>, FbxError> {
    let me = file_info(emu, dir, ".")?;
    if !me.is_dir() {
        return Err(FbxError::business(
            "path_not_found",
            "Erreur lors de la récupération de la liste des fichiers : Le fichier n'existe pas",
        ));
    }
    let mut list = Vec::new();
    if !flag(&q.remove_hidden) {
        list.extend(dot_rows(emu, dir, me)?);
    }
    for row in children(emu, dir)? {
        // `FileInfo.hidden` is a leading dot (file_info).
        if flag(&q.remove_hidden) && row.name.starts_with('.') {
            continue;
        }
        if flag(&q.only_folder) && !row.is_dir {
            continue;
        }
        list.push(row);
    }
    Ok(list)
}

/// The `.` and `..` rows of a listing of `dir`, whose own `FileInfo` is `me`.
fn dot_rows(emu: &Emu, dir: &Target, mut me: FileInfo<'static>) -> Result<[LsRow; 2], FbxError> {
    me.name = Cow::Borrowed(".");
    me.hidden = true;
    let parent = emu.disk.resolve_clear(&dir.parent_clear())?;
    let mut up = file_info(emu, &parent, "..")?;
    up.hidden = true;
    Ok([LsRow::built(".", me), LsRow::built("..", up)])
}

/// The `FileInfo`s of `rows` (as read with the folder), the first of which is entry
/// `first` of the listing. A plain entry's is built from the metadata read with the
/// folder, borrowing its name: one allocation, its base64 path.
fn page_values<'a>(
    emu: &Emu,
    dir: &Target,
    rows: &'a [LsRow],
    first: usize,
    q: &LsQuery,
) -> Vec<FileInfo<'a>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut buf = String::with_capacity(dir.clear.len() + 64);
    for (i, row) in rows.iter().enumerate() {
        let (mut v, is_dot) = match &row.read {
            // `.` and `..` never carry counts.
            Read::Built(v) => (v.clone(), matches!(row.name.as_str(), "." | "..")),
            Read::Meta(meta) => {
                let path = child_token(&mut buf, &dir.clear, &row.name);
                (FileInfo::of_meta(row.name.as_str(), path, meta), false)
            }
        };
        if row.is_dir && flag(&q.count_sub_folder) && !is_dot {
            let t = emu.disk.resolve_token(&v.path).ok().and_then(|t| t.real);
            let (folders, files) = t.map(|p| counts(emu, &p)).unwrap_or((0, 0));
            v.foldercount = Some(folders);
            v.filecount = Some(files);
        }
        v.index = first + i;
        out.push(v);
    }
    out
}

/// A v15+ `fs/ls` result.
#[derive(Serialize)]
struct LsResult<'a> {
    entries: Vec<FileInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cursor: Option<String>,
}

/// Folders from which a first page is answered before the folder's snapshot is read
/// (`first_page_ahead`); below it, reading every entry's details costs a few ms.
const AHEAD_FROM: usize = 2000;

/// The first `limit` rows of a huge folder's listing, built from the names and kinds
/// `readdir` gives (only the page's entries are `stat`ed, only they are fully sorted:
/// a partial selection of the rest), while the snapshot for the cursor pages is read
/// and sorted on another thread (`Snapshots::begin`; a cursor page waits for it). Most
/// of the time before the first page of 100 000 entries was `stat`ing every one of
/// them (issue 14). `None`: a small folder or the whole listing asked for; the caller
/// reads the snapshot first. Returns the page's rows and the listing's total.
fn first_page_ahead(
    emu: &Arc<Emu>,
    dir: &Target,
    real: &Path,
    q: &LsQuery,
    key: &ListingKey,
    limit: usize,
) -> Option<Result<(Vec<LsRow>, usize), FbxError>> {
    let filler = emu.listings.begin(key.clone(), real);
    let fs = emu.disk.fs();
    let names = fs.read_dir_kinds(real).ok()?;
    if names.len() < AHEAD_FROM {
        return None;
    }
    // The dot entries first, as `full_listing` has them.
    let mut rows = Vec::new();
    if !flag(&q.remove_hidden) {
        let me = match file_info(emu, dir, ".") {
            Ok(me) if me.is_dir() => me,
            _ => return None,
        };
        rows.extend(dot_rows(emu, dir, me).ok()?);
    }
    // (name, is a folder, the row already built: a link, whose kind is its target's)
    let mut kids: Vec<(String, bool, Option<LsRow>)> = Vec::with_capacity(names.len());
    for (os_name, kind) in names {
        let name = crate::undecodable::from_os(&os_name).into_owned();
        if !listed(&name) || (flag(&q.remove_hidden) && name.starts_with('.')) {
            continue;
        }
        let (is_dir, built) = match kind {
            Some(is_dir) => (is_dir, None),
            None => {
                let t = child_target(dir, &name);
                let path = real.join(&os_name);
                let Ok(lmeta) = fs.symlink_metadata(&path) else {
                    continue;
                };
                let row = if lmeta.file_type().is_symlink() {
                    LsRow::built(&name, file_info_of(emu, &t, &name, &path, lmeta))
                } else {
                    LsRow {
                        is_dir: lmeta.is_dir(),
                        name: name.clone(),
                        read: Read::Meta(lmeta),
                    }
                };
                (row.is_dir, Some(row))
            }
        };
        if flag(&q.only_folder) && !is_dir {
            continue;
        }
        kids.push((name, is_dir, built));
    }
    let total = rows.len() + kids.len();
    let want = limit.saturating_sub(rows.len());
    if want >= kids.len() {
        return None;
    }
    // The same order as `children`.
    let order = |(a, dir_a, _): &(String, bool, Option<LsRow>),
                 (b, dir_b, _): &(String, bool, Option<LsRow>)| {
        dir_b.cmp(dir_a).then_with(|| natural_cmp(a, b))
    };
    if want > 0 {
        kids.select_nth_unstable_by(want, order);
    }
    kids.truncate(want);
    kids.sort_unstable_by(order);
    for (name, _, built) in kids {
        let row = match built {
            Some(row) => row,
            None => match fs.symlink_metadata(&real.join(crate::undecodable::to_os(&name))) {
                Ok(meta) => LsRow {
                    is_dir: meta.is_dir(),
                    name,
                    read: Read::Meta(meta),
                },
                Err(_) => continue,
            },
        };
        rows.push(row);
    }
    let (emu, dir, q) = (emu.clone(), dir.clone(), q.clone());
    std::thread::spawn(move || {
        if let Ok(rows) = full_listing(&emu, &dir, &q) {
            filler.fill(rows);
        }
    });
    Some(Ok((rows, total)))
}

/// `GET /api/vN/fs/ls/{tok}`: a bare array below v15, `{entries, cursor}` from v15.
/// A listing's first page reads the folder; its cursor pages are served from the
/// snapshot that read left (`emulator/snapshots.rs`), so a page costs O(page).
pub async fn ls(
    State(emu): State<Arc<Emu>>,
    Extension(ApiMajor(major)): Extension<ApiMajor>,
    UrlPath((_ver, tok)): UrlPath<(String, String)>,
    Query(q): Query<LsQuery>,
    headers: HeaderMap,
) -> Result<Response, FbxError> {
    let dir = emu.disk.resolve_token(&tok)?;
    let offset = match &q.cursor {
        Some(c) if !c.is_empty() && major >= 15 => decode_cursor(c)?,
        _ => 0,
    };
    let limit = match q.limit.as_deref() {
        _ if major < 15 => usize::MAX,
        None | Some("") => usize::MAX,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| *l > 0)
            .ok_or_else(|| FbxError::invalid_request("Requête invalide : limit"))?,
    };
    let key = ListingKey {
        session: headers
            .get("X-Fbx-App-Auth")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        dir: dir.clear.clone(),
        only_folder: flag(&q.only_folder),
        count_sub_folder: flag(&q.count_sub_folder),
        remove_hidden: flag(&q.remove_hidden),
    };
    // The read, the sort, the page's `FileInfo`s and their JSON block.
    tokio::task::spawn_blocking(move || {
        if let Some(real) = &dir.real
            && offset == 0
            && limit < usize::MAX
            && let Some(ahead) = first_page_ahead(&emu, &dir, real, &q, &key, limit)
        {
            let (rows, total) = ahead?;
            let page = page_values(&emu, &dir, &rows, 0, &q);
            return Ok(ls_reply(major, page, rows.len(), total));
        }
        let rows = match &dir.real {
            // The volumes of `/`: a handful, never worth a snapshot.
            None => Arc::new(full_listing(&emu, &dir, &q)?),
            // A cursor page reuses its listing's snapshot; a first page reads afresh.
            Some(real) => match (offset > 0).then(|| emu.listings.get(&key, real)).flatten() {
                Some(rows) => rows,
                None => emu
                    .listings
                    .read(key, real, || full_listing(&emu, &dir, &q))?,
            },
        };
        let from = offset.min(rows.len());
        let to = from.saturating_add(limit).min(rows.len());
        let page = page_values(&emu, &dir, &rows[from..to], from, &q);
        Ok::<_, FbxError>(ls_reply(major, page, to, rows.len()))
    })
    .await
    .map_err(|_| FbxError::internal("Erreur interne"))?
    .map_err(|e| {
        if e.code == "path_not_found" {
            FbxError::business(
                "path_not_found",
                "Erreur lors de la récupération de la liste des fichiers : Le fichier n'existe pas",
            )
        } else {
            e
        }
    })
}

/// The reply carrying `page`, which ends at entry `to` of a listing of `total`: a bare
/// array below v15, `{entries, cursor}` from v15 (a cursor while entries remain).
fn ls_reply(major: u32, page: Vec<FileInfo<'_>>, to: usize, total: usize) -> Response {
    if major < 15 {
        return ok(page);
    }
    let cursor = (to < total).then(|| STANDARD.encode(format!("{{\"offset\":{to}}}")));
    ok(LsResult {
        entries: page,
        cursor,
    })
}

fn decode_cursor(c: &str) -> Result<usize, FbxError> {
    let bytes = STANDARD
        .decode(c)
        .map_err(|_| FbxError::invalid_request("Requête invalide : curseur invalide"))?;
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|_| FbxError::invalid_request("Requête invalide : curseur invalide"))?;
    v["offset"]
        .as_u64()
        .map(|o| o as usize)
        .ok_or_else(|| FbxError::invalid_request("Requête invalide : curseur invalide"))
}

/// `FileInfo` plus `parent`, for `fs/info`: an entry, or else the partial upload held
/// under that name.
fn info_of(emu: &Emu, t: &Target) -> Result<FileInfo<'static>, FbxError> {
    let name = if t.clear == "/" { "" } else { t.name() };
    let mut v = match file_info(emu, t, name) {
        Err(e) if e.code == "path_not_found" => {
            let fs = emu.disk.fs();
            let real = t.real.as_deref().ok_or_else(FbxError::path_not_found)?;
            let meta = emu
                .uploads
                .held(fs, real)
                .and_then(|temp| fs.symlink_metadata(&temp).ok())
                .ok_or(e)?;
            file_info_of(emu, t, name, real, meta)
        }
        other => other?,
    };
    v.parent = Some(encode_clear(&t.parent_clear()));
    Ok(v)
}

/// `GET /api/vN/fs/info/{tok}`
pub async fn info(
    State(emu): State<Arc<Emu>>,
    UrlPath((_ver, tok)): UrlPath<(String, String)>,
) -> Result<Response, FbxError> {
    let t = emu.disk.resolve_token(&tok)?;
    Ok(ok(info_of(&emu, &t)?))
}

/// `POST /api/v15/fs/info`: a JSON array of tokens; unknown paths are skipped.
pub async fn info_batch(
    State(emu): State<Arc<Emu>>,
    Extension(ApiMajor(major)): Extension<ApiMajor>,
    body: Bytes,
) -> Result<Response, FbxError> {
    if major < 15 {
        return Err(FbxError::not_found_route());
    }
    let toks: Vec<String> = parse_body(&body)?;
    let found: Vec<FileInfo> = toks
        .iter()
        .filter_map(|t| emu.disk.resolve_token(t).ok())
        .filter_map(|t| info_of(&emu, &t).ok())
        .collect();
    Ok(ok(found))
}

#[derive(Deserialize)]
struct MkdirBody {
    parent: String,
    dirname: String,
}

/// `POST /api/vN/fs/mkdir/` → the new folder's token.
pub async fn mkdir(State(emu): State<Arc<Emu>>, body: Bytes) -> Result<Response, FbxError> {
    let req: MkdirBody = parse_body(&body)?;
    let parent = emu.disk.resolve_token(&req.parent)?;
    let parent_real = parent.real_or_denied()?;
    let fs = emu.disk.fs().clone();
    if !fs.is_dir(parent_real) {
        return Err(FbxError::path_not_found());
    }
    if is_reserved(&req.dirname) {
        return Err(FbxError::invalid_request("Requête invalide : nom réservé"));
    }
    let t = emu.disk.child(&parent, &req.dirname)?;
    let real = t.real_or_denied()?.to_path_buf();
    let made = tokio::task::spawn_blocking(move || fs.create_dir(&real))
        .await
        .map_err(|_| FbxError::internal("Erreur interne"))?;
    match made {
        Ok(()) => Ok(ok(t.token())),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(FbxError::business(
            "destination_conflict",
            "Erreur lors de la création du dossier: Le fichier existe déjà",
        )),
        Err(e) => Err(io_error(&e)),
    }
}

#[derive(Deserialize)]
struct RenameBody {
    src: String,
    dst: String,
}

/// `POST /api/vN/fs/rename/` {src, dst: new bare name} → the new token.
pub async fn rename(State(emu): State<Arc<Emu>>, body: Bytes) -> Result<Response, FbxError> {
    let req: RenameBody = parse_body(&body)?;
    // The entry itself: renaming a link renames the link (in the same folder, so what
    // it points to does not change).
    let src = emu.disk.resolve_token_entry(&req.src)?;
    if src.is_volume() {
        return Err(FbxError::access_denied());
    }
    if is_reserved(&req.dst) {
        return Err(FbxError::invalid_request("Requête invalide : nom réservé"));
    }
    let src_real = src.real_or_denied()?.to_path_buf();
    let fs = emu.disk.fs().clone();
    // No entry of that name: the partial upload held under it, if any, is what a box
    // renames (its file sits under that name there).
    let held = match fs.entry_exists(&src_real) {
        true => None,
        false => Some(
            emu.uploads
                .held(&fs, &src_real)
                .ok_or_else(FbxError::path_not_found)?,
        ),
    };
    let parent = emu.disk.resolve_clear(&src.parent_clear())?;
    let dst = emu.disk.child_entry(&parent, &req.dst)?;
    let dst_real = dst.real_or_denied()?.to_path_buf();
    if dst_real != src_real && fs.entry_exists(&dst_real) {
        return Err(FbxError::business(
            "destination_conflict",
            "Erreur lors du renommage : Le fichier existe déjà",
        ));
    }
    let from = held.clone().unwrap_or_else(|| src_real.clone());
    tokio::task::spawn_blocking(move || fs.rename(&from, &dst_real))
        .await
        .map_err(|_| FbxError::internal("Erreur interne"))?
        .map_err(|e| io_error(&e))?;
    if held.is_some() {
        emu.uploads.forget_partial(&src_real);
    }
    Ok(ok(dst.token()))
}

/// Maps an I/O error to the box's request-level fs error.
pub fn io_error(e: &std::io::Error) -> FbxError {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => FbxError::path_not_found(),
        K::PermissionDenied => FbxError::access_denied(),
        // O_NOFOLLOW met a link (the confined layer never writes through one).
        _ if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            FbxError::access_denied()
        }
        K::StorageFull => FbxError::business("disk_full", "Le disque est plein"),
        _ => FbxError::internal(format!("Erreur interne : {e}")),
    }
}
