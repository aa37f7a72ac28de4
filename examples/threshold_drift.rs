//! Where the stored threshold's promise goes: the share of a digit model's positives it accepts
//! among the images A and C trained on, the held-out validation images it was set on (95 % by
//! construction, the 5th-percentile rule), and the test images (MNIST's test digits come from
//! other writers than its training digits). Prints a Markdown table.
//!
//! ```sh
//! cargo run --release --example threshold_drift -- ../shared/data/mnist models
//! ```

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
    use connective::model_io::Manifest;
    use connective::native::data::{Mnist, recipe_split, to_unit};
    use connective::native::score::read_detector;
    use connective::scoring::score_batches;

    pub fn main() -> anyhow::Result<()> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let [data, models] = &args[..] else {
            anyhow::bail!("usage: threshold_drift MNIST_DIR MODELS_DIR");
        };
        let models = Path::new(models);
        let path = models.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let manifest = Manifest::from_json(&text)?;
        let mnist = Mnist::load(Path::new(data))?;
        let device = Device::flex();
        println!("| digit | threshold | accepted: training images | validation images | test images | test outliers accepted |");
        println!("|---:|---:|---:|---:|---:|---:|");
        let mut sums = [0.0; 4];
        let mut n = 0.0;
        for e in manifest.models.iter().filter(|e| e.dataset == "mnist") {
            let digit: u8 = e.positive_classes[0].parse()?;
            let detector = read_detector(models, e, &device)?;
            let split = recipe_split(&mnist.train_labels, &[digit], &e.recipe);
            let score = |x: Vec<f32>| -> anyhow::Result<Vec<f32>> {
                let s = score_batches(&detector, &x, e.config.image_shape(), e.lambda, 1000, &device, |_| ())?;
                Ok(s.verdict(e.calibration.as_ref()))
            };
            let test = |inlier: bool| -> Vec<usize> { (0..mnist.test_labels.len()).filter(|&i| (mnist.test_labels[i] == digit) == inlier).collect() };
            let accepted = |s: &[f32]| s.iter().filter(|&&v| v >= e.threshold).count() as f64 / s.len() as f64;
            let shares = [
                accepted(&score(to_unit(&mnist.train_images, &split.train))?),
                accepted(&score(to_unit(&mnist.train_images, &split.val))?),
                accepted(&score(to_unit(&mnist.test_images, &test(true)))?),
                accepted(&score(to_unit(&mnist.test_images, &test(false)))?),
            ];
            println!("| {digit} | {:.3} | {:.4} | {:.4} | {:.4} | {:.4} |", e.threshold, shares[0], shares[1], shares[2], shares[3]);
            for (s, v) in sums.iter_mut().zip(shares) {
                *s += v;
            }
            n += 1.0;
        }
        let m = sums.map(|s| s / n);
        println!("| **mean** | | **{:.4}** | **{:.4}** | **{:.4}** | **{:.4}** |", m[0], m[1], m[2], m[3]);
        Ok(())
    }
}
