// uploads.js: a picture chosen or dropped by the visitor: checked, decoded, downscaled, then
// preprocessed by the wasm module (a digit) or shown as a photo (photos mode).
import { showPhoto } from './photos.js';
import { pad, requestScore } from './scoring.js';
import { state } from './state.js';
import { canvas2d, els, isBlankError, message, say } from './util.js';

const TYPES = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/webp': 'WebP' };
// Uploads are scored at 28 px (digits) or at most 224 px (photos): anything this big is a mistake, not a need.
const MAX_UPLOAD_BYTES = 50e6;

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
  if (!state.wasm || (state.mode === 'digits' && !state.entry)) return say('The detector is still loading: try again in a moment.', 'error');
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
    const x = state.wasm.preprocessRgba(ctx.getImageData(0, 0, w, h).data, w, h);
    pad.setBase(cv, w, h, x); // only now, once the picture is known to be usable
    say(`${name}: ${bitmap.width}×${bitmap.height} ${kind}, scored as 28×28.`);
    requestScore();
  } catch (e) {
    say(isBlankError(e) ? `${name}: no digit found (the picture looks blank).` : `${name}: ${message(e)}`, 'error');
  } finally {
    bitmap.close?.();
  }
}

export function wireUploads() {
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
}
