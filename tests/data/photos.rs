//! Photos as data: preprocessing, the per-class split, and the left-right flip of the recipe.

use burn::prelude::*;
use connective::data::augment::random_hflip;
use connective::data::folders::photo_split;
use connective::data::photo::{hwc_to_chw, photo_from_rgba};
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
fn interleaved_rgb_becomes_channel_major() {
    // A 1×2 picture: a red pixel, then a blue one.
    assert_eq!(hwc_to_chw(&[255, 0, 0, 0, 0, 255], 1, 2), [1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
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

/// A real PNG whose header is rewritten to claim `w × h` pixels (with a valid CRC).
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut png = Vec::new();
    image::RgbImage::new(4, 4).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    // Signature (8), IHDR length (4), "IHDR" (4), width, height, …; the CRC covers type + data.
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&png[12..29]);
    png[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    png
}

#[test]
fn a_picture_too_large_is_refused_before_decoding() {
    use connective::data::photo::{MAX_PICTURE_SIDE, decode_picture};
    // 23,000² pixels would take 2.1 GB as RGBA: the header alone decides.
    let e = decode_picture(&png_claiming(23_000, 23_000), "huge.png").unwrap_err().to_string();
    assert!(e.contains("huge.png") && e.contains("too large to decode"), "{e}");
    let e = decode_picture(&png_claiming(MAX_PICTURE_SIDE + 1, 8), "wide.png").unwrap_err().to_string();
    assert!(e.contains("too large"), "{e}");
    // The same file at its real size decodes, and a non-picture is named as such.
    assert_eq!(decode_picture(&png_claiming(4, 4), "ok.png").unwrap().dimensions(), (4, 4));
    let e = decode_picture(b"GIF89a not really", "x.gif").unwrap_err().to_string();
    assert!(e.contains("x.gif"), "{e}");
    let e = decode_picture(b"plain text", "notes.txt").unwrap_err().to_string();
    assert!(e.contains("not a PNG, JPEG or WebP"), "{e}");
}
