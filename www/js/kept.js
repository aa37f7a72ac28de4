// kept.js: results kept side by side ("Keep for comparison") and a gallery pick's result shown
// again right under its gallery.
import { state, update } from './state.js';
import { pad } from './scoring.js';
import { $, panels } from './util.js';

const MAX_KEPT = 6;
// Each small copy of a panel: [panel, what a screen reader says, the caption under it].
const KEPT_PANELS = [
  ['input', 'input x', 'x'],
  ['recon', 'reconstruction A(x)', 'A(x)'],
  ['conn', 'connective image', 'λx+(1−λ)A(x)'],
  ['error', 'error |x−A(x)|', '|x−A(x)|'],
];

/** What the panels show now, as a title, four small copies of the panels and a line of numbers. */
function resultRow(shown, tag) {
  const el = (t, className, text) => Object.assign(document.createElement(t), { className, textContent: text ?? '' });
  const pics = el('div', 'kept-pics');
  for (const [key, label, caption] of KEPT_PANELS) {
    const src = panels[key];
    const c = Object.assign(document.createElement('canvas'), { width: src.width, height: src.height });
    c.getContext('2d').drawImage(src, 0, 0);
    c.setAttribute('role', 'img');
    c.setAttribute('aria-label', label);
    const fig = document.createElement('figure');
    fig.append(c, el('figcaption', '', caption));
    pics.append(fig);
  }
  const row = document.createElement(tag);
  row.append(
    el('p', `kept-title ${shown.inlier ? 'inlier' : 'novel'}`, `${shown.verdict} · ${shown.margin}`),
    pics,
    el('p', 'kept-words', `${shown.model} · score ${shown.score.toFixed(shown.decimals ?? 2)}, threshold ${shown.threshold.toFixed(shown.decimals ?? 2)} · reconstruction error ${shown.reconError.toFixed(4)} · λ ${shown.lambda.toFixed(2)}`),
  );
  return row;
}

/** Copies what the panels show now into a row of the kept list (oldest dropped past MAX_KEPT). */
function keepShown() {
  if (!state.shown) return;
  const list = $('kept');
  list.append(resultRow(state.shown, 'li'));
  while (list.children.length > MAX_KEPT) list.firstElementChild.remove();
  $('kept-clear').hidden = false;
}

/**
 * A gallery click scores the picture in the panels far above the gallery; the result is also
 * shown right under the gallery, so a visitor (or a class watching a projector) clicking through
 * the gallery sees each verdict without scrolling away. `stillThere` says whether the panels
 * still show the clicked picture when the score arrives (a stroke drawn meanwhile replaces it).
 */
export function showUnderGallery(box, stillThere) {
  update({
    afterRender: (shown) => {
      if (!stillThere()) return;
      box.replaceChildren(resultRow(shown, 'div'));
      box.hidden = false;
    },
  });
}

// Whether the panels show a gallery digit (and not a drawing or an upload made since).
export const galleryDigitShown = () => state.mode === 'digits' && pad.isDatasetImage();

export function clearGalleryResults() {
  $('gallery-result').replaceChildren();
  $('gallery-result').hidden = true;
}

export function wireKept() {
  $('keep').addEventListener('click', keepShown);
  $('kept-clear').addEventListener('click', () => {
    $('kept').replaceChildren();
    $('kept-clear').hidden = true;
  });
}
