//! `connective score`: one JSON line per image with the detector's score and verdict.

use std::io::Write;
use std::path::Path;

use burn::prelude::*;
use connective::data::idx;
use connective::data::photo::decode_picture;
use connective::data::preprocess::{MNIST_SIDE, grey_to_unit, mnist_from_rgba};
use connective::error::{Error, Result};
use connective::eval::caltech::open_backbone;
use connective::model::io::{FileEntry, InputKind, Manifest, PhotoEntry, load_model, load_photo_entry, read_detector_file, read_if_detector_file};
use connective::model::photo_detector::nearest;
use connective::train::features::{FeatureExtractor, photo_input};
use connective::model::scoring::{HostScores, batch_tensor, detect_sync, score_batches};

/// What one input file holds: a stack of MNIST images, or one picture already preprocessed.
pub enum Input {
    Idx(idx::IdxImages),
    /// Model input, preprocessed for the detector's shape.
    Picture(Vec<f32>),
}

/// Reads an IDX stack (its images must already have the detector's shape) or a picture, which
/// is preprocessed as a digit (photos go to a photo detector, `run_photos`).
pub fn read_input(path: &Path, shape: [usize; 3]) -> Result<Input> {
    let name = path.display().to_string();
    // IDX first (streamed, bounded by its header's promise), else the whole file as a picture.
    let head = idx::read_idx(path)?;
    let is_idx = head.starts_with(&[0, 0, 8, 3]) || head.starts_with(&[0, 0, 8, 4]);
    let bytes = if is_idx { head } else { idx::read_maybe_gz(path)? };
    if is_idx {
        let images = idx::parse_images(&bytes, &name)?;
        if [images.channels, images.rows, images.cols] != shape {
            return Err(Error::data(
                name,
                format!("images are {}×{}×{}, the detector takes {}×{}×{}", images.channels, images.rows, images.cols, shape[0], shape[1], shape[2]),
            ));
        }
        return Ok(Input::Idx(images));
    }
    if image::guess_format(&bytes).is_err() {
        return Err(Error::data(&name, "neither an IDX image file nor a PNG, JPEG or WebP picture"));
    }
    let picture = decode_picture(&bytes, &name)?;
    let (w, h) = (picture.width() as usize, picture.height() as usize);
    let pixels = if shape == [1, MNIST_SIDE, MNIST_SIDE] {
        mnist_from_rgba(picture.as_raw(), w, h).and_then(|g| grey_to_unit(&g, MNIST_SIDE * MNIST_SIDE))
    } else {
        Err(Error::Input(format!("no preprocessing for a {}×{}×{} detector", shape[0], shape[1], shape[2])))
    };
    Ok(Input::Picture(pixels.map_err(|e| Error::data(&name, e.to_string()))?))
}

/// The command's outcome once every input was tried: an error when any could not be scored.
fn all_scored(failed: usize, total: usize) -> Result<()> {
    if failed > 0 { Err(Error::Input(format!("{failed} of {total} inputs could not be scored"))) } else { Ok(()) }
}

/// Scores photos with a photo detector (on the backbone): one JSON line each with the verdict,
/// its score and threshold, the three scores (f(φ), A's error, the neighbours' similarity), CRBND's
/// combined score (eq. 6′) and the three nearest training photos (gallery row, file, similarity).
fn run_photos(entry: &PhotoEntry, bytes: &[u8], backbone: &Path, inputs: &[std::path::PathBuf], lambda: f32) -> Result<()> {
    let device = Device::flex();
    let detector = load_photo_entry(entry, bytes, &device)?;
    let (net, sha) = open_backbone(backbone)?;
    if sha != entry.backbone.sha256 {
        return Err(Error::model(&entry.name, format!("expects the backbone {} (SHA-256 {}), {} has {sha}", entry.backbone.file, entry.backbone.sha256, backbone.display())));
    }
    let extractor = FeatureExtractor { backbone: &net, backbone_sha256: &sha, side: entry.config.side, cache_dir: Path::new(""), device: device.clone() };
    let shape = extractor.shape();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = 0;
    for path in inputs {
        let name = path.display().to_string();
        let scored = std::fs::read(path)
            .map_err(|e| Error::data(&name, format!("cannot read: {e}")))
            .and_then(|b| photo_input(&b, entry.config.side, &name))
            .and_then(|x| extractor.maps(&x, 1))
            .and_then(|map| Ok((detector.score_maps(&map, shape, lambda, &entry.config, &device)?, detector.similarities(&map, shape, &device)?)));
        match scored {
            Ok((s, sims)) => {
                let score = entry.verdict_scores(&s)[0];
                let nearest: Vec<_> = nearest(&sims, 3).into_iter().map(|i| serde_json::json!({"index": i, "photo": entry.gallery[i], "similarity": sims[i]})).collect();
                let v = serde_json::json!({
                    "file": name,
                    "score": score,
                    "judged_by": entry.score,
                    "threshold": entry.threshold,
                    "verdict": if score >= entry.threshold { "inlier" } else { "novel" },
                    "logit": s.logits[0],
                    "recon_error": s.errors[0],
                    "neighbours": s.neighbours[0],
                    "combined": entry.calibration.combine(s.logits[0], s.errors[0]),
                    "nearest": nearest,
                });
                writeln!(out, "{v}").ok();
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    all_scored(failed, inputs.len())
}

/// Scores every image; a file that cannot be read is reported and skipped, and makes the
/// command fail at the end, after the others are scored.
pub fn run(model: &Path, backbone: &Path, inputs: &[std::path::PathBuf], labels: Option<&Path>, lambda: Option<f32>, limit: Option<usize>) -> Result<()> {
    if model.is_dir() {
        return Err(Error::data(model.display().to_string(), "is a folder: give --model one model file from it, e.g. models/mnist-3.bpk or models/photo-airplanes.bpk"));
    }
    let dir = model.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file = model.file_name().and_then(|f| f.to_str()).unwrap_or_default();
    // A photo detector: listed in the manifest beside it, or a detector file of one (the page's).
    let photo = match read_if_detector_file(model)? {
        Some(bytes) => match read_detector_file(&model.display().to_string(), &bytes)? {
            (FileEntry::Photos(entry), weights) => Some((entry, weights)),
            (FileEntry::Drawings(_), _) => None,
        },
        None => match Manifest::read_in_dir(dir).ok().and_then(|m| m.find_photo(file).ok().cloned()) {
            Some(entry) => {
                let path = dir.join(&entry.file);
                let weights = std::fs::read(&path).map_err(|e| Error::data(path.display().to_string(), e.to_string()))?;
                Some((entry, weights))
            }
            None => None,
        },
    };
    if let Some((entry, weights)) = photo {
        let lambda = lambda.unwrap_or(entry.lambda);
        if !(0.0..=1.0).contains(&lambda) {
            return Err(Error::Config(format!("λ must lie in [0, 1], got {lambda}")));
        }
        if labels.is_some() || limit.is_some() {
            return Err(Error::Config("--labels and --limit are for IDX files and digit models".into()));
        }
        return run_photos(&entry, &weights, backbone, inputs, lambda);
    }
    let (entry, detector) = load_model(model)?;
    let detector = detector.fold();
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
    // `score` is what the verdict is taken on: f(x), eq. 6′ for a combined-score model, or the
    // nearest training digits' similarity. A picture went through the drawing/photo
    // preprocessing: judged by the model's drawn threshold where it has one; IDX images by the
    // stored one (`ModelEntry::threshold_for`).
    let mut line = |key: serde_json::Value, input: InputKind, s: &HostScores, i: usize, label: Option<u8>, near: Vec<serde_json::Value>| {
        let score = entry.verdict_scores(s)[i];
        let threshold = entry.threshold_for(input);
        let mut v = serde_json::json!({
            "score": score,
            "logit": s.logits[i],
            "recon_error": s.errors[i],
            "threshold": threshold,
            "verdict": if score >= threshold { "inlier" } else { "novel" },
        });
        let obj = v.as_object_mut().unwrap();
        if let Some(n) = s.neighbours.get(i) {
            obj.insert("neighbours".into(), (*n).into());
        }
        if !near.is_empty() {
            obj.insert("nearest".into(), near.into());
        }
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
                    line(i.into(), InputKind::Dataset, &s, i, labels.as_ref().map(|l| l[i]), Vec::new());
                }
            }
            Ok(Input::Picture(x)) => {
                // One picture: also its three nearest references, as the page shows them.
                let d = detect_sync(&detector, batch_tensor(&x, 1, shape, &device), lambda, true)?;
                let near: Vec<_> = nearest(&d.similarities, 3)
                    .into_iter()
                    .map(|i| {
                        let r = entry.references.get(i);
                        serde_json::json!({"index": i, "image": r.map(|r| r.image), "pen": r.is_some_and(|r| r.pen), "similarity": d.similarities[i]})
                    })
                    .collect();
                line(path.display().to_string().into(), InputKind::Drawn, &HostScores::of(&d), 0, None, near);
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    all_scored(failed, inputs.len())
}
