//! MNIST from a directory of IDX files, and the positive-class split used for training.

use std::path::{Path, PathBuf};

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use crate::error::{Error, Result};
use crate::idx::{self, IdxImages};
use crate::recipe::{HeldOut, Recipe};

/// The four MNIST files.
pub struct Mnist {
    pub train_images: IdxImages,
    pub train_labels: Vec<u8>,
    pub test_images: IdxImages,
    pub test_labels: Vec<u8>,
}

/// `name` or `name.gz` in `dir`, whichever exists.
fn find(dir: &Path, name: &str) -> Result<PathBuf> {
    for candidate in [dir.join(format!("{name}.gz")), dir.join(name)] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(Error::data(
        dir.join(name).display().to_string(),
        format!("missing: neither {name} nor {name}.gz is in {} (point --data at the MNIST folder)", dir.display()),
    ))
}

fn load_pair(dir: &Path, images: &str, labels: &str) -> Result<(IdxImages, Vec<u8>)> {
    let (ip, lp) = (find(dir, images)?, find(dir, labels)?);
    let imgs = idx::read_images(&ip)?;
    let labs = idx::read_labels(&lp)?;
    if imgs.channels != 1 {
        return Err(Error::data(ip.display().to_string(), "colour images: MNIST files are greyscale IDX3"));
    }
    if imgs.count != labs.len() {
        return Err(Error::data(
            lp.display().to_string(),
            format!("{} labels for {} images in {}", labs.len(), imgs.count, ip.display()),
        ));
    }
    if let Some(bad) = labs.iter().find(|&&l| l > 9) {
        return Err(Error::data(lp.display().to_string(), format!("label {bad} is not a digit")));
    }
    Ok((imgs, labs))
}

impl Mnist {
    pub fn load(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::data(dir.display().to_string(), "no such directory"));
        }
        let (train_images, train_labels) = load_pair(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte")?;
        let (test_images, test_labels) = load_pair(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")?;
        Ok(Self { train_images, train_labels, test_images, test_labels })
    }
}

/// Images `idx` of a stack as model input in [0, 1], one flattened image after another.
pub fn to_unit(images: &IdxImages, idx: &[usize]) -> Vec<f32> {
    let mut out = Vec::with_capacity(idx.len() * images.rows * images.cols);
    for &i in idx {
        out.extend(images.image(i).iter().map(|&p| p as f32 / 255.0));
    }
    out
}

/// Training positives split into a part to learn from and a held-out validation part.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
}

/// How many of `n` training positives only C learns from, for a share `fraction` (digits'
/// `Recipe::clf_fraction`, photos' `PhotoPlan::clf_fraction`): none at 0, otherwise at least
/// one, and never all (A keeps at least one).
pub fn classifier_count(n: usize, fraction: f64) -> usize {
    if fraction > 0.0 && n >= 2 { ((n as f64 * fraction).round() as usize).clamp(1, n - 1) } else { 0 }
}

impl Split {
    /// The training part cut in two: the positives A learns from, and the last
    /// [`classifier_count`] of them (the part is shuffled, so a random draw) that only C learns
    /// from (`Recipe::clf_fraction`; empty at 0).
    pub fn for_classifier(&self, clf_fraction: f32) -> (&[usize], &[usize]) {
        self.train.split_at(self.train.len() - classifier_count(self.train.len(), clf_fraction as f64))
    }
}

/// The split `train` draws for `positives` with recipe `r`: eval and the examples draw it again
/// to score a model's own validation positives.
pub fn recipe_split(labels: &[u8], positives: &[u8], r: &Recipe) -> Split {
    positive_split(labels, positives, r.val_fraction, r.held_out, r.seed, r.max_train)
}

/// Indices of the training images whose label is positive, split `1 − val_fraction :
/// val_fraction`: the validation part is a seeded random draw or the last positives in file
/// order (`held_out`); the training part is shuffled with `seed` (then cut to `max_train`).
/// Validation never contains negatives or test data.
pub fn positive_split(labels: &[u8], positives: &[u8], val_fraction: f64, held_out: HeldOut, seed: u64, max_train: Option<usize>) -> Split {
    let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| positives.contains(&labels[i])).collect();
    let n_val = ((idx.len() as f64 * val_fraction).round() as usize).clamp(1.min(idx.len()), idx.len());
    let mut rng = StdRng::seed_from_u64(seed);
    let (val, mut train) = match held_out {
        HeldOut::Random => {
            idx.shuffle(&mut rng);
            (idx[..n_val].to_vec(), idx[n_val..].to_vec())
        }
        HeldOut::Tail => {
            let val = idx.split_off(idx.len() - n_val);
            idx.shuffle(&mut rng);
            (val, idx)
        }
    };
    if let Some(m) = max_train {
        train.truncate(m);
    }
    Split { train, val }
}
