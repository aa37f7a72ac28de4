// What the browser tests share: a static server for www/, Debian's headless Chromium (playwright-core,
// no downloaded browser) with WebGPU on (SwiftShader without a GPU), numbered checks, and the
// fixtures with the native CLI's scores of them (tests/fixtures: regenerate.sh, and the photo
// detectors' native.json from tests/model/fixtures.rs).
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
  async function open(query, viewport = { width: 1280, height: 900 }, { initScript, route } = {}) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: viewport.width < 500 ? 2 : 1 });
    const page = await context.newPage();
    const errors = [];
    const requests = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    if (initScript) await page.addInitScript(initScript);
    // [url pattern, handler]: answers those requests itself (e.g. a corrupted file).
    if (route) await page.route(...route);
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
/** The models with native scores of the fixture digits: the ten digit models. */
export const scoredModels = manifest.models.map((m) => m.name).filter((n) => /^mnist-\d$/.test(n));

// The fixture digits (IDX, 28×28 grey levels).
const idx = readFileSync(path.join(root, 'tests/fixtures/digits-idx3-ubyte'));
export const digitCount = idx.readUInt32BE(4);
/** Fixture digit `i`: 784 grey levels (0–255) as a plain array. */
export const fixture = (i) => Array.from(idx.subarray(16 + i * 784, 16 + (i + 1) * 784));

// The photo detectors (manifest.photos) and the native CLI's judgements of the fixture PNGs
// (tests/fixtures/photo-detectors/native.json, kept current by tests/model/fixtures.rs).
export const photoEntry = (name) => (manifest.photos || []).find((m) => m.name === name);
export const photoFixtures = path.join(root, 'tests/fixtures/photo-detectors');
export const photoNative = JSON.parse(text('tests/fixtures/photo-detectors/native.json'));
/** Fixture PNG `file` as base64, for a page to decode. */
export const photoPng = (file) => readFileSync(path.join(photoFixtures, file)).toString('base64');
/** The keys of a judgement that must equal the CLI's (the CLI's name → the binding's). */
export const JUDGEMENT_KEYS = { score: 'score', logit: 'logit', recon_error: 'reconError', neighbours: 'neighbours', combined: 'combined', threshold: 'threshold' };
/**
 * The largest |browser − native| of a judgement `got` against the CLI's line `want`, over the
 * scores and the nearest photos' similarities; throws when the verdict, the judged-by rule or
 * the nearest photos differ.
 */
export function judgementGap(got, want, what) {
  assert(got.verdict === want.verdict, `${what}: verdict ${got.verdict}, native ${want.verdict}`);
  assert(got.judgedBy === want.judged_by, `${what}: judged by ${got.judgedBy}, native ${want.judged_by}`);
  const idx = (n) => n.map((x) => x.index).join(',');
  assert(idx(got.nearest) === idx(want.nearest), `${what}: nearest ${idx(got.nearest)}, native ${idx(want.nearest)}`);
  assert(got.nearest.every((n, i) => n.photo === want.nearest[i].photo), `${what}: nearest photos' names differ`);
  let worst = 0;
  for (const [k, g] of Object.entries(JUDGEMENT_KEYS)) {
    assert(Number.isFinite(got[g]), `${what}: ${g} is ${got[g]}`);
    worst = Math.max(worst, Math.abs(got[g] - want[k]));
  }
  got.nearest.forEach((n, i) => (worst = Math.max(worst, Math.abs(n.similarity - want.nearest[i].similarity))));
  return worst;
}

/**
 * Runs `action` in photos mode and waits until the page has shown a new judgement (verdict, heat
 * map and nearest photos: #backbone's data-shown counts them); returns window.connective.photoResult.
 */
export async function judged(page, action, timeout = 60_000) {
  const shown = () => page.evaluate(() => Number(document.querySelector('[data-testid=backbone]').dataset.shown || 0));
  const before = await shown();
  await action();
  await page.waitForFunction(
    (b) => Number(document.querySelector('[data-testid=backbone]').dataset.shown || 0) > b || /failed|could not/i.test(document.getElementById('status').textContent),
    before,
    { timeout },
  );
  assert((await shown()) > before, `no judgement: ${await page.textContent('#status')}`);
  return page.evaluate(() => window.connective.photoResult);
}
