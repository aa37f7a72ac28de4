//! The method: the reconstructor A, the classifier C, the connective samples (eqs. 4, 5), the
//! detector (eq. 6) and its combined score (eq. 6′), the recipe that trains it, and its weights
//! and manifest, and the frozen ImageNet backbone (EfficientNet-Lite0) with its weights. Native and
//! wasm alike.

pub mod autoencoder;
pub mod backbone;
pub mod calibration;
pub mod classifier;
pub mod connective;
pub mod detector;
pub mod fold;
pub mod io;
pub mod neighbours;
pub mod photo_detector;
pub mod recipe;
pub mod scoring;

pub use detector::{Detection, Detector, DetectorConfig};
pub use io::{InputKind, Manifest, ModelEntry};
pub use recipe::Recipe;
