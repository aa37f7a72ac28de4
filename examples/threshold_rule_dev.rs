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
mod native {
    use std::path::Path;

    use burn::prelude::*;
    use connective::metrics::positive_quantile;
    use connective::model_io::Manifest;
    use connective::native::data::{Mnist, recipe_split, to_unit};
    use connective::native::score::read_detector;
    use connective::scoring::score_batches;
    use rand::prelude::*;
    use rand::rngs::StdRng;

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
        let args: Vec<String> = std::env::args().skip(1).collect();
        let [data, models] = &args[..] else {
            anyhow::bail!("usage: threshold_rule_dev MNIST_DIR MODELS_DIR");
        };
        let models = Path::new(models);
        let path = models.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let manifest = Manifest::from_json(&text)?;
        let mnist = Mnist::load(Path::new(data))?;
        let device = Device::flex();
        // Per quantile: sums over digits of recall, FPR and F1 at each outlier share.
        let mut sums = vec![(0.0, 0.0, [0.0; OUTLIER_SHARES.len()]); QUANTILES.len()];
        let mut digits = 0.0;
        for e in manifest.models.iter().filter(|e| e.dataset == "mnist") {
            let digit: u8 = e.positive_classes[0].parse()?;
            eprintln!("digit {digit} …");
            let detector = read_detector(models, e, &device)?;
            let split = recipe_split(&mnist.train_labels, &[digit], &e.recipe);
            let score = |x: Vec<f32>| -> anyhow::Result<Vec<f32>> {
                let s = score_batches(&detector, &x, e.config.image_shape(), e.lambda, 1000, &device, |_| ())?;
                Ok(s.verdict(e.calibration.as_ref()))
            };
            let val = score(to_unit(&mnist.train_images, &split.val))?;
            let mut rng = StdRng::seed_from_u64(u64::from(digit) ^ 0x5EED);
            let mut others: Vec<usize> = (0..mnist.train_labels.len()).filter(|&i| mnist.train_labels[i] != digit).collect();
            others.shuffle(&mut rng);
            others.truncate(OUTLIERS);
            let outliers = score(to_unit(&mnist.train_images, &others))?;
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
