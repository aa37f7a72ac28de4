//! Evaluation: the metrics on hand-computed cases, the Caltech protocol on the fixture photos,
//! and the generated blocks `eval --readme` writes into the docs.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../common/mod.rs"]
mod common;

mod caltech;
mod docs;
mod metrics;
