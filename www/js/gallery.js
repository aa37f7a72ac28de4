// gallery.js: the MNIST sample digits (one sprite, 28×28 tiles) and their gallery; the ✓ frames
// of both galleries follow the loaded model.
import { galleryDigitShown, showUnderGallery } from './kept.js';
import { tileCanvas } from './charts.js';
import { pad, requestScore } from './scoring.js';
import { state, update } from './state.js';
import { $, PX, canvas2d, els, fetchOk, say } from './util.js';

/** Reads the sample sprite into grey levels (0–255, the session converts them) and shows the gallery. */
export async function loadSamples() {
  const meta = await (await fetchOk('samples/mnist-test.json')).json();
  const img = new Image();
  img.src = 'samples/mnist-test.png';
  try {
    await img.decode();
  } catch {
    throw new Error('samples/mnist-test.png could not be loaded');
  }
  const { tile = 28, rows, columns, labels } = meta;
  const n = rows * columns;
  if (tile !== 28 || !(n > 0) || !Array.isArray(labels) || labels.length < n || img.naturalWidth < columns * 28 || img.naturalHeight < rows * 28) {
    throw new Error('samples/mnist-test.json and .png do not match (28×28 tiles with one label each)');
  }
  const [cv, ctx] = canvas2d(img.naturalWidth, img.naturalHeight);
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, cv.width, cv.height).data;
  const grey = new Uint8Array(n * PX);
  for (let i = 0; i < n; i++) {
    const [r, c] = [Math.floor(i / columns), i % columns];
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) grey[i * PX + y * 28 + x] = data[((r * 28 + y) * cv.width + c * 28 + x) * 4];
    }
  }
  update({ samples: { grey, labels: labels.slice(0, n).map(Number), n, columns, rows } });
  buildGallery();
  els.evalRun.disabled = false;
}

/** Sample `i`'s 784 grey levels. */
export const sample = (i) => state.samples.grey.slice(i * PX, (i + 1) * PX);

function buildGallery() {
  const { labels, rows, columns } = state.samples;
  const picks = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < Math.min(4, columns); c++) picks.push(r * columns + c);
  picks.sort((a, b) => labels[a] - labels[b] || a - b);
  els.gallery.replaceChildren();
  for (const i of picks) {
    const b = Object.assign(document.createElement('button'), { type: 'button', className: 'tile' });
    b.dataset.index = String(i);
    b.dataset.label = String(labels[i]);
    b.append(tileCanvas(sample(i)));
    b.addEventListener('click', () => {
      const x = sample(i);
      pad.setBase(tileCanvas(x), 28, 28, x, { dataset: true });
      say(`A real ${labels[i]} from the MNIST test set.`);
      showUnderGallery($('gallery-result'), galleryDigitShown);
      requestScore();
    });
    els.gallery.append(b);
  }
  updateGallery();
}

export function updateGallery() {
  const classes = state.photoModel ? state.photoEntries.get(state.photoModel).positive_classes : [];
  for (const b of $('photo-gallery').querySelectorAll('button')) {
    const inClass = classes.some((c) => c.toLowerCase() === b.dataset.class.toLowerCase());
    b.classList.toggle('in', inClass);
    b.setAttribute('aria-label', `${b.dataset.class.replace(/_/g, ' ')} photo${classes.length ? (inClass ? ': a class of the model (inlier)' : ': not a class of the model (outlier)') : ''}`);
  }
  for (const b of els.gallery.querySelectorAll('button')) {
    const label = Number(b.dataset.label);
    const inClass = label === state.digit;
    b.classList.toggle('in', inClass);
    b.setAttribute('aria-label', state.digit === null ? `MNIST ${label}` : `MNIST ${label}: ${inClass ? 'same digit as the model (inlier)' : 'another digit (outlier)'}`);
  }
}
