// Benchmark (nothing asserted): one `Backbone.features` call of the built page's wasm in headless
// Chromium, per input side, after a warm-up: p50 / p95 / min over N calls, the wasm's size, and the
// time Rust measured inside the call. Decides the side photos are fed to the backbone at.
//   node backbone-bench.mjs [--build pkg-cpu] [--backend cpu] [--sides 160,192,224] [--n 15] [--warmup 3]
// Run after `bash www/build.sh` (WASM_PROFILE=wasm-release: what ships). Prints a Markdown table.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { root, start } from './harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const build = arg('build', 'pkg-cpu');
const backend = arg('backend', build === 'pkg-cpu' ? 'cpu' : 'webgpu');
const sides = arg('sides', '160,192,224').split(',').map(Number);
const n = Number(arg('n', 15));
const warmup = Number(arg('warmup', 3));

const wasmFile = path.join(root, 'www', build, 'connective_bg.wasm');
const wasmBytes = readFileSync(wasmFile);
const { open, stop } = await start();
try {
  const { page, context } = await open(`?digit=3&backend=${backend === 'webgpu' ? 'webgpu' : 'cpu'}`);
  const rows = await page.evaluate(async ({ build, backend, sides, n, warmup }) => {
    const wasm = await import(`./${build}/connective.js`);
    await wasm.default();
    const bytes = new Uint8Array(await (await fetch('models/efficientnet-lite0.bpk')).arrayBuffer());
    const t0 = performance.now();
    const bb = await wasm.Backbone.load(bytes, backend);
    const loadMs = performance.now() - t0;
    // A real photo (one of the page's samples), cropped and resized in Rust like the page's.
    const meta = await (await fetch('samples/photos/photos.json')).json();
    const bmp = await createImageBitmap(await (await fetch(`samples/photos/${meta.photos[0].file}`)).blob());
    const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
    ctx.drawImage(bmp, 0, 0);
    const rgba = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    const rows = [];
    for (const side of sides) {
      const rgb = wasm.preprocessPhotoRgb(rgba, bmp.width, bmp.height, side);
      for (let i = 0; i < warmup; i++) await bb.features(rgb, side);
      const wall = [];
      const inner = [];
      let shape;
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        const r = await bb.features(rgb, side);
        wall.push(performance.now() - t);
        inner.push(r.ms);
        shape = r.mapShape;
      }
      const q = (v, p) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))];
      rows.push({ side, shape, p50: q(wall, 0.5), p95: q(wall, 0.95), min: Math.min(...wall), inner: q(inner, 0.5) });
    }
    const ran = bb.backend;
    bb.free();
    return { rows, loadMs, ran, ua: navigator.userAgent };
  }, { build, backend, sides, n, warmup });
  await context.close();
  const mb = (b) => (b / 1e6).toFixed(2);
  console.log(`Backbone.features, ${build} on ${rows.ran}, ${n} calls after ${warmup} warm-up, headless Chromium (${rows.ua.match(/Chrome\/[\d.]+/)?.[0] ?? '?'})`);
  console.log(`${build}/connective_bg.wasm: ${mb(wasmBytes.length)} MB raw, ${mb(gzipSync(wasmBytes, { level: 9 }).length)} MB gzip -9; backbone load ${rows.loadMs.toFixed(0)} ms`);
  console.log('');
  console.log('| side | map | p50 ms | p95 ms | min ms | p50 in Rust ms |');
  console.log('|---:|---|---:|---:|---:|---:|');
  for (const r of rows.rows) console.log(`| ${r.side} | ${r.shape.join('×')} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.min.toFixed(1)} | ${r.inner.toFixed(1)} |`);
} finally {
  await stop();
}
