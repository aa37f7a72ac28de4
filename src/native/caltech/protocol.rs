//! The paper's Caltech protocol: for each n, R seeded runs of `train_and_test` on n random
//! object classes, cached per run so that a rerun resumes; optionally on the reconstructors of an
//! earlier protocol run (a paired comparison of C recipes).

use std::path::{Path, PathBuf};

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};

use super::report::{report, report_classes};
use super::{PHOTO_SIZE, PhotoPlan, PhotoResult, TEST_FRACTION, load_folder, object_classes, train_and_test};
use crate::connective::DetectorConfig;
use crate::error::{Error, Result};
use crate::native::checkpoint::Checkpointer;
use crate::native::jobs::in_parallel;
use crate::recipe::Recipe;

pub struct ProtocolOptions {
    pub data_dir: PathBuf,
    /// Where per-run checkpoints and results go (a rerun skips finished runs).
    pub work_dir: PathBuf,
    pub sizes: Vec<usize>,
    pub repeats: usize,
    /// Instead of random draws: n = 1 with every object class once as the positive class (the
    /// seed of each class's run is that of `--classes C --sizes 1 --repeats 1`).
    pub every_class: bool,
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
    /// A learns from random views of half its training photos (largest zoom-in − 1).
    pub ae_views: Option<f32>,
    /// At most this many training photos per positive class (a learning curve).
    pub max_train_photos: Option<usize>,
    pub synthetic: Option<crate::augment::SyntheticKind>,
    /// C's negatives as the paper makes them: motion blur or Gaussian noise of A(x), half each,
    /// and nothing else (no warped or erased reconstructions, no synthetic outliers).
    pub paper_negatives: bool,
    /// Share of C's negatives that are connective images of synthetic outliers (default 0.4).
    pub synthetic_fraction: Option<f32>,
    pub swap_fraction: Option<f32>,
    /// A's corruption (eqs. 1, 2): noise σ and coarse-dropout probability.
    pub noise_std: Option<f32>,
    pub dropout_p: Option<f32>,
    /// Reuse the finished reconstructors of an earlier protocol run (its work folder) and train
    /// only new classifiers: a paired comparison of C recipes on the very same A.
    pub reuse_reconstructors: Option<PathBuf>,
    pub clf_cosine: bool,
    pub clf_widths: Option<[usize; 3]>,
    /// Widths of A's convolutions at full, half and quarter side (default 16, 32, 64).
    pub ae_widths: Option<[usize; 3]>,
    /// C's own seed (another draw of C on the same A).
    pub clf_seed: Option<u64>,
    /// Another draw of the whole training (A and C) on the same classes, splits and test photos:
    /// how far a run moves between trainings of one recipe.
    pub train_seed: Option<u64>,
    /// λ of the connective images (eqs. 4–6), in training and at test time alike.
    pub lambda: Option<f32>,
    /// Classifiers averaged per detector (default: the photo detector's).
    pub classifiers: Option<usize>,
    /// Write every run's per-image scores here (`RunScores`, one JSON file per run); finished
    /// runs are scored again from their checkpoints for it (no training).
    pub scores_out: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub plot: Option<PathBuf>,
    pub readme: Option<PathBuf>,
}

/// One run of the protocol, before it is trained.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRun {
    pub n: usize,
    /// Its checkpoint folder and result file: `n{n}-r{r}`, or `n1-{class}` for every class once.
    pub name: String,
    /// What its progress bar says.
    pub label: String,
    pub seed: u64,
    pub classes: Vec<String>,
}

/// The runs of the protocol over `objects` (the object classes, in name order): for each n in
/// `sizes`, `repeats` runs of n classes drawn with the run's seed 1000·n + r; or, with
/// `every_class`, each class once as the positive class (seed 1000, as `--classes C --sizes 1
/// --repeats 1` would draw). Other detectors on the protocol's photos (examples/caltech_references.rs)
/// take their runs from here too.
pub fn planned_runs(objects: &[String], sizes: &[usize], repeats: usize, every_class: bool) -> Vec<PlannedRun> {
    if every_class {
        return objects.iter().map(|c| PlannedRun { n: 1, name: format!("n1-{c}"), label: c.clone(), seed: 1000, classes: vec![c.clone()] }).collect();
    }
    let mut runs = Vec::new();
    for &n in sizes {
        for r in 0..repeats {
            let seed = 1000 * n as u64 + r as u64;
            runs.push(PlannedRun { n, name: format!("n{n}-r{r}"), label: format!("n={n} run {}/{repeats}", r + 1), seed, classes: draw_classes(objects, n, seed) });
        }
    }
    runs
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
    if let Some(n) = opts.max_train_photos {
        plan.recipe.max_train = Some(n);
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
    if opts.paper_negatives {
        let a = &mut plan.recipe.augment;
        (a.blur_fraction, a.warp_fraction, a.erase_fraction, a.synthetic_fraction) = (0.5, 0.0, 0.0, 0.0);
    }
    if let Some(v) = opts.synthetic_fraction {
        plan.recipe.augment.synthetic_fraction = v;
    }
    if let Some(v) = opts.clf_views {
        plan.recipe.augment.clf_views = v;
    }
    if let Some(v) = opts.ae_views {
        plan.recipe.augment.ae_views = v;
    }
    if let Some(v) = opts.swap_fraction {
        plan.recipe.augment.swap_fraction = v;
    }
    if let Some(v) = opts.noise_std {
        plan.recipe.augment.noise_std = v;
    }
    if let Some(v) = opts.dropout_p {
        plan.recipe.augment.dropout_p = v;
    }
    plan.recipe.clf_cosine |= opts.clf_cosine;
    if let Some(w) = opts.clf_widths {
        plan.config.classifier.widths = w;
    }
    if let Some(w) = opts.ae_widths {
        plan.config.autoencoder.widths = w;
    }
    plan.recipe.clf_seed = opts.clf_seed.or(plan.recipe.clf_seed);
    plan.train_draw = opts.train_seed;
    if let Some(l) = opts.lambda {
        plan.recipe.lambda = l;
    }
    if let Some(k) = opts.classifiers {
        plan.config.classifiers = k;
    }
    let folder = load_folder(&opts.data_dir, plan.size, &[])?;
    let objects = object_classes(&folder, &opts.classes)?;
    if !opts.every_class
        && let Some(&n) = opts.sizes.iter().find(|&&n| n == 0 || n > objects.len())
    {
        return Err(Error::Config(format!("cannot draw {n} positive classes from {} ({})", objects.len(), objects.join(", "))));
    }
    if let Some(dir) = &opts.scores_out {
        std::fs::create_dir_all(dir).map_err(|e| Error::data(dir.display().to_string(), e.to_string()))?;
    }
    let results_dir = opts.work_dir.join("results");
    std::fs::create_dir_all(&results_dir).map_err(|e| Error::data(results_dir.display().to_string(), e.to_string()))?;
    let run_key = RunKey::of(&plan);
    let recipe_key = run_key.to_json();
    let results = in_parallel(
        planned_runs(&objects, &opts.sizes, opts.repeats, opts.every_class),
        opts.jobs,
        |run| run.label.clone(),
        |PlannedRun { n, name, seed, classes, .. }, bar| {
            let path = results_dir.join(format!("{name}.json"));
            if opts.scores_out.is_none()
                && let Ok(text) = std::fs::read_to_string(&path)
                && let Ok((key, result)) = serde_json::from_str::<(String, PhotoResult)>(&text)
                && RunKey::from_json(&key).is_some_and(|k| k == run_key)
                && result.classes == classes
            {
                bar.set_message("finished earlier");
                return Ok((n, result));
            }
            bar.set_message(classes.join(", "));
            let ckpt = Checkpointer::new(opts.work_dir.join(&name))?;
            // An adopted A is marked, so a run killed while its new C trains starts that C again
            // (minutes) instead of resuming a checkpoint made with the other run's recipe.
            let adopted = ckpt.path("adopted");
            if let Some(from) = &opts.reuse_reconstructors
                && ckpt.load_state()?.is_none()
            {
                std::fs::write(&adopted, from.display().to_string()).map_err(|e| Error::data(adopted.display().to_string(), e.to_string()))?;
                adopt_reconstructor(&from.join(&name), &from.join("results").join(format!("{name}.json")), &run_key, &ckpt)?;
            }
            let retrain = adopted.exists();
            let super::RunOutcome { result, scores, .. } = train_and_test(&folder, &classes, seed, &plan, &ckpt, retrain, opts.scores_out.is_some(), bar)?;
            if let (Some(dir), Some(scores)) = (&opts.scores_out, scores) {
                let file = dir.join(format!("{name}.json"));
                std::fs::write(&file, serde_json::to_string(&scores).unwrap()).map_err(|e| Error::data(file.display().to_string(), e.to_string()))?;
            }
            std::fs::write(&path, serde_json::to_string_pretty(&(&recipe_key, &result)).unwrap())
                .map_err(|e| Error::data(path.display().to_string(), e.to_string()))?;
            Ok((n, result))
        },
        |_| "done".into(),
    );
    let results: Vec<(usize, PhotoResult)> = results.into_iter().collect::<Result<_>>()?;
    let (md, json, svg, block) = if opts.every_class {
        let (md, json, svg) = report_classes(&results.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(), &folder);
        (md, json, svg, "caltech-classes")
    } else {
        let (md, json, svg) = report(&results, &opts.sizes, &folder);
        (md, json, svg, "caltech")
    };
    println!("{md}");
    if let Some(p) = &opts.json {
        std::fs::write(p, serde_json::to_string_pretty(&json).unwrap()).map_err(|e| Error::data(p.display().to_string(), e.to_string()))?;
    }
    if let Some(p) = &opts.plot {
        std::fs::write(p, svg).map_err(|e| Error::data(p.display().to_string(), e.to_string()))?;
    }
    if let Some(p) = &opts.readme {
        let text = std::fs::read_to_string(p).map_err(|e| Error::data(p.display().to_string(), e.to_string()))?;
        let new = crate::native::eval::replace_block(&text, block, &md)
            .ok_or_else(|| Error::data(p.display().to_string(), format!("no <!-- connective:results:{block} --> block")))?;
        std::fs::write(p, new).map_err(|e| Error::data(p.display().to_string(), e.to_string()))?;
    }
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Everything a run's result depends on besides its seed and classes: a cached result counts
/// only under the same key. Written as a JSON array (its fields in this order), as before it had
/// names, so that results cached by older builds still match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "RunKeyFields", into = "RunKeyFields")]
struct RunKey {
    recipe: Recipe,
    config: DetectorConfig,
    ae_images: usize,
    clf_images: usize,
    epoch_images: usize,
    clf_fraction: f64,
    test_fraction: f64,
}

type RunKeyFields = (Recipe, DetectorConfig, usize, usize, usize, f64, f64);

impl From<RunKeyFields> for RunKey {
    fn from((recipe, config, ae_images, clf_images, epoch_images, clf_fraction, test_fraction): RunKeyFields) -> Self {
        Self { recipe, config, ae_images, clf_images, epoch_images, clf_fraction, test_fraction }
    }
}

impl From<RunKey> for RunKeyFields {
    fn from(k: RunKey) -> Self {
        (k.recipe, k.config, k.ae_images, k.clf_images, k.epoch_images, k.clf_fraction, k.test_fraction)
    }
}

impl RunKey {
    fn of(plan: &PhotoPlan) -> Self {
        Self {
            recipe: plan.recipe.clone(),
            config: plan.config.clone(),
            ae_images: plan.ae_images,
            clf_images: plan.clf_images,
            epoch_images: plan.epoch_images,
            clf_fraction: plan.clf_fraction,
            test_fraction: TEST_FRACTION,
        }
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap()
    }

    /// A cached key, read as values: one written before a recipe field existed reads that
    /// field's default and still matches (`None`: unreadable).
    fn from_json(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    /// Why a reconstructor trained under `self` is not the one `ours` would train (`None`: it
    /// is). The recipe is `train_detector`'s to check; C's network and C's budget may differ.
    fn reconstructor_differs(&self, ours: &RunKey) -> Option<&'static str> {
        [
            (self.config.autoencoder != ours.config.autoencoder, "another reconstructor network"),
            (self.ae_images != ours.ae_images, "another image budget for A"),
            (self.epoch_images != ours.epoch_images, "other epochs"),
            (self.clf_fraction != ours.clf_fraction, "another share of photos kept from A for C"),
            (self.test_fraction != ours.test_fraction, "another test split"),
        ]
        .into_iter()
        .find_map(|(differs, why)| differs.then_some(why))
    }
}

/// Copies a finished reconstructor (and its training state) from another protocol run of the same
/// run number into `ckpt`, after checking that the other run trained A exactly as this one would:
/// same networks, photo budget and splits, and an A recipe `train_detector` accepts for a new C.
fn adopt_reconstructor(from: &Path, from_result: &Path, ours: &RunKey, ckpt: &Checkpointer) -> Result<()> {
    let io = |p: &Path, e: &dyn std::fmt::Display| Error::data(p.display().to_string(), e.to_string());
    let text = std::fs::read_to_string(from_result).map_err(|e| io(from_result, &e))?;
    let (their_key, _): (String, PhotoResult) = serde_json::from_str(&text).map_err(|e| io(from_result, &e))?;
    let theirs: RunKey = serde_json::from_str(&their_key).map_err(|e| io(from_result, &format!("unreadable run key: {e}")))?;
    if let Some(why) = theirs.reconstructor_differs(ours) {
        return Err(Error::Config(format!("{} trained its reconstructor with {why}", from_result.display())));
    }
    for f in ["ae_best.bpk", "ae_last.bpk", "ae_optim.bpk", "state.json"] {
        let src = from.join(f);
        std::fs::copy(&src, ckpt.path(f)).map_err(|e| io(&src, &e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_keys_keep_their_cached_form_and_name_what_differs() {
        let plan = PhotoPlan::new(PHOTO_SIZE, false);
        let key = RunKey::of(&plan);
        // The form results were cached under before the key had names: a JSON array.
        let tuple = serde_json::to_string(&(&plan.recipe, &plan.config, plan.ae_images, plan.clf_images, plan.epoch_images, plan.clf_fraction, TEST_FRACTION)).unwrap();
        assert_eq!(key.to_json(), tuple);
        assert_eq!(serde_json::from_str::<RunKey>(&tuple).unwrap(), key);
        // A key cached before a recipe field existed (here `drawn_threshold_quantile`, session
        // 12) still matches: keys are compared as values, the missing field read as its default.
        let older = key.to_json().replace(r#""drawn_threshold_quantile":0.05,"#, "");
        assert_ne!(older, key.to_json(), "the field is written");
        assert_eq!(RunKey::from_json(&older), Some(key.clone()));
        let mut changed = plan.recipe.clone();
        changed.drawn_threshold_quantile = 0.1;
        assert_ne!(RunKey::from_json(&serde_json::to_string(&RunKey { recipe: changed, ..key.clone() }).unwrap()), Some(key.clone()));
        assert_eq!(RunKey::from_json("not a key"), None);

        // Another C recipe, C network or C budget may reuse A; anything A depends on may not.
        let mut other = key.clone();
        other.clf_images += 1;
        other.config.classifier.widths = [8, 8, 8];
        other.config.classifiers = 1;
        assert_eq!(other.reconstructor_differs(&key), None);
        let mut other = key.clone();
        other.config.autoencoder.latent += 1;
        assert_eq!(other.reconstructor_differs(&key), Some("another reconstructor network"));
        let mut other = key.clone();
        other.epoch_images *= 2;
        assert_eq!(other.reconstructor_differs(&key), Some("other epochs"));
        let mut other = key.clone();
        other.test_fraction = 0.2;
        assert_eq!(other.reconstructor_differs(&key), Some("another test split"));
    }
}
