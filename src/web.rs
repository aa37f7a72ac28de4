//! Browser bindings (wasm-bindgen). The page creates one `Connective`, loads a model's bytes with
//! its manifest entry, and scores 28×28 images on WebGPU or the CPU backend. In photos mode it also
//! loads the frozen ImageNet backbone (`Backbone`) and a photo detector on its features
//! (`PhotoDetector`), which judges a photo. Every failure is a
//! JavaScript `Error` with a message; the panic hook turns any remaining bug into a console
//! message instead of a silent dead module.

use std::cell::RefCell;
use std::rc::Rc;

use burn::prelude::*;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::data::preprocess::{check_unit, grey_to_unit, mnist_from_rgba};
use crate::model::backbone::{EfficientNetLite0, rgb_to_tensor};
use crate::model::calibration::{Calibration, ScoreRule};
use crate::model::detector::Detector;
use crate::model::io::{InputKind, ModelEntry, PhotoEntry, backbone_from_bytes, load_entry, load_photo_entry};
use crate::model::photo_detector::{PhotoDetector as PhotoNet, PhotoScore, PhotoScores, nearest, neighbour_scores};
use crate::model::scoring::{HostScores, batch_tensor, detect_async};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

#[cfg(feature = "webgpu")]
thread_local! {
    /// The WebGPU device, initialised once per page: a second init on the same device fails.
    static WEBGPU: RefCell<Option<(Device, String, bool)>> = const { RefCell::new(None) };
}

fn err(e: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_else(js_sys::Date::now)
}

/// Initialises WebGPU (once); returns the device, the adapter's name and whether it is a
/// software fallback adapter (`isFallbackAdapter`, SwiftShader in headless Chromium).
#[cfg(feature = "webgpu")]
async fn webgpu() -> Result<(Device, String, bool), String> {
    if let Some(cached) = WEBGPU.with(|w| w.borrow().clone()) {
        return Ok(cached);
    }
    let (device, setup) = Device::wgpu_options().init_with_setup_async().await.map_err(|e| format!("{e}"))?;
    let info = setup.adapter.get_info();
    let fallback = info.device_type == burn::tensor::wgpu::wgpu::DeviceType::Cpu;
    let name = if info.name.is_empty() { "unnamed".to_string() } else { info.name };
    let out = (device, name, fallback);
    WEBGPU.with(|w| *w.borrow_mut() = Some(out.clone()));
    Ok(out)
}

/// The CPU-only build (no `webgpu` feature): the page loads it when the browser has no WebGPU
/// adapter, or only a software one, and saves the download of the WebGPU runtime.
#[cfg(not(feature = "webgpu"))]
async fn webgpu() -> Result<(Device, String, bool), String> {
    Err("this is the CPU-only build of connective".into())
}

struct Inner {
    device: Device,
    backend: &'static str,
    reason: String,
    lambda: f32,
    threshold: f32,
    model: Option<(ModelEntry, Vec<u8>, Detector)>,
}

/// Chooses the backend. `prefer`: "auto" (WebGPU unless the adapter is missing or a software
/// fallback), "webgpu" (WebGPU whenever an adapter initialises) or "cpu".
async fn choose(prefer: &str) -> Result<(Device, &'static str, String), JsValue> {
    match prefer {
        "cpu" => Ok((Device::flex(), "cpu", "CPU backend chosen".into())),
        "webgpu" | "auto" => match webgpu().await {
            Ok((device, name, fallback)) => {
                if fallback && prefer == "auto" {
                    Ok((Device::flex(), "cpu", format!("the WebGPU adapter ({name}) is a software fallback, far slower than the CPU backend")))
                } else if fallback {
                    Ok((device, "webgpu", format!("WebGPU on a software fallback adapter ({name}): slow")))
                } else {
                    Ok((device, "webgpu", format!("WebGPU adapter: {name}")))
                }
            }
            Err(e) if prefer == "auto" => Ok((Device::flex(), "cpu", format!("no WebGPU adapter ({e})"))),
            Err(e) => Err(err(format!("WebGPU is not available here: {e}"))),
        },
        other => Err(err(format!("unknown backend {other:?}: use \"auto\", \"webgpu\" or \"cpu\""))),
    }
}

/// One detector session in the page.
#[wasm_bindgen]
pub struct Connective {
    inner: Rc<RefCell<Inner>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ModelInfo {
    name: String,
    dataset: String,
    positive_classes: Vec<String>,
    lambda: f32,
    threshold: f32,
    parameters: usize,
    bytes: u64,
    backend: &'static str,
    /// `[channels, height, width]` of the images the model takes.
    shape: [usize; 3],
    /// How many C's f(x) averages, and what the verdict is taken on, as the manifest entry
    /// was read (older entries lack both fields: the page shows what they default to here).
    classifiers: usize,
    score_rule: ScoreRule,
    /// The threshold for drawn and uploaded pictures (`ModelEntry::threshold_for`); `threshold`
    /// judges the model's own dataset images (the gallery).
    drawn_threshold: f32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScoreResult {
    /// What the verdict is taken on: f(x), or eq. 6′ for a combined-score (photo) model.
    score: f32,
    /// f(x), the C's mean logit.
    logit: f32,
    /// sigmoid(f(x)): the classifiers' probability that the connective image is a positive.
    probability: f32,
    /// For a combined-score model, eq. 6′'s two parts [C's, A's], each in standard deviations of
    /// the validation positives (0: a typical training image); the score is their mean.
    parts: Option<[f32; 2]>,
    verdict: &'static str,
    /// What the verdict was taken on (`ScoreRule`): "neighbours", "classifier" or "combined".
    judged_by: ScoreRule,
    /// The nearest training digits' similarity, for a detector that has them.
    neighbours: Option<f32>,
    /// Its three most similar reference rows, most similar first (tile `index` of the model's
    /// reference sprite), for a detector that has them.
    nearest: Vec<NearestReference>,
    threshold: f32,
    lambda: f32,
    recon_error: f32,
    ms: f64,
    backend: &'static str,
}

#[derive(Serialize)]
struct NearestReference {
    index: usize,
    similarity: f32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchResult {
    ms: f64,
    backend: &'static str,
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(v).map_err(err)
}

/// Adds `values` to `obj` as a Float32Array: one copy. (serde-wasm-bindgen turns a Vec<f32>
/// into a JS array element by element, which took over a second for three 28×28 images.)
fn with_floats(obj: JsValue, fields: &[(&str, &[f32])]) -> Result<JsValue, JsValue> {
    for (name, values) in fields {
        js_sys::Reflect::set(&obj, &JsValue::from_str(name), &js_sys::Float32Array::from(*values))?;
    }
    Ok(obj)
}

#[wasm_bindgen]
impl Connective {
    /// Starts a session on the preferred backend (see `choose`).
    pub async fn create(prefer: String) -> Result<Connective, JsValue> {
        let (device, backend, reason) = choose(&prefer).await?;
        Ok(Connective {
            inner: Rc::new(RefCell::new(Inner { device, backend, reason, lambda: 0.5, threshold: 0.0, model: None })),
        })
    }

    /// "webgpu" or "cpu".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.inner.borrow().backend.into()
    }

    /// Why this backend runs, in words for the page.
    #[wasm_bindgen(getter, js_name = backendReason)]
    pub fn backend_reason(&self) -> String {
        self.inner.borrow().reason.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn lambda(&self) -> f32 {
        self.inner.borrow().lambda
    }

    #[wasm_bindgen(getter)]
    pub fn threshold(&self) -> f32 {
        self.inner.borrow().threshold
    }

    /// λ of eq. 6 for the next scores, in [0, 1].
    #[wasm_bindgen(js_name = setLambda)]
    pub fn set_lambda(&self, lambda: f32) -> Result<(), JsValue> {
        if !(0.0..=1.0).contains(&lambda) {
            return Err(err(format!("λ must lie in [0, 1], got {lambda}")));
        }
        self.inner.borrow_mut().lambda = lambda;
        Ok(())
    }

    /// The decision threshold on the score (a logit).
    #[wasm_bindgen(js_name = setThreshold)]
    pub fn set_threshold(&self, threshold: f32) -> Result<(), JsValue> {
        if !threshold.is_finite() {
            return Err(err(format!("threshold must be a finite number, got {threshold}")));
        }
        self.inner.borrow_mut().threshold = threshold;
        Ok(())
    }

    /// The loaded model's threshold for an input `kind`: "dataset" (one of its dataset's own
    /// images, e.g. a gallery sample) or "drawn" (a drawing or an upload, which went through the
    /// page's preprocessing and scores lower: the digit models store a second threshold for it).
    #[wasm_bindgen(js_name = thresholdFor)]
    pub fn threshold_for(&self, kind: String) -> Result<f32, JsValue> {
        let kind = match kind.as_str() {
            "dataset" => InputKind::Dataset,
            "drawn" => InputKind::Drawn,
            other => return Err(err(format!("unknown input kind {other:?}: use \"dataset\" or \"drawn\""))),
        };
        let s = self.inner.borrow();
        let (entry, _, _) = s.model.as_ref().ok_or_else(|| err("no model loaded: call loadModel first"))?;
        Ok(entry.threshold_for(kind))
    }

    /// Verifies `bytes` against the manifest entry (size, SHA-256) and loads them onto the
    /// current backend. On any error the previously loaded model stays in place.
    #[wasm_bindgen(js_name = loadModel)]
    pub fn load_model(&self, entry_json: String, bytes: Vec<u8>) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let entry: ModelEntry = serde_json::from_str(&entry_json).map_err(|e| err(format!("bad manifest entry: {e}")))?;
            let device = inner.borrow().device.clone();
            let detector = load_entry(&entry, &bytes, &device).map_err(err)?.fold();
            let mut s = inner.borrow_mut();
            s.lambda = entry.lambda;
            s.threshold = entry.threshold;
            let info = ModelInfo {
                name: entry.name.clone(),
                dataset: entry.dataset.clone(),
                positive_classes: entry.positive_classes.clone(),
                lambda: entry.lambda,
                threshold: entry.threshold,
                parameters: entry.parameters,
                bytes: entry.bytes,
                backend: s.backend,
                shape: entry.config.image_shape(),
                classifiers: entry.config.classifiers,
                score_rule: entry.config.score,
                drawn_threshold: entry.threshold_for(InputKind::Drawn),
            };
            s.model = Some((entry, bytes, detector));
            to_js(&info)
        })
    }

    /// Moves the session (and its model) to another backend: "auto", "webgpu" or "cpu".
    #[wasm_bindgen(js_name = setBackend)]
    pub fn set_backend(&self, prefer: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let (device, backend, reason) = choose(&prefer).await?;
            let reloaded = match &inner.borrow().model {
                Some((entry, bytes, _)) => Some((entry.clone(), bytes.clone(), load_entry(entry, bytes, &device).map_err(err)?.fold())),
                None => None,
            };
            let mut s = inner.borrow_mut();
            s.device = device;
            s.backend = backend;
            s.reason = reason;
            if reloaded.is_some() {
                s.model = reloaded;
            }
            Ok(JsValue::from_str(backend))
        })
    }

    /// Scores one image of the model's shape, channel-major: a digit's 784 grey levels as a
    /// Uint8Array (0–255), or values in [0, 1] as a Float32Array.
    /// Resolves to score, probability, verdict, x, A(x), the connective image, |x − A(x)| (the four
    /// as Float32Array, in [0, 1]), ms, backend.
    pub fn score(&self, pixels: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let Session { detector, shape, device, lambda, threshold, backend, calibration, rule } = session(&inner)?;
            let pixels = unit_pixels(&pixels, shape.iter().product())?;
            let t0 = now_ms();
            let x = batch_tensor(&pixels, 1, shape, &device);
            let d = detect_async(&detector, x, lambda, true).await.map_err(err)?;
            let ms = now_ms() - t0;
            let logit = d.score[0];
            let score = HostScores::of(&d).verdict(rule, calibration.as_ref())[0];
            let error_map: Vec<f32> = pixels.iter().zip(&d.reconstruction).map(|(a, b)| (a - b).abs()).collect();
            let obj = to_js(&ScoreResult {
                score,
                logit,
                probability: 1.0 / (1.0 + (-logit).exp()),
                parts: calibration.map(|c| {
                    let (classifier, reconstruction) = c.parts(logit, d.recon_error[0]);
                    [classifier, reconstruction]
                }),
                verdict: if score >= threshold { "inlier" } else { "novel" },
                judged_by: rule,
                neighbours: d.neighbours.first().copied(),
                nearest: crate::model::photo_detector::nearest(&d.similarities, 3).into_iter().map(|index| NearestReference { index, similarity: d.similarities[index] }).collect(),
                threshold,
                lambda,
                recon_error: d.recon_error[0],
                ms,
                backend,
            })?;
            with_floats(obj, &[("input", &pixels), ("reconstruction", &d.reconstruction), ("connective", &d.connective), ("errorMap", &error_map)])
        })
    }

    /// Scores `n` images at once (concatenated in `pixels`, typed as for `score`): verdict
    /// scores, f(x) and reconstruction errors.
    #[wasm_bindgen(js_name = scoreBatch)]
    pub fn score_batch(&self, pixels: JsValue, n: usize) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let Session { detector, shape, device, lambda, backend, calibration, rule, .. } = session(&inner)?;
            let len: usize = shape.iter().product();
            if n == 0 {
                return Err(err("a batch needs at least one image"));
            }
            let pixels = unit_pixels(&pixels, n * len)?;
            let t0 = now_ms();
            let d = detect_async(&detector, batch_tensor(&pixels, n, shape, &device), lambda, false).await.map_err(err)?;
            let obj = to_js(&BatchResult { ms: now_ms() - t0, backend })?;
            let scores = HostScores::of(&d).verdict(rule, calibration.as_ref());
            with_floats(obj, &[("scores", &scores), ("logits", &d.score), ("reconErrors", &d.recon_error), ("neighbours", &d.neighbours)])
        })
    }
}

/// What one score needs, copied out of the session so that no borrow is held across an await.
struct Session {
    detector: Detector,
    /// `[channels, height, width]` of the model's images.
    shape: [usize; 3],
    device: Device,
    lambda: f32,
    threshold: f32,
    backend: &'static str,
    /// Eq. 6′'s scale for a combined-score model.
    calibration: Option<Calibration>,
    /// What the verdict is taken on.
    rule: ScoreRule,
}

fn session(inner: &Rc<RefCell<Inner>>) -> Result<Session, JsValue> {
    let s = inner.borrow();
    let (entry, _, detector) = s.model.as_ref().ok_or_else(|| err("no model loaded: call loadModel first"))?;
    Ok(Session {
        detector: detector.clone(),
        shape: entry.config.image_shape(),
        device: s.device.clone(),
        lambda: s.lambda,
        threshold: s.threshold,
        backend: s.backend,
        calibration: entry.calibration,
        rule: entry.config.score,
    })
}

/// The model input as the page holds it: a digit's grey levels (Uint8Array, 0–255, converted here
/// like the CLI's) or values already in [0, 1] (Float32Array); `expected` values, checked.
fn unit_pixels(pixels: &JsValue, expected: usize) -> Result<Vec<f32>, JsValue> {
    if let Some(grey) = pixels.dyn_ref::<js_sys::Uint8Array>() {
        return grey_to_unit(&grey.to_vec(), expected).map_err(err);
    }
    if let Some(unit) = pixels.dyn_ref::<js_sys::Float32Array>() {
        let unit = unit.to_vec();
        check_unit(&unit, expected).map_err(err)?;
        return Ok(unit);
    }
    Err(err("pixels must be a Uint8Array of grey levels (0–255) or a Float32Array of values in [0, 1]"))
}

#[cfg(feature = "teach")]
/// Tells the page how a teaching run goes: a call of `on_progress` per step with
/// `{phase, epoch, epochs, loss, mean, done, total}`.
struct JsObserver {
    on_progress: js_sys::Function,
    total: std::cell::Cell<u64>,
    done: std::cell::Cell<u64>,
}

#[cfg(feature = "teach")]
#[derive(Serialize)]
struct StepReport<'a> {
    phase: &'a str,
    epoch: usize,
    epochs: usize,
    loss: f64,
    mean: f64,
    done: u64,
    total: u64,
}

#[cfg(feature = "teach")]
impl crate::train::Observer for JsObserver {
    fn start(&self, total: u64, done: u64) {
        self.total.set(total);
        self.done.set(done);
    }

    fn step(&self, phase: &str, epoch: usize, epochs: usize, loss: f64, mean: f64) {
        self.done.set(self.done.get() + 1);
        let report = StepReport { phase, epoch, epochs, loss, mean, done: self.done.get(), total: self.total.get() };
        if let Ok(v) = serde_wasm_bindgen::to_value(&report) {
            let _ = self.on_progress.call1(&JsValue::NULL, &v); // a failing listener must not stop training
        }
    }
}

#[cfg(feature = "teach")]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TeachResult {
    /// The manifest entry, as JSON (recipe, threshold, checksum).
    entry: String,
    steps: usize,
    ms: f64,
    threshold: f32,
    held_out: usize,
    /// Which examples were held out (indices, ascending): the page marks their thumbnails.
    held_out_examples: Vec<usize>,
    examples: usize,
    /// Every step's training loss: A's, then C's.
    loss: TeachLoss,
}

#[cfg(feature = "teach")]
#[derive(Serialize)]
struct TeachLoss {
    a: Vec<f64>,
    c: Vec<f64>,
}

/// A teaching call's seed: a whole number in 0..=u32::MAX (JavaScript passes a double).
#[cfg(feature = "teach")]
fn teach_seed(seed: f64) -> Result<u64, JsValue> {
    if seed.is_finite() && (0.0..=u32::MAX as f64).contains(&seed) && seed.fract() == 0.0 {
        Ok(seed as u64)
    } else {
        Err(err(format!("the seed must be a whole number from 0 to {}, got {seed}", u32::MAX)))
    }
}

/// What a teaching call resolves to: `result`, and `file`, the detector file of `entry` and `weights`.
#[cfg(feature = "teach")]
fn with_detector_file(result: TeachResult, entry: &crate::model::io::FileEntry, weights: &[u8]) -> Result<JsValue, JsValue> {
    let file = crate::model::io::detector_file(entry, weights).map_err(err)?;
    let obj = to_js(&result)?;
    js_sys::Reflect::set(&obj, &JsValue::from_str("file"), &js_sys::Uint8Array::from(file.as_slice()))?;
    Ok(obj)
}

/// Teaches a detector the class of `images` (an array of 784 grey levels each, 28×28, white
/// strokes on black as the drawing pad gives them) with the page's recipe (`train::teach`) and
/// `seed`, within `seconds` if given. Blocks until done: the page runs it in a Web Worker.
/// Resolves to `{entry, steps, ms, threshold, heldOut, examples, loss: {a, c}, file}`, `file`
/// the detector file (entry and weights, as "Download detector" saves it).
#[cfg(feature = "teach")]
#[wasm_bindgen(js_name = teachDetector)]
pub fn teach_detector(images: js_sys::Array, name: String, seed: f64, seconds: Option<f64>, on_progress: js_sys::Function) -> Result<JsValue, JsValue> {
    use crate::train::teach;
    let images: Vec<Vec<u8>> = images
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.dyn_ref::<js_sys::Uint8Array>()
                .map(|a| a.to_vec())
                .ok_or_else(|| err(format!("example {} is not a Uint8Array of 784 grey levels", i + 1)))
        })
        .collect::<Result<_, _>>()?;
    let seed = teach_seed(seed)?;
    let observer = JsObserver { on_progress, total: Default::default(), done: Default::default() };
    let started = web_time::Instant::now();
    let taught = teach::teach(&name, &images, &teach::recipe(seed), seconds, &observer).map_err(err)?;
    let result = TeachResult {
        entry: serde_json::to_string(&taught.entry).map_err(err)?,
        steps: taught.steps,
        ms: started.elapsed().as_secs_f64() * 1e3,
        threshold: taught.entry.threshold,
        held_out: taught.held_out,
        held_out_examples: taught.held_out_examples,
        examples: images.len(),
        loss: TeachLoss { a: taught.ae_loss, c: taught.clf_loss },
    };
    with_detector_file(result, &crate::model::io::FileEntry::Drawings(taught.entry), &taught.bytes)
}

/// Teaches a photo detector (in a Web Worker: it blocks until done) on `n` photos given as the
/// backbone's maps (`maps`: n × `shape` values, `shape` = [1280, h, w], from the backbone
/// `backbone_json` describes (a manifest's `BackboneRef`) at `side` px), named `names` for the
/// nearest photos, with the page's photo recipe (`train::teach::photo_recipe`) and `seed`. Resolves
/// to `{entry, steps, ms, threshold, heldOut, examples, loss: {a, c}, file}` as `teachDetector`.
#[cfg(feature = "teach")]
#[wasm_bindgen(js_name = teachPhotoDetector)]
#[allow(clippy::too_many_arguments)]
pub fn teach_photo_detector(
    maps: Vec<f32>,
    shape: Vec<usize>,
    names: Vec<String>,
    backbone_json: String,
    side: usize,
    name: String,
    seed: f64,
    seconds: Option<f64>,
    on_progress: js_sys::Function,
) -> Result<JsValue, JsValue> {
    use crate::train::teach;
    let shape: [usize; 3] = shape.try_into().map_err(|s: Vec<usize>| err(format!("the features' shape has {} numbers, not 3 (channels, height, width)", s.len())))?;
    let backbone: crate::model::io::BackboneRef = serde_json::from_str(&backbone_json).map_err(|e| err(format!("bad backbone description: {e}")))?;
    let seed = teach_seed(seed)?;
    let observer = JsObserver { on_progress, total: Default::default(), done: Default::default() };
    let started = web_time::Instant::now();
    let examples = names.len();
    let taught = teach::teach_photos(&name, &maps, shape, &names, backbone, side, &teach::photo_recipe(seed), seconds, &observer).map_err(err)?;
    let result = TeachResult {
        entry: serde_json::to_string(&taught.entry).map_err(err)?,
        steps: taught.steps,
        ms: started.elapsed().as_secs_f64() * 1e3,
        threshold: taught.entry.threshold,
        held_out: taught.held_out,
        held_out_examples: taught.held_out_examples,
        examples,
        loss: TeachLoss { a: taught.ae_loss, c: taught.clf_loss },
    };
    with_detector_file(result, &crate::model::io::FileEntry::Photos(taught.entry), &taught.bytes)
}

/// A detector file (as `teachDetector`, `teachPhotoDetector` or "Download detector" made it)
/// checked and opened: `{kind, entry, weights}`, `kind` "drawings" or "photos", the entry as JSON
/// for `loadModel` or `PhotoDetector.load`, and the weights it describes.
#[wasm_bindgen(js_name = readDetectorFile)]
pub fn read_detector_file(bytes: Vec<u8>, what: String) -> Result<JsValue, JsValue> {
    use crate::model::io::FileEntry;
    let (entry, weights) = crate::model::io::read_detector_file(&what, &bytes).map_err(err)?;
    let (kind, json) = match &entry {
        FileEntry::Drawings(e) => ("drawings", serde_json::to_string(e)),
        FileEntry::Photos(e) => ("photos", serde_json::to_string(e)),
    };
    let obj = js_sys::Object::new();
    js_sys::Reflect::set(&obj, &JsValue::from_str("kind"), &JsValue::from_str(kind))?;
    js_sys::Reflect::set(&obj, &JsValue::from_str("entry"), &JsValue::from_str(&json.map_err(err)?))?;
    js_sys::Reflect::set(&obj, &JsValue::from_str("weights"), &js_sys::Uint8Array::from(weights.as_slice()))?;
    Ok(obj.into())
}

/// RGBA pixels of any size (a drawing, a photo) to 784 MNIST grey levels (0–255), with the same
/// code the CLI uses.
#[wasm_bindgen(js_name = preprocessRgba)]
pub fn preprocess_rgba(rgba: Vec<u8>, width: usize, height: usize) -> Result<Vec<u8>, JsValue> {
    mnist_from_rgba(&rgba, width, height).map_err(err)
}

/// RGBA pixels of a photo of any size to the backbone's input: the `side × side` centre crop as
/// interleaved RGB bytes (HWC), with the same code as the CLI (`PhotoDetector.judge` does this itself).
#[wasm_bindgen(js_name = preprocessPhotoRgb)]
pub fn preprocess_photo_rgb(rgba: Vec<u8>, width: usize, height: usize, side: usize) -> Result<Vec<u8>, JsValue> {
    crate::data::photo::photo_rgb_from_rgba(&rgba, width, height, side).map_err(err)
}

/// The frozen ImageNet backbone (EfficientNet-Lite0, `model::backbone`) on one backend.
#[wasm_bindgen]
pub struct Backbone {
    model: EfficientNetLite0,
    device: Device,
    backend: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FeaturesResult {
    /// `[1280, h, w]` of `map`.
    map_shape: [usize; 3],
    side: usize,
    /// Time of the forward pass and the read-back, in ms.
    ms: f64,
    backend: &'static str,
}

#[wasm_bindgen]
impl Backbone {
    /// Loads the backbone's burnpack bytes (`connective backbone`, f16 or f32) on the backend
    /// `prefer` chooses, as `Connective.create` does: pass the session's `backend` to share its
    /// device (WebGPU is initialised once per module and shared).
    pub async fn load(bytes: Vec<u8>, prefer: String) -> Result<Backbone, JsValue> {
        let (device, backend, _) = choose(&prefer).await?;
        let model = backbone_from_bytes(&bytes, &device).map_err(err)?.fold();
        Ok(Backbone { model, device, backend })
    }

    /// "webgpu" or "cpu".
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.into()
    }

    /// Features of one photo of `side × side` RGB bytes (HWC, 0–255; `preprocessPhotoRgb`).
    /// Resolves to `pooled` (1280 floats, the mean over space of the map), `map` (the head's map
    /// before pooling, `mapShape` = [1280, h, w], channel-major, Float32Array), ms, backend.
    pub fn features(&self, rgb: Vec<u8>, side: usize) -> js_sys::Promise {
        let (model, device, backend) = (self.model.clone(), self.device.clone(), self.backend);
        wasm_bindgen_futures::future_to_promise(async move {
            let x = rgb_to_tensor(&rgb, 1, side, &device).map_err(err)?;
            let t0 = now_ms();
            let map = model.forward_map(x);
            let [_, c, h, w] = map.dims();
            let pooled = map.clone().mean_dims(&[2, 3]);
            let pooled = read_floats(pooled).await?;
            let map = read_floats(map).await?;
            let obj = to_js(&FeaturesResult { map_shape: [c, h, w], side, ms: now_ms() - t0, backend })?;
            with_floats(obj, &[("pooled", &pooled), ("map", &map)])
        })
    }
}

/// A photo detector (`model::photo_detector`: A and C on the backbone's features, and the gallery
/// of its training photos) on the device of the `Backbone` it was loaded with.
#[wasm_bindgen]
pub struct PhotoDetector {
    entry: PhotoEntry,
    net: PhotoNet,
    device: Device,
    backend: &'static str,
}

/// One of the nearest training photos: its gallery row, its file and its cosine similarity.
#[derive(Serialize)]
struct Neighbour {
    index: usize,
    photo: String,
    similarity: f32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Judgement {
    verdict: &'static str,
    /// The score the verdict is taken on (`judged_by`'s rule) and its threshold: at or above, an inlier.
    score: f32,
    threshold: f32,
    judged_by: PhotoScore,
    /// f(φ), eq. 6: C's logit on the connective features.
    logit: f32,
    /// A's mean squared error on φ.
    recon_error: f32,
    /// Mean cosine similarity to the `neighbours` nearest training photos.
    neighbours: f32,
    /// CRBND's eq. 6′ (the entry's calibration), and its two parts [C's, A's] in standard
    /// deviations of the validation positives.
    combined: f32,
    parts: [f32; 2],
    nearest: Vec<Neighbour>,
    /// `[h, w]` of `errorMap` (A's error at each position of the backbone's map).
    map_shape: [usize; 2],
    /// Side of the centre crop the backbone saw (`crop`: its RGB bytes, HWC).
    side: usize,
    /// Backbone, detector and read-back, in ms (preprocessing excluded).
    ms: f64,
    backend: &'static str,
}

#[wasm_bindgen]
impl PhotoDetector {
    /// Verifies `bytes` against the manifest's photo entry (`manifest.photos`: size, SHA-256) and
    /// loads them on the device of `backbone`.
    pub fn load(entry_json: String, bytes: Vec<u8>, backbone: &Backbone) -> Result<PhotoDetector, JsValue> {
        let entry: PhotoEntry = serde_json::from_str(&entry_json).map_err(|e| err(format!("bad photo manifest entry: {e}")))?;
        let net = load_photo_entry(&entry, &bytes, &backbone.device).map_err(err)?;
        Ok(PhotoDetector { entry, net, device: backbone.device.clone(), backend: backbone.backend })
    }

    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.entry.name.clone()
    }

    /// The input side the detector was trained at (`config.side`).
    #[wasm_bindgen(getter)]
    pub fn side(&self) -> usize {
        self.entry.config.side
    }

    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.into()
    }

    /// Judges one photo (RGBA of any size, as the page decodes it): the same preprocessing as
    /// the CLI (`photo_rgb_from_rgba`, the centre crop at the detector's side), the backbone's map,
    /// then the detector, with one read-back of what the page shows. Resolves to verdict, score,
    /// threshold, judgedBy, logit, reconError, neighbours, combined, parts, nearest (3 ×
    /// {index, photo, similarity}), errorMap (Float32Array, mapShape = [h, w]), crop (the RGB
    /// bytes the backbone saw), side, ms, backend. `side` other than the detector's is for
    /// benchmarks only: the thresholds belong to the trained side.
    pub fn judge(&self, backbone: &Backbone, rgba: Vec<u8>, width: usize, height: usize, side: Option<usize>) -> js_sys::Promise {
        let (entry, net, device, backend) = (self.entry.clone(), self.net.clone(), self.device.clone(), self.backend);
        let same_device = backbone.device == device;
        let model = backbone.model.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            if !same_device {
                return Err(err("the backbone runs on another device than the photo detector: load the detector with this backbone"));
            }
            let side = side.unwrap_or(entry.config.side);
            let rgb = crate::data::photo::photo_rgb_from_rgba(&rgba, width, height, side).map_err(err)?;
            let t0 = now_ms();
            let map = model.forward_map(rgb_to_tensor(&rgb, 1, side, &device).map_err(err)?);
            let [_, _, h, w] = map.dims();
            let d = net.detect(map, entry.lambda);
            let k = net.gallery_len();
            // One read-back: [logit, error, error map (h·w), similarities (k)].
            let all = Tensor::cat(vec![d.logits, d.errors, d.error_map.reshape([h * w]), d.similarities.reshape([k])], 0);
            let all = read_floats(all).await?;
            let ms = now_ms() - t0;
            let (logit, error, error_map, sims) = (all[0], all[1], &all[2..2 + h * w], &all[2 + h * w..]);
            let scores = PhotoScores { logits: vec![logit], errors: vec![error], neighbours: neighbour_scores(sims, k, entry.config.neighbours) };
            let score = entry.verdict_scores(&scores)[0];
            let (c, a) = entry.calibration.parts(logit, error);
            let nearest = nearest(sims, 3)
                .into_iter()
                .map(|i| Neighbour { index: i, photo: entry.gallery.get(i).cloned().unwrap_or_default(), similarity: sims[i] })
                .collect();
            let obj = to_js(&Judgement {
                verdict: if score >= entry.threshold { "inlier" } else { "novel" },
                score,
                threshold: entry.threshold,
                judged_by: entry.score,
                logit,
                recon_error: error,
                neighbours: scores.neighbours[0],
                combined: entry.calibration.combine(logit, error),
                parts: [c, a],
                nearest,
                map_shape: [h, w],
                side,
                ms,
                backend,
            })?;
            let obj = with_floats(obj, &[("errorMap", error_map)])?;
            js_sys::Reflect::set(&obj, &JsValue::from_str("crop"), &js_sys::Uint8Array::from(rgb.as_slice()))?;
            Ok(obj)
        })
    }
}

/// A tensor's values on the host (awaited: a synchronous read panics on WebGPU in wasm).
async fn read_floats<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, JsValue> {
    let data = t.into_data_async().await.map_err(|e| err(format!("reading the backbone's output: {e:?}")))?;
    data.try_into_vec::<f32>().map_err(|e| err(format!("reading the backbone's output: {e:?}")))
}

/// Checks model bytes against a manifest entry without loading them.
#[wasm_bindgen(js_name = verifyModel)]
pub fn verify_model(entry_json: String, bytes: Vec<u8>) -> Result<(), JsValue> {
    let entry: ModelEntry = serde_json::from_str(&entry_json).map_err(|e| err(format!("bad manifest entry: {e}")))?;
    crate::model::io::verify(&entry, &bytes).map_err(err)
}

/// One flag per score (nonzero: an inlier) as the metrics take them.
fn flags(labels: &[u8], n: usize) -> Result<Vec<bool>, JsValue> {
    if labels.len() != n {
        return Err(err(format!("{n} scores but {} labels", labels.len())));
    }
    Ok(labels.iter().map(|&l| l != 0).collect())
}

/// AUROC of `scores` (higher: more like an inlier) against `labels` (1: inlier, 0: outlier), the
/// CLI's own `metrics::auroc`; NaN when one class is empty or a score is NaN.
#[wasm_bindgen]
pub fn auroc(scores: Vec<f32>, labels: Vec<u8>) -> Result<f64, JsValue> {
    Ok(crate::metrics::auroc(&scores, &flags(&labels, scores.len())?).unwrap_or(f64::NAN))
}

/// The ROC curve (`metrics::roc_curve`) as a flat Float64Array: fpr₀, tpr₀, fpr₁, tpr₁, …
#[wasm_bindgen(js_name = rocCurve)]
pub fn roc_curve(scores: Vec<f32>, labels: Vec<u8>) -> Result<js_sys::Float64Array, JsValue> {
    let points = crate::metrics::roc_curve(&scores, &flags(&labels, scores.len())?);
    let flat: Vec<f64> = points.into_iter().flat_map(|(fpr, tpr)| [fpr, tpr]).collect();
    Ok(js_sys::Float64Array::from(flat.as_slice()))
}
