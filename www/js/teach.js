// teach.js: teach mode. The visitor draws examples of a symbol of their own on the pad, keeps them
// as thumbnails (delete any), and presses Teach: a Web Worker (teach-worker.js) trains a detector
// on them with the same Rust code as `connective train`, reporting every step (progress bar, time
// left, the loss curves of A and C) while the page stays usable. The detector then judges the pad
// like a digit detector (verdict, x, A(x), the connective image, the error map); "Download
// detector" saves it as one file, "Open detector" loads one back.
import { drawGrey } from './charts.js';
import { loadEntry } from './models.js';
import { pad, requestScore, updateButtons } from './scoring.js';
import { addExample, removeExample, setExamples, setTaught, state, update } from './state.js';
import { $, message, say } from './util.js';

/** The page's recipe wants at least this many; the Rust side says so too, in words. */
export const MIN_EXAMPLES = 6;
const NAME = 'yours';

/** The pad's drawing as the model sees it: 784 grey levels, or null for a blank pad. */
function padInput() {
  if (pad.isBlank()) return null;
  const img = pad.imageData();
  return state.wasm.preprocessRgba(img.data, img.width, img.height);
}

/**
 * Fills `list` with one thumbnail per item (`canvasOf(item, i)` draws it), each with a delete
 * button (`onDelete(i)`), disabled while teaching; the items at `heldOut` (indices) are outlined
 * as the ones that set the threshold. `what` names an item ("example", "photo").
 */
export function renderThumbnails(list, items, { what, canvasOf, onDelete, heldOut }) {
  const Word = what[0].toUpperCase() + what.slice(1);
  list.replaceChildren(
    ...items.map((x, i) => {
      const li = document.createElement('li');
      const cv = canvasOf(x, i);
      cv.setAttribute('role', 'img');
      cv.setAttribute('aria-label', `${what} ${i + 1}`);
      const del = Object.assign(document.createElement('button'), { type: 'button', textContent: '×', title: `Delete ${what} ${i + 1}` });
      del.setAttribute('aria-label', `Delete ${what} ${i + 1}`);
      del.disabled = state.teaching;
      del.addEventListener('click', () => onDelete(i));
      li.append(cv, del);
      if (heldOut.has(i)) {
        li.classList.add('held-out');
        li.title = `${Word} ${i + 1} was held out: it set the threshold, it was not trained on`;
      }
      return li;
    }),
  );
}

/** The held-out indices of `taught`'s result, while `examples` are the ones it was taught on. */
export const heldOutOf = (taught, examples) => new Set(taught && taught.examples === examples && taught.result ? taught.result.heldOutExamples || [] : []);

/** The examples as thumbnails, each with a delete button, and the buttons that depend on them. */
export function renderExamples() {
  renderThumbnails($('teach-examples'), state.examples, {
    what: 'example',
    canvasOf: (x) => {
      const cv = Object.assign(document.createElement('canvas'), { width: 28, height: 28 });
      drawGrey(cv, Float32Array.from(x, (v) => v / 255));
      return cv;
    },
    onDelete: (i) => {
      removeExample(i);
      renderExamples();
    },
    heldOut: heldOutOf(state.taught, state.examples),
  });
  const n = state.examples.length;
  $('teach-count').textContent =
    n === 0 ? 'No examples yet: draw your symbol and add it, 20 to 40 times.' : n < MIN_EXAMPLES ? `${n} example${n > 1 ? 's' : ''}: at least ${MIN_EXAMPLES} to teach, 20 to 40 work best.` : `${n} examples: ready to teach${n < 20 ? ' (20 or more set a surer threshold)' : ''}.`;
  $('teach-run').disabled = state.teaching || n < MIN_EXAMPLES;
  $('teach-clear').hidden = n === 0 || state.teaching;
  updateTeachButtons();
}

export function updateTeachButtons() {
  updateButtons(); // "Add as example" follows the pad, with Clear and Undo
  $('teach-download').disabled = !state.taught || state.teaching;
}

/** Adds the pad's drawing as an example and clears the pad for the next one. */
function addPadExample() {
  let x;
  try {
    x = padInput();
  } catch (e) {
    say(`That drawing cannot be an example: ${message(e)}`, 'error');
    return;
  }
  if (!x) return;
  addExample(x);
  pad.clear();
  updateButtons();
  renderExamples();
  requestScore();
}

// ---------- the loss curves ----------
/** A's and C's step losses, each on its own scale (they are different losses), steps along x. */
export function drawLoss(cv, a, c) {
  const ctx = cv.getContext('2d');
  const [w, h] = [cv.width, cv.height];
  ctx.clearRect(0, 0, w, h);
  ctx.font = '13px system-ui, sans-serif';
  const halves = [
    { xs: a, x0: 0, label: 'A (rebuilding)', colour: '#0b57d0' },
    { xs: c, x0: w / 2, label: 'C (telling x_CP from x_CN)', colour: '#9a4400' },
  ];
  for (const { xs, x0, label, colour } of halves) {
    const [left, top, width, height] = [x0 + 8, 22, w / 2 - 16, h - 30];
    ctx.fillStyle = '#4a5260';
    ctx.fillText(xs.length ? `${label}: ${xs[xs.length - 1].toFixed(3)}` : label, left, 15);
    ctx.strokeStyle = '#c9ced6';
    ctx.strokeRect(left, top, width, height);
    if (xs.length < 2) continue;
    const max = Math.max(...xs);
    const min = Math.min(0, ...xs);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    xs.forEach((v, i) => {
      const x = left + (width * i) / (xs.length - 1);
      const y = top + height - (height * (v - min)) / (max - min || 1);
      if (i) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
    });
    ctx.stroke();
  }
}

export const seconds = (ms) => (ms < 60_000 ? `${Math.max(0, Math.round(ms / 1000))} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

/**
 * Teaches a detector on `images` (Uint8Array(784) each) in a worker and loads it into the page.
 * Resolves to {steps, ms, threshold, heldOut, examples, loss}; rejects with the reason in words.
 */
export async function teach(images, { seconds: budget = null, seed = 1 } = {}) {
  if (state.teaching) throw new Error('a detector is being taught already');
  if (!Array.isArray(images)) throw new Error('images must be an array of 784 grey levels each');
  images.forEach((x, i) => {
    if (!(x instanceof Uint8Array)) throw new Error(`example ${i + 1} is not a Uint8Array`);
  });
  // The page shows what it is taught on (drawings of the wrong size are refused below, in words).
  if (images !== state.examples && images.every((x) => x.length === 784)) setExamples(images.map((x) => Uint8Array.from(x)));
  update({ teaching: true });
  renderExamples();
  $('teach-loss').hidden = false;
  $('teach-result').textContent = `Teaching on ${images.length} examples in your browser…`;
  const t0 = performance.now();
  try {
    const { result, file } = await runTeaching(
      { kind: 'drawings', images: images.map((x) => Uint8Array.from(x)), name: NAME, seed, seconds: budget },
      { box: $('teach-progress-box'), bar: $('teach-progress'), time: $('teach-time'), loss: $('teach-loss') },
    );
    $('teach-time').textContent = `done in ${seconds(performance.now() - t0)}`;
    await useDetectorFile(file, 'your detector', result);
    const r = { steps: result.steps, ms: result.ms, threshold: result.threshold, heldOut: result.heldOut, examples: result.examples, loss: result.loss };
    $('teach-result').textContent =
      `Taught in ${seconds(result.ms)} (${result.steps} steps) on ${result.examples - result.heldOut} of your examples; ` +
      `${result.heldOut} (outlined) were held out to set the threshold (${result.threshold.toFixed(2)}), so that they and jittered copies of them pass. ` +
      'Now draw your symbol, or anything else, and see whether the detector calls it novel.';
    return r;
  } catch (e) {
    $('teach-time').textContent = 'stopped';
    $('teach-result').textContent = `Could not teach: ${message(e)}`;
    throw e;
  } finally {
    update({ teaching: false });
    renderExamples();
  }
}

/**
 * Runs one teaching in a Web Worker (teach-worker.js: `message` is what it trains on) and shows
 * its progress in `ui` ({box, bar, time, loss}: the progress box, bar, time-left line and loss
 * canvas). Resolves to the worker's {result, file}; rejects with its reason.
 */
export async function runTeaching(message, ui) {
  ui.box.hidden = false;
  ui.bar.value = 0;
  ui.time.textContent = 'starting…';
  const lossA = [];
  const lossC = [];
  drawLoss(ui.loss, lossA, lossC);
  const t0 = performance.now();
  const worker = new Worker(new URL('./teach-worker.js', import.meta.url), { type: 'module' });
  let frame = 0;
  try {
    const done = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if (data.type === 'progress') {
          (data.phase === 'A' ? lossA : lossC).push(data.loss);
          ui.bar.max = data.total;
          ui.bar.value = data.done;
          const spent = performance.now() - t0;
          const left = data.done ? (spent * (data.total - data.done)) / data.done : NaN;
          ui.time.textContent = `${data.phase === 'A' ? 'A, the reconstructor' : 'C, the classifier'}: step ${data.done} of ${data.total}${Number.isFinite(left) ? `, about ${seconds(left)} left` : ''}`;
          // One redraw per frame however fast the steps come.
          if (!frame) frame = requestAnimationFrame(() => ((frame = 0), drawLoss(ui.loss, lossA, lossC)));
        } else if (data.type === 'done') resolve(data);
        else reject(new Error(data.message));
      };
      worker.onerror = (e) => reject(new Error(e.message || 'the teaching worker failed to start'));
      worker.postMessage(message);
    });
    drawLoss(ui.loss, lossA, lossC);
    ui.bar.value = ui.bar.max;
    return done;
  } finally {
    worker.terminate();
  }
}

/** Loads a detector file (taught here, or opened) into the session as the visitor's detector. */
async function useDetectorFile(file, label, result = null) {
  const { kind, entry: json, weights } = state.wasm.readDetectorFile(file, label);
  if (kind !== 'drawings') throw new Error('that file holds a photo detector: open it in photos mode');
  const entry = JSON.parse(json);
  if (entry.config.autoencoder.size !== 28 || entry.config.autoencoder.channels !== 1) throw new Error('this page judges 28×28 drawings; that detector takes other images');
  setTaught({ entry, weights, file, result, examples: result ? state.examples : null });
  updateTeachButtons();
  // Taught while the visitor looked at digits or photos: it waits for teach mode (enterMode loads it).
  if (state.mode === 'teach') await loadEntry(entry, { digit: null, label, bytes: weights });
  else say('Your detector is ready: open Teach to try it.');
}

/** The visitor's detector file (entry and weights), as "Download detector" saves it. */
export function exportDetector() {
  if (!state.taught) throw new Error('no detector has been taught or opened yet');
  return Uint8Array.from(state.taught.file);
}

/** Opens a detector file (bytes) as the visitor's detector; the previous one stays on any error. */
export async function openDetector(bytes, name = 'the opened detector') {
  if (!(bytes instanceof Uint8Array)) throw new Error('a detector file is a Uint8Array of bytes');
  if (state.teaching) throw new Error('wait for the teaching to finish');
  await useDetectorFile(bytes, name);
  $('teach-result').textContent = `Opened ${name}: threshold ${state.taught.entry.threshold.toFixed(2)}, ${state.taught.entry.threshold_rule}.`;
}

/** Saves a taught detector ({file, entry}) as NAME.connective (the browser's download). */
export function downloadDetector(taught) {
  if (!taught) return;
  const url = URL.createObjectURL(new Blob([taught.file], { type: 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: `${taught.entry.name}.connective` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function wireTeach() {
  $('teach-add').addEventListener('click', addPadExample);
  $('teach-run').addEventListener('click', () => teach(state.examples).catch((e) => say(`Could not teach: ${message(e)}`, 'error')));
  $('teach-clear').addEventListener('click', () => {
    while (state.examples.length) removeExample(0);
    renderExamples();
  });
  $('teach-download').addEventListener('click', () => downloadDetector(state.taught));
  $('teach-open').addEventListener('change', async (e) => {
    const f = e.target.files && e.target.files[0];
    e.target.value = '';
    if (!f) return;
    try {
      if (f.size > 64 * 1024 * 1024) throw new Error(`${f.name} is ${(f.size / 1048576).toFixed(0)} MB, more than a detector file holds`);
      await openDetector(new Uint8Array(await f.arrayBuffer()), f.name);
    } catch (err) {
      say(`Could not open ${f.name}: ${message(err)}. ${state.taught ? 'Your detector stays as it was.' : ''}`, 'error');
    }
  });
  renderExamples();
}

