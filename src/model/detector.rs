//! The detector f(x) = C(λx + (1−λ)A(x)) (eq. 6): A and one or more C's, and their configuration.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::autoencoder::{Autoencoder, AutoencoderConfig};
use super::calibration::ScoreRule;
use super::classifier::{Classifier, ClassifierConfig};
use super::connective::connect;
use super::neighbours::{Neighbours, NeighboursConfig};

/// Both networks of one detector (one positive class, or a set of positive classes).
///
/// Plain serde rather than `#[derive(Config)]`, whose deserialiser has no per-field defaults:
/// manifests written before `classifiers` existed must still load (as one C).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorConfig {
    pub autoencoder: AutoencoderConfig,
    pub classifier: ClassifierConfig,
    /// How many classifiers of `classifier`'s shape judge the connective image; f(x) is the mean
    /// of their logits. 1 is the paper's detector. Each C is trained alone, with its own seed, on
    /// the same A: one C's verdict depends on its draw of initial weights and batches, and the
    /// mean of a few draws is steadier than any one of them.
    #[serde(default = "one")]
    pub classifiers: usize,
    /// What the verdict is taken on: f(x) (the paper's, and every shipped digit model's) or f(x)
    /// combined with the reconstruction error (eq. 6′; see `calibration`). Configs without the
    /// field read as f(x).
    #[serde(default, skip_serializing_if = "ScoreRule::is_classifier")]
    pub score: ScoreRule,
    /// The nearest training digits on the backbone's early layers (`model::neighbours`), when
    /// the detector carries them: what the digit detectors judge by (`ScoreRule::Neighbours`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<NeighboursConfig>,
}

fn one() -> usize {
    1
}

impl DetectorConfig {
    pub fn new(autoencoder: AutoencoderConfig, classifier: ClassifierConfig) -> Self {
        Self { autoencoder, classifier, classifiers: 1, score: ScoreRule::Classifier, neighbours: None }
    }

    pub fn with_score(mut self, score: ScoreRule) -> Self {
        self.score = score;
        self
    }

    pub fn with_classifiers(mut self, classifiers: usize) -> Self {
        self.classifiers = classifiers;
        self
    }

    /// The digit detector: 1 channel, 28×28.
    pub fn mnist() -> Self {
        Self::new(AutoencoderConfig::new(), ClassifierConfig::new())
    }

    pub fn init(&self, device: &Device) -> Detector {
        Detector {
            autoencoder: self.autoencoder.init(device),
            classifier: self.classifier.init(device),
            extra_classifiers: (1..self.classifiers).map(|_| self.classifier.init(device)).collect(),
            neighbours: self.neighbours.as_ref().map(|n| n.init(device)),
        }
    }

    /// `[channels, size, size]` of the images this detector takes.
    pub fn image_shape(&self) -> [usize; 3] {
        let a = &self.autoencoder;
        [a.channels, a.size, a.size]
    }
}

#[derive(Module, Debug)]
pub struct Detector {
    pub autoencoder: Autoencoder,
    /// The first C (the paper's single classifier).
    pub classifier: Classifier,
    /// C's 2..K when `DetectorConfig::classifiers` > 1 (a separate field, so that files with
    /// one C keep their tensor names).
    pub extra_classifiers: Vec<Classifier>,
    /// The nearest training digits (`DetectorConfig::neighbours`).
    pub neighbours: Option<Neighbours>,
}

/// Everything the detector computes for a batch, so that the page can show *why*.
#[derive(Debug, Clone)]
pub struct Detection {
    /// A(x).
    pub reconstruction: Tensor<4>,
    /// λx + (1 − λ)A(x), the image C judges.
    pub connective: Tensor<4>,
    /// f(x) as a logit, `[batch]`: higher means more like the positive class.
    pub score: Tensor<1>,
    /// Mean squared error between x and A(x), `[batch]`: the plain reconstruction baseline.
    pub recon_error: Tensor<1>,
    /// The nearest training digits' mean similarity, `[batch]`, when the detector has them.
    pub neighbours: Option<Tensor<1>>,
    /// The similarity to each of those references, `[batch, references]` (the page shows the
    /// nearest ones).
    pub similarities: Option<Tensor<2>>,
}

impl Detector {
    /// Eq. 6: f(x) = C(λx + (1 − λ)A(x)).
    pub fn detect(&self, x: Tensor<4>, lambda: f32) -> Detection {
        let [b, c, h, w] = x.dims();
        let reconstruction = self.autoencoder.forward(x.clone());
        let connective = connect(x.clone(), reconstruction.clone(), lambda);
        let score = self.judge(connective.clone());
        let d = x.clone() - reconstruction.clone();
        let recon_error = (d.clone() * d).reshape([b, c * h * w]).mean_dim(1).reshape([b]);
        let (neighbours, similarities) = match &self.neighbours {
            Some(n) => {
                let sims = n.similarities(x);
                (Some(n.score_of(sims.clone())), Some(sims))
            }
            None => (None, None),
        };
        Detection { reconstruction, connective, score, recon_error, neighbours, similarities }
    }

    /// Every batch norm folded into its convolution: the same f(x) to float rounding, with six
    /// element-wise passes fewer per batch norm (`model::fold`). For inference only: a folded
    /// detector is never trained or saved.
    pub fn fold(self) -> Self {
        Self {
            autoencoder: self.autoencoder.fold(),
            classifier: self.classifier.fold(),
            extra_classifiers: self.extra_classifiers.into_iter().map(Classifier::fold).collect(),
            neighbours: self.neighbours.map(Neighbours::fold),
        }
    }

    /// Every C.
    pub fn classifiers(&self) -> impl Iterator<Item = &Classifier> {
        std::iter::once(&self.classifier).chain(&self.extra_classifiers)
    }

    /// The logit f(x) for connective images `[batch, c, h, w]` → `[batch]`: the mean of every C's logit.
    pub fn judge(&self, connective: Tensor<4>) -> Tensor<1> {
        let b = connective.dims()[0];
        let k = self.classifiers().count();
        let sum = self
            .classifiers()
            .map(|c| c.forward(connective.clone()))
            .reduce(|a, l| a + l)
            .expect("at least one classifier");
        (sum / k as f32).reshape([b])
    }
}
