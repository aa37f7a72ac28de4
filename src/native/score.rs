//! `connective score`: one JSON line per image with the detector's score and verdict.

use std::io::Write;
use std::path::Path;

use burn::prelude::*;

use crate::connective::Detector;
use crate::error::{Error, Result};
use crate::idx;
use crate::model_io::{Manifest, ModelEntry, load_entry};
use crate::photo::photo_from_rgba;
use crate::preprocess::{MNIST_SIDE, mnist_from_rgba};
use crate::scoring::{batch_tensor, detect_sync};

/// The detector of a manifest entry, from its file in `dir` (checked against the entry).
pub fn read_detector(dir: &Path, entry: &ModelEntry, device: &Device) -> Result<Detector> {
    let path = dir.join(&entry.file);
    let bytes = std::fs::read(&path).map_err(|e| Error::data(path.display().to_string(), e.to_string()))?;
    load_entry(entry, &bytes, device)
}

/// Loads `path` and its entry of the `manifest.json` beside it, checksum verified.
pub fn load_model(path: &Path) -> Result<(ModelEntry, Detector)> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let manifest = Manifest::read_in_dir(dir)?;
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or_default();
    let entry = manifest.find(file)?.clone();
    let detector = read_detector(dir, &entry, &Device::flex())?;
    Ok((entry, detector))
}

/// What one input file holds: a stack of MNIST images, or one picture already preprocessed.
enum Input {
    Idx(idx::IdxImages),
    /// Model input, preprocessed for the detector's shape.
    Picture(Vec<f32>),
}

/// Reads an IDX stack (its images must already have the detector's shape) or a picture, which
/// is preprocessed as a digit (1 channel) or a photo (3 channels).
fn read_input(path: &Path, shape: [usize; 3]) -> Result<Input> {
    let name = path.display().to_string();
    let bytes = idx::read_maybe_gz(path)?;
    if bytes.starts_with(&[0, 0, 8, 3]) || bytes.starts_with(&[0, 0, 8, 4]) {
        let images = idx::parse_images(&bytes, &name)?;
        if [images.channels, images.rows, images.cols] != shape {
            return Err(Error::data(
                name,
                format!("images are {}×{}×{}, the detector takes {}×{}×{}", images.channels, images.rows, images.cols, shape[0], shape[1], shape[2]),
            ));
        }
        return Ok(Input::Idx(images));
    }
    let format = image::guess_format(&bytes)
        .map_err(|_| Error::data(&name, "neither an IDX image file nor a PNG, JPEG or WebP picture"))?;
    let picture = image::load_from_memory_with_format(&bytes, format)
        .map_err(|e| Error::data(&name, format!("cannot decode the {format:?} picture: {e}")))?
        .to_rgba8();
    let (w, h) = (picture.width() as usize, picture.height() as usize);
    let pixels = if shape[0] == 3 {
        photo_from_rgba(picture.as_raw(), w, h, shape[1])
    } else if shape[1] == MNIST_SIDE {
        mnist_from_rgba(picture.as_raw(), w, h).map(|g| g.iter().map(|&p| p as f32 / 255.0).collect())
    } else {
        Err(Error::Input(format!("no preprocessing for a {}×{}×{} detector", shape[0], shape[1], shape[2])))
    };
    Ok(Input::Picture(pixels.map_err(|e| Error::data(&name, e.to_string()))?))
}

/// Scores every image; a file that cannot be read is reported and skipped, and makes the
/// command fail at the end, after the others are scored.
pub fn run(model: &Path, inputs: &[std::path::PathBuf], labels: Option<&Path>, lambda: Option<f32>, limit: Option<usize>) -> Result<()> {
    let (entry, detector) = load_model(model)?;
    let lambda = lambda.unwrap_or(entry.lambda);
    if !(0.0..=1.0).contains(&lambda) {
        return Err(Error::Config(format!("λ must lie in [0, 1], got {lambda}")));
    }
    let labels = labels.map(idx::read_labels).transpose()?;
    let device = Device::flex();
    let shape = entry.config.image_shape();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = 0;
    // `score` is what the verdict is taken on: f(x), or eq. 6′ for a combined-score model.
    // A picture went through the drawing/photo preprocessing: judged by the model's drawn
    // threshold where it has one (`ModelEntry::threshold_for`); IDX images by the stored one.
    let mut line = |key: serde_json::Value, drawn: bool, logit: f32, err: f32, label: Option<u8>| {
        let score = entry.verdict_scores(&[logit], &[err])[0];
        let threshold = entry.threshold_for(drawn);
        let mut v = serde_json::json!({
            "score": score,
            "logit": logit,
            "recon_error": err,
            "threshold": threshold,
            "verdict": if score >= threshold { "inlier" } else { "novel" },
        });
        let obj = v.as_object_mut().unwrap();
        match key {
            serde_json::Value::String(_) => obj.insert("file".into(), key),
            _ => obj.insert("index".into(), key),
        };
        if let Some(l) = label {
            obj.insert("label".into(), l.into());
        }
        writeln!(out, "{v}").ok();
    };
    for path in inputs {
        match read_input(path, shape) {
            Ok(Input::Idx(images)) => {
                if let Some(l) = &labels
                    && l.len() != images.count
                {
                    return Err(Error::data(path.display().to_string(), format!("{} images but {} labels", images.count, l.len())));
                }
                let n = limit.unwrap_or(images.count).min(images.count);
                for start in (0..n).step_by(1000) {
                    let end = (start + 1000).min(n);
                    let x: Vec<f32> = (start..end).flat_map(|i| images.unit_chw(i)).collect();
                    let d = detect_sync(&detector, batch_tensor(&x, end - start, shape, &device), lambda, false)?;
                    for i in 0..end - start {
                        line((start + i).into(), false, d.score[i], d.recon_error[i], labels.as_ref().map(|l| l[start + i]));
                    }
                }
            }
            Ok(Input::Picture(x)) => {
                let d = detect_sync(&detector, batch_tensor(&x, 1, shape, &device), lambda, false)?;
                line(path.display().to_string().into(), true, d.score[0], d.recon_error[0], None);
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(Error::Input(format!("{failed} of {} inputs could not be scored", inputs.len())));
    }
    Ok(())
}
