//! The photo detector: CRBND on the frozen backbone's features (issue 25).
//!
//! φ is the backbone's feature vector: its last map (`EfficientNetLite0::forward_map`: 1280
//! channels, 6×6 for the shipped 192 px photo, 7×7 at 224 px) pooled over space and brought to unit length (`normalise`).
//! A is a denoising bottleneck autoencoder on φ; C judges the connective sample λφ + (1−λ)A(φ)
//! (eq. 4), so f(φ) = C(λφ + (1−λ)A(φ)) (eq. 6). The same A applied to each position's features
//! gives a map of where the photo is unlike the class: the page's heat map. The module also
//! carries its `gallery`: the unit-length features of its training photos, for the
//! nearest-neighbour score (the baseline it is compared with) and the page's "nearest training
//! photos".
//!
//! Which layer, pooled or spatial A, and why: docs/experiments.md ("Photos on the backbone").

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use super::backbone::FEATURES;

/// The photo detector's networks and inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoDetectorConfig {
    /// Side of the square photo given to the backbone, in pixels.
    pub side: usize,
    /// Channels of φ (the backbone's head: 1280).
    pub features: usize,
    /// A: features → hidden → bottleneck → hidden → features, at every position.
    pub hidden: usize,
    pub bottleneck: usize,
    /// C: pooled connective features → clf_hidden → 1 logit.
    pub clf_hidden: usize,
    /// Training photos kept in the gallery (all of them, up to this many).
    pub gallery: usize,
    /// Neighbours averaged by the nearest-neighbour score.
    pub neighbours: usize,
}

impl Default for PhotoDetectorConfig {
    fn default() -> Self {
        Self { side: 192, features: FEATURES, hidden: 256, bottleneck: 32, clf_hidden: 64, gallery: 1024, neighbours: 2 }
    }
}

/// A: a bottleneck MLP on feature vectors (no skip from input to output: what A has not learned
/// to rebuild, it cannot copy).
#[derive(Module, Debug)]
pub struct FeatureAutoencoder {
    enc: Linear,
    to_code: Linear,
    from_code: Linear,
    dec: Linear,
}

impl FeatureAutoencoder {
    /// `[m, features]` → `[m, features]`, non-negative like φ.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let h = relu(self.enc.forward(x));
        let z = self.to_code.forward(h);
        let h = relu(self.from_code.forward(z));
        relu(self.dec.forward(h))
    }

}

/// C on pooled connective features.
#[derive(Module, Debug)]
pub struct FeatureClassifier {
    fc: Linear,
    out: Linear,
}

impl FeatureClassifier {
    /// `[n, features]` → logits `[n, 1]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.out.forward(relu(self.fc.forward(x)))
    }
}

#[derive(Module, Debug)]
pub struct PhotoDetector {
    pub autoencoder: FeatureAutoencoder,
    pub classifier: FeatureClassifier,
    /// `[k, features]`, unit rows: the pooled features of the training photos.
    pub gallery: Param<Tensor<2>>,
}

impl PhotoDetectorConfig {
    pub fn init_autoencoder(&self, device: &Device) -> FeatureAutoencoder {
        FeatureAutoencoder {
            enc: LinearConfig::new(self.features, self.hidden).init(device),
            to_code: LinearConfig::new(self.hidden, self.bottleneck).init(device),
            from_code: LinearConfig::new(self.bottleneck, self.hidden).init(device),
            dec: LinearConfig::new(self.hidden, self.features).init(device),
        }
    }

    pub fn init_classifier(&self, device: &Device) -> FeatureClassifier {
        FeatureClassifier {
            fc: LinearConfig::new(self.features, self.clf_hidden).init(device),
            out: LinearConfig::new(self.clf_hidden, 1).init(device),
        }
    }

    /// The architecture with a gallery of `k` rows (loading fills in the weights).
    pub fn init(&self, k: usize, device: &Device) -> PhotoDetector {
        PhotoDetector {
            autoencoder: self.init_autoencoder(device),
            classifier: self.init_classifier(device),
            gallery: Param::from_tensor(Tensor::zeros([k.max(1), self.features], device)),
        }
    }
}

/// Mean over space: `[n, c, h, w]` → `[n, c]`.
pub fn pool(map: Tensor<4>) -> Tensor<2> {
    let [n, c, _, _] = map.dims();
    map.mean_dims(&[2, 3]).reshape([n, c])
}

/// A's input: a feature vector at unit length, times √c so that its numbers are about 1 each.
/// At unit length the backbone's classes separate by angle (cosine similarity), the geometry the
/// nearest-neighbour baseline uses; A and C on raw pooled features did worse (docs/experiments.md).
pub fn normalise(x: Tensor<2>) -> Tensor<2> {
    let c = x.dims()[1];
    unit_rows(x) * (c as f32).sqrt()
}

/// Rows scaled to unit length (cosine similarity is then a dot product).
pub fn unit_rows(x: Tensor<2>) -> Tensor<2> {
    let norm = (x.clone() * x.clone()).sum_dim(1).sqrt() + 1e-6;
    x / norm
}

/// What the detector says about `n` photos.
pub struct PhotoDetection {
    /// f(φ), eq. 6: `[n]`, high = like the positives.
    pub logits: Tensor<1>,
    /// A's mean squared error on each position's features: `[n, h, w]` (the heat map).
    pub error_map: Tensor<3>,
    /// A's mean squared error on φ: `[n]`, the reconstruction-error score (lower = like the positives).
    pub errors: Tensor<1>,
    /// Cosine similarity to each gallery photo: `[n, k]`.
    pub similarities: Tensor<2>,
}

impl PhotoDetector {
    /// The detector on backbone maps `[n, c, h, w]` (eq. 6 and the two baselines' scores).
    pub fn detect(&self, map: Tensor<4>, lambda: f32) -> PhotoDetection {
        let [n, c, h, w] = map.dims();
        let (logits, errors, similarities) = self.scores(map.clone(), lambda);
        // The heat map: A's error on each position's features, normalised the same way (A at
        // every position: most of the detector's work, so only where it is shown).
        let rows = normalise(map.permute([0, 2, 3, 1]).reshape([n * h * w, c]));
        let d = self.autoencoder.forward(rows.clone()) - rows;
        let error_map = (d.clone() * d).mean_dim(1).reshape([n, h, w]);
        PhotoDetection { logits, error_map, errors, similarities }
    }

    /// `detect` without the heat map: f(φ) `[n]`, A's error `[n]` and the gallery similarities
    /// `[n, k]`, what scores, thresholds and tables need.
    pub fn scores(&self, map: Tensor<4>, lambda: f32) -> (Tensor<1>, Tensor<1>, Tensor<2>) {
        let n = map.dims()[0];
        let pooled = pool(map);
        let x = normalise(pooled.clone());
        let rebuilt = self.autoencoder.forward(x.clone());
        let d = rebuilt.clone() - x.clone();
        let errors = (d.clone() * d).mean_dim(1).reshape([n]);
        let logits = self.classifier.forward(x * lambda + rebuilt * (1.0 - lambda)).reshape([n]);
        let similarities = unit_rows(pooled).matmul(self.gallery.val().transpose());
        (logits, errors, similarities)
    }
}

/// The nearest-neighbour score of each row of `similarities` (`n × k`, row-major): the mean of
/// its `neighbours` largest values.
pub fn neighbour_scores(similarities: &[f32], k: usize, neighbours: usize) -> Vec<f32> {
    similarities
        .chunks(k.max(1))
        .map(|row| {
            let mut r = row.to_vec();
            r.sort_by(|a, b| b.total_cmp(a));
            let m = neighbours.clamp(1, r.len());
            r[..m].iter().sum::<f32>() / m as f32
        })
        .collect()
}

/// The indices of the `m` largest values of `row`, largest first.
pub fn nearest(row: &[f32], m: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..row.len()).collect();
    idx.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
    idx.truncate(m);
    idx
}

/// Which score a photo detector's verdict is taken on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoScore {
    /// Eq. 6′: ½·z(f(φ)) − ½·z(A's error), z on the validation positives.
    #[default]
    Combined,
    /// f(φ) alone, the paper's eq. 6.
    Classifier,
    /// Mean cosine similarity to the nearest training photos (the baseline).
    Neighbours,
}

/// The scores of `n` photos, on the host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhotoScores {
    pub logits: Vec<f32>,
    pub errors: Vec<f32>,
    pub neighbours: Vec<f32>,
}

impl PhotoScores {
    pub fn extend(&mut self, other: PhotoScores) {
        self.logits.extend(other.logits);
        self.errors.extend(other.errors);
        self.neighbours.extend(other.neighbours);
    }

    /// The verdict scores by `rule` (higher = more like the positives).
    pub fn by(&self, rule: PhotoScore, calibration: Option<&super::calibration::Calibration>) -> Vec<f32> {
        match rule {
            PhotoScore::Combined => super::calibration::verdict_scores(calibration, &self.logits, &self.errors),
            PhotoScore::Classifier => self.logits.clone(),
            PhotoScore::Neighbours => self.neighbours.clone(),
        }
    }

    /// The reconstruction-error baseline's scores (negated: higher = more like the positives).
    pub fn recon(&self) -> Vec<f32> {
        self.errors.iter().map(|e| -e).collect()
    }
}

fn host(t: TensorData) -> crate::error::Result<Vec<f32>> {
    t.convert::<f32>().try_into_vec::<f32>().map_err(|e| crate::error::Error::Input(format!("cannot read tensor: {e:?}")))
}

impl PhotoDetector {
    /// Rows of the gallery (training photos).
    pub fn gallery_len(&self) -> usize {
        self.gallery.val().dims()[0]
    }

    /// Each gallery photo's nearest-neighbour score against the rest of the gallery (itself left
    /// out): how a new photo of the class would score, from the training photos alone.
    pub fn leave_one_out(&self, neighbours: usize) -> crate::error::Result<Vec<f32>> {
        let g = self.gallery.val();
        let k = g.dims()[0];
        if k < 2 {
            return Ok(Vec::new());
        }
        let mut sims = host(g.clone().matmul(g.transpose()).into_data())?;
        for i in 0..k {
            sims[i * k + i] = f32::NEG_INFINITY;
        }
        Ok(neighbour_scores(&sims, k, neighbours.min(k - 1)))
    }

    /// Cosine similarity of the first map of `maps` to each gallery photo.
    pub fn similarities(&self, maps: &[f32], shape: [usize; 3], device: &Device) -> crate::error::Result<Vec<f32>> {
        let x = Tensor::<4>::from_data(TensorData::new(maps[..shape.iter().product::<usize>()].to_vec(), [1, shape[0], shape[1], shape[2]]), device);
        host(unit_rows(pool(x)).matmul(self.gallery.val().transpose()).into_data())
    }

    /// All three scores of `n` maps (`[c, h, w]` each, flattened), in batches of 64.
    pub fn score_maps(&self, maps: &[f32], shape: [usize; 3], lambda: f32, config: &PhotoDetectorConfig, device: &Device) -> crate::error::Result<PhotoScores> {
        let len: usize = shape.iter().product();
        let n = maps.len() / len.max(1);
        let k = self.gallery_len();
        let mut out = PhotoScores::default();
        for start in (0..n).step_by(64) {
            let end = (start + 64).min(n);
            let x = Tensor::<4>::from_data(TensorData::new(maps[start * len..end * len].to_vec(), [end - start, shape[0], shape[1], shape[2]]), device);
            let (logits, errors, similarities) = self.scores(x, lambda);
            out.extend(PhotoScores {
                logits: host(logits.into_data())?,
                errors: host(errors.into_data())?,
                neighbours: neighbour_scores(&host(similarities.into_data())?, k, config.neighbours),
            });
        }
        Ok(out)
    }
}
