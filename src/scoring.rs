//! Scoring images with a detector and bringing the results back to the host, in batches.
//! Native code reads tensors synchronously; the browser must await them (WebGPU readback).

use burn::prelude::*;
use burn::tensor::TensorData;

use crate::calibration::{Calibration, verdict_scores};
use crate::connective::{Detection, Detector};
use crate::error::{Error, Result};

/// Detector outputs as plain vectors, `n` images.
#[derive(Debug, Clone, Default)]
pub struct HostDetection {
    pub score: Vec<f32>,
    pub recon_error: Vec<f32>,
    /// A(x), flattened images (empty unless asked for).
    pub reconstruction: Vec<f32>,
    /// λx + (1 − λ)A(x), flattened images (empty unless asked for).
    pub connective: Vec<f32>,
}

/// `n` images of `shape` (`[channels, h, w]`, values in [0, 1]) as a batch tensor.
pub fn batch_tensor(images: &[f32], n: usize, shape: [usize; 3], device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(images.to_vec(), [n, shape[0], shape[1], shape[2]]), device)
}

fn to_vec(data: TensorData) -> Result<Vec<f32>> {
    data.try_into_vec::<f32>().map_err(|e| Error::Input(format!("cannot read tensor: {e:?}")))
}

fn check(out: &HostDetection) -> Result<()> {
    if out.score.iter().chain(&out.recon_error).any(|v| !v.is_finite()) {
        return Err(Error::model("detector", "produced NaN or infinite scores (corrupt weights?)"));
    }
    Ok(())
}

/// Synchronous scoring (native).
pub fn detect_sync(detector: &Detector, x: Tensor<4>, lambda: f32, with_images: bool) -> Result<HostDetection> {
    let Detection { reconstruction, connective, score, recon_error } = detector.detect(x, lambda);
    let mut out = HostDetection {
        score: to_vec(score.into_data())?,
        recon_error: to_vec(recon_error.into_data())?,
        ..Default::default()
    };
    if with_images {
        out.reconstruction = to_vec(reconstruction.into_data())?;
        out.connective = to_vec(connective.into_data())?;
    }
    check(&out)?;
    Ok(out)
}

/// f(x) and the reconstruction error of many images, on the host: everything an evaluation
/// compares is derived from these two.
#[derive(Debug, Clone, Default)]
pub struct HostScores {
    /// f(x) (eq. 6), the mean logit of the C's.
    pub logits: Vec<f32>,
    /// ‖x − A(x)‖² per image.
    pub errors: Vec<f32>,
}

impl HostScores {
    /// The plain reconstruction-error score, −‖x − A(x)‖² (higher = more like the positives):
    /// the baseline the paper argues against.
    pub fn baseline(&self) -> Vec<f32> {
        self.errors.iter().map(|e| -e).collect()
    }

    /// The verdict's scores: f(x), or eq. 6′ with a calibration.
    pub fn verdict(&self, calibration: Option<&Calibration>) -> Vec<f32> {
        verdict_scores(calibration, &self.logits, &self.errors)
    }

    /// The verdict's threshold if these are validation positives: the `q`-quantile of their
    /// verdict scores, accepting a share `1 − q` (None: no finite score). Training stores it;
    /// `eval --threshold-quantile` and the drawn threshold take it again the same way.
    pub fn threshold(&self, calibration: Option<&Calibration>, q: f64) -> Option<f32> {
        crate::metrics::positive_quantile(&self.verdict(calibration), q)
    }
}

/// Scores `data` (flattened images of `shape`) in batches of `batch`, on the host side.
/// `progress` hears how many images each batch held.
pub fn score_batches(
    detector: &Detector,
    data: &[f32],
    shape: [usize; 3],
    lambda: f32,
    batch: usize,
    device: &Device,
    mut progress: impl FnMut(usize),
) -> Result<HostScores> {
    let len: usize = shape.iter().product();
    let n = data.len() / len;
    let mut out = HostScores { logits: Vec::with_capacity(n), errors: Vec::with_capacity(n) };
    for start in (0..n).step_by(batch.max(1)) {
        let end = (start + batch.max(1)).min(n);
        let d = detect_sync(detector, batch_tensor(&data[start * len..end * len], end - start, shape, device), lambda, false)?;
        out.logits.extend(d.score);
        out.errors.extend(d.recon_error);
        progress(end - start);
    }
    Ok(out)
}

async fn read(t: Tensor<1>) -> Result<Vec<f32>> {
    to_vec(t.into_data_async().await.map_err(|e| Error::model("detector", format!("{e:?}")))?)
}

/// Asynchronous scoring (the browser, where WebGPU reads must be awaited).
pub async fn detect_async(detector: &Detector, x: Tensor<4>, lambda: f32, with_images: bool) -> Result<HostDetection> {
    let Detection { reconstruction, connective, score, recon_error } = detector.detect(x, lambda);
    let mut out = HostDetection { score: read(score).await?, recon_error: read(recon_error).await?, ..Default::default() };
    if with_images {
        out.reconstruction = read(reconstruction.flatten(0, 3)).await?;
        out.connective = read(connective.flatten(0, 3)).await?;
    }
    check(&out)?;
    Ok(out)
}
