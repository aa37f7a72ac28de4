// app.js: starts the page: loads the wasm detector and a model, wires the controls, and installs
// the scripting API (window.connective). Each part of the page is a module in js/:
// state (the one mutable state), scoring (pad, verdict, panels, sliders), margin (the number
// beside the verdict), backend (the two wasm builds), models (picker, loading, modes),
// radio-group (the pickers' keyboard), photos (picker, samples, judging a photo), backbone
// (photos mode's ImageNet network), photo-detector (a detector on it), photo-result, heatmap and
// neighbours (showing a judgement), camera, gallery, uploads, kept, evaluate, facts, teach (teach
// mode, with teach-worker: the visitor's own detector trained in a Web Worker), photo-teach (the
// same for photos, in photos mode), api.
import { installApi } from './js/api.js';
import { createSession, loadBuild, probeWebgpu, setBackend, showBackend, upgradeToWebgpu } from './js/backend.js';
import { wireCamera } from './js/camera.js';
import { cancelEval, evaluate, renderThreshold } from './js/evaluate.js';
import { loadSamples } from './js/gallery.js';
import { wireKept } from './js/kept.js';
import { buildPicker, enterMode, markDigits, setModel } from './js/models.js';
import { buildPhotoPicker } from './js/photos.js';
import { modelThreshold, pad, placeTick, requestScore, showEmpty, showSliderValues, syncSliders, updateButtons } from './js/scoring.js';
import { exclusive, query, setManifest, setStarted, state, update } from './js/state.js';
import { wirePhotoTeach } from './js/photo-teach.js';
import { wireTeach } from './js/teach.js';
import { wireUploads } from './js/uploads.js';
import { $, backendLabel, els, fetchOk, message, say } from './js/util.js';

// ---------- wiring ----------
els.clear.addEventListener('click', () => (pad.clear(), requestScore()));
els.undo.addEventListener('click', () => (pad.undo(), requestScore()));
wireUploads();
wireCamera();
wireKept();
wireTeach();
wirePhotoTeach();
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
  update({ thresholdTouched: true });
  setParam(() => state.c.setThreshold(Number(els.threshold.value)));
  placeTick(state.c.threshold);
  renderThreshold();
  requestScore();
});
$('reset').addEventListener('click', () => {
  if (!state.c || !state.entry) return;
  state.c.setLambda(state.entry.lambda);
  update({ thresholdTouched: false });
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

/** Waits for the model `first` loads, or for whichever one a click put in its place meanwhile. */
async function latestPick(first) {
  for (let p = first; ; p = state.pickPromise) {
    try {
      return await p;
    } catch (e) {
      if (state.pickPromise === p) throw e;
    }
  }
}

async function start() {
  const samples = loadSamples().catch((e) => {
    $('gallery-note').textContent = `Sample digits unavailable: ${message(e)}`;
  });
  const manifestP = fetchOk('models/manifest.json').then((r) => r.json());
  manifestP.catch(() => {}); // reported below, once awaited
  const probe = query.backend === 'cpu' ? { ok: false, why: 'CPU backend chosen' } : await probeWebgpu();
  // ?backend=webgpu insists on WebGPU (even on a software adapter) from the start.
  update({ probe, build: query.backend === 'webgpu' && (probe.ok || probe.fallback) ? 'webgpu' : 'cpu' });
  if (query.backend === 'auto') update({ buildReason: probe.ok ? `starting on the CPU; loading WebGPU (${probe.name})…` : probe.why });
  if (query.backend === 'webgpu' && state.build === 'cpu') startNotes.push(`WebGPU is not available (${probe.why}); using the CPU backend.`);
  const wasm = await loadBuild(state.build);
  update({ wasm });
  $('loading-text').textContent = 'Starting the detector…';
  const { c, note } = await createSession(wasm);
  if (note) startNotes.push(note);
  update({ c });
  showBackend();
  const manifest = await manifestP.catch((e) => {
    throw new Error(`the model list could not be loaded (${message(e)})`);
  });
  setManifest(manifest);
  buildPhotoPicker();
  $('modes').querySelector('[data-mode="photos"]').disabled = !state.photoEntries.size;
  markDigits();
  if (query.mode === 'photos' && state.photoEntries.size) {
    $('loading-text').textContent = 'Loading the photo model…';
    await latestPick(enterMode('photos'));
    await samples;
    return finishStart();
  }
  if (query.mode === 'photos') startNotes.push('No photo models are listed; showing digits.');
  await enterMode('digits', false);
  if (!state.entries.size) throw new Error('models/manifest.json lists no MNIST digit models');
  let digit = query.digit;
  if (!state.entries.has(digit)) digit = state.entries.has(3) ? 3 : [...state.entries.keys()].sort()[0];
  $('loading-text').textContent = `Loading the model for ${digit}…`;
  // A digit clicked meanwhile supersedes this load: then wait for that one instead.
  await latestPick(setModel(digit));
  if (digit !== query.digit) startNotes.push(`There is no model for ${query.digit} yet; showing ${digit} instead.`);
  await samples;
  if (query.mode === 'teach') await enterMode('teach');
  finishStart();
}

function finishStart() {
  if (startNotes.length) say(startNotes.join(' '), 'error');
  $('loading').hidden = true;
  document.body.dataset.ready = 'true';
  setStarted();
  if (query.backend === 'auto' && state.probe && state.probe.ok && state.build === 'cpu') {
    // The page works already; WebGPU takes over once its runtime has arrived.
    exclusive(() => (state.build === 'cpu' && state.backendPref === 'auto' ? upgradeToWebgpu('auto') : null))
      .then((b) => {
        if (!b) return;
        showBackend();
        say(`Now running on ${backendLabel(b)}: ${state.c.backendReason}`);
        requestScore();
      })
      .catch((e) => {
        update({ buildReason: `WebGPU could not start (${message(e)}): CPU backend` });
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
els.backendSelect.value = query.backend;

const ready = start().catch((e) => {
  $('loading').hidden = true; // the status area says why, as an alert-style message
  say(`Could not start the detector: ${message(e)}`, 'error');
  if (!state.c) $('backend-reason').textContent = 'not running';
  document.body.dataset.ready = 'failed';
  throw e;
});
ready.catch(() => {}); // failures are shown in the page; callers awaiting `ready` still see them
installApi(ready);
