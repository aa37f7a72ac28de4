//! The training recipe: every number that shapes a shipped model, stored in the manifest so a
//! model can be retrained exactly.

use serde::{Deserialize, Serialize};

use crate::data::augment::AugmentConfig;
use crate::model::connective::DEFAULT_LAMBDA;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub seed: u64,
    /// Fraction of the training positives held out for early stopping and the threshold.
    pub val_fraction: f64,
    /// Use at most this many training positives (`None`: all of them).
    pub max_train: Option<usize>,
    pub ae_epochs: usize,
    pub ae_batch: usize,
    pub ae_lr: f64,
    /// ε of the Charbonnier loss (eq. 3).
    pub charbonnier_eps: f32,
    pub clf_epochs: usize,
    /// Samples per classifier batch: half connective positives, half connective negatives.
    pub clf_batch: usize,
    pub clf_lr: f64,
    /// Anneal C's learning rate along a cosine from `clf_lr` to 2 % of it over all of C's steps
    /// (burn's `CosineAnnealingLrScheduler`). At a constant rate C's validation loss jumped by up
    /// to 50 % between epochs, and which epoch happened to be best decided the detector.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clf_cosine: bool,
    pub lambda: f32,
    /// The threshold accepts all but this fraction of the validation positives. Digits: 3 %,
    /// chosen on MNIST's training file alone (the quantile with the highest expected
    /// paper-protocol F1 over 10–50 % outliers; see docs/experiments.md); the models before it
    /// used 5 %.
    pub threshold_quantile: f64,
    /// Digits: the same for the threshold that judges drawn input (`drawn_threshold`), taken on
    /// the validation positives traced with the page's pen. 5 % (manifests without the key):
    /// a visitor's drawings are about as often another digit as this one, and at 50 % outliers
    /// the training file's table favours 5 %.
    #[serde(default = "five_percent")]
    pub drawn_threshold_quantile: f64,
    pub augment: AugmentConfig,
    /// A detector taught in the page (`train::teach`): how the drawings became a training set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teach: Option<TeachRecipe>,
}

/// What turns a visitor's drawings into a training set; stored in the recipe (`Recipe::teach`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeachRecipe {
    /// The training drawings become about this many images: each drawing and jittered copies of
    /// it (as many copies for each), so that 10 drawings train as long as 40. The held-out
    /// drawings get as many copies each, for a threshold on more than a handful of scores.
    pub images: usize,
    /// Largest rotation (degrees), scale change (fraction) and shift (fraction of the side) of
    /// a copy (`augment::affine_warp`).
    pub jitter: (f32, f32, f32),
    /// The time budget's share for A; C gets the rest.
    pub ae_share: f64,
}

impl Default for TeachRecipe {
    fn default() -> Self {
        Self { images: 192, jitter: (12.0, 0.12, 0.08), ae_share: 0.6 }
    }
}



fn five_percent() -> f64 {
    0.05
}

/// How a manifest names a threshold rule's quantile: "3rd percentile", "5th percentile",
/// "2.5th percentile".
pub fn percentile_words(q: f64) -> String {
    let p = q * 100.0;
    if (p - p.round()).abs() > 1e-9 {
        return format!("{p}th percentile");
    }
    let p = p.round() as u64;
    let suffix = match (p % 10, p % 100) {
        (1, n) if n != 11 => "st",
        (2, n) if n != 12 => "nd",
        (3, n) if n != 13 => "rd",
        _ => "th",
    };
    format!("{p}{suffix} percentile")
}

impl Default for Recipe {
    /// The shipped MNIST recipe.
    fn default() -> Self {
        Self {
            seed: 7,
            val_fraction: 0.1,
            max_train: None,
            ae_epochs: 15,
            ae_batch: 128,
            ae_lr: 2e-3,
            charbonnier_eps: 1e-3,
            clf_epochs: 6,
            clf_batch: 128,
            clf_lr: 1e-3,
            clf_cosine: true,
            lambda: DEFAULT_LAMBDA,
            threshold_quantile: 0.03,
            drawn_threshold_quantile: five_percent(),
            augment: AugmentConfig::default(),
            teach: None,
        }
    }
}

impl Recipe {
    /// The seed of classifier `k` of a detector (its initial weights and batches): `seed` for
    /// the first, a seed derived from it for each further one.
    pub fn classifier_seed(&self, k: usize) -> u64 {
        self.seed.wrapping_add((k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// A small recipe for tests and smoke runs: a subset and few epochs.
    pub fn quick() -> Self {
        Self { max_train: Some(1024), ae_epochs: 4, clf_epochs: 3, ..Self::default() }
    }
}

/// The recipe of a photo detector on backbone features (`model::photo_detector`), stored in its
/// manifest entry. Steps rather than epochs: a class has 50 to 560 training photos, and every
/// detector gets the same amount of training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoRecipe {
    pub seed: u64,
    /// Share of each class's training photos held out for calibration and the threshold.
    pub val_fraction: f64,
    /// Share of the rest that only C learns from (A never sees them: C then learns from
    /// reconstructions as imperfect as those of new positives).
    pub clf_fraction: f64,
    pub lambda: f32,
    /// A: steps of `ae_batch` feature vectors, Adam at `ae_lr`, eq. 3's ε.
    pub ae_steps: usize,
    pub ae_batch: usize,
    pub ae_lr: f64,
    pub charbonnier_eps: f32,
    /// Eq. 1 on features: Gaussian noise of this σ, relative to φ's standard deviation.
    pub noise_std: f32,
    /// Eq. 2 on features: this share of channels zeroed (coarse dropout).
    pub dropout_p: f32,
    /// C: steps of `clf_batch` connective samples (half positives), Adam at `clf_lr`.
    pub clf_steps: usize,
    pub clf_batch: usize,
    pub clf_lr: f64,
    /// d of eq. 5 as noise: σ drawn in this range, relative to the pooled features' spread.
    pub negative_noise: [f32; 2],
    /// Synthetic outliers: the weight of the channel-shuffled features in the mix, drawn in this range.
    pub synthetic_mix: [f32; 2],
    /// The threshold accepts all but this share of the validation positives.
    pub threshold_quantile: f64,
    /// The nearest-neighbour score's threshold accepts all but this share of the validation
    /// positives *and* of the training photos, each scored against the others (leave one out):
    /// hundreds of scores instead of tens, so a low quantile is estimable. `None`: as the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbour_quantile: Option<f64>,
}

impl PhotoRecipe {
    /// The threshold on a score, from the validation positives' scores alone.
    pub fn threshold(&self, val_scores: &[f32]) -> f32 {
        crate::model::calibration::positive_quantile(val_scores, self.threshold_quantile).unwrap_or(f32::NEG_INFINITY)
    }

    /// The nearest-neighbour score's threshold, from the validation positives' scores and the
    /// training photos' leave-one-out scores (`neighbour_quantile`; without it, as `threshold`).
    pub fn neighbour_threshold(&self, val_scores: &[f32], loo_scores: &[f32]) -> f32 {
        match self.neighbour_quantile {
            Some(q) => {
                let pool: Vec<f32> = val_scores.iter().chain(loo_scores).copied().collect();
                crate::model::calibration::positive_quantile(&pool, q).unwrap_or(f32::NEG_INFINITY)
            }
            None => self.threshold(val_scores),
        }
    }
}

impl Default for PhotoRecipe {
    fn default() -> Self {
        Self {
            seed: 7,
            val_fraction: 0.2,
            clf_fraction: 0.35,
            lambda: DEFAULT_LAMBDA,
            ae_steps: 600,
            ae_batch: 256,
            ae_lr: 1e-3,
            charbonnier_eps: 1e-3,
            noise_std: 0.5,
            dropout_p: 0.25,
            clf_steps: 400,
            clf_batch: 128,
            clf_lr: 1e-3,
            negative_noise: [0.05, 0.5],
            synthetic_mix: [0.2, 0.8],
            threshold_quantile: 0.05,
            neighbour_quantile: Some(0.01),
        }
    }
}
