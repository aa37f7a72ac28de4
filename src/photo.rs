//! Photos to model input: RGBA pixels of any size are composited over white, scaled so that the
//! shorter side is `size` (a triangle filter, which averages over the whole footprint when it
//! shrinks), centre-cropped to `size × size` and returned as `[3, size, size]` floats in [0, 1].
//! The CLI (after decoding a file with the `image` crate) and the page (after the browser decodes
//! an upload) both call this, so a photo is the same tensor in both.

use image::{RgbImage, imageops};

use crate::error::{Error, Result};
use crate::preprocess::check_rgba;

/// Photo RGBA (`width × height × 4` bytes) to `[3, size, size]` floats, channel-major.
pub fn photo_from_rgba(rgba: &[u8], width: usize, height: usize, size: usize) -> Result<Vec<f32>> {
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
    let img = RgbImage::from_raw(width as u32, height as u32, rgb).expect("length checked above");
    let img = if width == size && height == size {
        img
    } else {
        let scale = size as f64 / width.min(height) as f64;
        let (nw, nh) = (((width as f64 * scale).round() as u32).max(size as u32), ((height as f64 * scale).round() as u32).max(size as u32));
        let resized = imageops::resize(&img, nw, nh, imageops::FilterType::Triangle);
        let (x0, y0) = ((nw - size as u32) / 2, (nh - size as u32) / 2);
        imageops::crop_imm(&resized, x0, y0, size as u32, size as u32).to_image()
    };
    Ok(hwc_to_chw(img.as_raw(), size, size))
}

/// Interleaved RGB bytes (`h × w × 3`) to channel-major floats in [0, 1].
pub fn hwc_to_chw(rgb: &[u8], h: usize, w: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; 3 * h * w];
    for (i, p) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * h * w + i] = p[c] as f32 / 255.0;
        }
    }
    out
}

/// Channel-major floats in [0, 1] back to interleaved RGB bytes (fixtures, thumbnails).
pub fn chw_to_hwc(x: &[f32], h: usize, w: usize) -> Vec<u8> {
    let n = h * w;
    (0..n * 3).map(|j| (x[(j % 3) * n + j / 3].clamp(0.0, 1.0) * 255.0).round() as u8).collect()
}

/// Every image (`n` images of `shape`, channel-major) with each `k × k` block of each channel
/// replaced by its mean (blocks at the edges are cut short): the photo as a coarse grid sees it.
pub fn block_averaged(images: &[f32], shape: [usize; 3], k: usize) -> Vec<f32> {
    let [_, h, w] = shape;
    let k = k.max(1);
    let mut out = images.to_vec();
    for plane in out.chunks_exact_mut((h * w).max(1)) {
        for by in (0..h).step_by(k) {
            for bx in (0..w).step_by(k) {
                let (ys, xs) = (by..(by + k).min(h), bx..(bx + k).min(w));
                let cells = (ys.len() * xs.len()) as f64;
                let sum: f64 = ys.clone().map(|y| plane[y * w + xs.start..y * w + xs.end].iter().map(|&v| v as f64).sum::<f64>()).sum();
                let mean = (sum / cells) as f32;
                for y in ys {
                    plane[y * w + xs.start..y * w + xs.end].fill(mean);
                }
            }
        }
    }
    out
}

/// Mean squared difference of each pair of images (`a` and `b` hold the same number of images
/// of `len` values each).
fn mean_squared_differences(a: &[f32], b: &[f32], len: usize) -> Vec<f32> {
    a.chunks_exact(len.max(1))
        .zip(b.chunks_exact(len.max(1)))
        .map(|(x, y)| (x.iter().zip(y).map(|(&u, &v)| (u as f64 - v as f64).powi(2)).sum::<f64>() / len as f64) as f32)
        .collect()
}

/// How much of each image (`n` images of `shape`, channel-major) an average over `k × k` blocks
/// loses: the mean squared difference between the image and its block means. A measure of the
/// image's detail that knows nothing of any class: a generic reconstruction to hold a trained
/// reconstructor's error against.
pub fn block_detail(images: &[f32], shape: [usize; 3], k: usize) -> Vec<f32> {
    mean_squared_differences(images, &block_averaged(images, shape, k), shape.iter().product())
}

/// The reconstruction error on a coarse grid: the mean squared difference between the `k × k`
/// block means of each image and those of its reconstruction (`x` and `ax` the same `n` images
/// of `shape`). What is left of ‖x − A(x)‖² once the detail that no 64-number bottleneck keeps,
/// for any class, is averaged away: whether A rebuilt the photo's layout and colours.
pub fn coarse_error(x: &[f32], ax: &[f32], shape: [usize; 3], k: usize) -> Vec<f32> {
    mean_squared_differences(&block_averaged(x, shape, k), &block_averaged(ax, shape, k), shape.iter().product())
}

/// Every image (channel-major, `w` pixels a row) mirrored left-right: the view of a photo that
/// training already shows A and C half of the time (`augment::random_hflip`).
pub fn mirrored(images: &[f32], w: usize) -> Vec<f32> {
    images.chunks_exact(w.max(1)).flat_map(|row| row.iter().rev().copied()).collect()
}
