// app.js: loads the wasm detector and a model, then wires drawing, uploads, the sample gallery,
// the in-page evaluation and the scripting API (window.connective).
import { DrawPad } from './js/draw.js';
import { auroc, drawBlank, drawHeat, drawImage, histSvg, roc, rocSvg, sigmoid, tileCanvas } from './js/charts.js';

const $ = (id) => document.getElementById(id);
const PX = 784;
const BACKENDS = ['auto', 'webgpu', 'cpu'];
const TYPES = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/webp': 'WebP' };
// Uploads are scored at 28 or 32 px: anything this big is a mistake, not a need.
const MAX_UPLOAD_BYTES = 50e6;
const params = new URLSearchParams(location.search);
const initialBackend = BACKENDS.includes(params.get('backend')) ? params.get('backend') : 'auto';
const initialDigit = /^[0-9]$/.test(params.get('digit') ?? '') ? Number(params.get('digit')) : 3;
const MODES = ['digits', 'photos'];
const initialMode = MODES.includes(params.get('mode')) ? params.get('mode') : 'digits';

const state = {
  wasm: null, // the wasm-bindgen module (preprocessRgba)
  c: null, // the Connective session
  entries: new Map(), // digit → manifest entry
  bytes: new Map(), // model file → verified bytes, so switching back is instant
  digit: null, // digit of the loaded model
  entry: null,
  pick: 0, // bumped per model choice: the latest choice wins
  pickPromise: null,
  loadingDigit: null,
  backendPref: initialBackend,
  samples: null, // {pixels: Float32Array(n·784), labels: number[], n}
  build: 'cpu', // which wasm build runs: 'webgpu' (pkg/) or 'cpu' (pkg-cpu/)
  buildReason: '', // why the CPU build was chosen at start, until the user switches
  evalRun: 0, // bumped to cancel a running evaluation
  evalBusy: false,
  evalResult: null,
  mode: 'digits', // or 'photos'; enterMode switches
  photoEntries: new Map(), // photo model name → manifest entry
  photoModel: null, // name of the loaded photo model (null in digits mode)
  lastPhotoModel: null,
  lastDigit: initialDigit,
  photoSamples: null, // [{file, class, source}] from samples/photos/photos.json
  shown: null, // what the panels show now, for "Keep for comparison"
  afterRender: null, // a gallery pick's wish to see its result under the gallery, once
  photoFromGallery: false, // the photo shown came from the sample gallery (not an upload)
  info: null, // what loadModel read from the entry (thresholds, C count, score rule)
  thresholdTouched: false, // the user moved the threshold slider: it no longer follows the model
};

const message = (e) => (e instanceof Error ? e.message : String(e));
const isBlankError = (e) => /blank image/i.test(message(e));
const backendLabel = (b) => (b === 'webgpu' ? 'WebGPU' : 'CPU');
const toUnit = (grey) => Float32Array.from(grey, (v) => v / 255);
/** [channels, side, side] of the loaded model's images. */
const shapeOf = (entry) => (entry ? [entry.config.autoencoder.channels, entry.config.autoencoder.size, entry.config.autoencoder.size] : [1, 28, 28]);
/** "airplanes", "airplanes, faces or motorbikes": a photo model's classes in words. */
function classWords(entry) {
  const names = (entry.positive_classes || []).map((c) => c.replace(/_easy$/i, '').replace(/_/g, ' ').toLowerCase());
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0] || entry.name;
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
function canvas2d(width, height) {
  const cv = Object.assign(document.createElement('canvas'), { width, height });
  return [cv, cv.getContext('2d', { willReadFrequently: true })];
}

function say(text, kind = 'info') {
  Object.assign($('status'), { textContent: text }).dataset.kind = kind;
}

async function fetchOk(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`.trim());
  return res;
}

// Every call into the session runs one at a time: the wasm side holds one model and device,
// and a model swap or backend switch must not interleave with a score.
let chain = Promise.resolve();
// Resolved once the page is up (finishStart): work that can wait, waits for it.
let markStarted;
const started = new Promise((resolve) => (markStarted = resolve));
function exclusive(fn) {
  const p = chain.then(fn);
  chain = p.catch(() => {});
  return p;
}

// ---------- elements ----------
const panels = { input: $('panel-input'), recon: $('panel-recon'), conn: $('panel-connective'), error: $('panel-error') };
const els = {
  digits: $('digits'), verdict: $('verdict'), score: $('score'), latency: $('latency'), recon: $('recon-error'),
  fill: $('gauge-fill'), tick: $('gauge-tick'), tickLabel: $('gauge-label'), lambda: $('lambda'), threshold: $('threshold'),
  lambdaOut: $('lambda-out'), thresholdOut: $('threshold-out'), undo: $('undo'), clear: $('clear'),
  upload: $('upload'), drop: $('drop'), backendSelect: $('backend-select'), gallery: $('gallery'),
  evalRun: $('eval-run'), evalCancel: $('eval-cancel'), evalProgress: $('eval-progress'), evalStatus: $('eval-status'),
  evalOut: $('eval-results'),
};

const pad = new DrawPad($('pad'), { onDraw: () => requestScore(), onStrokeEnd: () => requestScore() });

// ---------- scoring ----------
/** The model input now: a sample/photo's own 28×28 while nothing is drawn on it, else the canvas. */
function currentInput() {
  if (pad.isBlank()) return null;
  const direct = pad.directInput();
  if (direct) return direct;
  if (state.mode === 'photos') return null; // photos are never read back from the pad
  const img = pad.imageData();
  return toUnit(state.wasm.preprocessRgba(img.data, img.width, img.height));
}

// Live scoring: at most one score in flight; requests meanwhile collapse into one more run,
// which reads the input as it is then (latest wins), so fast drawing never builds a queue.
let wanted = false;
let pumping = false;
function requestScore() {
  updateButtons();
  wanted = true;
  if (!pumping && state.c && state.wasm && state.entry) pump();
}

async function pump() {
  pumping = true;
  try {
    while (wanted) {
      wanted = false;
      let x = null;
      try {
        x = currentInput();
        if (x) await scoreNow(x);
        else showEmpty();
      } catch (e) {
        if (isBlankError(e)) showEmpty();
        else say(`Scoring failed: ${message(e)}`, 'error');
      }
    }
  } finally {
    pumping = false;
  }
}

// Two stored thresholds per digit model: one for MNIST's own images (the gallery), one for
// drawn and uploaded digits, which go through the page's preprocessing and score lower (README,
// the penned and redrawn tables). Until the user moves the slider, the threshold follows the input.
function modelThreshold() {
  if (!state.info) return state.c.threshold;
  return pad.isDatasetImage() ? state.info.threshold : state.info.drawnThreshold;
}

function followModelThreshold() {
  if (!state.thresholdTouched && state.info) {
    const t = modelThreshold();
    if (state.c.threshold !== t) {
      state.c.setThreshold(t);
      syncSliders();
    }
  }
  showSliderValues(); // the label says whose threshold, which depends on the input too
}

async function scoreNow(x) {
  followModelThreshold();
  const r = await exclusive(() => state.c.score(x));
  render(x, r);
  return r;
}

function render(x, r) {
  const shape = shapeOf(state.entry);
  if (x.length !== shape[0] * shape[1] * shape[2]) return; // a result for a model since replaced
  drawImage(panels.input, x, shape);
  drawImage(panels.recon, r.reconstruction, shape);
  drawImage(panels.conn, r.connective, shape);
  drawHeat(panels.error, r.errorMap, shape);
  // "an 8", "a 3": the article follows the spoken number.
  const what = state.photoModel ? classWords(state.entry) : `${state.digit === 8 ? 'an' : 'a'} ${state.digit}`;
  const inlier = r.verdict === 'inlier';
  // The symbol and the words carry the verdict without colour.
  els.verdict.textContent = inlier ? `✓ inlier — looks like ${what}` : `✗ novel — not ${what}`;
  els.verdict.className = `verdict ${inlier ? 'inlier' : 'novel'}`;
  // A combined-score model (photos, eq. 6′) judges by C and A's error together and returns both
  // parts: the line under the gauge shows them.
  els.score.textContent = r.parts ? `score ${r.score.toFixed(2)}` : `score ${r.score.toFixed(2)} (p = ${r.probability.toFixed(2)})`;
  // The gauge squashes the score (any real number) into its width; it is not a probability.
  els.fill.style.width = `${(100 * sigmoid(r.score)).toFixed(1)}%`;
  els.fill.className = `gauge-fill ${inlier ? 'inlier' : 'novel'}`;
  placeTick(r.threshold);
  els.latency.textContent = `${r.ms.toFixed(1)} ms on ${backendLabel(r.backend)} ·`;
  const signed = (v) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;
  els.recon.textContent =
    r.parts
      ? `score = mean of C’s part ${signed(r.parts[0])} (p = ${r.probability.toFixed(2)}) and A’s part ${signed(r.parts[1])} ` +
        `(reconstruction error ${r.reconError.toFixed(4)}); 0 = as typical as the training photos`
      : `reconstruction error ${r.reconError.toFixed(4)}`;
  state.shown = { inlier, verdict: els.verdict.textContent, score: r.score, reconError: r.reconError, lambda: r.lambda, threshold: r.threshold, model: state.entry.name };
  $('keep').disabled = false;
  const after = state.afterRender;
  state.afterRender = null;
  if (after) after(state.shown);
}

// ---------- kept results (side by side) ----------
const MAX_KEPT = 6;
// Each small copy of a panel: [panel, what a screen reader says, the caption under it].
const KEPT_PANELS = [
  ['input', 'input x', 'x'],
  ['recon', 'reconstruction A(x)', 'A(x)'],
  ['conn', 'connective image', 'λx+(1−λ)A(x)'],
  ['error', 'error |x−A(x)|', '|x−A(x)|'],
];

/** What the panels show now, as a title, four small copies of the panels and a line of numbers. */
function resultRow(shown, tag) {
  const el = (t, className, text) => Object.assign(document.createElement(t), { className, textContent: text ?? '' });
  const pics = el('div', 'kept-pics');
  for (const [key, label, caption] of KEPT_PANELS) {
    const src = panels[key];
    const c = Object.assign(document.createElement('canvas'), { width: src.width, height: src.height });
    c.getContext('2d').drawImage(src, 0, 0);
    c.setAttribute('role', 'img');
    c.setAttribute('aria-label', label);
    const fig = document.createElement('figure');
    fig.append(c, el('figcaption', '', caption));
    pics.append(fig);
  }
  const row = document.createElement(tag);
  row.append(
    el('p', `kept-title ${shown.inlier ? 'inlier' : 'novel'}`, `${shown.verdict} · score ${shown.score.toFixed(2)}`),
    pics,
    el('p', 'kept-words', `${shown.model} · reconstruction error ${shown.reconError.toFixed(4)} · λ ${shown.lambda.toFixed(2)}, threshold ${shown.threshold.toFixed(2)}`),
  );
  return row;
}

/** Copies what the panels show now into a row of the kept list (oldest dropped past MAX_KEPT). */
function keepShown() {
  if (!state.shown) return;
  const list = $('kept');
  list.append(resultRow(state.shown, 'li'));
  while (list.children.length > MAX_KEPT) list.firstElementChild.remove();
  $('kept-clear').hidden = false;
}

/**
 * A gallery click scores the picture in the panels far above the gallery; the result is also
 * shown right under the gallery, so a visitor (or a class watching a projector) clicking through
 * the gallery sees each verdict without scrolling away. `stillThere` says whether the panels
 * still show the clicked picture when the score arrives (a stroke drawn meanwhile replaces it).
 */
function showUnderGallery(box, stillThere) {
  state.afterRender = (shown) => {
    if (!stillThere()) return;
    box.replaceChildren(resultRow(shown, 'div'));
    box.hidden = false;
  };
}

// Whether the panels show a gallery pick (and not a drawing or an upload made since).
const galleryDigitShown = () => state.mode === 'digits' && pad.isDatasetImage();
const galleryPhotoShown = () => state.mode === 'photos' && state.photoFromGallery && !pad.isBlank();

function clearGalleryResults() {
  for (const id of ['gallery-result', 'photo-gallery-result']) {
    $(id).replaceChildren();
    $(id).hidden = true;
  }
}

$('keep').addEventListener('click', keepShown);
$('kept-clear').addEventListener('click', () => {
  $('kept').replaceChildren();
  $('kept-clear').hidden = true;
});

function showEmpty() {
  if (state.c) followModelThreshold(); // a blank pad waits for a drawing
  const side = shapeOf(state.entry)[1];
  for (const c of Object.values(panels)) drawBlank(c, side);
  els.verdict.textContent = state.mode === 'photos' ? 'Upload or pick a photo' : 'Draw a digit';
  els.verdict.className = 'verdict empty';
  els.score.textContent = '—';
  els.fill.style.width = '0';
  els.recon.textContent = '';
  state.shown = null;
  $('keep').disabled = true;
}

// The tick sits where the threshold falls on the gauge; its label follows it, kept inside the card.
const placeTick = (threshold) => {
  const at = 100 * sigmoid(threshold);
  els.tick.style.left = `${at.toFixed(1)}%`;
  els.tickLabel.style.left = `${Math.min(90, Math.max(10, at)).toFixed(1)}%`;
};
const updateButtons = () => (els.undo.disabled = els.clear.disabled = pad.isBlank());

// ---------- backend ----------
function showBackend() {
  const c = state.c;
  if (!c) return;
  $('backend').dataset.backend = c.backend;
  $('backend').dataset.build = state.build;
  $('backend-name').textContent = backendLabel(c.backend);
  $('backend-reason').textContent = state.buildReason || c.backendReason;
}

// Two builds of the same Rust code: pkg/ has the WebGPU backend, pkg-cpu/ only the CPU backend
// (about a sixth of the download). The page starts on the CPU build, so the first score never waits
// for the WebGPU runtime; where the browser has a WebGPU adapter that is not a software fallback, it
// then loads the WebGPU build in the background and moves the session there.
const BUILDS = { webgpu: './pkg/connective.js', cpu: './pkg-cpu/connective.js' };

async function probeWebgpu() {
  if (!navigator.gpu) return { ok: false, why: 'this browser has no WebGPU' };
  let adapter = null;
  try {
    adapter = await navigator.gpu.requestAdapter();
  } catch (e) {
    return { ok: false, why: `WebGPU failed to start (${message(e)})` };
  }
  if (!adapter) return { ok: false, why: 'no WebGPU adapter' };
  const info = adapter.info || {};
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed';
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || /swiftshader/i.test(name);
  return fallback ? { ok: false, fallback: true, why: `the WebGPU adapter (${name}) is a software fallback, far slower than the CPU backend` } : { ok: true, name };
}

async function loadBuild(build) {
  const wasm = await import(BUILDS[build]);
  await wasm.default();
  return wasm;
}

/** Moves the session into the WebGPU build: a new session there, the same model, λ and threshold. */
async function upgradeToWebgpu(name) {
  const wasm = await loadBuild('webgpu');
  const c = await wasm.Connective.create(name);
  if (state.entry) {
    await c.loadModel(JSON.stringify(state.entry), state.bytes.get(state.entry.file));
    c.setLambda(state.c.lambda);
    c.setThreshold(state.c.threshold);
  }
  const old = state.c;
  Object.assign(state, { wasm, c, build: 'webgpu', buildReason: '' });
  old.free?.();
  return c.backend;
}

async function setBackend(name) {
  if (!BACKENDS.includes(name)) throw new Error(`unknown backend "${name}": use auto, webgpu or cpu`);
  if (!state.c) throw new Error('the detector is not running');
  say(`Switching to ${name === 'auto' ? 'the best backend' : backendLabel(name)}…`);
  try {
    const b = await exclusive(() => {
      if (name !== 'cpu' && state.build === 'cpu') return upgradeToWebgpu(name);
      state.buildReason = '';
      return state.c.setBackend(name);
    });
    state.backendPref = els.backendSelect.value = name;
    showBackend();
    say(`Now running on ${backendLabel(b)}: ${state.c.backendReason}`);
    requestScore();
    return b;
  } catch (e) {
    els.backendSelect.value = state.backendPref;
    showBackend();
    say(`Could not switch to ${backendLabel(name)}: ${message(e)}. Still on ${backendLabel(state.c.backend)}.`, 'error');
    throw e;
  }
}

// ---------- models ----------
function buildPicker() {
  for (let d = 0; d < 10; d++) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: String(d) });
    b.dataset.digit = String(d);
    b.addEventListener('click', () => setModel(d).catch(() => {})); // setModel reports its errors
    els.digits.append(b);
  }
  // Arrow keys move along the row, like a toolbar.
  els.digits.addEventListener('keydown', (e) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    const buttons = [...els.digits.querySelectorAll('button')];
    const i = buttons.indexOf(document.activeElement);
    if (!step || i < 0) return;
    e.preventDefault();
    buttons[(i + step + buttons.length) % buttons.length].focus();
  });
}

function markDigits() {
  for (const b of els.digits.querySelectorAll('button')) {
    const d = Number(b.dataset.digit);
    const has = state.entries.has(d);
    b.setAttribute('aria-pressed', String(d === state.digit));
    b.setAttribute('aria-disabled', String(!has));
    b.classList.toggle('unavailable', !has);
    b.classList.toggle('loading', d === state.loadingDigit);
    b.title = has ? `Detector trained on ${d}s` : `No model for ${d} yet`;
    b.setAttribute('aria-label', has ? `${d}` : `${d} (unavailable)`);
  }
  els.digits.dataset.value = state.digit === null ? '' : String(state.digit);
}

// The latest valid choice, so start-up can wait for whichever model a click put in its place.
function setModel(digit) {
  const p = loadDigit(digit);
  if (state.entries.has(Number(digit))) state.pickPromise = p;
  return p;
}

async function loadDigit(digit) {
  digit = Number(digit);
  const entry = state.entries.get(digit);
  if (!entry) {
    const why = !state.entries.size ? 'the model list is not loaded yet' : digit >= 0 && digit <= 9 ? `no model for the digit ${digit} yet` : `not a digit: ${digit}`;
    say(`Cannot switch: ${why}.`, 'error');
    throw new Error(why);
  }
  if (state.mode !== 'digits') await enterMode('digits', false);
  return loadEntry(entry, { digit, label: `the model for ${digit}` });
}

/** Loads a manifest entry into the session; `key` says what the page shows for it. */
async function loadEntry(entry, { digit = null, photo = null, label }) {
  if (!state.c) throw new Error('the detector is still starting');
  const token = ++state.pick;
  if (state.evalResult || state.evalBusy) cancelEval('The model changed: press Evaluate to score again.');
  state.loadingDigit = digit;
  state.loadingPhoto = photo;
  markDigits();
  markPhotoModels();
  say(`Loading ${label}…`);
  try {
    let bytes = state.bytes.get(entry.file);
    if (!bytes) bytes = new Uint8Array(await (await fetchOk(`models/${encodeURIComponent(entry.file)}`)).arrayBuffer());
    const info = await exclusive(async () => {
      if (token !== state.pick) throw new Error('superseded by a later model choice');
      const info = await state.c.loadModel(JSON.stringify(entry), bytes);
      // Set inside the exclusive section so no later score sees a half-switched page.
      state.info = info;
      state.thresholdTouched = false; // loading resets λ and the threshold to the model's
      state.digit = digit;
      state.photoModel = photo;
      if (digit !== null) state.lastDigit = digit;
      if (photo !== null) state.lastPhotoModel = photo;
      state.entry = entry;
      state.bytes.set(entry.file, bytes); // only verified bytes are cached
      syncSliders();
      return info;
    });
    if (token === state.pick) state.loadingDigit = state.loadingPhoto = null;
    markDigits();
    markPhotoModels();
    updateGallery();
    clearGalleryResults();
    // The gallery pick still shown is scored again by the new model: its row follows.
    if (galleryDigitShown()) showUnderGallery($('gallery-result'), galleryDigitShown);
    else if (galleryPhotoShown()) showUnderGallery($('photo-gallery-result'), galleryPhotoShown);
    showFacts(entry, info);
    say(`Model ${info.name} ready: ${info.parameters.toLocaleString('en')} parameters on ${backendLabel(info.backend)}.`);
    if (pad.isBlank()) {
      showEmpty();
      warmUp(entry);
    }
    requestScore();
    return info;
  } catch (e) {
    if (token === state.pick) {
      state.loadingDigit = state.loadingPhoto = null;
      markDigits();
      markPhotoModels();
      const keep = state.entry ? ` Still using ${state.entry.name}.` : '';
      say(`Could not load ${label}: ${message(e)}.${keep}`, 'error');
    }
    throw e;
  }
}

/**
 * A freshly loaded model's first score pays for first-use setup: pay it now on a blank input while
 * the visitor looks at the page, so their first score is as fast as the rest (CPU backend at 6×
 * CPU throttling, tests/e2e/phone-bench.mjs: a photo's first score 271 ms without, 114 ms with).
 */
function warmUp(entry) {
  if (params.get('warmup') === '0') return; // for tests/e2e/phone-bench.mjs: the first score cold
  const n = shapeOf(entry).reduce((a, b) => a * b, 1);
  // After start-up, so that it never holds up the page's first paint.
  started
    .then(() => exclusive(async () => {
      if (state.entry === entry) await state.c.score(new Float32Array(n));
    }))
    .catch(() => {});
}

// ---------- photos mode ----------
function buildPhotoPicker() {
  const box = $('photo-models');
  box.replaceChildren();
  for (const [name, entry] of state.photoEntries) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: classWords(entry) });
    b.dataset.model = name;
    b.title = `Detector trained on Caltech 101 photos of ${classWords(entry)}`;
    b.addEventListener('click', () => setPhotoModel(name).catch(() => {}));
    box.append(b);
  }
  markPhotoModels();
}

function markPhotoModels() {
  for (const b of $('photo-models').querySelectorAll('button')) {
    b.setAttribute('aria-pressed', String(b.dataset.model === state.photoModel));
    b.classList.toggle('loading', b.dataset.model === state.loadingPhoto);
  }
  $('photo-models').dataset.value = state.photoModel || '';
}

async function setPhotoModel(name) {
  const entry = state.photoEntries.get(name);
  if (!entry) {
    const why = state.photoEntries.size ? `no photo model "${name}" (there are: ${[...state.photoEntries.keys()].join(', ')})` : 'no photo models are listed in models/manifest.json';
    say(`Cannot switch: ${why}.`, 'error');
    throw new Error(why);
  }
  if (state.mode !== 'photos') await enterMode('photos', false);
  const p = loadEntry(entry, { photo: name, label: `the photo model for ${classWords(entry)}` });
  state.pickPromise = p;
  return p;
}

/** Switches the page between digits and photos; `load` also loads that mode's last model. */
async function enterMode(mode, load = true) {
  if (!MODES.includes(mode)) throw new Error(`unknown mode "${mode}": use digits or photos`);
  if (mode === 'photos' && !state.photoEntries.size) {
    say('No photo models are listed in models/manifest.json.', 'error');
    throw new Error('no photo models');
  }
  const changed = state.mode !== mode;
  state.mode = mode;
  document.body.dataset.mode = mode;
  for (const b of $('modes').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  pad.enabled = mode === 'digits';
  pad.background = mode === 'digits' ? '#000' : '#e8ebf0';
  if (changed) {
    pad.clear();
    updateButtons();
    if (state.evalResult || state.evalBusy) cancelEval();
  }
  $('h-draw').textContent = mode === 'photos' ? '1. Pick a photo detector, then a photo' : '1. Pick a digit, then draw';
  $('upload-label').textContent =
    mode === 'photos'
      ? 'Score a photo (PNG, JPEG or WebP; you can also drop it on the picture area):'
      : 'Or score a photo of a digit (PNG, JPEG or WebP; you can also drop it on the drawing area):';
  if (mode === 'photos') loadPhotoSamples().catch((e) => ($('photo-gallery-note').textContent = `Sample photos unavailable: ${message(e)}`));
  if (!load) return;
  if (mode === 'photos') return setPhotoModel(state.lastPhotoModel && state.photoEntries.has(state.lastPhotoModel) ? state.lastPhotoModel : [...state.photoEntries.keys()][0]);
  return setModel(state.entries.has(state.lastDigit) ? state.lastDigit : [...state.entries.keys()].sort()[0]);
}

/** Shows a decoded picture on the pad and scores it with the photo model. */
function showPhoto(source, width, height, name, fromGallery = false) {
  if (!state.photoModel) return say('The photo model is still loading: try again in a moment.', 'error');
  state.photoFromGallery = fromGallery;
  const size = shapeOf(state.entry)[1];
  // Downscale first: the model needs 32 px and preprocessing refuses huge pictures.
  const scale = Math.min(1, 512 / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const [cv, ctx] = canvas2d(w, h);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, w, h);
  const x = state.wasm.preprocessPhoto(ctx.getImageData(0, 0, w, h).data, w, h, size);
  pad.setBase(cv, w, h, x);
  updateButtons();
  say(`${name}: ${width}×${height}, scored as ${size}×${size} colour.`);
  requestScore();
}

async function loadPhotoSamples() {
  if (state.photoSamples) return;
  state.photoSamples = [];
  const meta = await (await fetchOk('samples/photos/photos.json')).json();
  const list = Array.isArray(meta.photos) ? meta.photos : [];
  state.photoSamples = list;
  const box = $('photo-gallery');
  box.replaceChildren();
  for (const p of list) {
    const b = Object.assign(document.createElement('button'), { type: 'button', className: 'tile photo' });
    b.dataset.class = p.class;
    const img = Object.assign(document.createElement('img'), { src: `samples/photos/${p.file}`, alt: p.class.replace(/_/g, ' '), loading: 'lazy' });
    b.append(img);
    b.addEventListener('click', async () => {
      try {
        if (!img.complete) await img.decode();
        // Only once a photo model is there to score it (showPhoto says so otherwise).
        if (state.photoModel) showUnderGallery($('photo-gallery-result'), galleryPhotoShown);
        showPhoto(img, img.naturalWidth, img.naturalHeight, `Caltech 101 ${p.class} (${p.source})`, true);
      } catch (e) {
        say(`This sample photo could not be used: ${message(e)}`, 'error');
      }
    });
    box.append(b);
  }
  updateGallery();
}

function syncSliders() {
  const c = state.c;
  const t = state.entry ? state.entry.threshold : c.threshold;
  els.lambda.value = String(c.lambda);
  els.threshold.min = String(t - 8);
  els.threshold.max = String(t + 8);
  els.threshold.value = String(c.threshold);
  placeTick(c.threshold);
  showSliderValues();
}

function showSliderValues() {
  els.lambdaOut.textContent = state.c ? state.c.lambda.toFixed(2) : '';
  els.thresholdOut.textContent = state.c ? state.c.threshold.toFixed(2) : '';
  $('threshold-which').textContent = thresholdWords();
}

/** Whose threshold the slider shows. */
function thresholdWords() {
  if (!state.c || !state.info) return '';
  if (state.thresholdTouched) return '(yours; Reset goes back to the model’s)';
  if (state.info.drawnThreshold === state.info.threshold) return '(the model’s)';
  return pad.isDatasetImage() ? '(the model’s, for MNIST images)' : '(the model’s, for drawings and uploads)';
}

// `info` is what the wasm module read from the manifest entry (with its defaults for older ones).
function classifierWords(n) {
  return n === 1 ? '1' : `${n}, trained with different seeds; f(x) is the mean of their logits`;
}

function showFacts(entry, info) {
  const num = (v, d) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : null);
  const secs = entry.training_seconds;
  const oneClass = (entry.metrics && entry.metrics['one-class']) || {};
  const metric = (m, key) => num(m && m[key], 3);
  const photo = entry.dataset !== 'mnist';
  const held = (entry.metrics && entry.metrics.held_out_test) || {};
  const facts = [
    ['Model', entry.name],
    ['Trained on', photo ? `Caltech 101 photos of ${classWords(entry)} (${entry.metrics && entry.metrics.n_train} photos)` : `${entry.dataset} digit ${(entry.positive_classes || []).join(', ')}`],
    ['Parameters', typeof entry.parameters === 'number' ? entry.parameters.toLocaleString('en') : null],
    ['File size', typeof entry.bytes === 'number' ? `${Math.round(entry.bytes / 1024)} KB` : null],
    ['Classifiers C', classifierWords(info.classifiers)],
    ['Verdict on', info.scoreRule === 'combined' ? 'f(x) and the reconstruction error, each scaled by the validation photos, averaged (eq. 6′)' : 'f(x)'],
    ['λ', num(entry.lambda, 2)],
    ['Threshold', num(entry.threshold, 2)],
    ['Threshold rule', entry.threshold_rule],
    [
      'Threshold for drawn and uploaded digits',
      info.drawnThreshold !== info.threshold ? `${num(info.drawnThreshold, 2)}: the same rule on the validation digits traced with a pen like this page’s drawing pad and put through its preprocessing` : null,
    ],
    ['Training time', typeof secs === 'number' ? (secs < 90 ? `${secs.toFixed(0)} s` : `${(secs / 60).toFixed(1)} min`) : null],
    ...(photo
      ? [
          [`AUROC, CRBND (held-out photos vs as many clutter photos)`, metric(held.crbnd, 'auroc')],
          ['F1, CRBND', metric(held.crbnd, 'f1')],
          ['AUROC, f(x) alone (the paper’s score)', metric(held.classifier_only, 'auroc')],
          ['AUROC, reconstruction error baseline', metric(held.recon_error, 'auroc')],
        ]
      : [
          ['AUROC, CRBND (one-class, MNIST test set)', metric(oneClass.crbnd, 'auroc')],
          ['F1, CRBND', metric(oneClass.crbnd, 'f1')],
          ['AUROC, reconstruction error baseline', metric(oneClass.recon_error, 'auroc')],
        ]),
  ];
  const el = (tag, text) => Object.assign(document.createElement(tag), { textContent: String(text) });
  $('model-facts').replaceChildren(...facts.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
  $('model-name').textContent = photo ? `Detector for ${classWords(entry)}: ${entry.name}` : `Detector for ${state.digit}: ${entry.name}`;
}

// ---------- uploads ----------
function typeOf(file) {
  if (file.type) return file.type;
  const ext = (file.name.match(/\.([a-z0-9]+)$/i) || [])[1]?.toLowerCase();
  return { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp' }[ext] || '';
}

async function handleFile(file) {
  if (!file) return;
  const name = file.name || 'The file';
  const kind = TYPES[typeOf(file)];
  if (!kind) return say(`${name} is not a PNG, JPEG or WebP image.`, 'error');
  // Decoding a picture this large could stall a phone for seconds or run it out of memory.
  if (file.size > MAX_UPLOAD_BYTES) {
    return say(`${name} is ${(file.size / 1e6).toFixed(0)} MB; pictures over ${MAX_UPLOAD_BYTES / 1e6} MB are refused (a smaller copy scores the same).`, 'error');
  }
  if (!state.wasm || !state.entry) return say('The detector is still loading: try again in a moment.', 'error');
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return say(`${name} could not be decoded as a ${kind} image.`, 'error');
  }
  try {
    if (state.mode === 'photos') return showPhoto(bitmap, bitmap.width, bitmap.height, `${name} (${kind})`);
    // Downscale first: preprocessing only needs ~512 px and refuses huge pictures.
    const scale = Math.min(1, 512 / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale));
    const h = Math.max(1, Math.round(bitmap.height * scale));
    const [cv, ctx] = canvas2d(w, h);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, w, h);
    const x = toUnit(state.wasm.preprocessRgba(ctx.getImageData(0, 0, w, h).data, w, h));
    pad.setBase(cv, w, h, x); // only now, once the picture is known to be usable
    say(`${name}: ${bitmap.width}×${bitmap.height} ${kind}, scored as 28×28.`);
    requestScore();
  } catch (e) {
    say(isBlankError(e) ? `${name}: no digit found (the picture looks blank).` : `${name}: ${message(e)}`, 'error');
  } finally {
    bitmap.close?.();
  }
}

// ---------- samples, gallery ----------
async function loadSamples() {
  const meta = await (await fetchOk('samples/mnist-test.json')).json();
  const img = new Image();
  img.src = 'samples/mnist-test.png';
  try {
    await img.decode();
  } catch {
    throw new Error('samples/mnist-test.png could not be loaded');
  }
  const { tile = 28, rows, columns, labels } = meta;
  const n = rows * columns;
  if (tile !== 28 || !(n > 0) || !Array.isArray(labels) || labels.length < n || img.naturalWidth < columns * 28 || img.naturalHeight < rows * 28) {
    throw new Error('samples/mnist-test.json and .png do not match (28×28 tiles with one label each)');
  }
  const [cv, ctx] = canvas2d(img.naturalWidth, img.naturalHeight);
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, cv.width, cv.height).data;
  const pixels = new Float32Array(n * PX);
  for (let i = 0; i < n; i++) {
    const [r, c] = [Math.floor(i / columns), i % columns];
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) pixels[i * PX + y * 28 + x] = data[((r * 28 + y) * cv.width + c * 28 + x) * 4] / 255;
    }
  }
  state.samples = { pixels, labels: labels.slice(0, n).map(Number), n, columns, rows };
  buildGallery();
  els.evalRun.disabled = false;
}

const sample = (i) => state.samples.pixels.slice(i * PX, (i + 1) * PX);

function buildGallery() {
  const { labels, rows, columns } = state.samples;
  const picks = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < Math.min(4, columns); c++) picks.push(r * columns + c);
  picks.sort((a, b) => labels[a] - labels[b] || a - b);
  els.gallery.replaceChildren();
  for (const i of picks) {
    const b = Object.assign(document.createElement('button'), { type: 'button', className: 'tile' });
    b.dataset.index = String(i);
    b.dataset.label = String(labels[i]);
    b.append(tileCanvas(sample(i)));
    b.addEventListener('click', () => {
      const x = sample(i);
      pad.setBase(tileCanvas(x), 28, 28, x, { dataset: true });
      say(`A real ${labels[i]} from the MNIST test set.`);
      showUnderGallery($('gallery-result'), galleryDigitShown);
      requestScore();
    });
    els.gallery.append(b);
  }
  updateGallery();
}

function updateGallery() {
  const classes = state.photoModel && state.entry ? state.entry.positive_classes : [];
  for (const b of $('photo-gallery').querySelectorAll('button')) {
    const inClass = classes.includes(b.dataset.class);
    b.classList.toggle('in', inClass);
    b.setAttribute('aria-label', `${b.dataset.class.replace(/_/g, ' ')} photo${classes.length ? (inClass ? ': a class of the model (inlier)' : ': not a class of the model (outlier)') : ''}`);
  }
  for (const b of els.gallery.querySelectorAll('button')) {
    const label = Number(b.dataset.label);
    const inClass = label === state.digit;
    b.classList.toggle('in', inClass);
    b.setAttribute('aria-label', state.digit === null ? `MNIST ${label}` : `MNIST ${label}: ${inClass ? 'same digit as the model (inlier)' : 'another digit (outlier)'}`);
  }
}

// ---------- evaluate here ----------
function cancelEval(note = '') {
  state.evalRun++;
  state.evalBusy = false;
  state.evalResult = null;
  els.evalOut.hidden = true;
  els.evalCancel.hidden = true;
  els.evalProgress.value = 0;
  els.evalRun.textContent = 'Evaluate on the sample digits';
  els.evalStatus.textContent = note;
}

async function evaluate() {
  if (!state.samples || !state.c || state.digit === null) return;
  cancelEval();
  const run = state.evalRun;
  state.evalBusy = true;
  const { pixels, labels, n } = state.samples;
  const [digit, lambda, batch] = [state.digit, state.c.lambda, 50];
  const [scores, recon] = [new Array(n), new Array(n)];
  let ms = 0;
  els.evalProgress.max = n;
  els.evalRun.textContent = 'Restart';
  els.evalCancel.hidden = false;
  els.evalStatus.textContent = `Scoring ${n} digits…`;
  try {
    for (let i = 0; i < n; i += batch) {
      if (run !== state.evalRun) return;
      const m = Math.min(batch, n - i);
      // A run cancelled while this waits in the queue skips its batch.
      const r = await exclusive(() => (run === state.evalRun ? state.c.scoreBatch(pixels.subarray(i * PX, (i + m) * PX), m) : null));
      if (run !== state.evalRun || !r) return;
      for (let k = 0; k < m; k++) [scores[i + k], recon[i + k]] = [r.scores[k], r.reconErrors[k]];
      ms += r.ms;
      els.evalProgress.value = i + m;
      await tick(); // let drawing and clicks through between batches
    }
  } catch (e) {
    if (run !== state.evalRun) return;
    cancelEval(`Evaluation failed: ${message(e)}`);
    return say(`Evaluation failed: ${message(e)}`, 'error');
  }
  state.evalBusy = false;
  els.evalCancel.hidden = true;
  els.evalRun.textContent = 'Evaluate again';
  state.evalResult = { digit, lambda, scores, recon, labels: labels.map((l) => l === digit), ms };
  els.evalStatus.textContent = `Scored ${n} digits in ${ms.toFixed(0)} ms on ${backendLabel(state.c.backend)} (λ = ${lambda.toFixed(2)}).`;
  renderEval();
}

function renderEval() {
  const { digit, scores, recon, labels } = state.evalResult;
  const base = recon.map((v) => -v);
  const [a, b] = [auroc(scores, labels), auroc(base, labels)];
  const P = labels.filter(Boolean).length;
  $('eval-auroc').textContent = Number.isNaN(a) ? 'n/a' : a.toFixed(3);
  $('eval-baseline').textContent = Number.isNaN(b) ? 'n/a' : b.toFixed(3);
  $('eval-roc').innerHTML = rocSvg([
    { pts: roc(scores, labels), cls: 'crbnd', label: `CRBND (${a.toFixed(3)})` },
    { pts: roc(base, labels), cls: 'baseline', label: `recon. error (${b.toFixed(3)})` },
  ]);
  $('eval-note').textContent = `Inliers: the ${P} ${digit}s among the ${labels.length} sample digits; outliers: the other ${labels.length - P}.`;
  els.evalOut.hidden = false;
  renderThreshold();
}

/** The parts that depend on the threshold only: redrawn live as its slider moves. */
function renderThreshold() {
  if (!state.evalResult) return;
  const { digit, scores, labels } = state.evalResult;
  // The samples are MNIST images: the model's threshold for those, unless the user set one.
  const t = state.thresholdTouched || !state.info ? state.c.threshold : state.info.threshold;
  const inl = scores.filter((_, i) => labels[i]);
  const out = scores.filter((_, i) => !labels[i]);
  $('eval-hist').innerHTML = histSvg(inl, out, t, { inLabel: `${digit}s (${inl.length})`, outLabel: `other digits (${out.length})` });
  const acc = (arr) => arr.filter((s) => s >= t).length;
  const pct = (k, n) => (n ? `${((100 * k) / n).toFixed(0)}%` : 'n/a');
  const [ai, ao] = [acc(inl), acc(out)];
  $('eval-counts').textContent =
    `At threshold ${t.toFixed(2)}: ${ai} of ${inl.length} ${digit}s accepted as inliers (${pct(ai, inl.length)}), ` +
    `${ao} of ${out.length} other digits wrongly accepted (${pct(ao, out.length)}).`;
}

// ---------- bench ----------
function benchSample() {
  const [c, side] = shapeOf(state.entry);
  if (c !== 1 || side !== 28) {
    const direct = pad.directInput();
    if (direct && direct.length === c * side * side) return direct;
    return Float32Array.from({ length: c * side * side }, (_, i) => ((i * 37) % 101) / 100);
  }
  if (state.samples) {
    const i = state.samples.labels.indexOf(state.digit);
    return sample(i < 0 ? 0 : i);
  }
  // No sprite: a fixed ring, roughly a 0.
  const x = new Float32Array(PX);
  for (let y = 0; y < 28; y++) {
    for (let c = 0; c < 28; c++) x[y * 28 + c] = Math.max(0, 1 - Math.abs(Math.hypot(c - 13.5, (y - 13.5) * 0.75) - 6) / 2);
  }
  return x;
}

async function bench(n = 200) {
  await ready;
  n = Math.max(1, Math.floor(Number(n) || 200));
  const x = benchSample();
  // One exclusive section: live scores wait, so they neither disturb nor join the timings.
  return exclusive(async () => {
    for (let i = 0; i < 5; i++) await state.c.score(x);
    const t = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await state.c.score(x);
      t.push(performance.now() - t0);
    }
    t.sort((p, q) => p - q);
    const q = (p) => Math.round(1000 * t[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]) / 1000;
    return { backend: state.c.backend, p50: q(0.5), p95: q(0.95), n };
  });
}

// ---------- wiring ----------
els.clear.addEventListener('click', () => (pad.clear(), requestScore()));
els.undo.addEventListener('click', () => (pad.undo(), requestScore()));
els.upload.addEventListener('change', () => {
  const f = els.upload.files && els.upload.files[0];
  handleFile(f).finally(() => (els.upload.value = '')); // the same file can be chosen again
});
// Drops anywhere must not navigate away; drops on the drawing area are uploads.
for (const t of ['dragover', 'drop']) window.addEventListener(t, (e) => e.preventDefault());
els.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  els.drop.classList.add('dragging');
});
els.drop.addEventListener('dragleave', () => els.drop.classList.remove('dragging'));
els.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  els.drop.classList.remove('dragging');
  const f = e.dataTransfer && e.dataTransfer.files[0];
  if (f) handleFile(f);
  else say('Drop an image file (PNG, JPEG or WebP) here.', 'error');
});
els.backendSelect.addEventListener('change', () => setBackend(els.backendSelect.value).catch(() => {}));
// The session validates the values; a refusal is shown, the old value stays.
function setParam(fn) {
  try {
    fn();
  } catch (e) {
    say(message(e), 'error');
  }
  showSliderValues();
}
els.lambda.addEventListener('input', () => {
  if (!state.c) return;
  setParam(() => state.c.setLambda(Number(els.lambda.value)));
  if (state.evalResult || state.evalBusy) cancelEval('λ changed: press Evaluate to score the samples again.');
  requestScore();
});
els.threshold.addEventListener('input', () => {
  if (!state.c) return;
  state.thresholdTouched = true;
  setParam(() => state.c.setThreshold(Number(els.threshold.value)));
  placeTick(state.c.threshold);
  renderThreshold();
  requestScore();
});
$('reset').addEventListener('click', () => {
  if (!state.c || !state.entry) return;
  state.c.setLambda(state.entry.lambda);
  state.thresholdTouched = false;
  state.c.setThreshold(modelThreshold());
  syncSliders();
  if (state.evalResult && state.evalResult.lambda !== state.c.lambda) cancelEval('λ changed: press Evaluate to score the samples again.');
  renderThreshold();
  requestScore();
});
els.evalRun.addEventListener('click', () => evaluate());
els.evalCancel.addEventListener('click', () => cancelEval('Cancelled.'));
window.addEventListener('error', (e) => {
  if (!/ResizeObserver/.test(e.message)) say(`Unexpected error: ${e.message}`, 'error');
});

// ---------- start ----------
const startNotes = []; // said once the page is ready, so later progress messages don't hide them
async function createSession(wasm) {
  if (state.build === 'cpu') return wasm.Connective.create('cpu');
  try {
    return await wasm.Connective.create(initialBackend);
  } catch (e) {
    if (initialBackend === 'cpu') throw e;
    // e.g. ?backend=webgpu without WebGPU: run on the CPU rather than not at all, and say so
    startNotes.push(`${backendLabel(initialBackend)} failed (${message(e)}); using the CPU backend.`);
    state.backendPref = els.backendSelect.value = 'cpu';
    return wasm.Connective.create('cpu');
  }
}

async function start() {
  const samples = loadSamples().catch((e) => {
    $('gallery-note').textContent = `Sample digits unavailable: ${message(e)}`;
  });
  const manifestP = fetchOk('models/manifest.json').then((r) => r.json());
  manifestP.catch(() => {}); // reported below, once awaited
  const probe = initialBackend === 'cpu' ? { ok: false, why: 'CPU backend chosen' } : await probeWebgpu();
  state.probe = probe;
  // ?backend=webgpu insists on WebGPU (even on a software adapter) from the start.
  state.build = initialBackend === 'webgpu' && (probe.ok || probe.fallback) ? 'webgpu' : 'cpu';
  if (initialBackend === 'auto') state.buildReason = probe.ok ? `starting on the CPU; loading WebGPU (${probe.name})…` : probe.why;
  if (initialBackend === 'webgpu' && state.build === 'cpu') startNotes.push(`WebGPU is not available (${probe.why}); using the CPU backend.`);
  const wasm = await loadBuild(state.build);
  state.wasm = wasm;
  $('loading-text').textContent = 'Starting the detector…';
  state.c = await createSession(wasm);
  showBackend();
  const manifest = await manifestP.catch((e) => {
    throw new Error(`the model list could not be loaded (${message(e)})`);
  });
  for (const m of (manifest && manifest.models) || []) {
    const pc = m.positive_classes || [];
    if (m.dataset === 'mnist' && pc.length === 1 && /^[0-9]$/.test(pc[0]) && !state.entries.has(Number(pc[0]))) state.entries.set(Number(pc[0]), m);
    if (m.dataset === 'caltech101' && m.config && m.config.autoencoder && m.config.autoencoder.channels === 3) state.photoEntries.set(m.name, m);
  }
  // One-class models first, then by name.
  state.photoEntries = new Map([...state.photoEntries].sort(([a, x], [b, y]) => x.positive_classes.length - y.positive_classes.length || a.localeCompare(b)));
  buildPhotoPicker();
  $('modes').querySelector('[data-mode="photos"]').disabled = !state.photoEntries.size;
  markDigits();
  if (initialMode === 'photos' && state.photoEntries.size) {
    $('loading-text').textContent = 'Loading the photo model…';
    for (let p = enterMode('photos'); ; p = state.pickPromise) {
      try {
        await p;
        break;
      } catch (e) {
        if (state.pickPromise === p) throw e;
      }
    }
    await samples;
    return finishStart();
  }
  if (initialMode === 'photos') startNotes.push('No photo models are listed; showing digits.');
  await enterMode('digits', false);
  if (!state.entries.size) throw new Error('models/manifest.json lists no MNIST digit models');
  let digit = initialDigit;
  if (!state.entries.has(digit)) digit = state.entries.has(3) ? 3 : [...state.entries.keys()].sort()[0];
  $('loading-text').textContent = `Loading the model for ${digit}…`;
  // A digit clicked meanwhile supersedes this load: then wait for that one instead.
  for (let p = setModel(digit); ; p = state.pickPromise) {
    try {
      await p;
      break;
    } catch (e) {
      if (state.pickPromise === p) throw e;
    }
  }
  if (digit !== initialDigit) startNotes.push(`There is no model for ${initialDigit} yet; showing ${digit} instead.`);
  await samples;
  finishStart();
}

function finishStart() {
  if (startNotes.length) say(startNotes.join(' '), 'error');
  $('loading').hidden = true;
  document.body.dataset.ready = 'true';
  markStarted();
  if (initialBackend === 'auto' && state.probe && state.probe.ok && state.build === 'cpu') {
    // The page works already; WebGPU takes over once its runtime has arrived.
    exclusive(() => (state.build === 'cpu' && state.backendPref === 'auto' ? upgradeToWebgpu('auto') : null))
      .then((b) => {
        if (!b) return;
        showBackend();
        say(`Now running on ${backendLabel(b)}: ${state.c.backendReason}`);
        requestScore();
      })
      .catch((e) => {
        state.buildReason = `WebGPU could not start (${message(e)}): CPU backend`;
        showBackend();
      });
  }
}

buildPicker();
document.body.dataset.mode = 'digits';
for (const b of $('modes').querySelectorAll('button')) {
  b.addEventListener('click', () => enterMode(b.dataset.mode).catch(() => {}));
}
markDigits();
showEmpty();
updateButtons();
els.backendSelect.value = initialBackend;

const ready = start().catch((e) => {
  $('loading').hidden = true; // the status area says why, as an alert-style message
  say(`Could not start the detector: ${message(e)}`, 'error');
  if (!state.c) $('backend-reason').textContent = 'not running';
  document.body.dataset.ready = 'failed';
  throw e;
});
ready.catch(() => {}); // failures are shown in the page; callers awaiting `ready` still see them

window.connective = {
  ready,
  get session() {
    return state.c;
  },
  /** Scores 784 grey levels (0–255) with the digit model, shows them on the pad and the panels. */
  async score(pixels) {
    await ready;
    if (state.mode !== 'digits') throw new Error('score() takes digits: call setModel(digit) first');
    if (!pixels || pixels.length !== PX) throw new Error(`expected ${PX} grey levels, got ${pixels ? pixels.length : 'none'}`);
    const x = toUnit(pixels);
    pad.setBase(tileCanvas(x), 28, 28, x, { dataset: true });
    updateButtons();
    wanted = false; // this input supersedes any pending live request
    const r = await scoreNow(x);
    return { score: r.score, verdict: r.verdict, backend: r.backend, ms: r.ms, probability: r.probability, logit: r.logit, parts: r.parts, reconError: r.reconError };
  },
  setModel: (digit) => setModel(digit),
  /** 'digits' or 'photos'; setMode loads that mode's last (or first) model. */
  get mode() {
    return state.mode;
  },
  setMode: (mode) => enterMode(mode),
  setPhotoModel: (name) => setPhotoModel(name),
  get photoModels() {
    return [...state.photoEntries.keys()];
  },
  /** Scores a photo model input: Float32Array of 3·size·size values in [0, 1], channel-major. */
  async scorePhoto(x) {
    await ready;
    if (state.mode !== 'photos' || !state.entry) throw new Error('no photo model loaded: call setMode("photos") first');
    const r = await exclusive(() => state.c.score(x));
    render(x, r);
    return { score: r.score, verdict: r.verdict, backend: r.backend, ms: r.ms, probability: r.probability, logit: r.logit, parts: r.parts, reconError: r.reconError };
  },
  setBackend: (name) => setBackend(name),
  bench,
};

if (params.get('bench') === '1') {
  const show = (text, result) => {
    Object.assign($('bench-result'), { hidden: false, textContent: text }).dataset.result = JSON.stringify(result);
    console.log('BENCH ' + JSON.stringify(result));
  };
  bench(200).then(
    (r) => show(`Benchmark, ${r.n} scores on ${backendLabel(r.backend)}: p50 ${r.p50} ms, p95 ${r.p95} ms`, r),
    (e) => show(`Benchmark failed: ${message(e)}`, { error: message(e) }),
  );
}
