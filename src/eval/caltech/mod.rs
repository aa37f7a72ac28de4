//! Photos: the paper's Caltech experiment (n ∈ {1, 3, 5} random object classes as positives,
//! clutter as outliers, 50 % outliers at test time, R seeded repetitions) and the shipped photo
//! detectors. Same method and training code as the digits (`train::train_detector`), on RGB.
//!
//! Caltech-256 cannot be had here; the data is a Caltech-101 subset whose BACKGROUND_Google class
//! plays the part of Caltech-256's clutter (see the data folder's README).
//!
//! Here: one run (train a detector on some classes, test it against clutter). The protocol's
//! repetitions live in `protocol`, its table and plot in `report`; the shipped photo models are
//! runs too (`train::ship`), so their held-out numbers are measured the same way.

mod protocol;
mod report;

pub use protocol::{PlannedRun, ProtocolOptions, planned_runs, run_protocol};

use std::path::Path;

use burn::prelude::*;
use indicatif::ProgressBar;
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};

use crate::data::folders::{PhotoFolder, photo_split};
use crate::error::{Error, Result};
use crate::metrics::{auroc, f1_at};
use crate::model::calibration::positive_quantile;
use crate::model::detector::{Detector, DetectorConfig};
use crate::model::recipe::{PHOTO_AE_IMAGES, PHOTO_CLF_IMAGES, Recipe};
use crate::model::scoring::{HostScores, score_batches};
use crate::train::checkpoint::Checkpointer;
use crate::train::{TrainData, Trained, train_detector};

/// Side of the photo models, in pixels (docs/experiments.md has the 32 vs 64 evidence).
pub const PHOTO_SIZE: usize = 32;
/// The outlier class.
pub const CLUTTER: &str = "clutter";
/// Share of each positive class's photos held out for testing.
pub const TEST_FRACTION: f64 = 0.3;
/// Share of the training photos that only C learns from.
pub const CLF_FRACTION: f64 = 0.35;
/// Smallest epoch of the shipped recipe, in images.
pub const EPOCH_IMAGES: usize = 1024;
/// Published Caltech-256 results (AUROC, F1) for 1, 3, 5 positive classes at 50 % outliers.
pub const ALOCC: [(f64, f64); 3] = [(0.942, 0.928), (0.938, 0.913), (0.923, 0.905)];
pub const PAPER: [(f64, f64); 3] = [(0.998, 0.984), (0.996, 0.980), (0.994, 0.978)];

/// The published (ALOCC, paper) results for `n` positive classes, where there are some.
pub fn published(n: usize) -> Option<((f64, f64), (f64, f64))> {
    match n {
        1 => Some((ALOCC[0], PAPER[0])),
        3 => Some((ALOCC[1], PAPER[1])),
        5 => Some((ALOCC[2], PAPER[2])),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default, PartialEq)]
pub struct Pair {
    pub auroc: f64,
    pub f1: f64,
}

/// What one trained photo detector measured on its held-out test set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PhotoResult {
    pub classes: Vec<String>,
    pub seed: u64,
    /// Training photos of A, and of C alone.
    pub n_train: usize,
    #[serde(default)]
    pub n_clf: usize,
    pub n_val: usize,
    pub n_test_positives: usize,
    pub n_test_outliers: usize,
    /// The detector's verdict score (eq. 6′ for the photo detectors).
    pub crbnd: Pair,
    /// f(x) alone, the paper's score (its threshold the same quantile of f(x) on validation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classifier_only: Option<Pair>,
    pub recon_error: Pair,
    pub threshold: f32,
    pub training_seconds: f64,
}

/// What one run produced: the detector, the recipe it was trained with and its measured result.
pub struct RunOutcome {
    pub trained: Trained,
    pub recipe: Recipe,
    pub result: PhotoResult,
}

/// How photo detectors are made: size, networks, recipe and the image budget per phase.
#[derive(Debug, Clone)]
pub struct PhotoPlan {
    pub size: usize,
    pub config: DetectorConfig,
    pub recipe: Recipe,
    pub ae_images: usize,
    pub clf_images: usize,
    /// Smallest epoch in images (small classes are repeated to fill it).
    pub epoch_images: usize,
    /// Share of each class's training photos kept from A for C (see `TrainData::clf_train`).
    pub clf_fraction: f64,
}

impl PhotoPlan {
    /// How many times `n` training photos are repeated in an epoch. A class has as few as 50:
    /// repeated (each copy flipped and corrupted differently), an epoch, and with it a
    /// checkpoint, covers at least `epoch_images`.
    pub fn epoch_repeats(&self, n: usize) -> usize {
        (self.epoch_images / n.max(1)).max(1)
    }

    pub fn new(size: usize, quick: bool) -> Self {
        let (ae_images, clf_images, epoch_images) = if quick { (256, 256, 64) } else { (PHOTO_AE_IMAGES, PHOTO_CLF_IMAGES, EPOCH_IMAGES) };
        let mut recipe = Recipe::photos();
        if quick {
            // Tiny folders (10 photos a class) still leave eq. 6′ two validation photos to scale by.
            recipe.val_fraction = 0.3;
        }
        Self { size, config: DetectorConfig::photos(size), recipe, ae_images, clf_images, epoch_images, clf_fraction: CLF_FRACTION }
    }
}

/// How many of `n` training photos only C learns from, for a share `fraction`: none at 0,
/// otherwise at least one, and never all (A keeps at least one).
pub fn classifier_count(n: usize, fraction: f64) -> usize {
    if fraction > 0.0 && n >= 2 { ((n as f64 * fraction).round() as usize).clamp(1, n - 1) } else { 0 }
}

/// A per-class seed: the split of a class does not depend on which other classes are drawn.
fn class_seed(seed: u64, class: &str) -> u64 {
    class.bytes().fold(seed ^ 0xCA17_EC40, |h, b| h.wrapping_mul(0x100_0000_01B3).wrapping_add(b as u64))
}

fn gather(folder: &PhotoFolder, class: &str, idx: &[usize], out: &mut Vec<f32>) -> Result<()> {
    let c = folder.class(class)?;
    for &i in idx {
        out.extend_from_slice(folder.image(c, i));
    }
    Ok(())
}

/// Scores `data` (n images) in batches.
fn score(detector: &Detector, data: &[f32], shape: [usize; 3], lambda: f32) -> Result<HostScores> {
    score_batches(detector, data, shape, lambda, 256, &Device::flex(), |_| ())
}

fn quantile(scores: &[f32], q: f64) -> f32 {
    positive_quantile(scores, q).unwrap_or(f32::NEG_INFINITY)
}

/// The photos of one run, flattened `[3, size, size]` images: what its detector learns from and
/// what it is tested on.
pub struct RunPhotos {
    /// A's training photos (each class's training split but C's part).
    pub train: Vec<f32>,
    /// C's training photos: the first part of each class's training split, never shown to A.
    pub clf: Vec<f32>,
    /// Validation positives (early stopping, thresholds, eq. 6′'s scale).
    pub val: Vec<f32>,
    /// The test photos: held-out positives first, then as many clutter photos (50 % outliers).
    pub test: Vec<f32>,
    /// `true` for a positive, one per test photo.
    pub labels: Vec<bool>,
    pub n_train: usize,
    pub n_clf: usize,
    pub n_val: usize,
}

impl RunPhotos {
    /// Splits `classes` with the run's `seed` (per class, so a class splits the same whichever
    /// others are drawn) and draws the test set: every held-out positive and as many clutter
    /// photos (fewer positives when clutter runs short), both drawn with the run's seed.
    pub fn draw(folder: &PhotoFolder, classes: &[String], seed: u64, plan: &PhotoPlan) -> Result<Self> {
        let (mut train, mut clf, mut val, mut test) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut n_train, mut n_clf, mut n_val, mut n_test) = (0, 0, 0, 0);
        for class in classes {
            let c = folder.class(class)?;
            let split = photo_split(c.len(), TEST_FRACTION, plan.recipe.val_fraction, class_seed(seed, class))
                .map_err(|e| Error::Config(format!("class {class}: {e}")))?;
            let mut tr = split.train.clone();
            if let Some(m) = plan.recipe.max_train {
                tr.truncate(m);
            }
            // The first part of the training photos is C's alone (A never sees it), the rest A's.
            let n_c = classifier_count(tr.len(), plan.clf_fraction);
            gather(folder, class, &tr[n_c..], &mut train)?;
            gather(folder, class, &tr[..n_c], &mut clf)?;
            gather(folder, class, &split.val, &mut val)?;
            gather(folder, class, &split.test, &mut test)?;
            (n_train, n_clf, n_val, n_test) = (n_train + tr.len() - n_c, n_clf + n_c, n_val + split.val.len(), n_test + split.test.len());
        }
        let len: usize = plan.config.image_shape().iter().product();
        let clutter = folder.class(CLUTTER)?;
        let mut rng = StdRng::seed_from_u64(seed ^ 0x0u64.wrapping_sub(1));
        let n_each = n_test.min(clutter.len());
        let mut pos_idx: Vec<usize> = (0..n_test).collect();
        pos_idx.shuffle(&mut rng);
        pos_idx.truncate(n_each);
        pos_idx.sort();
        let mut out_idx: Vec<usize> = (0..clutter.len()).collect();
        out_idx.shuffle(&mut rng);
        out_idx.truncate(n_each);
        let mut x = Vec::with_capacity(2 * n_each * len);
        for &i in &pos_idx {
            x.extend_from_slice(&test[i * len..(i + 1) * len]);
        }
        gather(folder, CLUTTER, &out_idx, &mut x)?;
        let labels = (0..2 * n_each).map(|i| i < n_each).collect();
        Ok(Self { train, clf, val, test: x, labels, n_train, n_clf, n_val })
    }
}

/// Trains one detector on `classes` (their train split; validation split for early stopping and
/// the thresholds) and tests it on their test split plus as many clutter photos (50 % outliers).
pub fn train_and_test(
    folder: &PhotoFolder,
    classes: &[String],
    seed: u64,
    plan: &PhotoPlan,
    ckpt: &Checkpointer,
    retrain_classifier: bool,
    bar: &ProgressBar,
) -> Result<RunOutcome> {
    let RunPhotos { train, clf, val, test: x, labels, n_train, n_clf, n_val, .. } = RunPhotos::draw(folder, classes, seed, plan)?;
    let n_each = labels.len() / 2;
    let shape = plan.config.image_shape();
    let (ra, rc) = (plan.epoch_repeats(n_train), plan.epoch_repeats(n_clf));
    let train = train.repeat(ra);
    let clf = clf.repeat(rc);
    // Training draws (initial weights, batches, corruption) follow the run's seed.
    let mut recipe = Recipe { seed, ..plan.recipe.clone() }.with_photo_budget(n_train * ra, plan.ae_images, plan.clf_images);
    if n_clf > 0 {
        recipe.clf_epochs = Recipe::photos().with_photo_budget(n_clf * rc, plan.ae_images, plan.clf_images).clf_epochs;
    }
    let data = TrainData { shape, train: &train, clf_train: (n_clf > 0).then_some(&clf[..]), val: &val };
    let trained = train_detector(&plan.config, &recipe, &data, ckpt, !retrain_classifier, retrain_classifier, bar)?;

    let scored = score(&trained.detector, &x, shape, recipe.lambda)?;
    let crbnd = scored.verdict(trained.calibration.as_ref());
    // Every threshold comes from the validation positives, scored once by training.
    let q = recipe.threshold_quantile;
    let pair = |s: &[f32], t: f32| Pair { auroc: auroc(s, &labels).unwrap_or(f64::NAN), f1: f1_at(s, &labels, t) };
    let result = PhotoResult {
        classes: classes.to_vec(),
        seed,
        n_train,
        n_clf,
        n_val,
        n_test_positives: n_each,
        n_test_outliers: n_each,
        crbnd: pair(&crbnd, trained.threshold),
        classifier_only: Some(pair(&scored.logits, quantile(&trained.val.logits, q))),
        recon_error: pair(&scored.baseline(), quantile(&trained.val.baseline(), q)),
        threshold: trained.threshold,
        training_seconds: trained.state.seconds,
    };
    Ok(RunOutcome { trained, recipe, result })
}

/// The folder's object classes (all but clutter, or those of `only` when given), in name order;
/// an error when clutter, the outliers, or every object class is missing.
pub fn object_classes(folder: &PhotoFolder, only: &[String]) -> Result<Vec<String>> {
    let dir = folder.dir.display().to_string();
    if folder.class(CLUTTER).is_err() {
        return Err(Error::data(&dir, format!("no {CLUTTER:?} folder: the outliers are missing")));
    }
    let objects: Vec<String> =
        folder.classes.iter().map(|c| c.name.clone()).filter(|c| c != CLUTTER && (only.is_empty() || only.contains(c))).collect();
    if objects.is_empty() {
        return Err(Error::Config(format!("no object class to use as the positive class in {dir}")));
    }
    Ok(objects)
}

/// Loads the photo folder and warns about every file that could not be decoded.
pub fn load_folder(dir: &Path, size: usize, only: &[String]) -> Result<PhotoFolder> {
    let spinner = ProgressBar::new_spinner().with_message(format!("decoding photos in {} at {size}×{size}", dir.display()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let folder = PhotoFolder::load(dir, size, only, 2);
    spinner.finish_and_clear();
    let folder = folder?;
    for (file, why) in &folder.skipped {
        eprintln!("warning: skipped {}: {why}", file.display());
    }
    Ok(folder)
}

/// The held-out test photos of a shipped model's classes (the same split as training), for
/// thumbnails and fixtures that the model never saw.
pub fn held_out(folder: &PhotoFolder, class: &str, seed: u64, val_fraction: f64) -> Result<Vec<usize>> {
    let c = folder.class(class)?;
    Ok(photo_split(c.len(), TEST_FRACTION, val_fraction, class_seed(seed, class))?.test)
}
