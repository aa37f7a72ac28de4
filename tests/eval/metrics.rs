use burn::prelude::*;
use burn::tensor::TensorData;
use connective::metrics::*;
use connective::model::autoencoder::charbonnier;
use connective::model::calibration::positive_quantile;

#[test]
fn charbonnier_matches_hand_values() {
    let d = Device::flex();
    let a = Tensor::<4>::from_data(TensorData::new(vec![0.0f32, 0.5, 1.0, 0.25], [1, 1, 2, 2]), &d);
    let b = Tensor::<4>::from_data(TensorData::new(vec![0.0f32, 0.2, 0.0, 0.25], [1, 1, 2, 2]), &d);
    // sqrt(0 + 0.01) = 0.1, sqrt(0.09 + 0.01) = 0.316228, sqrt(1 + 0.01) = 1.004988, 0.1
    let want = (0.1 + 0.316_227_77 + 1.004_987_6 + 0.1) / 4.0;
    let got = charbonnier(a, b, 0.1).into_scalar::<f32>();
    assert!((got - want).abs() < 1e-6, "{got} vs {want}");
}

#[test]
fn auroc_hand_cases() {
    assert_eq!(auroc(&[0.9, 0.8, 0.2, 0.1], &[true, true, false, false]), Some(1.0));
    assert_eq!(auroc(&[0.1, 0.2, 0.8, 0.9], &[true, true, false, false]), Some(0.0));
    // One inverted pair of four: 3/4.
    assert_eq!(auroc(&[0.9, 0.3, 0.5, 0.1], &[true, true, false, false]), Some(0.75));
    // Ties between classes count a half: pairs (p=0.5 vs n=0.5) → 0.5, (0.5 vs 0.1) → 1,
    // (0.9 vs both) → 2: (0.5 + 1 + 2) / 4.
    assert_eq!(auroc(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false]), Some(0.875));
    // All scores equal: chance.
    assert_eq!(auroc(&[1.0; 6], &[true, false, true, false, true, false]), Some(0.5));
    assert_eq!(auroc(&[0.1, 0.2], &[true, true]), None);
    assert_eq!(auroc(&[f32::NAN, 0.2], &[true, false]), None);
}

#[test]
fn f1_hand_cases() {
    let scores = [0.9, 0.8, 0.6, 0.4, 0.3, 0.1];
    let labels = [true, true, false, true, false, false];
    // threshold 0.5: predicted inliers 0.9, 0.8, 0.6 → tp 2, fp 1, fn 1: F1 = 4 / 6.
    let c = Confusion::at(&scores, &labels, 0.5);
    assert_eq!((c.tp, c.fp, c.tn, c.fn_), (2, 1, 2, 1));
    // 2 of 3 inliers accepted, 1 of 3 outliers.
    assert!((c.recall() - 2.0 / 3.0).abs() < 1e-12);
    assert!((c.false_positive_rate() - 1.0 / 3.0).abs() < 1e-12);
    assert!(Confusion::at(&[0.9], &[false], 0.5).recall().is_nan(), "no inliers: no recall");
    assert!((f1_at(&scores, &labels, 0.5) - 4.0 / 6.0).abs() < 1e-12);
    assert!((f1_at(&scores, &labels, 0.0) - 6.0 / 9.0).abs() < 1e-12); // all called inliers
    assert_eq!(f1_at(&scores, &labels, 2.0), 0.0); // none called inliers
    // the threshold is inclusive
    assert_eq!(Confusion::at(&[0.5], &[true], 0.5).tp, 1);
}

#[test]
fn roc_curve_runs_from_origin_to_one() {
    let pts = roc_curve(&[0.9, 0.5, 0.5, 0.1], &[true, true, false, false]);
    assert_eq!(pts.first(), Some(&(0.0, 0.0)));
    assert_eq!(pts.last(), Some(&(1.0, 1.0)));
    assert_eq!(pts[1], (0.0, 0.5));
    assert_eq!(pts[2], (0.5, 1.0)); // the tie moves both rates at once
}

#[test]
fn threshold_quantile_uses_positive_scores() {
    let s: Vec<f32> = (0..100).map(|i| i as f32).collect();
    assert_eq!(positive_quantile(&s, 0.05), Some(5.0));
    assert_eq!(positive_quantile(&s, 0.0), Some(0.0));
    assert_eq!(positive_quantile(&[f32::NAN, 2.0], 0.5), Some(2.0));
    assert_eq!(positive_quantile(&[], 0.5), None);
}

#[test]
fn percentile_words_name_the_rule() {
    use connective::model::recipe::percentile_words;
    assert_eq!(percentile_words(0.03), "3rd percentile");
    assert_eq!(percentile_words(0.05), "5th percentile");
    assert_eq!(percentile_words(0.01), "1st percentile");
    assert_eq!(percentile_words(0.02), "2nd percentile");
    assert_eq!(percentile_words(0.11), "11th percentile");
    assert_eq!(percentile_words(0.025), "2.5th percentile");
}
