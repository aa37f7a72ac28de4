//! Property tests (proptest): random and mutated real inputs to the data readers give a value or
//! an error, never a panic. Case counts are proptest's, set per test below.

use proptest::prelude::*;

use connective::data::idx::{parse_images, parse_labels};
use connective::data::photo::{decode_picture, photo_rgb_from_rgba};
use connective::data::preprocess::mnist_from_rgba;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

/// `bytes` with up to a few bytes overwritten, then cut at `cut` (as a fraction of its length).
fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: f64) -> Vec<u8> {
    let n = bytes.len();
    for &(at, v) in edits {
        if n > 0 {
            bytes[at % n] = v;
        }
    }
    bytes.truncate(((n as f64) * cut).ceil() as usize);
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_the_idx_readers(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_images(&bytes, "random");
        let _ = parse_labels(&bytes, "random");
    }

    #[test]
    fn idx_headers_of_any_size_never_panic(magic in prop_oneof![Just(0x0803u32), Just(0x0804u32), Just(0x0801u32)], dims in proptest::collection::vec(any::<u32>(), 0..5), tail in proptest::collection::vec(any::<u8>(), 0..32)) {
        let mut bytes = magic.to_be_bytes().to_vec();
        for d in dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        bytes.extend(tail);
        let _ = parse_images(&bytes, "header");
        let _ = parse_labels(&bytes, "header");
    }

    #[test]
    fn mutated_real_idx_files_never_panic(edits in proptest::collection::vec((0usize..20_000, any::<u8>()), 0..6), cut in 0.0f64..1.0) {
        let images = mutate(fixture("digits-idx3-ubyte"), &edits, cut);
        if let Ok(i) = parse_images(&images, "images") {
            prop_assert_eq!(i.pixels.len(), i.count * i.rows * i.cols * i.channels);
        }
        let _ = parse_labels(&mutate(fixture("digits-idx1-ubyte"), &edits, cut), "labels");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn mutated_real_pictures_never_panic_the_decoder_or_the_preprocessing(edits in proptest::collection::vec((0usize..4096, any::<u8>()), 0..8), cut in 0.0f64..1.0) {
        for name in ["paper-3.png", "photos/airplanes/image_0001.jpg"] {
            if let Ok(picture) = decode_picture(&mutate(fixture(name), &edits, cut), name) {
                let (w, h) = (picture.width() as usize, picture.height() as usize);
                let _ = mnist_from_rgba(picture.as_raw(), w, h);
                let _ = photo_rgb_from_rgba(picture.as_raw(), w, h, 64);
            }
        }
    }

    #[test]
    fn a_cut_jpeg_is_an_error_not_a_grey_picture(cut in 0.05f64..0.99) {
        let jpeg = fixture("photos/airplanes/image_0001.jpg");
        let cut_at = ((jpeg.len() as f64) * cut) as usize;
        let e = decode_picture(&jpeg[..cut_at], "cut.jpg");
        prop_assert!(e.is_err(), "a JPEG cut at {} of {} bytes decoded", cut_at, jpeg.len());
    }

    #[test]
    fn rgba_of_any_shape_never_panics_the_preprocessing(w in 0usize..40, h in 0usize..40, extra in 0usize..8, side in 0usize..80, fill in any::<u8>()) {
        // The page hands over width, height and bytes separately: they may not agree.
        let rgba = vec![fill; w * h * 4 + extra];
        let digit = mnist_from_rgba(&rgba, w, h);
        let photo = photo_rgb_from_rgba(&rgba, w, h, side);
        if extra != 0 || w == 0 || h == 0 {
            prop_assert!(digit.is_err() && photo.is_err());
        }
        if let Ok(p) = photo {
            prop_assert_eq!(p.len(), side * side * 3);
        }
    }
}

/// A detector file of a shipped model (entry and weights), as `connective teach` writes them.
fn detector_file_bytes() -> Vec<u8> {
    use connective::model::io::{FileEntry, Manifest, detector_file};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let manifest = Manifest::from_json(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let entry = manifest.find("mnist-3").unwrap();
    detector_file(&FileEntry::Drawings(entry.clone()), &std::fs::read(dir.join(&entry.file)).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Detector files opened in the page or the CLI: damaged anywhere (the length, the entry, the
    /// weights) or cut anywhere, they are read or refused, never a panic; only the intact file reads.
    #[test]
    fn mutated_detector_files_never_panic_the_reader(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4), cut in 0.0f64..=1.0) {
        let file = detector_file_bytes();
        let bytes = mutate(file.clone(), &edits, cut);
        let read = connective::model::io::read_detector_file("mutated", &bytes);
        if bytes != file {
            // A change inside the entry's JSON may still parse (a digit of the threshold), but
            // never with the weights' checksum broken or the file cut short.
            prop_assert!(read.is_err() || bytes.len() == file.len());
        } else {
            prop_assert!(read.is_ok());
        }
    }
}
