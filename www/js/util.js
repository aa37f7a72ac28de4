// util.js: small helpers every part of the page uses (elements, messages, fetching, names).

export const $ = (id) => document.getElementById(id);
export const PX = 784;
export const message = (e) => (e instanceof Error ? e.message : String(e));
export const isBlankError = (e) => /blank image/i.test(message(e));
export const backendLabel = (b) => (b === 'webgpu' ? 'WebGPU' : 'CPU');
/** [channels, side, side] of the loaded digit model's images. */
export const shapeOf = (entry) => [1, entry ? entry.config.autoencoder.size : 28, entry ? entry.config.autoencoder.size : 28];
/** "airplanes", "airplanes, faces or motorbikes": a photo detector's classes in words. */
export function classWords(entry) {
  const names = (entry.positive_classes || []).map((c) => c.replace(/_easy$/i, '').replace(/_/g, ' ').toLowerCase());
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0] || entry.name;
}
/**
 * How the loaded digit model's verdict is scored: "neighbours" (the nearest training digits'
 * similarity, 0…1, differences of hundredths matter), "classifier" or "combined" (logits).
 */
export const byNeighbours = (info) => !!info && info.scoreRule === 'neighbours';
/** Decimals a score of that kind is shown with. */
export const scoreDecimals = (info) => (byNeighbours(info) ? 3 : 2);
export const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
export function canvas2d(width, height) {
  const cv = Object.assign(document.createElement('canvas'), { width, height });
  return [cv, cv.getContext('2d', { willReadFrequently: true })];
}

export function say(text, kind = 'info') {
  Object.assign($('status'), { textContent: text }).dataset.kind = kind;
}

export async function fetchOk(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`.trim());
  return res;
}

// The page's elements.
export const panels = { input: $('panel-input'), recon: $('panel-recon'), conn: $('panel-connective'), error: $('panel-error') };
export const els = {
  digits: $('digits'), verdict: $('verdict'), score: $('score'), latency: $('latency'), recon: $('recon-error'),
  fill: $('gauge-fill'), tick: $('gauge-tick'), tickLabel: $('gauge-label'), lambda: $('lambda'), threshold: $('threshold'),
  lambdaOut: $('lambda-out'), thresholdOut: $('threshold-out'), undo: $('undo'), clear: $('clear'),
  upload: $('upload'), drop: $('drop'), backendSelect: $('backend-select'), gallery: $('gallery'),
  evalRun: $('eval-run'), evalCancel: $('eval-cancel'), evalProgress: $('eval-progress'), evalStatus: $('eval-status'),
  evalOut: $('eval-results'),
};
