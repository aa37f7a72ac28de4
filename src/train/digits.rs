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
use crate::model::calibration::{Calibration, ScoreRule};
use crate::model::detector::{Detector, DetectorConfig};
use crate::model::backbone::{DIGIT_BLOCK, EarlyBackbone};
use crate::model::io::{Manifest, ModelEntry, Published, SHIPPED_PRECISION, as_stored, load_model, read_detector, sha256_hex, versioned_file};
use crate::model::neighbours::NeighboursConfig;
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
    rule: ScoreRule,
    calibration: Option<&Calibration>,
    lambda: f32,
    quantile: f64,
    images: &IdxImages,
    val: &[usize],
    device: &Device,
) -> Result<Option<f32>> {
    let drawn = score_batches(detector, &redraw(images, val, Style::Pen)?, [1, 28, 28], lambda, 1000, device, |_| ())?;
    Ok(drawn.threshold(rule, calibration, quantile))
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
            trained.rule,
            trained.calibration.as_ref(),
            r.lambda,
            r.drawn_threshold_quantile,
            &mnist.train_images,
            &split.val,
            &Device::flex(),
        )?,
        config: plan.config.clone(),
        references: Vec::new(),
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

/// The one-digit MNIST models of `manifest` for `digits` (all of them when empty), in manifest order.
pub fn digit_entries<'a>(manifest: &'a Manifest, digits: &[u8]) -> Vec<&'a ModelEntry> {
    manifest
        .models
        .iter()
        .filter(|e| e.dataset == "mnist" && e.positive_classes.len() == 1)
        .filter(|e| digits.is_empty() || e.positive_classes[0].parse::<u8>().is_ok_and(|d| digits.contains(&d)))
        .collect()
}

/// Gives a trained digit detector its nearest training digits (`train::neighbours`) and makes
/// them its verdict (`ScoreRule::Neighbours`): the stored and the drawn threshold are taken
/// again, by the recipe's rules, on the neighbours' scores of the same validation digits. A and
/// C are kept as they are. Returns the new entry and the weights to publish.
pub fn with_neighbours(entry: &ModelEntry, detector: Detector, early: &EarlyBackbone, mnist: &Mnist, device: &Device) -> Result<(ModelEntry, Vec<u8>)> {
    let t0 = web_time::Instant::now();
    let digit: u8 = entry.positive_classes.first().and_then(|c| c.parse().ok()).ok_or_else(|| Error::model(&entry.name, "is not a one-digit model"))?;
    let r = &entry.recipe;
    let split = recipe_split(&mnist.train_labels, &[digit], r);
    let config = NeighboursConfig::default();
    let (neighbours, references) = super::neighbours::build(early.clone(), &config, &mnist.train_images, &split.train, r.seed, device)?;
    let mut e = entry.clone();
    e.references = references;
    e.config.neighbours = Some(config);
    e.config.score = ScoreRule::Neighbours;
    e.calibration = None;
    let (detector, bytes) = as_stored(Detector { neighbours: Some(neighbours), ..detector }, &e.config, SHIPPED_PRECISION, device)?;
    let val = score_batches(&detector, &to_unit(&mnist.train_images, &split.val), [1, 28, 28], r.lambda, 1000, device, |_| ())?;
    e.threshold = val.threshold(ScoreRule::Neighbours, None, r.threshold_quantile).ok_or_else(|| Error::model(&e.name, "no finite neighbour scores"))?;
    e.threshold_rule = digit_threshold_rule(r, &e.config, split.val.len());
    e.drawn_threshold = drawn_threshold(&detector, ScoreRule::Neighbours, None, r.lambda, r.drawn_threshold_quantile, &mnist.train_images, &split.val, device)?;
    e.sha256 = sha256_hex(&bytes);
    e.file = versioned_file(&e.name, &e.sha256);
    e.bytes = bytes.len() as u64;
    e.parameters = detector.num_params();
    if !e.metrics.is_object() {
        e.metrics = serde_json::json!({});
    }
    let val_scores = val.neighbours;
    e.metrics["val_positive_acceptance"] = serde_json::json!(val_scores.iter().filter(|&&s| s >= e.threshold).count() as f64 / val_scores.len().max(1) as f64);
    e.metrics["neighbours_seconds"] = serde_json::json!(t0.elapsed().as_secs_f64());
    Ok((e, bytes))
}

/// `with_neighbours` for the digit models `digits` of `models_dir` (all when empty), two at a
/// time, each published as it is done; the backbone file gives the early layers.
pub fn add_neighbours(models_dir: &Path, data_dir: &Path, backbone: &Path, digits: &[u8], jobs: usize) -> Result<Vec<ModelEntry>> {
    let mnist = Mnist::load(data_dir)?;
    let early = EarlyBackbone::from_full(super::features::open_backbone(backbone)?.0, DIGIT_BLOCK);
    let manifest = Manifest::read_in_dir(models_dir)?;
    let entries: Vec<ModelEntry> = digit_entries(&manifest, digits).into_iter().cloned().collect();
    if entries.is_empty() {
        return Err(Error::data(models_dir.join("manifest.json").display().to_string(), "no digit models to give neighbours"));
    }
    let lock = Mutex::new(());
    let results = in_parallel(
        entries,
        jobs,
        |e| e.name.clone(),
        |entry, bar| {
            // Building the gallery, then the two thresholds.
            bar.set_length(1);
            bar.set_message("backbone, k-means, thresholds");
            let device = Device::flex();
            let detector = read_detector(models_dir, &entry, &device)?;
            let (e, bytes) = with_neighbours(&entry, Detector { neighbours: None, ..detector }, &early, &mnist, &device)?;
            let _guard = lock.lock().unwrap();
            Manifest::publish_in_dir(models_dir, &e.name, &bytes, |_| Published::Digits(Box::new(e.clone())))?;
            bar.inc(1);
            Ok(e)
        },
        |e| format!("done: threshold {:.4}, drawn {:.4}", e.threshold, e.drawn_threshold.unwrap_or(f32::NAN)),
    );
    results.into_iter().collect()
}
