//! Photos: the paper's Caltech experiment (n ∈ {1, 3, 5} random object classes as positives,
//! clutter as outliers, 50 % outliers at test time, R seeded repetitions) and the shipped photo
//! detectors. Same method and training code as the digits (`train::train_detector`), on RGB.
//!
//! Caltech-256 cannot be had here; the data is a Caltech-101 subset whose BACKGROUND_Google class
//! plays the part of Caltech-256's clutter (see the data folder's README).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use burn::prelude::*;
use indicatif::ProgressBar;
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::checkpoint::Checkpointer;
use super::jobs::{in_parallel, trained_message};
use super::photos::{PhotoFolder, photo_split};
use super::plot::{Series, bar_chart, y_range_for};
use super::train::{TrainData, Trained, train_detector};
use crate::calibration::verdict_scores;
use crate::connective::{Detector, DetectorConfig};
use crate::error::{Error, Result};
use crate::metrics::{auroc, f1_at, mean_std, positive_quantile};
use crate::model_io::{Manifest, ModelEntry, SHIPPED_PRECISION, sha256_hex};
use crate::recipe::{PHOTO_AE_IMAGES, PHOTO_CLF_IMAGES, Recipe};
use crate::scoring::score_and_baseline;

/// Side of the photo models, in pixels (see the README for the 32 vs 64 evidence).
pub const PHOTO_SIZE: usize = 32;
/// The outlier class.
pub const CLUTTER: &str = "clutter";
/// Share of each positive class's photos held out for testing.
pub const TEST_FRACTION: f64 = 0.3;
/// Share of the training photos that only C learns from.
pub const CLF_FRACTION: f64 = 0.35;
/// Smallest epoch of the shipped recipe, in images.
pub const EPOCH_IMAGES: usize = 1024;
/// Published Caltech-256 results (AUROC, F1) for 1, 3, 5 positive classes at 50 % outliers.
pub const ALOCC: [(f64, f64); 3] = [(0.942, 0.928), (0.938, 0.913), (0.923, 0.905)];
pub const PAPER: [(f64, f64); 3] = [(0.998, 0.984), (0.996, 0.980), (0.994, 0.978)];

#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default, PartialEq)]
pub struct Pair {
    pub auroc: f64,
    pub f1: f64,
}

/// What one trained photo detector measured on its held-out test set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PhotoResult {
    pub classes: Vec<String>,
    pub seed: u64,
    /// Training photos of A, and of C alone.
    pub n_train: usize,
    #[serde(default)]
    pub n_clf: usize,
    pub n_val: usize,
    pub n_test_positives: usize,
    pub n_test_outliers: usize,
    /// The detector's verdict score (eq. 6′ for the photo detectors).
    pub crbnd: Pair,
    /// f(x) alone, the paper's score (its threshold the same quantile of f(x) on validation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classifier_only: Option<Pair>,
    pub recon_error: Pair,
    pub threshold: f32,
    pub training_seconds: f64,
}

/// How photo detectors are made: size, networks, recipe and the image budget per phase.
#[derive(Debug, Clone)]
pub struct PhotoPlan {
    pub size: usize,
    pub config: DetectorConfig,
    pub recipe: Recipe,
    pub ae_images: usize,
    pub clf_images: usize,
    /// Smallest epoch in images (small classes are repeated to fill it).
    pub epoch_images: usize,
    /// Share of each class's training photos kept from A for C (see `TrainData::clf_train`).
    pub clf_fraction: f64,
}

impl PhotoPlan {
    pub fn new(size: usize, quick: bool) -> Self {
        let (ae_images, clf_images, epoch_images) = if quick { (256, 256, 64) } else { (PHOTO_AE_IMAGES, PHOTO_CLF_IMAGES, EPOCH_IMAGES) };
        let mut recipe = Recipe::photos();
        if quick {
            // Tiny folders (10 photos a class) still leave eq. 6′ two validation photos to scale by.
            recipe.val_fraction = 0.3;
        }
        Self { size, config: DetectorConfig::photos(size), recipe, ae_images, clf_images, epoch_images, clf_fraction: CLF_FRACTION }
    }
}

/// A per-class seed: the split of a class does not depend on which other classes are drawn.
fn class_seed(seed: u64, class: &str) -> u64 {
    class.bytes().fold(seed ^ 0xCA17_EC40, |h, b| h.wrapping_mul(0x100_0000_01B3).wrapping_add(b as u64))
}

fn gather(folder: &PhotoFolder, class: &str, idx: &[usize], out: &mut Vec<f32>) -> Result<()> {
    let c = folder.class(class)?;
    for &i in idx {
        out.extend_from_slice(folder.image(c, i));
    }
    Ok(())
}

/// Scores `data` (n images) in batches: (f(x), −reconstruction error).
fn score(detector: &Detector, data: &[f32], shape: [usize; 3], lambda: f32) -> Result<(Vec<f32>, Vec<f32>)> {
    score_and_baseline(detector, data, shape, lambda, 256, &Device::flex(), |_| ())
}

fn quantile(scores: &[f32], q: f64) -> f32 {
    positive_quantile(scores, q).unwrap_or(f32::NEG_INFINITY)
}

/// Trains one detector on `classes` (their train split; validation split for early stopping and
/// the thresholds) and tests it on their test split plus as many clutter photos (50 % outliers).
pub fn train_and_test(
    folder: &PhotoFolder,
    classes: &[String],
    seed: u64,
    plan: &PhotoPlan,
    ckpt: &Checkpointer,
    retrain_classifier: bool,
    bar: &ProgressBar,
) -> Result<(Trained, Recipe, PhotoResult)> {
    let (mut train, mut clf, mut val, mut test) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut n_train, mut n_clf, mut n_val, mut n_test) = (0, 0, 0, 0);
    for class in classes {
        let c = folder.class(class)?;
        let split = photo_split(c.len(), TEST_FRACTION, plan.recipe.val_fraction, class_seed(seed, class))
            .map_err(|e| Error::Config(format!("class {class}: {e}")))?;
        let mut tr = split.train.clone();
        if let Some(m) = plan.recipe.max_train {
            tr.truncate(m);
        }
        // The first part of the training photos is C's alone (A never sees it), the rest A's.
        let n_c = if plan.clf_fraction > 0.0 && tr.len() >= 2 {
            ((tr.len() as f64 * plan.clf_fraction).round() as usize).clamp(1, tr.len() - 1)
        } else {
            0
        };
        gather(folder, class, &tr[n_c..], &mut train)?;
        gather(folder, class, &tr[..n_c], &mut clf)?;
        gather(folder, class, &split.val, &mut val)?;
        gather(folder, class, &split.test, &mut test)?;
        (n_train, n_clf, n_val, n_test) = (n_train + tr.len() - n_c, n_clf + n_c, n_val + split.val.len(), n_test + split.test.len());
    }
    let shape = plan.config.image_shape();
    let len: usize = shape.iter().product();
    // A class has as few as 50 training photos: repeat them (each copy is flipped and corrupted
    // differently) so that an epoch, and with it a checkpoint, covers at least ~1000 images.
    let reps = |n: usize| (plan.epoch_images / n.max(1)).max(1);
    let (ra, rc) = (reps(n_train), reps(n_clf));
    let train = train.repeat(ra);
    let clf = clf.repeat(rc);
    let mut recipe = Recipe { seed, ..plan.recipe.clone() }.with_photo_budget(n_train * ra, plan.ae_images, plan.clf_images);
    if n_clf > 0 {
        recipe.clf_epochs = Recipe::photos().with_photo_budget(n_clf * rc, plan.ae_images, plan.clf_images).clf_epochs;
    }
    let data = TrainData { shape, train: &train, clf_train: (n_clf > 0).then_some(&clf[..]), val: &val };
    let trained = train_detector(&plan.config, &recipe, &data, ckpt, !retrain_classifier, retrain_classifier, bar)?;

    // The test set: every held-out positive and as many clutter photos (fewer positives when
    // clutter runs short), both drawn with the run's seed.
    let clutter = folder.class(CLUTTER)?;
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0u64.wrapping_sub(1));
    let n_each = n_test.min(clutter.len());
    let mut pos_idx: Vec<usize> = (0..n_test).collect();
    pos_idx.shuffle(&mut rng);
    pos_idx.truncate(n_each);
    pos_idx.sort();
    let mut out_idx: Vec<usize> = (0..clutter.len()).collect();
    out_idx.shuffle(&mut rng);
    out_idx.truncate(n_each);
    let mut x = Vec::with_capacity(2 * n_each * len);
    for &i in &pos_idx {
        x.extend_from_slice(&test[i * len..(i + 1) * len]);
    }
    gather(folder, CLUTTER, &out_idx, &mut x)?;
    let labels: Vec<bool> = (0..2 * n_each).map(|i| i < n_each).collect();
    let (logits, baseline) = score(&trained.detector, &x, shape, recipe.lambda)?;
    let errors: Vec<f32> = baseline.iter().map(|b| -b).collect();
    let crbnd = verdict_scores(trained.calibration.as_ref(), &logits, &errors);
    // Every threshold comes from the validation positives, scored once by training.
    let q = recipe.threshold_quantile;
    let pair = |s: &[f32], t: f32| Pair { auroc: auroc(s, &labels).unwrap_or(f64::NAN), f1: f1_at(s, &labels, t) };
    let result = PhotoResult {
        classes: classes.to_vec(),
        seed,
        n_train,
        n_clf,
        n_val,
        n_test_positives: n_each,
        n_test_outliers: n_each,
        crbnd: pair(&crbnd, trained.threshold),
        classifier_only: Some(pair(&logits, quantile(&trained.val_logits, q))),
        recon_error: pair(&baseline, quantile(&trained.val_baseline, q)),
        threshold: trained.threshold,
        training_seconds: trained.state.seconds,
    };
    Ok((trained, recipe, result))
}

/// Loads the photo folder and warns about every file that could not be decoded.
pub fn load_folder(dir: &Path, size: usize, only: &[String]) -> Result<PhotoFolder> {
    let spinner = ProgressBar::new_spinner().with_message(format!("decoding photos in {} at {size}×{size}", dir.display()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let folder = PhotoFolder::load(dir, size, only, 2);
    spinner.finish_and_clear();
    let folder = folder?;
    for (file, why) in &folder.skipped {
        eprintln!("warning: skipped {}: {why}", file.display());
    }
    Ok(folder)
}


// ---------------------------------------------------------------- the protocol

pub struct ProtocolOptions {
    pub data_dir: PathBuf,
    /// Where per-run checkpoints and results go (a rerun skips finished runs).
    pub work_dir: PathBuf,
    pub sizes: Vec<usize>,
    pub repeats: usize,
    pub jobs: usize,
    pub quick: bool,
    /// Only draw positives from these classes (default: every class but clutter).
    pub classes: Vec<String>,
    /// Experiment knobs: bottleneck width of A, side of the photos, images per phase.
    pub latent: Option<usize>,
    pub photo_size: Option<usize>,
    pub ae_images: Option<usize>,
    pub clf_images: Option<usize>,
    pub clf_fraction: Option<f64>,
    pub clf_views: Option<f32>,
    pub synthetic: Option<crate::augment::SyntheticKind>,
    pub swap_fraction: Option<f32>,
    /// Reuse the finished reconstructors of an earlier protocol run (its work folder) and train
    /// only new classifiers: a paired comparison of C recipes on the very same A.
    pub reuse_reconstructors: Option<PathBuf>,
    pub clf_cosine: bool,
    pub clf_widths: Option<[usize; 3]>,
    /// C's own seed (another draw of C on the same A).
    pub clf_seed: Option<u64>,
    /// Classifiers averaged per detector (default: the photo detector's).
    pub classifiers: Option<usize>,
    pub json: Option<PathBuf>,
    pub plot: Option<PathBuf>,
    pub readme: Option<PathBuf>,
}

/// The classes of run (n, r): drawn without replacement with a seed of their own.
fn draw_classes(objects: &[String], n: usize, seed: u64) -> Vec<String> {
    let mut pool = objects.to_vec();
    pool.shuffle(&mut StdRng::seed_from_u64(seed));
    let mut chosen: Vec<String> = pool.into_iter().take(n).collect();
    chosen.sort();
    chosen
}

pub fn run_protocol(opts: &ProtocolOptions) -> Result<Vec<PhotoResult>> {
    let mut plan = PhotoPlan::new(opts.photo_size.unwrap_or(PHOTO_SIZE), opts.quick);
    if opts.quick {
        plan.recipe.max_train = Some(64);
    }
    if let Some(v) = opts.latent {
        plan.config.autoencoder.latent = v;
    }
    plan.ae_images = opts.ae_images.unwrap_or(plan.ae_images);
    plan.clf_images = opts.clf_images.unwrap_or(plan.clf_images);
    plan.clf_fraction = opts.clf_fraction.unwrap_or(plan.clf_fraction);
    if let Some(v) = opts.synthetic {
        plan.recipe.augment.synthetic = v;
    }
    if let Some(v) = opts.clf_views {
        plan.recipe.augment.clf_views = v;
    }
    if let Some(v) = opts.swap_fraction {
        plan.recipe.augment.swap_fraction = v;
    }
    plan.recipe.clf_cosine |= opts.clf_cosine;
    if let Some(w) = opts.clf_widths {
        plan.config.classifier.widths = w;
    }
    plan.recipe.clf_seed = opts.clf_seed.or(plan.recipe.clf_seed);
    if let Some(k) = opts.classifiers {
        plan.config.classifiers = k;
    }
    let folder = load_folder(&opts.data_dir, plan.size, &[])?;
    if folder.class(CLUTTER).is_err() {
        return Err(Error::data(opts.data_dir.display().to_string(), format!("no {CLUTTER:?} folder: the outliers are missing")));
    }
    let objects: Vec<String> = folder
        .classes
        .iter()
        .map(|c| c.name.clone())
        .filter(|c| c != CLUTTER && (opts.classes.is_empty() || opts.classes.contains(c)))
        .collect();
    if let Some(&n) = opts.sizes.iter().find(|&&n| n == 0 || n > objects.len()) {
        return Err(Error::Config(format!("cannot draw {n} positive classes from {} ({})", objects.len(), objects.join(", "))));
    }
    let results_dir = opts.work_dir.join("results");
    std::fs::create_dir_all(&results_dir).map_err(|e| Error::data(results_dir.display().to_string(), e.to_string()))?;
    let recipe_key = serde_json::to_string(&(&plan.recipe, &plan.config, plan.ae_images, plan.clf_images, plan.epoch_images, plan.clf_fraction, TEST_FRACTION)).unwrap();
    let mut runs = Vec::new();
    for &n in &opts.sizes {
        for r in 0..opts.repeats {
            let seed = 1000 * n as u64 + r as u64;
            runs.push((n, r, seed, draw_classes(&objects, n, seed)));
        }
    }
    let results = in_parallel(
        runs,
        opts.jobs,
        |(n, r, _, _)| format!("n={n} run {}/{}", r + 1, opts.repeats),
        |(n, r, seed, classes), bar| {
            let path = results_dir.join(format!("n{n}-r{r}.json"));
            if let Ok(text) = std::fs::read_to_string(&path)
                && let Ok((key, result)) = serde_json::from_str::<(String, PhotoResult)>(&text)
                && key == recipe_key
                && result.classes == classes
            {
                bar.set_message("finished earlier");
                return Ok((n, result));
            }
            bar.set_message(classes.join(", "));
            let ckpt = Checkpointer::new(opts.work_dir.join(format!("n{n}-r{r}")))?;
            // An adopted A is marked, so a run killed while its new C trains starts that C again
            // (minutes) instead of resuming a checkpoint made with the other run's recipe.
            let adopted = ckpt.path("adopted");
            if let Some(from) = &opts.reuse_reconstructors
                && ckpt.load_state()?.is_none()
            {
                std::fs::write(&adopted, from.display().to_string()).map_err(|e| Error::data(adopted.display().to_string(), e.to_string()))?;
                adopt_reconstructor(&from.join(format!("n{n}-r{r}")), &from.join("results").join(format!("n{n}-r{r}.json")), &recipe_key, &ckpt)?;
            }
            let retrain = adopted.exists();
            let (_, _, result) = train_and_test(&folder, &classes, seed, &plan, &ckpt, retrain, bar)?;
            std::fs::write(&path, serde_json::to_string_pretty(&(&recipe_key, &result)).unwrap())
                .map_err(|e| Error::data(path.display().to_string(), e.to_string()))?;
            Ok((n, result))
        },
        |_| "done".into(),
    );
    let results: Vec<(usize, PhotoResult)> = results.into_iter().collect::<Result<_>>()?;
    let (md, json, svg) = report(&results, &opts.sizes, &folder);
    println!("{md}");
    if let Some(p) = &opts.json {
        std::fs::write(p, serde_json::to_string_pretty(&json).unwrap()).map_err(|e| Error::data(p.display().to_string(), e.to_string()))?;
    }
    if let Some(p) = &opts.plot {
        std::fs::write(p, svg).map_err(|e| Error::data(p.display().to_string(), e.to_string()))?;
    }
    if let Some(p) = &opts.readme {
        let text = std::fs::read_to_string(p).map_err(|e| Error::data(p.display().to_string(), e.to_string()))?;
        let new = super::eval::replace_block(&text, "caltech", &md)
            .ok_or_else(|| Error::data(p.display().to_string(), "no <!-- connective:results:caltech --> block"))?;
        std::fs::write(p, new).map_err(|e| Error::data(p.display().to_string(), e.to_string()))?;
    }
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Copies a finished reconstructor (and its training state) from another protocol run of the same
/// run number into `ckpt`, after checking that the other run trained A exactly as this one would:
/// same networks, photo budget and splits, and an A recipe `train_detector` accepts for a new C.
fn adopt_reconstructor(from: &Path, from_result: &Path, recipe_key: &str, ckpt: &Checkpointer) -> Result<()> {
    let io = |p: &Path, e: &dyn std::fmt::Display| Error::data(p.display().to_string(), e.to_string());
    let text = std::fs::read_to_string(from_result).map_err(|e| io(from_result, &e))?;
    let (their_key, _): (String, PhotoResult) = serde_json::from_str(&text).map_err(|e| io(from_result, &e))?;
    let parse = |k: &str| serde_json::from_str::<Vec<serde_json::Value>>(k).map_err(|e| io(from_result, &e));
    let (theirs, ours) = (parse(&their_key)?, parse(recipe_key)?);
    // Key fields: recipe, config, ae_images, clf_images, epoch_images, clf_fraction, test fraction.
    // All but the recipe (checked by `train_detector`), C's network and C's image budget must match.
    let autoencoder = |key: &[serde_json::Value]| key.get(1).and_then(|c| c.get("autoencoder")).cloned();
    if autoencoder(&theirs).is_none() || autoencoder(&theirs) != autoencoder(&ours) {
        return Err(Error::Config(format!("{} trained another reconstructor network", from_result.display())));
    }
    for i in [2, 4, 5, 6] {
        if theirs.get(i) != ours.get(i) {
            return Err(Error::Config(format!("{} trained its reconstructor differently (field {i} of its key differs)", from_result.display())));
        }
    }
    for f in ["ae_best.bpk", "ae_last.bpk", "ae_optim.bpk", "state.json"] {
        let src = from.join(f);
        std::fs::copy(&src, ckpt.path(f)).map_err(|e| io(&src, &e))?;
    }
    Ok(())
}

fn published(n: usize) -> Option<((f64, f64), (f64, f64))> {
    match n {
        1 => Some((ALOCC[0], PAPER[0])),
        3 => Some((ALOCC[1], PAPER[1])),
        5 => Some((ALOCC[2], PAPER[2])),
        _ => None,
    }
}

fn report(results: &[(usize, PhotoResult)], sizes: &[usize], folder: &PhotoFolder) -> (String, serde_json::Value, String) {
    let mut md = String::from(
        "| positives | runs | CRBND AUROC | CRBND F1 | f(x) alone AUROC / F1 ² | recon-error AUROC | recon-error F1 | ALOCC AUROC / F1 ¹ | paper AUROC / F1 ¹ | train s / detector |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut rows = Vec::new();
    let mut bars: [Vec<(f64, f64)>; 5] = Default::default();
    for (k, &n) in sizes.iter().enumerate() {
        let rs: Vec<&PhotoResult> = results.iter().filter(|(m, _)| *m == n).map(|(_, r)| r).collect();
        let stat = |f: &dyn Fn(&PhotoResult) -> f64| mean_std(&rs.iter().map(|r| f(r)).collect::<Vec<_>>());
        let (ca, cas) = stat(&|r| r.crbnd.auroc);
        let (cf, cfs) = stat(&|r| r.crbnd.f1);
        let (ba, bas) = stat(&|r| r.recon_error.auroc);
        let (bf, bfs) = stat(&|r| r.recon_error.f1);
        // f(x) alone: every run of the table must have it (results from before eq. 6′ do not).
        let alone: Option<Vec<Pair>> = rs.iter().map(|r| r.classifier_only).collect();
        let alone = alone.map(|v| {
            let (a, _) = mean_std(&v.iter().map(|p| p.auroc).collect::<Vec<_>>());
            let (f, _) = mean_std(&v.iter().map(|p| p.f1).collect::<Vec<_>>());
            (a, f)
        });
        let (secs, _) = stat(&|r| r.training_seconds);
        let pubs = published(n);
        let fmt = |p: Option<(f64, f64)>| p.map(|(a, f)| format!("{a:.3} / {f:.3}")).unwrap_or_else(|| "–".into());
        let _ = writeln!(
            md,
            "| {n} | {} | {ca:.3} ± {cas:.3} | {cf:.3} ± {cfs:.3} | {} | {ba:.3} ± {bas:.3} | {bf:.3} ± {bfs:.3} | {} | {} | {secs:.0} |",
            rs.len(),
            fmt(alone),
            fmt(pubs.map(|p| p.0)),
            fmt(pubs.map(|p| p.1)),
        );
        bars[0].push((k as f64, ca));
        if let Some((a, _)) = alone {
            bars[1].push((k as f64, a));
        }
        bars[2].push((k as f64, ba));
        if let Some((alocc, paper)) = pubs {
            bars[3].push((k as f64, alocc.0));
            bars[4].push((k as f64, paper.0));
        }
        rows.push(json!({
            "positives": n,
            "runs": rs,
            "crbnd": {"auroc": ca, "auroc_std": cas, "f1": cf, "f1_std": cfs},
            "classifier_only": alone.map(|(a, f)| json!({"auroc": a, "f1": f})),
            "recon_error": {"auroc": ba, "auroc_std": bas, "f1": bf, "f1_std": bfs},
            "alocc": pubs.map(|p| json!({"auroc": p.0.0, "f1": p.0.1})),
            "paper": pubs.map(|p| json!({"auroc": p.1.0, "f1": p.1.1})),
            "mean_training_seconds": secs,
        }));
    }
    let _ = writeln!(
        md,
        "\nEach run draws its positive classes at random (seeded), trains on {:.0} % of their photos (minus a validation part for early stopping and the threshold), and tests on the held-out photos plus as many clutter photos (exactly 50 % outliers); ± is the standard deviation over runs. {}×{} RGB. ¹ Published numbers are on Caltech-256; these runs use a Caltech-101 subset ({} object classes, clutter = BACKGROUND_Google), so they compare the method, not the data. ² The paper's f(x) = C(λx + (1−λ)A(x)) (eq. 6) on its own; CRBND's columns are the detector's verdict score, f(x) combined with the reconstruction error (eq. 6′), each on the scale of the validation positives.",
        (1.0 - TEST_FRACTION) * 100.0,
        folder.size,
        folder.size,
        folder.classes.len() - 1
    );
    let cats: Vec<String> = sizes.iter().map(|n| format!("{n} positive class{}", if *n == 1 { "" } else { "es" })).collect();
    let [c, f, b, a, p] = bars;
    let svg = bar_chart(
        "Caltech-style novelty detection (50 % clutter): AUROC",
        &cats,
        "AUROC",
        y_range_for(c.iter().chain(&f).chain(&b).chain(&a).chain(&p).map(|v| v.1)),
        &[
            Series { name: "CRBND (eq. 6′)".into(), colour: "#1f77b4", points: c, dashed: false },
            Series { name: "f(x) alone (eq. 6)".into(), colour: "#9ecae1", points: f, dashed: false },
            Series { name: "reconstruction error".into(), colour: "#ff7f0e", points: b, dashed: false },
            Series { name: "ALOCC (Caltech-256)".into(), colour: "#7f7f7f", points: a, dashed: false },
            Series { name: "paper (Caltech-256)".into(), colour: "#2ca02c", points: p, dashed: false },
        ],
    );
    (md, json!({"protocol": "caltech", "image_size": folder.size, "test_fraction": TEST_FRACTION, "by_positives": rows}), svg)
}

// ---------------------------------------------------------------- shipped photo detectors

/// `caltech-airplanes`, `caltech-airplanes-faces_easy-motorbikes`.
pub fn model_name(classes: &[String]) -> String {
    format!("caltech-{}", classes.join("-").to_lowercase())
}

pub struct ShipPlan {
    pub data_dir: PathBuf,
    pub out_dir: PathBuf,
    pub checkpoint_dir: PathBuf,
    /// One detector per entry, each with its positive classes.
    pub models: Vec<Vec<String>>,
    pub seed: u64,
    pub jobs: usize,
    pub quick: bool,
    /// Keep each finished reconstructor in the checkpoints and train only new classifiers.
    pub retrain_classifier: bool,
    /// Classifiers averaged per detector (default: the photo detector's).
    pub classifiers: Option<usize>,
}

/// Trains the photo detectors of `plan` and writes each model and its manifest entry (with the
/// metrics on its held-out test photos plus clutter) as soon as it is done.
pub fn train_shipped(plan: &ShipPlan) -> Result<Vec<ModelEntry>> {
    let mut photo = PhotoPlan::new(PHOTO_SIZE, plan.quick);
    if plan.quick {
        photo.recipe.max_train = Some(64);
    }
    if let Some(k) = plan.classifiers {
        photo.config.classifiers = k;
    }
    let mut needed: Vec<String> = plan.models.iter().flatten().cloned().collect();
    needed.push(CLUTTER.into());
    needed.sort();
    needed.dedup();
    let folder = load_folder(&plan.data_dir, photo.size, &needed)?;
    std::fs::create_dir_all(&plan.out_dir).map_err(|e| Error::data(plan.out_dir.display().to_string(), e.to_string()))?;
    let manifest_lock = Mutex::new(());
    let results = in_parallel(plan.models.clone(), plan.jobs, |c| model_name(c), |classes, bar| {
        let name = model_name(&classes);
        let ckpt = Checkpointer::new(plan.checkpoint_dir.join(&name))?;
        let (trained, recipe, result) = train_and_test(&folder, &classes, plan.seed, &photo, &ckpt, plan.retrain_classifier, bar)?;
        let bytes = trained.bytes;
        let file = format!("{name}.bpk");
        let path = plan.out_dir.join(&file);
        std::fs::write(&path, &bytes).map_err(|e| Error::data(path.display().to_string(), e.to_string()))?;
        let entry = ModelEntry {
            name: name.clone(),
            file,
            sha256: sha256_hex(&bytes),
            bytes: bytes.len() as u64,
            parameters: trained.detector.num_params(),
            dataset: "caltech101".into(),
            positive_classes: classes.clone(),
            lambda: recipe.lambda,
            threshold: result.threshold,
            threshold_rule: format!("{:.0}th percentile of {} on {} held-out training photos", recipe.threshold_quantile * 100.0, photo.config.score.describe(), result.n_val),
            config: photo.config.clone(),
            calibration: trained.calibration,
            recipe,
            training_seconds: result.training_seconds,
            precision: SHIPPED_PRECISION,
            metrics: json!({
                "held_out_test": {
                    "what": format!("{:.0} % of each positive class's photos, never trained on, plus as many clutter photos (50 % outliers)", TEST_FRACTION * 100.0),
                    "test_fraction": TEST_FRACTION,
                    "positives": result.n_test_positives,
                    "outliers": result.n_test_outliers,
                    "crbnd": result.crbnd,
                    "classifier_only": result.classifier_only,
                    "recon_error": result.recon_error,
                },
                "n_train": result.n_train,
                "n_clf": result.n_clf,
                "n_val": result.n_val,
            }),
        };
        let _guard = manifest_lock.lock().unwrap();
        Manifest::upsert_in_dir(&plan.out_dir, entry.clone())?;
        Ok(entry)
    }, trained_message);
    results.into_iter().collect()
}

/// The held-out test photos of a shipped model's classes (the same split as training), for
/// thumbnails and fixtures that the model never saw.
pub fn held_out(folder: &PhotoFolder, class: &str, seed: u64, val_fraction: f64) -> Result<Vec<usize>> {
    let c = folder.class(class)?;
    Ok(photo_split(c.len(), TEST_FRACTION, val_fraction, class_seed(seed, class))?.test)
}
