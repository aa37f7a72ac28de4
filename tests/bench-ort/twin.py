#!/usr/bin/env python3
"""A PyTorch twin of a shipped digit detector (autoencoder A + classifier C), for benchmarking
the page against onnxruntime-web on the same network. A measuring tool, not part of the project.

  python3 twin.py [--model ../../models/mnist-3.bpk] [--out out]

1. reads the burnpack file (header, CBOR metadata, 256-byte-aligned data section; f16 weights and
   f32 batch-norm statistics, widened to f32 as the Rust loader does);
2. builds A and C with batch norm folded into each convolution (w' = w*g/s, b' = (b-m)*g/s + beta,
   s = sqrt(var + 1e-5)), as the page does at load (src/model/fold.rs);
3. checks the twin against the native CLI's scores of tests/fixtures/digits-idx3-ubyte
   (tests/fixtures/scores/<model>.jsonl: logit and recon_error per image);
4. exports ONNX (opset 17): input x [1, 1, 28, 28] in [0, 1]; outputs reconstruction = A(x),
   connective = 0.5 x + 0.5 A(x), logit [1] and recon_error [1], the four things the page's
   Connective.score computes and reads back.

Needs torch, numpy and onnx (the TorchScript exporter, dynamo=False; see README.md). No other
dependency: the CBOR metadata is read by the small decoder below.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
BN_EPS = 1e-5  # burn's BatchNormConfig default; the digit models do not change it
LAMBDA = 0.5


# --- burnpack ------------------------------------------------------------------------------------

def _cbor(buf, i):
    """Decodes one CBOR item at buf[i:]; returns (value, next index). The subset burnpack uses."""
    b = buf[i]
    major, info = b >> 5, b & 31
    i += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        n = 1 << (info - 24)
        arg = int.from_bytes(buf[i:i + n], 'big')
        i += n
    else:
        raise ValueError(f'CBOR: indefinite or reserved length at byte {i - 1}')
    if major == 0:
        return arg, i
    if major == 1:
        return -1 - arg, i
    if major == 2:
        return bytes(buf[i:i + arg]), i + arg
    if major == 3:
        return buf[i:i + arg].decode('utf-8'), i + arg
    if major == 4:
        out = []
        for _ in range(arg):
            v, i = _cbor(buf, i)
            out.append(v)
        return out, i
    if major == 5:
        out = {}
        for _ in range(arg):
            k, i = _cbor(buf, i)
            v, i = _cbor(buf, i)
            out[k] = v
        return out, i
    if major == 6:  # tag: the tagged item
        return _cbor(buf, i)
    if major == 7:
        if info == 20:
            return False, i
        if info == 21:
            return True, i
        if info == 22:
            return None, i
        if info == 25:
            return float(np.frombuffer(buf[i - 2:i], '>f2')[0]), i
        if info == 26:
            return struct.unpack('>f', buf[i - 4:i])[0], i
        if info == 27:
            return struct.unpack('>d', buf[i - 8:i])[0], i
    raise ValueError(f'CBOR: unsupported item 0x{b:02x}')


DTYPES = {'F32': '<f4', 'F16': '<f2', 'F64': '<f8'}


def read_burnpack(path):
    """{name: float32 ndarray} of every tensor in a burnpack file."""
    buf = open(path, 'rb').read()
    magic, version, meta_len = struct.unpack('<IHI', buf[:10])
    if magic != 0x4255524E or version != 1:
        raise ValueError(f'{path}: not a burnpack v1 file')
    meta, _ = _cbor(buf, 10)
    start = -(-(10 + meta_len) // 256) * 256  # the data section starts 256-byte aligned
    out = {}
    for name, d in meta['tensors'].items():
        a, b = d['data_offsets']
        dt = d['dtype']
        if dt not in DTYPES:
            raise ValueError(f'{name}: dtype {dt} not handled')
        arr = np.frombuffer(buf[start + a:start + b], DTYPES[dt]).astype(np.float32)
        out[name] = arr.reshape([int(s) for s in d['shape']])
    return out


# --- the twin ------------------------------------------------------------------------------------

def conv3(c_in, c_out, stride=1):
    return nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=True)


class ConvAct(nn.Module):
    """ConvBn with its batch norm folded: conv3x3 -> activation."""

    def __init__(self, c_in, c_out, stride, act):
        super().__init__()
        self.conv = conv3(c_in, c_out, stride)
        self.act = act

    def forward(self, x):
        return self.act(self.conv(x))


class Residual(nn.Module):
    """ResidualBlock, folded: act(x + conv2(act(conv1(x))))."""

    def __init__(self, w):
        super().__init__()
        self.conv1 = conv3(w, w)
        self.conv2 = conv3(w, w)

    def forward(self, x):
        h = F.leaky_relu(self.conv1(x), 0.1)
        return F.leaky_relu(x + self.conv2(h), 0.1)


def lrelu(x):
    return F.leaky_relu(x, 0.1)


class Autoencoder(nn.Module):
    def __init__(self, channels=1, size=28, widths=(8, 16, 32), latent=16):
        super().__init__()
        w0, w1, w2 = widths
        self.q = size // 4
        self.stem = ConvAct(channels, w0, 1, lrelu)
        self.enc0 = Residual(w0)
        self.down1 = ConvAct(w0, w1, 2, lrelu)
        self.enc1 = Residual(w1)
        self.down2 = ConvAct(w1, w2, 2, lrelu)
        self.enc2 = Residual(w2)
        self.to_latent = nn.Linear(w2 * self.q * self.q, latent)
        self.from_latent = nn.Linear(latent, w2 * self.q * self.q)
        self.dec2 = Residual(w2)
        self.up1 = ConvAct(w2, w1, 1, lrelu)
        self.dec1 = Residual(w1)
        self.up0 = ConvAct(w1, w0, 1, lrelu)
        self.dec0 = Residual(w0)
        self.head = conv3(w0, channels)

    def forward(self, x):
        b = x.shape[0]
        h = self.enc0(self.stem(x))
        h = self.enc1(self.down1(h))
        h = self.enc2(self.down2(h))
        c = h.shape[1]
        z = self.to_latent(h.reshape(b, c * self.q * self.q))
        h = lrelu(self.from_latent(z).reshape(b, c, self.q, self.q))
        h = self.dec2(h)
        # upsample2: nearest neighbour, each pixel a 2x2 block (reshape + repeat in the Rust code)
        h = self.dec1(self.up1(F.interpolate(h, scale_factor=2.0, mode='nearest')))
        h = self.dec0(self.up0(F.interpolate(h, scale_factor=2.0, mode='nearest')))
        return torch.sigmoid(self.head(h))


class Classifier(nn.Module):
    def __init__(self, channels=1, size=28, widths=(16, 32, 32), hidden=64):
        super().__init__()
        w0, w1, w2 = widths
        side = size
        for _ in range(3):
            side = (side - 1) // 2 + 1
        # C's convolutions are the autoencoder's ConvBn, whose activation is leaky ReLU 0.1
        # (autoencoder.rs's `relu`); only `fc` is followed by a plain ReLU.
        self.conv0 = ConvAct(channels, w0, 1, lrelu)
        self.conv1 = ConvAct(w0, w1, 2, lrelu)
        self.conv2 = ConvAct(w1, w2, 2, lrelu)
        self.conv3 = ConvAct(w2, w2, 2, lrelu)
        self.fc = nn.Linear(w2 * side * side, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        h = self.conv3(self.conv2(self.conv1(self.conv0(x))))
        h = F.relu(self.fc(h.reshape(x.shape[0], -1)))
        return self.out(h)


class Detector(nn.Module):
    """x [b, 1, 28, 28] -> (A(x), connective image, logit [b], recon_error [b])."""

    def __init__(self, config):
        super().__init__()
        a, c = config['autoencoder'], config['classifier']
        if config.get('classifiers', 1) != 1:
            raise ValueError('the twin handles one classifier')
        self.autoencoder = Autoencoder(a['channels'], a['size'], tuple(a['widths']), a['latent'])
        self.classifier = Classifier(c['channels'], c['size'], tuple(c['widths']), c['hidden'])

    def forward(self, x):
        r = self.autoencoder(x)
        connective = x * LAMBDA + r * (1.0 - LAMBDA)
        logit = self.classifier(connective).reshape(-1)
        d = x - r
        recon_error = (d * d).reshape(x.shape[0], -1).mean(dim=1)
        return r, connective, logit, recon_error


def load_weights(model, tensors):
    """Copies burn's tensors into the twin, folding every batch norm into its convolution."""
    used = set()

    def take(name):
        used.add(name)
        return torch.from_numpy(tensors[name].astype(np.float64))

    for mod_name, mod in model.named_modules():
        if isinstance(mod, nn.Conv2d):
            p = mod_name  # e.g. autoencoder.enc0.conv1, autoencoder.stem.conv, autoencoder.head
            w, b = take(p + '.weight'), take(p + '.bias')
            if p.endswith('.conv'):
                bn = p[:-len('conv')] + 'bn'
            elif p.endswith('.conv1') or p.endswith('.conv2'):
                bn = p[:-len('conv1')] + 'bn' + p[-1]
            else:
                bn = None  # the head has no batch norm
            if bn is not None:
                g, beta = take(bn + '.gamma'), take(bn + '.beta')
                m, v = take(bn + '.running_mean'), take(bn + '.running_var')
                s = g / torch.sqrt(v + BN_EPS)
                w = w * s.reshape(-1, 1, 1, 1)
                b = (b - m) * s + beta
            assert tuple(w.shape) == tuple(mod.weight.shape), (p, w.shape, mod.weight.shape)
            mod.weight.data = w.float()
            mod.bias.data = b.float()
        elif isinstance(mod, nn.Linear):
            w = take(mod_name + '.weight')  # burn: [d_input, d_output]; torch: [out, in]
            assert tuple(w.shape) == tuple(mod.weight.shape[::-1]), (mod_name, w.shape)
            mod.weight.data = w.T.contiguous().float()
            mod.bias.data = take(mod_name + '.bias').float()
    left = sorted(set(tensors) - used)
    if left:
        raise ValueError(f'tensors not used by the twin: {left}')
    return model


def fixture_digits():
    buf = open(os.path.join(ROOT, 'tests/fixtures/digits-idx3-ubyte'), 'rb').read()
    n = struct.unpack('>I', buf[4:8])[0]
    return np.frombuffer(buf[16:16 + n * 784], np.uint8).reshape(n, 784)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default=os.path.join(ROOT, 'models/mnist-3.bpk'))
    ap.add_argument('--out', default=os.path.join(HERE, 'out'))
    args = ap.parse_args()
    name = os.path.basename(args.model)[:-len('.bpk')]
    manifest = json.load(open(os.path.join(ROOT, 'models/manifest.json')))
    entry = next(m for m in manifest['models'] if m['name'] == name)
    assert abs(entry['lambda'] - LAMBDA) < 1e-9

    tensors = read_burnpack(args.model)
    n_params = sum(t.size for t in tensors.values())  # the manifest counts running statistics too
    print(f'{name}: {len(tensors)} tensors, {n_params} numbers (manifest: {entry["parameters"]} parameters)')
    model = load_weights(Detector(entry['config']), tensors).eval()

    # Parity with the native CLI's scores of the fixture digits.
    grey = fixture_digits()
    x = torch.from_numpy(grey.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    with torch.no_grad():
        _, _, logit, err = model(x)
    native = [json.loads(l) for l in open(os.path.join(ROOT, f'tests/fixtures/scores/{name}.jsonl'))]
    dl = max(abs(float(logit[i]) - r['logit']) for i, r in enumerate(native))
    de = max(abs(float(err[i]) - r['recon_error']) for i, r in enumerate(native))
    print(f'parity vs tests/fixtures/scores/{name}.jsonl ({len(native)} digits): '
          f'max |logit diff| {dl:.3g}, max |recon_error diff| {de:.3g}')
    if dl > 1e-3 or de > 1e-3:
        sys.exit('twin does not match the native scores')

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f'{name}.onnx')
    example = x[:1]
    torch.onnx.export(model, (example,), path, opset_version=17, dynamo=False,
                      input_names=['x'], output_names=['reconstruction', 'connective', 'logit', 'recon_error'])
    print(f'wrote {path} ({os.path.getsize(path)} bytes)')
    # The twin's outputs for the fixture digits, for checking the ORT page's numbers.
    with torch.no_grad():
        r = model(x)
    json.dump({'model': name, 'logit': r[2].tolist(), 'recon_error': r[3].tolist()},
              open(os.path.join(args.out, f'{name}-twin.json'), 'w'))


if __name__ == '__main__':
    main()
