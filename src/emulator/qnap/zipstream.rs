//! Folder / multi-item downloads as a zip *stream*: a blocking thread walks the files
//! and feeds `zip`'s streaming writer, whose output goes through a bounded channel into
//! the HTTP body. Memory stays bounded; a client that hangs up stops the walk.

use crate::emulator::confined::{self, Metadata, PermissionsExt};
use crate::emulator::fsroot::FsRoot;
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const CHUNK: usize = 256 << 10;
const READ_BUFFER: usize = 1 << 20;

/// `Write` into the channel in ~256 KiB pieces.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(piece))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

fn options_for(meta: &Metadata) -> SimpleFileOptions {
    let mut o = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .unix_permissions(meta.permissions().mode() & 0o777)
        .large_file(meta.len() >= u64::from(u32::MAX));
    if let Ok(t) = confined::modified(meta) {
        let t = time::OffsetDateTime::from(t);
        if let Ok(dt) = zip::DateTime::from_date_and_time(
            t.year().clamp(1980, 2107) as u16,
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
        ) {
            o = o.last_modified_time(dt);
        }
    }
    o
}

fn add<W: Write>(
    fs: &FsRoot,
    zip: &mut ZipWriter<zip::write::StreamWriter<W>>,
    name: &str,
    path: &Path,
) -> io::Result<()> {
    // Never follow links: a link could point outside the served root. FIFOs, sockets
    // and devices are left out too (a FIFO would never end).
    let meta = fs.symlink_metadata(path)?;
    if !meta.is_dir() && !meta.is_file() {
        return Ok(());
    }
    if meta.is_dir() {
        zip.add_directory(format!("{name}/"), options_for(&meta))?;
        let mut children = fs.read_dir(path)?;
        children.sort_by(|a, b| a.name.cmp(&b.name));
        for child in children {
            let child_name = child.name.to_string_lossy().into_owned();
            // Upload temporaries (the emulator's and the client's) and the chunk cache.
            if child_name.starts_with(super::paths::UPLOAD_TEMP_PREFIX)
                || super::paths::is_reserved(&child_name)
            {
                continue;
            }
            add(fs, zip, &format!("{name}/{child_name}"), &child.path)?;
        }
        return Ok(());
    }
    zip.start_file(name, options_for(&meta))?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, fs.open_read(path)?);
    io::copy(&mut reader, zip)?;
    Ok(())
}

/// A body streaming a stored (uncompressed) zip of `items` (name in the archive, real path).
pub fn zip_body(fs: FsRoot, items: Vec<(String, PathBuf)>) -> Body {
    let (tx, mut rx) = mpsc::channel::<io::Result<Bytes>>(8);
    tokio::task::spawn_blocking(move || {
        let err_tx = tx.clone();
        let writer = ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
        };
        let mut zip = ZipWriter::new_stream(writer);
        let result = items
            .iter()
            .try_for_each(|(name, path)| add(&fs, &mut zip, name, path))
            .and_then(|_| zip.finish().map_err(io::Error::other))
            .and_then(|mut w| w.get_mut().flush());
        if let Err(e) = result {
            tracing::debug!(error = %e, "qnap emulator: zip stream stopped");
            let _ = err_tx.blocking_send(Err(e));
        }
    });
    Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}
