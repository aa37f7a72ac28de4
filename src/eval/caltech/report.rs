//! The protocol's table (Markdown, beside ALOCC's and the paper's Caltech-256 numbers), JSON and SVG.

use std::fmt::Write as _;

use serde_json::json;

use super::{ALOCC, PAPER, Pair, PhotoResult, TEST_FRACTION, published};
use crate::data::folders::PhotoFolder;
use crate::eval::plot::{Series, bar_chart, row_chart, y_range_for};
use crate::metrics::mean_std;

/// Means (and standard deviations) over some runs, of every column both tables show.
struct Means {
    crbnd_auroc: (f64, f64),
    crbnd_f1: (f64, f64),
    recon_auroc: (f64, f64),
    recon_f1: (f64, f64),
    /// f(x) alone, AUROC and F1: only when every run has it (results from before eq. 6′ do not).
    alone: Option<(f64, f64)>,
    seconds: f64,
}

impl Means {
    fn of(runs: &[&PhotoResult]) -> Self {
        let stat = |f: &dyn Fn(&PhotoResult) -> f64| mean_std(&runs.iter().map(|r| f(r)).collect::<Vec<_>>());
        let alone: Option<Vec<Pair>> = runs.iter().map(|r| r.classifier_only).collect();
        Self {
            crbnd_auroc: stat(&|r| r.crbnd.auroc),
            crbnd_f1: stat(&|r| r.crbnd.f1),
            recon_auroc: stat(&|r| r.recon_error.auroc),
            recon_f1: stat(&|r| r.recon_error.f1),
            alone: alone.map(|v| (mean_std(&v.iter().map(|p| p.auroc).collect::<Vec<_>>()).0, mean_std(&v.iter().map(|p| p.f1).collect::<Vec<_>>()).0)),
            seconds: stat(&|r| r.training_seconds).0,
        }
    }
}

/// The table, the JSON and the SVG of the protocol's results, `results` as (n, run).
pub(super) fn report(results: &[(usize, PhotoResult)], sizes: &[usize], folder: &PhotoFolder) -> (String, serde_json::Value, String) {
    let mut md = String::from(
        "| positives | runs | CRBND AUROC | CRBND F1 | f(x) alone AUROC / F1 ² | recon-error AUROC | recon-error F1 | ALOCC AUROC / F1 ¹ | paper AUROC / F1 ¹ | train s / detector |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut rows = Vec::new();
    let mut bars: [Vec<(f64, f64)>; 5] = Default::default();
    for (k, &n) in sizes.iter().enumerate() {
        let rs: Vec<&PhotoResult> = results.iter().filter(|(m, _)| *m == n).map(|(_, r)| r).collect();
        let Means { crbnd_auroc: (ca, cas), crbnd_f1: (cf, cfs), recon_auroc: (ba, bas), recon_f1: (bf, bfs), alone, seconds: secs } = Means::of(&rs);
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

/// The table, JSON and SVG of `--every-class`: one n = 1 run per object class, best first,
/// beside ALOCC's published n = 1 numbers.
pub(super) fn report_classes(results: &[PhotoResult], folder: &PhotoFolder) -> (String, serde_json::Value, String) {
    let mut runs: Vec<&PhotoResult> = results.iter().collect();
    runs.sort_by(|a, b| b.crbnd.auroc.total_cmp(&a.crbnd.auroc));
    let (alocc, paper) = (ALOCC[0], PAPER[0]);
    let mut md = String::from(
        "| positive class | training photos (A + C) | test photos (positives + clutter) | CRBND AUROC | CRBND F1 | f(x) alone AUROC | recon-error AUROC | recon-error F1 | train s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &runs {
        let alone = r.classifier_only.map(|p| format!("{:.3}", p.auroc)).unwrap_or_else(|| "–".into());
        let mark = if r.crbnd.auroc >= alocc.0 { " ✓" } else { "" };
        let _ = writeln!(
            md,
            "| {} | {} + {} | {} + {} | {:.3}{mark} | {:.3} | {alone} | {:.3} | {:.3} | {:.0} |",
            r.classes.join(", "),
            r.n_train,
            r.n_clf,
            r.n_test_positives,
            r.n_test_outliers,
            r.crbnd.auroc,
            r.crbnd.f1,
            r.recon_error.auroc,
            r.recon_error.f1,
            r.training_seconds
        );
    }
    let Means { crbnd_auroc: (ca, cas), crbnd_f1: (cf, _), recon_auroc: (ba, bas), recon_f1: (bf, _), alone, seconds: secs } = Means::of(&runs);
    let alone = alone.map(|(a, _)| format!("{a:.3}")).unwrap_or_else(|| "–".into());
    let above = runs.iter().filter(|r| r.crbnd.auroc >= alocc.0).count();
    let _ = writeln!(
        md,
        "| **mean of {} classes** | | | **{ca:.3} ± {cas:.3}** | **{cf:.3}** | {alone} | {ba:.3} ± {bas:.3} | {bf:.3} | {secs:.0} |",
        runs.len()
    );
    let _ = writeln!(
        md,
        "\nn = 1, every object class once as the positive class (the run `--classes C --sizes 1 --repeats 1` would make), tested on its held-out photos plus as many clutter photos (exactly 50 % outliers). {}×{} RGB. ✓: at or above ALOCC's published n = 1 AUROC, {:.3} ({above} of {} classes); ALOCC's F1 there is {:.3}, the paper's {:.3} / {:.3}. Published numbers are means over random Caltech-256 classes; these are single Caltech-101 classes (clutter = BACKGROUND_Google), one training each.",
        folder.size,
        folder.size,
        alocc.0,
        runs.len(),
        alocc.1,
        paper.0,
        paper.1
    );
    let names: Vec<String> = runs.iter().map(|r| r.classes.join(", ")).collect();
    let points = |f: &dyn Fn(&PhotoResult) -> f64| runs.iter().enumerate().map(|(i, r)| (i as f64, f(r))).collect::<Vec<_>>();
    let lo = runs.iter().flat_map(|r| [r.crbnd.auroc, r.recon_error.auroc]).fold(1.0f64, f64::min);
    let svg = row_chart(
        "Each Caltech-101 class against clutter (n = 1, 50 % outliers): AUROC",
        &names,
        "AUROC",
        ((lo * 10.0).floor() / 10.0, 1.0),
        &[
            Series { name: "CRBND (eq. 6′)".into(), colour: "#1f77b4", points: points(&|r| r.crbnd.auroc), dashed: false },
            Series { name: "reconstruction error".into(), colour: "#ff7f0e", points: points(&|r| r.recon_error.auroc), dashed: false },
        ],
        Some((alocc.0, "ALOCC n = 1 (Caltech-256)")),
    );
    let json = json!({
        "protocol": "caltech-every-class",
        "image_size": folder.size,
        "test_fraction": TEST_FRACTION,
        "runs": runs,
        "crbnd": {"auroc": ca, "auroc_std": cas, "f1": cf},
        "recon_error": {"auroc": ba, "auroc_std": bas, "f1": bf},
        "classes_at_or_above_alocc": above,
        "alocc": {"auroc": alocc.0, "f1": alocc.1},
        "mean_training_seconds": secs,
    });
    (md, json, svg)
}
