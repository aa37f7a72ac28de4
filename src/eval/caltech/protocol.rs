//! The paper's Caltech protocol: for each n, R seeded runs of `train_and_test` on n random
//! object classes, each result cached so that a rerun resumes. It trains the shipped photo recipe
//! (`PhotoPlan::new`); the experiments that varied it are in docs/experiments.md.

use std::path::PathBuf;

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};

use super::report::{report, report_classes};
use super::{BackboneFiles, PhotoPlan, PhotoResult, RunOutcome, TEST_FRACTION, load_features, object_classes, train_and_test};
use crate::model::io::write_atomically;
use crate::error::{Error, Result};
use crate::eval::docs::write_blocks;
use crate::train::jobs::in_parallel;

pub struct ProtocolOptions {
    pub data_dir: PathBuf,
    /// Where per-run checkpoints and results go (a rerun skips finished runs).
    pub work_dir: PathBuf,
    pub backbone: BackboneFiles,
    /// The backbone's input side (default: `PhotoPlan`'s).
    pub side: Option<usize>,
    pub sizes: Vec<usize>,
    pub repeats: usize,
    /// Instead of random draws: n = 1 with every object class once as the positive class (the
    /// seed of each class's run is that of `--classes C --sizes 1 --repeats 1`).
    pub every_class: bool,
    pub jobs: usize,
    pub quick: bool,
    /// Only draw positives from these classes (default: every class but clutter).
    pub classes: Vec<String>,
    pub json: Option<PathBuf>,
    pub plot: Option<PathBuf>,
    /// Markdown files whose results block gets the table (`eval::docs`).
    pub readme: Vec<PathBuf>,
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
/// --repeats 1` would draw).
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
    let mut plan = PhotoPlan::new(opts.quick);
    if let Some(side) = opts.side {
        plan.config.side = side;
    }
    let (features, _) = load_features(&opts.data_dir, plan.config.side, &[], &opts.backbone)?;
    let objects = object_classes(&features, &opts.classes)?;
    if !opts.every_class
        && let Some(&n) = opts.sizes.iter().find(|&&n| n == 0 || n > objects.len())
    {
        return Err(Error::Config(format!("cannot draw {n} positive classes from {} ({})", objects.len(), objects.join(", "))));
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
            if let Ok(text) = std::fs::read_to_string(&path)
                && let Ok((key, result)) = serde_json::from_str::<(String, PhotoResult)>(&text)
                && RunKey::from_json(&key).is_some_and(|k| k == run_key)
                && result.classes == classes
            {
                bar.set_message("finished earlier");
                return Ok((n, result));
            }
            bar.set_message(classes.join(", "));
            let RunOutcome { result, .. } = train_and_test(&features, &classes, seed, &plan, bar)?;
            write_atomically(&path, serde_json::to_string_pretty(&(&recipe_key, &result)).unwrap().as_bytes())?;
            Ok((n, result))
        },
        |_| "done".into(),
    );
    let results: Vec<(usize, PhotoResult)> = results.into_iter().collect::<Result<_>>()?;
    let (md, json, svg, block) = if opts.every_class {
        let (md, json, svg) = report_classes(&results.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(), &plan);
        (md, json, svg, "caltech-classes")
    } else {
        let (md, json, svg) = report(&results, &opts.sizes, &plan);
        (md, json, svg, "caltech")
    };
    println!("{md}");
    if let Some(p) = &opts.json {
        write_atomically(p, serde_json::to_string_pretty(&json).unwrap().as_bytes())?;
    }
    if let Some(p) = &opts.plot {
        write_atomically(p, svg.as_bytes())?;
    }
    write_blocks(&opts.readme, block, &md)?;
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Everything a run's result depends on besides its seed and classes: a cached result counts
/// only under the same key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RunKey {
    plan: PhotoPlan,
    test_fraction: f64,
}

impl RunKey {
    fn of(plan: &PhotoPlan) -> Self {
        Self { plan: plan.clone(), test_fraction: TEST_FRACTION }
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap()
    }

    /// A cached key, read as values (`None`: unreadable).
    fn from_json(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_keys_compare_as_values() {
        let plan = PhotoPlan::new(false);
        let key = RunKey::of(&plan);
        assert_eq!(RunKey::from_json(&key.to_json()), Some(key.clone()));
        let mut changed = plan.clone();
        changed.recipe.clf_steps += 1;
        assert_ne!(RunKey::from_json(&RunKey::of(&changed).to_json()), Some(key));
        assert_eq!(RunKey::from_json("not a key"), None);
    }
}
