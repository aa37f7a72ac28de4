//! Training one detector: first the reconstructor A on corrupted positives (eqs. 1–3), then the
//! classifier C on connective positives and negatives (eqs. 4, 5), then (for a combined score,
//! eq. 6′) the calibration and the threshold from the validation positives. Data-agnostic: it
//! takes flattened images of any `[c, h, w]`.

use web_time::Instant;

use burn::nn::loss::BinaryCrossEntropyLossConfig;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use super::Observer;
use super::batches::{ConnectiveSamples, labels};
use super::checkpoint::{Checkpointer, TrainState, classifier_prefix};
use crate::data::augment;
use crate::error::{Error, Result};
use crate::model::autoencoder::{Autoencoder, charbonnier};
use crate::model::calibration::{Calibration, ScoreRule};
use crate::model::classifier::Classifier;
use crate::model::detector::{Detector, DetectorConfig};
use crate::model::io::{SHIPPED_PRECISION, as_stored};
use crate::model::recipe::Recipe;
use crate::model::scoring::{HostScores, batch_tensor, score_batches};

/// Positives for one detector: flattened images in [0, 1].
pub struct TrainData<'a> {
    pub shape: [usize; 3],
    /// What A and C learn from.
    pub train: &'a [f32],
    pub val: &'a [f32],
}

impl TrainData<'_> {
    fn len_of(&self, v: &[f32]) -> usize {
        v.len() / self.shape.iter().product::<usize>()
    }
}

/// A trained detector with what training measured.
pub struct Trained {
    pub detector: Detector,
    /// On the verdict score (`val_scores`).
    pub threshold: f32,
    /// f(x) and the reconstruction errors of the validation positives.
    pub val: HostScores,
    /// Eq. 6′'s scale, when `DetectorConfig::score` is combined.
    pub calibration: Option<Calibration>,
    /// What the verdict is taken on (`DetectorConfig::score`).
    pub rule: ScoreRule,
    pub state: TrainState,
    /// The detector's weights as shipped (`model::io::SHIPPED_PRECISION`).
    pub bytes: Vec<u8>,
}

impl Trained {
    /// The verdict scores of the validation positives by `rule`.
    pub fn val_scores(&self) -> Vec<f32> {
        self.val.verdict(self.rule, self.calibration.as_ref())
    }
}

/// Whether two recipes train the same reconstructor (so a new classifier may reuse it).
pub(crate) fn same_autoencoder_recipe(a: &Recipe, b: &Recipe) -> bool {
    let (x, y) = (&a.augment, &b.augment);
    a.seed == b.seed
        && a.val_fraction == b.val_fraction
        && a.max_train == b.max_train
        && a.ae_epochs == b.ae_epochs
        && a.ae_batch == b.ae_batch
        && a.ae_lr == b.ae_lr
        && a.charbonnier_eps == b.charbonnier_eps
        && (x.noise_std, x.dropout_p, x.dropout_grid, x.hflip) == (y.noise_std, y.dropout_p, y.dropout_grid, y.hflip)
}

/// A seed for each (phase, epoch), so a resumed run draws exactly what an unbroken one would.
fn epoch_rng(seed: u64, phase: u64, epoch: usize) -> StdRng {
    StdRng::seed_from_u64(seed ^ (phase << 56) ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The images `idx` of flattened `data`, `len` values each, in that order.
pub(crate) fn gather(data: &[f32], idx: &[usize], len: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(idx.len() * len);
    for &i in idx {
        out.extend_from_slice(&data[i * len..(i + 1) * len]);
    }
    out
}

fn scalar(t: Tensor<1>) -> f64 {
    t.into_scalar::<f32>() as f64
}

/// The checkpoint state of a run and the time it has spent training (kept across resumes).
struct Progress<'a> {
    ckpt: &'a Checkpointer,
    state: TrainState,
    base_seconds: f64,
    started: Instant,
}

impl Progress<'_> {
    /// Saves the state after an epoch, with the training time so far.
    fn save(&mut self) -> Result<()> {
        self.state.seconds = self.base_seconds + self.started.elapsed().as_secs_f64();
        self.ckpt.save_state(&self.state)
    }
}

/// Where a run starts: a fresh state, the checkpoint's (`resume`, same recipe only), or the
/// checkpoint's finished reconstructor with every classifier forgotten (`retrain_classifier`),
/// unless all of `classifiers` C's are already finished with this very recipe: then they are
/// kept, as a rerun (a protocol run whose cached result is gone) only needs scoring.
fn starting_state(recipe: &Recipe, classifiers: usize, ckpt: &Checkpointer, resume: bool, retrain_classifier: bool) -> Result<TrainState> {
    let recipe_json = serde_json::to_string(recipe).unwrap();
    match ckpt.load_state()? {
        Some(mut s) if retrain_classifier => {
            let old: Recipe = serde_json::from_str(&s.recipe_json)
                .map_err(|e| Error::Config(format!("unreadable recipe in the checkpoint: {e}")))?;
            if !same_autoencoder_recipe(&old, recipe) || s.ae_epochs_done != recipe.ae_epochs {
                return Err(Error::Config(format!(
                    "--retrain-classifier needs a finished reconstructor trained with this recipe in {}",
                    ckpt.path("").display()
                )));
            }
            let finished = same_recipe(&s.recipe_json, recipe) && (0..classifiers).all(|k| s.classifier(k).epochs_done == recipe.clf_epochs);
            if !finished {
                s.reset_classifiers();
                s.recipe_json = recipe_json;
            }
            Ok(s)
        }
        Some(s) if resume => {
            if !same_recipe(&s.recipe_json, recipe) {
                return Err(Error::Config(format!(
                    "the checkpoint in {} was made with another recipe; train without --resume to start over",
                    ckpt.path("").display()
                )));
            }
            Ok(s)
        }
        _ if retrain_classifier => Err(Error::Config(format!("no checkpoint in {} to retrain the classifier from", ckpt.path("").display()))),
        _ => Ok(TrainState { recipe_json, ..Default::default() }),
    }
}

/// Whether a checkpoint's recipe (as stored) is `recipe`. Compared as values, not as text: a
/// recipe stored before a field existed reads that field's default, so a checkpoint of the
/// same recipe still resumes after the field is added (adding `drawn_threshold_quantile` had
/// turned every older checkpoint into "another recipe").
pub fn same_recipe(stored: &str, recipe: &Recipe) -> bool {
    serde_json::from_str::<Recipe>(stored).is_ok_and(|old| old == *recipe)
}

/// Trains (or resumes) one detector. `bar` hears of every optimisation step of both phases (a
/// progress bar natively, the page's progress bar and loss curve in the browser) and may end a
/// phase early after any epoch (the page's time budget).
pub fn train_detector(
    config: &DetectorConfig,
    recipe: &Recipe,
    data: &TrainData,
    ckpt: &Checkpointer,
    resume: bool,
    retrain_classifier: bool,
    bar: &dyn Observer,
) -> Result<Trained> {
    let started = Instant::now();
    let state = starting_state(recipe, config.classifiers.max(1), ckpt, resume, retrain_classifier)?;
    let mut progress = Progress { ckpt, base_seconds: state.seconds, state, started };
    let (n_train, n_val) = (data.len_of(data.train), data.len_of(data.val));
    if n_train == 0 || n_val == 0 {
        return Err(Error::Config(format!("need training and validation positives, have {n_train} and {n_val}")));
    }
    let ae_steps = n_train.div_ceil(recipe.ae_batch);
    let clf_steps = n_train.div_ceil(half_batch(recipe));
    let n_classifiers = config.classifiers.max(1);
    let clf_done: usize = (0..n_classifiers).map(|k| progress.state.classifier(k).epochs_done).sum();
    bar.start((ae_steps * recipe.ae_epochs + clf_steps * recipe.clf_epochs * n_classifiers) as u64, (ae_steps * progress.state.ae_epochs_done + clf_steps * clf_done) as u64);

    let device = Device::flex();
    let ad = device.clone().autodiff();
    ad.seed(recipe.seed);
    let autoencoder = train_reconstructor(config, recipe, data, &mut progress, &ad, &device, bar)?;
    let samples = ConnectiveSamples::new(recipe, data.shape, &autoencoder, data.train, data.val, &device)?;
    let mut classifiers = Vec::with_capacity(n_classifiers);
    for k in 0..n_classifiers {
        classifiers.push(train_classifier(k, n_classifiers, config, recipe, &samples, &mut progress, &ad, &device, bar)?);
    }
    let classifier = classifiers.remove(0);
    let detector = Detector { autoencoder, classifier, extra_classifiers: classifiers, neighbours: None };
    // The calibration, the threshold and everything measured from here on belong to the weights as shipped.
    let (detector, bytes) = as_stored(detector, config, SHIPPED_PRECISION, &device)?;
    // `state.seconds` counts training only (saved with every epoch): re-scoring a finished
    // detector, as a resumed run or a protocol rerun does, adds nothing to it.
    judge_validation(detector, bytes, progress.state, config, recipe, data, &device)
}

/// Phase 1: the reconstructor A, eq. 3 on inputs corrupted by eqs. 1 and 2, one checkpoint per
/// epoch. Returns the epoch with the lowest validation loss, for inference.
fn train_reconstructor(
    config: &DetectorConfig,
    recipe: &Recipe,
    data: &TrainData,
    progress: &mut Progress,
    ad: &Device,
    device: &Device,
    bar: &dyn Observer,
) -> Result<Autoencoder> {
    let (shape, ckpt) = (data.shape, progress.ckpt);
    let len: usize = shape.iter().product();
    let (n_train, n_val) = (data.len_of(data.train), data.len_of(data.val));
    let ae_steps = n_train.div_ceil(recipe.ae_batch);
    let mut ae: Autoencoder = config.autoencoder.init(ad);
    let mut optim: ModuleOptimizer = AdamConfig::new().init();
    // A finished A needs only its best epoch (below): no last state or optimizer to resume.
    if (1..recipe.ae_epochs).contains(&progress.state.ae_epochs_done) {
        ae = ckpt.load_module("ae_last.bpk", ae)?;
        optim = ckpt.load_optim("ae_optim.bpk", optim)?;
    }
    for epoch in progress.state.ae_epochs_done..recipe.ae_epochs {
        let mut rng = epoch_rng(recipe.seed, 1, epoch);
        let mut order: Vec<usize> = (0..n_train).collect();
        order.shuffle(&mut rng);
        let mut total = 0.0;
        for (step, idx) in order.chunks(recipe.ae_batch).enumerate() {
            let mut clean = batch_tensor(&gather(data.train, idx, len), idx.len(), shape, ad);
            if recipe.augment.hflip {
                clean = augment::random_hflip(vec![clean], &mut rng).remove(0);
            }
            let noisy = augment::corrupt(clean.clone(), &recipe.augment, &mut rng);
            let loss = charbonnier(ae.forward(noisy), clean, recipe.charbonnier_eps);
            let grads = GradientsParams::from_grads(loss.backward(), &ae);
            let value = scalar(loss.clone().detach());
            total += value;
            ae = optim.step(recipe.ae_lr, ae, grads);
            bar.step("A", epoch, recipe.ae_epochs, value, total / (step + 1) as f64);
        }
        // Validation: how well A rebuilds *clean* held-out positives, as at test time.
        let valid = ae.valid();
        let mut vsum = 0.0;
        for start in (0..n_val).step_by(500) {
            let end = (start + 500).min(n_val);
            let x = batch_tensor(&data.val[start * len..end * len], end - start, shape, device);
            vsum += scalar(charbonnier(valid.forward(x.clone()), x, recipe.charbonnier_eps)) * (end - start) as f64;
        }
        let losses = (total / ae_steps as f64, vsum / n_val as f64);
        let state = &mut progress.state;
        ckpt.record_epoch("ae", &mut state.ae_history, &mut state.ae_best, epoch + 1, losses, &valid, &ae, &optim)?;
        state.ae_epochs_done = epoch + 1;
        progress.save()?;
        if !bar.epoch_done("A", epoch, losses) {
            break;
        }
    }
    ckpt.load_module("ae_best.bpk", config.autoencoder.init(device))
}

/// Samples per class in one classifier batch: half connective positives, half negatives.
fn half_batch(recipe: &Recipe) -> usize {
    (recipe.clf_batch / 2).max(1)
}

/// Phase 2: classifier `k` of `n_classifiers`, alone on the fixed A, with its own seed and
/// checkpoints (a killed run resumes inside the C it was training). Returns its epoch with the
/// lowest validation loss.
#[allow(clippy::too_many_arguments)]
fn train_classifier(
    k: usize,
    n_classifiers: usize,
    config: &DetectorConfig,
    recipe: &Recipe,
    samples: &ConnectiveSamples,
    progress: &mut Progress,
    ad: &Device,
    device: &Device,
    bar: &dyn Observer,
) -> Result<Classifier> {
    let ckpt = progress.ckpt;
    let len = samples.image_len();
    let (n_clf, n_val) = (samples.train.len() / len, samples.val.len() / len);
    let half = half_batch(recipe);
    let clf_steps = n_clf.div_ceil(half);
    let bce = BinaryCrossEntropyLossConfig::new().with_logits(true).init(ad);
    let bce_valid = BinaryCrossEntropyLossConfig::new().with_logits(true).init(device);
    let prefix = classifier_prefix(k);
    let mut mine = progress.state.classifier(k);
    let clf_seed = recipe.classifier_seed(k);
    // Every C draws its initial weights from its own seed: a run resumed after A finished (which
    // never initialises A again) draws the same C as an unbroken one. (The shipped digit models'
    // first C continued the device's stream after A instead; retraining them gives other C's.)
    ad.seed(clf_seed);
    let mut clf: Classifier = config.classifier.init(ad);
    let mut optim: ModuleOptimizer = AdamConfig::new().init();
    if mine.epochs_done > 0 {
        clf = ckpt.load_module(&format!("{prefix}_last.bpk"), clf)?;
        optim = ckpt.load_optim(&format!("{prefix}_optim.bpk"), optim)?;
    }
    // C's learning rate per step: constant, or annealed over all of C's steps; a resumed run
    // first walks the schedule to where the interrupted one stopped.
    let mut schedule = recipe
        .clf_cosine
        .then(|| {
            CosineAnnealingLrSchedulerConfig::new(recipe.clf_lr, (clf_steps * recipe.clf_epochs).max(1))
                .with_min_lr(recipe.clf_lr * 0.02)
                .init()
                .map_err(Error::Config)
        })
        .transpose()?;
    let mut clf_lr = || schedule.as_mut().map_or_else(|| recipe.clf_lr.into(), |s| s.step());
    for _ in 0..clf_steps * mine.epochs_done {
        clf_lr();
    }
    let which = if n_classifiers > 1 { format!("C{}/{n_classifiers}", k + 1) } else { "C".into() };
    for epoch in mine.epochs_done..recipe.clf_epochs {
        let mut rng = epoch_rng(clf_seed, 2, epoch);
        let mut order: Vec<usize> = (0..n_clf).collect();
        order.shuffle(&mut rng);
        let mut total = 0.0;
        for (step, idx) in order.chunks(half).enumerate() {
            let input = samples.batch(&gather(samples.train, idx, len), &gather(&samples.recon_train, idx, len), idx.len(), ad, &mut rng);
            let loss = bce.forward(clf.forward(input), labels(idx.len(), ad));
            let grads = GradientsParams::from_grads(loss.backward(), &clf);
            let value = scalar(loss.clone().detach());
            total += value;
            clf = optim.step(clf_lr(), clf, grads);
            bar.step(&which, epoch, recipe.clf_epochs, value, total / (step + 1) as f64);
        }
        // Validation on held-out positives with negatives drawn from a fixed seed (the same for every C).
        let valid = clf.valid();
        let mut vrng = epoch_rng(recipe.seed, 3, 0);
        let mut vsum = 0.0;
        for start in (0..n_val).step_by(250) {
            let end = (start + 250).min(n_val);
            let input = samples.batch(&samples.val[start * len..end * len], &samples.recon_val[start * len..end * len], end - start, device, &mut vrng);
            vsum += scalar(bce_valid.forward(valid.forward(input), labels(end - start, device))) * (end - start) as f64;
        }
        let losses = (total / clf_steps as f64, vsum / n_val as f64);
        ckpt.record_epoch(&prefix, &mut mine.history, &mut mine.best, epoch + 1, losses, &valid, &clf, &optim)?;
        mine.epochs_done = epoch + 1;
        progress.state.set_classifier(k, mine.clone());
        progress.save()?;
        if !bar.epoch_done(&which, epoch, losses) {
            break;
        }
    }
    ckpt.load_module::<Classifier>(&format!("{prefix}_best.bpk"), config.classifier.init(device))
}

/// The finished detector judged on its validation positives: the calibration (eq. 6′, for a
/// combined score) and the threshold come from them, nothing else.
fn judge_validation(
    detector: Detector,
    bytes: Vec<u8>,
    state: TrainState,
    config: &DetectorConfig,
    recipe: &Recipe,
    data: &TrainData,
    device: &Device,
) -> Result<Trained> {
    let n_val = data.len_of(data.val);
    let val = score_batches(&detector, data.val, data.shape, recipe.lambda, 500, device, |_| ())?;
    let calibration = match config.score {
        ScoreRule::Classifier | ScoreRule::Neighbours => None,
        ScoreRule::Combined => Some(Calibration::fit(&val.logits, &val.errors).ok_or_else(|| {
            Error::Config(format!("the combined score (eq. 6′) needs at least two validation positives with finite scores, have {n_val}"))
        })?),
    };
    let threshold = val
        .threshold(config.score, calibration.as_ref(), recipe.threshold_quantile)
        .ok_or_else(|| Error::model("detector", "no finite validation scores"))?;
    Ok(Trained { detector, threshold, val, calibration, rule: config.score, state, bytes })
}
