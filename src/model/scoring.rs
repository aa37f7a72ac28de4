//! Scoring images with a detector and bringing the results back to the host, in batches.
//! Native code reads tensors synchronously; the browser must await them (WebGPU readback).

use burn::prelude::*;
use burn::tensor::TensorData;

use super::calibration::{Calibration, ScoreRule, positive_quantile, verdict_scores};
use super::detector::{Detection, Detector};
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
    /// The nearest training digits' similarity (empty when the detector has no neighbours).
    pub neighbours: Vec<f32>,
    /// The similarity to each reference, `n × references` row-major (empty unless asked for
    /// with the images, or without neighbours).
    pub similarities: Vec<f32>,
}

/// `n` images of `shape` (`[channels, h, w]`, values in [0, 1]) as a batch tensor.
pub fn batch_tensor(images: &[f32], n: usize, shape: [usize; 3], device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(images.to_vec(), [n, shape[0], shape[1], shape[2]]), device)
}

pub fn to_vec(data: TensorData) -> Result<Vec<f32>> {
    data.try_into_vec::<f32>().map_err(|e| Error::Input(format!("cannot read tensor: {e:?}")))
}

fn check(out: &HostDetection) -> Result<()> {
    if out.score.iter().chain(&out.recon_error).chain(&out.neighbours).any(|v| !v.is_finite()) {
        return Err(Error::model("detector", "produced NaN or infinite scores (corrupt weights?)"));
    }
    Ok(())
}

/// Synchronous scoring (native).
pub fn detect_sync(detector: &Detector, x: Tensor<4>, lambda: f32, with_images: bool) -> Result<HostDetection> {
    let Detection { reconstruction, connective, score, recon_error, neighbours, similarities } = detector.detect(x, lambda);
    let mut out = HostDetection {
        score: to_vec(score.into_data())?,
        recon_error: to_vec(recon_error.into_data())?,
        neighbours: match neighbours {
            Some(n) => to_vec(n.into_data())?,
            None => Vec::new(),
        },
        ..Default::default()
    };
    if with_images {
        out.reconstruction = to_vec(reconstruction.into_data())?;
        out.connective = to_vec(connective.into_data())?;
        if let Some(s) = similarities {
            out.similarities = to_vec(s.into_data())?;
        }
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
    /// The nearest training digits' similarity per image (empty without neighbours).
    pub neighbours: Vec<f32>,
}

impl HostScores {
    /// The plain reconstruction-error score, −‖x − A(x)‖² (higher = more like the positives):
    /// the baseline the paper argues against.
    pub fn baseline(&self) -> Vec<f32> {
        self.errors.iter().map(|e| -e).collect()
    }

    /// The verdict's scores by `rule`: f(x), eq. 6′ with the calibration, or the neighbours'.
    pub fn verdict(&self, rule: ScoreRule, calibration: Option<&Calibration>) -> Vec<f32> {
        match rule {
            ScoreRule::Neighbours => self.neighbours.clone(),
            ScoreRule::Classifier => self.logits.clone(),
            ScoreRule::Combined => verdict_scores(calibration, &self.logits, &self.errors),
        }
    }

    /// The verdict's threshold if these are validation positives: the `q`-quantile of their
    /// verdict scores, accepting a share `1 − q` (None: no finite score). Training stores it;
    /// the drawn threshold is taken the same way.
    pub fn threshold(&self, rule: ScoreRule, calibration: Option<&Calibration>, q: f64) -> Option<f32> {
        positive_quantile(&self.verdict(rule, calibration), q)
    }

    /// One detection's scores.
    pub fn of(d: &HostDetection) -> Self {
        Self { logits: d.score.clone(), errors: d.recon_error.clone(), neighbours: d.neighbours.clone() }
    }
}

/// The one batching loop: `data` (flattened images of `shape`) as batch tensors of at most
/// `batch` images on `device`, in order, each with the number of images it holds.
pub fn batches<'a>(data: &'a [f32], shape: [usize; 3], batch: usize, device: &'a Device) -> impl Iterator<Item = (usize, Tensor<4>)> + 'a {
    let len: usize = shape.iter().product();
    let n = data.len() / len.max(1);
    let batch = batch.max(1);
    (0..n).step_by(batch).map(move |start| {
        let end = (start + batch).min(n);
        (end - start, batch_tensor(&data[start * len..end * len], end - start, shape, device))
    })
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
    let n = data.len() / shape.iter().product::<usize>().max(1);
    let mut out = HostScores { logits: Vec::with_capacity(n), errors: Vec::with_capacity(n), neighbours: Vec::new() };
    for (count, x) in batches(data, shape, batch, device) {
        let d = detect_sync(detector, x, lambda, false)?;
        out.logits.extend(d.score);
        out.errors.extend(d.recon_error);
        out.neighbours.extend(d.neighbours);
        progress(count);
    }
    Ok(out)
}

/// A(x) of every image of `data`, flattened, in batches of `batch` (A alone: what C's
/// connective samples are built from).
pub fn reconstruct_batches(autoencoder: &super::autoencoder::Autoencoder, data: &[f32], shape: [usize; 3], batch: usize, device: &Device) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(data.len());
    for (_, x) in batches(data, shape, batch, device) {
        out.extend(to_vec(autoencoder.forward(x).into_data())?);
    }
    Ok(out)
}

async fn read(t: Tensor<1>) -> Result<Vec<f32>> {
    to_vec(t.into_data_async().await.map_err(|e| Error::model("detector", format!("{e:?}")))?)
}

/// Asynchronous scoring (the browser, where WebGPU reads must be awaited).
pub async fn detect_async(detector: &Detector, x: Tensor<4>, lambda: f32, with_images: bool) -> Result<HostDetection> {
    let Detection { reconstruction, connective, score, recon_error, neighbours, similarities } = detector.detect(x, lambda);
    let mut out = HostDetection { score: read(score).await?, recon_error: read(recon_error).await?, ..Default::default() };
    if let Some(n) = neighbours {
        out.neighbours = read(n).await?;
    }
    if with_images {
        out.reconstruction = read(reconstruction.flatten(0, 3)).await?;
        out.connective = read(connective.flatten(0, 3)).await?;
        if let Some(s) = similarities {
            out.similarities = read(s.flatten(0, 1)).await?;
        }
    }
    check(&out)?;
    Ok(out)
}

