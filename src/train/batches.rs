//! C's training batches: connective positives (eq. 4) and negatives (eq. 5) from positives and
//! their reconstructions by the finished A, with the recipe's hard negatives, synthetic outliers
//! and flips.

use burn::prelude::*;
use burn::tensor::TensorData;
use rand::rngs::StdRng;

use crate::data::augment::{self, SyntheticKind};
use crate::error::Result;
use crate::model::autoencoder::Autoencoder;
use crate::model::connective::connect;
use crate::model::recipe::Recipe;
use crate::model::scoring::{batch_tensor, reconstruct_batches};

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
    pub fn new(recipe: &'a Recipe, shape: [usize; 3], autoencoder: &'a Autoencoder, train: &'a [f32], val: &'a [f32], device: &'a Device) -> Result<Self> {
        let recon_train = reconstruct_batches(autoencoder, train, shape, 500, device)?;
        let recon_val = reconstruct_batches(autoencoder, val, shape, 500, device)?;
        Ok(Self { recipe, shape, autoencoder, device, train, recon_train, val, recon_val })
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
        let (mut x, mut ax) = (batch_tensor(xs, n, shape, dev), batch_tensor(axs, n, shape, dev));
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
            let originals = &xs[(n - n_syn) * self.image_len()..];
            let outlier = match recipe.augment.synthetic {
                SyntheticKind::Overlay => augment::synthetic_outlier(batch_tensor(originals, n_syn, shape, device), rng),
                SyntheticKind::Mixed => augment::synthetic_mixed(batch_tensor(originals, n_syn, shape, device), rng),
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
