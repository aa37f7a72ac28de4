//! Classifier C: a small CNN that tells connective positives (λx + (1−λ)A(x), eq. 4) from
//! connective negatives (λx + (1−λ)d(A(x)), eq. 5). One logit out; trained with BCE on logits.

use burn::nn::{Linear, LinearConfig};

use super::autoencoder::ConvBn;
use burn::prelude::*;
use burn::tensor::activation::relu;

#[derive(Config, Debug, PartialEq)]
pub struct ClassifierConfig {
    #[config(default = 1)]
    pub channels: usize,
    #[config(default = 28)]
    pub size: usize,
    /// Widths of the four 3×3 convolutions (the last three have stride 2).
    #[config(default = "[16, 32, 32]")]
    pub widths: [usize; 3],
    #[config(default = 64)]
    pub hidden: usize,
}

#[derive(Module, Debug)]
pub struct Classifier {
    conv0: ConvBn,
    conv1: ConvBn,
    conv2: ConvBn,
    conv3: ConvBn,
    fc: Linear,
    out: Linear,
}

fn conv(c_in: usize, c_out: usize, stride: usize, device: &Device) -> ConvBn {
    ConvBn::new(c_in, c_out, stride, device)
}

/// Side after a 3×3, stride-2, padding-1 convolution.
fn halve(n: usize) -> usize {
    (n - 1) / 2 + 1
}

impl ClassifierConfig {
    pub fn init(&self, device: &Device) -> Classifier {
        let [w0, w1, w2] = self.widths;
        let side = halve(halve(halve(self.size)));
        Classifier {
            conv0: conv(self.channels, w0, 1, device),
            conv1: conv(w0, w1, 2, device),
            conv2: conv(w1, w2, 2, device),
            conv3: conv(w2, w2, 2, device),
            fc: LinearConfig::new(w2 * side * side, self.hidden).init(device),
            out: LinearConfig::new(self.hidden, 1).init(device),
        }
    }
}

impl Classifier {
    /// Every batch norm folded into its convolution, for inference only (see `model::fold`).
    pub fn fold(self) -> Self {
        Self { conv0: self.conv0.fold(), conv1: self.conv1.fold(), conv2: self.conv2.fold(), conv3: self.conv3.fold(), ..self }
    }

    /// Logits `[batch, 1]`: high for "looks like a connective positive".
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let [b, _, _, _] = x.dims();
        let h = self.conv0.forward(x);
        let h = self.conv1.forward(h);
        let h = self.conv2.forward(h);
        let h = self.conv3.forward(h);
        let [_, c, s, _] = h.dims();
        let h = relu(self.fc.forward(h.reshape([b, c * s * s])));
        self.out.forward(h)
    }
}
