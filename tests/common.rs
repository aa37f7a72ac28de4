//! Shared by the integration tests: where MNIST lives (CONNECTIVE_MNIST, or ../shared/data/mnist
//! beside the checkout, as in CI).
#![allow(dead_code)]

use std::path::PathBuf;

pub fn mnist_dir() -> PathBuf {
    let dir = std::env::var_os("CONNECTIVE_MNIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist"));
    assert!(dir.join("train-images-idx3-ubyte.gz").exists(), "MNIST not found in {} (set CONNECTIVE_MNIST)", dir.display());
    dir
}
