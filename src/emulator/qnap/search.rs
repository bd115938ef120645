//! `func=search`: recursive, case-insensitive substring match on names (every `keyword`
//! must match), folders first, paged; `filename` is the on-disk `/share/<VOL>/…` path.

use std::path::Path;

use super::envelope::{Reply, json, status};
use super::listing::{Item, entry, hidden, list_reply, page, sort_items};
use super::paths::child_wire;
use super::router::Ctx;
use crate::emulator::fsroot::FsRoot;

/// The device refuses result sets above this (status 34).
const MAX_HITS: usize = 1000;

fn walk(
    fs: &FsRoot,
    dir: &Path,
    wire: &str,
    keys: &[String],
    show_hidden: bool,
    out: &mut Vec<Item>,
) -> Result<(), i64> {
    let Ok(rd) = fs.read_dir(dir) else {
        return Ok(());
    };
    for e in rd {
        let name = crate::undecodable::from_os(&e.name).into_owned();
        if hidden(&name, show_hidden) || name == ".@__thumb" {
            continue;
        }
        // Links are not followed while walking (a link to a folder is a hit, not a tree).
        let Ok(meta) = fs.symlink_metadata(&e.path) else {
            continue;
        };
        let child = child_wire(wire, &name);
        if meta.is_dir() {
            walk(fs, &e.path, &child, keys, show_hidden, out)?;
        }
        let lower = name.to_lowercase();
        if keys.iter().all(|k| lower.contains(k.as_str())) {
            if out.len() >= MAX_HITS {
                return Err(34);
            }
            out.push(Item {
                name,
                meta,
                wire: child,
            });
        }
    }
    Ok(())
}

pub fn search(c: &Ctx) -> Reply {
    let src = c.req("source_path")?;
    let keys: Vec<String> =
        c.p.all("keyword")
            .into_iter()
            .filter(|k| !k.is_empty())
            .map(str::to_lowercase)
            .collect();
    if keys.is_empty() {
        return Err(status::PARAMS);
    }
    let dir = c.emu.real_dir(src)?;
    let mut hits = Vec::new();
    walk(
        &c.emu.fs,
        &dir,
        src.trim_end_matches('/'),
        &keys,
        c.p.flag("hidden_file"),
        &mut hits,
    )?;
    let mut items = hits;
    sort_items(
        &mut items,
        c.p.get("sort").unwrap_or("filename"),
        c.p.get("dir") == Some("DESC"),
    );
    let total = items.len();
    let datas = page(items, c.p.int("start"), c.p.int("limit"))
        .iter()
        .map(|i| entry(&c.emu.volume_path(&i.wire), Some(&i.meta)))
        .collect();
    Ok(json(&list_reply(c, total, datas)))
}
