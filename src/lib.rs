//! # connective
//!
//! Connective Reconstruction-based Novelty Detection (CRBND) in burn. The data flow, by module:
//!
//! ```text
//! data:   images (IDX, photo folders, drawings) ─▶ preprocess / photo ─▶ [c, h, w] in [0, 1]
//!                                                   │
//! train:  augment::corrupt (eqs. 1, 2) ─▶ autoencoder A ── Charbonnier loss (eq. 3)
//!                                                   │
//!         x, A(x)      ─▶ connective::connect ─▶ x_CP = λx + (1−λ)A(x)      (eq. 4)  label 1
//!         x, d(A(x))   (augment::hard_negative) ─▶ x_CN                    (eq. 5)  label 0
//!                                                   │
//!                                         classifier C ── BCE on logits
//!                                         (or several C's, each trained alone with its own seed)
//! model:  f(x) = C(λx + (1−λ)A(x))   (detector::Detector::detect, eq. 6; with several C's,
//!         the mean of their logits) ─▶ verdict at the manifest's threshold
//! photos: photo (192 px crop) ─▶ backbone (frozen EfficientNet-Lite0) ─▶ φ, cached per photo
//!         (train::features) ─▶ the same eqs. 1–6 on φ (photo_detector), beside eq. 6′
//!         (calibration) and the nearest training photos' similarity, which the verdict takes
//! eval:   the verdict scores of test sets ─▶ metrics (AUROC, F1) ─▶ tables, charts, docs
//! ```
//!
//! [`data`], [`model`], [`metrics`] and [`train`]'s loop compile everywhere (the page's teach
//! build, feature `teach`, trains a visitor's own detector with it, `train::teach`); [`eval`] and the training jobs over data
//! sets are native, and the wasm build adds the browser bindings in `web`. Both use the same model code and the same
//! weights. Dependencies point one way: data knows nothing of models, and model code never
//! reaches into training, evaluation, the CLI or the bindings (`tests/layout.rs` checks this).

// burn's `Tensor::slice` takes an array of ranges, one per dimension: `[0..k]` is not a mistake.
#![allow(clippy::single_range_in_vec_init)]

pub mod data;
pub mod error;
pub mod metrics;
pub mod model;

#[cfg(not(target_arch = "wasm32"))]
pub mod eval;
#[cfg(any(not(target_arch = "wasm32"), feature = "teach"))]
pub mod train;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{Error, Result};
pub use model::{Detection, Detector, DetectorConfig};
