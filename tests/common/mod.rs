//! Shared by the integration tests: where MNIST lives (CONNECTIVE_MNIST, or ../shared/data/mnist
//! beside the checkout, as in CI), and the tiny photo folder in tests/fixtures.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub fn mnist_dir() -> PathBuf {
    let dir = std::env::var_os("CONNECTIVE_MNIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist"));
    assert!(dir.join("train-images-idx3-ubyte.gz").exists(), "MNIST not found in {} (set CONNECTIVE_MNIST)", dir.display());
    dir
}

/// The fixture photo folder: two object classes and clutter, ten photos each, one corrupt file.
pub fn fixture_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/photos")
}

/// `connective <args> --data <the fixture photo folder>`, for more arguments.
pub fn on_fixtures(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_connective"));
    c.args(args).arg("--data").arg(fixture_folder());
    c
}
