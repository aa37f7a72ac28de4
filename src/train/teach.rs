//! Teaching a detector a class of the visitor's own from a few dozen examples, in the page.
//!
//! Drawings (`teach`: a symbol, a letter, initials): `train_detector` itself, the loop `connective
//! train` runs, with checkpoints kept in memory and a recipe sized for a minute in a browser tab:
//! the digit detectors' A and C, trained on the drawings and jittered copies of them (a person
//! never draws a symbol twice in the same place, size and slant, and 24 drawings are too few to
//! show that), and the same threshold rule on held-out drawings.
//!
//! Photos (`teach_photos`): `train_photo_detector`, the shipped photo detectors' loop, on the
//! backbone's features of the visitor's photos (computed by the page, which holds the backbone).

use burn::module::Module;
use burn::prelude::*;
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use web_time::Instant;

use super::Observer;
use super::checkpoint::Checkpointer;
use super::detector::{TrainData, gather, train_detector};
use super::photo_detector::{PhotoTrainData, threshold_words, train_photo_detector};
use crate::data::augment::{self, AugmentConfig};
use crate::error::{Error, Result};
use crate::model::detector::{Detector, DetectorConfig};
use crate::model::io::{BackboneRef, ModelEntry, PhotoEntry, SHIPPED_PRECISION, sha256_hex};
use crate::model::photo_detector::{PhotoDetectorConfig, PhotoScore};
use crate::model::recipe::{PhotoRecipe, Recipe, TeachRecipe, percentile_words};
use crate::model::scoring::{batch_tensor, to_vec};

/// Side of a drawing: the page's drawing pad preprocessed as for the digit detectors (28×28,
/// white strokes on black).
pub const SIDE: usize = 28;
pub const PIXELS: usize = SIDE * SIDE;
/// Fewer drawings leave too few to train on once some are held out for the threshold.
pub const MIN_EXAMPLES: usize = 6;
/// Bounds the work a call can ask for.
pub const MAX_EXAMPLES: usize = 200;

/// The page's recipe: the digit detectors' networks and augmentations, fewer and smaller steps.
pub fn recipe(seed: u64) -> Recipe {
    Recipe {
        seed,
        val_fraction: 0.2,
        max_train: None,
        ae_epochs: 12,
        ae_batch: 32,
        ae_lr: 3e-3,
        clf_epochs: 6,
        clf_batch: 32,
        clf_lr: 1e-3,
        threshold_quantile: 0.05,
        teach: Some(TeachRecipe::default()),
        augment: AugmentConfig::default(),
        ..Recipe::default()
    }
}

/// A taught detector: its manifest entry (threshold, recipe, checksum) and weights.
pub struct Taught {
    pub entry: ModelEntry,
    pub detector: Detector,
    /// The weights as stored (`SHIPPED_PRECISION`), which `entry` describes.
    pub bytes: Vec<u8>,
    /// Optimisation steps taken (both phases).
    pub steps: usize,
    /// Drawings held out for the threshold: how many, and which (indices into the drawings, ascending).
    pub held_out: usize,
    pub held_out_examples: Vec<usize>,
    /// The training loss of every step: A's (eq. 3), then C's (BCE).
    pub ae_loss: Vec<f64>,
    pub clf_loss: Vec<f64>,
}

/// Drawings as 28×28 grey levels (0 black … 255 white stroke) checked: enough of them, each of
/// the right size and with some ink. Every problem is a sentence a visitor can act on.
pub fn check_drawings(images: &[Vec<u8>]) -> Result<()> {
    let n = images.len();
    if n < MIN_EXAMPLES {
        let have = match n {
            0 => "none yet".to_string(),
            1 => "only one".to_string(),
            n => format!("only {n}"),
        };
        return Err(Error::Config(format!("draw at least {MIN_EXAMPLES} examples to teach a detector ({have}; 20 to 40 work best)")));
    }
    if n > MAX_EXAMPLES {
        return Err(Error::Config(format!("at most {MAX_EXAMPLES} examples can be taught at once, got {n}")));
    }
    for (i, img) in images.iter().enumerate() {
        if img.len() != PIXELS {
            return Err(Error::Config(format!("example {} has {} values; every example must be a 28×28 drawing ({PIXELS} values)", i + 1, img.len())));
        }
        if img.iter().filter(|&&v| v >= 64).count() < 4 {
            return Err(Error::Config(format!("example {} is blank: draw something, or delete it", i + 1)));
        }
    }
    Ok(())
}

fn sorted(idx: &[usize]) -> Vec<usize> {
    let mut v = idx.to_vec();
    v.sort_unstable();
    v
}

/// A detector's name becomes its file's: 1–40 letters, digits, `-` and `_`.
pub fn check_name(name: &str) -> Result<()> {
    let ok = (1..=40).contains(&name.chars().count()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err(Error::Config(format!("a detector's name is 1 to 40 letters, digits, - or _, got {name:?}"))) }
}

/// The images of `idx`, each followed by `copies − 1` jittered versions of itself (on `device`,
/// seeded), flattened in [0, 1].
fn with_copies(images: &[Vec<u8>], idx: &[usize], copies: usize, t: &TeachRecipe, rng: &mut StdRng, device: &Device) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(idx.len() * copies * PIXELS);
    for &i in idx {
        let x: Vec<f32> = images[i].iter().map(|&v| v as f32 / 255.0).collect();
        out.extend_from_slice(&x);
        if copies > 1 {
            let repeated: Vec<f32> = x.iter().copied().cycle().take((copies - 1) * PIXELS).collect();
            let batch = batch_tensor(&repeated, copies - 1, [1, SIDE, SIDE], device);
            let warped = augment::affine_warp(batch, t.jitter, rng).clamp(0.0, 1.0);
            out.extend(to_vec(warped.into_data())?);
        }
    }
    Ok(out)
}

/// An observer that also keeps each epoch's mean training loss and ends each phase when its
/// share of the time budget is spent.
struct Budgeted<'a> {
    inner: &'a dyn Observer,
    started: Instant,
    /// Seconds by which A must stop, and C.
    ae_until: Option<f64>,
    until: Option<f64>,
    ae_loss: std::cell::RefCell<Vec<f64>>,
    clf_loss: std::cell::RefCell<Vec<f64>>,
    steps: std::cell::Cell<usize>,
}

impl<'a> Budgeted<'a> {
    /// Times from `started`; A may use `ae_share` of `seconds` (when given, finite and positive).
    fn new(inner: &'a dyn Observer, started: Instant, seconds: Option<f64>, ae_share: f64) -> Self {
        let budget = seconds.filter(|s| s.is_finite() && *s > 0.0);
        Budgeted {
            inner,
            started,
            ae_until: budget.map(|s| s * ae_share),
            until: budget,
            ae_loss: Default::default(),
            clf_loss: Default::default(),
            steps: Default::default(),
        }
    }
}

impl Observer for Budgeted<'_> {
    fn start(&self, total: u64, done: u64) {
        self.inner.start(total, done)
    }

    fn step(&self, phase: &str, epoch: usize, epochs: usize, loss: f64, mean: f64) {
        self.steps.set(self.steps.get() + 1);
        (if phase == "A" { &self.ae_loss } else { &self.clf_loss }).borrow_mut().push(loss);
        self.inner.step(phase, epoch, epochs, loss, mean)
    }

    fn epoch_done(&self, phase: &str, epoch: usize, losses: (f64, f64)) -> bool {
        let is_a = phase == "A";
        let go_on = self.inner.epoch_done(phase, epoch, losses);
        let limit = if is_a { self.ae_until } else { self.until };
        go_on && limit.is_none_or(|s| self.started.elapsed().as_secs_f64() < s)
    }
}

/// Teaches a detector the class of `images` (28×28 grey levels, white on black, as the page's
/// pad gives them): holds out a fifth (at least two) for the threshold, trains on the rest and
/// their jittered copies with `recipe`, and stops each phase early if `seconds` would be
/// exceeded. `name` names the detector in its entry.
pub fn teach(name: &str, images: &[Vec<u8>], recipe: &Recipe, seconds: Option<f64>, observer: &dyn Observer) -> Result<Taught> {
    check_name(name)?;
    check_drawings(images)?;
    let t = recipe.teach.clone().ok_or_else(|| Error::Config("a teaching recipe needs its `teach` part".into()))?;
    if !(1..=10_000).contains(&t.images) {
        return Err(Error::Config(format!("teach.images = {} is outside 1..=10000", t.images)));
    }
    let started = Instant::now();
    let device = Device::flex();
    let mut rng = StdRng::seed_from_u64(recipe.seed ^ 0x7EAC);
    let mut order: Vec<usize> = (0..images.len()).collect();
    order.shuffle(&mut rng);
    let held_out = ((images.len() as f64 * recipe.val_fraction).round() as usize).clamp(2, images.len() - 2);
    let (val_idx, train_idx) = order.split_at(held_out);
    let copies = t.images.div_ceil(train_idx.len()).clamp(1, 64);
    let train = with_copies(images, train_idx, copies, &t, &mut rng, &device)?;
    let val = with_copies(images, val_idx, copies, &t, &mut rng, &device)?;
    let config = DetectorConfig::mnist();
    let data = TrainData { shape: [1, SIDE, SIDE], train: &train, val: &val };
    let observer = Budgeted::new(observer, started, seconds, t.ae_share);
    let trained = train_detector(&config, recipe, &data, &Checkpointer::in_memory(), false, false, &observer)?;
    let threshold = trained.threshold;
    let sha256 = sha256_hex(&trained.bytes);
    let q = recipe.threshold_quantile;
    let entry = ModelEntry {
        name: name.to_string(),
        file: format!("{name}.bpk"),
        sha256,
        bytes: trained.bytes.len() as u64,
        parameters: trained.detector.num_params(),
        dataset: "drawings".into(),
        positive_classes: vec![name.to_string()],
        lambda: recipe.lambda,
        threshold,
        threshold_rule: format!(
            "{} of f(x) on {held_out} held-out drawings and {} jittered copies of them",
            percentile_words(q),
            held_out * (copies - 1)
        ),
        drawn_threshold: None,
        config,
        references: Vec::new(),
        calibration: None,
        recipe: recipe.clone(),
        training_seconds: started.elapsed().as_secs_f64(),
        precision: SHIPPED_PRECISION,
        metrics: serde_json::json!({ "examples": images.len(), "held_out": held_out }),
    };
    Ok(Taught {
        entry,
        detector: trained.detector,
        bytes: trained.bytes,
        steps: observer.steps.get(),
        held_out,
        held_out_examples: sorted(val_idx),
        ae_loss: observer.ae_loss.take(),
        clf_loss: observer.clf_loss.take(),
    })
}

/// The page's recipe for photos: the shipped photo detectors' networks and recipe (`PhotoRecipe`'s
/// default) with half the steps, for a few dozen photos instead of hundreds.
pub fn photo_recipe(seed: u64) -> PhotoRecipe {
    PhotoRecipe { seed, ae_steps: 300, clf_steps: 200, clf_fraction: 0.0, ..PhotoRecipe::default() }
}

/// A photo detector taught in the page: its manifest entry and weights (A, C and the gallery).
pub struct TaughtPhotos {
    pub entry: PhotoEntry,
    pub bytes: Vec<u8>,
    pub steps: usize,
    /// How many photos were held out, and which (indices into the photos, ascending).
    pub held_out: usize,
    pub held_out_examples: Vec<usize>,
    pub ae_loss: Vec<f64>,
    pub clf_loss: Vec<f64>,
}

/// Teaches a photo detector the class of `n` photos given as the backbone's maps (`shape` =
/// `[1280, h, w]` each, flattened, from `backbone` at `side` px), named `names` (the gallery's
/// names for the nearest photos): a fifth held out (at least two) for the calibration and the
/// threshold, the rest for A, C and the gallery, with `recipe`; each phase stops early if `seconds`
/// would be exceeded. The verdict is the nearest photos' similarity, as for the shipped photo
/// detectors.
#[allow(clippy::too_many_arguments)]
pub fn teach_photos(
    name: &str,
    maps: &[f32],
    shape: [usize; 3],
    names: &[String],
    backbone: BackboneRef,
    side: usize,
    recipe: &PhotoRecipe,
    seconds: Option<f64>,
    observer: &dyn Observer,
) -> Result<TaughtPhotos> {
    check_name(name)?;
    let [c, h, w] = shape;
    if c != crate::model::backbone::FEATURES || !(1..=32).contains(&h) || !(1..=32).contains(&w) {
        return Err(Error::Config(format!("photo features must be {}×h×w with h, w in 1..=32, got {c}×{h}×{w}", crate::model::backbone::FEATURES)));
    }
    let len = c * h * w;
    let n = maps.len() / len;
    if maps.len() % len != 0 || names.len() != n {
        return Err(Error::Config(format!("{} feature values and {} names do not make whole photos of {c}×{h}×{w}", maps.len(), names.len())));
    }
    if n < MIN_EXAMPLES {
        return Err(Error::Config(format!("add at least {MIN_EXAMPLES} photos to teach a detector (have {n}; 15 to 50 work best)")));
    }
    if n > MAX_EXAMPLES {
        return Err(Error::Config(format!("at most {MAX_EXAMPLES} photos can be taught at once, got {n}")));
    }
    if maps.iter().any(|v| !v.is_finite()) {
        return Err(Error::Config("the photos' features hold NaN or infinite values".into()));
    }
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(recipe.seed ^ 0x7EAC);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let held_out = ((n as f64 * recipe.val_fraction).round() as usize).clamp(2, n - 2);
    let (val_idx, train_idx) = order.split_at(held_out);
    let (train, val) = (gather(maps, train_idx, len), gather(maps, val_idx, len));
    let config = PhotoDetectorConfig { side, ..PhotoDetectorConfig::default() };
    let data = PhotoTrainData { shape, ae: &train, clf: &[], val: &val };
    let observer = Budgeted::new(observer, started, seconds, TeachRecipe::default().ae_share);
    let trained = train_photo_detector(&config, recipe, &data, &Device::flex(), &observer)?;
    let score = PhotoScore::Neighbours;
    let threshold = trained.threshold(score, recipe);
    if !threshold.is_finite() {
        return Err(Error::Config("the held-out photos gave no threshold (are the photos all alike?)".into()));
    }
    let gallery: Vec<String> = trained.gallery_rows.iter().map(|&i| names[train_idx[i]].clone()).collect();
    let entry = PhotoEntry {
        name: name.to_string(),
        file: format!("{name}.bpk"),
        sha256: sha256_hex(&trained.bytes),
        bytes: trained.bytes.len() as u64,
        parameters: trained.detector.num_params(),
        dataset: "photos".into(),
        positive_classes: vec![name.to_string()],
        lambda: recipe.lambda,
        score,
        threshold,
        threshold_rule: threshold_words(recipe, score, held_out, gallery.len()),
        calibration: trained.calibration,
        config,
        gallery,
        backbone,
        recipe: recipe.clone(),
        training_seconds: started.elapsed().as_secs_f64(),
        precision: SHIPPED_PRECISION,
        metrics: serde_json::json!({ "examples": n, "held_out": held_out }),
    };
    Ok(TaughtPhotos {
        entry,
        bytes: trained.bytes,
        steps: observer.steps.get(),
        held_out,
        held_out_examples: sorted(val_idx),
        ae_loss: observer.ae_loss.take(),
        clf_loss: observer.clf_loss.take(),
    })
}
