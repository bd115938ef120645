//! Browsing: `get_tree` (shares, folder nodes, recycle bin), `get_list` (paging, sort,
//! hidden files, `total`/`real_total` of the whole folder), `stat` (with `exist: 0`
//! placeholders and the `settime` mtime setter). Entries carry the QTS 5.2.6 key set.

use std::cmp::Ordering;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use super::envelope::{J, Reply, json, status};
use super::paths::{UPLOAD_TEMP_PREFIX, child_wire};
use super::router::Ctx;
use crate::emulator::confined::{self, Metadata, PermissionsExt};
use crate::emulator::fsroot::FsRoot;

/// `mt` as a NAS shows it (`YYYY/MM/DD HH:MM:SS`); the emulator's NAS clock is UTC.
pub fn display_time(epoch: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(epoch) {
        Ok(t) => format!(
            "{:04}/{:02}/{:02} {:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => String::new(),
    }
}

pub fn epoch_of(meta: &Metadata) -> i64 {
    confined::modified(meta)
        .ok()
        .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// File Station's media class by extension: 1 music, 2 video, 3 photo, 0 other.
fn filetype(name: &str) -> i64 {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("mp3" | "flac" | "wav" | "ogg" | "m4a" | "aac" | "wma") => 1,
        Some("mp4" | "mkv" | "avi" | "mov" | "wmv" | "m2ts" | "ts" | "webm") => 2,
        Some("jpg" | "jpeg" | "png" | "gif" | "bmp" | "heic" | "tif" | "tiff") => 3,
        _ => 0,
    }
}

/// One `datas` element; `meta` None = the `exist: 0` placeholder of `stat`.
pub fn entry(name: &str, meta: Option<&Metadata>) -> J {
    let (isfolder, size, privilege, mt, epochmt, owner, group, is_link) = match meta {
        Some(m) => {
            let e = epoch_of(m);
            let size = if m.is_dir() { 4096 } else { m.len() };
            (
                i64::from(m.is_dir()),
                size.to_string(),
                format!("{:03o}", m.permissions().mode() & 0o777),
                display_time(e),
                e,
                "admin",
                "administrators",
                i64::from(m.file_type().is_symlink()),
            )
        }
        None => (0, "0".into(), String::new(), String::new(), 0, "", "", 0),
    };
    J::Obj(vec![
        ("filename", J::s(name)),
        ("isfolder", J::Int(isfolder)),
        ("filesize", J::Str(size)),
        ("group", J::s(group)),
        ("owner", J::s(owner)),
        ("iscommpressed", J::Int(0)),
        ("privilege", J::Str(privilege)),
        ("privilege_ex", J::Int(0)),
        (
            "filetype",
            J::Int(if isfolder == 1 { 0 } else { filetype(name) }),
        ),
        ("mt", J::Str(mt)),
        ("epochmt", J::Int(epochmt)),
        ("exist", J::Int(i64::from(meta.is_some()))),
        ("is_link", J::Int(is_link)),
        ("encrypt_folder", J::Int(0)),
        ("sticky_bit", J::Int(0)),
        ("projection_type", J::Int(0)),
        ("has_thumbnail", J::Int(0)),
        ("is_cached", J::Int(0)),
        ("cache_upload_progress", J::Int(0)),
        ("is_h265", J::Int(-1)),
        ("mp3", J::Int(0)),
        ("mp4_240", J::Int(0)),
        ("mp4_360", J::Int(0)),
        ("mp4_480", J::Int(0)),
        ("mp4_720", J::Int(0)),
        ("mp4_1080", J::Int(0)),
        ("mp4_org", J::Int(0)),
        ("play", J::Int(0)),
        ("trans", J::Int(0)),
        ("subtitle", J::Int(0)),
        ("randno", J::s("")),
        ("rf_team_priviege", J::Int(0)),
    ])
}

/// What makes one `get_list` listing (its later pages reuse one sorted snapshot).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListingKey {
    pub sid: String,
    pub path: String,
    pub sort: String,
    pub desc: bool,
    pub hidden: bool,
}

/// A folder item read from disk, ready to sort and page.
pub struct Item {
    pub name: String,
    pub meta: Metadata,
    /// Wire path of the item (set by search; listings leave it empty).
    pub wire: String,
}

/// Whether `get_list`/`get_tree` hide `name` (dot files unless `hidden_file=1`; the
/// emulator's own upload temp files and the system's `.@` folders — `.@upload_cache`,
/// `.@__thumb` — always, as a real box does).
pub fn hidden(name: &str, show_hidden: bool) -> bool {
    name.starts_with(UPLOAD_TEMP_PREFIX)
        || name.starts_with(".@")
        || (!show_hidden && name.starts_with('.'))
}

/// The items of `dir`. A symlink shows its target's metadata only when the target stays
/// inside the root; otherwise the link itself is shown, so nothing outside leaks. Each
/// entry is `stat`ed on the folder's own descriptor (`read_dir_with_meta`): for a
/// 100 000-entry folder that is most of the time before the first page (issue 14).
pub fn read_items(fs: &FsRoot, dir: &Path, show_hidden: bool) -> std::io::Result<Vec<Item>> {
    let mut out = Vec::new();
    for ent in fs.read_dir_with_meta(dir)? {
        let name = crate::undecodable::from_os(&ent.name).into_owned();
        if hidden(&name, show_hidden) {
            continue;
        }
        let own = ent.meta;
        let meta = if own.file_type().is_symlink() {
            // Confined: a target out of the root (or none) fails, and the link shows.
            fs.metadata(&ent.path).unwrap_or(own)
        } else {
            own
        };
        out.push(Item {
            name,
            meta,
            wire: String::new(),
        });
    }
    Ok(out)
}

/// Folders first, then by `sort` (`filename`/`natural`, `filesize`, `filetype`, `mt`,
/// `privilege`, `owner`, `group`), `dir=DESC` reverses within each group. Each name is
/// lower-cased once, not at every comparison (100 000 names: ~3.4 M allocations less).
pub fn sort_items(items: &mut Vec<Item>, sort: &str, desc: bool) {
    let mut keyed: Vec<(String, Item)> = std::mem::take(items)
        .into_iter()
        .map(|i| (i.name.to_lowercase(), i))
        .collect();
    keyed.sort_by(|(name_a, a), (name_b, b)| {
        let folders = b.meta.is_dir().cmp(&a.meta.is_dir());
        if folders != Ordering::Equal {
            return folders;
        }
        let key = match sort {
            "filesize" => a.meta.len().cmp(&b.meta.len()),
            "mt" => epoch_of(&a.meta).cmp(&epoch_of(&b.meta)),
            "filetype" => filetype(&a.name).cmp(&filetype(&b.name)),
            "privilege" => {
                (a.meta.permissions().mode() & 0o777).cmp(&(b.meta.permissions().mode() & 0o777))
            }
            _ => Ordering::Equal,
        }
        .then_with(|| name_a.cmp(name_b))
        .then_with(|| a.name.cmp(&b.name));
        if desc { key.reverse() } else { key }
    });
    *items = keyed.into_iter().map(|(_, i)| i).collect();
}

/// Folders from which a first page is answered before the folder's snapshot is read
/// (`first_page_ahead`); below it, reading every entry's details costs a few ms.
const AHEAD_FROM: usize = 2000;

/// The first page of a huge folder sorted by name, answered from the names and kinds
/// `readdir` gives (only the page's entries are `stat`ed, only they are fully sorted:
/// a partial selection of the rest), while the snapshot for the later pages is read
/// and sorted on another thread (`Snapshots::begin`; a later page waits for it). Most
/// of the time before the first page of 100 000 entries was `stat`ing every one of
/// them (issue 14). `None`: not such a listing (sorted by details, a small folder, or
/// the whole folder asked for); the caller reads the snapshot first.
fn first_page_ahead(c: &Ctx, key: &ListingKey, dir: &Path) -> Option<Reply> {
    if matches!(key.sort.as_str(), "filesize" | "mt" | "privilege") {
        return None;
    }
    let (_, limit) = page_bounds(Some(0), c.p.int("limit"));
    let filler = c.emu.listings.begin(key.clone(), dir);
    let fs = &c.emu.fs;
    let mut names: Vec<(String, String, bool)> = match fs.read_dir_kinds(dir) {
        Ok(names) => names
            .into_iter()
            .filter_map(|(name, kind)| {
                let os_name = name;
                let name = crate::undecodable::from_os(&os_name).into_owned();
                if hidden(&name, key.hidden) {
                    return None;
                }
                // A link shows as what it points to inside the root (`read_items`).
                let is_dir = kind.unwrap_or_else(|| fs.is_dir(&dir.join(&os_name)));
                Some((name.to_lowercase(), name, is_dir))
            })
            .collect(),
        Err(_) => return None,
    };
    let total = names.len();
    if total < AHEAD_FROM || limit >= total {
        return None;
    }
    // The same order as `sort_items`.
    let order = |(low_a, a, dir_a): &(String, String, bool),
                 (low_b, b, dir_b): &(String, String, bool)| {
        let folders = dir_b.cmp(dir_a);
        if folders != Ordering::Equal {
            return folders;
        }
        let by = match key.sort.as_str() {
            "filetype" => filetype(a).cmp(&filetype(b)),
            _ => Ordering::Equal,
        }
        .then_with(|| low_a.cmp(low_b))
        .then_with(|| a.cmp(b));
        if key.desc { by.reverse() } else { by }
    };
    names.select_nth_unstable_by(limit, order);
    names.truncate(limit);
    names.sort_unstable_by(order);
    let datas = names
        .iter()
        .filter_map(|(_, name, _)| {
            let path = dir.join(crate::undecodable::to_os(name));
            let own = fs.symlink_metadata(&path).ok()?;
            let meta = if own.file_type().is_symlink() {
                fs.metadata(&path).unwrap_or(own)
            } else {
                own
            };
            Some(entry(name, Some(&meta)))
        })
        .collect();
    let (emu, dir, key) = (c.emu.clone(), dir.to_owned(), key.clone());
    std::thread::spawn(move || {
        if let Ok(mut items) = read_items(&emu.fs, &dir, key.hidden) {
            sort_items(&mut items, &key.sort, key.desc);
            filler.fill(items);
        }
    });
    Some(Ok(json(&list_reply(c, total, datas))))
}

/// `start`/`limit` paging; a missing or non-positive limit means "everything".
pub fn page<T>(items: Vec<T>, start: Option<i64>, limit: Option<i64>) -> Vec<T> {
    let (start, limit) = page_bounds(start, limit);
    items.into_iter().skip(start).take(limit).collect()
}

/// [`page`] of a borrowed list: a slice, nothing copied.
pub fn page_of<T>(items: &[T], start: Option<i64>, limit: Option<i64>) -> &[T] {
    let (start, limit) = page_bounds(start, limit);
    let from = start.min(items.len());
    let to = from.saturating_add(limit).min(items.len());
    &items[from..to]
}

fn page_bounds(start: Option<i64>, limit: Option<i64>) -> (usize, usize) {
    let start = usize::try_from(start.unwrap_or(0).max(0)).unwrap_or(usize::MAX);
    let limit = limit
        .filter(|l| *l > 0)
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(usize::MAX);
    (start, limit)
}

fn acl(c: &Ctx) -> i64 {
    if c.user.readonly { 4 } else { 7 }
}

fn cls(c: &Ctx) -> &'static str {
    if c.user.readonly { "r" } else { "w" }
}

pub fn get_tree(c: &Ctx) -> Reply {
    let node = c.p.nonempty("node").ok_or(status::PERMISSION)?;
    match node {
        "share_root" | "tree_root" | "share_root_path" => share_root(c),
        "recycle_root" => Err(status::RECYCLE_OFF),
        path => folder_nodes(c, path),
    }
}

fn share_root(c: &Ctx) -> Reply {
    let mut shares = read_items(&c.emu.fs, c.emu.fs.root(), false).map_err(|_| status::FAIL)?;
    shares.retain(|s| s.meta.is_dir());
    sort_items(&mut shares, "filename", false);
    let n = shares.len() as i64;
    let arr = shares
        .iter()
        .map(|s| {
            J::Obj(vec![
                ("id", J::s(format!("/{}", s.name))),
                ("cls", J::s(cls(c))),
                ("text", J::s(&s.name)),
                ("no_setup", J::Int(0)),
                ("is_cached", J::Int(0)),
                ("draggable", J::Int(0)),
                ("iconCls", J::s("folder")),
                ("recycle_bin", J::s("disable")),
                ("recycle_folder", J::s("no")),
                ("max_item_limit", J::Int(2000)),
                ("real_total", J::Int(n)),
            ])
        })
        .collect();
    Ok(json(&J::Arr(arr)))
}

fn folder_nodes(c: &Ctx, wire: &str) -> Reply {
    let dir = c.emu.real_dir(wire)?;
    let mut items =
        read_items(&c.emu.fs, &dir, c.p.flag("hidden_file")).map_err(|_| status::FAIL)?;
    items.retain(|i| i.meta.is_dir());
    sort_items(&mut items, "filename", c.p.get("dir") == Some("DESC"));
    let arr = items
        .iter()
        .map(|i| {
            J::Obj(vec![
                ("text", J::s(&i.name)),
                ("id", J::s(child_wire(wire, &i.name))),
                ("cls", J::s(cls(c))),
                ("draggable", J::Int(1)),
                ("iconCls", J::s("folder")),
                ("noSupportACL", J::Int(0)),
            ])
        })
        .collect();
    Ok(json(&J::Arr(arr)))
}

/// The top-level keys of a get_list/stat/search reply around `datas`.
pub fn list_reply(c: &Ctx, total: usize, datas: Vec<J>) -> J {
    J::Obj(vec![
        ("total", J::i(total)),
        ("real_total", J::i(total)),
        ("acl", J::Int(acl(c))),
        ("is_acl_enable", J::Int(0)),
        ("is_winacl_enable", J::Int(0)),
        ("is_winacl_support", J::Int(1)),
        ("max_item_limit", J::Int(80000)),
        ("exceed_max", J::Int(0)),
        ("medialib", J::Int(0)),
        ("rtt_support", J::Int(1)),
        ("datas", J::Arr(datas)),
    ])
}

pub fn get_list(c: &Ctx) -> Reply {
    let wire = c.req("path")?;
    let dir = c.emu.real_dir(wire)?;
    let key = ListingKey {
        sid: c.p.get("sid").unwrap_or("").to_owned(),
        path: wire.to_owned(),
        sort: c.p.get("sort").unwrap_or("filename").to_owned(),
        desc: c.p.get("dir") == Some("DESC"),
        hidden: c.p.flag("hidden_file"),
    };
    let start = c.p.int("start").unwrap_or(0);
    // A later page of the same listing reuses its sorted snapshot; a first page always
    // reads the folder again (`snapshots.rs`).
    let cached = if start > 0 {
        c.emu.listings.get(&key, &dir)
    } else {
        None
    };
    if start <= 0
        && let Some(reply) = first_page_ahead(c, &key, &dir)
    {
        return reply;
    }
    let items = match cached {
        Some(items) => items,
        None => c
            .emu
            .listings
            .read(key.clone(), &dir, || {
                let mut items = read_items(&c.emu.fs, &dir, key.hidden)?;
                sort_items(&mut items, &key.sort, key.desc);
                Ok::<_, std::io::Error>(items)
            })
            .map_err(|_| status::FAIL)?,
    };
    let total = items.len();
    let datas = page_of(&items, c.p.int("start"), c.p.int("limit"))
        .iter()
        .map(|i| entry(&i.name, Some(&i.meta)))
        .collect();
    Ok(json(&list_reply(c, total, datas)))
}

pub fn stat(c: &Ctx) -> Reply {
    let wire = c.req("path")?;
    let names: Vec<String> =
        c.p.items("file_name", "file_total")
            .into_iter()
            .map(String::from)
            .collect();
    // Without file_name, `path` names the item itself.
    let (dir, names) = if names.is_empty() {
        let trimmed = wire.trim_end_matches('/');
        match trimmed.rsplit_once('/') {
            Some((parent, name)) if !name.is_empty() => {
                (parent.to_string(), vec![name.to_string()])
            }
            _ => return Err(status::NOT_FOUND),
        }
    } else {
        (wire.to_string(), names)
    };
    let settime = c.p.flag("settime");
    if settime {
        c.require_write()?;
    }
    let mut datas = Vec::with_capacity(names.len());
    for name in &names {
        let real = if dir.is_empty() {
            c.emu.real(&format!("/{name}"))?
        } else {
            c.emu.real_child(&dir, name)?
        };
        if settime && c.emu.fs.metadata(&real).is_ok() {
            set_mtime(&c.emu.fs, &real, c.p.int("mtime").ok_or(status::PARAMS)?)?;
        }
        let meta = c.emu.fs.metadata(&real).ok();
        datas.push(entry(name, meta.as_ref()));
    }
    Ok(json(&list_reply(c, datas.len(), datas)))
}

fn set_mtime(fs: &FsRoot, path: &Path, epoch: i64) -> Result<(), i64> {
    let when = UNIX_EPOCH + Duration::from_secs(epoch.max(0) as u64);
    fs.set_modified(path, when).map_err(|_| status::OPEN_FAIL)
}
