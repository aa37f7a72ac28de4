//! Other scores for finished Caltech protocol runs, measured offline on the very same detectors
//! and photos (no training): the per-image scores that `connective eval --protocol caltech
//! --scores-out DIR` writes, one folder per protocol run (recipe), one file per run.
//!
//! ```sh
//! cargo run --release --example caltech_scores -- DIR [DIR ...]
//! ```
//!
//! Two questions (session 13):
//! 1. Is A's error held down by simple photos? A smooth photo is rebuilt well by any
//!    reconstruction, a detailed one badly, whatever its class. The complexity-corrected error
//!    ln ‖x − A(x)‖² − ln ‖x − B_k(x)‖², with B_k(x) the photo averaged over k × k blocks
//!    (`photo::block_detail`; k = 8 keeps 4 × 4 × 3 = 48 numbers, about A's 64-number
//!    bottleneck), asks how much better A rebuilds the photo than a reconstruction that knows no
//!    class. Chosen before any of it was measured: k = 8, and eq. 6′ with this error in place of
//!    the plain one; k = 4 and 2 are printed as well.
//! 2. How far does averaging go? Folders whose runs share classes, splits and test photos (the
//!    n = 1 experiments of sessions 10 and 11) give several detectors per run: eq. 6′ over all of
//!    them (each part's z averaged over the detectors) against the mean single detector.
//!
//! And one (session 14): 3. Does eq. 6′'s equal weight hold on detectors it was not chosen on?
//!    The mean AUROC of w·z(f(x)) + (1 − w)·z(error) per folder, w from 0 (the error alone) to
//!    1 (f(x) alone); the shipped rule is w = 0.5, chosen on the protocol's 15 runs. The last
//!    column (session 15) is no method but a ceiling: each run at its own best weight, picked
//!    on its test labels, which no weighting of these two scores can beat.
//!
//! And one (session 15): 4. Does judging each photo and its mirror image, and averaging, help?
//!    A and C learn mirrored photos half of the time, so both views are the class to them; the
//!    mean of two views is a cheap ensemble. Per folder, the mean AUROC of eq. 6′, f(x) and the
//!    error on one view and on both averaged (eq. 6′'s scale then taken on the validation
//!    photos averaged the same way).
//! 5. Is A's error on a coarse grid a better cue than the full error? A 64-number bottleneck
//!    keeps no photo's fine detail, whatever its class, so much of ‖x − A(x)‖² is detail that
//!    says nothing about the class. `photo::coarse_error` compares x and A(x) after averaging
//!    k × k blocks: whether A rebuilt the layout and colours. Chosen before any of it was
//!    measured: k = 4 (an 8 × 8 grid, the resolution of A's last encoder stage before its dense
//!    bottleneck), and eq. 6′ with this error in place of the plain one; k = 2 and 8 are printed
//!    as well.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> anyhow::Result<()> {
    native::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use anyhow::{Context, bail};
    use connective::calibration::{Calibration, verdict_scores};
    use connective::metrics::auroc;
    use connective::native::caltech::{DETAIL_BLOCKS, RunScores, ScoredPhotos};

    /// ln of A's error over the detail a k × k-block average loses (`DETAIL_BLOCKS[b]`).
    fn corrected(p: &ScoredPhotos, b: usize) -> Vec<f32> {
        p.error.iter().zip(&p.detail[b]).map(|(e, d)| (e.max(1e-12) / d.max(1e-12)).ln()).collect()
    }

    fn negated(v: &[f32]) -> Vec<f32> {
        v.iter().map(|x| -x).collect()
    }

    /// Eq. 6′ with `error` (and its validation values) as A's part.
    fn combined(run: &RunScores, error: &[f32], val_error: &[f32]) -> Vec<f32> {
        eq6(&run.test.logit, error, &run.validation.logit, val_error).expect("validation scores")
    }

    /// Eq. 6′ of test photos' f(x) and error, on the scale of validation photos' (`None`: fewer
    /// than two finite validation scores).
    fn eq6(logit: &[f32], error: &[f32], val_logit: &[f32], val_error: &[f32]) -> Option<Vec<f32>> {
        Some(verdict_scores(Some(&Calibration::fit(val_logit, val_error)?), logit, error))
    }

    /// The z-scored parts of eq. 6′ (C's, A's) of the test photos, on the validation's scale.
    fn parts(run: &RunScores) -> (Vec<f32>, Vec<f32>) {
        let cal = Calibration::fit(&run.validation.logit, &run.validation.error).expect("validation scores");
        run.test.logit.iter().zip(&run.test.error).map(|(&l, &e)| cal.parts(l, e)).unzip()
    }

    /// Each photo's score averaged with its mirror image's.
    fn both_views(one: &[f32], mirror: &[f32]) -> Vec<f32> {
        one.iter().zip(mirror).map(|(a, b)| 0.5 * (a + b)).collect()
    }

    /// AUROC of eq. 6′, f(x) and the error of one run, on the photo alone or averaged with its
    /// mirror image (`None`: the file has no mirror scores).
    fn view_aurocs(run: &RunScores, mirror: bool) -> Option<[f64; 3]> {
        let (t, v) = (&run.test, &run.validation);
        let has = |p: &ScoredPhotos| p.mirror_logit.len() == p.logit.len() && p.mirror_error.len() == p.error.len();
        if mirror && !(has(t) && has(v)) {
            return None;
        }
        let view = |p: &ScoredPhotos| if mirror { (both_views(&p.logit, &p.mirror_logit), both_views(&p.error, &p.mirror_error)) } else { (p.logit.clone(), p.error.clone()) };
        let ((tl, te), (vl, ve)) = (view(t), view(v));
        let a = |s: &[f32]| auroc(s, &t.positive).unwrap_or(f64::NAN);
        Some([a(&eq6(&tl, &te, &vl, &ve)?), a(&tl), a(&negated(&te))])
    }

    fn read_folder(dir: &Path) -> anyhow::Result<BTreeMap<String, RunScores>> {
        let mut runs = BTreeMap::new();
        for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
                let run: RunScores = serde_json::from_str(&text).with_context(|| format!("{} is not a --scores-out file", path.display()))?;
                // Eq. 6′ needs a spread of the validation scores (the calibration below).
                if Calibration::fit(&run.validation.logit, &run.validation.error).is_none() {
                    bail!("{}: fewer than two finite validation scores, nothing to put eq. 6′ on a scale with", path.display());
                }
                runs.insert(path.file_stem().unwrap().to_string_lossy().into_owned(), run);
            }
        }
        if runs.is_empty() {
            bail!("no run scores in {} (write them with eval --protocol caltech --scores-out)", dir.display());
        }
        Ok(runs)
    }

    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len().max(1) as f64
    }

    pub fn main() -> anyhow::Result<()> {
        let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
        if dirs.is_empty() {
            bail!("usage: caltech_scores DIR [DIR ...] (folders written by eval --protocol caltech --scores-out)");
        }
        let folders: Vec<(String, BTreeMap<String, RunScores>)> =
            dirs.iter().map(|d| Ok((d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), read_folder(d)?))).collect::<anyhow::Result<_>>()?;

        // 1. Complexity-corrected error, per detector.
        let cols = ["f(x)", "error", "eq. 6′", "error ÷ detail, k = 8", "eq. 6′ with it", "k = 4", "eq. 6′, k = 4", "k = 2", "eq. 6′, k = 2", "detail alone, k = 8"];
        println!("AUROC per detector (folder, run, classes):\n");
        println!("| folder | run | classes | {} |", cols.join(" | "));
        println!("|---|---|---|{}", "---:|".repeat(cols.len()));
        let mut all: Vec<Vec<f64>> = vec![Vec::new(); cols.len()];
        for (name, runs) in &folders {
            for (id, run) in runs {
                let labels = &run.test.positive;
                let a = |s: &[f32]| auroc(s, labels).unwrap_or(f64::NAN);
                let mut row = vec![a(&run.test.logit), a(&negated(&run.test.error)), a(&combined(run, &run.test.error, &run.validation.error))];
                for b in [2, 1, 0] {
                    let (t, v) = (corrected(&run.test, b), corrected(&run.validation, b));
                    row.push(a(&negated(&t)));
                    row.push(a(&combined(run, &t, &v)));
                }
                row.push(a(&negated(&run.test.detail[2])));
                for (c, v) in all.iter_mut().zip(&row) {
                    c.push(*v);
                }
                let cells: Vec<String> = row.iter().map(|v| format!("{v:.3}")).collect();
                println!("| {name} | {id} | {} | {} |", run.classes.join(", "), cells.join(" | "));
            }
        }
        let means: Vec<String> = all.iter().map(|c| format!("**{:.3}**", mean(c))).collect();
        println!("| **mean** | {} detectors | | {} |", all[0].len(), means.join(" | "));
        println!("\n(blocks: {DETAIL_BLOCKS:?} px; higher AUROC = better; detail alone: the smoother photo counted as the positive)");

        // 3. Eq. 6′ with other weights on f(x), per folder (mean over its runs).
        const WEIGHTS: [f32; 11] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
        println!("\nMean AUROC of w·z(f(x)) + (1 − w)·z(error), per folder (w = 0.5 is eq. 6′, 0 the error alone, 1 f(x) alone):\n");
        let head: Vec<String> = WEIGHTS.iter().map(|w| format!("w = {w}")).collect();
        println!("| folder | runs | {} | each run's best w (an oracle: read off its test labels) |", head.join(" | "));
        println!("|---|---:|{}", "---:|".repeat(WEIGHTS.len() + 1));
        for (name, runs) in &folders {
            // Each run's two parts once, then every weight on them.
            let split: Vec<(Vec<f32>, Vec<f32>, &[bool])> = runs.values().map(|run| {
                let (c, e) = parts(run);
                (c, e, &run.test.positive[..])
            }).collect();
            // AUROC per (weight, run).
            let grid: Vec<Vec<f64>> = WEIGHTS
                .iter()
                .map(|&w| {
                    split
                        .iter()
                        .map(|(c, e, labels)| {
                            let s: Vec<f32> = c.iter().zip(e).map(|(c, e)| w * c + (1.0 - w) * e).collect();
                            auroc(&s, labels).unwrap_or(f64::NAN)
                        })
                        .collect()
                })
                .collect();
            let mut cells: Vec<String> = grid.iter().map(|v| format!("{:.3}", mean(v))).collect();
            // The ceiling of any weighting: each run's best weight, picked on its test labels.
            let oracle: Vec<f64> = (0..split.len()).map(|r| grid.iter().map(|v| v[r]).fold(f64::MIN, f64::max)).collect();
            cells.push(format!("{:.3}", mean(&oracle)));
            println!("| {name} | {} | {} |", runs.len(), cells.join(" | "));
        }

        // 4. Each photo and its mirror image averaged, per folder (mean over its runs).
        println!("\nMean AUROC on the photo alone and averaged with its mirror image, per folder (folders whose files have mirror scores):\n");
        println!("| folder | runs | eq. 6′: one view | both views | f(x): one view | both views | error: one view | both views | eq. 6′ up / down |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (name, runs) in &folders {
            let Some(pairs) = runs.values().map(|r| Some((view_aurocs(r, false)?, view_aurocs(r, true)?))).collect::<Option<Vec<_>>>() else {
                continue;
            };
            let col = |view: usize, k: usize| mean(&pairs.iter().map(|p| if view == 0 { p.0[k] } else { p.1[k] }).collect::<Vec<_>>());
            let (up, down) = (pairs.iter().filter(|p| p.1[0] > p.0[0]).count(), pairs.iter().filter(|p| p.1[0] < p.0[0]).count());
            println!("| {name} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {up} / {down} |", runs.len(), col(0, 0), col(1, 0), col(0, 1), col(1, 1), col(0, 2), col(1, 2));
        }

        // 5. The error on a coarse grid, per folder (mean over its runs).
        println!("\nMean AUROC of A's error on a coarse grid (blocks of k px averaged in x and A(x)), alone and in eq. 6′, per folder (folders whose files have it):\n");
        let blocks: Vec<String> = DETAIL_BLOCKS.iter().map(|k| format!("k = {k}")).collect();
        println!("| folder | runs | error | {} | eq. 6′ | {} | eq. 6′ up / down, k = 4 |", blocks.join(" | "), blocks.iter().map(|b| format!("eq. 6′, {b}")).collect::<Vec<_>>().join(" | "));
        println!("|---|---:|---:|{}---:|{}---:|", "---:|".repeat(3), "---:|".repeat(3));
        for (name, runs) in &folders {
            let has = |p: &ScoredPhotos| p.coarse_error.iter().all(|c| c.len() == p.error.len());
            if !runs.values().all(|r| has(&r.test) && has(&r.validation)) {
                continue;
            }
            let rows: Vec<Vec<f64>> = runs
                .values()
                .map(|run| {
                    let a = |s: &[f32]| auroc(s, &run.test.positive).unwrap_or(f64::NAN);
                    let mut row = vec![a(&negated(&run.test.error))];
                    row.extend((0..3).map(|b| a(&negated(&run.test.coarse_error[b]))));
                    row.push(a(&combined(run, &run.test.error, &run.validation.error)));
                    row.extend((0..3).map(|b| a(&combined(run, &run.test.coarse_error[b], &run.validation.coarse_error[b]))));
                    row
                })
                .collect();
            let k4 = DETAIL_BLOCKS.iter().position(|&k| k == 4).expect("blocks of 4 px");
            let (up, down) = (rows.iter().filter(|r| r[5 + k4] > r[4]).count(), rows.iter().filter(|r| r[5 + k4] < r[4]).count());
            let cells: Vec<String> = (0..8).map(|c| format!("{:.3}", mean(&rows.iter().map(|r| r[c]).collect::<Vec<_>>()))).collect();
            println!("| {name} | {} | {} | {up} / {down} |", runs.len(), cells.join(" | "));
        }

        // 2. Detectors averaged, per run shared by every folder.
        if folders.len() > 1 {
            let (_, first) = &folders[0];
            let shared: Vec<&String> = first.keys().filter(|id| folders.iter().all(|(_, runs)| runs.get(*id).is_some_and(|r| r.test.positive == first[*id].test.positive && r.classes == first[*id].classes))).collect();
            println!("\nEq. 6′ of {} detectors averaged (each part's z averaged), per run with the same test photos in every folder:\n", folders.len());
            println!("| run | classes | mean single detector | best single | averaged: f(x) | averaged: error | averaged: eq. 6′ |");
            println!("|---|---|---:|---:|---:|---:|---:|");
            let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 5];
            for id in shared {
                let runs: Vec<&RunScores> = folders.iter().map(|(_, r)| &r[id]).collect();
                let labels = &runs[0].test.positive;
                let a = |s: &[f32]| auroc(s, labels).unwrap_or(f64::NAN);
                let singles: Vec<f64> = runs.iter().map(|r| a(&combined(r, &r.test.error, &r.validation.error))).collect();
                let n = labels.len();
                let (mut c, mut e) = (vec![0.0f32; n], vec![0.0f32; n]);
                for r in &runs {
                    let (pc, pe) = parts(r);
                    for i in 0..n {
                        c[i] += pc[i] / runs.len() as f32;
                        e[i] += pe[i] / runs.len() as f32;
                    }
                }
                let both: Vec<f32> = c.iter().zip(&e).map(|(x, y)| 0.5 * x + 0.5 * y).collect();
                let row = [mean(&singles), singles.iter().cloned().fold(f64::MIN, f64::max), a(&c), a(&e), a(&both)];
                for (col, v) in cols.iter_mut().zip(row) {
                    col.push(v);
                }
                println!("| {id} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |", runs[0].classes.join(", "), row[0], row[1], row[2], row[3], row[4]);
            }
            let m: Vec<String> = cols.iter().map(|c| format!("**{:.3}**", mean(c))).collect();
            println!("| **mean** | | {} |", m.join(" | "));
        }
        Ok(())
    }
}
