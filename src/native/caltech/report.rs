//! The protocol's table (Markdown, beside ALOCC's and the paper's Caltech-256 numbers), JSON and SVG.

use std::fmt::Write as _;

use serde_json::json;

use super::{ALOCC, PAPER, Pair, PhotoResult, TEST_FRACTION};
use crate::metrics::mean_std;
use crate::native::photos::PhotoFolder;
use crate::native::plot::{Series, bar_chart, y_range_for};

fn published(n: usize) -> Option<((f64, f64), (f64, f64))> {
    match n {
        1 => Some((ALOCC[0], PAPER[0])),
        3 => Some((ALOCC[1], PAPER[1])),
        5 => Some((ALOCC[2], PAPER[2])),
        _ => None,
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
