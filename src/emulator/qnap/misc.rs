//! Small funcs: `get_domain_ip_list` (the names the box is known by, from the config:
//! DDNS, myQNAPcloud, and the address it was reached at) and `get_file_size`.

use std::path::Path;

use super::envelope::{J, Reply, json, status};
use super::router::Ctx;
use crate::emulator::fsroot::FsRoot;

pub fn get_domain_ip_list(c: &Ctx) -> Reply {
    let host = c.host();
    let ip = host
        .rsplit_once(':')
        .map(|(h, _)| h.to_string())
        .unwrap_or(host);
    Ok(json(&J::Obj(vec![
        ("status", J::Int(1)),
        (
            "mycloudnas_hn",
            J::s(c.emu.cfg.mycloud_name.as_deref().unwrap_or("")),
        ),
        (
            "ddns_hn",
            J::s(c.emu.cfg.ddns_name.as_deref().unwrap_or("")),
        ),
        ("external_ip", J::s("")),
        ("local_ip", J::s(&ip)),
        ("host_ip", J::s(&ip)),
    ])))
}

fn sizes(fs: &FsRoot, p: &Path, bytes: &mut u64, files: &mut u64, folders: &mut u64) {
    let Ok(meta) = fs.symlink_metadata(p) else {
        return;
    };
    if meta.is_dir() {
        *folders += 1;
        for e in fs.read_dir(p).into_iter().flatten() {
            sizes(fs, &e.path, bytes, files, folders);
        }
    } else if meta.is_file() {
        *files += 1;
        *bytes += meta.len();
    }
}

/// `path=<dir>&name=<n>…&total=N` → total size and counts (key names are the
/// emulator's choice; the device's are not documented publicly).
pub fn get_file_size(c: &Ctx) -> Reply {
    let dir = c.req("path")?;
    c.emu.real_dir(dir)?;
    let names = c.p.items("name", "total");
    if names.is_empty() {
        return Err(status::PARAMS);
    }
    let (mut bytes, mut files, mut folders) = (0, 0, 0);
    for n in names {
        let p = c.emu.real_child(dir, n)?;
        if !c.emu.fs.entry_exists(&p) {
            return Err(status::NOT_FOUND);
        }
        sizes(&c.emu.fs, &p, &mut bytes, &mut files, &mut folders);
    }
    Ok(json(&J::Obj(vec![
        ("status", J::Int(1)),
        ("size", J::Str(bytes.to_string())),
        ("filenum", J::Str(files.to_string())),
        ("foldernum", J::Str(folders.to_string())),
    ])))
}
