//! Other novelty detectors on the very same photos as CRBND's Caltech runs: the protocol's runs
//! (n = 1, 3, 5 classes, R seeded repeats: `connective eval --protocol caltech`) or every object
//! class once (`--every-class`). Same splits (`caltech::RunPhotos`), same test sets of held-out
//! positives and as many clutter photos, the same AUROC and F1 (threshold: the 5th percentile of
//! the validation positives' score). The published Caltech-256 numbers the issue compares with
//! cannot be had on this data; these can.
//!
//! ```sh
//! cargo run --release --example caltech_references -- DATA OUT [--every-class] [--sizes 1,3,5]
//!     [--repeats R] [--crbnd FILE_OR_DIR] [--alocc] [--ceiling] [--part K/M] [--alocc-images N]
//!     [--classes a,b] [--quick]
//! ```
//!
//! `--part K/M` trains ALOCC only for every M-th run from the K-th, so that M processes can share
//! the runs; a last run without it prints the whole table from their saved results.
//! `--alocc-images N` gives ALOCC another image budget than A's 18,000 (a saved result counts only
//! for its budget: give each budget its own OUT).
//!
//! `--crbnd` reads CRBND's results for the same runs, from a protocol JSON (`models/caltech.json`)
//! or a work folder (its `results/`); each must count the same training, validation and test
//! photos as the run drawn here, or the example stops.
//!
//! - Nearest neighbours (seconds, no training): a photo's score is minus its mean distance to its
//!   5 nearest training photos (all of the class's training photos, A's and C's), on the raw
//!   32 × 32 × 3 pixels and on a colour histogram (4 × 4 × 4 RGB bins, compared by the Hellinger
//!   distance). k = 5 and the bins were fixed before anything was measured.
//! - ALOCC (Sabokrou et al., CVPR 2018), the issue's reference method, re-implemented with
//!   CRBND's own networks: R is the photo reconstructor A (residual encoder-decoder, no long skips),
//!   D the photo classifier C. R learns to rebuild x from x + N(0, 0.155²) while fooling D; D tells
//!   the training photos from R's rebuilds: min_R max_D log D(x) + log(1 − D(R(x̃))) + 0.2 ‖x − R(x̃)‖²
//!   (ALOCC's published code: weight 0.2, Adam lr 0.002, β₁ 0.5). The same image budget as A
//!   (18,000 images), batch 64, random left-right flips; the last epoch is kept. Scores: D(R(x))
//!   (ALOCC's), D(x), and R's own reconstruction error (`caltech::references`). Each run's result
//!   is saved as it finishes (OUT/alocc/RUN.json, with its settings); a rerun skips the finished
//!   runs.
//! - A supervised ceiling (`--ceiling`; not a novelty detector): CRBND's photo classifier C
//!   trained to tell the run's training photos from clutter photos, which no novelty detector is
//!   shown, with C's image budget (12,000 positives and as many clutter photos, batches of 64 + 64,
//!   flips, last step). The test photos are scored in two folds; each fold's network learns from
//!   every clutter photo but that fold's test clutter, and each fold is measured on its own (AUROC
//!   and F1 the mean over the folds). What these networks can tell apart at this size when the
//!   outlier class itself is in the training set: a ceiling for what the novelty detectors above
//!   reach without it. Saved per run as OUT/ceiling/RUN.json.
//!
//! Results print as a Markdown table (per class and the mean), and go to OUT/references.json.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> anyhow::Result<()> {
    native::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    use anyhow::{Context, bail};
    use connective::metrics::{auroc, f1_at, positive_quantile};
    use connective::native::caltech::{ALOCC, Pair, PhotoPlan, PhotoResult, PlannedRun, RunPhotos, load_folder, object_classes, planned_runs, published};
    use connective::native::caltech::references::{CEILING_FOLDS, CEILING_SEED, alocc_key, ceiling_key, colour_histograms, knn_scores, logits, train_alocc, train_supervised};
    use connective::native::photos::PhotoFolder;
    use connective::native::plot::{Series, bar_chart, row_chart, y_range_for};
    use indicatif::{ProgressBar, ProgressStyle};
    use serde::{Deserialize, Serialize};

    /// Neighbours per photo, and colour bins per channel (fixed before anything was measured).
    const K: usize = 5;
    const BINS: usize = 4;

    /// One run's ALOCC detector, measured.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct AloccResult {
        /// The settings it was trained with (`alocc_key`): a saved result counts only for these.
        key: String,
        d_of_r: Pair,
        d_of_x: Pair,
        error: Pair,
        epochs: usize,
        seconds: f64,
        /// Mean D and R losses of the last epoch (whether the game stayed balanced).
        last_losses: (f64, f64),
    }

    /// One run's supervised ceiling, measured fold by fold.
    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct CeilingResult {
        key: String,
        /// The mean over the folds.
        mean: Pair,
        folds: Vec<Pair>,
        /// Clutter photos each fold's network learned from.
        clutter_seen: Vec<usize>,
        seconds: f64,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct ClassRow {
        run: String,
        n: usize,
        classes: Vec<String>,
        n_train: usize,
        n_test_positives: usize,
        crbnd: Option<Pair>,
        crbnd_error: Option<Pair>,
        knn_pixels: Pair,
        knn_colours: Pair,
        alocc: Option<AloccResult>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ceiling: Option<CeilingResult>,
    }

    struct Args {
        data: PathBuf,
        out: PathBuf,
        crbnd: Option<PathBuf>,
        alocc: bool,
        ceiling: bool,
        classes: Vec<String>,
        quick: bool,
        every_class: bool,
        repeats: usize,
        /// `(k, m)`: only runs k, k + m, k + 2m, ... (so that m processes share ALOCC's trainings);
        /// the whole table needs a last run without it.
        part: Option<(usize, usize)>,
        sizes: Vec<usize>,
        /// ALOCC's image budget, when not A's.
        alocc_images: Option<usize>,
    }

    fn args() -> anyhow::Result<Args> {
        let mut it = std::env::args().skip(1);
        let usage = "usage: caltech_references DATA OUT [--every-class] [--sizes 1,3,5] [--repeats R] [--crbnd FILE_OR_DIR] [--alocc] [--ceiling] [--part K/M] [--alocc-images N] [--classes a,b] [--quick]";
        let (Some(data), Some(out)) = (it.next(), it.next()) else { bail!(usage) };
        let mut a = Args { data: data.into(), out: out.into(), crbnd: None, alocc: false, ceiling: false, classes: Vec::new(), quick: false, every_class: false, repeats: 5, part: None, sizes: vec![1, 3, 5], alocc_images: None };
        while let Some(flag) = it.next() {
            match flag.as_str() {
                "--crbnd" => a.crbnd = Some(it.next().context(usage)?.into()),
                "--alocc" => a.alocc = true,
                "--ceiling" => a.ceiling = true,
                "--quick" => a.quick = true,
                "--every-class" => a.every_class = true,
                "--part" => {
                    let v = it.next().context(usage)?;
                    let (k, m) = v.split_once('/').context("--part takes K/M")?;
                    let (k, m): (usize, usize) = (k.parse()?, m.parse()?);
                    if k >= m {
                        bail!("--part K/M needs K < M");
                    }
                    a.part = Some((k, m));
                }
                "--sizes" => a.sizes = it.next().context(usage)?.split(',').map(str::parse).collect::<Result<_, _>>().context("--sizes takes numbers, e.g. 1,3,5")?,
                "--alocc-images" => a.alocc_images = Some(it.next().context(usage)?.parse().context("--alocc-images takes a number")?),
                "--repeats" => a.repeats = it.next().context(usage)?.parse().context("--repeats takes a number")?,
                "--classes" => a.classes = it.next().context(usage)?.split(',').map(String::from).collect(),
                other => bail!("unknown argument {other:?}; {usage}"),
            }
        }
        Ok(a)
    }

    /// AUROC and F1 of `test` scores (higher = positive), thresholded at the 5th percentile of the
    /// validation positives' scores, as every detector of the protocol is.
    fn pair(test: &[f32], labels: &[bool], val: &[f32]) -> Pair {
        let t = positive_quantile(val, 0.05).unwrap_or(f32::NEG_INFINITY);
        Pair { auroc: auroc(test, labels).unwrap_or(f64::NAN), f1: f1_at(test, labels, t) }
    }

    fn alocc_run(plan: &PhotoPlan, run: &str, photos: &RunPhotos, out: &Path, bar: &ProgressBar) -> anyhow::Result<AloccResult> {
        let file = out.join("alocc").join(format!("{run}.json"));
        let key = alocc_key(plan);
        if let Ok(text) = std::fs::read_to_string(&file)
            && let Ok(saved) = serde_json::from_str::<AloccResult>(&text)
            && saved.key == key
        {
            return Ok(saved);
        }
        let started = Instant::now();
        let shape = plan.config.image_shape();
        // ALOCC has no separate classifier data: R and D learn from all training photos,
        // repeated (as A's are) so that an epoch covers at least `epoch_images`.
        let train = photos.all_training().repeat(plan.epoch_repeats(photos.n_train + photos.n_clf));
        let alocc = train_alocc(plan, &train, bar);
        let (v, t) = (alocc.scores(&photos.val, shape), alocc.scores(&photos.test, shape));
        if t.d_of_r.iter().chain(&t.d_of_x).chain(&t.error).any(|v| !v.is_finite()) {
            bail!("ALOCC on {run}: training diverged (non-finite scores)");
        }
        let l = &photos.labels;
        let result = AloccResult {
            key,
            d_of_r: pair(&t.d_of_r, l, &v.d_of_r),
            d_of_x: pair(&t.d_of_x, l, &v.d_of_x),
            error: pair(&t.error, l, &v.error),
            epochs: alocc.epochs,
            seconds: started.elapsed().as_secs_f64(),
            last_losses: alocc.last_losses,
        };
        std::fs::create_dir_all(file.parent().unwrap())?;
        std::fs::write(&file, serde_json::to_string_pretty(&result)?)?;
        Ok(result)
    }

    /// The supervised ceiling of one run (saved, and reused while its settings are the same).
    fn ceiling_run(plan: &PhotoPlan, run: &str, folder: &PhotoFolder, photos: &RunPhotos, out: &Path, bar: &ProgressBar) -> anyhow::Result<CeilingResult> {
        let file = out.join("ceiling").join(format!("{run}.json"));
        let key = ceiling_key(plan);
        if let Ok(text) = std::fs::read_to_string(&file)
            && let Ok(saved) = serde_json::from_str::<CeilingResult>(&text)
            && saved.key == key
        {
            return Ok(saved);
        }
        let started = Instant::now();
        let shape = plan.config.image_shape();
        let len: usize = shape.iter().product();
        let positives = photos.all_training();
        let (mut folds, mut clutter_seen) = (Vec::new(), Vec::new());
        for fold in 0..CEILING_FOLDS {
            let (clutter, seen) = photos.training_clutter(folder, fold, CEILING_FOLDS)?;
            let c = train_supervised(plan, &positives, &clutter, CEILING_SEED + fold as u64, bar);
            let mine: Vec<usize> = (0..photos.labels.len()).filter(|&i| photos.test_fold(i, CEILING_FOLDS) == fold).collect();
            let test: Vec<f32> = mine.iter().flat_map(|&i| photos.test[i * len..(i + 1) * len].iter().copied()).collect();
            let labels: Vec<bool> = mine.iter().map(|&i| photos.labels[i]).collect();
            let (t, v) = (logits(&c, &test, shape), logits(&c, &photos.val, shape));
            if t.iter().chain(&v).any(|x| !x.is_finite()) {
                bail!("supervised ceiling on {run}: training diverged (non-finite scores)");
            }
            folds.push(pair(&t, &labels, &v));
            clutter_seen.push(seen.len());
        }
        let k = folds.len() as f64;
        let mean = Pair { auroc: folds.iter().map(|p| p.auroc).sum::<f64>() / k, f1: folds.iter().map(|p| p.f1).sum::<f64>() / k };
        let result = CeilingResult { key, mean, folds, clutter_seen, seconds: started.elapsed().as_secs_f64() };
        std::fs::create_dir_all(file.parent().unwrap())?;
        std::fs::write(&file, serde_json::to_string_pretty(&result)?)?;
        Ok(result)
    }

    /// CRBND's result for `run`: from a protocol JSON (matched by classes and seed) or from a work
    /// folder's cached result.
    fn crbnd_result(source: &Path, run: &PlannedRun) -> anyhow::Result<PhotoResult> {
        if source.is_file() {
            let text = std::fs::read_to_string(source).with_context(|| format!("reading {}", source.display()))?;
            let json: serde_json::Value = serde_json::from_str(&text)?;
            let runs = json["by_positives"].as_array().into_iter().flatten().filter_map(|b| b["runs"].as_array()).flatten();
            for r in runs {
                let r: PhotoResult = serde_json::from_value(r.clone())?;
                if r.classes == run.classes && r.seed == run.seed {
                    return Ok(r);
                }
            }
            bail!("{} has no run of {:?} with seed {}", source.display(), run.classes, run.seed);
        }
        let file = source.join("results").join(format!("{}.json", run.name));
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        // A cached protocol result is (its run key, the result).
        let (_key, result): (serde_json::Value, PhotoResult) = serde_json::from_str(&text).with_context(|| format!("reading {}", file.display()))?;
        Ok(result)
    }

    fn cell(p: Option<Pair>) -> String {
        p.map_or("".into(), |p| format!("{:.3} / {:.3}", p.auroc, p.f1))
    }

    /// The mean over `rows`, when every row has the score.
    fn mean(rows: &[&ClassRow], f: impl Fn(&ClassRow) -> Option<Pair>) -> Option<Pair> {
        let v: Vec<Pair> = rows.iter().filter_map(|r| f(r)).collect();
        (v.len() == rows.len() && !v.is_empty()).then(|| Pair {
            auroc: v.iter().map(|p| p.auroc).sum::<f64>() / v.len() as f64,
            f1: v.iter().map(|p| p.f1).sum::<f64>() / v.len() as f64,
        })
    }

    /// Mean AUROC per n for every method (bars; ALOCC's published Caltech-256 number beside), or,
    /// for every class once, one row per class with ALOCC's published n = 1 AUROC as a line.
    fn chart(rows: &[ClassRow], sizes: &[usize], every_class: bool) -> String {
        type Get = fn(&ClassRow) -> Option<f64>;
        // For a row per class, the first three: CRBND, ALOCC's better score here, and the best
        // method without training.
        let methods: [(&str, &'static str, Get); 7] = [
            ("CRBND (eq. 6′)", "#1f77b4", |r| r.crbnd.map(|p| p.auroc)),
            ("ALOCC here, D(x)", "#ff9896", |r| r.alocc.as_ref().map(|a| a.d_of_x.auroc)),
            ("5-NN, pixels", "#9467bd", |r| Some(r.knn_pixels.auroc)),
            ("ALOCC here, D(R(x))", "#d62728", |r| r.alocc.as_ref().map(|a| a.d_of_r.auroc)),
            ("5-NN, colours", "#c5b0d5", |r| Some(r.knn_colours.auroc)),
            ("CRBND's A, error", "#ff7f0e", |r| r.crbnd_error.map(|p| p.auroc)),
            ("supervised, shown clutter", "#2ca02c", |r| r.ceiling.as_ref().map(|c| c.mean.auroc)),
        ];
        if every_class {
            let names: Vec<String> = rows.iter().map(|r| r.classes.join(", ")).collect();
            let series: Vec<Series> = methods[..3]
                .iter()
                .map(|&(name, colour, get)| Series { name: name.into(), colour, points: rows.iter().enumerate().filter_map(|(i, r)| get(r).map(|v| (i as f64, v))).collect(), dashed: false })
                .filter(|s| !s.points.is_empty())
                .collect();
            let lo = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(1.0f64, f64::min);
            return row_chart("Each class against clutter, the same photos: AUROC", &names, "AUROC", ((lo * 10.0).floor() / 10.0, 1.0), &series, Some((ALOCC[0].0, "ALOCC n = 1 (Caltech-256)")));
        }
        let mut series: Vec<Series> = methods
            .iter()
            .map(|&(name, colour, get)| Series {
                name: name.into(),
                colour,
                points: sizes
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &n)| {
                        let v: Vec<f64> = rows.iter().filter(|r| r.n == n).map(get).collect::<Option<_>>()?;
                        (!v.is_empty()).then(|| (i as f64, v.iter().sum::<f64>() / v.len() as f64))
                    })
                    .collect(),
                dashed: false,
            })
            .filter(|s| !s.points.is_empty())
            .collect();
        series.push(Series {
            name: "ALOCC paper, Caltech-256".into(),
            colour: "#7f7f7f",
            points: sizes.iter().enumerate().filter_map(|(i, &n)| published(n).map(|((auroc, _), _)| (i as f64, auroc))).collect(),
            dashed: false,
        });
        let cats: Vec<String> = sizes.iter().map(|n| format!("{n} positive class{}", if *n == 1 { "" } else { "es" })).collect();
        let range = y_range_for(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
        bar_chart("Other detectors on the same photos (50 % clutter): AUROC", &cats, "mean AUROC", range, &series)
    }

    pub fn main() -> anyhow::Result<()> {
        let a = args()?;
        let mut plan = PhotoPlan::new(connective::native::caltech::PHOTO_SIZE, a.quick);
        // ALOCC's budget is A's unless asked otherwise (the photos a run draws do not depend on it).
        plan.ae_images = a.alocc_images.unwrap_or(plan.ae_images);
        let folder = load_folder(&a.data, plan.size, &[])?;
        let objects = object_classes(&folder, &a.classes)?;
        let sizes: Vec<usize> = a.sizes.iter().copied().filter(|&n| n <= objects.len()).collect();
        let runs = planned_runs(&objects, &sizes, a.repeats, a.every_class);
        std::fs::create_dir_all(&a.out)?;
        let style = ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} {elapsed} {msg}")?.progress_chars("=> ");
        let dim = 3 * plan.size * plan.size;
        let hdim = BINS * BINS * BINS;
        let mut rows = Vec::new();
        for (i, run) in runs.iter().enumerate() {
            if a.part.is_some_and(|(k, m)| i % m != k) {
                continue;
            }
            let photos = RunPhotos::draw(&folder, &run.classes, run.seed, &plan)?;
            let n_each = photos.labels.len() / 2;
            let crbnd = a.crbnd.as_deref().map(|d| crbnd_result(d, run)).transpose()?;
            if let Some(c) = &crbnd
                && (c.n_train, c.n_clf, c.n_val, c.n_test_positives) != (photos.n_train, photos.n_clf, photos.n_val, n_each)
            {
                bail!("{}: CRBND's result counts other photos than this run draws (not the same split)", run.name);
            }
            let refs = photos.all_training();
            let l = &photos.labels;
            let knn_pixels = pair(&knn_scores(&refs, &photos.test, dim, K), l, &knn_scores(&refs, &photos.val, dim, K));
            let hist = |p: &[f32]| colour_histograms(p, plan.size, BINS);
            let (rc, tc, vc) = (hist(&refs), hist(&photos.test), hist(&photos.val));
            let knn_colours = pair(&knn_scores(&rc, &tc, hdim, K), l, &knn_scores(&rc, &vc, hdim, K));
            let alocc = if a.alocc {
                let bar = ProgressBar::new(0).with_style(style.clone()).with_prefix(run.name.clone());
                let r = alocc_run(&plan, &run.name, &photos, &a.out, &bar)?;
                bar.finish_and_clear();
                eprintln!("{}: ALOCC D(R(x)) AUROC {:.3}, D(x) {:.3}, R's error {:.3} ({:.0} s)", run.name, r.d_of_r.auroc, r.d_of_x.auroc, r.error.auroc, r.seconds);
                Some(r)
            } else {
                None
            };
            let ceiling = if a.ceiling {
                let bar = ProgressBar::new(0).with_style(style.clone()).with_prefix(run.name.clone());
                let r = ceiling_run(&plan, &run.name, &folder, &photos, &a.out, &bar)?;
                bar.finish_and_clear();
                eprintln!("{}: supervised ceiling AUROC {:.3}, F1 {:.3} ({:.0} s)", run.name, r.mean.auroc, r.mean.f1, r.seconds);
                Some(r)
            } else {
                None
            };
            rows.push(ClassRow {
                run: run.name.clone(),
                n: run.n,
                classes: run.classes.clone(),
                n_train: photos.n_train + photos.n_clf,
                n_test_positives: n_each,
                crbnd: crbnd.as_ref().map(|r| r.crbnd),
                crbnd_error: crbnd.as_ref().map(|r| r.recon_error),
                knn_pixels,
                knn_colours,
                alocc,
                ceiling,
            });
        }
        println!("| run | positive classes | training photos | test positives | CRBND (eq. 6′) | CRBND's A, error | 5-NN, pixels | 5-NN, colour histogram | ALOCC D(R(x)) | ALOCC D(x) | ALOCC R's error | supervised ceiling (shown clutter) |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        let al = |r: &ClassRow, f: fn(&AloccResult) -> Pair| r.alocc.as_ref().map(f);
        let columns = |rows: &[&ClassRow]| -> [Option<Pair>; 8] {
            [
                mean(rows, |r| r.crbnd),
                mean(rows, |r| r.crbnd_error),
                mean(rows, |r| Some(r.knn_pixels)),
                mean(rows, |r| Some(r.knn_colours)),
                mean(rows, |r| al(r, |a| a.d_of_r)),
                mean(rows, |r| al(r, |a| a.d_of_x)),
                mean(rows, |r| al(r, |a| a.error)),
                mean(rows, |r| r.ceiling.as_ref().map(|c| c.mean)),
            ]
        };
        for r in &rows {
            let cells = columns(&[r]).map(cell).join(" | ");
            println!("| {} | {} | {} | {} | {cells} |", r.run, r.classes.join(", "), r.n_train, r.n_test_positives);
        }
        for &n in &sizes {
            let of_n: Vec<&ClassRow> = rows.iter().filter(|r| r.n == n).collect();
            if !of_n.is_empty() {
                let cells = columns(&of_n).map(cell).join(" | ");
                println!("| **mean**, n = {n} ({} runs) | | | | {cells} |", of_n.len());
            }
        }
        println!("\nEach cell: AUROC / F1 (threshold: the 5th percentile of the validation positives' score).");
        std::fs::write(a.out.join("references.json"), serde_json::to_string_pretty(&rows)?)?;
        std::fs::write(a.out.join("references.svg"), chart(&rows, &sizes, a.every_class))?;
        Ok(())
    }
}
