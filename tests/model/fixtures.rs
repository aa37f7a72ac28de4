//! The browser tests compare against tests/fixtures/scores; this keeps those files honest: they
//! must be what the shipped models score natively today (regenerate.sh rewrites them).

use burn::prelude::*;
use connective::data::idx::parse_images;
use connective::model::io::{Manifest, load_entry};
use connective::model::scoring::{batch_tensor, detect_sync};

/// (f(x), verdict score) of each line of a `connective score` output.
fn stored(jsonl: &str) -> (Vec<f64>, Vec<f64>) {
    jsonl
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["logit"].as_f64().expect("a logit key"), v["score"].as_f64().unwrap())
        })
        .unzip()
}

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
        let (logits, scores) = stored(&text);
        assert_eq!(logits.len(), images.count);
        let verdict = entry.verdict_scores(&d.score, &d.recon_error);
        for (i, ((a, b), (v, s))) in d.score.iter().zip(&logits).zip(verdict.iter().zip(&scores)).enumerate() {
            assert!((*a as f64 - b).abs() < 1e-5, "{} image {i}: f(x) {a} now, {b} stored", entry.name);
            assert!((*v as f64 - s).abs() < 1e-5, "{} image {i}: score {v} now, {s} stored", entry.name);
        }
    }
}
