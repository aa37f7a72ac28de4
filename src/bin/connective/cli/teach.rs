//! `connective teach`: a detector taught from a few drawings, as the page's Teach mode does it
//! (`train::teach`, the same code and recipe), written as one detector file that `connective
//! score --model` and the page's "Open detector" read.

use std::io::Write;
use std::path::{Path, PathBuf};

use connective::data::preprocess::MNIST_SIDE;
use connective::error::{Error, Result};
use connective::model::io::{FileEntry, detector_file, write_atomically};
use connective::train::teach;
use indicatif::{ProgressBar, ProgressStyle};

use super::score::{Input, read_input};

/// Every drawing of `inputs` as 784 grey levels: each image of an IDX stack, each picture
/// preprocessed as the page's pad and uploads are.
fn drawings(inputs: &[PathBuf]) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for path in inputs {
        match read_input(path, [1, MNIST_SIDE, MNIST_SIDE])? {
            Input::Idx(images) => out.extend((0..images.count).map(|i| images.image(i).to_vec())),
            Input::Picture(unit) => out.push(unit.iter().map(|v| (v * 255.0).round() as u8).collect()),
        }
    }
    Ok(out)
}

pub fn run(inputs: &[PathBuf], name: &str, seed: u64, seconds: Option<f64>, out: &Path) -> Result<()> {
    let images = drawings(inputs)?;
    teach::check_name(name)?;
    teach::check_drawings(&images)?;
    let bar = ProgressBar::new(1).with_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} steps, {eta} left  {msg}").map_err(|e| Error::Config(e.to_string()))?.progress_chars("=> "),
    );
    bar.set_prefix(format!("teaching {name}"));
    let taught = teach::teach(name, &images, &teach::recipe(seed), seconds, &bar)?;
    bar.finish_and_clear();
    let file = detector_file(&FileEntry::Drawings(taught.entry.clone()), &taught.bytes)?;
    write_atomically(out, &file)?;
    let summary = serde_json::json!({
        "out": out.display().to_string(),
        "examples": images.len(),
        "held_out": taught.held_out,
        "steps": taught.steps,
        "seconds": taught.entry.training_seconds,
        "threshold": taught.entry.threshold,
        "loss": { "a": taught.ae_loss, "c": taught.clf_loss },
    });
    writeln!(std::io::stdout(), "{summary}").ok();
    Ok(())
}
