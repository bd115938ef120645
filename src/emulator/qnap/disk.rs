//! `get_disk_info`: free and used space of the volume holding a share, in KiB, read
//! with `statvfs` on the emulator's root (qnap.md "Free space"; a NAS-only func).

use super::envelope::{J, Reply, json, status};
use super::router::Ctx;

/// `path=/Share` → `{"status":1,"free_size":"…","used_size":"…"}` (KiB). Sizes are
/// strings, like the emulator's other sizes; the notes give no type [L], and clients
/// are expected to take either.
pub fn get_disk_info(c: &Ctx) -> Reply {
    let dir = c.req("path")?;
    let real = c.emu.real_dir(dir)?;
    let st = c.emu.fs.statvfs(&real).map_err(|_| status::FAIL)?;
    let kib = |blocks: u64| blocks.saturating_mul(st.f_frsize) / 1024;
    let free = kib(st.f_bavail);
    // Clients add the two up for the volume's size: count blocks reserved for root as
    // used, so free + used is the whole volume as `df` and the local pane show it.
    let used = kib(st.f_blocks.saturating_sub(st.f_bavail));
    Ok(json(&J::Obj(vec![
        ("status", J::Int(1)),
        ("free_size", J::Str(free.to_string())),
        ("used_size", J::Str(used.to_string())),
    ])))
}
