//! The verdict's score. The paper judges by f(x) alone (eq. 6). The photo detectors judge by a
//! *combined* score (eq. 6′ here): f(x) and the reconstruction error, each put on the scale of the
//! validation positives (mean 0, standard deviation 1) and averaged, the error with its sign turned
//! so that higher still means "more like the positive class".
//!
//! Why: on photos, C's logit and A's error disagree about different test images (their
//! correlation on the Caltech test sets is 0.0–0.7), and their standardised mean beat both alone in
//! AUROC in all 15 protocol runs (docs/method.md, departures: "The combined score"). The scale comes from validation
//! positives only, like the threshold: no outlier, and no test image, ever sets it.

use serde::{Deserialize, Serialize};

/// Which score a detector's verdict is taken on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreRule {
    /// f(x), the mean logit of the C's (eq. 6): the paper's detector, and the digits'.
    #[default]
    Classifier,
    /// Eq. 6′: ½·z(f(x)) − ½·z(reconstruction error), z on the validation positives.
    Combined,
    /// The nearest training digits on the backbone's early layers (`model::neighbours`): the
    /// digit detectors' verdict since issue 29, f(x) and A kept beside it.
    Neighbours,
}

impl ScoreRule {
    pub fn is_classifier(&self) -> bool {
        *self == ScoreRule::Classifier
    }

    /// For threshold rules and tables.
    pub fn describe(&self) -> &'static str {
        match self {
            ScoreRule::Classifier => "f(x)",
            ScoreRule::Combined => "the combined score (f(x) and the reconstruction error, eq. 6′)",
            ScoreRule::Neighbours => "the nearest training digits' similarity",
        }
    }
}

/// Where the validation positives put f(x) and the reconstruction error: what eq. 6′ divides by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub logit_mean: f32,
    pub logit_std: f32,
    pub error_mean: f32,
    pub error_std: f32,
}

/// Below this a spread is treated as this (a constant score would otherwise divide by zero).
const MIN_STD: f64 = 1e-6;

fn mean_std(values: &[f32]) -> Option<(f32, f32)> {
    let v: Vec<f64> = values.iter().filter(|x| x.is_finite()).map(|&x| x as f64).collect();
    // One value has no spread to measure.
    if v.len() < 2 {
        return None;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / v.len() as f64;
    Some((mean as f32, var.sqrt().max(MIN_STD) as f32))
}

impl Calibration {
    /// From f(x) and the reconstruction errors of the validation positives (non-finite values
    /// are ignored; `None` when fewer than two finite values are left).
    pub fn fit(logits: &[f32], errors: &[f32]) -> Option<Self> {
        let (logit_mean, logit_std) = mean_std(logits)?;
        let (error_mean, error_std) = mean_std(errors)?;
        Some(Self { logit_mean, logit_std, error_mean, error_std })
    }

    /// The two parts of eq. 6′ for one image: C's (z of f(x)) and A's (z of the error, negated),
    /// each 0 for a typical validation positive and negative for a less typical image.
    pub fn parts(&self, logit: f32, error: f32) -> (f32, f32) {
        ((logit - self.logit_mean) / self.logit_std, -(error - self.error_mean) / self.error_std)
    }

    /// Eq. 6′ for one image, the mean of its two parts: higher means more like the positive class.
    pub fn combine(&self, logit: f32, error: f32) -> f32 {
        let (c, a) = self.parts(logit, error);
        0.5 * c + 0.5 * a
    }
}

/// The scores verdicts are taken on: f(x) itself without a calibration, eq. 6′ with one.
pub fn verdict_scores(calibration: Option<&Calibration>, logits: &[f32], errors: &[f32]) -> Vec<f32> {
    match calibration {
        None => logits.to_vec(),
        Some(c) => logits.iter().zip(errors).map(|(&l, &e)| c.combine(l, e)).collect(),
    }
}

/// The threshold rule: the threshold that accepts a fraction `1 − q` of the validation positives: their
/// q-quantile (nearest rank). Uses positives only, never test data or real outliers.
pub fn positive_quantile(scores: &[f32], q: f64) -> Option<f32> {
    let mut s: Vec<f32> = scores.iter().copied().filter(|v| v.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f32::total_cmp);
    let idx = ((q.clamp(0.0, 1.0) * s.len() as f64).floor() as usize).min(s.len() - 1);
    Some(s[idx])
}
