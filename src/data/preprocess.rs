//! Turning an arbitrary picture of a digit (a drawing, a photo, RGBA of any size) into MNIST's
//! format: white strokes on black, the digit scaled into a 20×20 box preserving its aspect
//! ratio, placed in 28×28 so that its centre of mass sits at the centre (LeCun et al.); a mark
//! much smaller than its picture is enlarged less (`MAX_ENLARGEMENT`), so a dot stays a dot.
//! The CLI and the page both call this, so a drawing scores the same in both.

use crate::error::{Error, Result};
use image::{GrayImage, ImageBuffer, Luma, imageops};

/// Side of an MNIST image.
pub const MNIST_SIDE: usize = 28;
/// Largest input accepted, in pixels (the page downsizes larger photos before they get here).
pub const MAX_PIXELS: usize = 4096 * 4096;
/// Side of the box MNIST scales a digit into.
const DIGIT_BOX: f32 = 20.0;
/// The most a mark is enlarged relative to its picture. MNIST's normalisation scales the ink's
/// bounding box to 20 px whatever its size, so a dot or a short dash (on the page's pad, a pen
/// width: 1/12 of the pad) came out as a 20-px disc or bar, a shape no digit has. The ink is
/// scaled as MNIST did while its box spans at least a third of the picture's shorter side (a
/// digit cannot be taller than its picture), and a smaller mark as if it spanned a third: it
/// keeps its size relative to the picture (the page's dot comes out 5 px wide). Digits of a normal size are untouched: none of MNIST's 70,000 spans
/// less than 0.46 of its picture (median 0.71), the paper fixtures and the digits `redraw` draws
/// (which set the drawn thresholds) come out bit for bit as without the cap, and a digit drawn
/// over a third of the pad or more is normalised in full.
pub const MAX_ENLARGEMENT: f32 = 3.0;

/// Greyscale of RGBA pixels, composited over the background the picture shows at its border
/// (transparent pixels take that colour).
fn to_grey(rgba: &[u8], width: usize, height: usize) -> Vec<f32> {
    let lum = |p: &[u8]| (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32) / 255.0;
    let alpha = |p: &[u8]| unit(p[3]);
    // Opaque border pixels say whether the paper is light or dark; a fully transparent canvas
    // (a drawing) is treated as a light page.
    let mut border = Vec::new();
    for y in 0..height {
        for x in 0..width {
            if y == 0 || x == 0 || y + 1 == height || x + 1 == width {
                let p = &rgba[(y * width + x) * 4..][..4];
                if p[3] > 0 {
                    border.push(lum(p));
                }
            }
        }
    }
    let paper = if border.is_empty() { 1.0 } else { border.iter().sum::<f32>() / border.len() as f32 };
    let light_paper = paper >= 0.5;
    rgba.chunks_exact(4)
        .map(|p| {
            let a = alpha(p);
            let v = a * lum(p) + (1.0 - a) * paper;
            // ink is whatever differs from the paper; MNIST draws ink bright on black
            if light_paper { 1.0 - v } else { v }
        })
        .collect()
}

/// Refuses RGBA input that is empty, over the size limit, or not `width × height × 4` bytes.
pub fn check_rgba(rgba: &[u8], width: usize, height: usize) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::Input("empty image (0 pixels)".into()));
    }
    if width.saturating_mul(height) > MAX_PIXELS {
        return Err(Error::Input(format!(
            "image of {width}×{height} pixels is larger than the {} megapixel limit; downscale it first",
            MAX_PIXELS / 1_000_000
        )));
    }
    if rgba.len() != width * height * 4 {
        return Err(Error::Input(format!(
            "expected {} RGBA bytes for {width}×{height}, got {}",
            width * height * 4,
            rgba.len()
        )));
    }
    Ok(())
}

/// RGBA pixels (`width × height × 4` bytes) to 784 grey levels in MNIST format.
pub fn mnist_from_rgba(rgba: &[u8], width: usize, height: usize) -> Result<Vec<u8>> {
    check_rgba(rgba, width, height)?;
    mnist_from_grey(&to_grey(rgba, width, height), width, height)
}

/// Ink intensities in [0, 1] (ink bright) to MNIST format.
pub fn mnist_from_grey(ink: &[f32], width: usize, height: usize) -> Result<Vec<u8>> {
    let max = ink.iter().copied().fold(0.0f32, f32::max);
    // Paper texture under 15 % of the strongest ink becomes black; ink over 60 % saturates.
    // MNIST's strokes have solid cores and soft edges, and C learned that look: a stroke left
    // thin and grey reads as "blurred", which is what C was trained to reject.
    let (lo, hi) = (0.35 * max, 0.45 * max);
    let ink: Vec<f32> = ink.iter().map(|&v| ((v - lo) / (hi - lo)).clamp(0.0, 1.0)).collect();
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for y in 0..height {
        for x in 0..width {
            if ink[y * width + x] > 0.0 {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
    }
    if max < 0.05 || x0 == usize::MAX {
        return Err(Error::Input("blank image: no strokes to score".into()));
    }
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let crop: GrayImage = ImageBuffer::from_fn(bw as u32, bh as u32, |x, y| {
        Luma([(ink[(y0 + y as usize) * width + x0 + x as usize] * 255.0).round() as u8])
    });
    // Longest side to 20 pixels, as MNIST's normalisation did, unless the mark is tiny in its picture.
    let scale = (DIGIT_BOX / bw.max(bh) as f32).min(MAX_ENLARGEMENT * DIGIT_BOX / width.min(height) as f32);
    let (nw, nh) = (((bw as f32 * scale).round() as u32).max(1), ((bh as f32 * scale).round() as u32).max(1));
    let small = imageops::resize(&crop, nw, nh, imageops::FilterType::Triangle);
    // Centre of mass to the centre of the 28×28 frame.
    let (mut mass, mut mx, mut my) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y, p) in small.enumerate_pixels() {
        let v = p[0] as f32;
        mass += v;
        mx += v * x as f32;
        my += v * y as f32;
    }
    if mass == 0.0 {
        return Err(Error::Input("blank image: no strokes to score".into()));
    }
    let centre = MNIST_SIDE as f32 / 2.0;
    let ox = (centre - mx / mass - 0.5).round() as i64;
    let oy = (centre - my / mass - 0.5).round() as i64;
    // Keep the whole digit in the frame even when its mass is far off-centre.
    let ox = ox.clamp(0, (MNIST_SIDE as i64 - nw as i64).max(0));
    let oy = oy.clamp(0, (MNIST_SIDE as i64 - nh as i64).max(0));
    let mut out = vec![0u8; MNIST_SIDE * MNIST_SIDE];
    for (x, y, p) in small.enumerate_pixels() {
        let (tx, ty) = (x as i64 + ox, y as i64 + oy);
        if (0..MNIST_SIDE as i64).contains(&tx) && (0..MNIST_SIDE as i64).contains(&ty) {
            out[ty as usize * MNIST_SIDE + tx as usize] = p[0];
        }
    }
    Ok(out)
}

/// One 8-bit level (grey, or one colour channel) as model input in [0, 1]: the only place a
/// pixel is divided by 255.
pub fn unit(p: u8) -> f32 {
    p as f32 / 255.0
}

/// Grey levels (0–255, one per pixel) to model input in [0, 1], refusing wrong lengths.
pub fn grey_to_unit(pixels: &[u8], expected: usize) -> Result<Vec<f32>> {
    if pixels.len() != expected {
        return Err(Error::Input(format!("expected {expected} grey levels, got {}", pixels.len())));
    }
    Ok(pixels.iter().map(|&p| unit(p)).collect())
}

/// Floats for model input: length checked, NaN and infinities refused, range [0, 1] required.
pub fn check_unit(values: &[f32], expected: usize) -> Result<()> {
    if values.len() != expected {
        return Err(Error::Input(format!("expected {expected} values, got {}", values.len())));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::Input(format!("value {i} is {} (NaN or infinite)", values[i])));
    }
    if let Some(i) = values.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(Error::Input(format!("value {i} is {}, outside [0, 1]", values[i])));
    }
    Ok(())
}
