// Drawn digits, detector by detector: picks each digit detector in the page as a visitor does
// (its button), draws every digit of strokes.mjs on the pad with the mouse, waits for the verdict
// and records it with the score and the threshold. Writes the rows as JSON and a confusion table
// as Markdown (always, before asserting), prints the table, then asserts the own-digit acceptance
// rate ≥ DRAWN_OWN_MIN (0.95) and the other-digit one ≤ DRAWN_OTHER_MAX (0.05), over all detectors.
// Also writes the drawings' 28×28 model inputs as a sheet (OUT-inputs.png, and base64 in the JSON)
// and screenshots of the pad (out/drawn-pads/DIGIT-STYLE.png).
// Run after `bash www/build.sh`:
//   (cd tests/e2e && node drawn.mjs [OUT.json [OUT.md]])
// Environment: DRAWN_JSON, DRAWN_MD (the outputs; default out/drawn.json and out/drawn.md),
// DRAWN_OWN_MIN, DRAWN_OTHER_MAX, DRAWN_DETECTORS (e.g. "3,7"; default all ten), DRAWN_BACKEND
// (cpu, the default, or webgpu), DRAWN_SHOTS (digits whose drawings are screenshotted on the first
// detector's pad, default "4,7,8"; "" for none).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assert, check, finish, manifest, out, start } from './harness.mjs';
import { drawings, resample } from './strokes.mjs';

const t0 = Date.now();
const args = process.argv.slice(2);
const jsonPath = path.resolve(process.env.DRAWN_JSON || args[0] || path.join(out, 'drawn.json'));
const mdPath = path.resolve(process.env.DRAWN_MD || args[1] || jsonPath.replace(/(\.json)?$/, '.md'));
const sheetPath = jsonPath.replace(/(\.json)?$/, '-inputs.png');
const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
const ownMin = num(process.env.DRAWN_OWN_MIN, 0.95);
const otherMax = num(process.env.DRAWN_OTHER_MAX, 0.05);
const backend = process.env.DRAWN_BACKEND || 'cpu';
const list = (v, d) => (v === undefined ? d : v.split(',').filter((s) => s.trim() !== '').map(Number));
const detectors = list(process.env.DRAWN_DETECTORS, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
const shots = list(process.env.DRAWN_SHOTS, [4, 7, 8]);
assert(Number.isFinite(ownMin) && Number.isFinite(otherMax), 'DRAWN_OWN_MIN and DRAWN_OTHER_MAX must be numbers');
assert(detectors.length && detectors.every((d) => Number.isInteger(d) && d >= 0 && d <= 9), `DRAWN_DETECTORS: digits 0–9, got ${process.env.DRAWN_DETECTORS}`);
for (const f of [jsonPath, mdPath]) mkdirSync(path.dirname(f), { recursive: true });
const shotDir = path.join(out, 'drawn-pads');
if (shots.length) mkdirSync(shotDir, { recursive: true });

const digits = [...new Set(drawings.map((d) => d.digit))].sort((a, b) => a - b);
const perDigit = Math.min(...digits.map((g) => drawings.filter((d) => d.digit === g).length));
const rows = [];
const inputs = []; // the first detector's 28×28 model input of each drawing (base64 grey levels)
let pad = null;

/**
 * Watches the session's scores without changing them: each result of a drawn input (not the
 * page's blank warm-up) is counted and kept in window.__drawn, so the test knows when the last
 * stroke's score has come back and what it was to full precision.
 */
async function watchScores(page) {
  await page.evaluate(() => {
    const s = window.connective.session;
    if (s.__drawnWatched) return;
    const score = s.score.bind(s);
    window.__drawn = { n: 0, last: null };
    s.score = async (x) => {
      const r = await score(x);
      if (Array.prototype.some.call(x, (v) => v !== 0)) {
        const grey = Array.from(r.input, (v) => Math.max(0, Math.min(255, Math.round(255 * v))));
        window.__drawn.n++;
        window.__drawn.last = { score: r.score, threshold: r.threshold, verdict: r.verdict, judgedBy: r.judgedBy, logit: r.logit, reconError: r.reconError, grey };
      }
      return r;
    };
    s.__drawnWatched = true;
  });
}
const scored = (page) => page.evaluate(() => window.__drawn.n);

/** Picks detector `d` with its button and waits until its model is loaded and the pad is blank. */
async function pick(page, d) {
  await page.click(`#digits button[data-digit="${d}"]`);
  await page.waitForFunction(
    (d) => window.connective.model === `mnist-${d}` && !document.querySelector('#digits button.loading') && new RegExp(`Model mnist-${d} ready`).test(document.getElementById('status').textContent),
    d,
    { timeout: 60_000 },
  );
  await clear(page);
  await watchScores(page);
}

/** Clears the pad with its button (disabled when it is blank already) and waits for the blank verdict. */
async function clear(page) {
  if (await page.isEnabled('#clear')) await page.click('#clear');
  await page.waitForFunction(() => document.querySelector('[data-testid=score]').textContent === '—', null, { timeout: 10_000 });
}

/** Draws `strokes` (unit square) on the pad with the mouse, scaled to the pad as laid out now. */
async function draw(page, strokes) {
  const canvas = page.locator('[data-testid=canvas]');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const at = ([u, v]) => [box.x + u * box.width, box.y + v * box.height];
  for (const stroke of strokes) {
    const [first, ...rest] = resample(stroke);
    await page.mouse.move(...at(first));
    await page.mouse.down();
    // Sent back to back, as a mouse sends them whatever the page is doing: Chromium coalesces the
    // moves that arrive while a live score runs (the pad reads them with getCoalescedEvents).
    await Promise.all(rest.map((p) => page.mouse.move(...at(p))));
    await page.mouse.up();
  }
  return box;
}

/**
 * Waits for the verdict of the whole drawing: at least one score after the last stroke, then
 * none for `quiet` ms (live scoring runs at most one more score after the one in flight).
 */
async function verdict(page, before, quiet = 300) {
  await page.waitForFunction((b) => window.__drawn.n > b, before, { timeout: 30_000 });
  let n = await scored(page);
  for (;;) {
    await page.waitForTimeout(quiet);
    const m = await scored(page);
    if (m === n) break;
    n = m;
  }
  const shown = await page.evaluate(() => ({
    verdict: document.querySelector('[data-testid=verdict]').className,
    text: document.querySelector('[data-testid=verdict]').textContent,
    score: document.querySelector('[data-testid=score]').textContent,
    threshold: document.getElementById('threshold-out').textContent,
    last: window.__drawn.last,
  }));
  const { last } = shown;
  assert(last && new RegExp(`\\b${last.verdict}\\b`).test(shown.verdict), `the page shows "${shown.text}", the last score was ${JSON.stringify(last && last.verdict)}`);
  // A similarity is shown to thousandths, a logit to hundredths.
  assert(shown.score.includes(`score ${last.score.toFixed(last.judgedBy === 'neighbours' ? 3 : 2)}`), `the page shows "${shown.score}", the last score was ${last.score}`);
  return { ...last, shown: `${shown.text} · ${shown.score} · threshold ${shown.threshold}` };
}

/**
 * The model inputs (28×28, after the page's preprocessing) of the first detector's drawings as
 * one PNG next to the JSON: a row per digit, a column per style, drawn by the browser's canvas.
 */
async function inputSheet(page) {
  const sheet = inputs.map((x) => ({ digit: x.digit, column: inputs.filter((y) => y.digit === x.digit).indexOf(x), grey: Array.from(Buffer.from(x.grey, 'base64')) }));
  const url = await page.evaluate((sheet) => {
    const cell = 32;
    const canvas = document.createElement('canvas');
    canvas.width = cell * (1 + Math.max(...sheet.map((x) => x.column)));
    canvas.height = cell * (1 + Math.max(...sheet.map((x) => x.digit)));
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#246';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (const { digit, column, grey } of sheet) {
      const img = ctx.createImageData(28, 28);
      grey.forEach((v, i) => img.data.set([v, v, v, 255], 4 * i));
      ctx.putImageData(img, column * cell + 2, digit * cell + 2);
    }
    return canvas.toDataURL('image/png');
  }, sheet);
  writeFileSync(sheetPath, Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
}

const pct = (a, b) => (b ? `${Math.round((100 * a) / b)} %` : '–');
const rate = (rs) => ({ accepted: rs.filter((r) => r.accepted).length, drawn: rs.length });

/** The confusion table and the rates, as Markdown and as numbers. */
function summarise(elapsed) {
  const own = rows.filter((r) => r.detector === r.digit);
  const others = rows.filter((r) => r.detector !== r.digit);
  const summary = { own: rate(own), others: rate(others), perDetector: {} };
  const lines = [
    '# Drawn digits, every detector',
    '',
    `${new Date().toISOString().slice(0, 10)}: tests/e2e/drawn.mjs drew each digit in ${perDigit} styles (tests/e2e/strokes.mjs) with the mouse ` +
      `on the page's pad (${pad ? `${Math.round(pad.width)}×${Math.round(pad.height)} CSS px` : 'not reached'}, ${backend} backend) and took the page's verdict, ` +
      `on the models in models/manifest.json. A cell is accepted/drawn (verdict "inlier"); the diagonal should be all accepted, the rest none. ` +
      `${rows.length} drawings in ${Math.round(elapsed / 1000)} s.`,
    '',
    `| detector | ${digits.join(' | ')} | own | others |`,
    `|---|${digits.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const d of detectors) {
    const mine = rows.filter((r) => r.detector === d);
    if (!mine.length) continue;
    const cells = digits.map((g) => {
      const { accepted, drawn } = rate(mine.filter((r) => r.digit === g));
      const cell = drawn ? `${accepted}/${drawn}` : '';
      return g === d ? `**${cell}**` : cell;
    });
    const o = rate(mine.filter((r) => r.digit === d));
    const x = rate(mine.filter((r) => r.digit !== d));
    summary.perDetector[d] = { own: o, others: x };
    lines.push(`| ${d} | ${cells.join(' | ')} | ${o.accepted}/${o.drawn} (${pct(o.accepted, o.drawn)}) | ${x.accepted}/${x.drawn} (${pct(x.accepted, x.drawn)}) |`);
  }
  // The bottom row: how many other detectors accepted each drawn digit.
  const by = digits.map((g) => rate(others.filter((r) => r.digit === g)));
  lines.push(
    `| all (other detectors) | ${by.map((r) => (r.drawn ? `${r.accepted}/${r.drawn}` : '–')).join(' | ')} | ${summary.own.accepted}/${summary.own.drawn} (${pct(summary.own.accepted, summary.own.drawn)}) | ${summary.others.accepted}/${summary.others.drawn} (${pct(summary.others.accepted, summary.others.drawn)}) |`,
    '',
    `Overall: own digit accepted ${summary.own.accepted}/${summary.own.drawn} (${pct(summary.own.accepted, summary.own.drawn)}; target ≥ ${100 * ownMin} %), ` +
      `other digits accepted ${summary.others.accepted}/${summary.others.drawn} (${pct(summary.others.accepted, summary.others.drawn)}; target ≤ ${100 * otherMax} %).`,
    '',
  );
  const missed = own.filter((r) => !r.accepted);
  const wrong = others.filter((r) => r.accepted);
  const line = (r) => `- detector ${r.detector}, a ${r.digit} "${r.style}": score ${r.score.toFixed(3)}, threshold ${r.threshold.toFixed(3)}`;
  if (missed.length) lines.push('Own digits rejected:', '', ...missed.map(line), '');
  if (wrong.length) lines.push('Other digits accepted:', '', ...wrong.map(line), '');
  lines.push('Styles drawn:', '', ...digits.map((g) => `- ${g}: ${drawings.filter((d) => d.digit === g).map((d) => d.style).join('; ')}`), '');
  return { summary, markdown: lines.join('\n') };
}

function write() {
  const elapsed = Date.now() - t0;
  const { summary, markdown } = summarise(elapsed);
  const models = Object.fromEntries(manifest.models.filter((m) => /^mnist-\d$/.test(m.name)).map((m) => [m.name, m.sha256]));
  writeFileSync(
    jsonPath,
    JSON.stringify({ date: new Date().toISOString(), backend, pad, seconds: elapsed / 1000, ownMin, otherMax, models, summary, rows, inputs }, null, 1) + '\n',
  );
  writeFileSync(mdPath, markdown);
  console.log(markdown);
  console.log(`drawn: ${rows.length} drawings in ${(elapsed / 1000).toFixed(0)} s; wrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), mdPath)}`);
  return summary;
}

const { open, stop } = await start();
let errors = [];
let failure = null;
try {
  const opened = await open(`?digit=${detectors[0]}&backend=${backend}`);
  const { page } = opened;
  errors = opened.errors;
  for (const [k, d] of detectors.entries()) {
    await pick(page, d);
    for (const [i, drawing] of drawings.entries()) {
      await clear(page);
      const before = await scored(page);
      pad = await draw(page, drawing.strokes);
      const r = await verdict(page, before);
      const style = drawing.style;
      rows.push({ detector: d, digit: drawing.digit, style, accepted: r.verdict === 'inlier', score: r.score, threshold: r.threshold, logit: r.logit, reconError: r.reconError, shown: r.shown });
      if (k === 0) {
        inputs.push({ digit: drawing.digit, style, grey: Buffer.from(r.grey).toString('base64') });
        if (shots.includes(drawing.digit)) {
          const n = drawings.slice(0, i).filter((x) => x.digit === drawing.digit).length;
          await page.locator('[data-testid=canvas]').screenshot({ path: path.join(shotDir, `${drawing.digit}-${n}.png`) });
        }
      }
    }
    if (k === 0) await inputSheet(page);
    const mine = rows.filter((r) => r.detector === d);
    const o = rate(mine.filter((r) => r.digit === d));
    const x = rate(mine.filter((r) => r.digit !== d));
    console.log(`detector ${d}: own ${o.accepted}/${o.drawn}, others ${x.accepted}/${x.drawn} (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
} catch (e) {
  failure = e;
} finally {
  await stop();
}

const summary = write();
await check('every detector judged every drawing', async () => {
  if (failure) throw failure;
  assert(rows.length === detectors.length * drawings.length, `${rows.length} verdicts, expected ${detectors.length * drawings.length}`);
});
const { own, others } = summary;
await check(`own digit accepted ≥ ${ownMin}`, async () => {
  assert(own.drawn && own.accepted / own.drawn >= ownMin, `${own.accepted}/${own.drawn} = ${(own.accepted / own.drawn).toFixed(3)}`);
  return `${own.accepted}/${own.drawn}`;
});
await check(`other digits accepted ≤ ${otherMax}`, async () => {
  assert(others.drawn && others.accepted / others.drawn <= otherMax, `${others.accepted}/${others.drawn} = ${(others.accepted / others.drawn).toFixed(3)}`);
  return `${others.accepted}/${others.drawn}`;
});
await check('no console errors', async () => assert(errors.length === 0, errors.join(' | ')));
finish('drawn');
