// models.js: the digit picker, loading a digit model into the session, and switching the page
// between digits and photos (photos.js loads the photo detectors).
import { fetchBackbone } from './backbone.js';
import { stopCamera } from './camera.js';
import { cancelEval } from './evaluate.js';
import { showFacts } from './facts.js';
import { updateGallery } from './gallery.js';
import { clearGalleryResults, galleryDigitShown, showUnderGallery } from './kept.js';
import { clearPhoto, loadPhotoSamples, markPhotoModels, setPhotoModel } from './photos.js';
import { checkRadio, wireRadioGroup } from './radio-group.js';
import { pad, requestScore, showEmpty, syncSliders, updateButtons } from './scoring.js';
import { MODES, exclusive, modelLoaded, nextPick, query, started, state, update } from './state.js';
import { $, backendLabel, els, fetchOk, message, say, shapeOf } from './util.js';

export function buildPicker() {
  for (let d = 0; d < 10; d++) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: String(d) });
    b.dataset.digit = String(d);
    b.addEventListener('click', () => setModel(d).catch(() => {})); // setModel reports its errors
    els.digits.append(b);
  }
  // One Tab stop for the ten; the arrow keys move along them and load the digit landed on.
  wireRadioGroup(els.digits, (b) => setModel(Number(b.dataset.digit)).catch(() => {}));
}

/** The picker follows the state: the digit chosen (the one loading, else the one loaded) is checked. */
export function markDigits() {
  const chosen = state.loadingDigit ?? state.digit;
  for (const b of els.digits.querySelectorAll('button')) {
    const d = Number(b.dataset.digit);
    const has = state.entries.has(d);
    b.setAttribute('aria-disabled', String(!has));
    b.classList.toggle('unavailable', !has);
    b.classList.toggle('loading', d === state.loadingDigit);
    b.title = has ? `Detector trained on ${d}s` : `No model for ${d} yet`;
    b.setAttribute('aria-label', has ? `${d}` : `${d} (unavailable)`);
  }
  checkRadio(els.digits, chosen === null ? null : els.digits.querySelector(`button[data-digit="${chosen}"]`));
  els.digits.dataset.value = state.digit === null ? '' : String(state.digit);
}

// The latest valid choice, so start-up can wait for whichever model a click put in its place.
export function setModel(digit) {
  const p = loadDigit(digit);
  if (state.entries.has(Number(digit))) update({ pickPromise: p });
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

/**
 * Loads a digit model's manifest entry into the session: its file from models/ (or the cache),
 * or `bytes` given (a detector taught or opened in the page, digit null).
 */
export async function loadEntry(entry, { digit, label, bytes: given = null }) {
  if (!state.c) throw new Error('the detector is still starting');
  if (state.evalResult || state.evalBusy) cancelEval('The model changed: press Evaluate to score again.');
  const token = nextPick(digit, null);
  markDigits();
  markPhotoModels();
  say(`Loading ${label}…`);
  try {
    let bytes = given || state.bytes.get(entry.file);
    if (!bytes) bytes = new Uint8Array(await (await fetchOk(`models/${encodeURIComponent(entry.file)}`)).arrayBuffer());
    const info = await exclusive(async () => {
      if (token !== state.pick) throw new Error('superseded by a later model choice');
      const info = await state.c.loadModel(JSON.stringify(entry), bytes);
      // Recorded inside the exclusive section so no later score sees a half-switched page.
      modelLoaded({ entry, info, bytes, digit });
      syncSliders();
      return info;
    });
    if (token === state.pick) update({ loadingDigit: null, loadingPhoto: null });
    markDigits();
    markPhotoModels();
    updateGallery();
    clearGalleryResults();
    // The gallery pick still shown is scored again by the new model: its row follows.
    if (galleryDigitShown()) showUnderGallery($('gallery-result'), galleryDigitShown);
    showFacts(entry, info);
    const who = digit === null ? label.replace(/^./, (c) => c.toUpperCase()) : `Model ${info.name}`;
    say(`${who} ready: ${info.parameters.toLocaleString('en')} parameters on ${backendLabel(info.backend)}.`);
    if (pad.isBlank()) {
      showEmpty();
      warmUp(entry);
    }
    requestScore();
    return info;
  } catch (e) {
    if (token === state.pick) {
      update({ loadingDigit: null, loadingPhoto: null });
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
  if (!query.warmup) return; // ?warmup=0, for tests/e2e/phone-bench.mjs: the first score cold
  const n = shapeOf(entry).reduce((a, b) => a * b, 1);
  // After start-up, so that it never holds up the page's first paint.
  started
    .then(() => exclusive(async () => {
      if (state.entry === entry) await state.c.score(new Float32Array(n));
    }))
    .catch(() => {});
}

/** Switches the page between digits and photos; `load` also loads that mode's last model. */
export async function enterMode(mode, load = true) {
  if (!MODES.includes(mode)) throw new Error(`unknown mode "${mode}": use digits, photos or teach`);
  if (mode === 'photos' && !state.photoEntries.size) {
    say('No photo detectors are listed in models/manifest.json.', 'error');
    throw new Error('no photo detectors');
  }
  const changed = state.mode !== mode;
  update({ mode });
  document.body.dataset.mode = mode;
  for (const b of $('modes').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  pad.enabled = mode !== 'photos';
  pad.background = mode !== 'photos' ? '#000' : '#e8ebf0';
  if (changed) {
    pad.clear();
    clearPhoto();
    updateButtons();
    if (state.evalResult || state.evalBusy) cancelEval();
  }
  $('h-draw').textContent = { photos: '1. Pick a detector, then a photo', teach: '1. Draw your symbol', digits: '1. Pick a digit, then draw' }[mode];
  $('upload-label').textContent =
    mode === 'photos'
      ? 'Score a photo (PNG, JPEG or WebP; you can also drop it on the picture area):'
      : 'Or score a photo of a digit (PNG, JPEG or WebP; you can also drop it on the drawing area):';
  if (mode === 'photos') loadPhotoSamples().catch((e) => ($('photo-gallery-note').textContent = `Sample photos unavailable: ${message(e)}`));
  // The backbone (~9.6 MB) only ever downloads here: digits never need it.
  if (mode === 'photos') fetchBackbone().catch(() => {}); // its bar says what went wrong
  else stopCamera();
  if (mode === 'teach') {
    markDigits();
    const t = state.taught;
    if (load && t && state.entry !== t.entry) return loadEntry(t.entry, { digit: null, label: 'your detector', bytes: t.weights });
    showEmpty();
    return;
  }
  if (!load) return;
  if (mode === 'photos') return setPhotoModel(state.lastPhotoModel && state.photoEntries.has(state.lastPhotoModel) ? state.lastPhotoModel : [...state.photoEntries.keys()][0]);
  return setModel(state.entries.has(state.lastDigit) ? state.lastDigit : [...state.entries.keys()].sort()[0]);
}
