//! What the digit-model examples share: their two arguments (MNIST and a models folder), the
//! folder's digit models with the split their recipes held out, and the verdict scores of images.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use connective::connective::Detector;
use connective::model_io::{Manifest, ModelEntry};
use connective::native::data::{Mnist, Split, recipe_split};
use connective::native::score::read_detector;
use connective::scoring::score_batches;

/// MNIST and the manifest of a models folder, from `EXAMPLE MNIST_DIR MODELS_DIR`.
pub struct Setup {
    pub mnist: Mnist,
    pub models: PathBuf,
    pub manifest: Manifest,
    pub device: Device,
}

impl Setup {
    pub fn from_args(example: &str) -> anyhow::Result<Self> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let [data, models] = &args[..] else {
            anyhow::bail!("usage: {example} MNIST_DIR MODELS_DIR");
        };
        let models = PathBuf::from(models);
        let manifest = Manifest::read_in_dir(&models)?;
        Ok(Self { mnist: Mnist::load(Path::new(data))?, models, manifest, device: Device::flex() })
    }

    /// The folder's digit models in manifest order, each loaded with its training split.
    pub fn digit_models(&self) -> impl Iterator<Item = anyhow::Result<DigitModel<'_>>> {
        self.manifest.models.iter().filter(|e| e.dataset == "mnist").map(|entry| {
            let digit: u8 = entry.positive_classes[0].parse()?;
            let detector = read_detector(&self.models, entry, &self.device)?;
            let split = recipe_split(&self.mnist.train_labels, &[digit], &entry.recipe);
            Ok(DigitModel { digit, entry, split, detector, device: &self.device })
        })
    }
}

/// One digit model, and the training positives its recipe used and held out.
pub struct DigitModel<'a> {
    pub digit: u8,
    pub entry: &'a ModelEntry,
    pub split: Split,
    detector: Detector,
    device: &'a Device,
}

impl DigitModel<'_> {
    /// The verdict scores (what the stored threshold judges) of flattened images.
    pub fn verdicts(&self, x: &[f32]) -> anyhow::Result<Vec<f32>> {
        let e = self.entry;
        let s = score_batches(&self.detector, x, e.config.image_shape(), e.lambda, 1000, self.device, |_| ())?;
        Ok(s.verdict(e.calibration.as_ref()))
    }
}
