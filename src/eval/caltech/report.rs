//! The protocol's table (Markdown, beside ALOCC's and the paper's Caltech-256 numbers), JSON and SVG.

use std::fmt::Write as _;

use serde_json::json;

use super::{PAPER, PhotoPlan, PhotoResult, TEST_FRACTION, published};
use crate::eval::plot::{Series, bar_chart, row_chart, y_range_for};
use crate::metrics::mean_std;

/// Mean and standard deviation over some runs of each column the tables show.
struct Means {
    crbnd: [(f64, f64); 2],
    alone: [(f64, f64); 2],
    recon: [(f64, f64); 2],
    neighbours: [(f64, f64); 2],
    seconds: f64,
}

impl Means {
    fn of(runs: &[&PhotoResult]) -> Self {
        let stat = |f: &dyn Fn(&PhotoResult) -> f64| mean_std(&runs.iter().map(|r| f(r)).collect::<Vec<_>>());
        Self {
            crbnd: [stat(&|r| r.crbnd.auroc), stat(&|r| r.crbnd.f1)],
            alone: [stat(&|r| r.classifier_only.auroc), stat(&|r| r.classifier_only.f1)],
            recon: [stat(&|r| r.recon_error.auroc), stat(&|r| r.recon_error.f1)],
            neighbours: [stat(&|r| r.neighbours.auroc), stat(&|r| r.neighbours.f1)],
            seconds: stat(&|r| r.training_seconds).0,
        }
    }
}

fn pm((m, s): (f64, f64)) -> String {
    format!("{m:.4} ± {s:.4}")
}

fn pair_json([a, f]: [(f64, f64); 2]) -> serde_json::Value {
    json!({"auroc": a.0, "auroc_std": a.1, "f1": f.0, "f1_std": f.1})
}

const FOOTNOTES: &str = "¹ Published numbers are on Caltech-256; these runs use a Caltech-101 subset (clutter = BACKGROUND_Google), so they compare the method, not the data. ² The paper's f(φ) = C(λφ + (1−λ)A(φ)) (eq. 6) alone; CRBND's columns are the detector's verdict, f(φ) combined with A's error (eq. 6′). Baselines on the same backbone and photos: A's reconstruction error, and the nearest neighbours (mean cosine similarity of the pooled features to the 2 nearest training photos). Every F1 is at that score's own threshold, the 5th percentile of the validation positives (no outlier sets it).";

/// The table, the JSON and the SVG of the protocol's results, `results` as (n, run).
pub(super) fn report(results: &[(usize, PhotoResult)], sizes: &[usize], plan: &PhotoPlan) -> (String, serde_json::Value, String) {
    let mut md = String::from(
        "| positives | runs | CRBND AUROC | CRBND F1 | f(φ) alone AUROC / F1 ² | recon-error AUROC / F1 | nearest-neighbour AUROC / F1 | paper AUROC / F1 ¹ | train s / detector |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut rows = Vec::new();
    let mut bars: [Vec<(f64, f64)>; 4] = Default::default();
    for (k, &n) in sizes.iter().enumerate() {
        let rs: Vec<&PhotoResult> = results.iter().filter(|(m, _)| *m == n).map(|(_, r)| r).collect();
        let m = Means::of(&rs);
        let pubs = published(n);
        let two = |p: [(f64, f64); 2]| format!("{:.4} / {:.4}", p[0].0, p[1].0);
        let paper = pubs.map(|p| format!("{:.3} / {:.3}", p.1.0, p.1.1)).unwrap_or_else(|| "–".into());
        let _ = writeln!(md, "| {n} | {} | {} | {} | {} | {} | {} | {paper} | {:.1} |", rs.len(), pm(m.crbnd[0]), pm(m.crbnd[1]), two(m.alone), two(m.recon), two(m.neighbours), m.seconds);
        bars[0].push((k as f64, m.crbnd[0].0));
        bars[1].push((k as f64, m.recon[0].0));
        bars[2].push((k as f64, m.neighbours[0].0));
        if let Some((_, paper)) = pubs {
            bars[3].push((k as f64, paper.0));
        }
        rows.push(json!({
            "positives": n,
            "runs": rs,
            "crbnd": pair_json(m.crbnd),
            "classifier_only": pair_json(m.alone),
            "recon_error": pair_json(m.recon),
            "neighbours": pair_json(m.neighbours),
            "alocc": pubs.map(|p| json!({"auroc": p.0.0, "f1": p.0.1})),
            "paper": pubs.map(|p| json!({"auroc": p.1.0, "f1": p.1.1})),
            "mean_training_seconds": m.seconds,
        }));
    }
    let _ = writeln!(
        md,
        "\nEach run draws its positive classes at random (seeded), trains on {:.0} % of their photos (minus a validation part for the calibration and the threshold), and tests on the held-out photos plus as many clutter photos (exactly 50 % outliers); ± is the standard deviation over runs. Photos at {} px through the frozen EfficientNet-Lite0 (ImageNet). {FOOTNOTES}",
        (1.0 - TEST_FRACTION) * 100.0,
        plan.config.side,
    );
    let cats: Vec<String> = sizes.iter().map(|n| format!("{n} positive class{}", if *n == 1 { "" } else { "es" })).collect();
    let [c, b, nn, p] = bars;
    let svg = bar_chart(
        "Caltech-style novelty detection (50 % clutter): AUROC",
        &cats,
        "AUROC",
        y_range_for(c.iter().chain(&b).chain(&nn).chain(&p).map(|v| v.1)),
        &[
            Series { name: "CRBND (eq. 6′)".into(), colour: "#1f77b4", points: c, dashed: false },
            Series { name: "reconstruction error".into(), colour: "#ff7f0e", points: b, dashed: false },
            Series { name: "nearest neighbours".into(), colour: "#9467bd", points: nn, dashed: false },
            Series { name: "paper (Caltech-256)".into(), colour: "#2ca02c", points: p, dashed: false },
        ],
    );
    (md, json!({"protocol": "caltech", "side": plan.config.side, "test_fraction": TEST_FRACTION, "plan": plan, "by_positives": rows}), svg)
}

/// The table, JSON and SVG of `--every-class`: one n = 1 run per object class, best first.
pub(super) fn report_classes(results: &[PhotoResult], plan: &PhotoPlan) -> (String, serde_json::Value, String) {
    let mut runs: Vec<&PhotoResult> = results.iter().collect();
    runs.sort_by(|a, b| b.crbnd.auroc.total_cmp(&a.crbnd.auroc).then(a.classes.cmp(&b.classes)));
    let paper = PAPER[0];
    let mut md = String::from(
        "| positive class | training photos (A + C) | test photos (positives + clutter) | CRBND AUROC | CRBND F1 | f(φ) alone AUROC | recon-error AUROC | nearest-neighbour AUROC / F1 | train s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &runs {
        let _ = writeln!(
            md,
            "| {} | {} + {} | {} + {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} / {:.4} | {:.1} |",
            r.classes.join(", "),
            r.n_train,
            r.n_clf,
            r.n_test_positives,
            r.n_test_outliers,
            r.crbnd.auroc,
            r.crbnd.f1,
            r.classifier_only.auroc,
            r.recon_error.auroc,
            r.neighbours.auroc,
            r.neighbours.f1,
            r.training_seconds
        );
    }
    let m = Means::of(&runs);
    let _ = writeln!(
        md,
        "| **mean of {} classes** | | | **{}** | **{:.4}** | {:.4} | {:.4} | {:.4} / {:.4} | {:.1} |",
        runs.len(),
        pm(m.crbnd[0]),
        m.crbnd[1].0,
        m.alone[0].0,
        m.recon[0].0,
        m.neighbours[0].0,
        m.neighbours[1].0,
        m.seconds
    );
    let _ = writeln!(
        md,
        "\nn = 1, every object class once as the positive class (the run `--classes C --sizes 1 --repeats 1` would make), tested on its held-out photos plus as many clutter photos (exactly 50 % outliers). Photos at {} px through the frozen EfficientNet-Lite0. The paper's n = 1 result on Caltech-256 is {:.3} AUROC / {:.3} F1. {FOOTNOTES}",
        plan.config.side, paper.0, paper.1
    );
    let names: Vec<String> = runs.iter().map(|r| r.classes.join(", ")).collect();
    let points = |f: &dyn Fn(&PhotoResult) -> f64| runs.iter().enumerate().map(|(i, r)| (i as f64, f(r))).collect::<Vec<_>>();
    let lo = runs.iter().flat_map(|r| [r.crbnd.auroc, r.recon_error.auroc, r.neighbours.auroc]).fold(1.0f64, f64::min);
    let svg = row_chart(
        "Each Caltech-101 class against clutter (n = 1, 50 % outliers): AUROC",
        &names,
        "AUROC",
        (((lo * 20.0).floor() / 20.0).min(0.95), 1.0),
        &[
            Series { name: "CRBND (eq. 6′)".into(), colour: "#1f77b4", points: points(&|r| r.crbnd.auroc), dashed: false },
            Series { name: "reconstruction error".into(), colour: "#ff7f0e", points: points(&|r| r.recon_error.auroc), dashed: false },
            Series { name: "nearest neighbours".into(), colour: "#9467bd", points: points(&|r| r.neighbours.auroc), dashed: false },
        ],
        Some((paper.0, "paper n = 1 (Caltech-256)")),
    );
    let json = json!({
        "protocol": "caltech-every-class",
        "side": plan.config.side,
        "test_fraction": TEST_FRACTION,
        "plan": plan,
        "runs": runs,
        "crbnd": pair_json(m.crbnd),
        "classifier_only": pair_json(m.alone),
        "recon_error": pair_json(m.recon),
        "neighbours": pair_json(m.neighbours),
        "mean_training_seconds": m.seconds,
    });
    (md, json, svg)
}
