// scoring.js: the drawing pad, live scoring (latest input wins), the verdict, the four panels,
// the gauge and the λ / threshold sliders.
import { DrawPad } from './draw.js';
import { drawBlank, drawHeat, drawImage, sigmoid } from './charts.js';
import { margin } from './margin.js';
import { hideNearest, showNearest } from './references.js';
import { judgeShown } from './photos.js';
import { exclusive, state, takeAfterRender, update } from './state.js';
import { $, backendLabel, byNeighbours, els, isBlankError, message, panels, say, scoreDecimals, shapeOf } from './util.js';

export const pad = new DrawPad($('pad'), { onDraw: () => requestScore(), onStrokeEnd: () => requestScore() });

/**
 * The model input now: a sample/photo's own pixels while nothing is drawn on it, else the canvas
 * read back as 784 grey levels (Uint8Array; the wasm session converts them to [0, 1]).
 */
function currentInput() {
  if (pad.isBlank()) return null;
  const direct = pad.directInput();
  if (direct) return direct;
  const img = pad.imageData();
  return state.wasm.preprocessRgba(img.data, img.width, img.height);
}

// Live scoring: at most one score in flight; requests meanwhile collapse into one more run,
// which reads the input as it is then (latest wins), so fast drawing never builds a queue.
let wanted = false;
let pumping = false;
export function requestScore() {
  updateButtons();
  if (state.mode === 'photos') return judgeShown(); // a photo detector judges the photo shown
  // Teach mode judges with the visitor's detector only (never with the digit model still loaded).
  if (state.mode === 'teach' && !taughtInSession()) return showEmpty();
  wanted = true;
  if (!pumping && state.c && state.wasm && state.entry) pump();
}

/** Drops a pending live request: an input scored directly (window.connective) supersedes it. */
export const dropPendingScore = () => (wanted = false);

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
// the penned and redrawn tables). The session picks it from the input's kind; until the user
// moves the slider, the threshold follows the input.
export function modelThreshold() {
  if (!state.info) return state.c.threshold;
  return state.c.thresholdFor(pad.isDatasetImage() ? 'dataset' : 'drawn');
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

/** Scores `x` (grey levels or values in [0, 1]) and shows the result. */
export async function scoreNow(x) {
  followModelThreshold();
  const r = await exclusive(() => state.c.score(x));
  render(x, r);
  return r;
}

/** Whether the session holds the visitor's own detector (taught or opened in teach mode). */
export const taughtInSession = () => !!state.taught && state.entry === state.taught.entry;

/** What the loaded detector knows, for the verdict: "a 3", "an 8", "your symbol". */
const what = () => (state.digit === null ? 'your symbol' : `${state.digit === 8 ? 'an' : 'a'} ${state.digit}`);

export function render(x, r) {
  if (state.mode === 'teach' && !taughtInSession()) return; // a result for the digit model left behind
  const shape = shapeOf(state.entry);
  if (x.length !== shape[0] * shape[1] * shape[2]) return; // a result for a model since replaced
  drawImage(panels.input, r.input, shape);
  drawImage(panels.recon, r.reconstruction, shape);
  drawImage(panels.conn, r.connective, shape);
  drawHeat(panels.error, r.errorMap, shape);
  const inlier = r.verdict === 'inlier';
  const kind = inlier ? 'inlier' : 'novel';
  const span = (className, text) => Object.assign(document.createElement('span'), { className, textContent: text });
  // The symbol and the words carry the verdict without colour; the text reads "✓ inlier — looks like a 3".
  els.verdict.replaceChildren(span('verdict-word', inlier ? '✓ inlier' : '✗ novel'), span('sr-only', ' — '), span('verdict-what', inlier ? `looks like ${what()}` : `not ${what()}`));
  els.verdict.className = `verdict ${kind}`;
  // Beside it, the score's distance from the threshold, on the verdict's side by construction;
  // a combined-score model (eq. 6′) judges by C and A's error together: the line under the gauge
  // shows both parts.
  const dp = scoreDecimals(state.info);
  const m = margin(r, dp);
  const big = span(`margin ${kind}`, ` ${m.words}`);
  big.prepend(Object.assign(document.createElement('b'), { textContent: m.number }));
  els.score.replaceChildren(big, span('sr-only', ', '), span('score-parts', `score ${r.score.toFixed(dp)}, threshold ${r.threshold.toFixed(dp)}`));
  els.score.dataset.margin = String(m.value);
  els.fill.style.width = `${(100 * gaugeAt(r.score)).toFixed(1)}%`;
  els.fill.className = `gauge-fill ${inlier ? 'inlier' : 'novel'}`;
  placeTick(r.threshold);
  els.latency.textContent = `${r.ms.toFixed(1)} ms on ${backendLabel(r.backend)} ·`;
  const signed = (v) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;
  // A detector judged by its nearest training digits shows them; C and A's numbers stay beside.
  if (r.judgedBy === 'neighbours') showNearest(state.entry, r.nearest, state.digit === null ? 'drawings' : `${state.digit}s`);
  else hideNearest();
  els.recon.textContent =
    r.judgedBy === 'neighbours'
      ? `C’s f(x) ${signed(r.logit)} · reconstruction error ${r.reconError.toFixed(4)}`
      : r.parts
        ? `score = mean of C’s part ${signed(r.parts[0])} and A’s part ${signed(r.parts[1])} ` +
          `(reconstruction error ${r.reconError.toFixed(4)}); 0 = as typical as the training images`
        : `reconstruction error ${r.reconError.toFixed(4)}`;
  const shown = { inlier, verdict: els.verdict.textContent, margin: m.text, decimals: dp, score: r.score, reconError: r.reconError, lambda: r.lambda, threshold: r.threshold, model: state.entry.name };
  update({ shown });
  $('keep').disabled = false;
  const after = takeAfterRender();
  if (after) after(shown);
}

export function showEmpty() {
  if (state.c) followModelThreshold(); // a blank pad waits for a drawing
  hideNearest();
  const side = shapeOf(state.entry)[1];
  for (const c of Object.values(panels)) drawBlank(c, side);
  els.verdict.textContent = state.mode !== 'teach' ? 'Draw a digit' : taughtInSession() ? 'Draw your symbol, or anything else' : state.teaching ? 'Teaching…' : 'Add examples, then Teach';
  els.verdict.className = 'verdict empty';
  els.score.textContent = '—';
  delete els.score.dataset.margin;
  els.fill.style.width = '0';
  els.recon.textContent = '';
  update({ shown: null });
  $('keep').disabled = true;
}

/**
 * Where a score falls on the gauge, 0…1. A logit (any real number) is squashed by the sigmoid; a
 * similarity to the nearest training digits is shown from 0.75 to 1, where every threshold lies
 * (0.92–0.97). Neither is a probability.
 */
export const gaugeAt = (score) => (byNeighbours(state.info) ? Math.min(1, Math.max(0, (score - GAUGE_FROM) / (1 - GAUGE_FROM))) : sigmoid(score));
const GAUGE_FROM = 0.75;

// The tick sits where the threshold falls on the gauge; its label follows it, kept inside the card.
export const placeTick = (threshold) => {
  const at = 100 * gaugeAt(threshold);
  els.tick.style.left = `${at.toFixed(1)}%`;
  els.tickLabel.style.left = `${Math.min(90, Math.max(10, at)).toFixed(1)}%`;
};
export const updateButtons = () => {
  els.undo.disabled = els.clear.disabled = pad.isBlank();
  $('teach-add').disabled = state.teaching || pad.isBlank() || state.examples.length >= 200;
};

// ---------- sliders ----------
export function syncSliders() {
  const c = state.c;
  const t = state.entry ? state.entry.threshold : c.threshold;
  els.lambda.value = String(c.lambda);
  // A similarity moves in thousandths between 0.75 and 1 (the gauge's span); a logit in tenths, ±8.
  const near = byNeighbours(state.info);
  els.threshold.min = String(near ? GAUGE_FROM : t - 8);
  els.threshold.max = String(near ? 1 : t + 8);
  els.threshold.step = near ? '0.001' : '0.1';
  els.threshold.value = String(c.threshold);
  placeTick(c.threshold);
  showSliderValues();
}

export function showSliderValues() {
  els.lambdaOut.textContent = state.c ? state.c.lambda.toFixed(2) : '';
  els.thresholdOut.textContent = state.c ? state.c.threshold.toFixed(scoreDecimals(state.info)) : '';
  $('threshold-which').textContent = thresholdWords();
}

/** Whose threshold the slider shows. */
function thresholdWords() {
  if (!state.c || !state.info) return '';
  if (state.thresholdTouched) return '(yours; Reset goes back to the model’s)';
  if (state.info.drawnThreshold === state.info.threshold) return '(the model’s)';
  return pad.isDatasetImage() ? '(the model’s, for MNIST images)' : '(the model’s, for drawings and uploads)';
}
