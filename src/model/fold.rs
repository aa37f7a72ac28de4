//! Batch norm folded into the convolution before it, for inference (issue 30): with running
//! statistics, BN(conv(x)) is one convolution with w′ = w·γ/σ and b′ = (b − μ)·γ/σ + β per output
//! channel, σ = √(var + ε). burn computes an inference batch norm as six element-wise passes
//! (add ε, square root, subtract, divide, multiply, add); folded, they are gone. Only ever applied
//! to a loaded network that will not be trained or saved again: its batch norms are kept (the
//! file's tensors still load into it) but skipped.

use burn::module::Param;
use burn::nn::{BatchNorm, conv::Conv2d};
use burn::prelude::*;

/// The convolution that computes BN(conv(x)) at inference.
pub fn fold(conv: &Conv2d, bn: &BatchNorm) -> Conv2d {
    let scale = bn.gamma.val() / bn.running_var.value().add_scalar(bn.epsilon).sqrt();
    let weight = conv.weight.val();
    let [out, _, _, _] = weight.dims();
    let bias = match &conv.bias {
        Some(b) => b.val(),
        None => Tensor::zeros([out], &weight.device()),
    };
    let mut folded = conv.clone();
    folded.weight = Param::from_tensor(weight * scale.clone().reshape([out, 1, 1, 1]));
    folded.bias = Some(Param::from_tensor((bias - bn.running_mean.value()) * scale + bn.beta.val()));
    folded
}

/// `bn(h)`, or `h` itself once `bn` is folded into the convolution that made `h`.
pub fn norm(bn: &BatchNorm, folded: bool, h: Tensor<4>) -> Tensor<4> {
    if folded { h } else { bn.forward(h) }
}
