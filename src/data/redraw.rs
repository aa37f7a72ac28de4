//! MNIST digits re-rendered as the page receives drawings, then put back through the page's own
//! preprocessing (`preprocess::mnist_from_rgba`): how much the input path alone costs a detector.
//!
//! Two renderings, because no set of real page drawings exists here: `Binary` (the digit
//! enlarged 4×, binarised, dark on white: a scan or a blocky drawing) and `Pen` (the digit's
//! skeleton traced with a round, anti-aliased pen of even width, like the page's drawing pad).

use super::idx::IdxImages;
use super::preprocess::{mnist_from_rgba, unit};
use crate::error::Result;

/// How a digit is drawn before the preprocessing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Binary,
    Pen,
}

/// Side of the drawing: MNIST's 28 pixels, 4× larger.
const SIDE: usize = 112;
const SCALE: usize = SIDE / 28;
/// Pen radius on the 112-px drawing. The page's pen is 1/12 of its pad wide; a digit drawn over
/// about 70 % of the pad's height gets strokes of ~12 % of the digit's height, and MNIST's
/// 20-px digits have strokes of 2–3 px: 9 px wide for an 80-px digit.
const PEN_RADIUS: f32 = 4.5;

/// Digits `idx` of `images`, drawn in `style` and preprocessed back to 28×28 in [0, 1].
pub fn redraw(images: &IdxImages, idx: &[usize], style: Style) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(idx.len() * 784);
    for &i in idx {
        let img = images.image(i);
        let ink: Vec<f32> = match style {
            Style::Binary => (0..SIDE * SIDE).map(|p| if img[(p / SIDE / SCALE) * 28 + (p % SIDE) / SCALE] >= 128 { 1.0 } else { 0.0 }).collect(),
            Style::Pen => pen(&skeleton(img)),
        };
        let rgba: Vec<u8> = ink
            .iter()
            .flat_map(|&a| {
                let v = (255.0 * (1.0 - a)).round() as u8;
                [v, v, v, 255]
            })
            .collect();
        let grey = mnist_from_rgba(&rgba, SIDE, SIDE)?;
        out.extend(grey.iter().map(|&p| unit(p)));
    }
    Ok(out)
}

/// The one-pixel-wide skeleton of a 28×28 digit binarised at 128 (Zhang & Suen, 1984).
pub fn skeleton(img: &[u8]) -> Vec<bool> {
    let mut on: Vec<bool> = img.iter().map(|&p| p >= 128).collect();
    let at = |on: &[bool], x: usize, y: usize| on[y * 28 + x] as u8;
    loop {
        let mut changed = false;
        for step in 0..2 {
            let mut gone = Vec::new();
            for y in 1..27 {
                for x in 1..27 {
                    if !on[y * 28 + x] {
                        continue;
                    }
                    // Neighbours p2..p9, clockwise from north.
                    let p = [
                        at(&on, x, y - 1),
                        at(&on, x + 1, y - 1),
                        at(&on, x + 1, y),
                        at(&on, x + 1, y + 1),
                        at(&on, x, y + 1),
                        at(&on, x - 1, y + 1),
                        at(&on, x - 1, y),
                        at(&on, x - 1, y - 1),
                    ];
                    let b: u8 = p.iter().sum();
                    let a = (0..8).filter(|&k| p[k] == 0 && p[(k + 1) % 8] == 1).count();
                    let (n, e, s, w) = (p[0], p[2], p[4], p[6]);
                    let side = if step == 0 { n * e * s == 0 && e * s * w == 0 } else { n * e * w == 0 && n * s * w == 0 };
                    if (2..=6).contains(&b) && a == 1 && side {
                        gone.push(y * 28 + x);
                    }
                }
            }
            changed |= !gone.is_empty();
            for k in gone {
                on[k] = false;
            }
        }
        if !changed {
            return on;
        }
    }
}

/// Ink (0..1) of a 112×112 drawing that traces `skeleton` with a round pen, anti-aliased by a
/// one-pixel ramp at its edge. Neighbouring skeleton pixels are joined by segments, so the stroke
/// is continuous.
fn pen(skeleton: &[bool]) -> Vec<f32> {
    let centre = |k: usize| (((k % 28) * SCALE) as f32 + SCALE as f32 / 2.0, ((k / 28) * SCALE) as f32 + SCALE as f32 / 2.0);
    let points: Vec<usize> = (0..784).filter(|&k| skeleton[k]).collect();
    let mut segments = Vec::new();
    for &k in &points {
        let (x, y) = (k % 28, k / 28);
        segments.push((centre(k), centre(k)));
        // Right, down-right, down, down-left: each 8-neighbour pair once.
        for (dx, dy) in [(1i32, 0i32), (1, 1), (0, 1), (-1, 1)] {
            let (nx, ny) = (x as i32 + dx, y as i32 + dy);
            if (0..28).contains(&nx) && (0..28).contains(&ny) && skeleton[ny as usize * 28 + nx as usize] {
                segments.push((centre(k), centre(ny as usize * 28 + nx as usize)));
            }
        }
    }
    let mut ink = vec![0.0f32; SIDE * SIDE];
    for ((ax, ay), (bx, by)) in segments {
        let reach = PEN_RADIUS + 1.0;
        let (x0, x1) = ((ax.min(bx) - reach).max(0.0) as usize, ((ax.max(bx) + reach) as usize).min(SIDE - 1));
        let (y0, y1) = ((ay.min(by) - reach).max(0.0) as usize, ((ay.max(by) + reach) as usize).min(SIDE - 1));
        let (vx, vy) = (bx - ax, by - ay);
        let len2 = vx * vx + vy * vy;
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                let t = if len2 > 0.0 { (((px - ax) * vx + (py - ay) * vy) / len2).clamp(0.0, 1.0) } else { 0.0 };
                let d = ((px - ax - t * vx).powi(2) + (py - ay - t * vy).powi(2)).sqrt();
                let a = (PEN_RADIUS + 0.5 - d).clamp(0.0, 1.0);
                let cell = &mut ink[y * SIDE + x];
                *cell = cell.max(a);
            }
        }
    }
    ink
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thick_bar_thins_to_a_line_and_the_pen_draws_it_back() {
        // A horizontal bar 4 px thick, 16 px long.
        let mut img = vec![0u8; 784];
        for y in 12..16 {
            for x in 6..22 {
                img[y * 28 + x] = 255;
            }
        }
        let sk = skeleton(&img);
        let rows: Vec<usize> = (0..28).filter(|&y| (0..28).any(|x| sk[y * 28 + x])).collect();
        let on = sk.iter().filter(|&&b| b).count();
        assert!(rows.len() <= 2, "skeleton spans rows {rows:?}");
        assert!((10..=18).contains(&on), "{on} skeleton pixels");
        let ink = pen(&sk);
        assert!(ink.iter().all(|a| (0.0..=1.0).contains(a)));
        // The pen stroke is ~9 px thick on the 112-px drawing: ink at the bar's centre line, none
        // far above it, and some partial coverage (anti-aliasing).
        assert_eq!(ink[14 * SCALE * SIDE + 14 * SCALE], 1.0);
        assert_eq!(ink[4 * SCALE * SIDE + 14 * SCALE], 0.0);
        assert!(ink.iter().any(|&a| a > 0.0 && a < 1.0));
    }

    #[test]
    fn an_empty_picture_has_an_empty_skeleton() {
        assert!(skeleton(&[0u8; 784]).iter().all(|&b| !b));
    }
}
