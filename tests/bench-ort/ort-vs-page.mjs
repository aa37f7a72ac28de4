// The page's digit inference against onnxruntime-web on the same network, in one Chromium.
// A measuring tool, not a test: nothing is asserted beyond the two sides agreeing on the scores.
// Needs: the built page in www/ (bash www/build.sh), `python3 twin.py` (writes out/mnist-3.onnx),
// `npm ci` here (onnxruntime-web) and playwright-core in ../e2e/node_modules.
// Run: (cd tests/bench-ort && node ort-vs-page.mjs [--rounds 12] [--runs 300])
//
// Each round opens fresh pages in turn, one at a time (VARIANTS below):
//   page      www/?backend=cpu&digit=3: window.connective.bench(runs) (5 warm-ups, then p50/p95 of
//             `runs` calls of Connective.score with A(x) and the connective image read back); then,
//             same page, `runs` calls of session.score and of session.scoreBatch(x, 1) with the
//             wall time and the `ms` the Rust side measured itself (tensor in, detect, read back);
//   ort1      ort.html?threads=1: ortBench(runs), the same digit, the same warm-ups and quantiles;
//   page-coi, ort1-coi  the same two on the cross-origin-isolated port (5 µs timers there);
//   ort2-coi  ort.html?threads=2 on that port (onnxruntime-web's thread pool needs it).
// Before the rounds, both sides score the 20 fixture digits against the native CLI's scores.
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { chromium } = createRequire(path.join(here, '../e2e/package.json'))('playwright-core');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 12);
const RUNS = arg('runs', 300);
const MODEL = 'mnist-3';

const port = 9500 + (process.pid % 400) * 2;
const server = spawn('python3', [path.join(here, 'serve.py'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => server.stdout.once('data', resolve));
const plain = `http://127.0.0.1:${port}/`;
const isolated = `http://127.0.0.1:${port + 1}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// The native CLI's scores of the fixture digits, and the digits themselves.
const native = readFileSync(path.join(root, `tests/fixtures/scores/${MODEL}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const idx = readFileSync(path.join(root, 'tests/fixtures/digits-idx3-ubyte'));
const fixture = (i) => Array.from(idx.subarray(16 + i * 784, 16 + (i + 1) * 784));

async function open(url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  try {
    await page.waitForFunction(() => document.body && document.body.dataset.ready, null, { timeout: 120_000 });
  } catch (e) {
    throw new Error(`${url} never became ready: ${errors.join(' | ') || e.message}`);
  }
  return { page, context, errors };
}

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** p50/p95 of `n` timed calls of `fn` in the page after 5 warm-ups: wall time and the Rust-measured ms. */
async function pageSplit(page, call, grey, n) {
  return page.evaluate(async ({ call, grey, n }) => {
    const c = window.connective.session;
    const x = Uint8Array.from(grey);
    const f = call === 'score' ? () => c.score(x) : () => c.scoreBatch(x, 1);
    for (let i = 0; i < 5; i++) await f();
    const wall = [];
    const rust = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const r = await f();
      wall.push(performance.now() - t0);
      rust.push(r.ms);
    }
    const q = (t, p) => { t.sort((a, b) => a - b); return t[Math.min(t.length - 1, Math.max(0, Math.ceil(p * t.length) - 1))]; };
    return { wall50: q(wall, 0.5), wall95: q(wall, 0.95), rust50: q(rust, 0.5), rust95: q(rust, 0.95) };
  }, { call, grey, n });
}

// In the order each round opens them. The plain port is how the page is deployed (Chromium then
// rounds performance.now() to 0.1 ms); the isolated port (COOP/COEP) gives 5 µs timers and lets
// onnxruntime-web start its thread pool.
const VARIANTS = [
  { key: 'page', kind: 'page', what: 'page: window.connective.bench (CPU build, A(x) + connective read back)', url: () => `${plain}?backend=cpu&digit=3` },
  { key: 'ort1', kind: 'ort', what: 'onnxruntime-web, wasm EP, 1 thread (all four outputs read)', url: () => `${plain}ort/ort.html?threads=1` },
  { key: 'page-coi', kind: 'page', what: 'page, cross-origin isolated port (5 µs timer)', url: () => `${isolated}?backend=cpu&digit=3` },
  { key: 'ort1-coi', kind: 'ort', what: 'onnxruntime-web, 1 thread, cross-origin isolated port (5 µs timer)', url: () => `${isolated}ort/ort.html?threads=1` },
  { key: 'ort2-coi', kind: 'ort', what: 'onnxruntime-web, 2 threads, cross-origin isolated port', url: () => `${isolated}ort/ort.html?threads=2` },
];
const rows = { score: [], batch: [] };
for (const v of VARIANTS) rows[v.key] = [];
let ortInfo = {};
let grey;
const load0 = os.loadavg();
try {
  // The page's own benchmark input (a sample of the model's digit from the gallery sprite): the
  // same 784 grey levels go to onnxruntime-web.
  {
    const { page, context } = await open(`${plain}?backend=cpu&digit=3`);
    const s = await page.evaluate(async () => {
      const g = await import('./js/gallery.js');
      const { state } = await import('./js/state.js');
      const i = state.samples.labels.indexOf(state.digit);
      return { grey: Array.from(g.sample(i < 0 ? 0 : i)), label: state.samples.labels[i], model: window.connective.model, backend: window.connective.session.backend, score: await window.connective.session.score(g.sample(i < 0 ? 0 : i)) };
    });
    grey = s.grey;
    console.log(`bench input: gallery sample labelled ${s.label}; page model ${s.model} on ${s.backend}: logit ${s.score.logit}, recon error ${s.score.reconError}`);
    // The page's scores of the fixture digits against the native CLI's.
    const got = await page.evaluate(async (imgs) => {
      const out = [];
      for (const g of imgs) {
        const r = await window.connective.session.score(Uint8Array.from(g));
        out.push([r.logit, r.reconError]);
      }
      return out;
    }, native.map((_, i) => fixture(i)));
    const dl = Math.max(...got.map((g, i) => Math.abs(g[0] - native[i].logit)));
    const de = Math.max(...got.map((g, i) => Math.abs(g[1] - native[i].recon_error)));
    console.log(`page vs native on ${native.length} fixture digits: max |logit diff| ${dl.toExponential(2)}, max |recon_error diff| ${de.toExponential(2)}`);
    await context.close();
  }
  // onnxruntime-web's scores of the fixture digits and of the bench input.
  for (const [base, threads] of [[plain, 1], [isolated, 2]]) {
    const { page, context } = await open(`${base}ort/ort.html?threads=${threads}`);
    const info = await page.evaluate(() => window.ortInfo);
    const got = await page.evaluate(async (imgs) => {
      const out = [];
      for (const g of imgs) {
        const r = await window.ortScore(Uint8Array.from(g));
        out.push([r.logit, r.reconError]);
      }
      return out;
    }, [...native.map((_, i) => fixture(i)), grey]);
    const b = got.pop();
    const dl = Math.max(...got.map((g, i) => Math.abs(g[0] - native[i].logit)));
    const de = Math.max(...got.map((g, i) => Math.abs(g[1] - native[i].recon_error)));
    console.log(`onnxruntime-web ${info.version}, ${threads} thread(s) asked, numThreads after init ${info.numThreads}, crossOriginIsolated ${info.crossOriginIsolated}: vs native max |logit diff| ${dl.toExponential(2)}, max |recon_error diff| ${de.toExponential(2)}; bench input logit ${b[0]}, recon error ${b[1]}`);
    if (threads === 1) ortInfo = info;
    await context.close();
  }

  for (let round = 1; round <= ROUNDS; round++) {
    const line = [];
    for (const v of VARIANTS) {
      const { page, context } = await open(v.url());
      if (v.kind === 'page') {
        const r = await page.evaluate((n) => window.connective.bench(n), RUNS);
        if (r.backend !== 'cpu') throw new Error(`page ran on ${r.backend}`);
        if (v.key === 'page') {
          rows.score.push(await pageSplit(page, 'score', grey, RUNS));
          rows.batch.push(await pageSplit(page, 'batch', grey, RUNS));
        }
        rows[v.key].push(r);
        line.push(`${v.key} ${r.p50}/${r.p95}`);
      } else {
        const r = await page.evaluate(({ grey, n }) => window.ortBench(Uint8Array.from(grey), n), { grey, n: RUNS });
        rows[v.key].push(r);
        line.push(`${v.key} ${r.p50}/${r.p95}`);
      }
      await context.close();
    }
    console.log(`round ${round}/${ROUNDS}: ${line.join(', ')} ms (load ${os.loadavg()[0].toFixed(2)})`);
  }
} finally {
  await browser.close();
  server.kill();
}
const load1 = os.loadavg();

const f = (x) => x.toFixed(2);
const med = (key, field) => median(rows[key].map((r) => r[field]));
const pageP50 = med('page', 'p50');
console.log(`\n${MODEL}, one 28×28 digit per call, ${RUNS} timed calls after 5 warm-ups per round, ${ROUNDS} rounds (fresh page each), medians over rounds; ` +
  `Chromium ${browser.version()}, onnxruntime-web ${ortInfo.version}; load average ${load0.map(f).join(' ')} before, ${load1.map(f).join(' ')} after\n`);
console.log('| what | p50 (ms) | p95 (ms) | page p50 / this p50 (same port) |');
console.log('|---|---:|---:|---:|');
for (const v of VARIANTS) {
  const same = v.key.endsWith('-coi') ? med('page-coi', 'p50') : pageP50;
  console.log(`| ${v.what} | ${f(med(v.key, 'p50'))} | ${f(med(v.key, 'p95'))} | ${f(same / med(v.key, 'p50'))} |`);
}
console.log('\nWhere the page\'s time goes (same page, after its bench; wall = JS around the call, rust = the `ms` the call reports: tensor in, detect, read back):\n');
console.log('| call | wall p50 | wall p95 | rust p50 | rust p95 |');
console.log('|---|---:|---:|---:|---:|');
for (const [key, what] of [['score', 'session.score(x) (what bench times)'], ['batch', 'session.scoreBatch(x, 1) (no images read back)']]) {
  console.log(`| ${what} | ${f(med(key, 'wall50'))} | ${f(med(key, 'wall95'))} | ${f(med(key, 'rust50'))} | ${f(med(key, 'rust95'))} |`);
}
