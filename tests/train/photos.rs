//! The shipped photo detectors' training, on the fixture folder: calibration (eq. 6′), threshold
//! and held-out metrics in the manifest, and `score` judging by them.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{fixture_folder, on_fixtures};

#[test]
fn a_quick_photo_detector_ships_with_its_calibration_and_scores_by_it() {
    let tmp = std::env::temp_dir().join(format!("connective-ship-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let out = on_fixtures(&["train", "--dataset", "caltech", "--quick", "--classes", "airplanes"])
        .arg("--out")
        .arg(tmp.join("models"))
        .arg("--checkpoints")
        .arg(tmp.join("ckpt"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tmp.join("models/manifest.json")).unwrap()).unwrap();
    let entry = &manifest["models"][0];
    assert_eq!(entry["config"]["score"], "combined");
    let cal = &entry["calibration"];
    assert!(cal["logit_std"].as_f64().unwrap() > 0.0 && cal["error_std"].as_f64().unwrap() > 0.0, "{cal}");
    assert!(entry["threshold_rule"].as_str().unwrap().contains("combined"), "{entry}");
    let held = &entry["metrics"]["held_out_test"];
    assert!(held["crbnd"]["auroc"].as_f64().unwrap().is_finite() && held["classifier_only"]["auroc"].as_f64().unwrap().is_finite());

    // `score` judges by eq. 6′ with the manifest's calibration and threshold, and says f(x) beside it.
    let photos: Vec<PathBuf> = ["airplanes/image_0001.jpg", "clutter/image_0001.jpg", "Motorbikes/image_0001.jpg"]
        .iter()
        .map(|p| fixture_folder().join(p))
        .filter(|p| p.exists())
        .collect();
    assert!(photos.len() >= 2, "fixture photos missing");
    let out = Command::new(env!("CARGO_BIN_EXE_connective")).args(["score", "--model"]).arg(tmp.join("models/caltech-airplanes.bpk")).args(&photos).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // In f32, as the detector computes: the manifest's f32 values read back exactly.
    let f = |v: &serde_json::Value| v.as_f64().unwrap() as f32;
    let threshold = f(&entry["threshold"]);
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (logit, err, score) = (f(&v["logit"]), f(&v["recon_error"]), f(&v["score"]));
        let expected = 0.5 * (logit - f(&cal["logit_mean"])) / f(&cal["logit_std"]) - 0.5 * (err - f(&cal["error_mean"])) / f(&cal["error_std"]);
        assert!((score - expected).abs() <= 1e-5 * expected.abs().max(1.0), "{v}: eq. 6′ gives {expected}");
        assert_eq!(v["verdict"], if score >= threshold { "inlier" } else { "novel" }, "{v}");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
