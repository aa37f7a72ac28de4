//! `connective score`: one JSON line per image with the detector's score and verdict.

use std::io::Write;
use std::path::Path;

use burn::prelude::*;
use connective::data::idx;
use connective::data::photo::photo_from_rgba;
use connective::data::preprocess::{MNIST_SIDE, grey_to_unit, mnist_from_rgba};
use connective::error::{Error, Result};
use connective::model::io::{InputKind, load_model};
use connective::model::scoring::score_batches;

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
        mnist_from_rgba(picture.as_raw(), w, h).and_then(|g| grey_to_unit(&g, MNIST_SIDE * MNIST_SIDE))
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
    // threshold where it has one; IDX images by the stored one (`ModelEntry::threshold_for`).
    let mut line = |key: serde_json::Value, input: InputKind, logit: f32, err: f32, label: Option<u8>| {
        let score = entry.verdict_scores(&[logit], &[err])[0];
        let threshold = entry.threshold_for(input);
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
                let x: Vec<f32> = (0..n).flat_map(|i| images.unit_chw(i)).collect();
                let s = score_batches(&detector, &x, shape, lambda, 1000, &device, |_| ())?;
                for i in 0..n {
                    line(i.into(), InputKind::Dataset, s.logits[i], s.errors[i], labels.as_ref().map(|l| l[i]));
                }
            }
            Ok(Input::Picture(x)) => {
                let s = score_batches(&detector, &x, shape, lambda, 1, &device, |_| ())?;
                line(path.display().to_string().into(), InputKind::Drawn, s.logits[0], s.errors[0], None);
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
