//! Pictures made small, shared by the QNAP emulator's `get_thumb` and the backends'
//! previews: decode PNG, GIF, WebP or JPEG (the `image` crate, only those codecs),
//! shrink to fit a square, encode as JPEG. A leaf: it knows no backend and no screen.

use std::io::Cursor;

use image::{DynamicImage, ImageReader, Limits};

/// The sizes QTS makes thumbnails in (`get_thumb&size=`): the longer side in pixels.
pub const QNAP_SIZES: [u32; 3] = [80, 320, 640];

/// The biggest file whose bytes are read to make a preview (a Freebox, the local disk).
/// A picture past it is said to be too large rather than read whole.
pub const MAX_SOURCE_BYTES: u64 = 4 << 20;

/// Pixel dimensions refused before decoding (a small file can claim a huge image).
const MAX_DIMENSION: u32 = 16_384;
/// Memory the decoder may take.
const MAX_ALLOC: u64 = 256 << 20;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ThumbnailError {
    #[error("not a picture nascmd can show (PNG, GIF, WebP, JPEG)")]
    NotAnImage,
    #[error("the picture is larger than {} MiB: too large to preview", MAX_SOURCE_BYTES >> 20)]
    TooLarge,
}

/// Whether a file name looks like a picture nascmd decodes (by its extension).
pub fn is_image_name(name: &str) -> bool {
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "png" | "gif" | "webp" | "jpg" | "jpeg"
    )
}

/// Decodes a picture from its bytes (the format is read from the bytes, not the name).
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, ThumbnailError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| ThumbnailError::NotAnImage)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    reader.decode().map_err(|_| ThumbnailError::NotAnImage)
}

/// The picture shrunk (never enlarged) so that its longer side is at most `max_side`,
/// keeping its proportions.
pub fn fit(img: DynamicImage, max_side: u32) -> DynamicImage {
    let max_side = max_side.max(1);
    if img.width() <= max_side && img.height() <= max_side {
        return img;
    }
    img.resize(max_side, max_side, image::imageops::FilterType::Triangle)
}

/// JPEG bytes of the picture (transparency dropped onto black, as JPEG has none).
pub fn to_jpeg(img: &DynamicImage) -> Vec<u8> {
    let rgb = img.to_rgb8();
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    // Encoding into memory fails only on a zero-sized picture, which decode never gives.
    if rgb.write_with_encoder(encoder).is_err() {
        out.clear();
    }
    out
}

/// Decode, fit, encode: a thumbnail as QTS serves it.
pub fn jpeg_thumbnail(bytes: &[u8], max_side: u32) -> Result<Vec<u8>, ThumbnailError> {
    Ok(to_jpeg(&fit(decode(bytes)?, max_side)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_image_name("a.PNG"));
        assert!(is_image_name("x.y.jpeg"));
        assert!(!is_image_name("png"));
        assert!(!is_image_name("a.txt"));
    }

    #[test]
    fn shrinks_keeping_proportions_and_never_enlarges() {
        let img = DynamicImage::new_rgb8(1000, 500);
        let t = fit(img, 320);
        assert_eq!((t.width(), t.height()), (320, 160));
        let small = fit(DynamicImage::new_rgb8(10, 20), 80);
        assert_eq!((small.width(), small.height()), (10, 20));
    }

    #[test]
    fn text_is_not_a_picture() {
        assert_eq!(decode(b"hello").unwrap_err(), ThumbnailError::NotAnImage);
    }
}
