//! A report's image: accepted only if it is a PNG, JPEG or WebP that really decodes (the type
//! is read from the bytes, never from the file name or the client's header), then kept as
//! sent under the data directory, named by its SHA-256, written atomically.
//!
//! Decoding runs with limits on the picture's size and on memory, so a small file that
//! claims to be enormous (a decompression bomb) is refused rather than allocated.

use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// The largest image accepted (API.md).
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// The widest and tallest picture decoded.
const MAX_SIDE_PIXELS: u32 = 8_000;
/// Memory a decode may take at most.
const MAX_DECODE_BYTES: u64 = 128 * 1024 * 1024;

/// Why an image was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("the image is larger than {MAX_IMAGE_BYTES} bytes")]
    TooLarge,
    #[error("send a PNG, JPEG or WebP picture")]
    NotAnImage,
    #[error("cannot keep the image")]
    Store(#[source] std::io::Error),
}

/// A checked image: its type and its content hash.
pub struct CheckedImage {
    pub content_type: &'static str,
    pub sha256: String,
}

/// Checks `bytes` by their content and decodes them under limits.
pub fn check(bytes: &[u8]) -> Result<CheckedImage, ImageError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| ImageError::NotAnImage)?;
    let content_type = match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::WebP => "image/webp",
        _ => return Err(ImageError::NotAnImage),
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PIXELS);
    limits.max_image_height = Some(MAX_SIDE_PIXELS);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader.decode().map_err(|_| ImageError::NotAnImage)?;
    let sha256 = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(CheckedImage {
        content_type,
        sha256,
    })
}

/// Where the image with content hash `sha256` lives under `dir`.
pub fn path(dir: &Path, sha256: &str) -> PathBuf {
    assert!(
        sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()),
        "an image name is a hex SHA-256"
    );
    dir.join(sha256)
}

/// Keeps `bytes` under `dir` by their hash: written to a temporary file, fsynced, renamed,
/// the directory fsynced. The same picture sent twice is kept once.
pub fn store(dir: &Path, image: &CheckedImage, bytes: &[u8]) -> Result<(), ImageError> {
    let target = path(dir, &image.sha256);
    if target.exists() {
        return Ok(());
    }
    storage::process::create_private_dir(dir).map_err(ImageError::Store)?;
    let temp = target.with_extension("tmp");
    let mut file = std::fs::File::create(&temp).map_err(ImageError::Store)?;
    file.write_all(bytes).map_err(ImageError::Store)?;
    file.sync_all().map_err(ImageError::Store)?;
    std::fs::rename(&temp, &target).map_err(ImageError::Store)?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(ImageError::Store)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::new(width, height);
        let mut out = Cursor::new(Vec::new());
        picture.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn real_pictures_pass_and_pretenders_do_not() {
        let real = png(4, 3);
        let checked = check(&real).unwrap();
        assert_eq!(checked.content_type, "image/png");
        assert_eq!(checked.sha256.len(), 64);
        let mut torn = real.clone();
        torn.truncate(real.len() / 2);
        for bad in [
            &b"<svg onload=alert(1)>"[..],
            b"GIF89a......",
            &torn,
            &real[..8],
        ] {
            assert!(matches!(check(bad), Err(ImageError::NotAnImage)));
        }
        assert!(matches!(
            check(&vec![0u8; MAX_IMAGE_BYTES + 1]),
            Err(ImageError::TooLarge)
        ));
    }

    #[test]
    fn a_picture_claiming_huge_sides_is_refused_without_decoding_it() {
        let mut bomb = png(1, 1);
        // IHDR's width sits at bytes 16..20: claim 100,000 pixels (the CRC no longer matches
        // either; whichever check comes first, nothing that size is allocated).
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(matches!(check(&bomb), Err(ImageError::NotAnImage)));
    }

    #[test]
    fn stored_once_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = png(2, 2);
        let checked = check(&bytes).unwrap();
        store(dir.path(), &checked, &bytes).unwrap();
        store(dir.path(), &checked, &bytes).unwrap();
        assert_eq!(
            std::fs::read(path(dir.path(), &checked.sha256)).unwrap(),
            bytes
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
