//! The training recipe: every number that shapes a shipped model, stored in the manifest so a
//! model can be retrained exactly.

use serde::{Deserialize, Serialize};

use crate::augment::{AugmentConfig, SyntheticKind};
use crate::connective::DEFAULT_LAMBDA;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub seed: u64,
    /// Fraction of the training positives held out for early stopping and the threshold.
    pub val_fraction: f64,
    /// Which training positives are held out (models without the key held out a random draw).
    #[serde(default, skip_serializing_if = "HeldOut::is_random")]
    pub held_out: HeldOut,
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
    /// C's own seed (initial weights and batches), when it should differ from `seed`: another
    /// draw of C on the same A and data. Unset, C follows `seed` like everything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clf_seed: Option<u64>,
    /// The threshold accepts all but this fraction of the validation positives. Digits: 3 %,
    /// chosen on MNIST's training file alone (`examples/threshold_rule_dev.rs`: the quantile
    /// with the highest expected paper-protocol F1 over 10–50 % outliers; session 12); the
    /// models before it used 5 %.
    pub threshold_quantile: f64,
    /// Digits: the same for the threshold that judges drawn input (`drawn_threshold`), taken on
    /// the validation positives traced with the page's pen. 5 % (manifests without the key):
    /// a visitor's drawings are about as often another digit as this one, and at 50 % outliers
    /// the training file's table favours 5 %.
    #[serde(default = "five_percent")]
    pub drawn_threshold_quantile: f64,
    /// Digits: share of the training positives (a fixed draw per run) replaced by the same digit
    /// traced with a pen like the page's drawings (`native::redraw`), so that A and C also learn
    /// drawn positives. 0 (the shipped recipe) keeps MNIST's images only.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pen_fraction: f32,
    /// Digits: share of the training positives (a fixed draw per run) that only C learns from,
    /// so that C's connective positives are A's reconstructions of digits A never saw, as at test
    /// time. 0 (the shipped recipe): A and C learn from the same positives. Measured at 0.3 (with
    /// 20 C epochs): the same mean AUROC (0.9775 against 0.9772) and a lower test recall, so not
    /// shipped; photos keep such a share in their own plan, where it mattered.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub clf_fraction: f32,
    pub augment: AugmentConfig,
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

/// Which of a class's training images are held out for early stopping and the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum HeldOut {
    /// A seeded random draw (the recipe). On MNIST it shares writers with the images A and C
    /// learn from, so the threshold's 95 % held on validation but not quite on the test set's
    /// new writers (94.2 %).
    #[default]
    Random,
    /// The last ones in file order (an experiment). MNIST's training file runs writer by writer
    /// (`examples/writer_order.rs`), so its tail holds writers the rest lacks. Measured on four
    /// digits it made the test recall worse, not better (93.2 % against 94.6 %): the tail is a
    /// few dozen writers who write more neatly than most, so the threshold came out higher.
    Tail,
}

impl HeldOut {
    pub fn is_random(&self) -> bool {
        *self == HeldOut::Random
    }
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

impl Default for Recipe {
    /// The shipped MNIST recipe.
    fn default() -> Self {
        Self {
            seed: 7,
            val_fraction: 0.1,
            held_out: HeldOut::Random,
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
            clf_seed: None,
            threshold_quantile: 0.03,
            drawn_threshold_quantile: five_percent(),
            pen_fraction: 0.0,
            clf_fraction: 0.0,
            augment: AugmentConfig::default(),
        }
    }
}

impl Recipe {
    /// The seed of classifier `k` of a detector (its initial weights and batches): `clf_seed` (or
    /// `seed`) for the first, a seed derived from it for each further one.
    pub fn classifier_seed(&self, k: usize) -> u64 {
        let base = self.clf_seed.unwrap_or(self.seed);
        base.wrapping_add((k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// A small recipe for tests and smoke runs: a subset and few epochs.
    pub fn quick() -> Self {
        Self { max_train: Some(1024), ae_epochs: 4, clf_epochs: 3, ..Self::default() }
    }
}

/// Photos: images seen per phase, whatever the size of the training set (a class has 50 to 500
/// training photos), so every detector costs about the same time.
pub const PHOTO_AE_IMAGES: usize = 18_000;
pub const PHOTO_CLF_IMAGES: usize = 12_000;

impl Recipe {
    /// The photo recipe (Caltech). Epochs are set per training set by [`Recipe::with_photo_budget`].
    pub fn photos() -> Self {
        Self {
            seed: 7,
            val_fraction: 0.15,
            // Photos have their own split (`native::caltech`); this field is for digits.
            held_out: HeldOut::Random,
            max_train: None,
            ae_epochs: 0,
            ae_batch: 64,
            ae_lr: 2e-3,
            charbonnier_eps: 1e-3,
            clf_epochs: 0,
            clf_batch: 128,
            clf_lr: 1e-3,
            clf_cosine: false,
            lambda: DEFAULT_LAMBDA,
            clf_seed: None,
            threshold_quantile: 0.05,
            drawn_threshold_quantile: five_percent(),
            pen_fraction: 0.0,
            // Photos keep their share for C in the protocol's plan (`native::caltech`).
            clf_fraction: 0.0,
            augment: AugmentConfig {
                noise_std: 0.1,
                dropout_p: 0.3,
                dropout_grid: 8,
                blur_max_len: 7,
                neg_noise_std: (0.05, 0.2),
                blur_fraction: 0.25,
                warp_fraction: 0.25,
                warp: (30.0, 0.25, 0.2),
                erase_fraction: 0.25,
                erase_p: 0.5,
                synthetic_fraction: 0.4,
                synthetic: SyntheticKind::Shuffle,
                hflip: true,
                clf_views: 0.0,
                swap_fraction: 0.0,
                clf_jitter: None,
                ae_jitter: None,
                ae_views: 0.0,
            },
        }
    }

    /// Epochs so that A sees about `ae_images` and C about `clf_images` positives, at least 4 each.
    pub fn with_photo_budget(mut self, n_train: usize, ae_images: usize, clf_images: usize) -> Self {
        let n = n_train.max(1);
        self.ae_epochs = ae_images.div_ceil(n).max(4);
        self.clf_epochs = clf_images.div_ceil(n).max(4);
        self
    }
}
