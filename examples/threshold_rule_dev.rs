//! Which threshold rule would MNIST's *training* file choose? The stored threshold is the
//! q-quantile of f(x) on a digit's validation positives (q = 5 %, fixed in session 1 before any
//! test number existed). This measures the rule for other q on training-file data only, so that
//! q can be chosen without the test set:
//!
//! - recall: the validation positives are split in two halves at random (20 times); the
//!   threshold taken on one half at quantile q accepts this share of the other half;
//! - FPR: the threshold taken on all validation positives (as `train` stores it) accepts this
//!   share of the *other digits' training images* (a seeded sample of 10,000; neither A nor C saw
//!   any of them, as neither saw the test set's outliers);
//! - F1 at 10–50 % outliers: the paper protocol's F1 expected from that recall and FPR, per
//!   digit, then the mean over the ten digits (as `eval --protocol paper` averages).
//!
//! No test image is read. Prints a Markdown table.
//!
//! ```sh
//! cargo run --release --example threshold_rule_dev -- ../shared/data/mnist models
//! ```
//!
//! What it cannot see: the validation digits share writers with the training digits, while the
//! test set's writers are new (see `threshold_drift`), so the recall here is an upper bound of the
//! test recall.

// Native only (it reads files); the wasm test build compiles examples too.
#[cfg(not(target_arch = "wasm32"))]
fn main() -> anyhow::Result<()> {
    native::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod common;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use connective::metrics::positive_quantile;
    use connective::native::data::to_unit;
    use rand::prelude::*;
    use rand::rngs::StdRng;

    use crate::common::Setup;

    const QUANTILES: [f64; 7] = [0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.10];
    const OUTLIER_SHARES: [f64; 5] = [0.1, 0.2, 0.3, 0.4, 0.5];
    const HALVES: usize = 20;
    const OUTLIERS: usize = 10_000;

    /// The paper protocol's F1 of the inlier class, expected from a recall and an FPR when a
    /// share `o` of the test set are outliers.
    fn f1(recall: f64, fpr: f64, o: f64) -> f64 {
        let tp = recall * (1.0 - o);
        tp * 2.0 / (tp * 2.0 + (1.0 - recall) * (1.0 - o) + fpr * o)
    }

    fn accepted(scores: &[f32], t: f32) -> f64 {
        scores.iter().filter(|&&v| v >= t).count() as f64 / scores.len() as f64
    }

    pub fn main() -> anyhow::Result<()> {
        let setup = Setup::from_args("threshold_rule_dev")?;
        let mnist = &setup.mnist;
        // Per quantile: sums over digits of recall, FPR and F1 at each outlier share.
        let mut sums = vec![(0.0, 0.0, [0.0; OUTLIER_SHARES.len()]); QUANTILES.len()];
        let mut digits = 0.0;
        for model in setup.digit_models() {
            let model = model?;
            let digit = model.digit;
            eprintln!("digit {digit} …");
            let val = model.verdicts(&to_unit(&mnist.train_images, &model.split.val))?;
            let mut rng = StdRng::seed_from_u64(u64::from(digit) ^ 0x5EED);
            let mut others: Vec<usize> = (0..mnist.train_labels.len()).filter(|&i| mnist.train_labels[i] != digit).collect();
            others.shuffle(&mut rng);
            others.truncate(OUTLIERS);
            let outliers = model.verdicts(&to_unit(&mnist.train_images, &others))?;
            for (qi, &q) in QUANTILES.iter().enumerate() {
                let mut recall = 0.0;
                for _ in 0..HALVES {
                    let mut v = val.clone();
                    v.shuffle(&mut rng);
                    let (a, b) = v.split_at(v.len() / 2);
                    let (ta, tb) = (positive_quantile(a, q).unwrap_or(f32::NAN), positive_quantile(b, q).unwrap_or(f32::NAN));
                    recall += (accepted(b, ta) + accepted(a, tb)) / (2 * HALVES) as f64;
                }
                let t = positive_quantile(&val, q).unwrap_or(f32::NAN);
                let fpr = accepted(&outliers, t);
                let s = &mut sums[qi];
                s.0 += recall;
                s.1 += fpr;
                for (k, &o) in OUTLIER_SHARES.iter().enumerate() {
                    s.2[k] += f1(recall, fpr, o);
                }
            }
            digits += 1.0;
        }
        println!("| quantile q | recall (validation halves) | FPR (other digits, training file) | expected F1 at 10 / 20 / 30 / 40 / 50 % outliers | mean F1 |");
        println!("|---:|---:|---:|---|---:|");
        let means: Vec<f64> = sums.iter().map(|s| s.2.iter().sum::<f64>() / (digits * OUTLIER_SHARES.len() as f64)).collect();
        let best = means.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
        for (qi, s) in sums.iter().enumerate() {
            let f: Vec<String> = s.2.iter().map(|v| format!("{:.4}", v / digits)).collect();
            let mark = if qi == best { " (highest)" } else { "" };
            println!("| {:.1} % | {:.4} | {:.4} | {} | {:.4}{mark} |", QUANTILES[qi] * 100.0, s.0 / digits, s.1 / digits, f.join(" / "), means[qi]);
        }
        Ok(())
    }
}
