// api.js: the page's scripting API (window.connective), its latency benchmark, and ?bench=1.
import { setBackend } from './backend.js';
import { tileCanvas } from './charts.js';
import { sample } from './gallery.js';
import { enterMode, setModel } from './models.js';
import { setPhotoModel } from './photos.js';
import { judge } from './photo-detector.js';
import { dropPendingScore, pad, scoreNow, updateButtons } from './scoring.js';
import { exclusive, query, state } from './state.js';
import { judge as judgePhotoWith } from './photo-detector.js';
import { teachPhotos, usePhotoFile } from './photo-teach.js';
import { exportDetector, openDetector, teach } from './teach.js';
import { $, PX, backendLabel, message } from './util.js';

/** A fixed input for the benchmark: a sample of the model's digit, else a ring. */
function benchSample() {
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

/** p50 and p95 of `t` (ms), rounded to µs. */
function quantiles(t) {
  t.sort((p, q) => p - q);
  const n = t.length;
  const q = (p) => Math.round(1000 * t[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]) / 1000;
  return { p50: q(0.5), p95: q(0.95), n };
}

/**
 * Photos mode: times `n` verdicts (backbone, detector, read-back; PhotoDetector.judge) of the photo
 * shown, or of a fixed grey picture, after 3 warm-up ones.
 */
async function benchPhoto(n) {
  const entry = state.photoEntries.get(state.photoModel);
  if (!entry) throw new Error('no photo detector loaded');
  const p = state.photo || { rgba: new Uint8ClampedArray(256 * 192 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 251)), width: 256, height: 192 };
  for (let i = 0; i < 3; i++) await judge(entry, p.rgba, p.width, p.height);
  const t = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await judge(entry, p.rgba, p.width, p.height);
    t.push(performance.now() - t0);
  }
  return { backend: state.c.backend, model: entry.name, side: entry.config.side, ...quantiles(t) };
}

/** `ready`; or, when the start failed on its first model, a model the visitor has loaded since. */
async function startedOrRecovered(ready) {
  try {
    await ready;
  } catch (e) {
    if (!(state.c && state.entry)) throw e;
  }
}

/** Times `n` scores of one input after 5 warm-up scores (photos mode: verdicts); p50 and p95 in ms. */
async function bench(ready, n = 200) {
  await startedOrRecovered(ready);
  n = Math.max(1, Math.floor(Number(n) || 200));
  if (state.mode === 'photos') return benchPhoto(n);
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
    return { backend: state.c.backend, ...quantiles(t) };
  });
}

/** 784 grey levels as a Uint8Array; anything else than integers in 0–255 is refused. */
function greyLevels(pixels) {
  if (!pixels || pixels.length !== PX) throw new Error(`expected ${PX} grey levels, got ${pixels ? pixels.length : 'none'}`);
  if (pixels instanceof Uint8Array) return pixels;
  const i = Array.prototype.findIndex.call(pixels, (v) => !(Number.isInteger(v) && v >= 0 && v <= 255));
  if (i >= 0) throw new Error(`grey level ${i} is ${pixels[i]}, not an integer in 0–255`);
  return Uint8Array.from(pixels);
}

const summary = (r) => ({
  score: r.score, verdict: r.verdict, judgedBy: r.judgedBy, threshold: r.threshold, backend: r.backend, ms: r.ms, probability: r.probability,
  logit: r.logit, parts: r.parts, reconError: r.reconError, neighbours: r.neighbours, nearest: r.nearest,
});

/** window.connective; `ready` settles once the page has started (or failed to). */
export function installApi(ready) {
  window.connective = {
    ready,
    get session() {
      return state.c;
    },
    /** Scores 784 grey levels (0–255) with the digit model, shows them on the pad and the panels. */
    async score(pixels) {
      await startedOrRecovered(ready);
      if (state.mode === 'photos') throw new Error('score() takes drawings: call setModel(digit) or teach() first');
      if (state.mode === 'teach' && !(state.taught && state.entry === state.taught.entry)) throw new Error('no detector taught yet: call teach() first');
      const x = greyLevels(pixels);
      pad.setBase(tileCanvas(x), 28, 28, x, { dataset: true });
      updateButtons();
      dropPendingScore(); // this input supersedes any pending live request
      return summary(await scoreNow(x));
    },
    setModel: (digit) => setModel(digit),
    /** 'digits' or 'photos'; setMode loads that mode's last (or first) model. */
    get mode() {
      return state.mode;
    },
    /** The model in use: the digit model ("mnist-3") or, in photos mode, the photo detector ("photo-airplanes"). */
    get model() {
      if (state.mode === 'photos') return state.photoModel;
      return state.entry ? state.entry.name : null;
    },
    setMode: (mode) => enterMode(mode),
    setPhotoModel: (name) => setPhotoModel(name),
    get photoModels() {
      return [...state.photoEntries.keys()];
    },
    /** The photo detector's judgement of the photo shown (verdict, scores, nearest, errorMap), or null. */
    get photoResult() {
      return state.judgement;
    },
    setBackend: (name) => setBackend(name),
    /**
     * Teaches a detector and makes it the active one. `images`: Uint8Array(784) drawings (28×28
     * grey levels, white strokes on black, as the pad gives them; teach mode), or photos
     * {rgba, width, height} (photos mode, on the backbone). Runs in a Web Worker; resolves to
     * {steps, ms, threshold, heldOut, examples, loss: {a, c}}.
     */
    async teach({ images, seconds = null, seed = 1 } = {}) {
      await startedOrRecovered(ready);
      if (Array.isArray(images) && images.length && images[0] && images[0].rgba) return teachPhotos(images, { seconds, seed });
      if (state.mode !== 'teach') await enterMode('teach');
      return teach(images, { seconds, seed });
    },
    /**
     * The visitor's detector as one file (entry and weights), as "Download detector" saves it:
     * the photo detector in photos mode, else the drawing detector.
     */
    async exportDetector() {
      if (state.mode === 'photos') {
        if (!state.taughtPhoto) throw new Error('no photo detector has been taught or opened yet');
        return Uint8Array.from(state.taughtPhoto.file);
      }
      return exportDetector();
    },
    /** Opens a detector file (Uint8Array): a drawing detector in teach mode, a photo detector in photos mode. */
    async openDetector(bytes) {
      await startedOrRecovered(ready);
      if (!(bytes instanceof Uint8Array)) throw new Error('a detector file is a Uint8Array of bytes');
      const { kind } = state.wasm.readDetectorFile(bytes, 'the detector file');
      if (kind === 'photos') return usePhotoFile(bytes);
      if (state.mode !== 'teach') await enterMode('teach');
      return openDetector(bytes);
    },
    /** Photos mode: judges a photo {rgba, width, height} with the chosen photo detector (not shown). */
    async judgePhoto({ rgba, width, height }) {
      await startedOrRecovered(ready);
      const entry = state.photoEntries.get(state.photoModel);
      if (state.mode !== 'photos' || !entry) throw new Error('judgePhoto() needs photos mode and a photo detector');
      const r = await judgePhotoWith(entry, rgba, width, height);
      return { verdict: r.verdict, score: r.score, threshold: r.threshold, judgedBy: r.judgedBy, logit: r.logit, reconError: r.reconError, neighbours: r.neighbours, nearest: r.nearest };
    },
    bench: (n) => bench(ready, n),
  };

  if (query.bench) {
    const show = (text, result) => {
      Object.assign($('bench-result'), { hidden: false, textContent: text }).dataset.result = JSON.stringify(result);
      console.log('BENCH ' + JSON.stringify(result));
    };
    bench(ready, 200).then(
      (r) => show(`Benchmark, ${r.n} ${r.side ? `verdicts of ${r.model} at ${r.side} px` : 'scores'} on ${backendLabel(r.backend)}: p50 ${r.p50} ms, p95 ${r.p95} ms`, r),
      (e) => show(`Benchmark failed: ${message(e)}`, { error: message(e) }),
    );
  }
}
