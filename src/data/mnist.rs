//! MNIST from a directory of IDX files, and the positive-class split used for training.

use std::path::{Path, PathBuf};

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use crate::error::{Error, Result};

use super::idx::{self, IdxImages};
use super::preprocess::{MNIST_SIDE, unit};

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
    if (imgs.rows, imgs.cols) != (MNIST_SIDE, MNIST_SIDE) {
        return Err(Error::data(ip.display().to_string(), format!("images are {}×{}, MNIST's are {MNIST_SIDE}×{MNIST_SIDE}", imgs.rows, imgs.cols)));
    }
    if imgs.count == 0 {
        return Err(Error::data(ip.display().to_string(), "holds no images"));
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
        out.extend(images.image(i).iter().map(|&p| unit(p)));
    }
    out
}

/// Training positives split into a part to learn from and a held-out validation part.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
}

/// Indices of the training images whose label is positive, split `1 − val_fraction :
/// val_fraction`: the validation part is a seeded random draw, the training part the rest,
/// shuffled with `seed` (then cut to `max_train`). Validation never contains negatives or test
/// data.
pub fn positive_split(labels: &[u8], positives: &[u8], val_fraction: f64, seed: u64, max_train: Option<usize>) -> Split {
    let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| positives.contains(&labels[i])).collect();
    let n_val = ((idx.len() as f64 * val_fraction).round() as usize).clamp(1.min(idx.len()), idx.len());
    let mut rng = StdRng::seed_from_u64(seed);
    idx.shuffle(&mut rng);
    let (val, mut train) = (idx[..n_val].to_vec(), idx[n_val..].to_vec());
    if let Some(m) = max_train {
        train.truncate(m);
    }
    Split { train, val }
}
