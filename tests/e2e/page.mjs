// End-to-end test of the page in Debian's headless Chromium (playwright-core, no downloaded
// browser): load, draw a stroke, upload a digit photo and a non-image, click a gallery digit,
// check window.connective against the native CLI's scores, measure latency, take screenshots.
// Run after `bash www/build.sh`. Prints one line per check and "N passed, N failed".
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync, writeFileSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(here, 'out');
mkdirSync(out, { recursive: true });
const port = 8000 + (process.pid % 1000);
const base = `http://127.0.0.1:${port}/`;

let passed = 0, failed = 0;
async function check(name, fn) {
  try {
    const note = await fn();
    passed++;
    console.log(`ok   ${name}${note ? ` (${note})` : ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
  }
}
const assert = (cond, msg) => { if (!cond) throw new Error(msg); };

/** A w×h PNG, encoded by the browser's own PNG encoder (for the huge-upload check). */
async function gradientPng(page, w, h) {
  const url = await page.evaluate(async ([w, h]) => {
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    // Flat shapes, not a gradient: the file stays small (a gradient is dithered, ~24 MB).
    ctx.fillStyle = '#4a6fa5';
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = '#f2f2f2';
    ctx.fillRect(w / 4, h / 3, w / 2, h / 3);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.readAsDataURL(blob);
    });
  }, [w, h]);
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', path.join(root, 'www')], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 800));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

// The fixture digits and the native CLI's scores for them (tests/fixtures).
const idx = readFileSync(path.join(root, 'tests/fixtures/digits-idx3-ubyte'));
const fixture = (i) => Array.from(idx.subarray(16 + i * 784, 16 + (i + 1) * 784));
const native3 = readFileSync(path.join(root, 'tests/fixtures/scores/mnist-3.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
// The sample photos preprocessed to 32×32 (colour IDX, HWC) and the native scores of the airplane model.
const pidx = readFileSync(path.join(root, 'tests/fixtures/photos-idx4-ubyte'));
const photo = (i) => {
  const hw = 32 * 32;
  const px = pidx.subarray(20 + i * 3 * hw, 20 + (i + 1) * 3 * hw);
  return Array.from({ length: 3 * hw }, (_, j) => px[(j % hw) * 3 + Math.floor(j / hw)] / 255);
};
const nativeAir = readFileSync(path.join(root, 'tests/fixtures/scores/caltech-airplanes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

async function open(query, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: viewport.width < 500 ? 2 : 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + query);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 120_000 });
  return { page, errors, context };
}

try {
  const { page, errors } = await open('?digit=3&backend=cpu');
  await check('page loads wasm and the digit-3 model', async () => {
    assert((await page.evaluate(() => document.body.dataset.ready)) === 'true', 'not ready');
    const badge = await page.textContent('[data-testid=backend]');
    assert(/CPU/.test(badge), `badge says ${badge}`);
    return badge.trim().replace(/\s+/g, ' ');
  });

  await check('drawing a stroke gives a score and a verdict', async () => {
    const box = await page.locator('[data-testid=canvas]').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + 0.05 * i));
    await page.mouse.up();
    await page.waitForFunction(() => /inlier|novel/.test(document.querySelector('[data-testid=verdict]').textContent), null, { timeout: 30_000 });
    const score = await page.textContent('[data-testid=score]');
    assert(/-?\d+\.\d+/.test(score), `score text ${score}`);
    return `${score.trim()}, ${(await page.textContent('[data-testid=verdict]')).trim()}`;
  });

  await check('uploading a PNG of a digit scores it', async () => {
    const before = await page.textContent('[data-testid=score]');
    await page.setInputFiles('[data-testid=upload]', path.join(root, 'tests/fixtures/paper-3.png'));
    await page.waitForFunction((b) => document.querySelector('[data-testid=score]').textContent !== b, before, { timeout: 30_000 });
    return (await page.textContent('[data-testid=verdict]')).trim();
  });

  await check('uploading a non-image is refused with a message, and the page still works', async () => {
    const before = await page.textContent('[data-testid=score]');
    await page.setInputFiles('[data-testid=upload]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await page.waitForFunction(() => /not a PNG, JPEG or WebP/i.test(document.getElementById('status').textContent), null, { timeout: 10_000 });
    assert((await page.textContent('[data-testid=score]')) === before, 'score changed');
    const r = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(6));
    assert(Number.isFinite(r.score), 'no score after the bad upload');
  });

  await check('clicking a gallery digit scores it', async () => {
    const before = await page.textContent('[data-testid=score]');
    await page.locator('#gallery button.tile').nth(7).click();
    await page.waitForFunction((b) => document.querySelector('[data-testid=score]').textContent !== b, before, { timeout: 30_000 });
    return (await page.textContent('[data-testid=verdict]')).trim();
  });

  await check('a gallery pick\'s result also shows under the gallery, as above', async () => {
    // The previous check clicked a gallery digit.
    await page.waitForFunction(() => !document.querySelector('[data-testid=gallery-result]').hidden, null, { timeout: 30_000 });
    const row = page.locator('[data-testid=gallery-result]');
    const title = (await row.locator('.kept-title').textContent()).trim();
    const verdict = (await page.textContent('[data-testid=verdict]')).trim();
    const score = (await page.textContent('[data-testid=score]')).trim().split(' (')[0]; // "score 1.44 (p = 0.81)"
    assert(title.startsWith(verdict) && title.includes(score), `under the gallery "${title}", above "${verdict}" / "${score}"`);
    // Copies of the four panels, not blank canvases: count distinct grey levels of each.
    const levels = await row.locator('canvas').evaluateAll((cs) =>
      cs.map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return new Set(Array.from({ length: d.length / 4 }, (_, i) => d[4 * i] + 256 * d[4 * i + 1] + 65536 * d[4 * i + 2])).size;
      }),
    );
    assert(levels.length === 4 && levels.every((n) => n > 8), `pictures under the gallery ${levels}`);
    return title;
  });

  await check('the threshold follows the input: MNIST images vs drawings and uploads', async () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'models/manifest.json'), 'utf8'));
    const e = manifest.models.find((m) => m.name === 'mnist-3');
    assert(typeof e.drawn_threshold === 'number', 'mnist-3 has no drawn threshold');
    const shown = async () => [(await page.textContent('#threshold-out')).trim(), (await page.textContent('[data-testid=threshold-which]')).trim()];
    // The previous check clicked a gallery digit: an MNIST image.
    let [t, which] = await shown();
    assert(t === e.threshold.toFixed(2) && /MNIST images/.test(which), `gallery digit: ${t} ${which}`);
    const before = await page.textContent('[data-testid=score]');
    await page.setInputFiles('[data-testid=upload]', path.join(root, 'tests/fixtures/paper-3.png'));
    await page.waitForFunction((b) => document.querySelector('[data-testid=score]').textContent !== b, before, { timeout: 30_000 });
    [t, which] = await shown();
    assert(t === e.drawn_threshold.toFixed(2) && /drawings/.test(which), `upload: ${t} ${which}`);
    const verdict = (await page.textContent('[data-testid=verdict]')).trim();
    // Back to a gallery digit, then a blank pad (which waits for a drawing): value and label agree.
    const again = await page.textContent('[data-testid=score]');
    await page.locator('#gallery button.tile').nth(12).click();
    await page.waitForFunction((b) => document.querySelector('[data-testid=score]').textContent !== b, again, { timeout: 30_000 });
    [t, which] = await shown();
    assert(t === e.threshold.toFixed(2) && /MNIST images/.test(which), `gallery digit again: ${t} ${which}`);
    await page.click('#clear');
    await page.waitForFunction(() => /drawings/.test(document.querySelector('[data-testid=threshold-which]').textContent), null, { timeout: 10_000 });
    [t, which] = await shown();
    assert(t === e.drawn_threshold.toFixed(2), `blank pad: ${t} ${which}`);
    return `${e.threshold.toFixed(2)} for MNIST images, ${e.drawn_threshold.toFixed(2)} for drawings; paper-3.png: ${verdict}`;
  });

  await check('window.connective.score matches the native CLI within 1e-4 (CPU)', async () => {
    let worst = 0;
    for (let i = 0; i < native3.length; i++) {
      const r = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(i));
      worst = Math.max(worst, Math.abs(r.score - native3[i].score));
    }
    assert(worst <= 1e-4, `max difference ${worst}`);
    return `max |Δ| = ${worst.toExponential(2)} over ${native3.length} digits`;
  });

  await check('switching digits loads another model', async () => {
    await page.evaluate(() => window.connective.setModel(7));
    const r = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(14));
    assert(Number.isFinite(r.score), 'no score');
  });

  await check('another detector rescores the gallery pick, and the row under the gallery follows', async () => {
    const before = await page.textContent('[data-testid=score]');
    await page.locator('#gallery button.tile').nth(12).click();
    await page.waitForFunction((b) => document.querySelector('[data-testid=score]').textContent !== b, before, { timeout: 30_000 });
    await page.waitForFunction(() => /mnist-7/.test(document.querySelector('[data-testid=gallery-result] .kept-words')?.textContent ?? ''), null, { timeout: 30_000 });
    await page.evaluate(() => window.connective.setModel(3));
    await page.waitForFunction(() => /mnist-3/.test(document.querySelector('[data-testid=gallery-result] .kept-words')?.textContent ?? ''), null, { timeout: 30_000 });
    const title = (await page.textContent('[data-testid=gallery-result] .kept-title')).trim();
    const verdict = (await page.textContent('[data-testid=verdict]')).trim();
    assert(title.startsWith(verdict) && /a 3/.test(verdict), `under the gallery "${title}", above "${verdict}"`);
    return title;
  });

  await page.screenshot({ path: path.join(out, 'desktop.png'), fullPage: true });

  await check('photos mode: a sample photo gets a verdict from the airplane model', async () => {
    await page.click('[data-testid=mode] button[data-mode=photos]');
    await page.waitForFunction(() => document.querySelector('[data-testid=photo-model]').dataset.value, null, { timeout: 60_000 });
    await page.evaluate(() => window.connective.setPhotoModel('caltech-airplanes'));
    await page.waitForSelector('#photo-gallery button.tile', { timeout: 30_000 });
    const before = await page.textContent('[data-testid=score]');
    await page.locator('#photo-gallery button.tile[data-class=airplanes]').first().click();
    await page.waitForFunction((b) => document.querySelector('[data-testid=score]').textContent !== b, before, { timeout: 30_000 });
    const v = (await page.textContent('[data-testid=verdict]')).trim();
    assert(/airplanes/.test(v), `verdict ${v}`);
    // The photo model judges by eq. 6′ and the page shows its two parts.
    const parts = await page.textContent('#recon-error');
    assert(/C’s part [+−]\d/.test(parts) && /A’s part [+−]\d/.test(parts), `parts line ${parts}`);
    // The model facts say what the wasm module read from the entry: three C's, verdict on eq. 6′.
    const facts = await page.textContent('#model-facts');
    assert(/Classifiers C\s*3, trained with different seeds/.test(facts) && /Verdict on\s*f\(x\) and the reconstruction error/.test(facts), `facts ${facts}`);
    return v;
  });

  await check('the gauge\'s "threshold" label stands under the threshold\'s tick, and follows the slider', async () => {
    const centres = () => page.evaluate(() => ['gauge-tick', 'gauge-label'].map((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      return r.left + r.width / 2;
    }));
    // The airplane model's threshold (−1.25) puts the tick at a fifth of the gauge, away from the middle.
    let [tick, label] = await centres();
    assert(Math.abs(tick - label) < 3, `tick at ${tick.toFixed(1)} px, label at ${label.toFixed(1)} px`);
    const first = tick;
    // As a drag does: a new value, then an input event.
    await page.evaluate(() => {
      const t = document.getElementById('threshold');
      t.value = '1';
      t.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction((x) => Math.abs(document.getElementById('gauge-tick').getBoundingClientRect().left - x) > 10, first, { timeout: 10_000 });
    [tick, label] = await centres();
    assert(Math.abs(tick - label) < 3, `after the slider: tick at ${tick.toFixed(1)} px, label at ${label.toFixed(1)} px`);
    await page.click('#reset');
    return `tick and label ${first.toFixed(0)} px, at threshold 1: ${tick.toFixed(0)} px`;
  });

  await check('photos mode: uploading a JPEG photo scores it, a non-image is refused', async () => {
    const before = await page.textContent('[data-testid=score]');
    await page.setInputFiles('[data-testid=upload]', path.join(root, 'tests/fixtures/photos/clutter', readdirSync(path.join(root, 'tests/fixtures/photos/clutter'))[0]));
    await page.waitForFunction((b) => document.querySelector('[data-testid=score]').textContent !== b, before, { timeout: 30_000 });
    const after = await page.textContent('[data-testid=score]');
    await page.setInputFiles('[data-testid=upload]', { name: 'x.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') });
    await page.waitForFunction(() => /not a PNG, JPEG or WebP/i.test(document.getElementById('status').textContent), null, { timeout: 10_000 });
    assert((await page.textContent('[data-testid=score]')) === after, 'score changed after the refused file');
    return (await page.textContent('[data-testid=verdict]')).trim();
  });

  await check('photos mode: a huge photo is downscaled and scored; a truncated one and one over 50 MB are refused', async () => {
    // An 8000×8000 PNG (64 megapixels; Rust's preprocessing alone refuses over 16).
    const big = await gradientPng(page, 8000, 8000);
    const before = await page.textContent('[data-testid=score]');
    await page.setInputFiles('[data-testid=upload]', { name: 'huge.png', mimeType: 'image/png', buffer: big });
    await page.waitForFunction((b) => document.querySelector('[data-testid=score]').textContent !== b, before, { timeout: 60_000 });
    const status = await page.textContent('#status');
    assert(/huge\.png.*8000×8000, scored as 32×32/.test(status), `status ${status}`);
    const scored = await page.textContent('[data-testid=score]');
    await page.setInputFiles('[data-testid=upload]', { name: 'cut.png', mimeType: 'image/png', buffer: big.subarray(0, big.length >> 1) });
    await page.waitForFunction(() => /cut\.png could not be decoded/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    // Playwright hands over buffers of at most 50 MB: the oversized one goes as a file.
    const oversized = path.join(here, 'out', 'oversized.jpg');
    writeFileSync(oversized, Buffer.alloc(51e6));
    await page.setInputFiles('[data-testid=upload]', oversized);
    await page.waitForFunction(() => /oversized\.jpg is 51 MB; pictures over 50 MB are refused/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    unlinkSync(oversized);
    assert((await page.textContent('[data-testid=score]')) === scored, 'score changed after a refused file');
    return `${big.length} bytes → ${scored.trim()}`;
  });

  await check('photos mode: scores (f(x) and the combined score) match the native CLI within 1e-4 (CPU)', async () => {
    let worst = 0;
    for (let i = 0; i < nativeAir.length; i++) {
      const r = await page.evaluate((x) => window.connective.scorePhoto(new Float32Array(x)), photo(i));
      worst = Math.max(worst, Math.abs(r.score - nativeAir[i].score), Math.abs(r.logit - nativeAir[i].logit));
      assert(Math.abs(r.score - (r.parts[0] + r.parts[1]) / 2) < 1e-5, `score ${r.score} is not the mean of its parts ${r.parts}`);
    }
    assert(worst <= 1e-4, `max difference ${worst}`);
    return `max |Δ| = ${worst.toExponential(2)} over ${nativeAir.length} photos`;
  });
  await check('keep for comparison: an inlier and an outlier side by side', async () => {
    const scoreOf = async (selector) => {
      const before = await page.textContent('[data-testid=score]');
      await page.locator(selector).first().click();
      await page.waitForFunction((b) => document.querySelector('[data-testid=score]').textContent !== b, before, { timeout: 30_000 });
      await page.click('[data-testid=keep]');
    };
    await scoreOf('#photo-gallery button.tile[data-class=airplanes]');
    await scoreOf('#photo-gallery button.tile[data-class=clutter]');
    const rows = await page.$$eval('[data-testid=kept] li', (lis) =>
      lis.map((li) => ({
        title: li.querySelector('.kept-title').textContent,
        // Copies of the panels, not blank canvases: count distinct grey levels of each.
        levels: [...li.querySelectorAll('canvas')].map((c) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          return new Set(Array.from({ length: d.length / 4 }, (_, i) => d[4 * i] + 256 * d[4 * i + 1] + 65536 * d[4 * i + 2])).size;
        }),
      })),
    );
    assert(rows.length === 2, `${rows.length} kept rows`);
    assert(rows.every((r) => r.levels.length === 4 && r.levels.every((n) => n > 8)), `kept pictures ${JSON.stringify(rows)}`);
    assert(/airplanes/.test(rows[0].title) && /score/.test(rows[1].title), `titles ${rows.map((r) => r.title)}`);
    return rows.map((r) => r.title).join(' | ');
  });
  await page.locator('#photo-gallery button.tile').nth(4).click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(out, 'photos.png'), fullPage: true });
  await check('clearing the kept results empties the list', async () => {
    await page.click('#kept-clear');
    assert((await page.$$('[data-testid=kept] li')).length === 0, 'kept rows not cleared');
    assert(await page.isHidden('#kept-clear'), 'the clear button is still shown');
  });

  await check('back to digits mode: the digit model scores again', async () => {
    await page.evaluate(() => window.connective.setMode('digits'));
    const r = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(6));
    assert(Number.isFinite(r.score), 'no score');
  });
  await check('no console errors', async () => { assert(errors.length === 0, errors.join(' | ')); });

  await check('auto: on a software WebGPU adapter only the CPU build is downloaded', async () => {
    const { page: p, context } = await open('?digit=3&backend=auto');
    const wasm = await p.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm')));
    const badge = (await p.textContent('[data-testid=backend]')).trim().replace(/\s+/g, ' ');
    await context.close();
    assert(wasm.length === 1 && wasm[0].endsWith('pkg-cpu/connective_bg.wasm'), `wasm fetched: ${wasm.join(', ')}`);
    assert(/CPU/.test(badge) && /fallback|no WebGPU/i.test(badge), `badge: ${badge}`);
    return badge;
  });

  // Latency, measured in the page (bench mode), on each backend.
  for (const backend of ['cpu', 'webgpu']) {
    await check(`bench mode on ${backend}`, async () => {
      const { page: p, context } = await open(`?digit=3&backend=${backend}`);
      const r = await p.evaluate((n) => window.connective.bench(n), backend === 'cpu' ? 200 : 20);
      await context.close();
      assert(r.p50 > 0, 'no timing');
      console.log(`BENCH ${JSON.stringify(r)}`);
      return `${r.backend}: p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms over ${r.n}`;
    });
  }

  // The photo detectors are larger (A at 32×32 colour, three C's averaged): their latency too.
  await check('bench mode on cpu, photo model', async () => {
    const { page: p, context } = await open('?mode=photos&backend=cpu');
    await p.waitForFunction(() => document.querySelector('[data-testid=photo-model]').dataset.value, null, { timeout: 60_000 });
    const r = await p.evaluate((n) => window.connective.bench(n), 100);
    const model = await p.evaluate(() => document.querySelector('[data-testid=photo-model]').dataset.value);
    await context.close();
    assert(r.p50 > 0, 'no timing');
    console.log(`BENCH ${JSON.stringify({ ...r, model })}`);
    return `${model} on ${r.backend}: p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms over ${r.n}`;
  });

  await check('WebGPU scores match the native CLI within 1e-4', async () => {
    const { page: p, context } = await open('?digit=3&backend=webgpu');
    const backend = await p.evaluate(() => window.connective.session.backend);
    assert(backend === 'webgpu', `backend is ${backend}`);
    let worst = 0;
    for (let i = 0; i < 4; i++) {
      const r = await p.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(i));
      worst = Math.max(worst, Math.abs(r.score - native3[i].score));
    }
    await context.close();
    assert(worst <= 1e-4, `max difference ${worst}`);
    return `max |Δ| = ${worst.toExponential(2)}`;
  });

  await check('switching from the CPU build to WebGPU loads the WebGPU build and keeps the model', async () => {
    const { page: p, context } = await open('?digit=3&backend=cpu');
    const b = await p.evaluate(() => window.connective.setBackend('webgpu'));
    const r = await p.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(0));
    const badge = (await p.textContent('[data-testid=backend]')).trim().replace(/\s+/g, ' ');
    const wasm = await p.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm')));
    await context.close();
    assert(b === 'webgpu' && r.backend === 'webgpu', `backend ${b} / ${r.backend}`);
    assert(wasm.some((n) => n.endsWith('/pkg/connective_bg.wasm')), `wasm fetched: ${wasm.join(', ')}`);
    assert(Math.abs(r.score - native3[0].score) <= 1e-4, `score ${r.score} vs native ${native3[0].score}`);
    return badge;
  });

  await check('phone-width screenshot', async () => {
    const { page: p, context } = await open('?digit=3&backend=cpu', { width: 390, height: 844 });
    await p.locator('#gallery button.tile').nth(3).click();
    await p.waitForTimeout(1500);
    await p.screenshot({ path: path.join(out, 'phone.png'), fullPage: true });
    // Straight after loading, a gallery digit: the label names the MNIST threshold.
    const which = await p.textContent('[data-testid=threshold-which]');
    assert(/MNIST images/.test(which), `threshold label ${which}`);
    await p.evaluate(() => window.connective.setMode('photos'));
    await p.waitForSelector('#photo-gallery button.tile', { timeout: 30_000 });
    await p.locator('#photo-gallery button.tile').nth(1).click();
    await p.waitForTimeout(1500);
    await p.screenshot({ path: path.join(out, 'phone-photos.png'), fullPage: true });
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    await context.close();
    assert(!overflow, 'horizontal scroll at phone width');
  });
} finally {
  await browser.close();
  server.kill();
}
writeFileSync(path.join(out, 'result.txt'), `${passed} passed, ${failed} failed\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
