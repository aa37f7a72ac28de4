// What the browser tests share: a static server for www/, Debian's headless Chromium (playwright-core,
// no downloaded browser) with WebGPU on (SwiftShader without a GPU), numbered checks, and the
// fixtures with the native CLI's scores of them (tests/fixtures, written by regenerate.sh).
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const out = path.join(here, 'out');
mkdirSync(out, { recursive: true });

let passed = 0;
let failed = 0;
/** Runs one check; prints "ok NAME (note)" or "FAIL NAME: why". */
export async function check(name, fn) {
  try {
    const note = await fn();
    passed++;
    console.log(`ok   ${name}${note ? ` (${note})` : ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
  }
}
export const assert = (cond, msg) => { if (!cond) throw new Error(msg); };
/** Prints and records "N passed, N failed" for `name`; the exit status says whether all passed. */
export function finish(name) {
  writeFileSync(path.join(out, `${name}-result.txt`), `${passed} passed, ${failed} failed\n`);
  console.log(`${name}: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

/**
 * Serves www/ on a free-ish port and starts Chromium (with `extraArgs`, e.g. a fake camera); `open`
 * loads the page and waits until it is ready, and records every URL the page requested.
 */
export async function start(extraArgs = []) {
  const port = 8000 + (process.pid % 1000);
  const base = `http://127.0.0.1:${port}/`;
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', path.join(root, 'www')], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 800));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  async function open(query, viewport = { width: 1280, height: 900 }, { initScript } = {}) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: viewport.width < 500 ? 2 : 1 });
    const page = await context.newPage();
    const errors = [];
    const requests = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    if (initScript) await page.addInitScript(initScript);
    await page.goto(base + query);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 120_000 });
    return { page, errors, context, requests };
  }
  const stop = async () => {
    await browser.close();
    server.kill();
  };
  return { browser, open, stop, base };
}

const text = (f) => readFileSync(path.join(root, f), 'utf8');
export const manifest = JSON.parse(text('models/manifest.json'));
export const entry = (name) => manifest.models.find((m) => m.name === name);
/** The native `connective score` lines for a model: [{logit, score, recon_error, …}]. */
export const native = (name) => text(`tests/fixtures/scores/${name}.jsonl`).trim().split('\n').map((l) => JSON.parse(l));
/** The models with native scores of the fixtures: the ten digits and two photo models. */
export const scoredModels = manifest.models.map((m) => m.name).filter((n) => /^mnist-\d$/.test(n) || n === 'caltech-airplanes' || n === 'caltech-airplanes-faces_easy-motorbikes');

// The fixture digits (IDX, 28×28 grey levels) and photos (colour IDX, 32×32, HWC).
const idx = readFileSync(path.join(root, 'tests/fixtures/digits-idx3-ubyte'));
export const digitCount = idx.readUInt32BE(4);
/** Fixture digit `i`: 784 grey levels (0–255) as a plain array. */
export const fixture = (i) => Array.from(idx.subarray(16 + i * 784, 16 + (i + 1) * 784));
const pidx = readFileSync(path.join(root, 'tests/fixtures/photos-idx4-ubyte'));
export const photoCount = pidx.readUInt32BE(4);
/** Fixture photo `i` as a photo model's input: 3×32×32 values in [0, 1], channel-major. */
export const photo = (i) => {
  const hw = 32 * 32;
  const px = pidx.subarray(20 + i * 3 * hw, 20 + (i + 1) * 3 * hw);
  return Array.from({ length: 3 * hw }, (_, j) => px[(j % hw) * 3 + Math.floor(j / hw)] / 255);
};
