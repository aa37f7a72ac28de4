//! Other novelty detectors on a run's photos (`RunPhotos`), to compare CRBND with on the very same
//! data (examples/caltech_references.rs): nearest neighbours, which need no training, ALOCC
//! (Sabokrou et al., CVPR 2018), the method whose published Caltech-256 numbers the photo issue
//! compares with, re-implemented with CRBND's own networks, and a supervised ceiling: C's network
//! *shown* clutter, which no novelty detector is, to measure how far these photos can be told
//! apart at this size with these networks at all.

use burn::nn::loss::BinaryCrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::TensorData;
use indicatif::ProgressBar;
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use super::PhotoPlan;
use crate::augment::{gaussian_noise, random_hflip};
use crate::autoencoder::Autoencoder;
use crate::classifier::Classifier;
use crate::scoring::batch_tensor;

/// Minus the mean distance of each query to its `k` nearest references (features of `dim`
/// numbers, one after another): higher is more like the references.
pub fn knn_scores(refs: &[f32], queries: &[f32], dim: usize, k: usize) -> Vec<f32> {
    queries
        .chunks(dim)
        .map(|q| {
            let mut d: Vec<f32> = refs.chunks(dim).map(|r| r.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum::<f32>().sqrt()).collect();
            d.sort_by(f32::total_cmp);
            let k = k.min(d.len()).max(1);
            -d[..k].iter().sum::<f32>() / k as f32
        })
        .collect()
}

/// Per photo (`[3, side, side]`, channel-major, values in [0, 1]), the square roots of its
/// normalised `bins`³-bin RGB histogram: Euclidean distance between two of them is √2 times the
/// Hellinger distance of the histograms.
pub fn colour_histograms(photos: &[f32], side: usize, bins: usize) -> Vec<f32> {
    let px = side * side;
    let bin = |v: f32| ((v.clamp(0.0, 1.0) * bins as f32) as usize).min(bins - 1);
    photos
        .chunks(3 * px)
        .flat_map(|p| {
            let mut h = vec![0f32; bins * bins * bins];
            for i in 0..px {
                h[(bin(p[i]) * bins + bin(p[px + i])) * bins + bin(p[2 * px + i])] += 1.0;
            }
            h.into_iter().map(move |c| (c / px as f32).sqrt())
        })
        .collect()
}

/// ALOCC's settings, those of its published code: R's inputs x + N(0, 0.155²), R's loss the
/// adversarial term plus 0.2 × the squared error, Adam with learning rate 0.002 and β₁ 0.5.
pub const ALOCC_NOISE: f32 = 0.155;
pub const ALOCC_RECON_WEIGHT: f32 = 0.2;
pub const ALOCC_LR: f64 = 0.002;
pub const ALOCC_BATCH: usize = 64;
/// One training seed (initial weights, batches, noise) for every run.
pub const ALOCC_SEED: u64 = 1000;

/// Everything an ALOCC detector depends on besides its photos (a saved result counts only for it).
pub fn alocc_key(plan: &PhotoPlan) -> String {
    format!(
        "size {} images {} epoch {} batch {ALOCC_BATCH} lr {ALOCC_LR} beta1 0.5 noise {ALOCC_NOISE} recon weight {ALOCC_RECON_WEIGHT} seed {ALOCC_SEED} flips, last epoch",
        plan.size, plan.ae_images, plan.epoch_images
    )
}

/// A trained ALOCC detector: R (CRBND's reconstructor A) and D (CRBND's classifier C).
pub struct Alocc {
    pub reconstructor: Autoencoder,
    pub discriminator: Classifier,
    pub epochs: usize,
    /// Mean D and R losses of the last epoch (whether the game stayed balanced).
    pub last_losses: (f64, f64),
}

/// ALOCC's scores of some photos, one per photo, higher = more like the training photos.
pub struct AloccScores {
    /// D(R(x)), ALOCC's own score (a logit).
    pub d_of_r: Vec<f32>,
    /// D(x).
    pub d_of_x: Vec<f32>,
    /// −‖x − R(x)‖² (mean over values).
    pub error: Vec<f32>,
}

fn targets(n: usize, value: i64, dev: &Device) -> Tensor<2, Int> {
    Tensor::<2, Int>::from_data(TensorData::new(vec![value; n], [n, 1]), dev)
}

fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().expect("an f32 tensor")
}

/// Trains ALOCC on `train` (flattened photos of the plan's shape) with A's image budget
/// (`plan.ae_images`), batch 64, random left-right flips; keeps the last epoch. Eq. (ALOCC's 4):
/// min_R max_D log D(x) + log(1 − D(R(x̃))) + 0.2 ‖x − R(x̃)‖².
pub fn train_alocc(plan: &PhotoPlan, train: &[f32], bar: &ProgressBar) -> Alocc {
    let shape = plan.config.image_shape();
    let len: usize = shape.iter().product();
    let n = train.len() / len;
    let epochs = plan.ae_images.div_ceil(n.max(1)).max(1);
    let ad = Device::flex().autodiff();
    ad.seed(ALOCC_SEED);
    let mut r: Autoencoder = plan.config.autoencoder.init(&ad);
    let mut d: Classifier = plan.config.classifier.init(&ad);
    let mut opt_r: ModuleOptimizer = AdamConfig::new().with_beta_1(0.5).init();
    let mut opt_d: ModuleOptimizer = AdamConfig::new().with_beta_1(0.5).init();
    let bce = BinaryCrossEntropyLossConfig::new().with_logits(true).init(&ad);
    let steps = n.div_ceil(ALOCC_BATCH);
    bar.set_length((epochs * steps) as u64);
    let mut last = (0.0, 0.0);
    for epoch in 0..epochs {
        let mut rng = StdRng::seed_from_u64(ALOCC_SEED ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        let (mut ld, mut lr) = (0.0, 0.0);
        for idx in order.chunks(ALOCC_BATCH) {
            let b = idx.len();
            let pixels: Vec<f32> = idx.iter().flat_map(|&i| train[i * len..(i + 1) * len].iter().copied()).collect();
            let x = random_hflip(vec![batch_tensor(&pixels, b, shape, &ad)], &mut rng).remove(0);
            let rx = r.forward(gaussian_noise(x.clone(), ALOCC_NOISE, &mut rng));
            // D's step: the training photos are real (1), R's rebuilds fake (0).
            let loss_d = bce.forward(d.forward(x.clone()), targets(b, 1, &ad)) + bce.forward(d.forward(rx.clone().detach()), targets(b, 0, &ad));
            ld += loss_d.clone().detach().into_scalar::<f32>() as f64;
            let grads = GradientsParams::from_grads(loss_d.backward(), &d);
            d = opt_d.step(ALOCC_LR, d, grads);
            // R's step, against the updated D: fool it, and rebuild the clean photo.
            let recon = (rx.clone() - x).powf_scalar(2.0).mean();
            let loss_r = bce.forward(d.forward(rx), targets(b, 1, &ad)) + recon * ALOCC_RECON_WEIGHT;
            lr += loss_r.clone().detach().into_scalar::<f32>() as f64;
            let grads = GradientsParams::from_grads(loss_r.backward(), &r);
            r = opt_r.step(ALOCC_LR, r, grads);
            bar.inc(1);
        }
        last = (ld / steps as f64, lr / steps as f64);
        bar.set_message(format!("ALOCC epoch {}/{epochs}: D loss {:.3}, R loss {:.3}", epoch + 1, last.0, last.1));
    }
    Alocc { reconstructor: r.valid(), discriminator: d.valid(), epochs, last_losses: last }
}

impl Alocc {
    /// The scores of flattened photos of `shape`, in batches.
    pub fn scores(&self, x: &[f32], shape: [usize; 3]) -> AloccScores {
        let (r, d, dev) = (&self.reconstructor, &self.discriminator, Device::flex());
        let len: usize = shape.iter().product();
        let n = x.len() / len;
        let mut s = AloccScores { d_of_r: Vec::with_capacity(n), d_of_x: Vec::with_capacity(n), error: Vec::with_capacity(n) };
        for start in (0..n).step_by(256) {
            let end = (start + 256).min(n);
            let b = batch_tensor(&x[start * len..end * len], end - start, shape, &dev);
            let rx = r.forward(b.clone());
            s.d_of_r.extend(host(d.forward(rx.clone())));
            s.d_of_x.extend(host(d.forward(b.clone())));
            s.error.extend(host((rx - b).powf_scalar(2.0).reshape([end - start, len]).mean_dim(1)).into_iter().map(|e| -e));
        }
        s
    }
}

/// The supervised ceiling's settings: C's network and learning rate, batches of 64 training
/// positives and 64 clutter photos, C's image budget, random left-right flips, the last step kept,
/// and the test photos scored in two folds (each by a network that never saw its clutter).
pub const CEILING_SEED: u64 = 1000;
pub const CEILING_FOLDS: usize = 2;

/// Everything a supervised ceiling depends on besides its photos (a saved result counts only for it).
pub fn ceiling_key(plan: &PhotoPlan) -> String {
    format!(
        "size {} images {} batch {}+{} lr {} seed {CEILING_SEED} folds {CEILING_FOLDS} flips, last step",
        plan.size,
        plan.clf_images,
        plan.recipe.clf_batch / 2,
        plan.recipe.clf_batch / 2,
        plan.recipe.clf_lr
    )
}

/// An endless stream of indices `0..n`, reshuffled after each pass.
struct Cycle {
    order: Vec<usize>,
    at: usize,
}

impl Cycle {
    fn new(n: usize) -> Self {
        Self { order: (0..n).collect(), at: n }
    }

    fn take(&mut self, k: usize, rng: &mut StdRng) -> Vec<usize> {
        (0..k)
            .map(|_| {
                if self.at == self.order.len() {
                    self.order.shuffle(rng);
                    self.at = 0;
                }
                self.at += 1;
                self.order[self.at - 1]
            })
            .collect()
    }
}

/// Trains C's network, supervised, to tell `positives` (1) from `clutter` (0), flattened photos of
/// the plan's shape: `plan.clf_images` positives seen (and as many clutter photos), in balanced
/// batches however few positives there are, flipped at random. Not a novelty detector (it is shown
/// the outlier class); a ceiling for one.
pub fn train_supervised(plan: &PhotoPlan, positives: &[f32], clutter: &[f32], seed: u64, bar: &ProgressBar) -> Classifier {
    let shape = plan.config.image_shape();
    let len: usize = shape.iter().product();
    let half = (plan.recipe.clf_batch / 2).max(1);
    let steps = plan.clf_images.div_ceil(half);
    let ad = Device::flex().autodiff();
    ad.seed(seed);
    let mut c: Classifier = plan.config.classifier.init(&ad);
    let mut opt: ModuleOptimizer = AdamConfig::new().init();
    let bce = BinaryCrossEntropyLossConfig::new().with_logits(true).init(&ad);
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut pos, mut neg) = (Cycle::new(positives.len() / len), Cycle::new(clutter.len() / len));
    let y = Tensor::<2, Int>::cat(vec![targets(half, 1, &ad), targets(half, 0, &ad)], 0);
    bar.set_length(steps as u64);
    let mut total = 0.0;
    for step in 0..steps {
        let mut pixels = Vec::with_capacity(2 * half * len);
        for i in pos.take(half, &mut rng) {
            pixels.extend_from_slice(&positives[i * len..(i + 1) * len]);
        }
        for i in neg.take(half, &mut rng) {
            pixels.extend_from_slice(&clutter[i * len..(i + 1) * len]);
        }
        let x = random_hflip(vec![batch_tensor(&pixels, 2 * half, shape, &ad)], &mut rng).remove(0);
        let loss = bce.forward(c.forward(x), y.clone());
        total += loss.clone().detach().into_scalar::<f32>() as f64;
        let grads = GradientsParams::from_grads(loss.backward(), &c);
        c = opt.step(plan.recipe.clf_lr, c, grads);
        bar.inc(1);
        bar.set_message(format!("supervised ceiling: loss {:.4}", total / (step + 1) as f64));
    }
    c.valid()
}

/// A classifier's logits for flattened photos of `shape`, in batches (higher = positive).
pub fn logits(c: &Classifier, x: &[f32], shape: [usize; 3]) -> Vec<f32> {
    let dev = Device::flex();
    let len: usize = shape.iter().product();
    let n = x.len() / len;
    let mut out = Vec::with_capacity(n);
    for start in (0..n).step_by(256) {
        let end = (start + 256).min(n);
        out.extend(host(c.forward(batch_tensor(&x[start * len..end * len], end - start, shape, &dev))));
    }
    out
}
