//! Training a photo detector on backbone features (`model::photo_detector`): A on corrupted
//! feature vectors (eqs. 1–3), then C on connective positives and negatives (eqs. 4, 5), then the
//! calibration (eq. 6′) and the thresholds from the validation positives.
//! Seconds, not minutes: no checkpoints (a killed run starts over).

use web_time::Instant;

use burn::module::Param;
use burn::nn::loss::BinaryCrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use rand_distr::{Distribution, Normal};

use super::Observer;
use crate::error::{Error, Result};
use crate::model::calibration::Calibration;

use crate::model::photo_detector::{PhotoDetector, PhotoDetectorConfig, PhotoScore, PhotoScores, normalise, pool, unit_rows};
use crate::model::io::{SHIPPED_PRECISION, photo_detector_from_bytes, photo_detector_to_bytes};
use crate::model::recipe::PhotoRecipe;

/// Maps of one detector's positives, `[c, h, w]` each, flattened.
pub struct PhotoTrainData<'a> {
    pub shape: [usize; 3],
    /// What A learns from.
    pub ae: &'a [f32],
    /// What only C learns from (empty: C learns from A's photos).
    pub clf: &'a [f32],
    /// Validation positives: calibration and thresholds.
    pub val: &'a [f32],
}

pub struct TrainedPhoto {
    pub detector: PhotoDetector,
    /// The detector as shipped (`model::io::SHIPPED_PRECISION`; the gallery stays f32).
    pub bytes: Vec<u8>,
    pub calibration: Calibration,
    /// The validation positives' scores.
    pub val: PhotoScores,
    /// Which training photos (indices into A's then C's) the gallery holds, in its order.
    pub gallery_rows: Vec<usize>,
    /// Each gallery photo's nearest-neighbour score against the others (leave one out).
    pub loo_neighbours: Vec<f32>,
    pub seconds: f64,
}

impl TrainedPhoto {
    /// The threshold of `rule`, by the recipe's rule on the validation positives' scores.
    pub fn threshold(&self, rule: PhotoScore, recipe: &PhotoRecipe) -> f32 {
        match rule {
            PhotoScore::Neighbours => recipe.neighbour_threshold(&self.val.neighbours, &self.loo_neighbours),
            _ => recipe.threshold(&self.val.by(rule, Some(&self.calibration))),
        }
    }
}

fn tensor2(v: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(v, [rows, cols]), device)
}

fn tensor4(v: &[f32], n: usize, shape: [usize; 3], device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(v.to_vec(), [n, shape[0], shape[1], shape[2]]), device)
}

fn to_host(t: Tensor<2>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_into_vec::<f32>().expect("f32 tensor")
}

fn std_of(v: &[f32]) -> f32 {
    let n = v.len().max(1) as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    (v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n).sqrt().max(1e-6) as f32
}

/// Trains one photo detector; `bar` hears of every step (and may end a phase early: the page's
/// time budget).
pub fn train_photo_detector(config: &PhotoDetectorConfig, recipe: &PhotoRecipe, data: &PhotoTrainData, device: &Device, bar: &dyn Observer) -> Result<TrainedPhoto> {
    let start = Instant::now();
    let shape = data.shape;
    let [c, h, w] = shape;
    let len = c * h * w;
    let (n_ae, n_val) = (data.ae.len() / len, data.val.len() / len);
    if n_ae == 0 || n_val < 2 {
        return Err(Error::Config(format!("a photo detector needs training photos and at least 2 validation photos (has {n_ae} and {n_val})")));
    }
    let clf_maps = if data.clf.is_empty() { data.ae } else { data.clf };
    let n_clf = clf_maps.len() / len;
    let mut rng = StdRng::seed_from_u64(recipe.seed);
    let ad = device.clone().autodiff();
    // Initial weights come from the device's random stream, which detectors trained at once
    // share: seeding and drawing both networks under one lock makes them the seed's alone.
    let (mut ae, clf) = {
        static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = INIT.lock().unwrap_or_else(|e| e.into_inner());
        ad.seed(recipe.seed);
        (config.init_autoencoder(&ad), config.init_classifier(&ad))
    };
    bar.start((recipe.ae_steps + recipe.clf_steps) as u64, 0);

    // A: denoising at every position (eqs. 1–3).
    let rows = to_host(normalise(pool(tensor4(data.ae, n_ae, shape, device))));
    let n_rows = n_ae;
    let sigma = std_of(&rows) * recipe.noise_std;
    let noise = Normal::new(0.0f32, sigma.max(1e-6)).unwrap();
    let mut optim: ModuleOptimizer = AdamConfig::new().init();
    for step in 0..recipe.ae_steps {
        let b = recipe.ae_batch.min(n_rows);
        let mut clean = Vec::with_capacity(b * c);
        for _ in 0..b {
            let r = rng.random_range(0..n_rows);
            clean.extend_from_slice(&rows[r * c..(r + 1) * c]);
        }
        let noisy: Vec<f32> = clean
            .iter()
            .map(|&v| if rng.random::<f32>() < recipe.dropout_p { 0.0 } else { v + noise.sample(&mut rng) })
            .collect();
        let clean = tensor2(clean, b, c, &ad);
        let out = ae.forward(tensor2(noisy, b, c, &ad));
        let d = out - clean;
        let loss = (d.clone() * d + recipe.charbonnier_eps * recipe.charbonnier_eps).sqrt().mean();
        let value = loss.clone().detach().into_scalar::<f32>() as f64;
        let grads = GradientsParams::from_grads(loss.backward(), &ae);
        ae = optim.step(recipe.ae_lr, ae, grads);
        bar.step("A", step, recipe.ae_steps, value, value);
        // Every 50 steps counts as an epoch: where a time budget may end the phase.
        if (step + 1) % 50 == 0 && !bar.epoch_done("A", step / 50, (value, value)) {
            break;
        }
    }
    let ae = ae.valid();

    // Connective samples (eqs. 4, 5). Positives: λφ + (1−λ)A(φ). Negatives: λφ + (1−λ)d(A(φ)), d
    // a little noise or channel dropout (hard: close to the class), and synthetic outliers
    // φ″ = a mix of φ and φ' (φ with its channels shuffled: the class's statistics, none of its
    // meaning), judged as λφ″ + (1−λ)A(φ″).
    let pooled = |maps: &[f32], n: usize| -> Vec<f32> { to_host(normalise(pool(tensor4(maps, n, shape, device)))) };
    let p_pos = pooled(clf_maps, n_clf);
    let q_pos = to_host(ae.forward(tensor2(p_pos.clone(), n_clf, c, device)));
    let mut p_syn = Vec::with_capacity(p_pos.len());
    for i in 0..n_clf {
        let mut perm: Vec<usize> = (0..c).collect();
        perm.shuffle(&mut rng);
        p_syn.extend(perm.iter().map(|&ch| p_pos[i * c + ch]));
    }
    let spread = std_of(&q_pos);
    let lam = recipe.lambda;
    let mix = |p: &[f32], q: &[f32]| -> Vec<f32> { p.iter().zip(q).map(|(&a, &b)| lam * a + (1.0 - lam) * b).collect() };
    let mut clf = clf;
    let mut optim: ModuleOptimizer = AdamConfig::new().init();
    let bce = BinaryCrossEntropyLossConfig::new().with_logits(true).init(&ad);
    let half = (recipe.clf_batch / 2).max(1);
    for step in 0..recipe.clf_steps {
        let mut x = Vec::with_capacity(2 * half * c);
        for _ in 0..half {
            let i = rng.random_range(0..n_clf);
            x.extend(mix(&p_pos[i * c..(i + 1) * c], &q_pos[i * c..(i + 1) * c]));
        }
        let mut synthetic = Vec::new();
        for _ in 0..half {
            let i = rng.random_range(0..n_clf);
            let (p, q) = (&p_pos[i * c..(i + 1) * c], &q_pos[i * c..(i + 1) * c]);
            match rng.random_range(0..3) {
                0 => {
                    let s = rng.random_range(recipe.negative_noise[0]..=recipe.negative_noise[1]) * spread;
                    let n = Normal::new(0.0f32, s).unwrap();
                    let d: Vec<f32> = q.iter().map(|&v| v + n.sample(&mut rng)).collect();
                    x.extend(mix(p, &d));
                }
                1 => {
                    let keep = rng.random_range(0.5f32..0.9);
                    let d: Vec<f32> = q.iter().map(|&v| if rng.random::<f32>() < keep { v / keep } else { 0.0 }).collect();
                    x.extend(mix(p, &d));
                }
                _ => {
                    let a = rng.random_range(recipe.synthetic_mix[0]..=recipe.synthetic_mix[1]);
                    synthetic.extend(p.iter().zip(&p_syn[i * c..(i + 1) * c]).map(|(&u, &v)| (1.0 - a) * u + a * v));
                }
            }
        }
        if !synthetic.is_empty() {
            let k = synthetic.len() / c;
            let s = normalise(tensor2(synthetic, k, c, device));
            let rebuilt = ae.forward(s.clone());
            x.extend(to_host(s * lam + rebuilt * (1.0 - lam)));
        }
        let labels: Vec<i64> = (0..2 * half).map(|j| (j < half) as i64).collect();
        let logits = clf.forward(tensor2(x, 2 * half, c, &ad));
        let target = Tensor::<2, Int>::from_data(TensorData::new(labels, [2 * half, 1]), &ad);
        let loss = bce.forward(logits, target);
        let value = loss.clone().detach().into_scalar::<f32>() as f64;
        let grads = GradientsParams::from_grads(loss.backward(), &clf);
        clf = optim.step(recipe.clf_lr, clf, grads);
        bar.step("C", step, recipe.clf_steps, value, value);
        if (step + 1) % 50 == 0 && !bar.epoch_done("C", step / 50, (value, value)) {
            break;
        }
    }

    // The gallery: every training photo (A's and C's), pooled and unit length.
    let mut all = data.ae.to_vec();
    all.extend_from_slice(data.clf);
    let n_all = all.len() / len;
    let mut keep: Vec<usize> = (0..n_all).collect();
    if n_all > config.gallery {
        keep.shuffle(&mut rng);
        keep.truncate(config.gallery);
        keep.sort();
    }
    let chosen: Vec<f32> = keep.iter().flat_map(|&i| all[i * len..(i + 1) * len].iter().copied()).collect();
    let gallery = unit_rows(pool(tensor4(&chosen, keep.len(), shape, device)));
    let detector = PhotoDetector { autoencoder: ae, classifier: clf.valid(), gallery: Param::from_tensor(gallery) };
    // As shipped: the calibration, thresholds and metrics belong to these bytes.
    let bytes = photo_detector_to_bytes(&detector, SHIPPED_PRECISION)?;
    let detector = photo_detector_from_bytes("photo detector", config, keep.len(), &bytes, device)?;
    let val = detector.score_maps(data.val, shape, lam, config, device)?;
    let calibration = Calibration::fit(&val.logits, &val.errors)
        .ok_or_else(|| Error::Config("the validation positives' scores have no spread to calibrate on".into()))?;

    let loo_neighbours = detector.leave_one_out(config.neighbours)?;
    Ok(TrainedPhoto { detector, bytes, calibration, val, gallery_rows: keep, loo_neighbours, seconds: start.elapsed().as_secs_f64() })
}

/// How the manifest states a photo detector's threshold rule.
pub fn threshold_words(recipe: &crate::model::recipe::PhotoRecipe, score: PhotoScore, n_val: usize, n_gallery: usize) -> String {
    match (score, recipe.neighbour_quantile) {
        (PhotoScore::Neighbours, Some(q)) => format!(
            "{} of the {} on {n_val} held-out training photos and the {n_gallery} training photos, each against the others (leave one out)",
            crate::model::recipe::percentile_words(q),
            score_words(score)
        ),
        _ => format!("{} of the {} on {n_val} held-out training photos", crate::model::recipe::percentile_words(recipe.threshold_quantile), score_words(score)),
    }
}

/// For threshold rules.
pub fn score_words(score: PhotoScore) -> &'static str {
    match score {
        PhotoScore::Combined => "CRBND score (f(φ) and A's error, eq. 6′)",
        PhotoScore::Classifier => "f(φ) (eq. 6)",
        PhotoScore::Neighbours => "nearest-neighbour similarity",
    }
}
