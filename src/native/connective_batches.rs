//! C's training batches: connective positives (eq. 4) and negatives (eq. 5) from positives and
//! their reconstructions by the finished A, with the recipe's hard negatives, synthetic outliers,
//! views and flips.

use burn::prelude::*;
use burn::tensor::TensorData;
use rand::rngs::StdRng;

use crate::augment::{self, SyntheticKind};
use crate::autoencoder::Autoencoder;
use crate::connective::connect;
use crate::recipe::Recipe;
use crate::scoring::batch_tensor;

/// C's training data: positives (and A(x) of each, computed once: A is fixed from here on) and
/// the recipe that turns them into connective positives and negatives (eqs. 4, 5).
pub struct ConnectiveSamples<'a> {
    pub recipe: &'a Recipe,
    pub shape: [usize; 3],
    pub autoencoder: &'a Autoencoder,
    pub device: &'a Device,
    pub train: &'a [f32],
    pub recon_train: Vec<f32>,
    pub val: &'a [f32],
    pub recon_val: Vec<f32>,
}

impl<'a> ConnectiveSamples<'a> {
    pub fn new(recipe: &'a Recipe, shape: [usize; 3], autoencoder: &'a Autoencoder, train: &'a [f32], val: &'a [f32], device: &'a Device) -> Self {
        let rebuild = |x: &[f32]| super::train::map_batches(x, shape, 500, device, |x| autoencoder.forward(x).into_data().try_into_vec::<f32>().unwrap());
        let (recon_train, recon_val) = (rebuild(train), rebuild(val));
        Self { recipe, shape, autoencoder, device, train, recon_train, val, recon_val }
    }

    /// Values per image.
    pub fn image_len(&self) -> usize {
        self.shape.iter().product()
    }

    /// One batch for the positives `xs` (and their reconstructions `axs`), `n` images, on `dev`:
    /// eq. 4 for the first half, eq. 5 for the second. Some negatives are connective images of
    /// synthetic outliers instead (see `augment::synthetic_outlier`): what A really does to an
    /// input it was not trained on.
    pub fn batch(&self, xs: &[f32], axs: &[f32], n: usize, dev: &Device, rng: &mut StdRng) -> Tensor<4> {
        let (recipe, shape, device, ae) = (self.recipe, self.shape, self.device, self.autoencoder);
        let n_syn = ((n as f32 * recipe.augment.synthetic_fraction).round() as usize).min(n);
        // With jitter, half of the images, drawn at random, are moved before anything else, for
        // the synthetic outliers as for the positives: moving the positives alone taught C that
        // resampled (softer) strokes mean "positive" and sharp ones "outlier" (one-class AUROC
        // 0.63), and C must still see sharp images, as every test image is.
        let moved = recipe.augment.clf_jitter.map(|j| augment::jitter_half(batch_tensor(xs, n, shape, device), j, rng));
        let (mut x, mut ax) = if recipe.augment.clf_views > 0.0 {
            // C's positives from random views of the images, rebuilt by A now (see AugmentConfig).
            let view = augment::random_view(batch_tensor(xs, n, shape, device), recipe.augment.clf_views, rng);
            let a_view = ae.forward(view.clone());
            (Tensor::from_data(view.into_data(), dev), Tensor::from_data(a_view.into_data(), dev))
        } else if let Some(moved) = &moved {
            // The batch with half of its images moved, rebuilt by A now (see AugmentConfig).
            let a_moved = ae.forward(moved.clone());
            (Tensor::from_data(moved.clone().into_data(), dev), Tensor::from_data(a_moved.into_data(), dev))
        } else {
            (batch_tensor(xs, n, shape, dev), batch_tensor(axs, n, shape, dev))
        };
        if recipe.augment.hflip {
            let mut both = augment::random_hflip(vec![x, ax], rng);
            ax = both.pop().unwrap();
            x = both.pop().unwrap();
        }
        let mut parts = vec![connect(x.clone(), ax.clone(), recipe.lambda)];
        if n_syn < n {
            let keep = n - n_syn;
            let negative = augment::hard_negative(ax.slice([0..keep]), &recipe.augment, rng);
            parts.push(connect(x.slice([0..keep]), negative, recipe.lambda));
        }
        if n_syn > 0 {
            let originals: std::borrow::Cow<[f32]> = match &moved {
                Some(m) => m.clone().slice([n - n_syn..n]).into_data().try_into_vec::<f32>().unwrap().into(),
                None => xs[(n - n_syn) * self.image_len()..].into(),
            };
            let originals = &originals[..];
            let outlier = match recipe.augment.synthetic {
                SyntheticKind::Overlay => augment::synthetic_outlier(batch_tensor(originals, n_syn, shape, device), rng),
                SyntheticKind::Mixed => augment::synthetic_mixed(batch_tensor(originals, n_syn, shape, device), rng),
                SyntheticKind::Shuffle => batch_tensor(&augment::shuffle_tiles(originals, n_syn, shape, rng), n_syn, shape, device),
                SyntheticKind::PhotoMixed => augment::synthetic_photo_mixed(originals, n_syn, shape, rng, device),
                SyntheticKind::Turned => batch_tensor(&augment::turn_whole(originals, n_syn, shape, rng), n_syn, shape, device),
                SyntheticKind::DeadLeaves => batch_tensor(&augment::dead_leaves(originals, n_syn, shape, rng), n_syn, shape, device),
            };
            let syn = connect(outlier.clone(), ae.forward(outlier), recipe.lambda);
            parts.push(Tensor::from_data(syn.into_data(), dev));
        }
        Tensor::cat(parts, 0)
    }
}

/// Labels of a batch from `ConnectiveSamples::batch`: `n` ones, then `n` zeros.
pub fn labels(n: usize, dev: &Device) -> Tensor<2, Int> {
    let t: Vec<i64> = (0..2 * n).map(|i| (i < n) as i64).collect();
    Tensor::<2, Int>::from_data(TensorData::new(t, [2 * n, 1]), dev)
}
