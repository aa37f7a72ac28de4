//! `connective eval`: the paper's MNIST protocols, for CRBND's score f(x) and, beside it, the
//! plain reconstruction-error score −‖x − A(x)‖² of the same autoencoder (the baseline the
//! paper argues against). Thresholds of both come from validation positives only.

use std::fmt::Write as _;
use std::path::PathBuf;

use burn::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{SeedableRng, rngs::StdRng, seq::index::sample};
use serde::Serialize;
use serde_json::json;

use super::docs::write_blocks;
use super::plot::{Series, bar_chart, line_chart, y_range_for};
use crate::model::io::write_atomically;
use crate::data::mnist::{Mnist, to_unit};
use crate::data::redraw::{Style, redraw};
use crate::error::{Error, Result};
use crate::metrics::{Confusion, auroc, f1_at, mean_std};
use crate::model::calibration::{ScoreRule, positive_quantile};
use crate::model::io::{Manifest, ModelEntry, read_detector};
use crate::model::recipe::percentile_words;
use crate::model::backbone::{DIGIT_BLOCK, EarlyBackbone};
use crate::model::neighbours::NeighboursConfig;
use crate::model::scoring::score_batches;
use crate::train::digits::{digit_entries, drawn_threshold, recipe_split};
use crate::train::neighbours::{every_digit, scores as neighbour_scores};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
pub enum Protocol {
    /// Each digit against the whole MNIST test set (about 10 % inliers).
    OneClass,
    /// The paper's Fig. 3: test sets with 10–50 % outliers, several random draws.
    Paper,
    /// One-class, but every test digit is first redrawn as the page sees a drawing: enlarged
    /// 4×, binarised, dark on white, then put through the same MNIST preprocessing.
    Redrawn,
    /// One-class, every test digit's skeleton traced with a round anti-aliased pen (like the
    /// page's drawing pad), then preprocessed; with `--update-manifest` it also stores each
    /// model's threshold for drawn input, taken the same way on its validation digits.
    Penned,
    /// Photos: 1, 3, 5 random Caltech classes against clutter at 50 % outliers (trains its own
    /// detectors; see `caltech`).
    Caltech,
}

pub struct EvalOptions {
    pub data_dir: PathBuf,
    pub models_dir: PathBuf,
    pub protocol: Protocol,
    pub digits: Vec<u8>,
    pub seeds: u64,
    pub json: Option<PathBuf>,
    pub plot: Option<PathBuf>,
    pub update_manifest: bool,
    /// Markdown files whose block of this protocol gets the table (`eval::docs`).
    pub readme: Vec<PathBuf>,
    /// The backbone file for the nearest-neighbour baseline (`None`: no such column).
    pub backbone: Option<PathBuf>,
}

/// ALOCC's F1 at 10, 20, 30, 40, 50 % outliers on MNIST (the anchors).
pub const ALOCC_F1: [f64; 5] = [0.97, 0.92, 0.92, 0.91, 0.88];
pub const RATIOS: [f64; 5] = [0.1, 0.2, 0.3, 0.4, 0.5];
/// What the tables' notes say of the nearest-neighbour columns when the detectors judge by them
/// (`model::neighbours`).
const VERDICT_NEIGHBOUR_NOTE: &str = " Nearest neighbour (the verdict; nothing trained): the mean cosine similarity to the 2 nearest of the detector's 128 gallery rows on the frozen ImageNet backbone's early layers (EfficientNet-Lite0 to block 4, the digit enlarged to 32 px); the rows are k-means centres of its training digits' maps, as MNIST has them and traced with the page's pen.";
/// … and when they are the baseline made from the backbone file.
const NEIGHBOUR_NOTE: &str = " Nearest neighbour (nothing trained): the mean cosine similarity to the 2 nearest training images of the digit on the frozen ImageNet backbone's early layers (EfficientNet-Lite0 to block 4, the digit enlarged to 32 px), its threshold by the stored rule on the same validation images.";

/// Test-set scores of one detector, and the thresholds of each score.
#[derive(Clone)]
struct Scored {
    digit: u8,
    name: String,
    /// CRBND's f(x) and its threshold: the stored one when f(x) is the verdict, else the stored
    /// rule's quantile of the validation positives' f(x).
    crbnd: Vec<f32>,
    threshold: f32,
    /// −reconstruction error: higher = more like an inlier, as for f(x).
    baseline: Vec<f32>,
    baseline_threshold: f32,
    /// The nearest training digits' score (`model::neighbours`) and its threshold (the stored
    /// rule's quantile of the validation positives' scores): the detector's own when it carries
    /// them, else the baseline made here from the backbone file.
    neighbours: Option<(Vec<f32>, f32)>,
    /// The detector judges by its neighbours (`ScoreRule::Neighbours`).
    judged_by_neighbours: bool,
    /// The threshold for drawn input, on the verdict's score, on the drawn protocols.
    drawn_threshold: Option<DrawnThreshold>,
}

impl Scored {
    /// The same scores without the neighbours' (a table of models of which only some have them).
    fn without_neighbours(&self) -> Self {
        let drawn_threshold = if self.judged_by_neighbours { None } else { self.drawn_threshold };
        Self { neighbours: None, judged_by_neighbours: false, drawn_threshold, ..self.clone() }
    }

    /// Every score with its name and threshold, the verdict's first.
    fn methods(&self) -> Vec<(&'static str, &[f32], f32)> {
        let c = ("CRBND", self.crbnd.as_slice(), self.threshold);
        let b = ("recon-error", self.baseline.as_slice(), self.baseline_threshold);
        match &self.neighbours {
            Some((n, t)) if self.judged_by_neighbours => vec![("nearest-neighbour", n.as_slice(), *t), c, b],
            Some((n, t)) => vec![c, b, ("nearest-neighbour", n.as_slice(), *t)],
            None => vec![c, b],
        }
    }
}

/// The threshold for drawn input that a drawn protocol reports beside the stored one.
#[derive(Clone, Copy)]
enum DrawnThreshold {
    /// Penned (the page's pen): measured here as training measures it, the same quantile of
    /// CRBND's score on the validation positives drawn with the pen; `--update-manifest` stores it.
    Measured(f32),
    /// Redrawn (a scan): the manifest's, put to the test on another rendering; never written back.
    Stored(f32),
}

impl DrawnThreshold {
    fn value(self) -> f32 {
        match self {
            Self::Measured(t) | Self::Stored(t) => t,
        }
    }
}

#[derive(Serialize, Clone, Copy, Default)]
struct Pair {
    auroc: f64,
    f1: f64,
}

fn pair(scores: &[f32], labels: &[bool], threshold: f32) -> Pair {
    Pair { auroc: auroc(scores, labels).unwrap_or(f64::NAN), f1: f1_at(scores, labels, threshold) }
}

fn score_all(opts: &EvalOptions, mnist: &Mnist, manifest: &Manifest) -> Result<Vec<Scored>> {
    let device = Device::flex();
    let backbone = match &opts.backbone {
        Some(path) => Some(EarlyBackbone::from_full(crate::train::features::open_backbone(path)?.0, DIGIT_BLOCK)),
        None => None,
    };
    let entries = digit_entries(manifest, &opts.digits);
    if entries.is_empty() {
        return Err(Error::data(opts.models_dir.join("manifest.json").display().to_string(), "no MNIST models to evaluate"));
    }
    let n_test = mnist.test_labels.len();
    let bar = ProgressBar::new((entries.len() * n_test) as u64).with_style(
        ProgressStyle::with_template("scoring [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} images eta {eta} {msg}").unwrap(),
    );
    let test_all: Vec<usize> = (0..n_test).collect();
    let style = match opts.protocol {
        Protocol::Redrawn => Some(Style::Binary),
        Protocol::Penned => Some(Style::Pen),
        _ => None,
    };
    let test = match style {
        Some(style) => redraw(&mnist.test_images, &test_all, style)?,
        None => to_unit(&mnist.test_images, &test_all),
    };
    let mut out = Vec::new();
    for entry in entries {
        bar.set_message(entry.name.clone());
        let detector = read_detector(&opts.models_dir, entry, &device)?;
        let shape = entry.config.image_shape();
        let digit: u8 = entry.positive_classes[0].parse().map_err(|_| Error::model(&entry.name, "positive class is not a digit"))?;
        let run = |data: &[f32], bar: Option<&ProgressBar>| {
            score_batches(&detector, data, shape, entry.lambda, 1000, &device, |n| {
                if let Some(bar) = bar {
                    bar.inc(n as u64);
                }
            })
        };
        // The baseline's threshold, like CRBND's, from the same held-out training positives.
        let r = &entry.recipe;
        let split = recipe_split(&mnist.train_labels, &[digit], r);
        let val_images = to_unit(&mnist.train_images, &split.val);
        let val = run(&val_images, None)?;
        // The stored threshold is the recipe's quantile of the same scores, taken in training.
        let baseline_threshold = positive_quantile(&val.baseline(), r.threshold_quantile).unwrap_or(f32::NEG_INFINITY);
        // Penned (the page's pen): the drawn threshold is measured again, as training set it
        // (`--update-manifest` stores it, for models trained before it existed); redrawn (a
        // scan): the stored one is put to the test on another rendering.
        let drawn = match style {
            Some(Style::Pen) => drawn_threshold(&detector, entry.config.score, entry.calibration.as_ref(), entry.lambda, r.drawn_threshold_quantile, &mnist.train_images, &split.val, &device)?.map(DrawnThreshold::Measured),
            Some(Style::Binary) => entry.drawn_threshold.map(DrawnThreshold::Stored),
            None => None,
        };
        let scored = run(&test, Some(&bar))?;
        let judged_by_neighbours = entry.config.score == ScoreRule::Neighbours;
        let (threshold, neighbours) = if judged_by_neighbours {
            let t = positive_quantile(&val.logits, r.threshold_quantile).unwrap_or(f32::NEG_INFINITY);
            (t, Some((scored.neighbours.clone(), entry.threshold)))
        } else {
            // The baseline for a detector without its own: every training positive a reference.
            let neighbours = match &backbone {
                Some(b) => {
                    let gallery = every_digit(b.clone(), &NeighboursConfig::default(), &to_unit(&mnist.train_images, &split.train), &device);
                    let t = positive_quantile(&neighbour_scores(&gallery, &val_images, &device)?, r.threshold_quantile).unwrap_or(f32::NEG_INFINITY);
                    Some((neighbour_scores(&gallery, &test, &device)?, t))
                }
                None => None,
            };
            (entry.threshold, neighbours)
        };
        let crbnd = scored.verdict(ScoreRule::Classifier, None);
        out.push(Scored { digit, name: entry.name.clone(), crbnd, baseline: scored.baseline(), threshold, baseline_threshold, neighbours, judged_by_neighbours, drawn_threshold: drawn });
    }
    bar.finish_and_clear();
    Ok(out)
}

/// What a threshold does on a test set: F1, and the shares of positives (recall) and of
/// outliers (FPR) it accepts.
#[derive(Serialize, Clone, Copy, Default)]
struct AtThreshold {
    f1: f64,
    recall: f64,
    fpr: f64,
}

impl AtThreshold {
    fn of(scores: &[f32], labels: &[bool], threshold: f32) -> Self {
        let c = Confusion::at(scores, labels, threshold);
        Self { f1: c.f1(), recall: c.recall(), fpr: c.false_positive_rate() }
    }

    fn mean(all: &[Self]) -> Self {
        let m = |f: fn(&Self) -> f64| all.iter().map(f).sum::<f64>() / all.len() as f64;
        Self { f1: m(|a| a.f1), recall: m(|a| a.recall), fpr: m(|a| a.fpr) }
    }
}

/// One digit's line of a one-class table.
struct Row<'a> {
    s: &'a Scored,
    /// AUROC and F1 of every score, the verdict's first (`Scored::methods`).
    pairs: Vec<Pair>,
    /// The verdict at its stored threshold, and at the threshold for drawn input.
    at: AtThreshold,
    at_drawn: Option<AtThreshold>,
}

/// How the tables' notes name the threshold the F1, recall and FPR columns are taken at.
struct ThresholdWords {
    /// "F1 … at {at}".
    at: String,
    /// "the test images {accepts} accepts".
    accepts: String,
    /// What it promises on the validation positives, if anything.
    promise: String,
    /// The rule of the threshold for drawn input.
    drawn_rule: String,
}

impl ThresholdWords {
    /// The stored threshold. `stored` and `drawn`: the quantiles of the models' recipes for the
    /// stored and the drawn threshold (`None` where the models differ).
    fn new(stored: Option<f64>, drawn: Option<f64>) -> Self {
        let rule = |q: Option<f64>| q.map_or("each model's recipe's quantile".to_string(), |q| format!("the {}", percentile_words(q)));
        Self {
            at: "the stored threshold".into(),
            accepts: "the stored threshold".into(),
            promise: stored.map_or(String::new(), |q| format!(" ({:.0} % of its validation images by construction)", (1.0 - q) * 100.0)),
            drawn_rule: rule(drawn),
        }
    }
}

/// A score's key in the JSON (and the manifest's metrics) for its name in the tables.
fn key_of(name: &str) -> &'static str {
    match name {
        "CRBND" => "crbnd",
        "recon-error" => "recon_error",
        _ => "neighbours",
    }
}

fn one_class(scored: &[Scored], mnist: &Mnist, key: &str, words: &ThresholdWords) -> (String, serde_json::Value, String) {
    let drawn = scored.iter().all(|s| s.drawn_threshold.is_some());
    // Every model must have the same scores, in the same order, for one table.
    let names: Vec<&str> = scored[0].methods().iter().map(|m| m.0).collect();
    if scored.iter().any(|s| s.methods().iter().map(|m| m.0).collect::<Vec<_>>() != names) {
        return one_class(&scored.iter().map(Scored::without_neighbours).collect::<Vec<_>>(), mnist, key, words);
    }
    let verdict = names[0];
    // A line of the table: the drawn threshold's three columns sit between the stored
    // threshold's and the other scores', where a protocol has them.
    let line = |first: Vec<String>, drawn_cells: Option<Vec<String>>, last: Vec<String>| -> String {
        let cells: Vec<String> = first.into_iter().chain(drawn_cells.into_iter().flatten()).chain(last).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let texts = |v: &[String]| v.to_vec();
    let mut md = line(
        texts(&["digit".into(), format!("{verdict} AUROC"), format!("{verdict} F1"), format!("{verdict} recall"), format!("{verdict} FPR")]),
        drawn.then(|| texts(&["F1, drawn threshold ³".into(), "recall".into(), "FPR".into()])),
        names[1..].iter().flat_map(|n| [format!("{n} AUROC"), format!("{n} F1")]).collect(),
    );
    let columns = md.matches('|').count() - 1;
    md += &format!("|{}\n", "---:|".repeat(columns));
    // What the stored threshold does on the test set: the share of test positives it accepts
    // (the rule's share of the validation positives by construction) and of outliers.
    let cells = |a: &AtThreshold, bold: bool| -> Vec<String> {
        [a.f1, a.recall, a.fpr].iter().map(|v| if bold { format!("**{v:.4}**") } else { format!("{v:.4}") }).collect()
    };
    let mut rows = Vec::new();
    for s in scored {
        let labels: Vec<bool> = mnist.test_labels.iter().map(|&l| l == s.digit).collect();
        let methods = s.methods();
        let (_, vs, vt) = methods[0];
        let at = AtThreshold::of(vs, &labels, vt);
        let pairs: Vec<Pair> = methods.iter().map(|(_, scores, t)| pair(scores, &labels, *t)).collect();
        let at_drawn = s.drawn_threshold.map(|t| AtThreshold::of(vs, &labels, t.value()));
        let first = [vec![s.digit.to_string(), format!("{:.4}", pairs[0].auroc)], cells(&at, false)].concat();
        let last = pairs[1..].iter().flat_map(|p| [format!("{:.4}", p.auroc), format!("{:.4}", p.f1)]).collect();
        md += &line(first, at_drawn.map(|d| cells(&d, false)), last);
        rows.push(Row { s, pairs, at, at_drawn });
    }
    let mean = |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).sum::<f64>() / rows.len() as f64;
    let means: Vec<Pair> = (0..names.len()).map(|m| Pair { auroc: mean(&|r| r.pairs[m].auroc), f1: mean(&|r| r.pairs[m].f1) }).collect();
    let mins: Vec<f64> = (0..names.len()).map(|m| rows.iter().map(|r| r.pairs[m].auroc).fold(f64::INFINITY, f64::min)).collect();
    let at = AtThreshold::mean(&rows.iter().map(|r| r.at).collect::<Vec<_>>());
    let at_drawn = drawn.then(|| AtThreshold::mean(&rows.iter().filter_map(|r| r.at_drawn).collect::<Vec<_>>()));
    let first = [vec!["**mean**".to_string(), format!("**{:.4}**", means[0].auroc)], cells(&at, true)].concat();
    let last = means[1..].iter().flat_map(|p| [format!("**{:.4}**", p.auroc), format!("**{:.4}**", p.f1)]).collect();
    md += &line(first, at_drawn.map(|d| cells(&d, true)), last);
    let judged = if verdict == "CRBND" { String::new() } else { format!(" The detectors judge by the {verdict} score (its columns first); CRBND's f(x) is beside it, its F1 at the stored rule's quantile of f(x) on the same validation images.") };
    let lowest = names.iter().zip(&mins).map(|(n, m)| format!("{n} {m:.4}")).collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        md,
        "\nLowest AUROC: {lowest}.{judged} F1 of the inlier class at {}; recall: the share of the digit's test images {} accepts{}; FPR: the share of other digits it accepts; test set: all 10,000 MNIST test images{}.",
        words.at,
        words.accepts,
        words.promise,
        match key {
            "redrawn" => ", each redrawn 4× larger in black on white, binarised, and preprocessed back to MNIST format as the page does. ³ The manifest's `drawn_threshold` (measured on pen drawings, `--protocol penned`), which the page uses for drawings and uploads".to_string(),
            "penned" => format!(", each digit's skeleton traced with a round anti-aliased pen of even width (like the page's drawing pad), and preprocessed back to MNIST format as the page does. ³ The same kind of rule ({} of the validation positives) with the validation positives drawn the same way: the threshold for drawn input (`drawn_threshold` in the manifest)", words.drawn_rule),
            _ => String::new(),
        }
    );
    if names.contains(&"nearest-neighbour") {
        md.pop();
        md += if verdict == "nearest-neighbour" { VERDICT_NEIGHBOUR_NOTE } else { NEIGHBOUR_NOTE };
        md.push('\n');
    }
    let json = json!({
        "protocol": key,
        "verdict": key_of(verdict),
        "per_model": rows
            .iter()
            .map(|Row { s, pairs, at, at_drawn }| {
                let mut m = json!({"model": s.name, "digit": s.digit, "verdict": key_of(verdict), "verdict_recall": at.recall, "verdict_fpr": at.fpr});
                for (n, p) in names.iter().zip(pairs) {
                    m[key_of(n)] = json!(p);
                }
                // CRBND's own recall and FPR at its threshold (the verdict's, before the neighbours).
                let crbnd_at = AtThreshold::of(&s.crbnd, &mnist.test_labels.iter().map(|&l| l == s.digit).collect::<Vec<_>>(), s.threshold);
                m["crbnd_recall"] = json!(crbnd_at.recall);
                m["crbnd_fpr"] = json!(crbnd_at.fpr);
                if let (Some(t), Some(d)) = (s.drawn_threshold, at_drawn) {
                    m["drawn_threshold"] = json!({"threshold": t.value(), "f1": d.f1, "recall": d.recall, "fpr": d.fpr});
                }
                m
            })
            .collect::<Vec<_>>(),
        "mean": {"verdict_recall": at.recall, "verdict_fpr": at.fpr, "drawn_threshold": at_drawn},
    });
    let mut json = json;
    for ((n, p), min) in names.iter().zip(&means).zip(&mins) {
        json["mean"][key_of(n)] = json!(p);
        json[format!("min_{}_auroc", key_of(n))] = json!(min);
    }
    let cats: Vec<String> = rows.iter().map(|r| r.s.digit.to_string()).collect();
    let colours = ["#1f77b4", "#ff7f0e", "#9467bd"];
    let svg = bar_chart(
        &format!("MNIST {key}: AUROC per positive digit"),
        &cats,
        "AUROC",
        y_range_for(rows.iter().flat_map(|r| r.pairs.iter().map(|p| p.auroc))),
        &names
            .iter()
            .enumerate()
            .map(|(m, n)| Series {
                name: match *n {
                    "CRBND" => "CRBND f(x)".into(),
                    "recon-error" => "reconstruction error".into(),
                    _ => "nearest training digits".into(),
                },
                colour: colours[match *n {
                    "CRBND" => 0,
                    "recon-error" => 1,
                    _ => 2,
                }],
                points: rows.iter().enumerate().map(|(i, r)| (i as f64, r.pairs[m].auroc)).collect(),
                dashed: false,
            })
            .collect::<Vec<_>>(),
    );
    (md, json, svg)
}

fn paper(scored: &[Scored], mnist: &Mnist, seeds: u64, words: &ThresholdWords) -> (String, serde_json::Value, String) {
    // metric[ratio][method] collects one value per (digit, seed); methods: the verdict's score
    // first, then the others (`Scored::methods`), the same for every model.
    let names: Vec<&str> = scored[0].methods().iter().map(|m| m.0).collect();
    if scored.iter().any(|s| s.methods().iter().map(|m| m.0).collect::<Vec<_>>() != names) {
        return paper(&scored.iter().map(Scored::without_neighbours).collect::<Vec<_>>(), mnist, seeds, words);
    }
    let nn = names.len() == 3;
    let mut f1 = vec![[Vec::new(), Vec::new(), Vec::new()]; RATIOS.len()];
    let mut au = vec![[Vec::new(), Vec::new(), Vec::new()]; RATIOS.len()];
    let mut per_model = Vec::new();
    for s in scored {
        let inliers: Vec<usize> = (0..mnist.test_labels.len()).filter(|&i| mnist.test_labels[i] == s.digit).collect();
        let outliers: Vec<usize> = (0..mnist.test_labels.len()).filter(|&i| mnist.test_labels[i] != s.digit).collect();
        let mut model_f1 = Vec::new();
        for (ri, &ratio) in RATIOS.iter().enumerate() {
            let n_out = ((inliers.len() as f64 * ratio / (1.0 - ratio)).round() as usize).min(outliers.len());
            let mut fs = Vec::new();
            for seed in 0..seeds {
                let mut rng = StdRng::seed_from_u64(seed * 1000 + ri as u64 * 10 + s.digit as u64);
                let chosen: Vec<usize> = sample(&mut rng, outliers.len(), n_out).into_iter().map(|k| outliers[k]).collect();
                let idx: Vec<usize> = inliers.iter().chain(&chosen).copied().collect();
                let labels: Vec<bool> = (0..idx.len()).map(|k| k < inliers.len()).collect();
                for (m, (_, scores, thr)) in s.methods().into_iter().enumerate() {
                    let sub: Vec<f32> = idx.iter().map(|&i| scores[i]).collect();
                    let p = pair(&sub, &labels, thr);
                    f1[ri][m].push(p.f1);
                    au[ri][m].push(p.auroc);
                    if m == 0 {
                        fs.push(p.f1);
                    }
                }
            }
            model_f1.push(mean_std(&fs).0);
        }
        per_model.push(json!({"model": s.name, "digit": s.digit, "verdict_f1": model_f1}));
    }
    let head: Vec<String> = names.iter().flat_map(|n| [format!("{n} F1"), format!("{n} AUROC")]).collect();
    let mut md = format!("| outliers | {} | ALOCC F1 |\n|{}\n", head.join(" | "), "---:|".repeat(head.len() + 2));
    let mut rows = Vec::new();
    for (ri, &ratio) in RATIOS.iter().enumerate() {
        let mut row = json!({"outlier_ratio": ratio, "verdict": key_of(names[0]), "alocc_f1": ALOCC_F1[ri]});
        let mut cells = Vec::new();
        for (m, n) in names.iter().enumerate() {
            let ((f, fs), (a, _)) = (mean_std(&f1[ri][m]), mean_std(&au[ri][m]));
            row[key_of(n)] = json!({"f1": f, "f1_std": fs, "auroc": a});
            cells.push(if m == 0 { format!("{f:.4} ± {fs:.4}") } else { format!("{f:.4}") });
            cells.push(format!("{a:.4}"));
        }
        let _ = writeln!(md, "| {:.0} % | {} | {:.2} |", ratio * 100.0, cells.join(" | "), ALOCC_F1[ri]);
        rows.push(row);
    }
    let _ = writeln!(
        md,
        "\nMean over {} digits × {seeds} random test sets per ratio (all test inliers of the digit plus outliers drawn from the other digits' test images); F1 of the inlier class at {}, ± its standard deviation.{}",
        scored.len(),
        words.at,
        if names[0] == "CRBND" { String::new() } else { format!(" The detectors judge by the {} score (its columns first); CRBND's f(x) beside it is at the stored rule's quantile of f(x) on the same validation images.", names[0]) }
    );
    if nn {
        md.pop();
        md += if names[0] == "nearest-neighbour" { VERDICT_NEIGHBOUR_NOTE } else { NEIGHBOUR_NOTE };
        md.push('\n');
    }
    let index = |n: &str| names.iter().position(|m| *m == n).unwrap_or(0);
    let series = |m: usize, name: &str, colour: &'static str, metric: &Vec<[Vec<f64>; 3]>, dashed: bool| Series {
        name: name.into(),
        colour,
        points: RATIOS.iter().enumerate().map(|(ri, r)| (r * 100.0, mean_std(&metric[ri][m]).0)).collect(),
        dashed,
    };
    let svg = line_chart(
        "MNIST, paper protocol (Fig. 3): F1 against the share of outliers",
        "outliers in the test set (%)",
        "F1 (AUROC dashed green)",
        y_range_for(f1.iter().chain(&au).flat_map(|m| m.iter().flatten().copied()).chain(ALOCC_F1)),
        &[
            vec![series(index("CRBND"), "CRBND F1", "#1f77b4", &f1, false), series(index("recon-error"), "recon-error F1", "#ff7f0e", &f1, false)],
            if nn { vec![series(index("nearest-neighbour"), "nearest-neighbour F1", "#9467bd", &f1, false)] } else { vec![] },
            vec![
                Series { name: "ALOCC F1".into(), colour: "#7f7f7f", points: RATIOS.iter().zip(ALOCC_F1).map(|(r, f)| (r * 100.0, f)).collect(), dashed: true },
                series(0, &format!("{} AUROC", names[0]), "#2ca02c", &au, true),
            ],
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>(),
    );
    (md, json!({"protocol": "paper", "seeds": seeds, "by_ratio": rows, "per_model": per_model}), svg)
}

pub fn run(opts: &EvalOptions) -> Result<()> {
    let mnist = Mnist::load(&opts.data_dir)?;
    let mpath = opts.models_dir.join("manifest.json");
    let mut manifest = Manifest::read_in_dir(&opts.models_dir)?;
    let scored = score_all(opts, &mnist, &manifest)?;
    let (stored_q, drawn_q) = {
        let digits: Vec<&ModelEntry> = manifest.models.iter().filter(|e| scored.iter().any(|s| s.name == e.name)).collect();
        let common = |f: fn(&ModelEntry) -> f64| digits.first().map(|e| f(e)).filter(|q| digits.iter().all(|e| f(e) == *q));
        (common(|e| e.recipe.threshold_quantile), common(|e| e.recipe.drawn_threshold_quantile))
    };
    let words = ThresholdWords::new(stored_q, drawn_q);
    let (key, (md, json, svg)) = match opts.protocol {
        Protocol::OneClass => ("one-class", one_class(&scored, &mnist, "one-class", &words)),
        Protocol::Redrawn => ("redrawn", one_class(&scored, &mnist, "redrawn", &words)),
        Protocol::Penned => ("penned", one_class(&scored, &mnist, "penned", &words)),
        Protocol::Paper => ("paper", paper(&scored, &mnist, opts.seeds.max(1), &words)),
        Protocol::Caltech => return Err(Error::Config("the caltech protocol runs through eval::caltech::run_protocol".into())),
    };
    println!("{md}");
    if let Some(p) = &opts.json {
        write_atomically(p, serde_json::to_string_pretty(&json).unwrap().as_bytes())?;
    }
    if let Some(p) = &opts.plot {
        write_atomically(p, svg.as_bytes())?;
    }
    if opts.update_manifest {
        for entry in manifest.models.iter_mut() {
            let per: Option<&serde_json::Value> = json["per_model"].as_array().and_then(|a| a.iter().find(|m| m["model"] == entry.name.as_str()));
            if let Some(per) = per {
                if !entry.metrics.is_object() {
                    entry.metrics = json!({});
                }
                entry.metrics[key] = per.clone();
            }
            let Some(s) = scored.iter().find(|s| s.name == entry.name) else { continue };
            // The penned protocol also measures the threshold that judges drawn input.
            if let Some(DrawnThreshold::Measured(t)) = s.drawn_threshold {
                entry.drawn_threshold = Some(t);
            }
        }
        write_atomically(&mpath, (serde_json::to_string_pretty(&manifest).unwrap() + "\n").as_bytes())?;
    }
    write_blocks(&opts.readme, key, &md)?;
    Ok(())
}
