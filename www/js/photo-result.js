// photo-result.js: a photo detector's judgement, for a projector and a phone: the verdict (big),
// what it was judged by and against which threshold, the heat map of where A fails over the crop
// the backbone saw (heatmap.js), the nearest training photos (neighbours.js), and the other scores
// in one small line. The same rendering fills the result card and the row under the gallery.
import { drawHeatmap } from './heatmap.js';
import { renderNearest } from './neighbours.js';
import { backendLabel, classWords } from './util.js';

const el = (tag, className, text) => Object.assign(document.createElement(tag), { className, textContent: text ?? '' });
const signed = (v) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;

/** What the verdict was taken on (entry.score), in words, with the value and the threshold. */
export function judgedByWords(entry, r) {
  const [s, t] = [r.score.toFixed(2), r.threshold.toFixed(2)];
  const cmp = r.score >= r.threshold ? '≥' : '<';
  switch (r.judgedBy) {
    case 'neighbours':
      return `Judged by its ${entry.config.neighbours} nearest training photos: similarity ${s} ${cmp} threshold ${t}`;
    case 'classifier':
      return `Judged by C’s score f(φ) alone (the paper’s eq. 6): ${s} ${cmp} threshold ${t}`;
    default:
      return `Judged by CRBND’s combined score (C and A’s error, eq. 6′): ${s} ${cmp} threshold ${t}`;
  }
}

/** An empty result: what to do next. */
export function renderEmpty(box, text) {
  const p = el('p', 'verdict empty', text);
  box.replaceChildren(p);
  delete box.dataset.verdict;
}

/** Fills `box` with judgement `r` of `entry`'s detector; `compact` for the row under the gallery. */
export function renderJudgement(box, r, entry, { compact = false } = {}) {
  const inlier = r.verdict === 'inlier';
  const what = classWords(entry);
  const verdict = el('p', `verdict ${inlier ? 'inlier' : 'novel'}`, inlier ? `✓ inlier — looks like ${what}` : `✗ novel — not ${what}`);
  verdict.dataset.testid = 'photo-verdict';
  const judged = el('p', 'judged-by', judgedByWords(entry, r));
  const heat = document.createElement('canvas');
  heat.className = 'heatmap';
  heat.setAttribute('role', 'img');
  heat.setAttribute('aria-label', `the ${r.side}×${r.side} crop the detector saw, with A’s error over it`);
  const hot = drawHeatmap(heat, r);
  const heatFig = el('figure', 'heat');
  const legend = el('figcaption', '');
  legend.append(el('span', 'heat-ramp'), ' Where A fails to rebuild the photo’s features: clear = rebuilt, red = nothing rebuilt.');
  heatFig.append(heat, legend);
  const nearest = el('div', 'nearest');
  const nearestBox = el('div', 'nearest-box');
  nearestBox.append(el('p', 'nearest-title', 'Nearest training photos (similarity)'), nearest);
  const evidence = el('div', 'evidence');
  evidence.append(heatFig, nearestBox);
  const scores = el(
    'p',
    'scores',
    `C’s logit f(φ) ${r.logit.toFixed(2)} · A’s error ${r.reconError.toFixed(3)} · nearest photos ${r.neighbours.toFixed(2)} · ` +
      `CRBND score ${r.combined.toFixed(2)} (C ${signed(r.parts[0])}, A ${signed(r.parts[1])}; 0 = a typical training photo)` +
      (compact ? '' : ` · ${r.ms.toFixed(0)} ms on ${backendLabel(r.backend)}`),
  );
  box.replaceChildren(verdict, judged, evidence, scores);
  box.classList.toggle('compact', compact);
  const finite = [r.score, r.logit, r.reconError, r.neighbours, r.combined].every(Number.isFinite) && r.errorMap.every(Number.isFinite);
  Object.assign(box.dataset, {
    verdict: r.verdict, score: String(r.score), threshold: String(r.threshold), judgedBy: r.judgedBy, logit: String(r.logit),
    reconError: String(r.reconError), neighbours: String(r.neighbours), combined: String(r.combined), map: r.mapShape.join('x'),
    side: String(r.side), finite: String(finite), hot: hot.toFixed(3), model: entry.name,
  });
  return renderNearest(nearest, entry.name, r.nearest);
}
