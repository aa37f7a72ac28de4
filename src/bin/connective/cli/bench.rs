//! `connective bench`: training throughput and inference latency on this machine, as a table.
//! Measured, never asserted: the numbers belong in docs/results.md ("Speed and size"), not in tests.

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use rand::{Rng, SeedableRng, rngs::StdRng};

use connective::data::augment;
use connective::error::Result;
use connective::model::autoencoder::charbonnier;
use connective::model::connective::connect;
use connective::model::detector::{Detector, DetectorConfig};
use connective::model::recipe::Recipe;
use connective::model::scoring::{batch_tensor, detect_sync};

pub struct BenchRow {
    pub what: String,
    pub value: f64,
    pub unit: &'static str,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * q).round() as usize]
}

/// Times `steps` training steps of A and C and single-image / batched inference, on random images.
/// With `detector`, inference uses those (trained) weights.
pub fn run(config: &DetectorConfig, recipe: &Recipe, steps: usize, detector: Option<Detector>) -> Result<Vec<BenchRow>> {
    let shape = config.image_shape();
    let len: usize = shape.iter().product();
    let mut rng = StdRng::seed_from_u64(1);
    let mut images = |n: usize| -> Vec<f32> { (0..n * len).map(|_| rng.random::<f32>()).collect() };
    let device = Device::flex();
    let ad = device.clone().autodiff();
    let mut rows = Vec::new();

    let mut ae = config.autoencoder.init(&ad);
    let mut optim = AdamConfig::new().init();
    let mut arng = StdRng::seed_from_u64(2);
    let mut times = Vec::new();
    for _ in 0..steps + 1 {
        let x = batch_tensor(&images(recipe.ae_batch), recipe.ae_batch, shape, &ad);
        let t = Instant::now();
        let noisy = augment::corrupt(x.clone(), &recipe.augment, &mut arng);
        let loss = charbonnier(ae.forward(noisy), x, recipe.charbonnier_eps);
        let grads = GradientsParams::from_grads(loss.backward(), &ae);
        ae = optim.step(1e-3, ae, grads);
        let _ = loss.into_scalar::<f32>();
        times.push(t.elapsed().as_secs_f64());
    }
    let step = median(times[1..].to_vec());
    rows.push(BenchRow { what: format!("A train step (batch {})", recipe.ae_batch), value: step * 1e3, unit: "ms" });
    rows.push(BenchRow { what: "A training throughput".into(), value: recipe.ae_batch as f64 / step, unit: "images/s" });

    let mut clf = config.classifier.init(&ad);
    let mut optim = AdamConfig::new().init();
    let bce = burn::nn::loss::BinaryCrossEntropyLossConfig::new().with_logits(true).init(&ad);
    let half = recipe.clf_batch / 2;
    let mut times = Vec::new();
    for _ in 0..steps + 1 {
        let x = batch_tensor(&images(half), half, shape, &ad);
        let ax = batch_tensor(&images(half), half, shape, &ad);
        let t = Instant::now();
        let neg = augment::hard_negative(ax.clone(), &recipe.augment, &mut arng);
        let input = Tensor::cat(vec![connect(x.clone(), ax, 0.5), connect(x, neg, 0.5)], 0);
        let targets = Tensor::<2, Int>::from_data(
            burn::tensor::TensorData::new((0..2 * half).map(|i| (i < half) as i64).collect::<Vec<_>>(), [2 * half, 1]),
            &ad,
        );
        let loss = bce.forward(clf.forward(input), targets);
        let grads = GradientsParams::from_grads(loss.backward(), &clf);
        clf = optim.step(1e-3, clf, grads);
        let _ = loss.into_scalar::<f32>();
        times.push(t.elapsed().as_secs_f64());
    }
    let step = median(times[1..].to_vec());
    rows.push(BenchRow { what: format!("C train step (batch {})", recipe.clf_batch), value: step * 1e3, unit: "ms" });
    rows.push(BenchRow { what: "C training throughput".into(), value: recipe.clf_batch as f64 / step, unit: "samples/s" });

    let detector = detector.unwrap_or_else(|| Detector { autoencoder: ae.valid(), classifier: clf.valid(), extra_classifiers: Vec::new(), neighbours: None });
    let mut sample = |n: usize| batch_tensor(&images(n), n, shape, &device);
    rows.extend(time_detect(&detector, "f(x)", &mut sample)?);
    // The same detector with its batch norms folded into the convolutions (`model::fold`), as
    // `score` and the page run it.
    rows.extend(time_detect(&detector.fold(), "f(x) folded", &mut sample)?);
    Ok(rows)
}

/// f(x) of one image (p50 and p95 of 50 after one warm-up) and of a batch of 1000 (per image).
fn time_detect(detector: &Detector, what: &str, sample: &mut dyn FnMut(usize) -> Tensor<4>) -> Result<Vec<BenchRow>> {
    let mut times = Vec::new();
    for _ in 0..51 {
        let x = sample(1);
        let t = Instant::now();
        detect_sync(detector, x, 0.5, true)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let x = sample(1000);
    let t = Instant::now();
    detect_sync(detector, x, 0.5, false)?;
    Ok(vec![
        BenchRow { what: format!("{what}, 1 image, p50"), value: percentile(times[1..].to_vec(), 0.5), unit: "ms" },
        BenchRow { what: format!("{what}, 1 image, p95"), value: percentile(times[1..].to_vec(), 0.95), unit: "ms" },
        BenchRow { what: format!("{what}, batch of 1000, per image"), value: t.elapsed().as_secs_f64(), unit: "ms" },
    ])
}

pub fn print_table(rows: &[BenchRow]) {
    println!("| measurement | value | unit |\n|---|---:|---|");
    for r in rows {
        println!("| {} | {:.2} | {} |", r.what, r.value, r.unit);
    }
}
