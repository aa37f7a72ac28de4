//! The browser tests compare against tests/fixtures/scores; this keeps those files honest: they
//! must be what the shipped models score natively today (regenerate.sh rewrites them).

use burn::prelude::*;
use connective::data::idx::parse_images;
use connective::model::io::{Manifest, load_entry};
use connective::model::scoring::{HostScores, batch_tensor, detect_sync};

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
        let verdict = entry.verdict_scores(&HostScores::of(&d));
        for (i, ((a, b), (v, s))) in d.score.iter().zip(&logits).zip(verdict.iter().zip(&scores)).enumerate() {
            assert!((*a as f64 - b).abs() < 1e-5, "{} image {i}: f(x) {a} now, {b} stored", entry.name);
            assert!((*v as f64 - s).abs() < 1e-5, "{} image {i}: score {v} now, {s} stored", entry.name);
        }
    }
}

/// What the page and the wasm bindings judge photos against (tests/e2e/wasm.mjs and photos.mjs,
/// within 1e-3): the native CLI's lines (`connective score --model models/photo-X.bpk --backbone
/// efficientnet-lite0.bpk photo.png …`) for every photo detector of the manifest on the PNGs of
/// `tests/fixtures/photo-detectors/` (lossless, so the browser decodes the same pixels), in its
/// `native.json`. This keeps that file what the shipped detectors say today;
/// `CONNECTIVE_REGENERATE=1 cargo test --release --test model photo_fixture` rewrites it.
#[test]
fn photo_fixture_is_the_native_clis_judgement_of_the_shipped_detectors() {
    use connective::model::io::{Precision, convert_backbone};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/fixtures/photo-detectors");
    let manifest = Manifest::from_json(&std::fs::read_to_string(root.join("models/manifest.json")).unwrap()).unwrap();
    assert!(!manifest.photos.is_empty(), "models/manifest.json lists no photo detectors");
    let mut pngs: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).filter(|f| f.ends_with(".png")).collect();
    pngs.sort();
    assert!(pngs.len() >= 3, "fixture photos: {pngs:?}");
    // The backbone the page loads: converted from the wheel (the same bytes every time).
    let tmp = std::env::temp_dir().join(format!("connective-photo-fixture-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let backbone = tmp.join("efficientnet-lite0.bpk");
    convert_backbone(&super::backbone::wheel(), &backbone, Precision::F16).unwrap();
    let mut detectors = serde_json::Map::new();
    for entry in &manifest.photos {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_connective"))
            .current_dir(&dir)
            .args(["score", "--model"])
            .arg(root.join("models").join(&entry.file))
            .arg("--backbone")
            .arg(&backbone)
            .args(&pngs)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", entry.name, String::from_utf8_lossy(&out.stderr));
        let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), pngs.len(), "{}", entry.name);
        detectors.insert(entry.name.clone(), serde_json::json!({ "sha256": entry.sha256, "side": entry.config.side, "lines": lines }));
    }
    std::fs::remove_dir_all(&tmp).unwrap();
    let want = serde_json::json!({
        "about": "`connective score` of every photo detector in models/manifest.json on these PNGs; written by tests/model/fixtures.rs (CONNECTIVE_REGENERATE=1), read by tests/e2e/wasm.mjs and photos.mjs",
        "photos": pngs,
        "detectors": detectors,
    });
    let path = dir.join("native.json");
    if std::env::var_os("CONNECTIVE_REGENERATE").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&want).unwrap() + "\n").unwrap();
    }
    let have: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("native.json: run with CONNECTIVE_REGENERATE=1")).unwrap();
    let stale = format!("regenerate {} (CONNECTIVE_REGENERATE=1 cargo test --release --test model photo_fixture)", path.display());
    assert_eq!(have["photos"], want["photos"], "{stale}");
    let (have_d, want_d) = (have["detectors"].as_object().unwrap(), want["detectors"].as_object().unwrap());
    assert_eq!(have_d.keys().collect::<Vec<_>>(), want_d.keys().collect::<Vec<_>>(), "other detectors: {stale}");
    for (name, w) in want_d {
        let h = &have_d[name];
        assert_eq!(h["sha256"], w["sha256"], "{name}: the detector changed: {stale}");
        for (hl, wl) in h["lines"].as_array().unwrap().iter().zip(w["lines"].as_array().unwrap()) {
            assert_eq!(hl["verdict"], wl["verdict"], "{name} {}: {stale}", wl["file"]);
            for key in ["score", "logit", "recon_error", "neighbours", "combined", "threshold"] {
                let (a, b) = (hl[key].as_f64().unwrap(), wl[key].as_f64().unwrap());
                assert!((a - b).abs() <= 1e-5, "{name} {} {key}: stored {a}, today {b}: {stale}", wl["file"]);
            }
            let idx = |l: &serde_json::Value| l["nearest"].as_array().unwrap().iter().map(|n| n["index"].as_u64().unwrap()).collect::<Vec<_>>();
            assert_eq!(idx(hl), idx(wl), "{name} {}: nearest photos: {stale}", wl["file"]);
        }
    }
}
