//! The shipped photo detectors: trained like a run of the Caltech protocol (`eval::caltech`, whose
//! run also measures the held-out test photos), written to `models/` with a manifest entry that
//! carries those metrics.

use std::path::PathBuf;
use std::sync::Mutex;

use burn::module::Module;
use serde_json::json;

use super::jobs::in_parallel;
use crate::error::{Error, Result};
use crate::eval::caltech::{BackboneFiles, CLUTTER, PhotoPlan, RunOutcome, TEST_FRACTION, load_features, train_and_test};
use crate::model::io::{Manifest, PhotoEntry, Published, SHIPPED_PRECISION, sha256_hex, versioned_file};
use crate::model::photo_detector::PhotoScore;

/// `photo-airplanes`, `photo-airplanes-faces_easy-motorbikes`.
pub fn model_name(classes: &[String]) -> String {
    format!("photo-{}", classes.join("-").to_lowercase())
}

pub struct ShipPlan {
    pub data_dir: PathBuf,
    pub out_dir: PathBuf,
    pub backbone: BackboneFiles,
    /// The backbone's input side (default: `PhotoPlan`'s).
    pub side: Option<usize>,
    /// One detector per entry, each with its positive classes.
    pub models: Vec<Vec<String>>,
    pub seed: u64,
    pub jobs: usize,
    pub quick: bool,
}

/// Trains the photo detectors of `plan` and writes each model and its manifest entry (with the
/// metrics on its held-out test photos plus clutter) as soon as it is done.
pub fn train_shipped(plan: &ShipPlan) -> Result<Vec<PhotoEntry>> {
    let mut photo = PhotoPlan::new(plan.quick);
    if let Some(side) = plan.side {
        photo.config.side = side;
    }
    let mut needed: Vec<String> = plan.models.iter().flatten().cloned().collect();
    needed.push(CLUTTER.into());
    needed.sort();
    needed.dedup();
    let (features, backbone) = load_features(&plan.data_dir, photo.config.side, &needed, &plan.backbone)?;
    std::fs::create_dir_all(&plan.out_dir).map_err(|e| Error::data(plan.out_dir.display().to_string(), e.to_string()))?;
    let manifest_lock = Mutex::new(());
    let results = in_parallel(
        plan.models.clone(),
        plan.jobs,
        |c| model_name(c),
        |classes, bar| {
            let name = model_name(&classes);
            let RunOutcome { trained, gallery, result } = train_and_test(&features, &classes, plan.seed, &photo, bar)?;
            let bytes = trained.bytes.clone();
            let file = versioned_file(&name, &sha256_hex(&bytes));
            let score = photo.score;
            let gallery = gallery
                .iter()
                .map(|(class, i)| {
                    let c = features.class(class)?;
                    let path = c.files[*i].strip_prefix(&features.dir).unwrap_or(&c.files[*i]);
                    Ok(path.to_string_lossy().replace('\\', "/"))
                })
                .collect::<Result<Vec<_>>>()?;
            let entry = PhotoEntry {
                name: name.clone(),
                file,
                sha256: sha256_hex(&bytes),
                bytes: bytes.len() as u64,
                parameters: trained.detector.num_params(),
                dataset: "caltech101".into(),
                positive_classes: classes.clone(),
                lambda: photo.recipe.lambda,
                score,
                threshold: trained.threshold(score, &photo.recipe),
                threshold_rule: threshold_words(&photo.recipe, score, result.n_val, trained.gallery_rows.len()),
                calibration: trained.calibration,
                config: photo.config.clone(),
                gallery,
                backbone: backbone.clone(),
                recipe: crate::model::recipe::PhotoRecipe { seed: plan.seed, ..photo.recipe.clone() },
                training_seconds: result.training_seconds,
                precision: SHIPPED_PRECISION,
                metrics: json!({
                    "held_out_test": {
                        "what": format!("{:.0} % of each positive class's photos, never trained on, plus as many clutter photos (50 % outliers)", TEST_FRACTION * 100.0),
                        "positives": result.n_test_positives,
                        "outliers": result.n_test_outliers,
                        "crbnd": result.crbnd,
                        "classifier_only": result.classifier_only,
                        "recon_error": result.recon_error,
                        "neighbours": result.neighbours,
                    },
                    "n_train": result.n_train,
                    "n_clf": result.n_clf,
                    "n_val": result.n_val,
                }),
            };
            let _guard = manifest_lock.lock().unwrap();
            Manifest::publish_in_dir(&plan.out_dir, &name, &bytes, |_| Published::Photos(Box::new(entry.clone())))?;
            Ok(entry)
        },
        |e: &PhotoEntry| {
            let m = &e.metrics["held_out_test"];
            format!("{}: AUROC {:.4} (CRBND {:.4}, neighbours {:.4}), {:.1} s", e.name, m[score_key(e.score)]["auroc"].as_f64().unwrap_or(f64::NAN), m["crbnd"]["auroc"].as_f64().unwrap_or(f64::NAN), m["neighbours"]["auroc"].as_f64().unwrap_or(f64::NAN), e.training_seconds)
        },
    );
    results.into_iter().collect()
}

fn score_key(score: PhotoScore) -> &'static str {
    match score {
        PhotoScore::Combined => "crbnd",
        PhotoScore::Classifier => "classifier_only",
        PhotoScore::Neighbours => "neighbours",
    }
}

pub use super::photo_detector::{score_words, threshold_words};
