// photos.js: photos mode: the photo detector picker (manifest.photos), the sample photo gallery,
// and judging a decoded photo (a gallery pick, an upload or a camera frame): the latest photo
// wins, and a new detector judges the photo shown again.
import { showPhotoFacts } from './facts.js';
import { updateGallery } from './gallery.js';
import { enterMode } from './models.js';
import { setGalleries } from './neighbours.js';
import { detectorFor, judge } from './photo-detector.js';
import { renderEmpty, renderJudgement } from './photo-result.js';
import { checkRadio, wireRadioGroup } from './radio-group.js';
import { pad, updateButtons } from './scoring.js';
import { nextPick, state, update } from './state.js';
import { $, backendLabel, canvas2d, classWords, fetchOk, message, say } from './util.js';

export function buildPhotoPicker() {
  const box = $('photo-models');
  box.replaceChildren();
  // One Tab stop for the detectors, as for the digits (called once, at start).
  wireRadioGroup(box, (b) => setPhotoModel(b.dataset.model).catch(() => {}));
  for (const [name, entry] of state.photoEntries) {
    const b = Object.assign(document.createElement('button'), { type: 'button', textContent: classWords(entry) });
    b.dataset.model = name;
    b.title = `Detector trained on Caltech 101 photos of ${classWords(entry)}`;
    b.addEventListener('click', () => setPhotoModel(name).catch(() => {}));
    box.append(b);
  }
  markPhotoModels();
}

/** The picker follows the state: the detector chosen (the one loading, else the one loaded) is checked. */
export function markPhotoModels() {
  const box = $('photo-models');
  const chosen = state.loadingPhoto ?? state.photoModel;
  for (const b of box.querySelectorAll('button')) b.classList.toggle('loading', b.dataset.model === state.loadingPhoto);
  checkRadio(box, [...box.querySelectorAll('button')].find((b) => b.dataset.model === chosen) || null);
  box.dataset.value = state.photoModel || '';
}

/** Loads the photo detector `name` (and the backbone, the first time); the latest choice wins. */
export async function setPhotoModel(name) {
  const entry = state.photoEntries.get(name);
  if (!entry) {
    const why = state.photoEntries.size ? `no photo detector "${name}" (there are: ${[...state.photoEntries.keys()].join(', ')})` : 'no photo detectors are listed in models/manifest.json';
    say(`Cannot switch: ${why}.`, 'error');
    throw new Error(why);
  }
  if (state.mode !== 'photos') await enterMode('photos', false);
  const token = nextPick(null, name);
  markPhotoModels();
  say(`Loading the photo detector for ${classWords(entry)}…`);
  const p = (async () => {
    try {
      await detectorFor(entry);
      if (token !== state.pick) throw new Error('superseded by a later model choice');
      update({ photoModel: name, lastPhotoModel: name, loadingPhoto: null });
      markPhotoModels();
      updateGallery();
      showPhotoFacts(entry);
      say(`Photo detector ${name} ready on ${backendLabel(state.c.backend)}: ${classWords(entry)}, judged at ${entry.config.side}×${entry.config.side}.`);
      judgeShown();
      return name;
    } catch (e) {
      if (token === state.pick) {
        update({ loadingPhoto: null });
        markPhotoModels();
        const keep = state.photoModel ? ` Still using ${state.photoModel}.` : '';
        say(`Could not load the photo detector for ${classWords(entry)}: ${message(e)}.${keep}`, 'error');
      }
      throw e;
    }
  })();
  update({ pickPromise: p });
  return p;
}

/** Forgets the photo shown (entering photos mode, or leaving it). */
export function clearPhoto() {
  update({ photo: null, judgement: null });
  document.dispatchEvent(new Event('photo-shown'));
  renderEmpty($('photo-judgement'), 'Upload, photograph or pick a photo');
  $('photo-gallery-result').hidden = true;
}

/**
 * Shows a decoded picture on the picture area and judges it with the photo detector (`kind`:
 * 'upload', 'gallery' or 'camera').
 */
export function showPhoto(source, width, height, name, kind = 'upload') {
  // Downscale first: the detector needs at most 224 px and preprocessing refuses huge pictures.
  const scale = Math.min(1, 512 / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const [cv, ctx] = canvas2d(w, h);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, w, h);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  pad.setBase(cv, w, h);
  updateButtons();
  update({ photo: { rgba, width: w, height: h, name, kind } });
  document.dispatchEvent(new Event('photo-shown')); // "Add the photo shown" (photo-teach.js) follows
  const side = state.photoModel ? state.photoEntries.get(state.photoModel).config.side : null;
  say(`${name}: ${width}×${height}${side ? `, judged on its centre square at ${side}×${side}` : ''}.`);
  judgeShown();
}

// At most one judgement in flight; photos meanwhile collapse into one more run on the latest.
let wanted = false;
let busy = false;

/** Judges the photo shown with the detector chosen now (again after a detector or backend change). */
export function judgeShown() {
  wanted = true;
  if (!busy) pump();
}

async function pump() {
  busy = true;
  try {
    while (wanted) {
      wanted = false;
      const [photo, name] = [state.photo, state.photoModel];
      if (!photo) continue;
      if (!name) {
        say('The photo detector is still loading: the photo is judged once it is ready.');
        continue;
      }
      const entry = state.photoEntries.get(name);
      try {
        const r = await judge(entry, photo.rgba, photo.width, photo.height);
        if (state.photo !== photo || state.photoModel !== name || state.mode !== 'photos') continue; // superseded
        show(r, entry, photo);
      } catch (e) {
        say(`Judging failed: ${message(e)}`, 'error');
      }
    }
  } finally {
    busy = false;
  }
}

let runs = 0;
function show(r, entry, photo) {
  runs++;
  const main = renderJudgement($('photo-judgement'), r, entry);
  const under = $('photo-gallery-result');
  under.hidden = photo.kind !== 'gallery';
  const shown = photo.kind === 'gallery' ? renderJudgement(under, r, entry, { compact: true }) : Promise.resolve();
  const summary = {
    model: entry.name, source: photo.kind, verdict: r.verdict, score: r.score, threshold: r.threshold, judgedBy: r.judgedBy,
    logit: r.logit, reconError: r.reconError, neighbours: r.neighbours, combined: r.combined, nearest: r.nearest,
    mapShape: r.mapShape, side: r.side, ms: r.ms, backend: r.backend, errorMap: Array.from(r.errorMap),
  };
  update({ judgement: summary });
  // The backbone's line: what ran, how long; tests read its data attributes.
  const status = $('backbone');
  Object.assign(status.dataset, {
    runs: String(runs), source: photo.kind, ms: r.ms.toFixed(1), side: String(r.side), map: r.mapShape.join('x'), backend: r.backend,
    finite: String(r.errorMap.every(Number.isFinite) && Number.isFinite(r.score)),
  });
  status.textContent = `ImageNet backbone and detector: ${r.side}×${r.side} crop judged in ${r.ms.toFixed(0)} ms on ${backendLabel(r.backend)}.`;
  console.log('PHOTO ' + JSON.stringify({ runs, source: photo.kind, model: entry.name, verdict: r.verdict, score: r.score, ms: r.ms, side: r.side, backend: r.backend }));
  Promise.all([main, shown]).then(() => (status.dataset.shown = String(runs)));
}

export async function loadPhotoSamples() {
  if (state.photoSamples) return;
  update({ photoSamples: [] });
  const meta = await (await fetchOk('samples/photos/photos.json')).json();
  setGalleries(meta.galleries);
  const list = Array.isArray(meta.photos) ? meta.photos : [];
  update({ photoSamples: list });
  const box = $('photo-gallery');
  box.replaceChildren();
  for (const p of list) {
    const b = Object.assign(document.createElement('button'), { type: 'button', className: 'tile photo' });
    b.dataset.class = p.class;
    b.dataset.file = p.file;
    const img = Object.assign(document.createElement('img'), { src: `samples/photos/${p.file}`, alt: p.class.replace(/_/g, ' '), loading: 'lazy' });
    b.append(img);
    b.addEventListener('click', async () => {
      try {
        if (!img.complete) await img.decode();
        showPhoto(img, img.naturalWidth, img.naturalHeight, `Caltech 101 ${p.class} (${p.source})`, 'gallery');
      } catch (e) {
        say(`This sample photo could not be used: ${message(e)}`, 'error');
      }
    });
    box.append(b);
  }
  updateGallery();
}
