//! Property tests (proptest): mutated manifests and weight files give a value or an error, never a
//! panic, when read without their checksums (the loader behind them must hold on its own).

use burn::prelude::*;
use proptest::prelude::*;

use connective::model::io::{Manifest, detector_from_bytes, photo_detector_from_bytes};

fn models_file(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(name)).unwrap()
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: f64) -> Vec<u8> {
    let n = bytes.len();
    for &(at, v) in edits {
        bytes[at % n] = v;
    }
    bytes.truncate(((n as f64) * cut).ceil() as usize);
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_manifests_never_panic(edits in proptest::collection::vec((0usize..200_000, 32u8..127), 0..6), cut in 0.0f64..1.0) {
        let text = mutate(models_file("manifest.json"), &edits, cut);
        if let Ok(m) = Manifest::from_json(&String::from_utf8_lossy(&text)) {
            for e in &m.models {
                prop_assert!(e.check_ranges().is_ok());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_weight_files_never_panic_the_loaders(edits in proptest::collection::vec((0usize..4_000_000, any::<u8>()), 0..6), cut in 0.0f64..1.0) {
        let manifest = Manifest::from_json(&String::from_utf8(models_file("manifest.json")).unwrap()).unwrap();
        let device = Device::flex();
        let digit = manifest.find("mnist-3").unwrap();
        let _ = detector_from_bytes(&digit.name, &digit.config, &mutate(models_file(&digit.file), &edits, cut), &device);
        let photo = manifest.find_photo("photo-sunflower").unwrap();
        let _ = photo_detector_from_bytes(&photo.name, &photo.config, photo.gallery.len(), &mutate(models_file(&photo.file), &edits, cut), &device);
    }
}
