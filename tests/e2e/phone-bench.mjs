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
const cell = (mode) => mode === 'digits' ? 100 : 40;
const lines = ['| CPU slowed | digits: ready | digits p50 / p95 (100) | photos: ready | photos p50 / p95 (40) |', '|---:|---:|---:|---:|---:|'];
try {
  for (const rate of [1, 4, 6]) {
    const row = [`${rate}×`];
    for (const mode of ['digits', 'photos']) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate });
      const t0 = Date.now();
      await page.goto(`http://127.0.0.1:${port}/?mode=${mode}&backend=cpu`);
      // Ready: wasm compiled, the model fetched and its checksum checked.
      await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 300_000 });
      if (mode === 'photos') await page.waitForFunction(() => document.querySelector('[data-testid=photo-model]').dataset.value, null, { timeout: 300_000 });
      const ready = (Date.now() - t0) / 1000;
      const r = await page.evaluate((n) => window.connective.bench(n), cell(mode));
      row.push(`${ready.toFixed(2)} s`, `${r.p50.toFixed(1)} / ${r.p95.toFixed(1)} ms`);
      await context.close();
    }
    lines.push(`| ${row.join(' | ')} |`);
  }
} finally {
  await browser.close();
  server.kill();
}
console.log(lines.join('\n'));
