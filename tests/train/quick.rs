//! End to end on real MNIST: a `--quick` detector for digit 1 must learn (its losses fall) and
//! must tell ones from zeros far better than chance.
use crate::common;

use burn::prelude::*;
use connective::data::mnist::{Mnist, to_unit};
use connective::metrics::auroc;
use connective::model::scoring::{batch_tensor, detect_sync};
use connective::model::{DetectorConfig, Recipe};
use connective::train::checkpoint::Checkpointer;
use connective::train::digits::recipe_split;
use connective::train::{TrainData, train_detector};

#[test]
fn quick_training_learns_and_separates_an_easy_split() {
    let mnist = Mnist::load(&common::mnist_dir()).unwrap();
    let recipe = Recipe::quick();
    let split = recipe_split(&mnist.train_labels, &[1], &recipe);
    let train = to_unit(&mnist.train_images, &split.train);
    let val = to_unit(&mnist.train_images, &split.val);
    let config = DetectorConfig::mnist();
    let dir = std::env::temp_dir().join(format!("connective-quick-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ckpt = Checkpointer::new(dir.clone()).unwrap();
    let data = TrainData { shape: [1, 28, 28], train: &train, val: &val };
    let trained = train_detector(&config, &recipe, &data, &ckpt, false, false, &indicatif::ProgressBar::hidden()).unwrap();

    let ae = &trained.state.ae_history;
    assert_eq!(ae.len(), recipe.ae_epochs);
    assert!(ae.last().unwrap().1 < 0.6 * ae[0].1, "A's loss did not fall: {ae:?}");
    let clf = &trained.state.classifier(0).history;
    assert!(clf.last().unwrap().1 < clf[0].1, "C's loss did not fall: {clf:?}");
    let val_scores = trained.val_scores();
    let accepted = val_scores.iter().filter(|&&s| s >= trained.threshold).count() as f64 / val_scores.len() as f64;
    let promised = 1.0 - recipe.threshold_quantile;
    assert!((accepted - promised).abs() < 0.02, "threshold accepts {accepted} of validation positives, the rule {promised}");

    // Test ones (inliers) against test zeros (outliers).
    let idx: Vec<usize> = (0..mnist.test_labels.len()).filter(|&i| mnist.test_labels[i] <= 1).take(600).collect();
    let labels: Vec<bool> = idx.iter().map(|&i| mnist.test_labels[i] == 1).collect();
    let x = to_unit(&mnist.test_images, &idx);
    let device = Device::flex();
    let d = detect_sync(&trained.detector, batch_tensor(&x, idx.len(), [1, 28, 28], &device), recipe.lambda, false).unwrap();
    let a = auroc(&d.score, &labels).unwrap();
    assert!(a > 0.9, "AUROC of ones against zeros: {a}");

    // Resuming a finished run trains nothing more and gives the same detector.
    let again = train_detector(&config, &recipe, &data, &ckpt, true, false, &indicatif::ProgressBar::hidden()).unwrap();
    // (The history went through state.json: equal up to the last bit of a float's decimal form.)
    assert_eq!(again.state.ae_history.len(), trained.state.ae_history.len());
    for (a, b) in again.state.ae_history.iter().zip(&trained.state.ae_history) {
        assert!(a.0 == b.0 && (a.1 - b.1).abs() < 1e-12 && (a.2 - b.2).abs() < 1e-12, "{a:?} vs {b:?}");
    }
    assert_eq!(again.threshold, trained.threshold);

    // Resuming with a second classifier keeps A and the first C as they are and trains only the
    // new C (its own seed, its own checkpoints); f(x) becomes the mean of both logits.
    let first_c = std::fs::read(dir.join("clf_best.bpk")).unwrap();
    let two = DetectorConfig::mnist().with_classifiers(2);
    let both = train_detector(&two, &recipe, &data, &ckpt, true, false, &indicatif::ProgressBar::hidden()).unwrap();
    assert_eq!(std::fs::read(dir.join("clf_best.bpk")).unwrap(), first_c, "the first C changed");
    assert!(dir.join("clf2_best.bpk").exists());
    assert_eq!(both.state.classifier(0).history.len(), recipe.clf_epochs);
    assert_eq!(both.state.classifiers.len(), 2);
    let second = &both.state.classifiers[1].history;
    assert_eq!(second.len(), recipe.clf_epochs);
    assert!(second.last().unwrap().1 < second[0].1, "the second C's loss did not fall: {second:?}");
    assert_eq!(both.detector.extra_classifiers.len(), 1);
    let d2 = detect_sync(&both.detector, batch_tensor(&x, idx.len(), [1, 28, 28], &device), recipe.lambda, false).unwrap();
    assert_ne!(d2.score, d.score, "the second C did not change f(x)");
    let a2 = auroc(&d2.score, &labels).unwrap();
    assert!(a2 > 0.9, "AUROC with two C's: {a2}");
    let _ = std::fs::remove_dir_all(&dir);
}
