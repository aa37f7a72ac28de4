//! The shipped photo detectors: trained like a run of the Caltech protocol (`eval::caltech`, whose
//! run also measures the held-out test photos), written to `models/` with a manifest entry that
//! carries those metrics.

use std::path::PathBuf;
use std::sync::Mutex;

use burn::module::Module;
use serde_json::json;

use super::checkpoint::Checkpointer;
use super::jobs::{in_parallel, trained_message};
use crate::error::{Error, Result};
use crate::eval::caltech::{CLUTTER, PHOTO_SIZE, PhotoPlan, RunOutcome, TEST_FRACTION, load_folder, train_and_test};
use crate::model::io::{Manifest, ModelEntry, SHIPPED_PRECISION, sha256_hex};
use crate::model::recipe::percentile_words;

/// `caltech-airplanes`, `caltech-airplanes-faces_easy-motorbikes`.
pub fn model_name(classes: &[String]) -> String {
    format!("caltech-{}", classes.join("-").to_lowercase())
}

pub struct ShipPlan {
    pub data_dir: PathBuf,
    pub out_dir: PathBuf,
    pub checkpoint_dir: PathBuf,
    /// One detector per entry, each with its positive classes.
    pub models: Vec<Vec<String>>,
    pub seed: u64,
    pub jobs: usize,
    pub quick: bool,
    /// Keep each finished reconstructor in the checkpoints and train only new classifiers.
    pub retrain_classifier: bool,
    /// Classifiers averaged per detector (default: the photo detector's).
    pub classifiers: Option<usize>,
}

/// Trains the photo detectors of `plan` and writes each model and its manifest entry (with the
/// metrics on its held-out test photos plus clutter) as soon as it is done.
pub fn train_shipped(plan: &ShipPlan) -> Result<Vec<ModelEntry>> {
    let mut photo = PhotoPlan::new(PHOTO_SIZE, plan.quick);
    if plan.quick {
        photo.recipe.max_train = Some(64);
    }
    if let Some(k) = plan.classifiers {
        photo.config.classifiers = k;
    }
    let mut needed: Vec<String> = plan.models.iter().flatten().cloned().collect();
    needed.push(CLUTTER.into());
    needed.sort();
    needed.dedup();
    let folder = load_folder(&plan.data_dir, photo.size, &needed)?;
    std::fs::create_dir_all(&plan.out_dir).map_err(|e| Error::data(plan.out_dir.display().to_string(), e.to_string()))?;
    let manifest_lock = Mutex::new(());
    let results = in_parallel(plan.models.clone(), plan.jobs, |c| model_name(c), |classes, bar| {
        let name = model_name(&classes);
        let ckpt = Checkpointer::new(plan.checkpoint_dir.join(&name))?;
        let RunOutcome { trained, recipe, result } = train_and_test(&folder, &classes, plan.seed, &photo, &ckpt, plan.retrain_classifier, bar)?;
        let bytes = trained.bytes;
        let file = format!("{name}.bpk");
        let path = plan.out_dir.join(&file);
        crate::model::io::write_atomically(&path, &bytes)?;
        let entry = ModelEntry {
            name: name.clone(),
            file,
            sha256: sha256_hex(&bytes),
            bytes: bytes.len() as u64,
            parameters: trained.detector.num_params(),
            dataset: "caltech101".into(),
            positive_classes: classes.clone(),
            lambda: recipe.lambda,
            threshold: result.threshold,
            threshold_rule: format!("{} of {} on {} held-out training photos", percentile_words(recipe.threshold_quantile), photo.config.score.describe(), result.n_val),
            drawn_threshold: None,
            config: photo.config.clone(),
            calibration: trained.calibration,
            recipe,
            training_seconds: result.training_seconds,
            precision: SHIPPED_PRECISION,
            metrics: json!({
                "held_out_test": {
                    "what": format!("{:.0} % of each positive class's photos, never trained on, plus as many clutter photos (50 % outliers)", TEST_FRACTION * 100.0),
                    "test_fraction": TEST_FRACTION,
                    "positives": result.n_test_positives,
                    "outliers": result.n_test_outliers,
                    "crbnd": result.crbnd,
                    "classifier_only": result.classifier_only,
                    "recon_error": result.recon_error,
                },
                "n_train": result.n_train,
                "n_clf": result.n_clf,
                "n_val": result.n_val,
            }),
        };
        let _guard = manifest_lock.lock().unwrap();
        Manifest::upsert_in_dir(&plan.out_dir, entry.clone())?;
        Ok(entry)
    }, trained_message);
    results.into_iter().collect()
}
