#![cfg(not(target_arch = "wasm32"))]
//! The browser tests compare against tests/fixtures/scores; this keeps those files honest: they
//! must be what the shipped models score natively today (regenerate.sh rewrites them).

use burn::prelude::*;
use connective::idx::parse_images;
use connective::model_io::{Manifest, load_entry};
use connective::scoring::{batch_tensor, detect_sync};

#[test]
fn fixture_scores_are_the_shipped_models_native_scores() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = Manifest::from_json(&std::fs::read_to_string(root.join("models/manifest.json")).unwrap()).unwrap();
    let images = parse_images(&std::fs::read(root.join("tests/fixtures/digits-idx3-ubyte")).unwrap(), "fixture").unwrap();
    let x: Vec<f32> = images.pixels.iter().map(|&p| p as f32 / 255.0).collect();
    let device = Device::flex();
    let mnist: Vec<_> = manifest.models.iter().filter(|e| e.dataset == "mnist").collect();
    assert_eq!(mnist.len(), 10, "ten digit models are shipped");
    for entry in mnist {
        let bytes = std::fs::read(root.join("models").join(&entry.file)).unwrap();
        let detector = load_entry(entry, &bytes, &device).unwrap();
        let d = detect_sync(&detector, batch_tensor(&x, images.count, [1, 28, 28], &device), entry.lambda, false).unwrap();
        let text = std::fs::read_to_string(root.join(format!("tests/fixtures/scores/{}.jsonl", entry.name))).unwrap();
        let stored: Vec<f64> = text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["score"].as_f64().unwrap()).collect();
        assert_eq!(stored.len(), images.count);
        for (i, (a, b)) in d.score.iter().zip(&stored).enumerate() {
            assert!((*a as f64 - b).abs() < 1e-5, "{} image {i}: {a} now, {b} stored", entry.name);
        }
    }
}

#[test]
fn photo_fixture_scores_are_the_shipped_photo_models_native_scores() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = Manifest::from_json(&std::fs::read_to_string(root.join("models/manifest.json")).unwrap()).unwrap();
    let images = parse_images(&std::fs::read(root.join("tests/fixtures/photos-idx4-ubyte")).unwrap(), "photos").unwrap();
    let x: Vec<f32> = (0..images.count).flat_map(|i| images.unit_chw(i)).collect();
    let device = Device::flex();
    let photo: Vec<_> = manifest.models.iter().filter(|e| e.dataset == "caltech101").collect();
    assert!(photo.len() >= 4, "at least four photo models are shipped");
    for name in ["caltech-airplanes", "caltech-airplanes-faces_easy-motorbikes"] {
        let entry = manifest.find(name).unwrap();
        let bytes = std::fs::read(root.join("models").join(&entry.file)).unwrap();
        let detector = load_entry(entry, &bytes, &device).unwrap();
        let d = detect_sync(&detector, batch_tensor(&x, images.count, entry.config.image_shape(), &device), entry.lambda, false).unwrap();
        let text = std::fs::read_to_string(root.join(format!("tests/fixtures/scores/{name}.jsonl"))).unwrap();
        let stored: Vec<f64> = text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["score"].as_f64().unwrap()).collect();
        assert_eq!(stored.len(), images.count);
        for (i, (a, b)) in d.score.iter().zip(&stored).enumerate() {
            assert!((*a as f64 - b).abs() < 1e-4 * b.abs().max(1.0), "{name} photo {i}: {a} now, {b} stored");
        }
    }
}
