//! Photos as data: preprocessing, the folder reader (on a tiny fixture folder with one corrupt
//! file), the per-class split, and the photo augmentations.

use std::path::Path;

use crate::common::fixture_folder;
use burn::prelude::*;
use connective::data::augment::{close_up, patchwork_tiles, random_hflip, shuffle_tiles, synthetic_photo_mixed};
use connective::data::folders::{PhotoFolder, photo_split};
use connective::data::photo::{chw_to_hwc, hwc_to_chw, photo_from_rgba};
use connective::model::scoring::batch_tensor;
use rand::{SeedableRng, rngs::StdRng};

#[test]
fn a_photo_becomes_a_centre_crop_of_the_requested_size() {
    // 8×4 picture: left half red, right half blue; the centre crop of the 2:1 picture is 4×4 of
    // the middle, so it keeps both colours, left red and right blue.
    let (w, h) = (8, 4);
    let mut rgba = Vec::new();
    for _y in 0..h {
        for x in 0..w {
            rgba.extend_from_slice(if x < 4 { &[255, 0, 0, 255] } else { &[0, 0, 255, 255] });
        }
    }
    let x = photo_from_rgba(&rgba, w, h, 4).unwrap();
    assert_eq!(x.len(), 3 * 4 * 4);
    assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
    let (red, blue) = (&x[0..16], &x[32..48]);
    assert!(red[0] > 0.9 && blue[0] < 0.1, "left column is red");
    assert!(red[3] < 0.1 && blue[3] > 0.9, "right column is blue");
    // Transparent pixels show white.
    let clear = photo_from_rgba(&[0, 0, 0, 0].repeat(16), 4, 4, 4).unwrap();
    assert!(clear.iter().all(|&v| v == 1.0));
    // Bad input is an error.
    assert!(photo_from_rgba(&[], 0, 0, 32).is_err());
    assert!(photo_from_rgba(&[0; 15], 2, 2, 32).unwrap_err().to_string().contains("RGBA bytes"));
    assert!(photo_from_rgba(&[0; 4], 5000, 5000, 32).unwrap_err().to_string().contains("megapixel"));
}

#[test]
fn colour_layouts_round_trip() {
    let hwc: Vec<u8> = (0..2 * 3 * 3).map(|v| (v * 13) as u8).collect();
    assert_eq!(chw_to_hwc(&hwc_to_chw(&hwc, 2, 3), 2, 3), hwc);
}

#[test]
fn the_reader_skips_and_names_a_corrupt_file() {
    let folder = PhotoFolder::load(&fixture_folder(), 32, &[], 2).unwrap();
    let names: Vec<&str> = folder.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Motorbikes", "airplanes", "clutter"]);
    for c in &folder.classes {
        assert_eq!(c.len(), 10, "{}", c.name);
        assert_eq!(c.images.len(), 10 * 3 * 32 * 32);
        assert!(c.images.iter().all(|v| (0.0..=1.0).contains(v)));
    }
    assert_eq!(folder.skipped.len(), 1);
    assert!(folder.skipped[0].0.ends_with("broken.jpg"));
    assert!(folder.skipped[0].1.contains("broken.jpg"), "the reason names the file: {}", folder.skipped[0].1);
    // Asking for a class that is not there is an error naming what is.
    let err = PhotoFolder::load(&fixture_folder(), 32, &["zebras".into()], 1).err().unwrap().to_string();
    assert!(err.contains("zebras") && err.contains("airplanes"), "{err}");
    assert!(PhotoFolder::load(Path::new("/no/such/photos"), 32, &[], 1).err().unwrap().to_string().contains("no such directory"));
}

#[test]
fn splits_are_disjoint_complete_and_seeded() {
    let s = photo_split(80, 0.3, 0.15, 1).unwrap();
    assert_eq!((s.test.len(), s.val.len(), s.train.len()), (24, 8, 48));
    let mut all: Vec<usize> = s.train.iter().chain(&s.val).chain(&s.test).copied().collect();
    all.sort();
    assert_eq!(all, (0..80).collect::<Vec<_>>());
    assert_eq!(s, photo_split(80, 0.3, 0.15, 1).unwrap());
    assert_ne!(s, photo_split(80, 0.3, 0.15, 2).unwrap());
    assert!(photo_split(2, 0.3, 0.15, 1).is_err());
}

#[test]
fn shuffled_tiles_keep_the_pixels_but_not_the_picture() {
    let shape = [3, 8, 8];
    let x: Vec<f32> = (0..2 * 3 * 64).map(|v| v as f32 / 384.0).collect();
    let mut rng = StdRng::seed_from_u64(3);
    let y = shuffle_tiles(&x, 2, shape, &mut rng);
    for i in 0..2 {
        let (a, b) = (&x[i * 192..(i + 1) * 192], &y[i * 192..(i + 1) * 192]);
        assert_ne!(a, b, "image {i} unchanged");
        let (mut sa, mut sb) = (a.to_vec(), b.to_vec());
        sa.sort_by(f32::total_cmp);
        sb.sort_by(f32::total_cmp);
        assert_eq!(sa, sb, "image {i}: the same pixel values, moved");
    }
    assert_eq!(y, shuffle_tiles(&x, 2, shape, &mut StdRng::seed_from_u64(3)), "seeded");
}

#[test]
fn patchworks_are_made_of_whole_tiles_of_the_batch() {
    // Every pixel of an image says which image and which pixel it is, so each 2×2 block of the
    // output (the smallest tile on an 8×8 image) must be one 2×2 block of some input image.
    let shape = [1, 8, 8];
    let x: Vec<f32> = (0..3 * 64).map(|v| v as f32).collect();
    let y = patchwork_tiles(&x, 3, shape, &mut StdRng::seed_from_u64(4));
    assert_eq!(y.len(), x.len());
    for i in 0..3 {
        for (ty, tx) in [(0, 0), (0, 6), (6, 2), (4, 4)] {
            let at = |dy: usize, dx: usize| y[i * 64 + (ty + dy) * 8 + tx + dx];
            let first = at(0, 0);
            assert_eq!(at(0, 1), first + 1.0, "image {i}: tile at ({ty}, {tx}) is not contiguous");
            assert_eq!(at(1, 0), first + 8.0);
        }
    }
    assert_eq!(y, patchwork_tiles(&x, 3, shape, &mut StdRng::seed_from_u64(4)), "seeded");
}

#[test]
fn close_ups_enlarge_a_part_and_photo_mixed_outliers_stay_in_range() {
    let device = Device::flex();
    // A left-to-right ramp: a close-up spans a third of it or less, so its range shrinks.
    let x: Vec<f32> = (0..2 * 3 * 32 * 32).map(|i| (i % 32) as f32 / 31.0).collect();
    let out = close_up(batch_tensor(&x, 2, [3, 32, 32], &device), &mut StdRng::seed_from_u64(1));
    let v = out.into_data().try_into_vec::<f32>().unwrap();
    for img in v.chunks(3 * 1024) {
        let row = &img[16 * 32..17 * 32];
        let span = row[31] - row[0];
        assert!(span > 0.0 && span < 0.45, "close-up spans {span} of the ramp");
    }
    let mixed = synthetic_photo_mixed(&x, 2, [3, 32, 32], &mut StdRng::seed_from_u64(2), &device);
    assert_eq!(mixed.dims(), [2, 3, 32, 32]);
    let m = mixed.into_data().try_into_vec::<f32>().unwrap();
    assert!(m.iter().all(|p| p.is_finite() && (-1e-6..=1.0 + 1e-6).contains(p)));
}

#[test]
fn flips_keep_image_and_reconstruction_aligned() {
    let device = Device::flex();
    let x: Vec<f32> = (0..4 * 2 * 2).map(|v| v as f32 / 16.0).collect();
    let a = batch_tensor(&x, 4, [1, 2, 2], &device);
    let out = random_hflip(vec![a.clone(), a.clone() * 2.0], &mut StdRng::seed_from_u64(9));
    let (p, q) = (out[0].clone().into_data().try_to_vec::<f32>().unwrap(), out[1].clone().into_data().try_to_vec::<f32>().unwrap());
    for (u, v) in p.iter().zip(&q) {
        assert!((v - 2.0 * u).abs() < 1e-6, "the pair was flipped differently");
    }
    let flipped = (0..4).filter(|i| p[i * 4] != x[i * 4]).count();
    assert!(flipped > 0 && flipped < 4, "{flipped} of 4 flipped");
}
