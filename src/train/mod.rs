//! Training (native): one detector from flattened positives ([`detector`]), the digit detectors
//! from MNIST ([`digits`]) and the shipped photo detectors ([`ship`]), with checkpoints that
//! resume and several trainings at once.

pub mod batches;
pub mod checkpoint;
pub mod detector;
pub mod features;
pub mod photo_detector;
pub mod digits;
pub mod jobs;
pub mod ship;

pub use detector::{TrainData, Trained, train_detector};
