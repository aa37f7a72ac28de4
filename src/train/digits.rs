//! The digit detectors: one per MNIST digit, trained from the recipe, with the manifest entry
//! `connective train` writes (the stored threshold, and the threshold for drawn input).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use burn::prelude::*;
use indicatif::ProgressBar;

use super::checkpoint::{Checkpointer, TrainState};
use super::detector::{TrainData, same_autoencoder_recipe, train_detector};
use super::jobs::{in_parallel, trained_message};
use crate::data::idx::IdxImages;
use crate::data::mnist::{Mnist, Split, positive_split, to_unit};
use crate::data::redraw::{Style, redraw};
use crate::error::{Error, Result};
use crate::model::calibration::Calibration;
use crate::model::detector::{Detector, DetectorConfig};
use crate::model::io::{Manifest, ModelEntry, Published, SHIPPED_PRECISION, load_model, sha256_hex, versioned_file};
use crate::model::recipe::{Recipe, percentile_words};
use crate::model::scoring::score_batches;

/// The manifest's words for a digit model's stored threshold.
pub fn digit_threshold_rule(r: &Recipe, config: &DetectorConfig, n_val: usize) -> String {
    format!("{} of {} on {} held-out training positives", percentile_words(r.threshold_quantile), config.score.describe(), n_val)
}

/// The split `train` draws for `positives` with recipe `r`: eval draws it again to score a
/// model's own validation positives.
pub fn recipe_split(labels: &[u8], positives: &[u8], r: &Recipe) -> Split {
    positive_split(labels, positives, r.val_fraction, r.seed, r.max_train)
}

/// The threshold for drawn input (`ModelEntry::drawn_threshold`): the threshold rule, the
/// `quantile` of the verdict score, on the validation digits `val` of `images` drawn with the pen.
/// Training sets it with the stored threshold, `eval --protocol penned` measures it again.
pub fn drawn_threshold(
    detector: &Detector,
    calibration: Option<&Calibration>,
    lambda: f32,
    quantile: f64,
    images: &IdxImages,
    val: &[usize],
    device: &Device,
) -> Result<Option<f32>> {
    let drawn = score_batches(detector, &redraw(images, val, Style::Pen)?, [1, 28, 28], lambda, 1000, device, |_| ())?;
    Ok(drawn.threshold(calibration, quantile))
}

/// Where `connective train` writes, and how.
pub struct TrainPlan {
    pub data_dir: PathBuf,
    pub out_dir: PathBuf,
    pub checkpoint_dir: PathBuf,
    pub digits: Vec<u8>,
    pub recipe: Recipe,
    pub config: DetectorConfig,
    pub resume: bool,
    /// Keep each finished reconstructor and train a new classifier (after changing its recipe).
    pub retrain_classifier: bool,
    /// Where a checkpoint holds no reconstructor: take A from this folder's model of the digit.
    pub reconstructors_from: Option<PathBuf>,
    pub jobs: usize,
}

/// Puts the reconstructor of the model `name` in `dir` (the file `train` writes for it) into an
/// empty checkpoint as a finished A, so that `--retrain-classifier` can train new C's on it.
/// Refused unless the model's A has the shape `config` asks for and was trained by the same
/// A-recipe as `recipe`.
fn reconstructor_from_model(dir: &Path, name: &str, recipe: &Recipe, config: &DetectorConfig, ckpt: &Checkpointer) -> Result<()> {
    let (entry, detector) = load_model(&dir.join(format!("{name}.bpk")))?;
    if entry.config.autoencoder != config.autoencoder || !same_autoencoder_recipe(&entry.recipe, recipe) {
        return Err(Error::Config(format!("{name} in {} has another reconstructor (shape or A-recipe) than this run asks for", dir.display())));
    }
    ckpt.save_module("ae_best.bpk", &detector.autoencoder)?;
    ckpt.save_state(&TrainState { ae_epochs_done: entry.recipe.ae_epochs, recipe_json: serde_json::to_string(&entry.recipe).unwrap(), ..Default::default() })
}

/// Trains one MNIST detector per digit, `jobs` at a time (the flex backend keeps about one core
/// busy per training, so two in parallel use a 2-core machine fully), and writes each model and
/// its manifest entry as soon as it is done.
pub fn train_mnist(plan: &TrainPlan) -> Result<Vec<ModelEntry>> {
    let mnist = Mnist::load(&plan.data_dir)?;
    std::fs::create_dir_all(&plan.out_dir).map_err(|e| Error::data(plan.out_dir.display().to_string(), e.to_string()))?;
    let manifest_lock = Mutex::new(());
    in_parallel(
        plan.digits.clone(),
        plan.jobs,
        |d| format!("mnist-{d}"),
        |digit, bar| train_one_digit(plan, &mnist, digit, bar, &manifest_lock),
        trained_message,
    )
    .into_iter()
    .collect()
}

fn train_one_digit(
    plan: &TrainPlan,
    mnist: &Mnist,
    digit: u8,
    bar: &ProgressBar,
    manifest_lock: &Mutex<()>,
) -> Result<ModelEntry> {
    let r = &plan.recipe;
    let split = recipe_split(&mnist.train_labels, &[digit], r);
    let train = to_unit(&mnist.train_images, &split.train);
    let val = to_unit(&mnist.train_images, &split.val);
    let data = TrainData { shape: plan.config.image_shape(), train: &train, val: &val };
    let name = format!("mnist-{digit}");
    let ckpt = Checkpointer::new(plan.checkpoint_dir.join(&name))?;
    if let Some(dir) = &plan.reconstructors_from
        && ckpt.load_state()?.is_none()
    {
        reconstructor_from_model(dir, &name, r, &plan.config, &ckpt)?;
    }
    let trained = train_detector(&plan.config, r, &data, &ckpt, plan.resume, plan.retrain_classifier, bar)?;
    let bytes = &trained.bytes;
    let file = versioned_file(&name, &sha256_hex(bytes));
    let val_scores = trained.val_scores();
    let mut entry = ModelEntry {
        name: name.clone(),
        file,
        sha256: sha256_hex(bytes),
        bytes: bytes.len() as u64,
        parameters: trained.detector.num_params(),
        dataset: "mnist".into(),
        positive_classes: vec![digit.to_string()],
        lambda: r.lambda,
        threshold: trained.threshold,
        threshold_rule: digit_threshold_rule(r, &plan.config, split.val.len()),
        drawn_threshold: drawn_threshold(
            &trained.detector,
            trained.calibration.as_ref(),
            r.lambda,
            r.drawn_threshold_quantile,
            &mnist.train_images,
            &split.val,
            &Device::flex(),
        )?,
        config: plan.config.clone(),
        calibration: trained.calibration,
        recipe: r.clone(),
        training_seconds: trained.state.seconds,
        precision: SHIPPED_PRECISION,
        metrics: serde_json::json!({
            "val_positive_acceptance": val_scores.iter().filter(|&&s| s >= trained.threshold).count() as f64 / val_scores.len() as f64,
            "ae_history": trained.state.ae_history,
            "clf_history": trained.state.classifier(0).history,
        }),
    };
    // The manifest's keys predate several C's: C 1 under `clf_history`, the others beside it.
    if let Some(extra) = trained.state.classifiers.get(1..).filter(|e| !e.is_empty()) {
        entry.metrics["extra_clf_history"] = serde_json::json!(extra.iter().map(|p| &p.history).collect::<Vec<_>>());
    }
    let _guard = manifest_lock.lock().unwrap();
    Manifest::publish_in_dir(&plan.out_dir, &name, bytes, |_| Published::Digits(Box::new(entry.clone())))?;
    Ok(entry)
}
