// state.js: the page's one mutable state and the only code that changes it. Other modules read
// `state` (a read-only view) and change it through the functions below, so every write is here.

const params = new URLSearchParams(location.search);
export const BACKENDS = ['auto', 'webgpu', 'cpu'];
export const MODES = ['digits', 'photos', 'teach'];
/** What the URL asks for: ?backend=, ?digit=, ?mode=, ?warmup=0, ?bench=1. */
export const query = {
  backend: BACKENDS.includes(params.get('backend')) ? params.get('backend') : 'auto',
  digit: /^[0-9]$/.test(params.get('digit') ?? '') ? Number(params.get('digit')) : 3,
  mode: MODES.includes(params.get('mode')) ? params.get('mode') : 'digits',
  warmup: params.get('warmup') !== '0',
  bench: params.get('bench') === '1',
};

const s = {
  wasm: null, // the wasm-bindgen module (preprocessRgba, auroc, …)
  c: null, // the Connective session
  entries: new Map(), // digit → manifest entry
  bytes: new Map(), // model file → verified bytes, so switching back is instant
  digit: null, // digit of the loaded model
  entry: null,
  pick: 0, // bumped per model choice: the latest choice wins
  pickPromise: null,
  loadingDigit: null,
  loadingPhoto: null,
  backendPref: query.backend,
  probe: null, // what the start-up WebGPU probe found
  samples: null, // {grey: Uint8Array(n·784), labels: number[], n, rows, columns}
  build: 'cpu', // which wasm build runs: 'webgpu' (pkg/) or 'cpu' (pkg-cpu/)
  buildReason: '', // why the CPU build was chosen at start, until the user switches
  evalRun: 0, // bumped to cancel a running evaluation
  evalBusy: false,
  evalResult: null,
  mode: 'digits', // or 'photos'; enterMode switches
  photoEntries: new Map(), // photo detector name → its entry of manifest.photos
  photoModel: null, // name of the loaded photo detector
  photo: null, // the photo shown: {rgba, width, height, name, kind: 'upload' | 'gallery' | 'camera'}
  judgement: null, // what the detector said of it (window.connective.photoResult)
  lastPhotoModel: null,
  lastDigit: query.digit,
  photoSamples: null, // [{file, class, source}] from samples/photos/photos.json
  shown: null, // what the panels show now, for "Keep for comparison"
  afterRender: null, // a gallery pick's wish to see its result under the gallery, once
  info: null, // what loadModel read from the entry (thresholds, C count, score rule)
  thresholdTouched: false, // the user moved the threshold slider: it no longer follows the model
  examples: [], // teach mode: the visitor's drawings, Uint8Array(784) each
  taught: null, // teach mode: the visitor's detector {entry, weights, file, result}
  teaching: false, // a teaching run is going on (in a worker)
  photoExamples: [], // photos mode: the visitor's photos to teach, {rgba, width, height, name, thumb}
  taughtPhoto: null, // photos mode: the visitor's photo detector {entry, weights, file}
};

/** The state, read-only: a write outside this module is a bug, and throws. */
export const state = new Proxy(s, {
  set(_, key) {
    throw new Error(`state.${String(key)} is changed through state.js`);
  },
});

/** Sets plain fields (the session, the build, the mode, flags): `patch` names them. */
export function update(patch) {
  for (const key of Object.keys(patch)) if (!(key in s)) throw new Error(`no state field ${key}`);
  Object.assign(s, patch);
}

/** Reads the manifest: digit models (`models`, one MNIST class each) and photo detectors (`photos`). */
export function setManifest(manifest) {
  for (const m of (manifest && manifest.models) || []) {
    const pc = m.positive_classes || [];
    if (m.dataset === 'mnist' && pc.length === 1 && /^[0-9]$/.test(pc[0]) && !s.entries.has(Number(pc[0]))) s.entries.set(Number(pc[0]), m);
  }
  for (const m of (manifest && manifest.photos) || []) if (m && m.name && m.file && m.config) s.photoEntries.set(m.name, m);
  // One-class models first, then by name.
  s.photoEntries = new Map([...s.photoEntries].sort(([a, x], [b, y]) => x.positive_classes.length - y.positive_classes.length || a.localeCompare(b)));
}

/** A new model choice: returns its token; only the latest token may finish loading. */
export function nextPick(digit, photo) {
  Object.assign(s, { loadingDigit: digit, loadingPhoto: photo });
  return ++s.pick;
}

/** The session now holds `entry` (its bytes verified): the page follows. */
export function modelLoaded({ entry, info, bytes, digit }) {
  // Loading resets λ and the threshold to the model's.
  Object.assign(s, { info, entry, digit, thresholdTouched: false });
  if (digit !== null) s.lastDigit = digit; // a taught detector has no digit

  s.bytes.set(entry.file, bytes); // only verified bytes are cached
}

/** Teach mode's examples: adds one drawing (784 grey levels), or removes the one at `i`. */
export function addExample(x) {
  s.examples = [...s.examples, x];
}
export function setExamples(list) {
  s.examples = [...list];
}
export function removeExample(i) {
  s.examples = s.examples.filter((_, k) => k !== i);
}

/** Photos mode's examples to teach: the whole list. */
export function setPhotoExamples(list) {
  s.photoExamples = [...list];
}

/** The visitor's photo detector: its entry joins the photo detectors (the picker lists it). */
export function setTaughtPhoto(taught) {
  s.taughtPhoto = taught;
  s.photoEntries.set(taught.entry.name, taught.entry);
}

/** The visitor's detector, taught here or opened from a file: {entry, weights, file, result}. */
export function setTaught(taught) {
  s.taught = taught;
}

/** Stops any running evaluation (its batches see a new run number) and forgets the last result. */
export function nextEvalRun() {
  Object.assign(s, { evalBusy: false, evalResult: null });
  return ++s.evalRun;
}

/** The callback a gallery pick left for the next rendered result, handed out once. */
export function takeAfterRender() {
  const after = s.afterRender;
  s.afterRender = null;
  return after;
}

// Every call into the session runs one at a time: the wasm side holds one model and device,
// and a model swap or backend switch must not interleave with a score.
let chain = Promise.resolve();
export function exclusive(fn) {
  const p = chain.then(fn);
  chain = p.catch(() => {});
  return p;
}

// Resolved once the page is up (finishStart): work that can wait, waits for it.
let markStarted;
export const started = new Promise((resolve) => (markStarted = resolve));
export const setStarted = () => markStarted();
