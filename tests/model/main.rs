//! The model: weights and manifest (bit-exact round trips, half precision, checks against
//! truncated or altered files), configs and recipes written by older builds, the combined score
//! (eq. 6′), the stored fixture scores the browser tests compare against, and the ImageNet backbone
//! against its original in PyTorch.
#![cfg(not(target_arch = "wasm32"))]

mod backbone;
mod fixtures;
mod io;
mod photo_detector;
mod props;
