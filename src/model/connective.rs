//! The connective samples (eqs. 4, 5): an image mixed with its reconstruction, or with a damaged
//! reconstruction. The detector (eq. 6) judges the same mix at test time.

use burn::prelude::*;

/// λ of the paper: the weight of the input in a connective sample.
pub const DEFAULT_LAMBDA: f32 = 0.5;

/// Eqs. 4 and 5: λ·x + (1 − λ)·y, where y is A(x) (a positive) or d(A(x)) (a negative).
pub fn connect(x: Tensor<4>, y: Tensor<4>, lambda: f32) -> Tensor<4> {
    x * lambda + y * (1.0 - lambda)
}
