// charts.js: model-image panels (28×28 grey), ROC curves and histograms as inline SVG strings (no
// libraries; the numbers come from the wasm module).
// SVG strings hold only numbers and fixed text from this page, never user input.

const SIDE = 28;
const clamp01 = (v) => (v > 0 ? (v < 1 ? v : 1) : 0);

export const sigmoid = (z) => 1 / (1 + Math.exp(-z));

/** Heat colour for t in [0, 1]: black → red → yellow → white. */
export function heat(t) {
  const s = clamp01(t) * 3;
  return [clamp01(s), clamp01(s - 1), clamp01(s - 2)].map((c) => Math.round(c * 255));
}

function paint(canvas, side, colour) {
  if (canvas.width !== side) canvas.width = side;
  if (canvas.height !== side) canvas.height = side;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    img.data.set(colour(i), 4 * i);
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

const byte = (v) => Math.round(clamp01(v) * 255);

/** Grey levels in [0, 1] (ink bright), side×side; CSS scales the canvas up, pixelated. */
export function drawGrey(canvas, values, side = SIDE) {
  paint(canvas, side, (i) => {
    const g = byte(values ? values[i] : 0);
    return [g, g, g];
  });
}

/** A model image: shape is [1, side, side] (the digit detectors'). */
export function drawImage(canvas, values, shape = [1, SIDE, SIDE]) {
  drawGrey(canvas, values, shape[1]);
}

/** |x − A(x)| as heat; colour images show the mean over their channels. */
export function drawHeat(canvas, values, shape = [1, SIDE, SIDE]) {
  const [c, side] = shape;
  const n = side * side;
  paint(canvas, side, (i) => {
    let v = 0;
    for (let k = 0; k < c; k++) v += values[k * n + i];
    return heat(v / c);
  });
}

export const drawBlank = (canvas, side = SIDE) => paint(canvas, side, () => [0, 0, 0]);

/** A 28×28 canvas of grey levels (0–255, a Uint8Array): a picture the drawing pad can show scaled up. */
export function tileCanvas(grey) {
  const c = document.createElement('canvas');
  paint(c, SIDE, (i) => [grey[i], grey[i], grey[i]]);
  return c;
}

const W = 360;
const H = 300;
const M = { l: 52, r: 14, t: 14, b: 48 };
const PW = W - M.l - M.r;
const PH = H - M.t - M.b;
const f1 = (v) => v.toFixed(1);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function frame(title, xLabel, yLabel, top = M.t) {
  return (
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">` +
    `<title>${esc(title)}</title>` +
    `<text class="axis-label" x="${M.l + PW / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text class="axis-label" transform="translate(14 ${(top + M.t + PH) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`
  );
}

/** ROC chart; curves: [{pts, cls, label}]. */
export function rocSvg(curves) {
  const X = (v) => f1(M.l + v * PW);
  const Y = (v) => f1(M.t + (1 - v) * PH);
  let s = frame('ROC curve', 'false positive rate (outliers accepted)', 'true positive rate');
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    s += `<line class="grid" x1="${X(v)}" x2="${X(v)}" y1="${Y(0)}" y2="${Y(1)}"/>`;
    s += `<line class="grid" x1="${X(0)}" x2="${X(1)}" y1="${Y(v)}" y2="${Y(v)}"/>`;
    s += `<text class="tick" x="${X(v)}" y="${f1(M.t + PH + 16)}" text-anchor="middle">${v}</text>`;
    s += `<text class="tick" x="${M.l - 6}" y="${f1(+Y(v) + 5)}" text-anchor="end">${v}</text>`;
  }
  s += `<line class="chance" x1="${X(0)}" y1="${Y(0)}" x2="${X(1)}" y2="${Y(1)}"/>`;
  curves.forEach((c, i) => {
    s += `<polyline class="${c.cls}" points="${c.pts.map(([x, y]) => `${X(x)},${Y(y)}`).join(' ')}"/>`;
    const ly = M.t + PH - 14 - 20 * (curves.length - 1 - i);
    s += `<line class="${c.cls}" x1="${M.l + PW * 0.42}" x2="${M.l + PW * 0.42 + 24}" y1="${ly}" y2="${ly}"/>`;
    s += `<text class="legend" x="${M.l + PW * 0.42 + 30}" y="${ly + 5}">${esc(c.label)}</text>`;
  });
  return s + '</svg>';
}

/** Histograms of inlier and outlier scores (each as a share of its class) with the threshold. */
export function histSvg(inliers, outliers, threshold, { bins = 24, inLabel = 'inliers', outLabel = 'outliers', xLabel = 'score (logit)' } = {}) {
  const fin = (a) => a.filter(Number.isFinite);
  const [a, b] = [fin(inliers), fin(outliers)];
  let lo = threshold;
  let hi = threshold;
  for (const v of a.concat(b)) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi - lo < 1e-6) [lo, hi] = [lo - 1, hi + 1];
  const w = (hi - lo) / bins;
  const share = (arr) => {
    const h = new Array(bins).fill(0);
    for (const v of arr) h[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
    return h.map((c) => (arr.length ? c / arr.length : 0));
  };
  const [ha, hb] = [share(a), share(b)];
  const peak = Math.max(...ha, ...hb, 1e-9);
  const X = (v) => M.l + ((v - lo) / (hi - lo)) * PW;
  const bw = PW / bins;
  const top = M.t + 26; // the legend sits in a row above the bars
  const ph = M.t + PH - top;
  let s = frame('Histogram of scores', xLabel, 'share of the class', top);
  for (const v of [0, 0.5, 1]) {
    const y = top + (1 - v) * ph;
    s += `<line class="grid" x1="${M.l}" x2="${M.l + PW}" y1="${f1(y)}" y2="${f1(y)}"/>`;
    s += `<text class="tick" x="${M.l - 6}" y="${f1(y + 5)}" text-anchor="end">${Math.round(v * peak * 100)}%</text>`;
  }
  const bars = (h, cls) =>
    h.map((v, i) => {
      const bh = (v / peak) * ph;
      return v ? `<rect class="${cls}" x="${f1(M.l + i * bw)}" y="${f1(M.t + PH - bh)}" width="${f1(bw)}" height="${f1(bh)}"/>` : '';
    }).join('');
  s += bars(ha, 'h-in') + bars(hb, 'h-out');
  for (const v of [lo, 0, hi]) {
    // 0 only where it would not collide with the end labels
    if (v === 0 && (X(0) - X(lo) < 30 || X(hi) - X(0) < 30)) continue;
    s += `<text class="tick" x="${f1(X(v))}" y="${M.t + PH + 16}" text-anchor="middle">${v.toFixed(1)}</text>`;
  }
  const tx = f1(X(threshold));
  const right = X(threshold) > M.l + PW / 2; // label on the roomier side of the line
  s += `<line class="threshold" x1="${tx}" x2="${tx}" y1="${top - 4}" y2="${M.t + PH}"/>`;
  s += `<text class="legend" x="${tx}" y="${top + 10}" dx="${right ? -4 : 4}" text-anchor="${right ? 'end' : 'start'}">threshold</text>`;
  const half = M.l + PW / 2;
  s += `<rect class="h-in" x="${M.l}" y="${M.t - 2}" width="14" height="14"/><text class="legend" x="${M.l + 20}" y="${M.t + 10}">${esc(inLabel)}</text>`;
  s += `<rect class="h-out" x="${half}" y="${M.t - 2}" width="14" height="14"/><text class="legend" x="${half + 20}" y="${M.t + 10}">${esc(outLabel)}</text>`;
  return s + '</svg>';
}
