//! The digit detectors' nearest training digits (`train::neighbours`): the k-means that makes the
//! gallery, and the shipped galleries (and the training digits that stand for their rows) are
//! what `connective neighbours` makes from MNIST and the backbone, byte for byte.

use burn::prelude::*;
use connective::data::mnist::Mnist;
use connective::model::backbone::{DIGIT_BLOCK, EarlyBackbone};
use connective::model::calibration::ScoreRule;
use connective::model::io::{Manifest, read_detector};
use connective::train::digits::with_neighbours;
use connective::train::neighbours::kmeans;

use crate::common::{backbone_file, mnist_dir};

fn rows(data: Vec<f32>, n: usize, f: usize) -> Tensor<2> {
    Tensor::from_data(TensorData::new(data, [n, f]), &Device::flex())
}

#[test]
fn kmeans_finds_separated_clusters_at_unit_length() {
    // Three tight bundles of unit vectors around the axes of 3-D space, 20 each.
    let mut data = Vec::new();
    for c in 0..3 {
        for i in 0..20 {
            let mut v = [0.05 * ((i % 5) as f32 - 2.0), 0.03 * ((i % 3) as f32 - 1.0), 0.0];
            v[c] = 1.0;
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            data.extend(v.iter().map(|x| x / norm));
        }
    }
    let centres = kmeans(rows(data.clone(), 60, 3), 3, 7).unwrap().into_data().try_to_vec::<f32>().unwrap();
    let mut found = [false; 3];
    for c in centres.chunks(3) {
        let norm = c.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "centre {c:?} not at unit length");
        let axis = (0..3).max_by(|&a, &b| c[a].total_cmp(&c[b])).unwrap();
        assert!(c[axis] > 0.99, "centre {c:?} is not at one bundle");
        found[axis] = true;
    }
    assert_eq!(found, [true; 3], "one centre per bundle: {centres:?}");
    // The same seed, the same centres; more centres than rows: one per row.
    assert_eq!(kmeans(rows(data.clone(), 60, 3), 3, 7).unwrap().into_data().try_to_vec::<f32>().unwrap(), centres);
    assert_eq!(kmeans(rows(data[..6].to_vec(), 2, 3), 5, 1).unwrap().dims(), [2, 3]);
    assert!(kmeans(rows(Vec::new(), 0, 3), 2, 1).is_err());
}

#[test]
fn shipped_digit_galleries_are_what_connective_neighbours_makes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let models = root.join("models");
    let manifest = Manifest::read_in_dir(&models).unwrap();
    let entry = manifest.find("mnist-1").unwrap();
    assert_eq!(entry.config.score, ScoreRule::Neighbours, "mnist-1 judges by its neighbours");
    let device = Device::flex();
    let shipped = read_detector(&models, entry, &device).unwrap();
    assert_eq!(shipped.neighbours.as_ref().unwrap().gallery_len(), 128);
    let mnist = Mnist::load(&mnist_dir()).unwrap();
    let early = EarlyBackbone::from_full(connective::train::features::open_backbone(&backbone_file()).unwrap().0, DIGIT_BLOCK);
    let bare = connective::Detector { neighbours: None, ..shipped };
    let (again, bytes) = with_neighbours(entry, bare, &early, &mnist, &device).unwrap();
    assert_eq!(again.sha256, entry.sha256, "the gallery of mnist-1 is not what `connective neighbours` makes today");
    assert_eq!(bytes.len() as u64, entry.bytes);
    assert_eq!((again.threshold, again.drawn_threshold), (entry.threshold, entry.drawn_threshold));
    // Each reference row stands for a training 1 (the page shows it), some as drawn with the pen.
    assert_eq!(again.references, entry.references);
    assert_eq!(entry.references.len(), 128);
    assert!(entry.references.iter().all(|r| mnist.train_labels[r.image] == 1), "a reference of mnist-1 is not a 1");
    let pen = entry.references.iter().filter(|r| r.pen).count();
    assert!(pen > 0 && pen < 128, "{pen} of 128 references drawn with the pen");
}
