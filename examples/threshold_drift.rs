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
mod common;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use connective::native::data::to_unit;

    use crate::common::Setup;

    pub fn main() -> anyhow::Result<()> {
        let setup = Setup::from_args("threshold_drift")?;
        let mnist = &setup.mnist;
        println!("| digit | threshold | accepted: training images | validation images | test images | test outliers accepted |");
        println!("|---:|---:|---:|---:|---:|---:|");
        let mut sums = [0.0; 4];
        let mut n = 0.0;
        for model in setup.digit_models() {
            let model = model?;
            let (digit, e, split) = (model.digit, model.entry, &model.split);
            let test = |inlier: bool| -> Vec<usize> { (0..mnist.test_labels.len()).filter(|&i| (mnist.test_labels[i] == digit) == inlier).collect() };
            let accepted = |s: &[f32]| s.iter().filter(|&&v| v >= e.threshold).count() as f64 / s.len() as f64;
            let shares = [
                accepted(&model.verdicts(&to_unit(&mnist.train_images, &split.train))?),
                accepted(&model.verdicts(&to_unit(&mnist.train_images, &split.val))?),
                accepted(&model.verdicts(&to_unit(&mnist.test_images, &test(true)))?),
                accepted(&model.verdicts(&to_unit(&mnist.test_images, &test(false)))?),
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
