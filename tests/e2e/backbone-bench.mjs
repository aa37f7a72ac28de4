// Benchmark (nothing asserted): one `Backbone.features` call of the built page's wasm in headless
// Chromium, per input side, after a warm-up: p50 / p95 / min over N calls, the wasm's size, and the
// time Rust measured inside the call. Decides the side photos are fed to the backbone at. Then a
// photo verdict as the page takes it (`PhotoDetector.judge`: preprocessing, backbone, detector and
// the one read-back) with a photo detector (--detector, else the first of manifest.photos) at its
// own side and at each of --sides.
//   node backbone-bench.mjs [--build pkg-cpu] [--backend cpu] [--sides 160,192,224] [--n 15] [--warmup 3] [--detector photo-airplanes]
// Run after `bash www/build.sh` (WASM_PROFILE=wasm-release: what ships). Prints Markdown tables.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { manifest, root, start } from './harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const build = arg('build', 'pkg-cpu');
const backend = arg('backend', build === 'pkg-cpu' ? 'cpu' : 'webgpu');
const sides = arg('sides', '160,192,224').split(',').map(Number);
const n = Number(arg('n', 15));
const warmup = Number(arg('warmup', 3));
const detector = (manifest.photos || []).find((p) => p.name === arg('detector', (manifest.photos || [])[0]?.name));

const wasmFile = path.join(root, 'www', build, 'connective_bg.wasm');
const wasmBytes = readFileSync(wasmFile);
const { open, stop } = await start();
try {
  const { page, context } = await open(`?digit=3&backend=${backend === 'webgpu' ? 'webgpu' : 'cpu'}`);
  const rows = await page.evaluate(async ({ build, backend, sides, n, warmup, detector }) => {
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
    const q = (v, p) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))];
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
      rows.push({ side, shape, p50: q(wall, 0.5), p95: q(wall, 0.95), min: Math.min(...wall), inner: q(inner, 0.5) });
    }
    // The verdict: what the page waits for after a photo is chosen.
    const verdicts = [];
    if (detector) {
      const d = wasm.PhotoDetector.load(JSON.stringify(detector), new Uint8Array(await (await fetch(`models/${detector.file}`)).arrayBuffer()), bb);
      for (const side of [d.side, ...sides.filter((s) => s !== d.side)]) {
        for (let i = 0; i < warmup; i++) await d.judge(bb, rgba, bmp.width, bmp.height, side);
        const wall = [];
        const inner = [];
        let r;
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          r = await d.judge(bb, rgba, bmp.width, bmp.height, side);
          wall.push(performance.now() - t);
          inner.push(r.ms);
        }
        verdicts.push({ side, own: side === d.side, map: r.mapShape, p50: q(wall, 0.5), p95: q(wall, 0.95), min: Math.min(...wall), inner: q(inner, 0.5) });
      }
      d.free();
    }
    const ran = bb.backend;
    bb.free();
    return { rows, verdicts, loadMs, ran, ua: navigator.userAgent };
  }, { build, backend, sides, n, warmup, detector });
  await context.close();
  const mb = (b) => (b / 1e6).toFixed(2);
  console.log(`Backbone.features, ${build} on ${rows.ran}, ${n} calls after ${warmup} warm-up, headless Chromium (${rows.ua.match(/Chrome\/[\d.]+/)?.[0] ?? '?'})`);
  console.log(`${build}/connective_bg.wasm: ${mb(wasmBytes.length)} MB raw, ${mb(gzipSync(wasmBytes, { level: 9 }).length)} MB gzip -9; backbone load ${rows.loadMs.toFixed(0)} ms`);
  console.log('');
  console.log('| side | map | p50 ms | p95 ms | min ms | p50 in Rust ms |');
  console.log('|---:|---|---:|---:|---:|---:|');
  for (const r of rows.rows) console.log(`| ${r.side} | ${r.shape.join('×')} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.min.toFixed(1)} | ${r.inner.toFixed(1)} |`);
  if (rows.verdicts.length) {
    console.log('');
    console.log(`PhotoDetector.judge (${detector.name}, trained at ${detector.config.side} px: preprocessing, backbone, detector, read-back), ${build} on ${rows.ran}, ${n} calls after ${warmup} warm-up`);
    console.log('');
    console.log('| side | error map | p50 ms | p95 ms | min ms | p50 in Rust ms (backbone + detector + read-back) |');
    console.log('|---:|---|---:|---:|---:|---:|');
    for (const r of rows.verdicts) console.log(`| ${r.side}${r.own ? ' (the detector’s)' : ''} | ${r.map.join('×')} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.min.toFixed(1)} | ${r.inner.toFixed(1)} |`);
  }
} finally {
  await stop();
}
