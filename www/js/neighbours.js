// neighbours.js: the nearest training photos of a judged photo, as thumbnails cut from the
// detector's gallery sprite (samples/photos/gallery-<name>.jpg: cell×cell thumbnails, row-major,
// gallery row i at column i % columns, row i / columns; photos.json "galleries" describes each).
import { fetchOk } from './util.js';

let galleries = {}; // detector name → {file, cell, columns, count}
const sprites = new Map(); // detector name → Promise<HTMLImageElement>

/** photos.json's "galleries". */
export function setGalleries(meta) {
  galleries = { ...galleries, ...((meta && typeof meta === 'object' && meta) || {}) };
}

/** A gallery sprite made in the page (a taught detector's own photos): `image` holds `count` cells. */
export function addGallery(name, image, { cell, columns, count }) {
  galleries[name] = { file: null, cell, columns, count };
  sprites.set(name, Promise.resolve(image));
}

function sprite(name) {
  if (!sprites.has(name)) {
    const g = galleries[name];
    const p = g
      ? fetchOk(`samples/photos/${g.file}`).then(async (res) => {
          const img = Object.assign(new Image(), { src: URL.createObjectURL(await res.blob()) });
          await img.decode();
          return img;
        })
      : Promise.reject(new Error(`no gallery sprite for ${name} in samples/photos/photos.json`));
    p.catch(() => sprites.delete(name)); // a later photo tries again
    sprites.set(name, p);
  }
  return sprites.get(name);
}

/** The class folder of a gallery photo ("airplanes/image_0185.jpg" → "airplanes"), in words. */
const classOf = (photo) => (photo.split('/')[0] || photo).replace(/_easy$/i, '').replace(/_/g, ' ').toLowerCase();

/**
 * Fills `box` with one figure per neighbour ({index, photo, similarity}): the thumbnail (a canvas
 * cell×cell, or a placeholder when the sprite is missing) and its similarity.
 */
export async function renderNearest(box, name, nearest) {
  const figures = nearest.map((n) => {
    const fig = document.createElement('figure');
    fig.className = 'neighbour';
    fig.dataset.index = String(n.index);
    fig.dataset.similarity = String(n.similarity);
    const c = document.createElement('canvas');
    c.setAttribute('role', 'img');
    c.setAttribute('aria-label', `training photo ${n.photo}`);
    c.title = n.photo;
    const cap = document.createElement('figcaption');
    cap.append(Object.assign(document.createElement('b'), { textContent: n.similarity.toFixed(2) }), ` ${classOf(n.photo)}`);
    fig.append(c, cap);
    return fig;
  });
  box.replaceChildren(...figures);
  let img;
  try {
    img = await sprite(name);
  } catch {
    box.dataset.sprite = 'missing';
    return;
  }
  const g = galleries[name];
  nearest.forEach((n, i) => {
    const c = figures[i].querySelector('canvas');
    Object.assign(c, { width: g.cell, height: g.cell });
    if (n.index >= g.count) return;
    const [col, row] = [n.index % g.columns, Math.floor(n.index / g.columns)];
    c.getContext('2d').drawImage(img, col * g.cell, row * g.cell, g.cell, g.cell, 0, 0, g.cell, g.cell);
    figures[i].dataset.drawn = 'true';
  });
  box.dataset.sprite = 'shown';
}
