//! `func=get_thumb&path=&name=&size=80|320|640`: the picture decoded and shrunk to fit
//! a square of that side, as JPEG. QTS answers an empty body (HTTP 200) for a file
//! that is not an image; the emulator does the same for anything it cannot decode
//! (BMP, ICO, a broken file) and for a file past `MAX_SOURCE` (docs/EMULATOR.md).

use std::io::Read;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::envelope::{Reply, status};
use super::router::Ctx;
use crate::thumbnail::{QNAP_SIZES, jpeg_thumbnail};

/// Side used when `size` is absent (the emulator's choice: QTS's middle size).
const DEFAULT_SIZE: u32 = 320;
/// Files larger than this are not decoded.
const MAX_SOURCE: u64 = 64 << 20;

pub fn get_thumb(c: &Ctx) -> Reply {
    let dir = c.req("path")?;
    let name = c.req("name")?;
    let size = match c.p.get("size") {
        None | Some("") => DEFAULT_SIZE,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| QNAP_SIZES.contains(n))
            .ok_or(status::PARAMS)?,
    };
    let real = c.emu.real_child(dir, name)?;
    if !c.emu.fs.is_file(&real) {
        return Err(status::NOT_FOUND);
    }
    let mut bytes = Vec::new();
    let file = c.emu.fs.open_read(&real).map_err(|_| status::OPEN_FAIL)?;
    file.take(MAX_SOURCE + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| status::OPEN_FAIL)?;
    let thumb = if bytes.len() as u64 > MAX_SOURCE {
        None
    } else {
        jpeg_thumbnail(&bytes, size).ok()
    };
    Ok(match thumb {
        Some(jpeg) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response()
        }
        None => StatusCode::OK.into_response(),
    })
}
