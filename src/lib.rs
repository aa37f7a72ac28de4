//! # connective
//!
//! Connective Reconstruction-based Novelty Detection (CRBND) in burn. The data flow:
//!
//! ```text
//! images (idx, photos) ─▶ augment::corrupt ─▶ autoencoder A ── trained with Charbonnier (eq. 3)
//!                                               │
//!     x, A(x) ─▶ connective::connect ─▶ x_CP = λx + (1−λ)A(x)       (eq. 4)  label 1
//!     x, d(A(x)) (augment::hard_negative) ─▶ x_CN                   (eq. 5)  label 0
//!                                               │
//!                                         classifier C ── BCE on logits
//!                                         (photos: 3 C's, each trained alone with its own seed)
//!     test: f(x) = C(λx + (1−λ)A(x))  (connective::Detector::detect, eq. 6; with several C's,
//!           the mean of their logits)
//!           photos: ½·z(f(x)) − ½·z(‖x − A(x)‖²), z on validation positives
//!           (calibration, eq. 6′) ─▶ verdict at the threshold ─▶ metrics
//! ```
//!
//! Native builds add data loading, training, evaluation and the CLI; the wasm build adds the
//! browser bindings in [`web`]. Both use the same model code and the same weights.

// burn's `Tensor::slice` takes an array of ranges, one per dimension: `[0..k]` is not a mistake.
#![allow(clippy::single_range_in_vec_init)]

pub mod augment;
pub mod autoencoder;
pub mod calibration;
pub mod classifier;
pub mod connective;
pub mod error;
pub mod idx;
pub mod metrics;
pub mod model_io;
pub mod photo;
pub mod preprocess;
pub mod recipe;
pub mod scoring;

#[cfg(not(target_arch = "wasm32"))]
pub mod native;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use connective::{Detection, Detector, DetectorConfig};
pub use error::{Error, Result};
