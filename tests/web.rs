//! In a real browser (`wasm-pack test --headless --chrome --release`): every shipped model loads
//! from its bytes, scores the fixture digits as the native CLI did (within 1e-4) on the CPU
//! backend and on WebGPU, and bad inputs are JavaScript errors, not panics.
#![cfg(target_arch = "wasm32")]

use burn::prelude::*;
use connective::model::io::{Manifest, load_entry};
use connective::model::scoring::{batch_tensor, detect_async};
use connective::web::Connective;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const MANIFEST: &str = include_str!("../models/manifest.json");
const DIGITS_IDX: &[u8] = include_bytes!("fixtures/digits-idx3-ubyte");

macro_rules! models {
    ($($d:literal),*) => {
        [$((concat!("mnist-", $d), include_bytes!(concat!("../models/mnist-", $d, ".bpk")).as_slice(), include_str!(concat!("fixtures/scores/mnist-", $d, ".jsonl")))),*]
    };
}

/// (name, model bytes, native `connective score` output).
const MODELS: [(&str, &[u8], &str); 10] = models!("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

/// A photo model and held-out sample photos, preprocessed to 32×32 (a colour IDX file).
const PHOTOS_IDX: &[u8] = include_bytes!("fixtures/photos-idx4-ubyte");
const PHOTO_MODELS: [(&str, &[u8], &str); 2] = [
    ("caltech-airplanes", include_bytes!("../models/caltech-airplanes.bpk").as_slice(), include_str!("fixtures/scores/caltech-airplanes.jsonl")),
    (
        "caltech-airplanes-faces_easy-motorbikes",
        include_bytes!("../models/caltech-airplanes-faces_easy-motorbikes.bpk").as_slice(),
        include_str!("fixtures/scores/caltech-airplanes-faces_easy-motorbikes.jsonl"),
    ),
];

fn fixture_photos() -> (Vec<f32>, usize) {
    let images = connective::data::idx::parse_images(PHOTOS_IDX, "photos-idx4-ubyte").unwrap();
    assert_eq!((images.channels, images.rows, images.cols), (3, 32, 32));
    ((0..images.count).flat_map(|i| images.unit_chw(i)).collect(), images.count)
}

fn fixture_images() -> (Vec<f32>, usize) {
    let images = connective::data::idx::parse_images(DIGITS_IDX, "digits-idx3-ubyte").unwrap();
    (images.pixels.iter().map(|&p| p as f32 / 255.0).collect(), images.count)
}

/// The native `connective score` output's `key` of every line (`logit`: f(x); `score`: the verdict score).
fn native(jsonl: &str, key: &str) -> Vec<f32> {
    jsonl.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()[key].as_f64().unwrap() as f32).collect()
}

/// Scores every fixture with every model on `device`; returns the largest difference to the
/// native f(x) and verdict scores.
async fn max_difference(device: &Device) -> f32 {
    let manifest = Manifest::from_json(MANIFEST).unwrap();
    let (digits, n_digits) = fixture_images();
    let (photos, n_photos) = fixture_photos();
    let mut worst = 0.0f32;
    for (name, bytes, jsonl) in MODELS.into_iter().chain(PHOTO_MODELS) {
        let entry = manifest.find(name).unwrap();
        let detector = load_entry(entry, bytes, device).unwrap();
        let shape = entry.config.image_shape();
        let (x, n) = if shape[0] == 3 { (&photos, n_photos) } else { (&digits, n_digits) };
        let out = detect_async(&detector, batch_tensor(x, n, shape, device), entry.lambda, false).await.unwrap();
        let verdict = entry.verdict_scores(&out.score, &out.recon_error);
        let (logits, scores) = (native(jsonl, "logit"), native(jsonl, "score"));
        assert_eq!(logits.len(), n, "{name}: fixture count");
        for (a, b) in out.score.iter().zip(&logits).chain(verdict.iter().zip(&scores)) {
            worst = worst.max((a - b).abs());
        }
    }
    web_sys::console::log_1(&format!("max |browser − native| = {worst:e}").into());
    worst
}

#[wasm_bindgen_test]
async fn cpu_backend_matches_native_scores() {
    let worst = max_difference(&Device::flex()).await;
    assert!(worst <= 1e-4, "CPU backend differs from native by {worst}");
}

#[cfg(feature = "webgpu")]
#[wasm_bindgen_test]
async fn webgpu_matches_native_scores() {
    let device = Device::wgpu_options().init_async().await.expect("no WebGPU adapter: run Chromium with --enable-unsafe-webgpu");
    let worst = max_difference(&device).await;
    assert!(worst <= 1e-4, "WebGPU differs from native by {worst}");
}

fn entry_json(name: &str) -> String {
    serde_json::to_string(Manifest::from_json(MANIFEST).unwrap().find(name).unwrap()).unwrap()
}

async fn rejects(p: js_sys::Promise) -> String {
    match JsFuture::from(p).await {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => js_sys::Error::from(e).message().into(),
    }
}

#[wasm_bindgen_test]
async fn bad_inputs_are_errors() {
    let c = Connective::create("cpu".into()).await.unwrap();
    assert_eq!(c.backend(), "cpu");
    // No model yet.
    assert!(rejects(c.score(vec![0.0; 784])).await.contains("no model"));
    let (name, bytes, _) = MODELS[3];
    // Truncated and altered bytes.
    assert!(rejects(c.load_model(entry_json(name), bytes[..1000].to_vec())).await.contains("truncated"));
    let mut altered = bytes.to_vec();
    altered[bytes.len() / 2] ^= 0x40;
    assert!(rejects(c.load_model(entry_json(name), altered)).await.contains("SHA-256"));
    assert!(rejects(c.load_model("{".into(), bytes.to_vec())).await.contains("manifest entry"));
    let info = JsFuture::from(c.load_model(entry_json(name), bytes.to_vec())).await.unwrap();
    // A digit model tells the page which threshold judges drawn and uploaded digits.
    let entry: connective::model::io::ModelEntry = serde_json::from_str(&entry_json(name)).unwrap();
    let drawn = js_sys::Reflect::get(&info, &"drawnThreshold".into()).unwrap().as_f64().unwrap() as f32;
    assert_eq!(Some(drawn), entry.drawn_threshold);
    assert!(drawn < entry.threshold);
    // Wrong length, NaN, out of range.
    assert!(rejects(c.score(vec![0.0; 783])).await.contains("784"));
    let mut nan = vec![0.0; 784];
    nan[5] = f32::NAN;
    assert!(rejects(c.score(nan)).await.contains("NaN"));
    assert!(rejects(c.score(vec![3.0; 784])).await.contains("outside"));
    assert!(c.set_lambda(1.5).is_err());
    assert!(c.set_threshold(f32::NAN).is_err());
    // Still usable after all of that.
    let ok = JsFuture::from(c.score(vec![0.0; 784])).await.unwrap();
    let score = js_sys::Reflect::get(&ok, &"score".into()).unwrap().as_f64().unwrap();
    assert!(score.is_finite());
    assert!(connective::web::preprocess_rgba(vec![255; 16], 2, 2).is_err(), "a blank picture");
    // A photo model takes 3×32×32 and refuses a digit's 784 values.
    let (name, bytes, _) = PHOTO_MODELS[0];
    let info = JsFuture::from(c.load_model(entry_json(name), bytes.to_vec())).await.unwrap();
    let shape: Vec<usize> = serde_wasm_bindgen::from_value(js_sys::Reflect::get(&info, &"shape".into()).unwrap()).unwrap();
    assert_eq!(shape, [3, 32, 32]);
    // What the page's model facts show is what Rust read from the entry.
    let field = |k: &str| js_sys::Reflect::get(&info, &k.into()).unwrap();
    assert_eq!(field("classifiers").as_f64(), Some(3.0));
    assert_eq!(field("scoreRule").as_string().as_deref(), Some("combined"));
    assert!(rejects(c.score(vec![0.0; 784])).await.contains("3072"));
    let photo = connective::web::preprocess_photo(vec![200; 40 * 30 * 4], 40, 30, 32).unwrap();
    assert_eq!(photo.length(), 3072);
    let ok = JsFuture::from(c.score(photo.to_vec())).await.unwrap();
    assert!(js_sys::Reflect::get(&ok, &"score".into()).unwrap().as_f64().unwrap().is_finite());
    assert!(connective::web::preprocess_photo(vec![0; 10], 40, 30, 32).is_err(), "wrong length");
}
