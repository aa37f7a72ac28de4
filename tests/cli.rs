#![cfg(not(target_arch = "wasm32"))]
//! The binary as a user meets it: wrong input gives one readable error line and a non-zero
//! exit code, never a panic; a killed training run resumes; `score` judges drawn and dataset
//! images by their own thresholds; `eval --update-manifest` writes only what it should.
mod common;

use std::process::Command;

fn connective() -> Command {
    Command::new(env!("CARGO_BIN_EXE_connective"))
}

fn fails_with(args: &[&str], needle: &str) {
    let out = connective().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(err.contains(needle), "{args:?}: expected {needle:?} in {err}");
}

#[test]
fn bad_input_is_a_clear_error() {
    fails_with(&["train", "--data", "/no/such/dir", "--positive", "3"], "no such folder: point --data at the folder");
    // Messages in a user's words: a file given as the data folder, a negative digit, a digit
    // past 9, a folder given as the model.
    fails_with(&["train", "--data", "Cargo.toml", "--positive", "3"], "Cargo.toml: is a file: point --data at the folder");
    fails_with(&["train", "--data", "/tmp", "--positive", "-1"], "-1 is not in 0..=9");
    fails_with(&["eval", "--data", "/tmp", "--digits", "12"], "12 is not in 0..=9");
    fails_with(&["score", "--model", "models", "x.png"], "models: is a folder: give --model one model file");
    fails_with(&["train", "--dataset", "caltech", "--data", "Cargo.toml", "--classes", "airplanes"], "is a file: point --data at the photo folder");
    fails_with(&["train", "--data", "/tmp", "--positive", "12"], "12 is not in 0..=9");
    fails_with(&["eval", "--data", "/tmp", "--models", "/tmp"], "missing: neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz");
    fails_with(&["score", "--model", "/no/model.bpk", "x.png"], "cannot read the manifest");
    // Network widths are checked before anything runs (a short width list once panicked).
    fails_with(&["bench", "--ae-widths", "8"], "--ae-widths takes 3 values");
    fails_with(&["bench", "--ae-widths", "8,0,32"], "0 is not in 1..=1024");
    fails_with(&["train", "--data", "/tmp", "--positive", "3", "--dropout-p", "2"], "`2` is not a probability between 0 and 1");
    fails_with(&["train", "--data", "/tmp", "--positive", "3", "--noise-std=-1"], "`-1` is not a finite number ≥ 0");
    fails_with(&["train", "--data", "/tmp", "--positive", "3", "--swap-fraction", "nan"], "`nan` is not a probability between 0 and 1");
    fails_with(&["eval", "--protocol", "caltech", "--data", "/tmp", "--every-class", "--sizes", "3"], "'--every-class' cannot be used with '--sizes <SIZES>'");
    fails_with(&["train", "--data", "/tmp", "--positive", "3", "--classifiers", "0"], "0 is not in 1..=16");
    fails_with(&["train", "--data", "/tmp", "--positive", "3", "--reconstructors-from", "models"], "--retrain-classifier");
    fails_with(&["train", "--data", "/tmp", "--positive", "3", "--ae-widths", "8,16"], "--ae-widths takes 3 values");
    fails_with(&["train", "--data", "/tmp", "--positive", "3", "--clf-widths", "16,0,32"], "0 is not in 1..=1024");
    fails_with(&["train", "--dataset", "caltech", "--data", "/tmp", "--classes", "airplanes", "--ae-widths", "8,16,32"], "shape digit detectors");
    fails_with(&["train", "--dataset", "caltech", "--data", "/tmp", "--classes", "airplanes", "--reconstructors-from", "models", "--retrain-classifier"], "--reconstructors-from, --retrain-classifier, --resume and --classifiers are for digit detectors");
    fails_with(&["train", "--data", "/tmp", "--classes", "airplanes"], "--classes trains photo detectors: add --dataset caltech");
    fails_with(&["train", "--data", "/tmp", "--positive", "3", "--synthetic", "shuffle"], "invalid value 'shuffle'");
    let tmp = std::env::temp_dir().join(format!("connective-cli-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("manifest.json"), "{ not json").unwrap();
    std::fs::write(tmp.join("m.bpk"), b"junk").unwrap();
    fails_with(&["score", "--model", tmp.join("m.bpk").to_str().unwrap(), "x.png"], "not a valid manifest");
    std::fs::remove_file(tmp.join("manifest.json")).unwrap();
    fails_with(&["score", "--model", tmp.join("m.bpk").to_str().unwrap(), "x.png"], "cannot read the manifest");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn help_teaches_the_commands() {
    let out = connective().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for word in ["train", "eval", "score", "bench", "λx+(1−λ)A(x)"] {
        assert!(text.contains(word), "--help lacks {word}");
    }
}

#[test]
fn a_killed_training_resumes_and_its_reconstructor_takes_new_classifiers() {
    let data = common::mnist_dir();
    let tmp = std::env::temp_dir().join(format!("connective-resume-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let (models, ckpts) = (tmp.join("models"), tmp.join("ckpt"));
    let args = |resume: bool| {
        let mut c = connective();
        c.args(["train", "--quick", "--positive", "7", "--data"]).arg(&data).arg("--out").arg(&models).arg("--checkpoints").arg(&ckpts);
        if resume {
            c.arg("--resume");
        }
        c
    };
    let mut child = args(false).spawn().unwrap();
    let state = ckpts.join("mnist-7/state.json");
    let t0 = std::time::Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(&state)
            && serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v["ae_epochs_done"].as_u64() >= Some(1))
        {
            break;
        }
        assert!(t0.elapsed().as_secs() < 300, "no checkpoint after 5 minutes");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert!(!models.join("manifest.json").exists(), "killed too late: training had finished");
    let out = args(true).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let after: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let done = before["ae_epochs_done"].as_u64().unwrap() as usize;
    // The epochs finished before the kill are kept as they were, and the rest were added.
    assert_eq!(after["ae_history"].as_array().unwrap()[..done], before["ae_history"].as_array().unwrap()[..done]);
    assert_eq!(after["ae_history"].as_array().unwrap().len(), 4);
    assert!(model_file(&models, "mnist-7").exists());
    // Bit for bit what an unbroken run trains: the same weights, the same threshold.
    let unbroken = tmp.join("unbroken");
    let out = connective()
        .args(["train", "--quick", "--positive", "7", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(unbroken.join("models"))
        .arg("--checkpoints")
        .arg(unbroken.join("ckpt"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(model_file(&models, "mnist-7")).unwrap() == std::fs::read(model_file(&unbroken.join("models"), "mnist-7")).unwrap(), "the resumed run trained other weights");
    let threshold = |dir: &std::path::Path| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()["models"][0]["threshold"].clone()
    };
    assert_eq!(threshold(&models), threshold(&unbroken.join("models")));
    // Training ships the threshold for drawn input; the penned protocol measures the same one.
    let drawn = || -> f64 {
        let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(models.join("manifest.json")).unwrap()).unwrap();
        m["models"][0]["drawn_threshold"].as_f64().expect("training wrote a drawn threshold")
    };
    let trained = drawn();
    let out = connective().args(["eval", "--protocol", "penned", "--digits", "7", "--update-manifest", "--data"]).arg(&data).arg("--models").arg(&models).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!((drawn() - trained).abs() < 1e-6, "eval {} vs training {trained}", drawn());

    // New C's on a shipped model's A, its checkpoints gone: the same A (the same reconstruction
    // errors), but only for a run whose recipe trains A the same way.
    let retrain = |extra: &[&str]| {
        connective()
            .args(["train", "--quick", "--positive", "7", "--retrain-classifier", "--data"])
            .arg(&data)
            .arg("--reconstructors-from")
            .arg(&models)
            .arg("--out")
            .arg(tmp.join("new"))
            .arg("--checkpoints")
            .arg(tmp.join("new-ckpt"))
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = retrain(&["--noise-std", "0.5"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && err.contains("another reconstructor") && !err.contains("panicked"), "{err}");
    let _ = std::fs::remove_dir_all(tmp.join("new-ckpt"));
    let out = retrain(&[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let errors = |model: std::path::PathBuf| -> Vec<f64> {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/digits-idx3-ubyte");
        let out = connective().args(["score", "--limit", "5", "--model"]).arg(model).arg(fixture).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["recon_error"].as_f64().unwrap()).collect()
    };
    let (old, new) = (errors(model_file(&models, "mnist-7")), errors(model_file(&tmp.join("new"), "mnist-7")));
    assert_eq!(old.len(), 5);
    assert_eq!(old, new, "the reused A rebuilds differently");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_drawn_digit_is_judged_by_the_drawn_threshold_an_idx_digit_by_the_stored_one() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("models/manifest.json")).unwrap()).unwrap();
    let entry = manifest["models"].as_array().unwrap().iter().find(|m| m["name"] == "mnist-3").unwrap();
    let (stored, drawn) = (entry["threshold"].as_f64().unwrap(), entry["drawn_threshold"].as_f64().expect("mnist-3 has a drawn threshold"));
    // Two thresholds (the nearest training digits include pen drawings, so drawings need not
    // score lower than MNIST images, but they score differently).
    assert!((drawn - stored).abs() > 1e-4, "one threshold for drawings and MNIST images: {drawn} vs {stored}");
    let out = connective()
        .args(["score", "--limit", "1", "--model"])
        .arg(root.join("models/mnist-3.bpk"))
        .arg(root.join("tests/fixtures/digits-idx3-ubyte"))
        .arg(root.join("tests/fixtures/paper-3.png"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    let close = |v: &serde_json::Value, t: f64| (v.as_f64().unwrap() - t).abs() < 1e-6;
    assert!(lines[0]["index"] == 0 && close(&lines[0]["threshold"], stored), "{}", lines[0]);
    assert!(lines[1]["file"].as_str().unwrap().ends_with("paper-3.png") && close(&lines[1]["threshold"], drawn), "{}", lines[1]);
    for l in &lines {
        let inlier = l["score"].as_f64().unwrap() >= l["threshold"].as_f64().unwrap();
        assert_eq!(l["verdict"], if inlier { "inlier" } else { "novel" }, "{l}");
    }
    // A picture also gets its three nearest references (as the page shows them): training 3s,
    // most similar first, the top two averaging to the score.
    let near = lines[1]["nearest"].as_array().expect("a picture's nearest references");
    let labels = connective::data::idx::read_labels(&common::mnist_dir().join("train-labels-idx1-ubyte.gz")).unwrap();
    assert_eq!(near.len(), 3);
    assert!(near.iter().all(|n| labels[n["image"].as_u64().unwrap() as usize] == 3), "{near:?}");
    let sims: Vec<f64> = near.iter().map(|n| n["similarity"].as_f64().unwrap()).collect();
    assert!(sims[0] >= sims[1] && sims[1] >= sims[2], "{sims:?}");
    assert!(((sims[0] + sims[1]) / 2.0 - lines[1]["score"].as_f64().unwrap()).abs() < 1e-5, "{sims:?} vs {}", lines[1]);
    assert!(lines[0].get("nearest").is_none(), "IDX lines stay short: {}", lines[0]);
}

/// A temporary models folder holding the shipped mnist-3 and `manifest` (every entry of it).
fn folder_with_mnist3(tag: &str, manifest: &serde_json::Value) -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("connective-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(root.join("models/mnist-3.bpk"), dir.join("mnist-3.bpk")).unwrap();
    std::fs::write(dir.join("manifest.json"), serde_json::to_string(manifest).unwrap()).unwrap();
    dir
}

/// The shipped manifest, and one entry of a manifest by name.
fn shipped_manifest() -> serde_json::Value {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(root.join("models/manifest.json")).unwrap()).unwrap()
}

fn entry_named(m: &serde_json::Value, name: &str) -> serde_json::Value {
    m["models"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap().clone()
}

#[test]
fn the_penned_protocol_stores_the_drawn_threshold_and_only_it() {
    let shipped = shipped_manifest();
    let mut manifest = shipped.clone();
    let entry = |m: &serde_json::Value| entry_named(m, "mnist-3");
    for e in manifest["models"].as_array_mut().unwrap() {
        e.as_object_mut().unwrap().remove("drawn_threshold");
    }
    let dir = folder_with_mnist3("drawn", &manifest);
    let eval = |protocol: &str| {
        let mut c = connective();
        c.args(["eval", "--digits", "3", "--update-manifest", "--protocol", protocol, "--data"]).arg(common::mnist_dir()).arg("--models").arg(&dir);
        if protocol == "redrawn" {
            // The backbone file is not needed: the detector carries its neighbours.
            c.arg("--neighbours").arg("--backbone").arg(common::backbone_file());
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{protocol}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
    };
    // The scan-like rendering reports the stored drawn threshold but never sets one.
    let after = entry(&eval("redrawn"));
    assert!(after.get("drawn_threshold").is_none(), "{}", after["drawn_threshold"]);
    assert!(after["metrics"]["redrawn"]["crbnd_recall"].is_f64());
    let nn = after["metrics"]["redrawn"]["neighbours"]["auroc"].as_f64().expect("a nearest-neighbour column");
    assert!((0.9..=1.0).contains(&nn), "nearest-neighbour AUROC {nn} on redrawn 3's");
    // The pen rendering measures it: the shipped value, not the threshold for MNIST images.
    let after = entry(&eval("penned"));
    let (t, shipped_t) = (after["drawn_threshold"].as_f64().unwrap(), entry(&shipped)["drawn_threshold"].as_f64().unwrap());
    assert!((t - shipped_t).abs() < 1e-5, "{t} vs shipped {shipped_t}");
    assert!((t - after["threshold"].as_f64().unwrap()).abs() > 1e-4);
    assert_eq!(after["metrics"]["penned"]["drawn_threshold"]["threshold"].as_f64().map(|v| (v - t).abs() < 1e-5), Some(true));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The file the manifest in `dir` names for the model `name` (files are versioned by content).
fn model_file(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let e = m["models"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap_or_else(|| panic!("{name} not in {}", dir.display()));
    dir.join(e["file"].as_str().unwrap())
}
