use crate::common;

use std::io::Write;

use connective::data::idx::*;
use connective::data::mnist::{Mnist, positive_split};

fn images() -> IdxImages {
    IdxImages { count: 2, rows: 2, cols: 3, channels: 1, pixels: (0..12).collect() }
}

#[test]
fn encode_parse_round_trip() {
    let i = images();
    assert_eq!(parse_images(&encode_images(&i), "x").unwrap(), i);
    assert_eq!(parse_labels(&encode_labels(&[3, 1, 4]), "y").unwrap(), vec![3, 1, 4]);
}

#[test]
fn colour_images_round_trip_and_come_out_channel_major() {
    // One 1×2 RGB image: pixel 0 = (1, 2, 3), pixel 1 = (4, 5, 6), interleaved in the file.
    let c = IdxImages { count: 1, rows: 1, cols: 2, channels: 3, pixels: vec![1, 2, 3, 4, 5, 6] };
    let bytes = encode_images(&c);
    assert_eq!(&bytes[..4], &[0, 0, 8, 4]);
    assert_eq!(parse_images(&bytes, "rgb").unwrap(), c);
    let x: Vec<u8> = c.unit_chw(0).iter().map(|v| (v * 255.0).round() as u8).collect();
    assert_eq!(x, [1, 4, 2, 5, 3, 6]);
    let mut short = bytes.clone();
    short.pop();
    assert!(parse_images(&short, "rgb").unwrap_err().to_string().contains("truncated"));
}

#[test]
fn bad_magic_and_truncation_are_named_errors() {
    let e = parse_images(&encode_labels(&[1, 2]), "labels-as-images").unwrap_err().to_string();
    assert!(e.contains("labels-as-images") && e.contains("bad magic"), "{e}");
    let mut b = encode_images(&images());
    b.truncate(b.len() - 1);
    let e = parse_images(&b, "short").unwrap_err().to_string();
    assert!(e.contains("short") && e.contains("truncated"), "{e}");
    let e = parse_labels(&[0, 0, 8], "tiny").unwrap_err().to_string();
    assert!(e.contains("truncated"), "{e}");
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) {
    let mut f = std::fs::File::create(dir.join(name)).unwrap();
    f.write_all(bytes).unwrap();
}

#[test]
fn dataset_errors_name_the_file_and_the_problem() {
    let dir = std::env::temp_dir().join(format!("connective-idx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let e = Mnist::load(&dir).err().unwrap().to_string();
    assert!(e.contains("train-images-idx3-ubyte") && e.contains("missing"), "{e}");

    let digits = IdxImages { count: 2, rows: 28, cols: 28, channels: 1, pixels: vec![7; 2 * 784] };
    write(&dir, "train-images-idx3-ubyte", &encode_images(&digits));
    write(&dir, "train-labels-idx1-ubyte", &encode_labels(&[1, 2, 3]));
    write(&dir, "t10k-images-idx3-ubyte", &encode_images(&digits));
    write(&dir, "t10k-labels-idx1-ubyte", &encode_labels(&[1, 2]));
    let e = Mnist::load(&dir).err().unwrap().to_string();
    assert!(e.contains("train-labels-idx1-ubyte") && e.contains("3 labels for 2 images"), "{e}");

    write(&dir, "train-labels-idx1-ubyte", &encode_labels(&[1, 12]));
    let e = Mnist::load(&dir).err().unwrap().to_string();
    assert!(e.contains("label 12 is not a digit"), "{e}");
    write(&dir, "train-labels-idx1-ubyte", &encode_labels(&[1, 2]));
    assert!(Mnist::load(&dir).is_ok());
    // Images of another size (once read as MNIST rows and trained on) and an empty file are errors.
    write(&dir, "t10k-images-idx3-ubyte", &encode_images(&IdxImages { count: 2, rows: 32, cols: 32, channels: 1, pixels: vec![0; 2048] }));
    let e = Mnist::load(&dir).err().unwrap().to_string();
    assert!(e.contains("t10k-images-idx3-ubyte") && e.contains("32×32"), "{e}");
    write(&dir, "t10k-images-idx3-ubyte", &encode_images(&IdxImages { count: 0, rows: 28, cols: 28, channels: 1, pixels: vec![] }));
    write(&dir, "t10k-labels-idx1-ubyte", &encode_labels(&[]));
    let e = Mnist::load(&dir).err().unwrap().to_string();
    assert!(e.contains("holds no images"), "{e}");
    write(&dir, "t10k-images-idx3-ubyte", &encode_images(&digits));
    write(&dir, "t10k-labels-idx1-ubyte", &encode_labels(&[1, 2]));
    // A gzip header followed by garbage.
    write(&dir, "t10k-images-idx3-ubyte.gz", &[0x1f, 0x8b, 8, 0, 1, 2, 3]);
    let e = Mnist::load(&dir).err().unwrap().to_string();
    assert!(e.contains("t10k-images-idx3-ubyte.gz") && e.contains("gzip"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn real_mnist_loads_with_canonical_counts() {
    let m = Mnist::load(&common::mnist_dir()).unwrap();
    assert_eq!((m.train_images.count, m.test_images.count), (60_000, 10_000));
    assert_eq!(&m.train_labels[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert_eq!(m.test_labels.iter().filter(|&&l| l == 3).count(), 1010);
}

#[test]
fn positive_split_holds_out_positives_only() {
    let labels: Vec<u8> = (0..1000).map(|i| (i % 10) as u8).collect();
    let s = positive_split(&labels, &[3], 0.1, 1, None);
    assert_eq!(s.val.len(), 10);
    assert_eq!(s.train.len(), 90);
    assert!(s.train.iter().chain(&s.val).all(|&i| labels[i] == 3));
    assert!(s.val.iter().all(|i| !s.train.contains(i)));
    assert_eq!(s, positive_split(&labels, &[3], 0.1, 1, None));
    assert_ne!(s, positive_split(&labels, &[3], 0.1, 2, None), "the seed draws the split");
    assert_eq!(positive_split(&labels, &[3], 0.1, 1, Some(20)).train.len(), 20);
    // A random draw spreads over the file (not the last positives in file order).
    assert!(s.val.iter().any(|&i| i < 900));
}

#[test]
fn header_dimensions_that_overflow_are_errors_not_panics() {
    // 2³² − 1 in every dimension: the product overflows usize on 32-bit and passes any sane size.
    let mut bytes = vec![0, 0, 8, 3];
    for _ in 0..3 {
        bytes.extend_from_slice(&u32::MAX.to_be_bytes());
    }
    let e = parse_images(&bytes, "huge").unwrap_err().to_string();
    assert!(e.contains("huge") && e.contains("promise more than"), "{e}");
    let mut colour = vec![0, 0, 8, 4];
    for _ in 0..4 {
        colour.extend_from_slice(&0x0100_0000u32.to_be_bytes());
    }
    assert!(parse_images(&colour, "c").unwrap_err().to_string().contains("promise more than"));
    let labels = [&[0u8, 0, 8, 1][..], &u32::MAX.to_be_bytes()].concat();
    assert!(parse_labels(&labels, "l").is_err());
}

#[test]
fn a_gzip_bomb_stops_at_the_cap() {
    let dir = std::env::temp_dir().join(format!("connective-bomb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 8 MB of zeros gzip to about 8 kB; with a 1 MB cap reading stops after 1 MB inflated.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![0u8; 8 << 20]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 64 << 10);
    write(&dir, "bomb.gz", &bomb);
    let e = read_capped(&dir.join("bomb.gz"), 1 << 20).unwrap_err().to_string();
    assert!(e.contains("bomb.gz") && e.contains("larger than 1 MB"), "{e}");
    // Under the cap it reads; a raw file over the cap is refused the same way.
    assert_eq!(read_capped(&dir.join("bomb.gz"), 16 << 20).unwrap().len(), 8 << 20);
    write(&dir, "raw", &vec![1u8; (1 << 20) + 1]);
    assert!(read_capped(&dir.join("raw"), 1 << 20).unwrap_err().to_string().contains("larger than"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// An IDX file is read as far as its header promises and no further: a bomb whose header claims
/// 10 images of 28×28 but inflates to 8 MB gives those 7,856 bytes; one whose header claims
/// more than `MAX_IDX_BYTES` is refused before a data byte is inflated.
#[test]
fn an_idx_file_is_read_as_far_as_its_header_promises() {
    let dir = std::env::temp_dir().join(format!("connective-idx-promise-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bomb = |count: u32| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        for v in [0x803u32, count, 28, 28] {
            gz.write_all(&v.to_be_bytes()).unwrap();
        }
        gz.write_all(&vec![0u8; 8 << 20]).unwrap();
        gz.finish().unwrap()
    };
    write(&dir, "small.gz", &bomb(10));
    assert_eq!(read_idx(&dir.join("small.gz")).unwrap().len(), 16 + 10 * 784);
    let images = read_images(&dir.join("small.gz")).unwrap();
    assert_eq!((images.count, images.pixels.len()), (10, 7840));
    write(&dir, "huge.gz", &bomb(2_000_000));
    let e = read_images(&dir.join("huge.gz")).unwrap_err().to_string();
    assert!(e.contains("huge.gz") && e.contains("promise more than 1024 MB"), "{e}");
    // A file shorter than its promise is still truncated, named as before.
    write(&dir, "short", &[&[0u8, 0, 8, 3][..], &2u32.to_be_bytes(), &28u32.to_be_bytes(), &28u32.to_be_bytes(), &[0u8; 100]].concat());
    assert!(read_images(&dir.join("short")).unwrap_err().to_string().contains("truncated"));
    let _ = std::fs::remove_dir_all(&dir);
}
