#![allow(clippy::single_range_in_vec_init)] // burn slices take one range per dimension
use burn::prelude::*;
use burn::tensor::TensorData;
use connective::data::augment::*;
use rand::{SeedableRng, rngs::StdRng};

fn dev() -> Device {
    Device::flex()
}

fn ramp(b: usize) -> Tensor<4> {
    let v: Vec<f32> = (0..b * 784).map(|i| (i % 784) as f32 / 783.0).collect();
    Tensor::from_data(TensorData::new(v, [b, 1, 28, 28]), &dev())
}

fn vals(t: Tensor<4>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

#[test]
fn corruption_keeps_shape_and_range() {
    let cfg = AugmentConfig::default();
    let mut rng = StdRng::seed_from_u64(1);
    let x = ramp(8);
    for out in [corrupt(x.clone(), &cfg, &mut rng), hard_negative(x.clone(), &cfg, &mut rng), motion_blur(x.clone(), 9, &mut rng)] {
        assert_eq!(out.dims(), [8, 1, 28, 28]);
        let v = vals(out);
        assert!(v.iter().all(|p| p.is_finite() && (-1e-6..=1.0 + 1e-6).contains(p)), "values leave [0, 1]");
    }
}

#[test]
fn augmentations_are_deterministic_for_a_seed() {
    let cfg = AugmentConfig::default();
    let run = |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        let a = vals(corrupt(ramp(4), &cfg, &mut rng));
        let b = vals(hard_negative(ramp(4), &cfg, &mut rng));
        (a, b)
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5).0, run(6).0);
    assert_ne!(run(5).1, run(6).1);
}

#[test]
fn gaussian_noise_has_the_asked_spread() {
    let mut rng = StdRng::seed_from_u64(2);
    let half = Tensor::<4>::from_data(TensorData::new(vec![0.5f32; 64 * 784], [64, 1, 28, 28]), &dev());
    let v = vals(gaussian_noise(half, 0.1, &mut rng));
    let n = v.len() as f64;
    let mean = v.iter().map(|&p| p as f64).sum::<f64>() / n;
    let std = (v.iter().map(|&p| (p as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
    assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
    assert!((std - 0.1).abs() < 0.005, "std {std}");
}

#[test]
fn coarse_dropout_zeroes_about_p_in_whole_cells() {
    let mut rng = StdRng::seed_from_u64(3);
    let ones = Tensor::<4>::from_data(TensorData::new(vec![1.0f32; 256 * 784], [256, 1, 28, 28]), &dev());
    let v = vals(coarse_dropout(ones, 0.3, 7, &mut rng));
    let zeroed = v.iter().filter(|&&p| p == 0.0).count() as f64 / v.len() as f64;
    assert!((zeroed - 0.3).abs() < 0.02, "zeroed fraction {zeroed}");
    // Each 4×4 cell of a 7×7 grid over 28×28 is all zero or all one.
    for img in v.chunks(784) {
        for cy in 0..7 {
            for cx in 0..7 {
                let first = img[cy * 4 * 28 + cx * 4];
                for y in 0..4 {
                    for x in 0..4 {
                        assert_eq!(img[(cy * 4 + y) * 28 + cx * 4 + x], first);
                    }
                }
            }
        }
    }
}

#[test]
fn motion_kernel_is_a_normalised_line() {
    let k = motion_kernel(9, 7, 0.0);
    assert!((k.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    // Horizontal streak: only the middle row is lit, over 7 pixels.
    let lit: Vec<usize> = (0..81).filter(|&i| k[i] > 0.0).collect();
    assert!(lit.iter().all(|&i| i / 9 == 4), "{lit:?}");
    assert_eq!(lit.len(), 7);
}

#[test]
fn motion_blur_keeps_the_mass_of_a_centred_dot() {
    let mut img = vec![0.0f32; 784];
    img[14 * 28 + 14] = 1.0;
    let x = Tensor::<4>::from_data(TensorData::new(img, [1, 1, 28, 28]), &dev());
    let mut rng = StdRng::seed_from_u64(4);
    let v = vals(motion_blur(x, 9, &mut rng));
    let mass: f32 = v.iter().sum();
    assert!((mass - 1.0).abs() < 1e-5, "mass {mass}");
    assert!(v.iter().filter(|&&p| p > 0.0).count() >= 3, "the dot is smeared");
}

#[test]
fn random_strokes_are_pen_lines_in_range_and_seeded() {
    let draw = |seed| random_strokes(6, [1, 28, 28], &mut StdRng::seed_from_u64(seed));
    let a = draw(3);
    assert_eq!(a.len(), 6 * 784);
    assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
    assert_eq!(a, draw(3), "same seed, same strokes");
    assert_ne!(a, draw(4));
    for img in a.chunks(784) {
        // A stroke, not a blot: some pixels fully inked, most of the canvas empty (MNIST digits
        // ink about 10–20 % of the image).
        let inked = img.iter().filter(|&&v| v > 0.5).count();
        assert!(img.contains(&1.0), "no full-ink pixel");
        assert!((10..=400).contains(&inked), "{inked} inked pixels");
    }
    // Colour: every channel carries the same strokes.
    let c = random_strokes(2, [3, 32, 32], &mut StdRng::seed_from_u64(5));
    assert_eq!(&c[..1024], &c[1024..2048]);
}

#[test]
fn large_turn_moves_a_vertical_bar_to_horizontal() {
    let mut bar = vec![0.0f32; 784];
    for y in 4..24 {
        for x in 13..15 {
            bar[y * 28 + x] = 1.0;
        }
    }
    let x = Tensor::<4>::from_data(TensorData::new(bar, [1, 1, 28, 28]), &dev());
    let out = vals(large_turn(x, &mut StdRng::seed_from_u64(9)));
    let (mut col, mut row) = (0.0, 0.0);
    for y in 0..28 {
        col += out[y * 28 + 13]; // ink left in the bar's column
        row += out[13 * 28 + y] + out[14 * 28 + y]; // ink along the middle rows
    }
    assert!(row > col * 1.5, "turned by ≥ 60°: row ink {row}, column ink {col}");
}

#[test]
fn synthetic_mixed_keeps_shape_range_and_changes_every_image() {
    let x = ramp(64);
    let out = vals(synthetic_mixed(x.clone(), &mut StdRng::seed_from_u64(2)));
    assert!(out.iter().all(|p| p.is_finite() && (-1e-6..=1.0 + 1e-6).contains(p)));
    let orig = vals(x);
    for (i, (o, a)) in out.chunks(784).zip(orig.chunks(784)).enumerate() {
        let diff: f32 = o.iter().zip(a).map(|(p, q)| (p - q).abs()).sum();
        assert!(diff > 1.0, "image {i} left almost unchanged ({diff})");
    }
    assert_eq!(MIXED_SHARES.iter().sum::<f32>(), 1.0);
    let again = vals(synthetic_mixed(ramp(64), &mut StdRng::seed_from_u64(2)));
    assert_eq!(out, again);
}

#[test]
fn swapped_negatives_lean_30_to_100_percent_towards_another_reconstruction() {
    // Sixteen different images, so that "another reconstruction" is another picture.
    let distinct = || {
        let v: Vec<f32> = (0..16 * 784).map(|i| ((i % 784) as f32 / 783.0) * (0.2 + 0.05 * (i / 784) as f32)).collect();
        Tensor::<4>::from_data(TensorData::new(v, [16, 1, 28, 28]), &dev())
    };
    let x = distinct();
    let other = vals(Tensor::cat(vec![x.clone().slice([1..16]), x.clone().slice([0..1])], 0));
    let plain = AugmentConfig::default();
    let swap = AugmentConfig { swap_fraction: 1.0, ..plain };
    // The swap draws come after the others: the same seed gives the same underlying negative.
    let base = vals(hard_negative(x.clone(), &plain, &mut StdRng::seed_from_u64(9)));
    let out = vals(hard_negative(x, &swap, &mut StdRng::seed_from_u64(9)));
    for i in 0..16 {
        let r = i * 784..(i + 1) * 784;
        let (b, o, y) = (&base[r.clone()], &other[r.clone()], &out[r]);
        // y = (1 − t)·b + t·o: find t by least squares, then check the fit.
        let (num, den): (f64, f64) = b.iter().zip(o).zip(y).fold((0.0, 0.0), |(n, d), ((&b, &o), &y)| {
            (n + (y - b) as f64 * (o - b) as f64, d + ((o - b) as f64).powi(2))
        });
        let t = num / den;
        assert!((0.3 - 1e-4..=1.0 + 1e-4).contains(&t), "image {i}: t = {t}");
        let worst = b.iter().zip(o).zip(y).map(|((&b, &o), &y)| (y as f64 - (b as f64 + t * (o - b) as f64)).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-4, "image {i}: not a blend (off by {worst})");
    }
    // At 0 (every shipped recipe) nothing changes and nothing is written to the recipe.
    let again = vals(hard_negative(distinct(), &plain, &mut StdRng::seed_from_u64(9)));
    assert_eq!(again, base);
    assert!(!serde_json::to_string(&plain).unwrap().contains("swap"));
}
