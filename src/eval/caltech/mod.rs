//! Photos: the paper's Caltech experiment (n ∈ {1, 3, 5} random object classes as positives,
//! clutter as outliers, 50 % outliers at test time, R seeded repetitions) and the shipped photo
//! detectors, on the frozen ImageNet backbone (`model::photo_detector`). Each run reports CRBND
//! beside two baselines on the same backbone and photos: the nearest training photos' cosine
//! similarity and A's reconstruction error.
//!
//! Caltech-256 cannot be had here; the data is a Caltech-101 subset whose BACKGROUND_Google class
//! plays the part of Caltech-256's clutter (see the data folder's README).
//!
//! Here: one run (train a detector on some classes, test it against clutter). The protocol's
//! repetitions live in `protocol`, its table and plot in `report`; the shipped photo models are
//! runs too (`train::ship`), so their held-out numbers are measured the same way.

mod protocol;
mod report;

pub use crate::train::features::{open_backbone, open_backbone_file};
pub use protocol::{PlannedRun, ProtocolOptions, planned_runs, run_protocol};

use std::path::{Path, PathBuf};

use burn::prelude::*;
use indicatif::ProgressBar;
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};

use crate::data::folders::photo_split;
use crate::error::{Error, Result};
use crate::metrics::{auroc, f1_at};
use crate::model::io::BackboneRef;
use crate::model::photo_detector::{PhotoDetectorConfig, PhotoScore};
use crate::model::recipe::PhotoRecipe;
use crate::train::features::{FeatureExtractor, PhotoFeatures};
use crate::train::photo_detector::{PhotoTrainData, TrainedPhoto, train_photo_detector};

/// The outlier class.
pub const CLUTTER: &str = "clutter";
/// Share of each positive class's photos held out for testing.
pub const TEST_FRACTION: f64 = 0.3;
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

/// What one trained photo detector measured on its held-out test set: each score's AUROC, and
/// its F1 at its own threshold (the recipe's quantile of the validation positives).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PhotoResult {
    pub classes: Vec<String>,
    pub seed: u64,
    /// Training photos of A, and of C alone.
    pub n_train: usize,
    pub n_clf: usize,
    pub n_val: usize,
    pub n_test_positives: usize,
    pub n_test_outliers: usize,
    /// CRBND's verdict: eq. 6′ (f(φ) and A's error, each on the validation positives' scale).
    pub crbnd: Pair,
    /// f(φ) alone, the paper's eq. 6.
    pub classifier_only: Pair,
    /// Baselines on the same backbone: A's reconstruction error, and the mean cosine similarity
    /// to the nearest training photos.
    pub recon_error: Pair,
    pub neighbours: Pair,
    /// CRBND's threshold (eq. 6′).
    pub threshold: f32,
    pub training_seconds: f64,
}

impl PhotoResult {
    /// The measured pair of `rule`.
    pub fn pair(&self, rule: PhotoScore) -> Pair {
        match rule {
            PhotoScore::Combined => self.crbnd,
            PhotoScore::Classifier => self.classifier_only,
            PhotoScore::Neighbours => self.neighbours,
        }
    }
}

/// How photo detectors are made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoPlan {
    pub config: PhotoDetectorConfig,
    pub recipe: PhotoRecipe,
    /// What shipped detectors judge by. The nearest neighbours: on the protocol, CRBND's
    /// classifier adds nothing to the backbone's features and its combined score (eq. 6′) ranks
    /// photos a little worse than the neighbours or A's error alone (docs/experiments.md, "Photos
    /// on the backbone"). Every score is still measured and reported.
    pub score: PhotoScore,
}

impl PhotoPlan {
    pub fn new(quick: bool) -> Self {
        let mut plan = Self { config: PhotoDetectorConfig::default(), recipe: PhotoRecipe::default(), score: PhotoScore::Neighbours };
        if quick {
            // The fixture folder: 10 photos a class at 64 px still leave 2 validation photos.
            plan.config.side = 64;
            plan.recipe.val_fraction = 0.3;
            plan.recipe.ae_steps = 40;
            plan.recipe.clf_steps = 40;
        }
        plan
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

fn gather(features: &PhotoFeatures, class: &str, idx: &[usize], out: &mut Vec<f32>) -> Result<()> {
    let c = features.class(class)?;
    for &i in idx {
        out.extend_from_slice(features.map(c, i));
    }
    Ok(())
}

/// The photos of one run, as backbone maps: what its detector learns from and what it is tested on.
pub struct RunPhotos {
    /// A's training photos (each class's training split but C's part).
    pub train: Vec<f32>,
    /// C's training photos: the first part of each class's training split, never shown to A.
    pub clf: Vec<f32>,
    /// Validation positives (calibration and thresholds).
    pub val: Vec<f32>,
    /// The test photos: held-out positives first, then as many clutter photos (50 % outliers).
    pub test: Vec<f32>,
    /// `true` for a positive, one per test photo.
    pub labels: Vec<bool>,
    /// Where each test photo comes from: (class, index in the class).
    pub test_files: Vec<(String, usize)>,
    /// The same for A's photos followed by C's (the order of the detector's gallery).
    pub train_files: Vec<(String, usize)>,
    pub n_train: usize,
    pub n_clf: usize,
    pub n_val: usize,
}

impl RunPhotos {
    /// Splits `classes` with the run's `seed` (per class, so a class splits the same whichever
    /// others are drawn) and draws the test set: every held-out positive and as many clutter
    /// photos (fewer positives when clutter runs short), both drawn with the run's seed.
    pub fn draw(features: &PhotoFeatures, classes: &[String], seed: u64, recipe: &PhotoRecipe) -> Result<Self> {
        let (mut train, mut clf, mut val, mut test) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut n_train, mut n_clf, mut n_val) = (0, 0, 0);
        let mut test_from = Vec::new();
        let (mut ae_files, mut clf_files) = (Vec::new(), Vec::new());
        for class in classes {
            let c = features.class(class)?;
            let split = photo_split(c.len(), TEST_FRACTION, recipe.val_fraction, class_seed(seed, class))
                .map_err(|e| Error::Config(format!("class {class}: {e}")))?;
            let tr = split.train.clone();
            // The first part of the training photos is C's alone (A never sees it), the rest A's.
            let n_c = classifier_count(tr.len(), recipe.clf_fraction);
            gather(features, class, &tr[n_c..], &mut train)?;
            gather(features, class, &tr[..n_c], &mut clf)?;
            gather(features, class, &split.val, &mut val)?;
            gather(features, class, &split.test, &mut test)?;
            test_from.extend(split.test.iter().map(|&i| (class.clone(), i)));
            ae_files.extend(tr[n_c..].iter().map(|&i| (class.clone(), i)));
            clf_files.extend(tr[..n_c].iter().map(|&i| (class.clone(), i)));
            (n_train, n_clf, n_val) = (n_train + tr.len() - n_c, n_clf + n_c, n_val + split.val.len());
        }
        let len = features.map_len();
        let n_test = test.len() / len;
        let clutter = features.class(CLUTTER)?;
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
        let mut test_files = Vec::with_capacity(2 * n_each);
        for &i in &pos_idx {
            x.extend_from_slice(&test[i * len..(i + 1) * len]);
            test_files.push(test_from[i].clone());
        }
        gather(features, CLUTTER, &out_idx, &mut x)?;
        test_files.extend(out_idx.iter().map(|&i| (CLUTTER.to_string(), i)));
        let labels = (0..2 * n_each).map(|i| i < n_each).collect();
        ae_files.extend(clf_files);
        Ok(Self { train, clf, val, test: x, labels, test_files, train_files: ae_files, n_train, n_clf, n_val })
    }
}

/// What one run produced: the detector and its measured result.
pub struct RunOutcome {
    pub trained: TrainedPhoto,
    /// The gallery's photos: (class, index in the class).
    pub gallery: Vec<(String, usize)>,
    pub result: PhotoResult,
}

/// Trains one detector on `classes` (their train split; the validation split for the calibration
/// and thresholds) and tests it on their test split plus as many clutter photos (50 % outliers).
pub fn train_and_test(features: &PhotoFeatures, classes: &[String], seed: u64, plan: &PhotoPlan, bar: &ProgressBar) -> Result<RunOutcome> {
    let run = RunPhotos::draw(features, classes, seed, &plan.recipe)?;
    let recipe = PhotoRecipe { seed, ..plan.recipe.clone() };
    let data = PhotoTrainData { shape: features.shape, ae: &run.train, clf: &run.clf, val: &run.val };
    let device = Device::flex();
    let trained = train_photo_detector(&plan.config, &recipe, &data, &device, bar)?;
    let scored = trained.detector.score_maps(&run.test, features.shape, recipe.lambda, &plan.config, &device)?;
    let labels = &run.labels;
    let pair = |rule: PhotoScore| {
        let s = scored.by(rule, Some(&trained.calibration));
        Pair { auroc: auroc(&s, labels).unwrap_or(f64::NAN), f1: f1_at(&s, labels, trained.threshold(rule, &recipe)) }
    };
    let recon_threshold = recipe.threshold(&trained.val.recon());
    let recon = scored.recon();
    let n_each = labels.len() / 2;
    let result = PhotoResult {
        classes: classes.to_vec(),
        seed,
        n_train: run.n_train,
        n_clf: run.n_clf,
        n_val: run.n_val,
        n_test_positives: n_each,
        n_test_outliers: n_each,
        crbnd: pair(PhotoScore::Combined),
        classifier_only: pair(PhotoScore::Classifier),
        recon_error: Pair { auroc: auroc(&recon, labels).unwrap_or(f64::NAN), f1: f1_at(&recon, labels, recon_threshold) },
        neighbours: pair(PhotoScore::Neighbours),
        threshold: trained.threshold(PhotoScore::Combined, &recipe),
        training_seconds: trained.seconds,
    };
    let gallery = trained.gallery_rows.iter().map(|&i| run.train_files[i].clone()).collect();
    Ok(RunOutcome { trained, gallery, result })
}

/// The folder's object classes (all but clutter, or those of `only` when given), in name order;
/// an error when clutter, the outliers, or every object class is missing.
pub fn object_classes(features: &PhotoFeatures, only: &[String]) -> Result<Vec<String>> {
    let dir = features.dir.display().to_string();
    if features.class(CLUTTER).is_err() {
        return Err(Error::data(&dir, format!("no {CLUTTER:?} folder: the outliers are missing")));
    }
    let objects: Vec<String> =
        features.classes.iter().map(|c| c.name.clone()).filter(|c| c != CLUTTER && (only.is_empty() || only.contains(c))).collect();
    if objects.is_empty() {
        return Err(Error::Config(format!("no object class to use as the positive class in {dir}")));
    }
    Ok(objects)
}

/// Where the backbone and the feature cache are.
#[derive(Debug, Clone)]
pub struct BackboneFiles {
    /// The converted backbone (`connective backbone`).
    pub backbone: PathBuf,
    /// The feature cache's folder.
    pub cache: PathBuf,
}

/// The backbone maps of the photo folder's classes `only` (all when empty), cached, and the
/// backbone file they come from; warns about every file that could not be decoded.
pub fn load_features(dir: &Path, side: usize, only: &[String], files: &BackboneFiles) -> Result<(PhotoFeatures, BackboneRef)> {
    // The folder first: a wrong --data is named before the backbone is even read.
    crate::data::folders::class_names(dir)?;
    let (backbone, file) = open_backbone_file(&files.backbone)?;
    let extractor = FeatureExtractor { backbone: &backbone, backbone_sha256: &file.sha256, side, cache_dir: &files.cache, device: Device::flex() };
    let features = extractor.folder(dir, only)?;
    for (skipped, why) in &features.skipped {
        eprintln!("warning: skipped {}: {why}", skipped.display());
    }
    Ok((features, file))
}

/// The held-out test photos of a shipped model's class (the same split as training), for
/// thumbnails and fixtures that the model never saw.
pub fn held_out(n: usize, class: &str, seed: u64, val_fraction: f64) -> Result<Vec<usize>> {
    Ok(photo_split(n, TEST_FRACTION, val_fraction, class_seed(seed, class))?.test)
}
