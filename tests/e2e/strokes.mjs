// Digits as a person draws them on the pad, for drawn.mjs: each digit 0–9 in four styles (shape,
// size, slant, position). A drawing is a list of strokes (pen down … pen up); a stroke is a
// polyline of [x, y] points in the unit square (x to the right, y down), which drawn.mjs scales to
// the pad's size on the page, so the shapes fit any layout.

const TAU = Math.PI * 2;
const rad = (deg) => (deg * Math.PI) / 180;

/**
 * An elliptic arc around (cx, cy) from angle a0 to a1 in degrees; y grows downwards, so 0° is
 * right, 90° down, 180° left, 270° up, and a decreasing angle runs anticlockwise on screen.
 */
export function arc(cx, cy, rx, ry, a0, a1) {
  const n = Math.max(4, Math.ceil(Math.abs(a1 - a0) / 10));
  return Array.from({ length: n + 1 }, (_, i) => {
    const a = rad(a0 + ((a1 - a0) * i) / n);
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)];
  });
}

/** One stroke made of pieces (points and arcs) drawn one after the other without lifting the pen. */
const path = (...pieces) => pieces.flatMap((p) => (typeof p[0] === 'number' ? [p] : p));

/**
 * A vertical figure eight in one stroke (x = sin t cos t, y = cos t): from the top, left and down
 * across the middle, round the bottom and back up. `top` and `bottom` are the lobes' heights.
 */
function eight(cx, cy, rx, top, bottom) {
  const pts = [];
  const n = 72;
  for (let i = 0; i <= n; i++) {
    const t = Math.PI + 0.35 - ((TAU + 0.5) * i) / n; // starts top right, ends just past the top
    const c = Math.cos(t);
    pts.push([cx + 2 * rx * Math.sin(t) * c, cy + (c < 0 ? top : bottom) * c]);
  }
  return pts;
}

/**
 * Moves a drawing: scales it by `scale` (or [sx, sy]) about the pad's centre, slants it (`slant`:
 * how far right the top leans per unit of height) and shifts it by [dx, dy].
 */
export function place(strokes, { scale = 1, slant = 0, dx = 0, dy = 0 } = {}) {
  const [sx, sy] = Array.isArray(scale) ? scale : [scale, scale];
  return strokes.map((s) =>
    s.map(([x, y]) => {
      const u = 0.5 + (x - 0.5) * sx;
      const v = 0.5 + (y - 0.5) * sy;
      return [u + slant * (0.5 - v) + dx, v + dy];
    }),
  );
}

// The shapes, digit by digit: [style, strokes].
const shapes = {
  0: [
    ['oval', [arc(0.5, 0.5, 0.2, 0.32, -90, -455)]],
    ['narrow slanted oval', place([arc(0.5, 0.5, 0.13, 0.33, -80, -440)], { slant: 0.25 })],
    ['small round, up left', place([arc(0.5, 0.5, 0.2, 0.24, -100, 265)], { dx: -0.1, dy: -0.08 })],
    ['wide, clockwise', [arc(0.5, 0.52, 0.26, 0.3, -90, 278)]],
  ],
  1: [
    ['plain stroke', [[[0.5, 0.15], [0.5, 0.85]]]],
    ['with a flag', [[[0.38, 0.3], [0.53, 0.15], [0.53, 0.85]]]],
    ['flag and base', [[[0.38, 0.3], [0.52, 0.15], [0.52, 0.85]], [[0.37, 0.85], [0.67, 0.85]]]],
    ['slanted, right of centre', [[[0.66, 0.16], [0.48, 0.84]]]],
  ],
  2: [
    ['round top, flat base', [path(arc(0.5, 0.33, 0.18, 0.16, 195, 385), [0.3, 0.82], [0.72, 0.82])]],
    ['loop at the base', [path(arc(0.5, 0.33, 0.18, 0.16, 195, 385), [0.37, 0.72], [0.3, 0.82], [0.23, 0.8], [0.23, 0.72], [0.31, 0.7], [0.41, 0.79], [0.54, 0.84], [0.74, 0.82])]],
    ['angular', [[[0.3, 0.26], [0.44, 0.16], [0.6, 0.17], [0.68, 0.28], [0.3, 0.84], [0.72, 0.84]]]],
    ['small, slanted', place([path(arc(0.5, 0.33, 0.18, 0.16, 195, 385), [0.3, 0.82], [0.72, 0.82])], { scale: 0.72, slant: 0.2, dx: 0.06, dy: 0.05 })],
  ],
  3: [
    ['two round bumps', [path(arc(0.48, 0.32, 0.17, 0.15, 200, 470), arc(0.48, 0.64, 0.19, 0.17, 250, 520))]],
    ['flat top', [path([0.3, 0.17], [0.68, 0.17], [0.45, 0.42], arc(0.48, 0.63, 0.2, 0.2, 245, 515))]],
    ['tall and narrow', place([path(arc(0.48, 0.32, 0.17, 0.15, 200, 470), arc(0.48, 0.64, 0.19, 0.17, 250, 520))], { scale: [0.7, 1.05] })],
    ['slanted, small bottom', place([path(arc(0.5, 0.3, 0.17, 0.14, 200, 465), arc(0.49, 0.61, 0.16, 0.16, 250, 515))], { slant: 0.22, dx: -0.04 })],
  ],
  4: [
    ['open', [[[0.38, 0.15], [0.3, 0.58], [0.74, 0.58]], [[0.61, 0.3], [0.61, 0.87]]]],
    ['closed', [[[0.6, 0.15], [0.28, 0.6], [0.74, 0.6]], [[0.6, 0.15], [0.6, 0.86]]]],
    ['closed, one stroke', [[[0.58, 0.86], [0.58, 0.15], [0.27, 0.6], [0.74, 0.6]]]],
    ['open, slanted and small', place([[[0.38, 0.15], [0.3, 0.58], [0.74, 0.58]], [[0.62, 0.15], [0.62, 0.87]]], { scale: 0.75, slant: 0.2, dx: 0.05 })],
  ],
  5: [
    ['bar drawn last', [path([0.38, 0.16], [0.35, 0.47], arc(0.48, 0.63, 0.19, 0.17, 220, 510)), [[0.38, 0.16], [0.68, 0.15]]]],
    ['one stroke', [path([0.68, 0.16], [0.38, 0.16], [0.35, 0.47], arc(0.48, 0.63, 0.19, 0.17, 220, 510))]],
    ['big belly, slanted', place([path([0.68, 0.16], [0.38, 0.16], [0.34, 0.42], arc(0.5, 0.6, 0.22, 0.22, 215, 515))], { slant: 0.15 })],
    ['small, down left', place([path([0.38, 0.16], [0.35, 0.47], arc(0.48, 0.63, 0.19, 0.17, 220, 510)), [[0.38, 0.16], [0.68, 0.15]]], { scale: 0.7, dx: -0.1, dy: 0.08 })],
  ],
  6: [
    ['curved stem', [path(arc(0.68, 0.6, 0.32, 0.44, 252, 180), arc(0.51, 0.66, 0.16, 0.17, 180, -160))]],
    ['straight stem', [path([0.62, 0.15], [0.37, 0.62], arc(0.51, 0.68, 0.15, 0.16, 195, -160))]],
    ['big loop, slanted', place([path(arc(0.7, 0.6, 0.34, 0.45, 250, 180), arc(0.54, 0.63, 0.2, 0.21, 180, -165))], { slant: 0.18, dx: -0.04 })],
    ['small, up right', place([path(arc(0.68, 0.6, 0.32, 0.44, 252, 180), arc(0.51, 0.66, 0.16, 0.17, 180, -160))], { scale: 0.7, dx: 0.08, dy: -0.06 })],
  ],
  7: [
    ['plain', [[[0.3, 0.18], [0.7, 0.18], [0.45, 0.85]]]],
    ['with a crossbar', [[[0.3, 0.18], [0.7, 0.18], [0.45, 0.85]], [[0.46, 0.51], [0.7, 0.51]]]],
    ['with a serif', [[[0.3, 0.33], [0.3, 0.18], [0.7, 0.18], [0.45, 0.85]]]],
    ['curved stem, slanted', place([[[0.3, 0.2], [0.72, 0.17], [0.62, 0.38], [0.54, 0.6], [0.5, 0.86]]], { slant: 0.12 })],
  ],
  8: [
    ['one stroke', [eight(0.5, 0.5, 0.18, 0.33, 0.35)]],
    ['two circles', [arc(0.5, 0.33, 0.15, 0.15, 0, -360), arc(0.5, 0.65, 0.19, 0.18, -90, 270)]],
    ['slanted', place([eight(0.5, 0.5, 0.17, 0.33, 0.35)], { slant: 0.25 })],
    ['wide, smaller top', [eight(0.5, 0.56, 0.2, 0.25, 0.3)]],
  ],
  9: [
    ['straight tail', [path(arc(0.48, 0.34, 0.17, 0.16, 0, -360), [0.65, 0.86])]],
    ['curved tail', [path(arc(0.48, 0.34, 0.17, 0.16, 0, -360), [0.64, 0.6], [0.59, 0.77], [0.49, 0.85], [0.38, 0.82])]],
    ['slanted', place([path(arc(0.48, 0.34, 0.17, 0.16, 0, -360), [0.63, 0.86])], { slant: 0.25, dx: -0.05 })],
    ['small loop, long tail', [path(arc(0.5, 0.27, 0.13, 0.12, 10, -350), [0.63, 0.5], [0.6, 0.88])]],
  ],
};

/** Every drawing: {digit, style, strokes}, digits 0–9, each in its styles. */
export const drawings = Object.entries(shapes).flatMap(([digit, styles]) => styles.map(([style, strokes]) => ({ digit: Number(digit), style, strokes })));

/**
 * The points the mouse visits along a stroke: its corners and points at most `step` (unit square)
 * apart between them, as a hand moving the mouse would send them.
 */
export function resample(stroke, step = 0.02) {
  const out = [stroke[0]];
  for (let i = 1; i < stroke.length; i++) {
    const [x0, y0] = stroke[i - 1];
    const [x1, y1] = stroke[i];
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / step));
    for (let k = 1; k <= n; k++) out.push([x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n]);
  }
  return out;
}
