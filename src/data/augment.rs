//! The paper's augmentations, done on whole batches of tensors `[batch, channels, height, width]`
//! with values in [0, 1]. Random draws come from a caller-owned seeded `StdRng` on the host, so a
//! given seed gives the same corruption on every backend (CPU, WebGPU) and after a resume.

use burn::prelude::*;
use burn::tensor::{TensorData, module::conv2d, ops::ConvOptions};
use rand::{Rng, rngs::StdRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// How the reconstructor's input is corrupted (eqs. 1 and 2) and how hard negatives are made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AugmentConfig {
    /// σ of the Gaussian noise added to the input of A (eq. 1).
    pub noise_std: f32,
    /// Probability that a cell of the low-resolution dropout mask is zeroed (eq. 2).
    pub dropout_p: f32,
    /// Side of the low-resolution dropout mask; each cell covers `size / grid` pixels.
    pub dropout_grid: usize,
    /// Longest motion-blur streak in pixels (odd); lengths are drawn from 3..=max.
    pub blur_max_len: usize,
    /// Range of σ for the Gaussian-noise hard negatives.
    pub neg_noise_std: (f32, f32),
    /// Fraction of hard negatives made by motion blur.
    pub blur_fraction: f32,
    /// Fraction made by a random affine warp (the rest by Gaussian noise).
    #[serde(default)]
    pub warp_fraction: f32,
    /// Largest rotation (degrees), scale change (fraction) and shift (fraction of the side) of the warp.
    #[serde(default = "default_warp")]
    pub warp: (f32, f32, f32),
    /// Fraction made by erasing coarse rectangles of A(x) (what A does to the parts of an outlier
    /// it cannot rebuild), with this dropout probability on a 4×4 grid.
    #[serde(default)]
    pub erase_fraction: f32,
    #[serde(default)]
    pub erase_p: f32,
    /// Fraction of negatives that are connective images of synthetic outliers, λx̃ + (1−λ)A(x̃).
    #[serde(default)]
    pub synthetic_fraction: f32,
    /// How synthetic outliers are made from positives.
    #[serde(default)]
    pub synthetic: SyntheticKind,
    /// Mirror training images left-right at random (off for digits: a mirrored 3 is not a 3).
    /// Every shipped digit recipe stores it (`false`), and a recipe's JSON keys its checkpoints
    /// and cached protocol runs.
    #[serde(default)]
    pub hflip: bool,
    /// Fraction of hard negatives whose reconstruction is partly (30–100 %) another positive's
    /// reconstruction: A rebuilt *something* of the class, but not this image, which is what the
    /// connective image of an outlier shows. Drawn after, and on top of, the other kinds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub swap_fraction: f32,
}

/// Off knobs stay out of the JSON, so recipes written before they existed keep their identity
/// (resume and the protocol's finished-run check compare recipes as JSON).
fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

/// How a synthetic outlier is made from positives (see [`synthetic_outlier`] and [`synthetic_mixed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyntheticKind {
    /// Digits: a positive plus another positive turned and shifted (strokes where none belong).
    #[default]
    Overlay,
    /// Digits: a mix of ways a digit stops being the class (see [`synthetic_mixed`]): overlays,
    /// large turns, parts cut away, pen strokes added, and pen strokes alone.
    Mixed,
}

fn default_warp() -> (f32, f32, f32) {
    (30.0, 0.25, 0.2)
}

impl Default for AugmentConfig {
    fn default() -> Self {
        Self {
            noise_std: 0.3,
            dropout_p: 0.3,
            dropout_grid: 7,
            blur_max_len: 9,
            neg_noise_std: (0.15, 0.4),
            blur_fraction: 0.25,
            warp_fraction: 0.3,
            warp: default_warp(),
            erase_fraction: 0.3,
            erase_p: 0.5,
            synthetic_fraction: 0.4,
            synthetic: SyntheticKind::Mixed,
            hflip: false,
            swap_fraction: 0.0,
        }
    }
}

fn normals(rng: &mut StdRng, n: usize, std: f32) -> Vec<f32> {
    (0..n).map(|_| rng.sample::<f32, _>(StandardNormal) * std).collect()
}

/// Eq. 1: x_g = x + N(0, σ²), clipped back to the image range [0, 1].
pub fn gaussian_noise(x: Tensor<4>, std: f32, rng: &mut StdRng) -> Tensor<4> {
    let dims = x.dims();
    let noise = normals(rng, dims.iter().product(), std);
    let noise = Tensor::<4>::from_data(TensorData::new(noise, dims), &x.device());
    (x + noise).clamp(0.0, 1.0)
}

/// Eq. 2: coarse dropout. A `grid × grid` Bernoulli(1 − p) mask per image, upsampled to the
/// image size (nearest), zeroes rectangles of the input; the same mask covers every channel.
pub fn coarse_dropout(x: Tensor<4>, p: f32, grid: usize, rng: &mut StdRng) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    let grid = grid.clamp(1, h.min(w));
    let mut mask = vec![1.0f32; b * h * w];
    for i in 0..b {
        let cells: Vec<bool> = (0..grid * grid).map(|_| rng.random::<f32>() < p).collect();
        for y in 0..h {
            for xx in 0..w {
                let cell = (y * grid / h) * grid + xx * grid / w;
                if cells[cell] {
                    mask[i * h * w + y * w + xx] = 0.0;
                }
            }
        }
    }
    let mask = Tensor::<4>::from_data(TensorData::new(mask, [b, 1, h, w]), &x.device());
    x * mask.repeat_dim(1, c)
}

/// The corrupted input of the reconstructor: noise (eq. 1), then coarse dropout (eq. 2).
pub fn corrupt(x: Tensor<4>, cfg: &AugmentConfig, rng: &mut StdRng) -> Tensor<4> {
    let x = gaussian_noise(x, cfg.noise_std, rng);
    coarse_dropout(x, cfg.dropout_p, cfg.dropout_grid, rng)
}

/// A normalised `k × k` kernel that draws a straight streak of `len` pixels at `angle` through
/// the centre: the point spread function of a camera moving in a line.
pub fn motion_kernel(k: usize, len: usize, angle: f32) -> Vec<f32> {
    let mut kernel = vec![0.0f32; k * k];
    let centre = (k / 2) as f32;
    let steps = len * 8;
    let half = (len as f32 - 1.0) / 2.0;
    for s in 0..=steps {
        let t = -half + (len as f32 - 1.0) * s as f32 / steps as f32;
        let px = (centre + t * angle.cos()).round() as isize;
        let py = (centre + t * angle.sin()).round() as isize;
        if (0..k as isize).contains(&px) && (0..k as isize).contains(&py) {
            kernel[py as usize * k + px as usize] += 1.0;
        }
    }
    let total: f32 = kernel.iter().sum();
    kernel.iter_mut().for_each(|v| *v /= total);
    kernel
}

/// Motion blur with a random length (3..=`max_len`) and angle per image, as one grouped
/// convolution over the batch (each image-channel is its own group).
pub fn motion_blur(x: Tensor<4>, max_len: usize, rng: &mut StdRng) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    let k = max_len.max(3) | 1;
    let mut weights = Vec::with_capacity(b * c * k * k);
    for _ in 0..b {
        let len = rng.random_range(3..=k);
        let angle = rng.random::<f32>() * std::f32::consts::PI;
        let kernel = motion_kernel(k, len, angle);
        for _ in 0..c {
            weights.extend_from_slice(&kernel);
        }
    }
    let weight = Tensor::<4>::from_data(TensorData::new(weights, [b * c, 1, k, k]), &x.device());
    let pad = k / 2;
    let out = conv2d(
        x.reshape([1, b * c, h, w]),
        weight,
        None,
        ConvOptions::new([1, 1], [pad, pad], [1, 1], b * c),
    );
    out.reshape([b, c, h, w])
}

/// Appends one image's sampling grid for `grid_sample_2d`: each output pixel centre, in [-1, 1],
/// mapped back to where it samples the input (turned by `angle`, zoomed by `scale`, shifted).
fn push_affine_grid(grid: &mut Vec<f32>, h: usize, w: usize, angle: f32, scale: f32, shift: (f32, f32)) {
    let (c, s) = (angle.cos() / scale, angle.sin() / scale);
    for y in 0..h {
        for xx in 0..w {
            let u = (2 * xx + 1) as f32 / w as f32 - 1.0;
            let v = (2 * y + 1) as f32 / h as f32 - 1.0;
            grid.push(c * u - s * v + shift.0);
            grid.push(s * u + c * v + shift.1);
        }
    }
}

/// Samples every image of `x` at its own grid (as built by [`push_affine_grid`], `h × w × 2`
/// numbers per image), bilinear, zeros outside.
fn sample_grid(x: Tensor<4>, grid: Vec<f32>) -> Tensor<4> {
    let [b, _, h, w] = x.dims();
    let grid = Tensor::<4>::from_data(TensorData::new(grid, [b, h, w, 2]), &x.device());
    x.grid_sample_2d(grid, burn::tensor::ops::GridSampleOptions::default())
}

/// A random affine warp per image (rotation, scale, shift), bilinear, zeros outside: the
/// reconstruction no longer lines up with the input, which is what A does to an outlier (it
/// answers with a clean positive of another shape).
pub fn affine_warp(x: Tensor<4>, max: (f32, f32, f32), rng: &mut StdRng) -> Tensor<4> {
    let [b, _, h, w] = x.dims();
    let (max_deg, max_scale, max_shift) = max;
    let mut grid = Vec::with_capacity(b * h * w * 2);
    for _ in 0..b {
        let mut sym = |m: f32| (rng.random::<f32>() * 2.0 - 1.0) * m;
        let angle = sym(max_deg).to_radians();
        let scale = 1.0 + sym(max_scale);
        let (tx, ty) = (sym(max_shift) * 2.0, sym(max_shift) * 2.0);
        push_affine_grid(&mut grid, h, w, angle, scale, (tx, ty));
    }
    sample_grid(x, grid)
}

/// d(·) of eq. 5: each image is degraded by motion blur, an affine warp, coarse erasure or
/// Gaussian noise of a random σ (in the fractions of `cfg`); each keeps the result close to the
/// positive class.
pub fn hard_negative(ax: Tensor<4>, cfg: &AugmentConfig, rng: &mut StdRng) -> Tensor<4> {
    let [b, c, h, w] = ax.dims();
    let device = ax.device();
    let blurred = motion_blur(ax.clone(), cfg.blur_max_len, rng);
    let warped = affine_warp(ax.clone(), cfg.warp, rng);
    let erased = coarse_dropout(ax.clone(), cfg.erase_p, 4, rng);
    let (lo, hi) = cfg.neg_noise_std;
    let mut noise = Vec::with_capacity(b * c * h * w);
    let (mut pick_blur, mut pick_warp, mut pick_erase) = (Vec::with_capacity(b), Vec::with_capacity(b), Vec::with_capacity(b));
    for _ in 0..b {
        let std = lo + (hi - lo) * rng.random::<f32>();
        noise.extend(normals(rng, c * h * w, std));
        let u = rng.random::<f32>();
        let blur = u < cfg.blur_fraction;
        let warp = !blur && u < cfg.blur_fraction + cfg.warp_fraction;
        let erase = !blur && !warp && u < cfg.blur_fraction + cfg.warp_fraction + cfg.erase_fraction;
        pick_blur.push(blur as u8 as f32);
        pick_warp.push(warp as u8 as f32);
        pick_erase.push(erase as u8 as f32);
    }
    let other = (cfg.swap_fraction > 0.0 && b > 1).then(|| Tensor::cat(vec![ax.clone().slice([1..b]), ax.clone().slice([0..1])], 0));
    let noisy = (ax + Tensor::<4>::from_data(TensorData::new(noise, [b, c, h, w]), &device)).clamp(0.0, 1.0);
    let pb = Tensor::<4>::from_data(TensorData::new(pick_blur, [b, 1, 1, 1]), &device);
    let pw = Tensor::<4>::from_data(TensorData::new(pick_warp, [b, 1, 1, 1]), &device);
    let pe = Tensor::<4>::from_data(TensorData::new(pick_erase, [b, 1, 1, 1]), &device);
    let pn = (pb.clone() + pw.clone() + pe.clone()).neg() + 1.0;
    let negative = blurred * pb + warped * pw + erased * pe + noisy * pn;
    let Some(other) = other else { return negative };
    // Only recipes with swaps draw these numbers, so the others keep their random stream.
    let t: Vec<f32> = (0..b)
        .map(|_| if rng.random::<f32>() < cfg.swap_fraction { 0.3 + 0.7 * rng.random::<f32>() } else { 0.0 })
        .collect();
    let t = Tensor::<4>::from_data(TensorData::new(t, [b, 1, 1, 1]), &device);
    negative * (t.clone().neg() + 1.0) + other * t
}

/// A synthetic outlier made from positives: each image plus another image of the batch turned by
/// a large random angle and shifted (strokes no positive has, in places no positive has them).
/// Passed through A, it shows C what A does to inputs it was not trained on.
pub fn synthetic_outlier(x: Tensor<4>, rng: &mut StdRng) -> Tensor<4> {
    let [b, _, _, _] = x.dims();
    let other = if b > 1 { Tensor::cat(vec![x.clone().slice([1..b]), x.clone().slice([0..1])], 0) } else { x.clone() };
    let turned = affine_warp(other, (180.0, 0.25, 0.3), rng);
    (x + turned).clamp(0.0, 1.0)
}

/// Mirrors the same random half of the images of every tensor left-right (the tensors are
/// images and what was computed from them, e.g. x and A(x), which must stay aligned).
pub fn random_hflip(xs: Vec<Tensor<4>>, rng: &mut StdRng) -> Vec<Tensor<4>> {
    let Some(first) = xs.first() else { return xs };
    let b = first.dims()[0];
    let flips: Vec<f32> = (0..b).map(|_| rng.random::<bool>() as u8 as f32).collect();
    let m = Tensor::<4>::from_data(TensorData::new(flips, [b, 1, 1, 1]), &first.device());
    xs.into_iter().map(|x| x.clone().flip([3]) * m.clone() + x * (m.clone().neg() + 1.0)).collect()
}

/// Random pen strokes on an empty canvas, on the host (`n` images of `shape`, every channel the
/// same): one to three quadratic Bézier curves about as wide as MNIST's pen, values in [0, 1].
/// Inputs nobody trained A on, and what a visitor's scribble looks like (a single line fooled C).
pub fn random_strokes(n: usize, shape: [usize; 3], rng: &mut StdRng) -> Vec<f32> {
    let [c, h, w] = shape;
    let unit = h.min(w) as f32 / 28.0;
    let mut out = vec![0.0f32; n * c * h * w];
    let mut canvas = vec![0.0f32; h * w];
    for i in 0..n {
        canvas.iter_mut().for_each(|v| *v = 0.0);
        for _ in 0..rng.random_range(1..=3) {
            let mut pt = || (w as f32 * rng.random_range(0.15..0.85), h as f32 * rng.random_range(0.15..0.85));
            let (p0, p1, p2) = (pt(), pt(), pt());
            let radius = unit * rng.random_range(0.9..1.7);
            let steps = (4.0 * (h + w) as f32) as usize;
            for s in 0..=steps {
                let t = s as f32 / steps as f32;
                let (a, b, d) = ((1.0 - t) * (1.0 - t), 2.0 * (1.0 - t) * t, t * t);
                let (px, py) = (a * p0.0 + b * p1.0 + d * p2.0, a * p0.1 + b * p1.1 + d * p2.1);
                let reach = radius.ceil() as isize + 1;
                for dy in -reach..=reach {
                    for dx in -reach..=reach {
                        let (x, y) = (px.floor() as isize + dx, py.floor() as isize + dy);
                        if x < 0 || y < 0 || x >= w as isize || y >= h as isize {
                            continue;
                        }
                        let dist = ((x as f32 + 0.5 - px).powi(2) + (y as f32 + 0.5 - py).powi(2)).sqrt();
                        let v = (radius + 0.5 - dist).clamp(0.0, 1.0);
                        let cell = &mut canvas[y as usize * w + x as usize];
                        *cell = cell.max(v);
                    }
                }
            }
        }
        for ch in 0..c {
            out[(i * c + ch) * h * w..(i * c + ch + 1) * h * w].copy_from_slice(&canvas);
        }
    }
    out
}

/// Each image turned by 60–120° either way (zeros outside): the strokes of the class in
/// directions the class never has them.
pub fn large_turn(x: Tensor<4>, rng: &mut StdRng) -> Tensor<4> {
    let [b, _, h, w] = x.dims();
    let mut grid = Vec::with_capacity(b * h * w * 2);
    for _ in 0..b {
        let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
        let angle = sign * rng.random_range(60f32..120.0).to_radians();
        push_affine_grid(&mut grid, h, w, angle, 1.0, (0.0, 0.0));
    }
    sample_grid(x, grid)
}

/// Shares of the kinds of synthetic outlier in [`synthetic_mixed`]: overlay, large turn, part cut
/// away, strokes added, strokes alone.
pub const MIXED_SHARES: [f32; 5] = [0.3, 0.15, 0.2, 0.2, 0.15];

/// Synthetic outliers for digits, each image made one of five ways (in the shares of
/// [`MIXED_SHARES`]): another positive turned and laid over it ([`synthetic_outlier`]); itself
/// turned by 60–120°; large coarse rectangles cut away (a 9 whose loop is open is a 4: A closes it
/// again, and the connective image shows a stroke the input lacks); one to three pen strokes
/// added; pen strokes alone. Passed through A by the caller, like every synthetic outlier.
pub fn synthetic_mixed(x: Tensor<4>, rng: &mut StdRng) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    let device = x.device();
    let strokes = Tensor::<4>::from_data(TensorData::new(random_strokes(b, [c, h, w], rng), [b, c, h, w]), &device);
    let overlay = synthetic_outlier(x.clone(), rng);
    let turned = large_turn(x.clone(), rng);
    let cut = coarse_dropout(x.clone(), 0.35, 3, rng);
    let added = (x + strokes.clone()).clamp(0.0, 1.0);
    mix_by_shares(vec![overlay, turned, cut, added, strokes], &MIXED_SHARES, rng)
}

/// Picks, per image, one of `kinds` (same-shape batches) with the probabilities `shares` (the
/// last kind takes whatever the shares leave), one uniform draw per image.
fn mix_by_shares(kinds: Vec<Tensor<4>>, shares: &[f32], rng: &mut StdRng) -> Tensor<4> {
    let b = kinds[0].dims()[0];
    let device = kinds[0].device();
    let mut picks = vec![vec![0.0f32; b]; kinds.len()];
    for i in 0..b {
        let u = rng.random::<f32>();
        let mut acc = 0.0;
        let k = shares.iter().position(|&s| {
            acc += s;
            u < acc
        });
        let pick = &mut picks[k.unwrap_or(kinds.len() - 1).min(kinds.len() - 1)];
        pick[i] = 1.0;
    }
    kinds
        .into_iter()
        .zip(picks)
        .map(|(t, p)| t * Tensor::<4>::from_data(TensorData::new(p, [b, 1, 1, 1]), &device))
        .reduce(|a, t| a + t)
        .unwrap()
}
