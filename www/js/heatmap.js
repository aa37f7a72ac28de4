// heatmap.js: where A fails to rebuild a photo. The photo detector's error map (A's error on the
// backbone's features at each of its h×w positions, e.g. 7×7 for a 224 px crop) is upsampled
// bilinearly to the centre crop the backbone saw and laid over it as a semi-transparent colour
// ramp. The scale is fixed: features go into A at unit length times √1280, so an error of 1 means
// A rebuilt nothing of them there (its output ≈ 0), and 0 a perfect rebuild. Measured on the sample
// photos, a detector's own class sits at 0.4–0.9 per position (mean about 0.7), everything else at
// 0.8–1.05 (mean about 0.94): the ramp starts at 0.5 and is fully red at 1.
const clamp01 = (v) => (v > 0 ? (v < 1 ? v : 1) : 0);

/** The error at which the ramp starts, and where it is fully red (the same for every detector). */
export const HEAT_SCALE = { lo: 0.5, hi: 1 };

/** [r, g, b, a] (0–255) of t in [0, 1]: clear → yellow → red, more opaque as it rises. */
export function ramp(t) {
  t = clamp01(t);
  return [255, Math.round(215 * (1 - t)), 0, Math.round(255 * 0.8 * t)];
}

/** The value at (x, y) of an h×w map sampled over a side×side picture (cell centres, clamped). */
function bilinear(map, h, w, side, x, y) {
  const u = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / side - 0.5));
  const v = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / side - 0.5));
  const [x0, y0] = [Math.floor(u), Math.floor(v)];
  const [x1, y1] = [Math.min(w - 1, x0 + 1), Math.min(h - 1, y0 + 1)];
  const [fx, fy] = [u - x0, v - y0];
  const top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
  const bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Draws judgement `r` (PhotoDetector.judge: crop, side, errorMap, mapShape) on `canvas`: the crop,
 * then the ramp over it on `scale` (HEAT_SCALE). Returns the share of the crop coloured.
 */
export function drawHeatmap(canvas, r, scale = HEAT_SCALE) {
  const side = r.side;
  const [h, w] = r.mapShape;
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(side, side);
  const d = img.data;
  let hot = 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const p = y * side + x;
      const t = (bilinear(r.errorMap, h, w, side, x, y) - scale.lo) / (scale.hi - scale.lo);
      const [cr, cg, cb, ca] = ramp(t);
      const a = ca / 255;
      if (a > 0) hot++;
      for (let k = 0; k < 3; k++) d[4 * p + k] = Math.round(r.crop[3 * p + k] * (1 - a) + [cr, cg, cb][k] * a);
      d[4 * p + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return hot / (side * side);
}
