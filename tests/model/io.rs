use burn::prelude::*;
use burn::store::ModuleSnapshot;
use connective::{Detector, DetectorConfig};
use connective::model::calibration::{Calibration, ScoreRule, verdict_scores};
use connective::model::io::*;
use connective::model::scoring::{HostScores, batch_tensor, detect_sync};

fn batch(device: &Device) -> Tensor<4> {
    let v: Vec<f32> = (0..4 * 784).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
    batch_tensor(&v, 4, [1, 28, 28], device)
}

/// Every tensor of a module as (name, shape, raw bytes): what must survive a round trip.
/// (The files themselves differ in the parameter ids burn assigns on each load.)
fn tensors(d: &Detector) -> Vec<(String, Vec<usize>, Vec<u8>)> {
    d.collect(None, None, false)
        .into_iter()
        .map(|t| (t.name.clone(), t.shape.to_vec(), t.to_bytes().unwrap().to_vec()))
        .collect()
}

#[test]
fn save_load_round_trip_is_bit_exact() {
    let device = Device::flex();
    let config = DetectorConfig::mnist();
    let detector = config.init(&device);
    let bytes = detector_to_bytes(&detector, Precision::F32).unwrap();
    let loaded = detector_from_bytes("t", &config, &bytes, &device).unwrap();
    let (before, after) = (tensors(&detector), tensors(&loaded));
    assert!(before.len() > 20, "{} tensors", before.len());
    assert_eq!(before, after);
    assert_eq!(detector_to_bytes(&loaded, Precision::F32).unwrap().len(), bytes.len());
    // The same weights give the same bytes (no random parameter ids in the file), at both precisions.
    assert_eq!(detector_to_bytes(&loaded, Precision::F32).unwrap(), bytes);
    assert_eq!(detector_to_bytes(&loaded, Precision::F16).unwrap(), detector_to_bytes(&detector, Precision::F16).unwrap());
    let a = detect_sync(&detector, batch(&device), 0.5, true).unwrap();
    let b = detect_sync(&loaded, batch(&device), 0.5, true).unwrap();
    assert_eq!(a.score, b.score);
    assert_eq!(a.reconstruction, b.reconstruction);
}

/// The same tensors as numbers (in memory every tensor is f32: 4 bytes per element).
fn floats(d: &Detector) -> Vec<(String, Vec<f32>)> {
    tensors(d)
        .into_iter()
        .map(|(name, shape, bytes)| {
            assert_eq!(bytes.len(), 4 * shape.iter().product::<usize>(), "{name} is not f32 in memory");
            (name, bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
        })
        .collect()
}

#[test]
fn half_precision_files_are_half_the_size_load_as_f32_and_are_stable() {
    let device = Device::flex();
    let config = DetectorConfig::mnist();
    let detector = config.init(&device);
    let full = detector_to_bytes(&detector, Precision::F32).unwrap();
    let (stored, half) = as_stored(detector.clone(), &config, Precision::F16, &device).unwrap();
    assert!(half.len() * 100 < full.len() * 55, "{} vs {} bytes", half.len(), full.len());
    // Every weight is the f16 nearest to the f32 one; batch-norm statistics stay exact.
    let (before, after) = (floats(&detector), floats(&stored));
    assert_eq!(before.len(), after.len());
    let mut rounded = 0;
    for ((name, a), (name2, b)) in before.iter().zip(&after) {
        assert_eq!(name, name2);
        for (x, y) in a.iter().zip(b) {
            assert_eq!(*y, burn::tensor::f16::from_f32(*x).to_f32(), "{name}");
        }
        if name.contains("running_var") {
            assert_eq!(a, b, "{name} must stay f32");
        }
        rounded += (a != b) as usize;
    }
    assert!(rounded > 10, "only {rounded} tensors changed: nothing was stored as f16");
    // A second trip changes nothing, and the loaded model computes in f32 like any other.
    assert_eq!(floats(&as_stored(stored.clone(), &config, Precision::F16, &device).unwrap().0), after);
    let reloaded = detector_from_bytes("h", &config, &half, &device).unwrap();
    let a = detect_sync(&stored, batch(&device), 0.5, false).unwrap();
    let b = detect_sync(&reloaded, batch(&device), 0.5, false).unwrap();
    assert_eq!(a.score, b.score);
    // A truncated half-precision file is an error too.
    assert!(detector_from_bytes("h", &config, &half[..half.len() - 1], &device).is_err());
}

#[test]
fn truncated_altered_or_mismatched_models_are_errors() {
    let device = Device::flex();
    let config = DetectorConfig::mnist();
    let bytes = detector_to_bytes(&config.init(&device), Precision::F32).unwrap();
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        let r = detector_from_bytes("cut", &config, &bytes[..cut], &device);
        assert!(r.is_err(), "{cut} bytes loaded");
        assert!(r.err().unwrap().to_string().contains("model cut"));
    }
    // Another architecture: a wider bottleneck.
    let mut other = DetectorConfig::mnist();
    other.autoencoder.latent = 32;
    let e = detector_from_bytes("wide", &other, &bytes, &device).err().unwrap().to_string();
    assert!(e.contains("wide") && e.to_lowercase().contains("shape"), "{e}");

    // The manifest check catches truncation and tampering before loading.
    let entry = ModelEntry {
        name: "m".into(),
        file: "m.bpk".into(),
        sha256: sha256_hex(&bytes),
        bytes: bytes.len() as u64,
        parameters: 0,
        dataset: "mnist".into(),
        positive_classes: vec!["3".into()],
        lambda: 0.5,
        threshold: 0.0,
        threshold_rule: String::new(),
        drawn_threshold: None,
        config: config.clone(),
        references: Vec::new(),
        calibration: None,
        recipe: Default::default(),
        training_seconds: 0.0,
        precision: Precision::F32,
        metrics: serde_json::Value::Null,
    };
    // Manifests written before the precision field existed read as f32.
    let mut old = serde_json::to_value(&entry).unwrap();
    old.as_object_mut().unwrap().remove("precision");
    assert_eq!(serde_json::from_value::<ModelEntry>(old).unwrap().precision, Precision::F32);
    // Without a drawn threshold every image is judged by the stored one (and the field is not
    // written); with one, pictures that went through the drawing preprocessing are judged by it.
    assert!(serde_json::to_value(&entry).unwrap().get("drawn_threshold").is_none());
    // Recipes written before the drawn threshold had its own quantile used the 5th percentile.
    let mut old = serde_json::to_value(&entry).unwrap();
    old["recipe"].as_object_mut().unwrap().remove("drawn_threshold_quantile").expect("the recipe writes it");
    assert_eq!(serde_json::from_value::<ModelEntry>(old).unwrap().recipe.drawn_threshold_quantile, 0.05);
    assert_eq!((entry.threshold_for(InputKind::Dataset), entry.threshold_for(InputKind::Drawn)), (0.0, 0.0));
    let drawn = ModelEntry { drawn_threshold: Some(-1.5), ..entry.clone() };
    let back: ModelEntry = serde_json::from_str(&serde_json::to_string(&drawn).unwrap()).unwrap();
    assert_eq!((back.threshold_for(InputKind::Dataset), back.threshold_for(InputKind::Drawn)), (0.0, -1.5));
    assert!(load_entry(&entry, &bytes, &device).is_ok());
    let e = load_entry(&entry, &bytes[..100], &device).err().unwrap().to_string();
    assert!(e.contains("truncated"), "{e}");
    let mut altered = bytes.clone();
    let mid = altered.len() / 2;
    altered[mid] ^= 1;
    let e = load_entry(&entry, &altered, &device).err().unwrap().to_string();
    assert!(e.contains("SHA-256"), "{e}");

    // A combined-score entry needs a usable calibration, and an f(x) entry must not carry one.
    let cal = Calibration { logit_mean: 1.0, logit_std: 2.0, error_mean: 0.01, error_std: 0.005 };
    let combined = ModelEntry { config: config.clone().with_score(ScoreRule::Combined), ..entry.clone() };
    let e = load_entry(&combined, &bytes, &device).err().unwrap().to_string();
    assert!(e.contains("no calibration"), "{e}");
    assert!(load_entry(&ModelEntry { calibration: Some(cal), ..combined.clone() }, &bytes, &device).is_ok());
    let bad = Calibration { error_std: 0.0, ..cal };
    let e = load_entry(&ModelEntry { calibration: Some(bad), ..combined.clone() }, &bytes, &device).err().unwrap().to_string();
    assert!(e.contains("invalid calibration"), "{e}");
    let e = load_entry(&ModelEntry { calibration: Some(cal), ..entry.clone() }, &bytes, &device).err().unwrap().to_string();
    assert!(e.contains("f(x) alone"), "{e}");
    // Its verdict scores are eq. 6′; an f(x) entry's are f(x).
    let with = ModelEntry { calibration: Some(cal), ..combined };
    let s = HostScores { logits: vec![3.0], errors: vec![0.005], neighbours: vec![0.9] };
    assert_eq!(with.verdict_scores(&s), vec![0.5 * 1.0 + 0.5 * 1.0]);
    assert_eq!(entry.verdict_scores(&s), vec![3.0]);
    // A neighbours entry judges by them, needs them in its config and takes no calibration.
    let near = ModelEntry { config: config.clone().with_score(ScoreRule::Neighbours), ..entry.clone() };
    assert_eq!(near.verdict_scores(&s), vec![0.9]);
    let e = load_entry(&near, &bytes, &device).err().unwrap().to_string();
    assert!(e.contains("no neighbours"), "{e}");
    let e = load_entry(&ModelEntry { calibration: Some(cal), ..near }, &bytes, &device).err().unwrap().to_string();
    assert!(e.contains("calibration"), "{e}");
}

#[test]
fn manifest_json_round_trip_and_lookup() {
    let mut m = Manifest::new();
    assert!(m.find("mnist-3").is_err());
    let text = serde_json::to_string(&m).unwrap();
    m = Manifest::from_json(&text).unwrap();
    assert!(Manifest::from_json("{\"format\":\"other\",\"models\":[]}").is_err());
    assert!(Manifest::from_json("not json").unwrap_err().to_string().contains("manifest"));
    assert!(m.models.is_empty());
}

#[test]
fn recipes_written_before_a_knob_existed_keep_their_meaning_and_identity() {
    use connective::data::augment::SyntheticKind;
    use connective::model::recipe::Recipe;
    // The digit recipe anneals C's rate and mixes its synthetic outliers.
    let digits = Recipe::default();
    assert!(digits.clf_cosine);
    assert_eq!(digits.augment.synthetic, SyntheticKind::Mixed);
    // A recipe saved without the field reads back as a constant rate.
    let mut old = serde_json::to_value(Recipe::default()).unwrap();
    old.as_object_mut().unwrap().remove("clf_cosine");
    let back: Recipe = serde_json::from_value(old).unwrap();
    assert!(!back.clf_cosine);
}

#[test]
fn several_classifiers_average_their_logits_and_round_trip() {
    let device = Device::flex();
    let config = DetectorConfig::mnist().with_classifiers(3);
    let detector = config.init(&device);
    assert_eq!(detector.extra_classifiers.len(), 2);
    let x = batch(&device);
    let d = detect_sync(&detector, x.clone(), 0.5, true).unwrap();
    // f(x) is the mean of the three C's logits on the same connective image.
    let connective = batch_tensor(&d.connective, 4, [1, 28, 28], &device);
    let each: Vec<Vec<f32>> =
        detector.classifiers().map(|c| c.forward(connective.clone()).into_data().try_into_vec::<f32>().unwrap()).collect();
    assert_eq!(each.len(), 3);
    assert!(each[0] != each[1], "two C's with the same weights");
    for (i, score) in d.score.iter().enumerate() {
        let mean = each.iter().map(|logits| logits[i]).sum::<f32>() / 3.0;
        assert!((score - mean).abs() < 1e-5, "image {i}: {score} vs mean {mean}");
    }
    // The extra C's travel in the same file, at either precision.
    for precision in [Precision::F32, Precision::F16] {
        let bytes = detector_to_bytes(&detector, precision).unwrap();
        let loaded = detector_from_bytes("t", &config, &bytes, &device).unwrap();
        assert_eq!(loaded.extra_classifiers.len(), 2);
        if precision == Precision::F32 {
            assert_eq!(tensors(&detector), tensors(&loaded));
        }
        // A one-C configuration does not silently drop them, nor does a three-C one invent them.
        let one = DetectorConfig::mnist();
        let err = detector_from_bytes("t", &one, &bytes, &device).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("do not fit"), "{err}");
    }
    let single = detector_to_bytes(&DetectorConfig::mnist().init(&device), Precision::F16).unwrap();
    let err = detector_from_bytes("t", &config, &single, &device).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("extra_classifiers"), "{err}");
}

#[test]
fn configs_written_before_several_classifiers_read_as_one() {
    let mut old = serde_json::to_value(DetectorConfig::mnist()).unwrap();
    assert_eq!(old["classifiers"], 1);
    old.as_object_mut().unwrap().remove("classifiers");
    let back: DetectorConfig = serde_json::from_value(old).unwrap();
    assert_eq!(back, DetectorConfig::mnist());
}

#[test]
fn configs_written_before_the_combined_score_judge_by_f_of_x() {
    // The digits' config does not even write the field, so its JSON (and checkpoints keyed by it) is unchanged.
    let digits = serde_json::to_value(DetectorConfig::mnist()).unwrap();
    assert!(digits.get("score").is_none(), "{digits}");
    let mut combined = serde_json::to_value(DetectorConfig::mnist().with_score(ScoreRule::Combined)).unwrap();
    assert_eq!(combined["score"], "combined");
    combined.as_object_mut().unwrap().remove("score");
    let back: DetectorConfig = serde_json::from_value(combined).unwrap();
    assert_eq!(back.score, ScoreRule::Classifier);
}

#[test]
fn calibration_standardises_on_validation_positives() {
    // f(x) 1 and 3: mean 2, spread 1; errors 0.1 and 0.3: mean 0.2, spread 0.1.
    let c = Calibration::fit(&[1.0, 3.0], &[0.1, 0.3]).unwrap();
    assert!((c.logit_mean - 2.0).abs() < 1e-6 && (c.logit_std - 1.0).abs() < 1e-6);
    assert!((c.error_mean - 0.2).abs() < 1e-6 && (c.error_std - 0.1).abs() < 1e-6);
    // Eq. 6′: ½·(3 − 2)/1 − ½·(0.1 − 0.2)/0.1 = 1; a typical positive scores 0; a poor rebuild lowers it.
    assert!((c.combine(3.0, 0.1) - 1.0).abs() < 1e-5);
    assert!(c.combine(2.0, 0.2).abs() < 1e-6);
    assert!(c.combine(2.0, 0.5) < c.combine(2.0, 0.2));
    assert!(c.combine(4.0, 0.2) > c.combine(2.0, 0.2));
    // NaNs are left out; nothing finite, no calibration; a constant does not divide by zero.
    let n = Calibration::fit(&[1.0, f32::NAN, 3.0], &[0.1, 0.3, f32::INFINITY]).unwrap();
    assert_eq!(n, c);
    assert!(Calibration::fit(&[f32::NAN], &[0.1]).is_none());
    assert!(Calibration::fit(&[1.0], &[0.1]).is_none(), "one value has no spread");
    assert!(Calibration::fit(&[], &[]).is_none());
    let flat = Calibration::fit(&[1.0, 1.0], &[0.2, 0.2]).unwrap();
    assert!(flat.logit_std > 0.0 && flat.combine(1.0, 0.2).is_finite());
    // Without a calibration the verdict is f(x) itself.
    assert_eq!(verdict_scores(None, &[0.5, -2.0], &[9.0, 9.0]), vec![0.5, -2.0]);
    assert_eq!(verdict_scores(Some(&c), &[3.0], &[0.1]).len(), 1);
}

#[test]
fn the_shipped_manifest_loads_and_writes_back_as_it_is() {
    // Recipes and configs of the shipped models read and write back byte for byte (their JSON
    // keys checkpoints and cached protocol runs), with the experiment knobs that are gone.
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/models/manifest.json")).unwrap();
    let manifest = Manifest::from_json(&text).unwrap();
    assert_eq!(manifest.models.len(), 10);
    // As `train` and `eval --update-manifest` write it: the same keys and values as the file
    // (`metrics` is free JSON, kept as read).
    let mut raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut written: serde_json::Value = serde_json::from_str(&serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    for (i, e) in manifest.models.iter().enumerate() {
        assert_eq!(e.metrics, raw["models"][i]["metrics"], "{}", e.name);
        for m in [&mut raw, &mut written] {
            m["models"][i].as_object_mut().unwrap().remove("metrics");
        }
    }
    assert_eq!(written, raw, "the manifest does not write back as it was read");
    for e in &manifest.models {
        e.check_calibration().unwrap();
    }
    // A recipe written while those knobs existed, at their off values, is the shipped recipe.
    use connective::model::recipe::Recipe;
    let mut old = serde_json::to_value(Recipe::default()).unwrap();
    let o = old.as_object_mut().unwrap();
    for (k, v) in [("held_out", serde_json::json!("random")), ("pen_fraction", 0.0.into()), ("clf_fraction", 0.0.into())] {
        o.insert(k.into(), v);
    }
    o["augment"].as_object_mut().unwrap().insert("clf_views".into(), 0.0.into());
    assert_eq!(serde_json::from_value::<Recipe>(old).unwrap(), Recipe::default());
}

#[test]
fn the_threshold_depends_on_where_the_image_comes_from() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/models/manifest.json")).unwrap();
    let manifest = Manifest::from_json(&text).unwrap();
    // A digit model judges drawings by its drawn threshold and MNIST's own images by the stored one.
    let digit = manifest.find("mnist-3").unwrap();
    let drawn = digit.drawn_threshold.expect("digit models have a drawn threshold");
    assert_ne!(drawn, digit.threshold);
    assert_eq!(digit.threshold_for(InputKind::Drawn), drawn);
    assert_eq!(digit.threshold_for(InputKind::Dataset), digit.threshold);
    // A model without a drawn threshold has one threshold for both.
    let plain = ModelEntry { drawn_threshold: None, ..digit.clone() };
    assert_eq!(plain.threshold_for(InputKind::Drawn), plain.threshold);
    assert_eq!(plain.threshold_for(InputKind::Dataset), plain.threshold);
}

/// Weights and the manifest are replaced, never rewritten in place: the new bytes appear whole,
/// no temporary file stays behind, and a write that cannot land leaves what was there.
#[test]
fn files_are_replaced_atomically_and_a_failed_write_keeps_the_old_file() {
    let dir = std::env::temp_dir().join(format!("connective-atomic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("manifest.json");
    write_atomically(&file, b"first").unwrap();
    write_atomically(&file, b"second, longer than the first").unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), b"second, longer than the first");
    let names = |d: &std::path::Path| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect::<Vec<_>>();
    assert_eq!(names(&dir), vec!["manifest.json".to_string()], "a temporary file was left behind");

    // A folder where the file should go: the rename fails, the folder and its content stay.
    let blocked = dir.join("models.bpk");
    std::fs::create_dir_all(blocked.join("inside")).unwrap();
    let err = write_atomically(&blocked, b"weights").unwrap_err().to_string();
    assert!(err.contains("models.bpk"), "the error names the file: {err}");
    assert!(blocked.join("inside").is_dir());
    let mut left = names(&dir);
    left.sort();
    assert_eq!(left, vec!["manifest.json".to_string(), "models.bpk".to_string()], "a temporary file was left behind");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A reader running while the file is replaced (as `score` while `train` finishes) sees the old
/// bytes or the new ones, whole, never a truncated or half-written file.
#[test]
fn a_reader_never_sees_half_a_file() {
    let dir = std::env::temp_dir().join(format!("connective-atomic-read-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("mnist-3.bpk");
    let size = 1 << 21;
    write_atomically(&file, &vec![b'a'; size]).unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (file, done) = (file.clone(), done.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) || reads == 0 {
                let bytes = std::fs::read(&file).unwrap();
                assert_eq!(bytes.len(), size, "read a file of {} bytes", bytes.len());
                assert!(bytes.iter().all(|&b| b == bytes[0]), "read a mix of two versions");
                reads += 1;
            }
            reads
        })
    };
    for i in 0..40 {
        write_atomically(&file, &vec![if i % 2 == 0 { b'b' } else { b'a' }; size]).unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn manifest_numbers_out_of_range_are_errors_before_anything_is_built() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/models/manifest.json")).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(Manifest::from_json(&text).unwrap().photos.len(), 7);
    let altered = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut m = raw.clone();
        edit(&mut m);
        Manifest::from_json(&m.to_string()).err().map(|e| e.to_string())
    };
    // 100,000 classifiers would be built (3.9 GB) before the weights are read.
    let e = altered(&|m| m["models"][0]["config"]["classifiers"] = 100_000.into()).expect("refused");
    assert!(e.contains("mnist-0") && e.contains("config.classifiers = 100000"), "{e}");
    let e = altered(&|m| m["models"][3]["config"]["autoencoder"]["latent"] = 1_000_000.into()).expect("refused");
    assert!(e.contains("latent"), "{e}");
    let e = altered(&|m| m["models"][1]["lambda"] = 2.5.into()).expect("refused");
    assert!(e.contains("lambda"), "{e}");
    let e = altered(&|m| m["photos"][0]["config"]["hidden"] = 10_000_000.into()).expect("refused");
    assert!(e.contains("photo-airplanes") && e.contains("config.hidden"), "{e}");
    let e = altered(&|m| m["photos"][2]["config"]["side"] = 100_000.into()).expect("refused");
    assert!(e.contains("config.side"), "{e}");
    let e = altered(&|m| m["photos"][1]["gallery"] = serde_json::json!([])).expect("refused");
    assert!(e.contains("gallery"), "{e}");
    // Untouched, it loads.
    assert!(altered(&|_| {}).is_none());
}

/// Two different digit detectors at f16, and the shipped mnist-3 entry made to describe `bytes`.
fn two_versions() -> (Vec<u8>, Vec<u8>) {
    let device = Device::flex();
    let config = DetectorConfig::mnist();
    device.seed(1);
    let a = detector_to_bytes(&config.init(&device), Precision::F16).unwrap();
    device.seed(2);
    let b = detector_to_bytes(&config.init(&device), Precision::F16).unwrap();
    assert_ne!(a, b);
    (a, b)
}

fn entry_for(bytes: &[u8], file: String) -> ModelEntry {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/models/manifest.json")).unwrap();
    let mut e = Manifest::from_json(&text).unwrap().find("mnist-3").unwrap().clone();
    (e.sha256, e.bytes, e.file) = (sha256_hex(bytes), bytes.len() as u64, file);
    // The bytes are a bare A and C (`two_versions`), judged by f(x).
    e.config = DetectorConfig::mnist();
    e.calibration = None;
    e
}

fn publish(dir: &std::path::Path, bytes: &[u8]) {
    Manifest::publish_in_dir(dir, "mnist-3", bytes, |file| Published::Digits(Box::new(entry_for(bytes, file)))).unwrap();
}

/// An empty folder of this test process's own.
fn empty_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sorted_names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Publishing a model walks through on-disk states in each of which the manifest's entry has its
/// file: killed after the new weights are written (step 1), the previous model still loads; the
/// next publish completes and leaves the folder with the manifest and the new file alone. The
/// model loads by its name whatever its file is called (`models/mnist-3.bpk`).
#[test]
fn publishing_keeps_the_previous_model_until_the_new_one_is_complete() {
    let dir = empty_dir("connective-publish");
    let (a, b) = two_versions();
    let (file_a, file_b) = (versioned_file("mnist-3", &sha256_hex(&a)), versioned_file("mnist-3", &sha256_hex(&b)));
    // A model of the same name's prefix is someone else's and must survive.
    let neighbour = dir.join(format!("mnist-3-extra-{}.bpk", &sha256_hex(&a)[..12]));
    std::fs::write(&neighbour, b"not ours").unwrap();
    publish(&dir, &a);
    assert_eq!(load_model(&dir.join("mnist-3.bpk")).unwrap().0.sha256, sha256_hex(&a));
    // Killed after step 1 of publishing b: b's weights are written, the manifest is a's.
    write_atomically(&dir.join(&file_b), &b).unwrap();
    let (entry, _) = load_model(&dir.join("mnist-3.bpk")).unwrap();
    assert_eq!((entry.sha256.as_str(), entry.file.as_str()), (sha256_hex(&a).as_str(), file_a.as_str()), "the previous model was lost");
    // Killed after step 2: the manifest names b, whose file is complete; a's file is left over.
    let mut m = Manifest::read_in_dir(&dir).unwrap();
    m.upsert(entry_for(&b, file_b.clone()));
    write_atomically(&dir.join("manifest.json"), serde_json::to_string_pretty(&m).unwrap().as_bytes()).unwrap();
    assert_eq!(load_model(&dir.join("mnist-3")).unwrap().0.sha256, sha256_hex(&b));
    // A whole publish (of a again) cleans up what the kills left.
    publish(&dir, &a);
    assert_eq!(load_model(&dir.join(&file_a)).unwrap().0.sha256, sha256_hex(&a));
    let mut expected = vec![file_a.clone(), "manifest.json".to_string(), neighbour.file_name().unwrap().to_string_lossy().into_owned()];
    expected.sort();
    assert_eq!(sorted_names(&dir), expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A reader loading a model while it is published again and again (as `score` while `train`
/// finishes) always gets one of the two versions, whole and verified: never a checksum mismatch
/// or a missing file (before versioned files, 389 of 634 such reads failed).
#[test]
fn a_reader_never_fails_while_a_model_is_republished() {
    let dir = empty_dir("connective-republish");
    let (a, b) = two_versions();
    let shas = [sha256_hex(&a), sha256_hex(&b)];
    publish(&dir, &a);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (dir, done, shas) = (dir.clone(), done.clone(), shas.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) || reads == 0 {
                let (entry, _) = load_model(&dir.join("mnist-3.bpk")).unwrap_or_else(|e| panic!("read {reads} failed: {e}"));
                assert!(shas.contains(&entry.sha256));
                reads += 1;
            }
            reads
        })
    };
    for i in 0..30 {
        publish(&dir, if i % 2 == 0 { &b } else { &a });
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A shipped detector with its batch norms folded into its convolutions (as `score` and the
/// page run it) computes what it computed before, to float rounding: f(x), A(x) and the error.
#[test]
fn folding_batch_norm_keeps_what_a_detector_computes() {
    let device = Device::flex();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let manifest = Manifest::read_in_dir(&root).unwrap();
    for name in ["mnist-3", "mnist-8"] {
        let detector = read_detector(&root, manifest.find(name).unwrap(), &device).unwrap();
        let before = detect_sync(&detector, batch(&device), 0.5, true).unwrap();
        let after = detect_sync(&detector.fold(), batch(&device), 0.5, true).unwrap();
        let max = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(max(&before.score, &after.score) < 1e-5, "{name}: f(x) moved by {}", max(&before.score, &after.score));
        assert!(max(&before.recon_error, &after.recon_error) < 1e-6, "{name}: error moved");
        assert!(max(&before.reconstruction, &after.reconstruction) < 1e-5, "{name}: A(x) moved");
    }
}
