//! Streaming a source into a local file. The bytes are gathered into a `COPY_BUF`
//! buffer while the buffer before it is written on the blocking pool; the two buffers
//! take turns. So the network and the disk work at the same time, each byte is copied
//! once in user space (through `tokio::fs::File` it was copied twice), and a 512 MiB
//! download costs 512 writes and thread hand-offs instead of about 3 000 (one per
//! chunk the HTTP body happened to arrive in).

use std::fs::File;
use std::io::Write;

use tokio::io::AsyncReadExt;
use tokio::task::JoinHandle;

use super::local::COPY_BUF;
use super::{ByteReader, VPath, VfsError, VfsResult};

/// The file, or the write that holds it (and hands it back with its buffer).
enum Disk {
    Idle(File),
    Writing(JoinHandle<std::io::Result<(File, Vec<u8>)>>),
}

/// Copies `data` into `file` and checks that exactly `len` bytes came. A source that
/// runs long is refused before the extra bytes are written, so a hostile body can
/// never fill the disk.
pub(super) async fn write_exactly(
    file: File,
    data: &mut ByteReader,
    path: &VPath,
    len: u64,
) -> VfsResult<()> {
    let mut disk = Disk::Idle(file);
    let mut buf = vec![0u8; COPY_BUF];
    // The second buffer, made when the first write starts (a small file needs one).
    let mut spare: Option<Vec<u8>> = None;
    let mut taken = 0u64;
    loop {
        let n = fill(data, &mut buf).await.map_err(source_read_error)?;
        if n == 0 {
            break;
        }
        if n as u64 > len - taken {
            return Err(VfsError::SizeMismatch {
                path: path.to_string(),
                expected: len,
                found: taken + n as u64,
            });
        }
        taken += n as u64;
        let file = match disk {
            Disk::Idle(file) => file,
            Disk::Writing(write) => {
                let (file, done) = finish(write, path).await?;
                spare = Some(done);
                file
            }
        };
        let next = spare.take().unwrap_or_else(|| vec![0u8; COPY_BUF]);
        let full = std::mem::replace(&mut buf, next);
        disk = Disk::Writing(tokio::task::spawn_blocking(move || {
            (&file).write_all(&full[..n])?;
            Ok((file, full))
        }));
    }
    if let Disk::Writing(write) = disk {
        finish(write, path).await?;
    }
    if taken != len {
        return Err(VfsError::SizeMismatch {
            path: path.to_string(),
            expected: len,
            found: taken,
        });
    }
    Ok(())
}

/// Reads until `buf` is full or the source ends; the bytes read.
async fn fill(data: &mut ByteReader, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match data.read(&mut buf[n..]).await? {
            0 => break,
            got => n += got,
        }
    }
    Ok(n)
}

async fn finish(
    write: JoinHandle<std::io::Result<(File, Vec<u8>)>>,
    path: &VPath,
) -> VfsResult<(File, Vec<u8>)> {
    write
        .await
        .map_err(|e| VfsError::io(path.to_string(), std::io::Error::other(e)))?
        .map_err(|e| VfsError::io(path.to_string(), e))
}

/// A failed read of the source: the backend's own error when it carried one (a body
/// too slow, a file changed on the server), said once; otherwise a dropped connection.
fn source_read_error(e: std::io::Error) -> VfsError {
    VfsError::from_body_read(e, || "reading the source".into())
}
