// Latency of the page on a slower phone: the built page (`bash www/build.sh`) at a phone's
// viewport with Chromium's CPU throttling (DevTools' mid-tier 4× and low-end 6× mobile presets),
// digits and photos, CPU backend. Prints a Markdown table. A benchmark, not a test: nothing is
// asserted. Run: (cd tests/e2e && node phone-bench.mjs)
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const port = 9000 + (process.pid % 1000);
const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', path.join(root, 'www')], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 800));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const cell = (mode) => mode === 'digits' ? 100 : 20;
const lines = [
  '| CPU slowed | digits: ready | first gallery digit (no warm-up) | digits p50 / p95 (100) | photos: ready | first gallery photo (no warm-up) | photo verdicts p50 / p95 (20) |',
  '|---:|---:|---:|---:|---:|---:|---:|',
];

/** Opens the page with the CPU slowed `rate` times; resolves once it can score, with the seconds that took. */
async function openSlowed(context, rate, query) {
  const page = await context.newPage();
  await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate });
  const t0 = Date.now();
  await page.goto(`http://127.0.0.1:${port}/?${query}`);
  // Ready: wasm compiled, the model fetched and its checksum checked.
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 300_000 });
  if (query.includes('mode=photos')) await page.waitForFunction(() => document.querySelector('#photo-models').dataset.value, null, { timeout: 300_000 });
  return { page, ready: (Date.now() - t0) / 1000 };
}

/** A visitor's first click on a gallery picture 1.5 s after the page is ready: the latency the page shows (ms). */
async function firstClick(page, mode) {
  const tile = mode === 'photos' ? '#photo-gallery button.tile' : '#gallery button.tile';
  await page.waitForSelector(tile);
  await page.waitForTimeout(1500);
  await page.locator(tile).first().click();
  if (mode === 'photos') {
    // A photo's verdict: the time the page states on the backbone's line (crop, backbone, detector).
    await page.waitForFunction(() => document.getElementById('backbone').dataset.ms, null, { timeout: 300_000 });
    return parseFloat(await page.getAttribute('#backbone', 'data-ms'));
  }
  await page.waitForFunction(() => /ms on/.test(document.getElementById('latency').textContent), null, { timeout: 60_000 });
  return parseFloat(await page.textContent('#latency'));
}

try {
  for (const rate of [1, 4, 6]) {
    const row = [`${rate}×`];
    for (const mode of ['digits', 'photos']) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const { page, ready } = await openSlowed(context, rate, `mode=${mode}&backend=cpu`);
      // The model's warm-up on a blank input has run by the first click.
      const first = await firstClick(page, mode);
      // The same first click on a page that skips the warm-up (?warmup=0): what it saves.
      const { page: coldPage } = await openSlowed(context, rate, `mode=${mode}&backend=cpu&warmup=0`);
      const cold = await firstClick(coldPage, mode);
      await coldPage.close();
      const r = await page.evaluate((n) => window.connective.bench(n), cell(mode));
      row.push(`${ready.toFixed(2)} s`, `${first.toFixed(0)} ms (${cold.toFixed(0)} ms)`, `${r.p50.toFixed(1)} / ${r.p95.toFixed(1)} ms`);
      await context.close();
    }
    lines.push(`| ${row.join(' | ')} |`);
  }
} finally {
  await browser.close();
  server.kill();
}
console.log(lines.join('\n'));
