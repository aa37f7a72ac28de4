// references.js: what a digit detector's verdict compares a drawing with. Each digit model keeps
// 128 references (the nearest training digits' centres, seen through an ImageNet network's first
// layers); `connective samples` draws the training digit that stands for each into a sprite,
// samples/references/NAME.png (16 tiles of 28×28 per row, in the model's reference order). This
// draws the three the score found nearest, with their similarity, beside the verdict.
import { $ } from './util.js';

const COLUMNS = 16;
const sprites = new Map();

/** The reference sprite of model `name` (loaded once). */
function sprite(name) {
  if (!sprites.has(name)) {
    const p = new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error(`no reference sprite for ${name}`));
      img.src = `samples/references/${encodeURIComponent(name)}.png`;
    });
    p.catch(() => sprites.delete(name)); // a failed load may be retried later
    sprites.set(name, p);
  }
  return sprites.get(name);
}

/** Hides the strip (a model without references, or a blank pad). */
export function hideNearest() {
  $('nearest-digits').hidden = true;
}

/**
 * Shows the references `nearest` ([{index, similarity}], most similar first) of `entry` in the
 * strip; `what` names the digit ("3s"). Resolves once drawn; hides the strip if the sprite is missing.
 */
export async function showNearest(entry, nearest, what) {
  const box = $('nearest-digits');
  const refs = entry.references || [];
  if (!nearest || !nearest.length || !refs.length) return hideNearest();
  let img;
  try {
    img = await sprite(entry.name);
  } catch {
    return hideNearest();
  }
  const tiles = nearest.map(({ index, similarity }) => {
    const cv = Object.assign(document.createElement('canvas'), { width: 28, height: 28, className: 'nearest-digit' });
    cv.getContext('2d').drawImage(img, (index % COLUMNS) * 28, Math.floor(index / COLUMNS) * 28, 28, 28, 0, 0, 28, 28);
    const ref = refs[index] || {};
    const how = ref.pen ? ', traced with a pen like this page’s' : '';
    cv.setAttribute('role', 'img');
    cv.setAttribute('aria-label', `training image ${ref.image}${how}, similarity ${similarity.toFixed(3)}`);
    cv.title = `MNIST training image ${ref.image}${how}`;
    const fig = document.createElement('figure');
    fig.append(cv, Object.assign(document.createElement('figcaption'), { textContent: similarity.toFixed(3) }));
    return fig;
  });
  $('nearest-digits-title').textContent = `Nearest of its ${refs.length} reference ${what}:`;
  $('nearest-digits-row').replaceChildren(...tiles);
  box.dataset.indices = nearest.map((n) => n.index).join(',');
  box.hidden = false;
}
