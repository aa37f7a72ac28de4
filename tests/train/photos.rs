//! The shipped photo detectors' training, on the fixture folder: the manifest's photo entry
//! (calibration, threshold, gallery, backbone, held-out metrics) and `score` judging by it.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{backbone_file, fixture_folder, on_fixture_photos};

#[test]
fn a_quick_photo_detector_ships_with_its_calibration_and_scores_by_it() {
    let tmp = std::env::temp_dir().join(format!("connective-ship-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let out = on_fixture_photos(&["train", "--dataset", "caltech", "--quick", "--classes", "airplanes"], &tmp.join("features"))
        .arg("--out")
        .arg(tmp.join("models"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.join("models/manifest.json")).unwrap()).unwrap();
    let entry = &manifest["photos"][0];
    assert_eq!(entry["name"], "photo-airplanes");
    let cal = &entry["calibration"];
    assert!(cal["logit_std"].as_f64().unwrap() > 0.0 && cal["error_std"].as_f64().unwrap() > 0.0, "{cal}");
    let held = &entry["metrics"]["held_out_test"];
    for part in ["crbnd", "classifier_only", "recon_error", "neighbours"] {
        assert!(held[part]["auroc"].as_f64().unwrap().is_finite(), "{part}: {held}");
    }
    // The gallery names real training photos of the class, none of them a test photo.
    let gallery: Vec<String> = entry["gallery"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert!(!gallery.is_empty() && gallery.iter().all(|g| g.starts_with("airplanes/") && fixture_folder().join(g).exists()), "{gallery:?}");
    let backbone = std::fs::read(backbone_file()).unwrap();
    assert_eq!(entry["backbone"]["sha256"], connective::model::io::sha256_hex(&backbone));

    // `score` judges by the entry's rule and threshold, and names the nearest training photos.
    let photos: Vec<PathBuf> = ["airplanes/image_0001.jpg", "clutter/image_0001.jpg", "Motorbikes/image_0001.jpg"]
        .iter()
        .map(|p| fixture_folder().join(p))
        .filter(|p| p.exists())
        .collect();
    assert!(photos.len() >= 2, "fixture photos missing");
    let score = |model: &str| {
        Command::new(env!("CARGO_BIN_EXE_connective")).args(["score", "--model"]).arg(tmp.join("models").join(model)).arg("--backbone").arg(backbone_file()).args(&photos).output().unwrap()
    };
    let out = score("photo-airplanes.bpk");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let f = |v: &serde_json::Value| v.as_f64().unwrap() as f32;
    let threshold = f(&entry["threshold"]);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), photos.len());
    for v in &lines {
        let score = f(&v["score"]);
        let expected = match entry["score"].as_str().unwrap() {
            "combined" => 0.5 * (f(&v["logit"]) - f(&cal["logit_mean"])) / f(&cal["logit_std"]) - 0.5 * (f(&v["recon_error"]) - f(&cal["error_mean"])) / f(&cal["error_std"]),
            "neighbours" => f(&v["neighbours"]),
            other => panic!("unexpected rule {other}"),
        };
        assert!((score - expected).abs() <= 1e-4 * expected.abs().max(1.0), "{v}: expected {expected}");
        assert_eq!(v["verdict"], if score >= threshold { "inlier" } else { "novel" }, "{v}");
        let nearest = v["nearest"].as_array().unwrap();
        assert_eq!(nearest.len(), 3.min(gallery.len()));
        assert!(nearest.iter().all(|n| gallery.contains(&n["photo"].as_str().unwrap().to_string())), "{v}");
    }
    // A training photo's nearest gallery photo is itself.
    let first = fixture_folder().join(&gallery[0]);
    let out = Command::new(env!("CARGO_BIN_EXE_connective")).args(["score", "--model"]).arg(tmp.join("models/photo-airplanes.bpk")).arg("--backbone").arg(backbone_file()).arg(&first).output().unwrap();
    let v: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(v["nearest"][0]["photo"], gallery[0].as_str(), "{v}");
    assert!(f(&v["nearest"][0]["similarity"]) > 0.999, "{v}");

    // A truncated backbone is a clear error, not a panic.
    let cut = tmp.join("cut.bpk");
    std::fs::write(&cut, &backbone[..backbone.len() / 2]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_connective")).args(["score", "--model"]).arg(tmp.join("models/photo-airplanes.bpk")).arg("--backbone").arg(&cut).args(&photos).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("cut.bpk") && !err.contains("panicked"), "{err}");
    let _ = std::fs::remove_dir_all(&tmp);
}
