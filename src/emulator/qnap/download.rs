//! `func=download`: a single file as-is (with single-range `Range` → 206), or a folder /
//! several items as a streamed zip (`<folder>.zip` / `download_<time>.zip`, no length,
//! no ranges). Errors are HTTP 200 + status JSON like on the device.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::envelope::{Reply, status};
use super::listing::display_time;
use super::router::Ctx;
use super::zipstream::zip_body;
use crate::emulator::faults::Faults;
use crate::emulator::fsroot::FsRoot;

/// Read size for file bodies: large reads keep the emulator out of a client's benchmark.
const READ_CHUNK: usize = 1 << 20;

pub async fn download(c: &Ctx) -> Reply {
    let src = c.req("source_path")?.to_string();
    let names: Vec<String> =
        c.p.items("source_file", "source_total")
            .into_iter()
            .map(String::from)
            .collect();
    if names.is_empty() {
        return Err(status::PARAMS);
    }
    let mut items = Vec::with_capacity(names.len());
    for n in &names {
        let real = c.emu.real_child(&src, n)?;
        match c.emu.fs.symlink_metadata(&real) {
            Err(_) => return Err(status::NOT_FOUND),
            // FIFOs, sockets and devices are not served (a FIFO would never end).
            Ok(m) if !(m.is_file() || m.is_dir() || m.file_type().is_symlink()) => {
                return Err(status::NOT_FOUND);
            }
            Ok(_) => {}
        }
        items.push((n.clone(), real));
    }
    let single_file = items.len() == 1 && c.emu.fs.is_file(&items[0].1);
    let range = c.headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    if single_file && !c.p.flag("isfolder") && matches!(c.p.get("compress"), None | Some("0")) {
        let (name, path) = items.remove(0);
        return send_file(
            &c.emu.faults,
            &c.emu.fs,
            &name,
            &path,
            range,
            Disposition::Download,
        )
        .await;
    }
    let zip_name = if items.len() == 1 {
        format!("{}.zip", items[0].0)
    } else {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        format!(
            "download_{}.zip",
            display_time(now)
                .replace('/', "-")
                .replace(' ', "_")
                .replace(':', "-")
        )
    };
    Ok(zip_response(&c.emu.faults, &c.emu.fs, &zip_name, items))
}

pub fn zip_response(
    faults: &Faults,
    fs: &FsRoot,
    zip_name: &str,
    items: Vec<(String, PathBuf)>,
) -> Response {
    let mut resp = faults
        .wrap_download(zip_body(fs.clone(), items))
        .into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/force-download"),
    );
    if let Ok(v) = disposition("attachment", zip_name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

fn disposition(kind: &str, name: &str) -> Result<HeaderValue, ()> {
    let safe: String = name
        .chars()
        .map(|ch| {
            if ch == '"' || ch.is_control() {
                '_'
            } else {
                ch
            }
        })
        .collect();
    HeaderValue::from_bytes(format!("{kind}; filename=\"{safe}\"").as_bytes()).map_err(|_| ())
}

/// The byte range asked for, if it is one satisfiable single range.
enum Wanted {
    All,
    Part(u64, u64),
    Unsatisfiable,
}

fn parse_range(h: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = h.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Wanted::All;
    };
    if spec.contains(',') {
        // Multi-range is not supported on downloads: send the whole file.
        return Wanted::All;
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Wanted::All;
    };
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(s), Ok(e)) => (s, e.min(size.saturating_sub(1))),
        (Ok(s), Err(_)) if b.is_empty() => (s, size.saturating_sub(1)),
        (Err(_), Ok(n)) if a.is_empty() => (size.saturating_sub(n), size.saturating_sub(1)),
        _ => return Wanted::All,
    };
    if size == 0 || start >= size || start > end {
        return Wanted::Unsatisfiable;
    }
    Wanted::Part(start, end)
}

/// How a single file is handed out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Disposition {
    /// `attachment`, `application/force-download` (download, share links).
    Download,
    /// `inline` with the real MIME type (get_viewer).
    View,
}

/// `func=get_viewer`: the file inline, with its MIME type and ranges (players seek).
pub async fn get_viewer(c: &Ctx) -> Reply {
    let src = c.req("source_path")?;
    let name = c.req("source_file")?;
    let path = c.emu.real_child(src, name)?;
    if !c.emu.fs.is_file(&path) {
        return Err(status::NOT_FOUND);
    }
    let range = c.headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    send_file(
        &c.emu.faults,
        &c.emu.fs,
        name,
        &path,
        range,
        Disposition::View,
    )
    .await
}

/// Streams one file with its length and single-range support.
pub async fn send_file(
    faults: &Faults,
    fs: &FsRoot,
    name: &str,
    path: &Path,
    range: Option<&str>,
    how: Disposition,
) -> Reply {
    let mut file = fs
        .open_read_async(path)
        .await
        .map_err(|_| status::NOT_FOUND)?;
    let size = file.metadata().await.map_err(|_| status::OPEN_FAIL)?.len();
    let (code, start, len) = match parse_range(range, size) {
        Wanted::All => (StatusCode::OK, 0, size),
        Wanted::Part(s, e) => (StatusCode::PARTIAL_CONTENT, s, e - s + 1),
        Wanted::Unsatisfiable => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{size}"))],
            )
                .into_response());
        }
    };
    if start > 0 {
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(|_| status::OPEN_FAIL)?;
    }
    let stream = ReaderStream::with_capacity(file.take(len), READ_CHUNK);
    let mut resp = faults
        .wrap_download(Body::from_stream(stream))
        .into_response();
    *resp.status_mut() = code;
    let h = resp.headers_mut();
    let (kind, mime) = match how {
        Disposition::Download => ("attachment", "application/force-download".to_string()),
        Disposition::View => (
            "inline",
            mime_guess::from_path(name)
                .first_or_octet_stream()
                .to_string(),
        ),
    };
    if let Ok(v) = HeaderValue::from_str(&mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = disposition(kind, name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if code == StatusCode::PARTIAL_CONTENT {
        let end = start + len - 1;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(matches!(
            parse_range(Some("bytes=2-5"), 10),
            Wanted::Part(2, 5)
        ));
        assert!(matches!(
            parse_range(Some("bytes=7-"), 10),
            Wanted::Part(7, 9)
        ));
        assert!(matches!(
            parse_range(Some("bytes=-3"), 10),
            Wanted::Part(7, 9)
        ));
        assert!(matches!(
            parse_range(Some("bytes=2-99"), 10),
            Wanted::Part(2, 9)
        ));
        assert!(matches!(
            parse_range(Some("bytes=10-"), 10),
            Wanted::Unsatisfiable
        ));
        assert!(matches!(
            parse_range(Some("bytes=0-1,4-5"), 10),
            Wanted::All
        ));
        assert!(matches!(parse_range(None, 10), Wanted::All));
    }
}
