// Symbols that are not digits, drawn as pen strokes by a script, for teaching a detector in the
// page (teach.mjs, teach-bench.mjs): each letter a list of strokes in the unit square (x right,
// y down, as strokes.mjs), and `drawing(letter, seed)` one hand-drawn-looking copy of it: placed
// at a random size, slant and position, every point wobbling a little, so no two are alike.
import { arc, place } from './strokes.mjs';

const path = (...pieces) => pieces.flatMap((p) => (typeof p[0] === 'number' ? [p] : p));

/** The letters, capitals drawn the common way (stroke order and direction as a hand does). */
export const letters = {
  A: [[[0.28, 0.84], [0.5, 0.16], [0.72, 0.84]], [[0.36, 0.6], [0.64, 0.6]]],
  E: [[[0.68, 0.17], [0.34, 0.17], [0.34, 0.83], [0.68, 0.83]], [[0.34, 0.5], [0.6, 0.5]]],
  K: [[[0.34, 0.15], [0.34, 0.85]], [[0.68, 0.16], [0.35, 0.55]], [[0.45, 0.45], [0.7, 0.85]]],
  R: [[[0.34, 0.85], [0.34, 0.16], ...arc(0.45, 0.33, 0.2, 0.17, -90, 90).map(([x, y]) => [Math.max(x, 0.34), y]), [0.34, 0.5]], [[0.45, 0.5], [0.7, 0.85]]],
  W: [[[0.2, 0.18], [0.34, 0.84], [0.5, 0.4], [0.66, 0.84], [0.8, 0.18]]],
  Y: [[[0.3, 0.16], [0.5, 0.5]], [[0.7, 0.16], [0.5, 0.5], [0.5, 0.85]]],
  G: [path(arc(0.5, 0.5, 0.24, 0.33, -40, -340), [0.72, 0.52], [0.54, 0.52])],
};

/** A small seeded generator (mulberry32): the same seed draws the same symbol everywhere. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One drawing of `letter`: its strokes resized (70–100 %), slanted, moved and wobbled, by `seed`. */
export function drawing(letter, seed) {
  const r = random(seed * 7919 + letter.charCodeAt(0));
  const u = (lo, hi) => lo + (hi - lo) * r();
  const scale = u(0.7, 1.0);
  const placed = place(letters[letter], { scale: [scale * u(0.85, 1.1), scale], slant: u(-0.12, 0.22), dx: u(-0.07, 0.07), dy: u(-0.06, 0.06) });
  return placed.map((s) => s.map(([x, y]) => [x + u(-0.015, 0.015), y + u(-0.015, 0.015)]));
}

/**
 * Draws `strokes` as the pad does (white, round pen 1/12 of the side wide, on black) on a canvas
 * of `side` pixels and returns its RGBA. Runs in the page (pass it to page.evaluate as a string).
 */
export const rasterSource = `(strokes, side) => {
  const c = new OffscreenCanvas(side, side);
  const ctx = c.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, side, side);
  ctx.fillStyle = ctx.strokeStyle = '#fff';
  ctx.lineWidth = side / 12;
  ctx.lineCap = ctx.lineJoin = 'round';
  for (const s of strokes) {
    ctx.beginPath();
    s.forEach(([x, y], i) => (i ? ctx.lineTo(x * side, y * side) : ctx.moveTo(x * side, y * side)));
    ctx.stroke();
  }
  return ctx.getImageData(0, 0, side, side).data;
}`;
