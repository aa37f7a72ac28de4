//! The nearest training digits, seen through the frozen ImageNet backbone's early layers: what a
//! digit detector's verdict is taken on (issue 29). A digit, enlarged to 32 px, goes through
//! EfficientNet-Lite0 up to block 4 (40 channels on a 4×4 grid: strokes and their layout); the
//! score is the mean cosine similarity of that map to its 2 nearest rows of the detector's
//! gallery. The gallery is 128 centres (k-means) of the training digits' maps and of the same
//! digits traced with the page's pen (`train::neighbours`), so that a drawing finds drawings.
//!
//! Why not C: no C reading the connective image, pixels or backbone features, ranks digits as
//! well as these neighbours (docs/experiments.md, issue 29): C learns positives against damaged
//! positives, and another digit is never among its negatives. A is kept: the page shows x, A(x),
//! the connective image and the error, and the tables keep CRBND's f(x) beside the neighbours.

use burn::module::Param;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::backbone::{DIGIT_BLOCK, DIGIT_SIDE, EarlyBackbone};
use super::photo_detector::unit_rows;

/// The neighbours' shape, stored in the manifest with the detector's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeighboursConfig {
    /// The backbone's last block read (0-based).
    pub block: usize,
    /// The side a digit is enlarged to before the backbone reads it.
    pub side: usize,
    /// Rows of the gallery.
    pub gallery: usize,
    /// How many nearest rows the score averages.
    pub neighbours: usize,
}

impl Default for NeighboursConfig {
    fn default() -> Self {
        Self { block: DIGIT_BLOCK, side: DIGIT_SIDE, gallery: 128, neighbours: 2 }
    }
}

impl NeighboursConfig {
    /// The architecture with an empty gallery (loading fills in the weights).
    pub fn init(&self, device: &Device) -> Neighbours {
        let early = EarlyBackbone::new(self.block, device);
        let side = self.map_side();
        let features = early.channels() * side * side;
        Neighbours {
            early,
            gallery: Param::from_tensor(Tensor::zeros([self.gallery.max(1), features], device)),
            side: self.side,
            neighbours: self.neighbours,
        }
    }

    /// Side of the backbone's map for a `side`-pixel input: the stem halves it, and every stage
    /// up to `block` that strides halves it again (padding k/2, so each halving rounds up).
    pub fn map_side(&self) -> usize {
        let mut s = self.side.div_ceil(2);
        let mut b = 0;
        for &(_, stride, _, _, repeats) in &super::backbone::STAGES {
            for r in 0..repeats {
                if b > self.block {
                    return s;
                }
                if r == 0 && stride == 2 {
                    s = s.div_ceil(2);
                }
                b += 1;
            }
        }
        s
    }
}

/// The early layers and the gallery they are compared with.
#[derive(Module, Debug)]
pub struct Neighbours {
    pub early: EarlyBackbone,
    /// `[gallery, features]`, unit rows.
    pub gallery: Param<Tensor<2>>,
    side: usize,
    neighbours: usize,
}

impl Neighbours {
    /// A gallery of unit rows `[k, features]` on `early`.
    pub fn new(early: EarlyBackbone, gallery: Tensor<2>, config: &NeighboursConfig) -> Self {
        Self { early, gallery: Param::from_tensor(gallery), side: config.side, neighbours: config.neighbours }
    }

    /// Unit feature rows `[n, features]` of grey digits `[n, 1, 28, 28]` in [0, 1] (1 = ink).
    pub fn features(&self, x: Tensor<4>) -> Tensor<2> {
        unit_rows(self.early.read_grey(x, self.side))
    }

    /// Cosine similarity of each digit to each gallery row, `[n, gallery]`.
    pub fn similarities(&self, x: Tensor<4>) -> Tensor<2> {
        self.features(x).matmul(self.gallery.val().transpose())
    }

    /// The score of each row of `similarities`: the mean of its nearest gallery rows, `[n]`
    /// (1: the same map as a gallery row; higher = more like the positives).
    pub fn score_of(&self, similarities: Tensor<2>) -> Tensor<1> {
        let [n, k] = similarities.dims();
        let m = self.neighbours.clamp(1, k);
        similarities.topk(m, 1).mean_dim(1).reshape([n])
    }

    /// The score of each digit (`score_of` its `similarities`).
    pub fn scores(&self, x: Tensor<4>) -> Tensor<1> {
        self.score_of(self.similarities(x))
    }

    /// The batch norms folded into the convolutions (inference only).
    pub fn fold(self) -> Self {
        Self { early: self.early.fold(), ..self }
    }

    /// Rows of the gallery.
    pub fn gallery_len(&self) -> usize {
        self.gallery.val().dims()[0]
    }
}
