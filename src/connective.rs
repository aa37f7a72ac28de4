//! The connective samples (eqs. 4, 5) and the detector f(x) = C(λx + (1−λ)A(x)) (eq. 6).

use burn::prelude::*;

use crate::autoencoder::{Autoencoder, AutoencoderConfig};
use crate::classifier::{Classifier, ClassifierConfig};

/// λ of the paper: the weight of the input in a connective sample.
pub const DEFAULT_LAMBDA: f32 = 0.5;

/// Eqs. 4 and 5: λ·x + (1 − λ)·y, where y is A(x) (a positive) or d(A(x)) (a negative).
pub fn connect(x: Tensor<4>, y: Tensor<4>, lambda: f32) -> Tensor<4> {
    x * lambda + y * (1.0 - lambda)
}

/// Both networks of one detector (one positive class, or a set of positive classes).
#[derive(Config, Debug, PartialEq)]
pub struct DetectorConfig {
    pub autoencoder: AutoencoderConfig,
    pub classifier: ClassifierConfig,
}

impl DetectorConfig {
    /// The digit detector: 1 channel, 28×28.
    pub fn mnist() -> Self {
        Self::new(AutoencoderConfig::new(), ClassifierConfig::new())
    }

    /// The photo detector: RGB, `size × size`, wider networks and a wider bottleneck than for
    /// digits (a photo carries far more than a stroke).
    pub fn photos(size: usize) -> Self {
        Self::new(
            AutoencoderConfig::new().with_channels(3).with_size(size).with_widths([16, 32, 64]).with_latent(64),
            ClassifierConfig::new().with_channels(3).with_size(size).with_widths([16, 32, 64]),
        )
    }

    pub fn init(&self, device: &Device) -> Detector {
        Detector {
            autoencoder: self.autoencoder.init(device),
            classifier: self.classifier.init(device),
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
    pub classifier: Classifier,
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
}

impl Detector {
    /// Eq. 6: f(x) = C(λx + (1 − λ)A(x)).
    pub fn detect(&self, x: Tensor<4>, lambda: f32) -> Detection {
        let [b, c, h, w] = x.dims();
        let reconstruction = self.autoencoder.forward(x.clone());
        let connective = connect(x.clone(), reconstruction.clone(), lambda);
        let score = self.classifier.forward(connective.clone()).reshape([b]);
        let d = x - reconstruction.clone();
        let recon_error = (d.clone() * d).reshape([b, c * h * w]).mean_dim(1).reshape([b]);
        Detection { reconstruction, connective, score, recon_error }
    }
}
