// photos.js: photos mode: the photo detector picker, the sample photo gallery, and scoring a
// decoded photo (a gallery pick, an upload or a camera frame).
import { photoFeatures } from './backbone.js';
import { galleryPhotoShown, showUnderGallery } from './kept.js';
import { enterMode, loadEntry } from './models.js';
import { updateGallery } from './gallery.js';
import { pad, requestScore, updateButtons } from './scoring.js';
import { state, update } from './state.js';
import { $, canvas2d, classWords, fetchOk, message, say, shapeOf } from './util.js';

export function buildPhotoPicker() {
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

export function markPhotoModels() {
  for (const b of $('photo-models').querySelectorAll('button')) {
    b.setAttribute('aria-pressed', String(b.dataset.model === state.photoModel));
    b.classList.toggle('loading', b.dataset.model === state.loadingPhoto);
  }
  $('photo-models').dataset.value = state.photoModel || '';
}

export async function setPhotoModel(name) {
  const entry = state.photoEntries.get(name);
  if (!entry) {
    const why = state.photoEntries.size ? `no photo model "${name}" (there are: ${[...state.photoEntries.keys()].join(', ')})` : 'no photo models are listed in models/manifest.json';
    say(`Cannot switch: ${why}.`, 'error');
    throw new Error(why);
  }
  if (state.mode !== 'photos') await enterMode('photos', false);
  const p = loadEntry(entry, { photo: name, label: `the photo model for ${classWords(entry)}` });
  update({ pickPromise: p });
  return p;
}

/**
 * Shows a decoded picture on the pad and scores it with the photo model, then runs the ImageNet
 * backbone on it (`kind`: 'upload', 'gallery' or 'camera').
 */
export function showPhoto(source, width, height, name, fromGallery = false, kind = fromGallery ? 'gallery' : 'upload') {
  if (!state.photoModel) return say('The photo model is still loading: try again in a moment.', 'error');
  update({ photoFromGallery: fromGallery });
  const size = shapeOf(state.entry)[1];
  // Downscale first: the model needs 32 px and preprocessing refuses huge pictures.
  const scale = Math.min(1, 512 / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const [cv, ctx] = canvas2d(w, h);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, w, h);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const x = state.wasm.preprocessPhoto(rgba, w, h, size);
  pad.setBase(cv, w, h, x);
  updateButtons();
  say(`${name}: ${width}×${height}, scored as ${size}×${size} colour.`);
  requestScore();
  photoFeatures(rgba, w, h, kind).catch(() => {}); // it shows its own errors
}

export async function loadPhotoSamples() {
  if (state.photoSamples) return;
  update({ photoSamples: [] });
  const meta = await (await fetchOk('samples/photos/photos.json')).json();
  const list = Array.isArray(meta.photos) ? meta.photos : [];
  update({ photoSamples: list });
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
