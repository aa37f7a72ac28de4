//! Detection metrics: AUROC (with ties), F1 at a threshold, the ROC curve (the threshold rule
//! itself, which only ever sees validation positives, is the model's:
//! `model::calibration::positive_quantile`). Convention everywhere: label `true` = inlier
//! (the positive class), and a higher score means "more like an inlier".

/// Area under the ROC curve as the Mann–Whitney U statistic with mid-ranks, so tied scores
/// count one half. `None` when one of the two classes is empty or a score is NaN.
pub fn auroc(scores: &[f32], labels: &[bool]) -> Option<f64> {
    assert_eq!(scores.len(), labels.len(), "one label per score");
    if scores.iter().any(|s| s.is_nan()) {
        return None;
    }
    let pos = labels.iter().filter(|&&l| l).count();
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum_pos = 0.0f64;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let mid_rank = (i + j) as f64 / 2.0 + 1.0; // ranks are 1-based
        for &k in &order[i..=j] {
            if labels[k] {
                rank_sum_pos += mid_rank;
            }
        }
        i = j + 1;
    }
    let u = rank_sum_pos - (pos * (pos + 1)) as f64 / 2.0;
    Some(u / (pos as f64 * neg as f64))
}

/// Counts of a binary decision against the truth.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Confusion {
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
}

impl Confusion {
    /// Scores at or above `threshold` are called inliers.
    pub fn at(scores: &[f32], labels: &[bool], threshold: f32) -> Self {
        let mut c = Confusion::default();
        for (&s, &l) in scores.iter().zip(labels) {
            match (s >= threshold, l) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }

    /// F1 of the inlier class; 0 when nothing is predicted or present.
    pub fn f1(&self) -> f64 {
        let denom = 2 * self.tp + self.fp + self.fn_;
        if denom == 0 { 0.0 } else { 2.0 * self.tp as f64 / denom as f64 }
    }

    /// Share of the inliers called inliers (NaN without inliers).
    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_) as f64
    }

    /// Share of the outliers called inliers (NaN without outliers).
    pub fn false_positive_rate(&self) -> f64 {
        self.fp as f64 / (self.fp + self.tn) as f64
    }
}

/// F1 of the inlier class when scores ≥ `threshold` are called inliers.
pub fn f1_at(scores: &[f32], labels: &[bool], threshold: f32) -> f64 {
    Confusion::at(scores, labels, threshold).f1()
}

/// ROC curve points (false-positive rate, true-positive rate), from (0,0) to (1,1), one point per
/// distinct score.
pub fn roc_curve(scores: &[f32], labels: &[bool]) -> Vec<(f64, f64)> {
    let pos = labels.iter().filter(|&&l| l).count().max(1) as f64;
    let neg = labels.iter().filter(|&&l| !l).count().max(1) as f64;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut points = vec![(0.0, 0.0)];
    let mut i = 0;
    while i < order.len() {
        let s = scores[order[i]];
        while i < order.len() && scores[order[i]] == s {
            if labels[order[i]] { tp += 1.0 } else { fp += 1.0 }
            i += 1;
        }
        points.push((fp / neg, tp / pos));
    }
    points
}

/// Mean and (population) standard deviation.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}
