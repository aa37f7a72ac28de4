//! Does MNIST's training file run writer by writer? MNIST has no writer labels, but a writer's
//! digits share a style. This measures one trait of style, the ink of an image relative to the
//! mean ink of its digit class (a thick or a thin pen), and prints how it correlates between
//! images k places apart in the file. Far apart (or shuffled) the correlation is 0; images of one
//! writer stored near each other make it positive over the length of a writer's run. Training
//! data only: no test image is read.
//!
//! ```sh
//! cargo run --release --example writer_order -- ../shared/data/mnist
//! ```
//!
//! Why it matters: a random validation draw shares every writer with the images A and C learn
//! from, while the test set (and a visitor of the page) brings new writers; if the file runs
//! writer by writer, its tail holds writers the rest does not (`recipe::HeldOut::Tail`).

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

    use connective::native::data::Mnist;
    use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

    /// Pearson correlation of `z[i]` and `z[i + lag]` over the file.
    fn lag_correlation(z: &[f64], lag: usize) -> f64 {
        let (a, b) = (&z[..z.len() - lag], &z[lag..]);
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    pub fn main() -> anyhow::Result<()> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let [data] = &args[..] else {
            anyhow::bail!("usage: writer_order MNIST_DIR");
        };
        let mnist = Mnist::load(Path::new(data))?;
        let (images, labels) = (&mnist.train_images, &mnist.train_labels);
        let ink: Vec<f64> = (0..labels.len()).map(|i| images.image(i).iter().map(|&p| p as f64).sum()).collect();
        // Ink as a z-score within its digit class, so that the mix of digits does not count.
        let mut z = vec![0.0; ink.len()];
        for d in 0..10u8 {
            let idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == d).collect();
            let n = idx.len() as f64;
            let mean = idx.iter().map(|&i| ink[i]).sum::<f64>() / n;
            let sd = (idx.iter().map(|&i| (ink[i] - mean).powi(2)).sum::<f64>() / n).sqrt();
            for &i in &idx {
                z[i] = (ink[i] - mean) / sd;
            }
        }
        let mut shuffled = z.clone();
        shuffled.shuffle(&mut StdRng::seed_from_u64(7));
        println!("| images apart in the file | correlation of their relative ink | same, file shuffled |");
        println!("|---:|---:|---:|");
        for lag in [1, 2, 3, 4, 10, 20, 50, 100, 200, 500, 1000, 1001, 5000, 5001] {
            println!("| {lag} | {:.3} | {:.3} |", lag_correlation(&z, lag), lag_correlation(&shuffled, lag));
        }
        Ok(())
    }
}
