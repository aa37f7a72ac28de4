// photo-teach.js: photos mode's "Teach it your own object". The visitor adds photos of one kind of
// thing (the photo shown, from an upload, the camera or the gallery, or many files at once); on
// Teach the page reads each through the ImageNet backbone it already holds, and teach-worker.js
// trains a photo detector's A and C on those features (the same Rust code as the shipped photo
// detectors, fewer steps). The detector joins the picker as "your object" and judges photos as
// the shipped ones do: verdict, heat map, and the nearest of the visitor's own photos.
import { backboneNow } from './backbone.js';
import { addGallery } from './neighbours.js';
import { provideDetector } from './photo-detector.js';
import { buildPhotoPicker, setPhotoModel } from './photos.js';
import { enterMode } from './models.js';
import { exclusive, setPhotoExamples, setTaughtPhoto, state, update } from './state.js';
import { MIN_EXAMPLES, downloadDetector, heldOutOf, renderThumbnails, runTeaching, seconds } from './teach.js';
import { $, canvas2d, message, say } from './util.js';

const NAME = 'your_object';
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
const MAX_PHOTOS = 200;
const THUMB = 64;

/** A decoded picture as an example: at most 512 px on a side (as photos mode shows it) and a thumbnail. */
function example(source, width, height, name) {
  const scale = Math.min(1, 512 / Math.max(width, height));
  const [w, h] = [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
  const [, ctx] = canvas2d(w, h);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, w, h);
  return { rgba: ctx.getImageData(0, 0, w, h).data, width: w, height: h, name, thumb: thumbnail(ctx.canvas, w, h) };
}

/** The centre square of a picture at THUMB px (what the backbone sees, roughly). */
function thumbnail(source, w, h) {
  const [cv, ctx] = canvas2d(THUMB, THUMB);
  const s = Math.min(w, h);
  ctx.drawImage(source, (w - s) / 2, (h - s) / 2, s, s, 0, 0, THUMB, THUMB);
  return cv;
}

export function renderPhotoExamples() {
  renderThumbnails($('photo-teach-examples'), state.photoExamples, {
    what: 'photo',
    canvasOf: (x) => x.thumb,
    onDelete: (i) => {
      setPhotoExamples(state.photoExamples.filter((_, k) => k !== i));
      renderPhotoExamples();
    },
    heldOut: heldOutOf(state.taughtPhoto, state.photoExamples),
  });
  const n = state.photoExamples.length;
  $('photo-teach-count').textContent =
    n === 0 ? 'No photos yet.' : n < MIN_EXAMPLES ? `${n} photo${n > 1 ? 's' : ''}: at least ${MIN_EXAMPLES} to teach, 15 to 50 work best.` : `${n} photos: ready to teach.`;
  $('photo-teach-run').disabled = state.teaching || n < MIN_EXAMPLES;
  $('photo-teach-add').disabled = state.teaching || !state.photo || n >= MAX_PHOTOS;
  $('photo-teach-download').disabled = state.teaching || !state.taughtPhoto;
}

function addExamples(list) {
  const room = MAX_PHOTOS - state.photoExamples.length;
  if (list.length > room) say(`At most ${MAX_PHOTOS} photos: ${list.length - room} were left out.`, 'error');
  const named = list.slice(0, Math.max(0, room)).map((x, k) => ({ ...x, name: `photo ${state.photoExamples.length + k + 1}${x.name ? ` (${x.name})` : ''}` }));
  setPhotoExamples([...state.photoExamples, ...named]);
  renderPhotoExamples();
}

/** Adds the photo shown (an upload, a camera frame or a gallery pick). */
function addShown() {
  const p = state.photo;
  if (!p) return;
  const [cv, ctx] = canvas2d(p.width, p.height);
  ctx.putImageData(new ImageData(new Uint8ClampedArray(p.rgba), p.width, p.height), 0, 0);
  addExamples([{ ...example(cv, p.width, p.height), name: p.kind === 'gallery' ? 'sample' : p.kind }]);
}

/** Adds picture files; each that cannot be decoded is named, the others are added. */
async function addFiles(files) {
  const ok = [];
  const bad = [];
  for (const f of files) {
    try {
      if (f.size > 50 * 1024 * 1024) throw new Error('over 50 MB');
      const bmp = await createImageBitmap(f);
      ok.push({ ...example(bmp, bmp.width, bmp.height), name: f.name });
      bmp.close();
    } catch (e) {
      bad.push(`${f.name} (${message(e)})`);
    }
  }
  addExamples(ok);
  if (bad.length) say(`Not added, not a PNG, JPEG or WebP picture: ${bad.join(', ')}.`, 'error');
}

/**
 * Teaches a photo detector on `photos` ({rgba, width, height, name?} each), in photos mode:
 * features from the backbone here, A and C in the worker; resolves as teach() does.
 */
export async function teachPhotos(photos, { seconds: budget = null, seed = 1 } = {}) {
  if (state.teaching) throw new Error('a detector is being taught already');
  if (!Array.isArray(photos)) throw new Error('images must be an array of {rgba, width, height} photos');
  photos.forEach((p, i) => {
    if (!p || !p.rgba || !(p.width > 0) || !(p.height > 0) || p.rgba.length !== p.width * p.height * 4) {
      throw new Error(`photo ${i + 1} is not {rgba, width, height} with width × height × 4 bytes of RGBA`);
    }
  });
  const examples = [];
  for (const [i, p] of photos.entries()) {
    if (p.thumb) {
      examples.push(p);
      continue;
    }
    const [cv, ctx] = canvas2d(p.width, p.height);
    ctx.putImageData(new ImageData(new Uint8ClampedArray(p.rgba), p.width, p.height), 0, 0);
    examples.push({ ...example(cv, p.width, p.height), name: p.name || `photo ${i + 1}` });
    if (i % 4 === 3) await nextFrame(); // large photos: a few per frame
  }
  if (examples.length < MIN_EXAMPLES) throw new Error(`add at least ${MIN_EXAMPLES} photos to teach a detector (have ${examples.length}; 15 to 50 work best)`);
  if (state.mode !== 'photos') await enterMode('photos');
  if (photos !== state.photoExamples) setPhotoExamples(examples);
  const shipped = [...state.photoEntries.values()].find((e) => e.backbone && e.name !== NAME);
  if (!shipped) throw new Error('no photo detector lists the backbone to teach on');
  const side = shipped.config.side;
  update({ teaching: true });
  renderPhotoExamples();
  const ui = { box: $('photo-teach-progress-box'), bar: $('photo-teach-progress'), time: $('photo-teach-time'), loss: $('photo-teach-loss') };
  ui.loss.hidden = false;
  const result = $('photo-teach-result');
  const t0 = performance.now();
  try {
    // The backbone's features of every photo, here (the page holds the backbone): a bar too.
    ui.box.hidden = false;
    const backbone = await backboneNow();
    const maps = [];
    let shape = null;
    for (let i = 0; i < examples.length; i++) {
      ui.bar.max = examples.length;
      ui.bar.value = i;
      ui.time.textContent = `reading photo ${i + 1} of ${examples.length} through the backbone`;
      const x = examples[i];
      const rgb = state.wasm.preprocessPhotoRgb(x.rgba, x.width, x.height, side);
      const f = await exclusive(() => backbone.features(rgb, side));
      maps.push(f.map);
      shape = f.mapShape;
      // One photo per frame: the CPU backend answers without yielding, and 20 photos in a row
      // held the page for 1.3 s (one photo takes about 70 ms).
      await nextFrame();
    }
    const flat = new Float32Array(maps.reduce((n, m) => n + m.length, 0));
    maps.reduce((at, m) => (flat.set(m, at), at + m.length), 0);
    result.textContent = `Teaching on ${examples.length} photos in your browser…`;
    const { result: r, file } = await runTeaching(
      { kind: 'photos', maps: flat, shape: Array.from(shape), names: examples.map((x) => x.name), backbone: JSON.stringify(shipped.backbone), side, name: NAME, seed, seconds: budget },
      ui,
    );
    ui.time.textContent = `done in ${seconds(performance.now() - t0)}`;
    await usePhotoFile(file, r);
    result.textContent =
      `Taught in ${seconds(performance.now() - t0)} (${r.steps} steps) on ${r.examples - r.heldOut} of your photos; ${r.heldOut} (outlined) were held out ` +
      `to set the threshold with them. It judges by the similarity to your nearest photos, as the shipped detectors do; pick a photo to try it.`;
    return { steps: r.steps, ms: r.ms, threshold: r.threshold, heldOut: r.heldOut, examples: r.examples, loss: r.loss };
  } catch (e) {
    ui.time.textContent = 'stopped';
    result.textContent = `Could not teach: ${message(e)}`;
    throw e;
  } finally {
    update({ teaching: false });
    renderPhotoExamples();
  }
}

/** Loads a photo detector file as the visitor's ("your object"): the picker gains it and picks it. */
export async function usePhotoFile(file, result = null) {
  const { kind, entry: json, weights } = state.wasm.readDetectorFile(file, 'the photo detector');
  if (kind !== 'photos') throw new Error('that file holds a drawing detector: open it in Teach mode');
  const entry = JSON.parse(json);
  provideDetector(entry, weights);
  setTaughtPhoto({ entry, weights, file, result, examples: result ? state.photoExamples : null });
  // The nearest photos are the visitor's own: a sprite of those still here (none for a file opened later).
  const byName = new Map(state.photoExamples.map((x) => [x.name, x.thumb]));
  const cells = entry.gallery.map((n) => byName.get(n));
  if (cells.every(Boolean)) {
    const columns = Math.max(1, Math.min(16, cells.length));
    const [cv, ctx] = canvas2d(columns * THUMB, Math.ceil(cells.length / columns) * THUMB);
    cells.forEach((c, i) => ctx.drawImage(c, (i % columns) * THUMB, Math.floor(i / columns) * THUMB));
    addGallery(entry.name, cv, { cell: THUMB, columns, count: cells.length });
  }
  buildPhotoPicker();
  if (state.mode !== 'photos') await enterMode('photos', false);
  await setPhotoModel(entry.name);
  renderPhotoExamples();
}

export function wirePhotoTeach() {
  $('photo-teach-add').addEventListener('click', addShown);
  document.addEventListener('photo-shown', renderPhotoExamples);
  $('photo-teach-files').addEventListener('change', async (e) => {
    const files = [...(e.target.files || [])];
    e.target.value = '';
    await addFiles(files);
  });
  $('photo-teach-run').addEventListener('click', () => teachPhotos(state.photoExamples).catch((e) => say(`Could not teach: ${message(e)}`, 'error')));
  $('photo-teach-download').addEventListener('click', () => downloadDetector(state.taughtPhoto));
  $('photo-teach-open').addEventListener('change', async (e) => {
    const f = e.target.files && e.target.files[0];
    e.target.value = '';
    if (!f) return;
    try {
      if (f.size > 64 * 1024 * 1024) throw new Error(`${(f.size / 1048576).toFixed(0)} MB is more than a detector file holds`);
      await usePhotoFile(new Uint8Array(await f.arrayBuffer()));
      $('photo-teach-result').textContent = `Opened ${f.name}: ${state.taughtPhoto.entry.threshold_rule}.`;
    } catch (err) {
      say(`Could not open ${f.name}: ${message(err)}.`, 'error');
    }
  });
  renderPhotoExamples();
}
