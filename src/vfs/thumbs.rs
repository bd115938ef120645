//! Pictures of image files for previews (`Features::thumbnails`): the trait, and the way
//! a backend without a thumbnail service makes one — a bounded read of the file, decoded
//! and shrunk off the async workers.

use std::sync::Arc;

use async_trait::async_trait;
use image::DynamicImage;
use tokio::io::AsyncReadExt;

use super::{VPath, Vfs, VfsError, VfsResult};
use crate::thumbnail::{self, ThumbnailError};

/// A preview: the picture, or why there is none (not a picture, too large). A failure to
/// reach the file is the `VfsResult` around it.
pub type Preview = Result<Arc<DynamicImage>, ThumbnailError>;

/// Small pictures of image files.
#[async_trait]
pub trait Thumbnails: Send + Sync {
    /// The picture at `path` shrunk to fit a square of `max_side` pixels (it may come
    /// smaller: a QNAP makes thumbnails of 80, 320 or 640 pixels only).
    async fn thumbnail(&self, path: &VPath, max_side: u32) -> VfsResult<Preview>;
}

/// A thumbnail made by reading at most `limit` bytes of the file: a file past it is
/// `TooLarge` (never read), the rest is decoded and shrunk on the blocking pool.
pub async fn by_bounded_read(
    vfs: &dyn Vfs,
    path: &VPath,
    max_side: u32,
    limit: u64,
) -> VfsResult<Preview> {
    let entry = vfs.stat(path).await?;
    if entry.size > limit {
        return Ok(Err(ThumbnailError::TooLarge));
    }
    let reader = vfs.open_read(path, 0).await?;
    let mut bytes = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| VfsError::io(path.to_string(), e))?;
    if bytes.len() as u64 > limit {
        // It grew since the stat.
        return Ok(Err(ThumbnailError::TooLarge));
    }
    Ok(decode_off_thread(bytes, max_side).await)
}

/// Decodes and shrinks `bytes` on the blocking pool.
pub async fn decode_off_thread(bytes: Vec<u8>, max_side: u32) -> Preview {
    tokio::task::spawn_blocking(move || {
        thumbnail::decode(&bytes).map(|img| Arc::new(thumbnail::fit(img, max_side)))
    })
    .await
    .unwrap_or(Err(ThumbnailError::NotAnImage))
}
