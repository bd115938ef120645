//! Reading (part of) a file into memory for someone who waits on it — the viewer's
//! window, F4's private copy of a NAS file — over a link that drops now and then: a
//! failed open or a body cut midway is tried again with the interactive patience
//! (`RetryPolicy::INTERACTIVE`), from the byte where it stopped, so what arrived is
//! never fetched twice. Bytes flowing again start the patience over.

use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

use super::patience::Patience;
use super::retry::RetryPolicy;
use crate::vfs::{VPath, VfsError, VfsHandle, VfsResult};

/// Bytes read between two calls of the progress callback.
const PIECE: usize = 64 * 1024;

/// What [`read_retrying`] brought.
#[derive(Debug)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    /// A try was cut and the rest read by another request: if the file may have
    /// changed meanwhile, the caller checks it did not (the parts would not match).
    pub resumed: bool,
}

/// Reads up to `len` bytes of `path` from `offset` (fewer at the end of the file),
/// telling `progress` the bytes read so far after each piece.
pub async fn read_retrying(
    vfs: &VfsHandle,
    path: &VPath,
    offset: u64,
    len: u64,
    mut progress: impl FnMut(u64),
) -> VfsResult<Fetched> {
    let mut bytes = Vec::with_capacity(usize::try_from(len.min(1 << 20)).unwrap_or(0));
    let mut patience = Patience::new(RetryPolicy::INTERACTIVE, None);
    let never = CancellationToken::new();
    let mut resumed = false;
    loop {
        let got = bytes.len() as u64;
        match read_on(
            vfs,
            path,
            offset + got,
            len - got,
            &mut bytes,
            &mut progress,
        )
        .await
        {
            Ok(()) => return Ok(Fetched { bytes, resumed }),
            Err(e) if e.is_transient() => {
                if bytes.len() as u64 > got {
                    patience.progressed();
                }
                patience.wait_after(e, &never).await?;
                resumed |= !bytes.is_empty();
            }
            Err(e) => return Err(e),
        }
    }
}

/// One try: opens `path` at `from` and appends what it reads (at most `left` bytes)
/// to `bytes`, up to the end of the file.
async fn read_on(
    vfs: &VfsHandle,
    path: &VPath,
    from: u64,
    left: u64,
    bytes: &mut Vec<u8>,
    progress: &mut impl FnMut(u64),
) -> VfsResult<()> {
    let mut reader = vfs.open_read(path, from).await?.take(left);
    let mut piece = vec![0u8; PIECE];
    loop {
        let n = reader
            .read(&mut piece)
            .await
            .map_err(|e| VfsError::from_body_read(e, || format!("reading {path}")))?;
        if n == 0 {
            return Ok(());
        }
        bytes.extend_from_slice(&piece[..n]);
        progress(bytes.len() as u64);
    }
}
