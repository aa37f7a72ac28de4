//! Photos to model input: RGBA pixels of any size are composited over white, scaled so that the
//! shorter side is `size` (a triangle filter, which averages over the whole footprint when it
//! shrinks), centre-cropped to `size × size` and returned as `[3, size, size]` floats in [0, 1]
//! (the detectors) or as interleaved RGB bytes (the backbone).
//! The CLI (after decoding a file with the `image` crate) and the page (after the browser decodes
//! an upload) both call this, so a photo is the same tensor in both.

use image::{RgbImage, imageops};

use crate::error::{Error, Result};
use super::preprocess::{check_rgba, unit};

/// Photo RGBA (`width × height × 4` bytes) to `[3, size, size]` floats, channel-major.
pub fn photo_from_rgba(rgba: &[u8], width: usize, height: usize, size: usize) -> Result<Vec<f32>> {
    Ok(hwc_to_chw(&photo_rgb_from_rgba(rgba, width, height, size)?, size, size))
}

/// Photo RGBA (`width × height × 4` bytes) to the `size × size` centre crop as interleaved RGB
/// bytes (HWC): the detectors' input before `hwc_to_chw`, and the backbone's input as it is
/// (`model::backbone::rgb_to_tensor`).
pub fn photo_rgb_from_rgba(rgba: &[u8], width: usize, height: usize, size: usize) -> Result<Vec<u8>> {
    check_rgba(rgba, width, height)?;
    if size == 0 {
        return Err(Error::Config("photo size must be positive".into()));
    }
    // Transparent parts show white, as a browser draws them on a white page.
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| {
            let a = p[3] as u32;
            [0, 1, 2].map(|c| ((p[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8)
        })
        .collect();
    if width == size && height == size {
        return Ok(rgb);
    }
    let img = RgbImage::from_raw(width as u32, height as u32, rgb).expect("length checked above");
    let scale = size as f64 / width.min(height) as f64;
    let (nw, nh) = (((width as f64 * scale).round() as u32).max(size as u32), ((height as f64 * scale).round() as u32).max(size as u32));
    let resized = imageops::resize(&img, nw, nh, imageops::FilterType::Triangle);
    let (x0, y0) = ((nw - size as u32) / 2, (nh - size as u32) / 2);
    Ok(imageops::crop_imm(&resized, x0, y0, size as u32, size as u32).to_image().into_raw())
}

/// Interleaved RGB bytes (`h × w × 3`) to channel-major floats in [0, 1].
pub fn hwc_to_chw(rgb: &[u8], h: usize, w: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; 3 * h * w];
    for (i, p) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * h * w + i] = unit(p[c]);
        }
    }
    out
}

/// The largest picture the CLI decodes: sides up to this many pixels (a 50-megapixel phone photo
/// is 8,160 px wide) …
pub const MAX_PICTURE_SIDE: u32 = 10_000;
/// … and at most this many bytes allocated by the decoder (a 10,000² RGBA picture is 400 MB).
pub const MAX_PICTURE_ALLOC: u64 = 512 << 20;

/// Whether a JPEG's last start-of-scan marker (FF DA) is followed by an end-of-image marker (FF D9).
/// A thumbnail's markers in the header come before the main image's scan, so they do not count.
#[cfg(not(target_arch = "wasm32"))]
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |m: u8| bytes.windows(2).rposition(|w| w == [0xFF, m]);
    matches!((last(0xDA), last(0xD9)), (Some(sos), Some(eoi)) if eoi > sos)
}

/// Decodes a picture file's bytes (PNG, JPEG, WebP) to RGBA, refusing one whose header promises
/// more than `MAX_PICTURE_SIDE` or `MAX_PICTURE_ALLOC` *before* any pixel is decoded (native;
/// the page lets the browser decode and shrinks large pictures itself).
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_picture(bytes: &[u8], name: &str) -> Result<image::RgbaImage> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::data(name, format!("cannot read: {e}")))?;
    if reader.format().is_none() {
        return Err(Error::data(name, "not a PNG, JPEG or WebP picture"));
    }
    // The JPEG decoder fills a cut-off file with grey instead of failing: a truncated JPEG would be
    // judged as a picture. Its image data must be followed by the end-of-image marker.
    if reader.format() == Some(image::ImageFormat::Jpeg) && !jpeg_is_complete(bytes) {
        return Err(Error::data(name, "truncated JPEG: the file ends inside the image data (no end-of-image marker)"));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_PICTURE_SIDE);
    limits.max_image_height = Some(MAX_PICTURE_SIDE);
    limits.max_alloc = Some(MAX_PICTURE_ALLOC);
    reader.limits(limits);
    let picture = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => Error::data(
            name,
            format!("too large to decode: pictures up to {MAX_PICTURE_SIDE}×{MAX_PICTURE_SIDE} pixels and {} MB of pixels are accepted", MAX_PICTURE_ALLOC >> 20),
        ),
        e => Error::data(name, format!("not a readable picture: {e}")),
    })?;
    Ok(picture.to_rgba8())
}
