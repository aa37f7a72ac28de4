//! The photo detector's nearest-neighbour parts on a hand-made gallery.

use burn::module::Param;
use burn::prelude::*;

use connective::model::photo_detector::{PhotoDetectorConfig, nearest, neighbour_scores};

#[test]
fn neighbour_scores_average_the_closest_and_leave_one_out_skips_itself() {
    // Rows of cosine similarities: the mean of the 2 largest.
    assert_eq!(neighbour_scores(&[0.1, 0.9, 0.5, 0.3, 0.2, 0.1], 3, 2), vec![0.7, 0.25]);
    assert_eq!(nearest(&[0.1, 0.9, 0.5], 2), vec![1, 2]);
    // A gallery of three unit vectors: a and b close (cos 0.8), c apart (cos 0 to both).
    let device = Device::flex();
    let config = PhotoDetectorConfig { features: 3, hidden: 2, bottleneck: 1, clf_hidden: 2, ..PhotoDetectorConfig::default() };
    let mut d = config.init(3, &device);
    let g = [1.0, 0.0, 0.0, 0.8, 0.6, 0.0, 0.0, 0.0, 1.0];
    d.gallery = Param::from_tensor(Tensor::from_data(TensorData::new(g.to_vec(), [3, 3]), &device));
    // One neighbour: a's nearest other is b (0.8), b's is a (0.8), c's is 0. With itself left in,
    // every photo would score 1.
    let loo = d.leave_one_out(1).unwrap();
    let close = |x: &[f32], y: &[f32]| x.iter().zip(y).all(|(a, b)| (a - b).abs() < 1e-6);
    assert!(close(&loo, &[0.8, 0.8, 0.0]), "{loo:?}");
    // Two neighbours: the mean of both others.
    assert!(close(&d.leave_one_out(2).unwrap(), &[0.4, 0.4, 0.0]));
}
