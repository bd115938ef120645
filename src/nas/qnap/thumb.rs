//! `get_thumb` (qnap.md A.6): the NAS makes the picture small itself, so a preview costs
//! one small request and never the whole file. QTS answers an empty body for a file that
//! is not an image.

use async_trait::async_trait;
use bytes::Bytes;

use super::client::{Client, Kind};
use super::paths::split;
use super::vfs::QnapVfs;
use super::wire;
use crate::thumbnail::{QNAP_SIZES, ThumbnailError};
use crate::vfs::thumbs::decode_off_thread;
use crate::vfs::{Preview, Thumbnails, VPath, VfsResult};

/// The smallest thumbnail size QTS makes that is at least `max_side` (the largest when
/// none is).
fn qnap_size(max_side: u32) -> u32 {
    QNAP_SIZES
        .iter()
        .copied()
        .find(|&s| s >= max_side)
        .unwrap_or(QNAP_SIZES[QNAP_SIZES.len() - 1])
}

impl Client {
    /// The thumbnail's bytes; `None` when the NAS made none (an empty body).
    pub async fn get_thumb(&self, dir: &str, name: &str, size: u32) -> VfsResult<Option<Bytes>> {
        let params = [
            ("path", dir.to_owned()),
            ("name", name.to_owned()),
            ("size", size.to_string()),
        ];
        self.call_parsed(Kind::Read, "get_thumb", &params, name, |body, what| {
            if body.is_empty() {
                return Ok(None);
            }
            // A refusal is the usual JSON status envelope; a picture never starts with `{`.
            if body.first() == Some(&b'{') {
                let value = wire::parse_reply(body)?;
                wire::check_status(&value, what)?;
                return Ok(None);
            }
            Ok(Some(Bytes::copy_from_slice(body)))
        })
        .await
    }
}

#[async_trait]
impl Thumbnails for QnapVfs {
    async fn thumbnail(&self, path: &VPath, max_side: u32) -> VfsResult<Preview> {
        let (dir, name) = split(path)?;
        match self
            .client
            .get_thumb(&dir, &name, qnap_size(max_side))
            .await?
        {
            None => Ok(Err(ThumbnailError::NotAnImage)),
            Some(bytes) => Ok(decode_off_thread(bytes.to_vec(), max_side).await),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn asks_for_the_smallest_size_that_covers() {
        assert_eq!(super::qnap_size(60), 80);
        assert_eq!(super::qnap_size(81), 320);
        assert_eq!(super::qnap_size(640), 640);
        assert_eq!(super::qnap_size(2000), 640);
    }
}
