//! Training: a quick digit detector on real MNIST learns and separates, and a quick photo
//! detector ships with its calibration and threshold.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../common/mod.rs"]
mod common;

mod features;
mod neighbours;
mod photos;
mod quick;
mod teach;
