//! Reconstructor A: a U-Net-shaped denoising autoencoder *without* long skip connections.
//! Residual blocks (short skips) at every scale keep positives sharp; with no encoder-to-decoder
//! shortcut, everything must pass through the dense bottleneck, so what A never learned (an
//! outlier) cannot be copied through and is destroyed.

use burn::nn::{
    BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d,
    conv::{Conv2d, Conv2dConfig},
};
use burn::prelude::*;
use burn::tensor::activation::{leaky_relu, sigmoid};

use super::fold::{fold, norm};

/// Leaky ReLU: with plain ReLU, A fell into the all-black image (the L1 optimum of a mostly
/// black data set) and every unit died; a small negative slope keeps gradients alive.
fn relu(x: Tensor<4>) -> Tensor<4> {
    leaky_relu(x, 0.1)
}

/// Shape of the reconstructor.
#[derive(Config, Debug, PartialEq)]
pub struct AutoencoderConfig {
    /// Image channels: 1 for digits, 3 for photos.
    #[config(default = 1)]
    pub channels: usize,
    /// Image side in pixels; must be a multiple of 4 (two stride-2 stages).
    #[config(default = 28)]
    pub size: usize,
    /// Feature widths at full, half and quarter resolution.
    #[config(default = "[8, 16, 32]")]
    pub widths: [usize; 3],
    /// Width of the dense bottleneck: small enough that outliers cannot pass.
    #[config(default = 16)]
    pub latent: usize,
}

/// conv3×3 → BN → ReLU → conv3×3 → BN, plus the input (a short skip), then ReLU.
#[derive(Module, Debug)]
pub struct ResidualBlock {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    /// The batch norms are folded into the convolutions (`fold`): skip them.
    folded: bool,
}

/// A 3×3 convolution (stride 1 or 2) followed by batch norm and the activation. Without the
/// normalisation Adam drove every weight the same way and A collapsed to a black image within
/// 20 steps (measured); with it, training is stable at lr 2e-3.
#[derive(Module, Debug)]
pub struct ConvBn {
    conv: Conv2d,
    bn: BatchNorm,
    /// The batch norm is folded into the convolution (`fold`): skip it.
    folded: bool,
}

impl ConvBn {
    pub fn new(c_in: usize, c_out: usize, stride: usize, device: &Device) -> Self {
        Self { conv: conv3(c_in, c_out, stride, device), bn: BatchNormConfig::new(c_out).init(device), folded: false }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let h = self.conv.forward(x);
        relu(norm(&self.bn, self.folded, h))
    }

    /// For inference only (see `model::fold`).
    pub fn fold(self) -> Self {
        if self.folded {
            return self;
        }
        Self { conv: fold(&self.conv, &self.bn), folded: true, ..self }
    }
}

fn conv3(c_in: usize, c_out: usize, stride: usize, device: &Device) -> Conv2d {
    Conv2dConfig::new([c_in, c_out], [3, 3])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(device)
}

/// Nearest-neighbour 2× upsampling (each pixel becomes a 2×2 block).
fn upsample2(x: Tensor<4>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    x.reshape([b, c, h, 1, w, 1]).repeat_dim(3, 2).repeat_dim(5, 2).reshape([b, c, 2 * h, 2 * w])
}

impl ResidualBlock {
    pub fn new(width: usize, device: &Device) -> Self {
        Self {
            conv1: conv3(width, width, 1, device),
            bn1: BatchNormConfig::new(width).init(device),
            conv2: conv3(width, width, 1, device),
            bn2: BatchNormConfig::new(width).init(device),
            folded: false,
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let h = relu(norm(&self.bn1, self.folded, self.conv1.forward(x.clone())));
        let y = norm(&self.bn2, self.folded, self.conv2.forward(h));
        relu(x + y)
    }

    /// For inference only (see `model::fold`).
    pub fn fold(self) -> Self {
        if self.folded {
            return self;
        }
        Self { conv1: fold(&self.conv1, &self.bn1), conv2: fold(&self.conv2, &self.bn2), folded: true, ..self }
    }
}

#[derive(Module, Debug)]
pub struct Autoencoder {
    stem: ConvBn,
    enc0: ResidualBlock,
    down1: ConvBn,
    enc1: ResidualBlock,
    down2: ConvBn,
    enc2: ResidualBlock,
    to_latent: Linear,
    from_latent: Linear,
    dec2: ResidualBlock,
    up1: ConvBn,
    dec1: ResidualBlock,
    up0: ConvBn,
    dec0: ResidualBlock,
    head: Conv2d,
}

impl AutoencoderConfig {
    pub fn init(&self, device: &Device) -> Autoencoder {
        let [w0, w1, w2] = self.widths;
        let q = self.size / 4;
        Autoencoder {
            stem: ConvBn::new(self.channels, w0, 1, device),
            enc0: ResidualBlock::new(w0, device),
            down1: ConvBn::new(w0, w1, 2, device),
            enc1: ResidualBlock::new(w1, device),
            down2: ConvBn::new(w1, w2, 2, device),
            enc2: ResidualBlock::new(w2, device),
            to_latent: LinearConfig::new(w2 * q * q, self.latent).init(device),
            from_latent: LinearConfig::new(self.latent, w2 * q * q).init(device),
            dec2: ResidualBlock::new(w2, device),
            up1: ConvBn::new(w2, w1, 1, device),
            dec1: ResidualBlock::new(w1, device),
            up0: ConvBn::new(w1, w0, 1, device),
            dec0: ResidualBlock::new(w0, device),
            head: conv3(w0, self.channels, 1, device),
        }
    }
}

impl Autoencoder {
    /// Every batch norm folded into its convolution, for inference only (see `model::fold`).
    pub fn fold(self) -> Self {
        Self {
            stem: self.stem.fold(),
            enc0: self.enc0.fold(),
            down1: self.down1.fold(),
            enc1: self.enc1.fold(),
            down2: self.down2.fold(),
            enc2: self.enc2.fold(),
            dec2: self.dec2.fold(),
            up1: self.up1.fold(),
            dec1: self.dec1.fold(),
            up0: self.up0.fold(),
            dec0: self.dec0.fold(),
            ..self
        }
    }

    /// A(x): `[batch, channels, size, size]` in [0, 1] to a reconstruction of the same shape.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, _, _, _] = x.dims();
        let h = self.enc0.forward(self.stem.forward(x));
        let h = self.enc1.forward(self.down1.forward(h));
        let h = self.enc2.forward(self.down2.forward(h));
        let [_, c, q, _] = h.dims();
        let z = self.to_latent.forward(h.reshape([b, c * q * q]));
        let h = relu(self.from_latent.forward(z).reshape([b, c, q, q]));
        let h = self.dec2.forward(h);
        let h = self.dec1.forward(self.up1.forward(upsample2(h)));
        let h = self.dec0.forward(self.up0.forward(upsample2(h)));
        sigmoid(self.head.forward(h))
    }
}

/// Eq. 3, the Charbonnier loss: mean of sqrt((x − x')² + ε²), a smooth L1 that does not blur
/// reconstructions the way L2 does.
pub fn charbonnier(reconstruction: Tensor<4>, clean: Tensor<4>, eps: f32) -> Tensor<1> {
    let d = reconstruction - clean;
    (d.clone() * d + eps * eps).sqrt().mean()
}
