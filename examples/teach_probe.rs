use connective::data::mnist::{Mnist, to_unit};
use connective::model::scoring::score_batches;
use connective::train::{Observer, teach};
use burn::prelude::*;
struct Quiet;
impl Observer for Quiet { fn start(&self, _: u64, _: u64) {} fn step(&self, _: &str, _: usize, _: usize, _: f64, _: f64) {} }
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let letters = args.get(1).cloned().unwrap_or("AEKRWYG".into());
    let n: usize = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(30);
    let seed: u64 = args.get(3).map(|s| s.parse().unwrap()).unwrap_or(1);
    let mnist = Mnist::load(std::path::Path::new("../shared/data/mnist")).unwrap();
    let idx: Vec<usize> = (0..10000).step_by(10).collect();
    let digits = to_unit(&mnist.test_images, &idx);
    let mut recipe = teach::recipe(seed);
    if let Ok(v) = std::env::var("AE_EPOCHS") { recipe.ae_epochs = v.parse().unwrap(); }
    if let Ok(v) = std::env::var("CLF_EPOCHS") { recipe.clf_epochs = v.parse().unwrap(); }
    if let Ok(v) = std::env::var("IMAGES") { recipe.teach.as_mut().unwrap().images = v.parse().unwrap(); }
    if let Ok(v) = std::env::var("SYN") { recipe.augment.synthetic_fraction = v.parse().unwrap(); }
    for l in letters.chars() {
        let raw = std::fs::read(format!("/work/runs/symbols/{l}.u8")).unwrap();
        let imgs: Vec<Vec<u8>> = raw.chunks(784).map(|c| c.to_vec()).collect();
        let t0 = std::time::Instant::now();
        let taught = teach::teach("probe", &imgs[..n], &recipe, None, &Quiet).unwrap();
        let secs = t0.elapsed().as_secs_f64();
        let test_pos: Vec<f32> = imgs[n..].iter().flatten().map(|&v| v as f32 / 255.0).collect();
        let dev = Device::flex();
        let det = taught.detector.clone().fold();
        let sp = score_batches(&det, &test_pos, [1, 28, 28], 0.5, 500, &dev, |_| ()).unwrap().logits;
        let sn = score_batches(&det, &digits, [1, 28, 28], 0.5, 500, &dev, |_| ()).unwrap().logits;
        let scores: Vec<f32> = sp.iter().chain(&sn).copied().collect();
        let labels: Vec<bool> = sp.iter().map(|_| true).chain(sn.iter().map(|_| false)).collect();
        let auc = connective::metrics::auroc(&scores, &labels).unwrap();
        let th = taught.entry.threshold;
        let recall = sp.iter().filter(|&&s| s >= th).count() as f64 / sp.len() as f64;
        let fpr = sn.iter().filter(|&&s| s >= th).count() as f64 / sn.len() as f64;
        println!("{l} auroc {auc:.4} recall {recall:.3} digits_accepted {fpr:.3} secs {secs:.1} steps {} ae {:?} clf {:?}", taught.steps, taught.ae_loss.last(), taught.clf_loss.last());
    }
}
