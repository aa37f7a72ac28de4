//! Data: IDX files and MNIST, the page's preprocessing of drawings and photos, photo splits, and
//! the augmentations (eqs. 1, 2, 5 and the synthetic outliers).
#![cfg(not(target_arch = "wasm32"))]

#[path = "../common/mod.rs"]
mod common;

mod augment;
mod idx;
mod photos;
mod preprocess;
mod props;
