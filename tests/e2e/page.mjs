// End-to-end test of the page in Debian's headless Chromium: load, draw a stroke, upload a digit
// photo and a non-image, click gallery digits and photos, switch models and modes, check
// window.connective against the native CLI's scores, evaluate, measure latency, take screenshots.
// Each check sets up the state it needs (model, mode, pad) itself. Run after `bash www/build.sh`.
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assert, check, entry, finish, fixture, judged, native, out, root, start } from './harness.mjs';

const { open, stop } = await start();
const native3 = native('mnist-3');

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

const text = async (page, sel) => (await page.textContent(sel)).trim();
/** Digits mode with the model for `digit`, a blank pad (score "—"), no kept results. */
async function digits(page, digit) {
  await page.evaluate((d) => window.connective.setModel(d), digit);
  if (await page.isEnabled('#clear')) await page.click('#clear'); // disabled: the pad is blank already
  await page.waitForFunction(() => document.querySelector('[data-testid=score]').textContent === '—', null, { timeout: 10_000 });
}
/** Photos mode with the photo detector `name` and no photo shown (entering the mode clears it). */
async function photos(page, name) {
  if ((await page.evaluate(() => window.connective.mode)) === 'photos') await page.evaluate(() => window.connective.setMode('digits'));
  await page.evaluate((n) => window.connective.setPhotoModel(n), name);
  await page.waitForSelector('#photo-gallery button.tile', { timeout: 30_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid=photo-result]').dataset.verdict, null, { timeout: 10_000 });
}
/** Runs `action`, then waits until the score shown differs from before. */
async function rescored(page, action, timeout = 30_000) {
  const before = await page.textContent('[data-testid=score]');
  await action();
  await page.waitForFunction((b) => document.querySelector('[data-testid=score]').textContent !== b, before, { timeout });
}
const galleryTile = (page, i) => page.locator('#gallery button.tile').nth(i);
/** Draws one stroke through `points` ([x, y] as fractions of the pad); one point is a click (a dot). */
async function stroke(page, points) {
  const box = await page.locator('[data-testid=canvas]').boundingBox();
  const at = ([x, y]) => [box.x + box.width * x, box.y + box.height * y];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p));
  await page.mouse.up();
}
/** The verdict shown and the number beside it: {verdict, margin: its text, value: data-margin}. */
const shownVerdict = (page) =>
  page.evaluate(() => ({
    verdict: document.querySelector('[data-testid=verdict]').className.replace('verdict ', ''),
    margin: document.querySelector('[data-testid=score] .margin').textContent,
    value: Number(document.querySelector('[data-testid=score]').dataset.margin),
    score: document.querySelector('[data-testid=score] .score-parts').textContent,
  }));
/** Lit pixels (grey > 25 of 255) of the model input x, as the panel shows it. */
const litInput = (page) =>
  page.evaluate(() => {
    const c = document.getElementById('panel-input');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) n += d[i] > 25;
    return n;
  });
/** Distinct colours in each canvas under `selector`: copies of the panels, not blank canvases. */
const colourCounts = (page, selector) =>
  page.locator(selector).evaluateAll((cs) =>
    cs.map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return new Set(Array.from({ length: d.length / 4 }, (_, i) => d[4 * i] + 256 * d[4 * i + 1] + 65536 * d[4 * i + 2])).size;
    }),
  );

try {
  const { page, errors } = await open('?digit=3&backend=cpu');
  await check('page loads wasm and the digit-3 model', async () => {
    assert((await page.evaluate(() => document.body.dataset.ready)) === 'true', 'not ready');
    const badge = (await text(page, '[data-testid=backend]')).replace(/\s+/g, ' ');
    assert(/CPU/.test(badge), `badge says ${badge}`);
    const model = await page.evaluate(() => window.connective.model);
    assert(model === 'mnist-3' && (await page.getAttribute('[data-testid=digit]', 'data-value')) === '3', `model ${model}`);
    return badge;
  });

  await check('drawing a stroke gives a score and a verdict', async () => {
    await digits(page, 3);
    const box = await page.locator('[data-testid=canvas]').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
    await page.mouse.down();
    for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + 0.05 * i));
    await page.mouse.up();
    await page.waitForFunction(() => /inlier|novel/.test(document.querySelector('[data-testid=verdict]').textContent), null, { timeout: 30_000 });
    const score = await text(page, '[data-testid=score]');
    // Hundredths for a logit, thousandths for a similarity (the digit detectors' verdict).
    assert(/^[+−]\d+\.\d{2,3} (above|below) the threshold, score -?\d+\.\d{2,3}, threshold -?\d+\.\d{2,3}$/.test(score), `score text ${score}`);
    return `${score}, ${await text(page, '[data-testid=verdict]')}`;
  });

  await check('the number beside the verdict is on the verdict\'s side: uploads and drawings, accepted and rejected', async () => {
    // The verdict compares the score with the model's threshold (not 0): a number read off the score
    // alone (sigmoid, "p") can contradict it. The number shown is the distance to the threshold.
    const seen = { inlier: 0, novel: 0 };
    let wouldContradict = 0; // results whose sigmoid(score) is on the other side of ½
    const judge = async (what) => {
      const s = await shownVerdict(page);
      const [score, threshold] = s.score.match(/-?\d+\.\d+/g).map(Number);
      assert(s.verdict === 'inlier' || s.verdict === 'novel', `${what}: verdict ${s.verdict}`);
      if (s.verdict === 'inlier') assert(/^\+\d+\.\d{2,3} above the threshold$/.test(s.margin) && s.value >= 0, `${what}: inlier shown with "${s.margin}" (${s.value})`);
      else assert(/^−\d+\.\d{2,3} below the threshold$/.test(s.margin) && s.value < 0, `${what}: novel shown with "${s.margin}" (${s.value})`);
      assert(Math.abs(Math.abs(s.value) - Math.abs(score - threshold)) < 0.006, `${what}: ${s.margin} from ${s.score}`);
      seen[s.verdict]++;
      if ((score >= 0) !== (s.verdict === 'inlier')) wouldContradict++;
    };
    for (const d of [2, 3, 7]) {
      await digits(page, d);
      for (let k = 0; k < 10; k++) {
        await rescored(page, () => page.setInputFiles('[data-testid=upload]', path.join(root, `tests/fixtures/paper-${k}.png`)));
        await judge(`paper-${k}.png with mnist-${d}`);
      }
      await page.click('#clear');
      await rescored(page, () => stroke(page, [[0.5, 0.15], [0.5, 0.85]]));
      await judge(`a drawn 1 with mnist-${d}`);
      await page.click('#clear');
      await rescored(page, () => stroke(page, [[0.3, 0.2], [0.7, 0.2], [0.4, 0.5], [0.7, 0.8], [0.3, 0.8]]));
      await judge(`a drawn zig-zag with mnist-${d}`);
    }
    assert(seen.inlier > 0 && seen.novel > 0, `accepted ${seen.inlier}, rejected ${seen.novel}: need both`);
    return `${seen.inlier} accepted, ${seen.novel} rejected, all on their side; where sigmoid(score) (the old "p") contradicted the verdict: ${wouldContradict}`;
  });

  await check('a clicked dot and a short stroke stay small in the model input x', async () => {
    await digits(page, 3);
    await rescored(page, () => stroke(page, [[0.5, 0.5]]));
    const dot = await litInput(page);
    await page.click('#clear');
    await rescored(page, () => stroke(page, [[0.45, 0.5], [0.5, 0.5], [0.55, 0.5]]));
    const dash = await litInput(page);
    // Without the cap on the enlargement both filled the 20-px box (a dot: a disc of ~340 pixels).
    assert(dot > 0 && dot < 60, `a dot lights ${dot} of 784 pixels`);
    assert(dash > dot && dash < 120, `a short stroke lights ${dash} of 784 pixels`);
    return `dot ${dot} px, short stroke ${dash} px of 784`;
  });

  await check('the ten digits are one Tab stop: a radio group the arrow keys move through and pick', async () => {
    await digits(page, 3);
    const focus = () => page.evaluate(() => {
      const a = document.activeElement;
      return { digit: a.dataset.digit ?? null, role: a.getAttribute('role'), checked: a.getAttribute('aria-checked') };
    });
    const group = () => page.evaluate(() => {
      const g = document.getElementById('digits');
      const bs = [...g.querySelectorAll('button')];
      return {
        role: g.getAttribute('role'),
        radios: bs.filter((b) => b.getAttribute('role') === 'radio').length,
        checked: bs.filter((b) => b.getAttribute('aria-checked') === 'true').map((b) => b.dataset.digit),
        stops: bs.filter((b) => b.tabIndex === 0).map((b) => b.dataset.digit),
      };
    });
    const loaded = (d) => page.waitForFunction((d) => window.connective.model === `mnist-${d}`, d, { timeout: 30_000 });
    let g = await group();
    assert(g.role === 'radiogroup' && g.radios === 10 && g.checked.join() === '3' && g.stops.join() === '3', `group ${JSON.stringify(g)}`);
    // Tab from the control before the group lands on the checked digit; one more Tab leaves the group.
    await page.focus('#backend-select');
    await page.keyboard.press('Tab');
    let f = await focus();
    assert(f.digit === '3' && f.role === 'radio' && f.checked === 'true', `Tab into the group: ${JSON.stringify(f)}`);
    await page.keyboard.press('Tab');
    f = await focus();
    assert(f.digit === null, `a second Tab stays in the group, on ${f.digit}`);
    await page.keyboard.press('Shift+Tab');
    f = await focus();
    assert(f.digit === '3', `Shift+Tab back into the group: ${JSON.stringify(f)}`);
    // The arrow keys move and pick: the model follows.
    const moves = [];
    for (const [key, want] of [['ArrowRight', '4'], ['ArrowLeft', '3'], ['ArrowLeft', '2'], ['End', '9'], ['ArrowRight', '0'], ['Home', '0'], ['ArrowDown', '1']]) {
      await page.keyboard.press(key);
      f = await focus();
      assert(f.digit === want && f.checked === 'true', `${key}: focus on ${f.digit} (checked ${f.checked}), want ${want}`);
      await loaded(want);
      g = await group();
      assert(g.checked.join() === want && g.stops.join() === want, `${key}: ${JSON.stringify(g)}`);
      moves.push(`${key} → ${want}`);
    }
    await page.evaluate(() => window.connective.setModel(3));
    return moves.join(', ');
  });

  await check('projector (1024×768): pad, verdict and the four panels in the first screen; the backend note on one line', async () => {
    const { page: p, context } = await open('?digit=3', { width: 1024, height: 768 });
    await rescored(p, () => stroke(p, [[0.35, 0.25], [0.65, 0.22], [0.45, 0.5], [0.68, 0.7], [0.35, 0.8]]));
    await p.waitForTimeout(300);
    const boxes = await p.evaluate(() => {
      const r = (sel) => document.querySelector(sel).getBoundingClientRect().toJSON();
      const badge = document.querySelector('[data-testid=backend]');
      const cs = getComputedStyle(badge);
      const content = badge.getBoundingClientRect().height - ['paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth'].reduce((a, k) => a + parseFloat(cs[k]), 0);
      return {
        scrollY: window.scrollY, width: innerWidth, height: innerHeight,
        parts: { pad: r('[data-testid=canvas]'), verdict: r('[data-testid=verdict]'), x: r('#panel-input'), 'A(x)': r('#panel-recon'), connective: r('#panel-connective'), error: r('#panel-error') },
        badge: { content, lineHeight: parseFloat(cs.lineHeight), text: badge.textContent.replace(/\s+/g, ' ').trim() },
      };
    });
    await p.screenshot({ path: path.join(out, 'projector.png') });
    await context.close();
    assert(boxes.scrollY === 0, `scrolled to ${boxes.scrollY}`);
    for (const [name, b] of Object.entries(boxes.parts)) {
      assert(b.width > 100 && b.height > 50, `${name} is ${b.width}×${b.height}`);
      assert(b.left >= 0 && b.top >= 0 && b.right <= boxes.width && b.bottom <= boxes.height, `${name} at x ${b.left}–${b.right}, y ${b.top}–${b.bottom}, outside ${boxes.width}×${boxes.height}`);
    }
    const { content, lineHeight, text } = boxes.badge;
    assert(content <= 1.6 * lineHeight, `backend note "${text}" is ${content.toFixed(1)} px high, line height ${lineHeight} px`);
    const y = Object.entries(boxes.parts).map(([n, b]) => `${n} ${Math.round(b.top)}–${Math.round(b.bottom)}`);
    return `y: ${y.join(', ')}; backend note ${content.toFixed(0)} px (line ${lineHeight} px)`;
  });

  await check('uploading a PNG of a digit scores it', async () => {
    await digits(page, 3);
    await rescored(page, () => page.setInputFiles('[data-testid=upload]', path.join(root, 'tests/fixtures/paper-3.png')));
    const status = await text(page, '#status');
    assert(/paper-3\.png: \d+×\d+ PNG, scored as 28×28/.test(status), `status ${status}`);
    const verdict = await text(page, '[data-testid=verdict]');
    assert(/inlier|novel/.test(verdict), `verdict ${verdict}`);
    return verdict;
  });

  await check('uploading a non-image is refused with a message, and the page still works', async () => {
    await digits(page, 3);
    await rescored(page, () => galleryTile(page, 3).click());
    const before = await page.textContent('[data-testid=score]');
    await page.setInputFiles('[data-testid=upload]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await page.waitForFunction(() => /notes\.txt is not a PNG, JPEG or WebP/i.test(document.getElementById('status').textContent), null, { timeout: 10_000 });
    assert((await page.textContent('[data-testid=score]')) === before, 'score changed');
    const r = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(6));
    assert(Math.abs(r.score - native3[6].score) <= 1e-4, `score ${r.score} after the bad upload, native ${native3[6].score}`);
  });

  await check('clicking a gallery digit scores it, and its result also shows under the gallery', async () => {
    await digits(page, 3);
    await rescored(page, () => galleryTile(page, 7).click());
    await page.waitForFunction(() => !document.querySelector('[data-testid=gallery-result]').hidden, null, { timeout: 30_000 });
    const row = page.locator('[data-testid=gallery-result]');
    const title = (await row.locator('.kept-title').textContent()).trim();
    const verdict = await text(page, '[data-testid=verdict]');
    const margin = await text(page, '[data-testid=score] .margin'); // "+0.94 above the threshold"
    assert(/^[✓✗] (inlier|novel)/.test(verdict), `verdict ${verdict}`);
    assert(title.startsWith(verdict) && title.includes(margin), `under the gallery "${title}", above "${verdict}" / "${margin}"`);
    const levels = await colourCounts(page, '[data-testid=gallery-result] canvas');
    assert(levels.length === 4 && levels.every((n) => n > 8), `pictures under the gallery ${levels}`);
    return title;
  });

  await check('the threshold follows the input: MNIST images vs drawings and uploads', async () => {
    const e = entry('mnist-3');
    assert(typeof e.drawn_threshold === 'number', 'mnist-3 has no drawn threshold');
    const dp = e.config.score === 'neighbours' ? 3 : 2; // a similarity is shown to thousandths
    const shown = async () => [await text(page, '#threshold-out'), await text(page, '[data-testid=threshold-which]')];
    await digits(page, 3);
    await rescored(page, () => galleryTile(page, 7).click());
    let [t, which] = await shown();
    assert(t === e.threshold.toFixed(dp) && /MNIST images/.test(which), `gallery digit: ${t} ${which}`);
    await rescored(page, () => page.setInputFiles('[data-testid=upload]', path.join(root, 'tests/fixtures/paper-3.png')));
    [t, which] = await shown();
    assert(t === e.drawn_threshold.toFixed(dp) && /drawings/.test(which), `upload: ${t} ${which}`);
    const verdict = await text(page, '[data-testid=verdict]');
    // Back to a gallery digit, then a blank pad (which waits for a drawing): value and label agree.
    await rescored(page, () => galleryTile(page, 12).click());
    [t, which] = await shown();
    assert(t === e.threshold.toFixed(dp) && /MNIST images/.test(which), `gallery digit again: ${t} ${which}`);
    await page.click('#clear');
    await page.waitForFunction(() => /drawings/.test(document.querySelector('[data-testid=threshold-which]').textContent), null, { timeout: 10_000 });
    [t, which] = await shown();
    assert(t === e.drawn_threshold.toFixed(dp), `blank pad: ${t} ${which}`);
    return `${e.threshold.toFixed(dp)} for MNIST images, ${e.drawn_threshold.toFixed(dp)} for drawings; paper-3.png: ${verdict}`;
  });

  await check('the verdict shows the nearest of the detector\'s reference digits, with their similarity', async () => {
    const e = entry('mnist-3');
    await digits(page, 3);
    // Fixture digits are 2 per class in digit order: 6 and 7 are 3s.
    const r = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(6));
    assert(r.judgedBy === 'neighbours' && r.nearest.length === 3, `judged by ${r.judgedBy}, nearest ${JSON.stringify(r.nearest)}`);
    const want = r.nearest.map((n) => n.index).join(',');
    await page.waitForFunction((w) => { const b = document.querySelector('[data-testid=nearest-digits]'); return !b.hidden && b.dataset.indices === w; }, want, { timeout: 10_000 });
    const shown = await page.evaluate(() => {
      const box = document.querySelector('[data-testid=nearest-digits]');
      return { sims: Array.from(box.querySelectorAll('figcaption'), (f) => Number(f.textContent)), title: box.querySelector('p').textContent };
    });
    // Most similar first; the mean of the top two is the verdict's score.
    assert(shown.sims.every((v, i) => Math.abs(v - r.nearest[i].similarity) < 6e-4) && shown.sims[0] >= shown.sims[1] && shown.sims[1] >= shown.sims[2], `similarities ${shown.sims}`);
    assert(Math.abs((r.nearest[0].similarity + r.nearest[1].similarity) / 2 - r.score) < 1e-5, `top two ${r.nearest[0].similarity}, ${r.nearest[1].similarity}, score ${r.score}`);
    assert(r.nearest.every((n) => n.index >= 0 && n.index < e.references.length) && /128 reference 3s/.test(shown.title), shown.title);
    const ink = await colourCounts(page, '[data-testid=nearest-digits] canvas');
    assert(ink.length === 3 && ink.every((n) => n > 8), `reference tiles ${ink}`);
    return `${shown.title} ${shown.sims.join(', ')}`;
  });

  await check('window.connective.score matches the native CLI within 1e-4 (CPU)', async () => {
    await digits(page, 3);
    let worst = 0;
    for (let i = 0; i < native3.length; i++) {
      const r = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(i));
      worst = Math.max(worst, Math.abs(r.score - native3[i].score));
      assert(r.verdict === native3[i].verdict, `digit ${i}: ${r.verdict}, native ${native3[i].verdict}`);
    }
    assert(worst <= 1e-4, `max difference ${worst}`);
    return `max |Δ| = ${worst.toExponential(2)} over ${native3.length} digits, verdicts equal`;
  });

  await check('switching digits loads another model', async () => {
    await digits(page, 3);
    const three = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(14));
    await page.evaluate(() => window.connective.setModel(7));
    const seven = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(14));
    const native7 = native('mnist-7')[14];
    const [model, picked, name] = [await page.evaluate(() => window.connective.model), await page.getAttribute('[data-testid=digit]', 'data-value'), await text(page, '#model-name')];
    assert(model === 'mnist-7' && picked === '7' && /Detector for 7: mnist-7/.test(name), `model ${model}, picker ${picked}, "${name}"`);
    assert(Math.abs(seven.score - native7.score) <= 1e-4 && Math.abs(three.score - native3[14].score) <= 1e-4, `scores ${three.score} / ${seven.score}, native ${native3[14].score} / ${native7.score}`);
    assert(Math.abs(seven.score - three.score) > 1e-3, 'the same score from both models');
    return `fixture 14: ${three.score.toFixed(2)} with mnist-3, ${seven.score.toFixed(2)} with mnist-7`;
  });

  await check('another detector rescores the gallery pick, and the row under the gallery follows', async () => {
    await digits(page, 7);
    await rescored(page, () => galleryTile(page, 12).click());
    await page.waitForFunction(() => /mnist-7/.test(document.querySelector('[data-testid=gallery-result] .kept-words')?.textContent ?? ''), null, { timeout: 30_000 });
    await page.evaluate(() => window.connective.setModel(3));
    await page.waitForFunction(() => /mnist-3/.test(document.querySelector('[data-testid=gallery-result] .kept-words')?.textContent ?? ''), null, { timeout: 30_000 });
    const title = await text(page, '[data-testid=gallery-result] .kept-title');
    const verdict = await text(page, '[data-testid=verdict]');
    assert(title.startsWith(verdict) && /a 3/.test(verdict), `under the gallery "${title}", above "${verdict}"`);
    return title;
  });

  await digits(page, 3);
  await rescored(page, () => galleryTile(page, 12).click());
  await page.screenshot({ path: path.join(out, 'desktop.png'), fullPage: true });

  await check('evaluate here: the sample digits get an AUROC, a ROC curve and counts at the threshold', async () => {
    await digits(page, 0);
    await page.click('#eval-run');
    await page.waitForFunction(() => !document.getElementById('eval-results').hidden, null, { timeout: 120_000 });
    const [auroc, baseline, counts, status] = [await text(page, '#eval-auroc'), await text(page, '#eval-baseline'), await text(page, '#eval-counts'), await text(page, '#eval-status')];
    const points = await page.$$eval('#eval-roc polyline', (ps) => ps.map((p) => p.getAttribute('points').split(' ').length));
    assert(Number(auroc) > 0.9 && Number(auroc) <= 1 && Number(baseline) > 0.5 && Number(baseline) <= 1, `AUROC ${auroc}, baseline ${baseline}`);
    // The verdict's score and the reconstruction error; and CRBND's f(x) where the verdict is another score.
    const near = entry('mnist-0').config.score === 'neighbours';
    assert(points.length === (near ? 3 : 2) && points.every((n) => n > 10), `ROC polylines ${points}`);
    const n = Number(/Scored (\d+) digits/.exec(status)?.[1]);
    const m = /: (\d+) of (\d+) 0s accepted .* (\d+) of (\d+) other digits/.exec(counts);
    assert(m && Number(m[2]) + Number(m[4]) === n && Number(m[1]) <= Number(m[2]), `"${status}" / "${counts}"`);
    await page.locator('#eval-results').screenshot({ path: path.join(out, 'evaluate-here.png') });
    return `AUROC ${auroc}, baseline ${baseline}; ${counts}`;
  });

  await check('photos mode: a sample photo gets a verdict from the airplane detector, with what it was judged by', async () => {
    await page.click('[data-testid=mode] button[data-mode=photos]');
    await page.waitForFunction(() => document.querySelector('[data-testid=photo-model]').dataset.value, null, { timeout: 60_000 });
    await photos(page, 'photo-airplanes');
    const r = await judged(page, () => page.locator('#photo-gallery button.tile[data-class=clutter]').first().click());
    const v = await text(page, '[data-testid=photo-result] .verdict');
    assert(r.verdict === 'novel' && v === '✗ novel — not airplanes' && (await page.evaluate(() => window.connective.model)) === 'photo-airplanes', `verdict ${v}`);
    const by = await text(page, '[data-testid=photo-result] .judged-by');
    assert(r.judgedBy !== 'neighbours' || /^Judged by its \d nearest training photos: similarity \d\.\d\d < threshold \d\.\d\d$/.test(by), `judged by "${by}"`);
    // The model facts are the photo detector's: the backbone and each score's AUROC.
    const facts = await page.textContent('#model-facts');
    assert(/EfficientNet-Lite0/.test(facts) && /AUROC, nearest training photos/.test(facts) && /photo-airplanes/.test(facts), `facts ${facts}`);
    // The digit cards (gauge, sliders, panels) are hidden in photos mode.
    assert(!(await page.isVisible('#verdict')) && !(await page.isVisible('#panel-input')), 'digit cards shown in photos mode');
    return `${v}; ${by}`;
  });

  await check('the gauge\'s "threshold" label stands under the threshold\'s tick, and follows the slider', async () => {
    await digits(page, 2);
    await page.click('#reset');
    const centres = () => page.evaluate(() => ['gauge-tick', 'gauge-label'].map((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      return r.left + r.width / 2;
    }));
    // The 2-model's threshold for drawings puts the tick away from the middle of the gauge.
    let [tick, label] = await centres();
    assert(Math.abs(tick - label) < 3, `tick at ${tick.toFixed(1)} px, label at ${label.toFixed(1)} px`);
    const first = tick;
    // As a drag does: a new value, then an input event.
    await page.evaluate(() => {
      const t = document.getElementById('threshold');
      t.value = String(Number(t.min) + 0.6 * (Number(t.max) - Number(t.min))); // 60 % along the slider
      t.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction((x) => Math.abs(document.getElementById('gauge-tick').getBoundingClientRect().left - x) > 10, first, { timeout: 10_000 });
    [tick, label] = await centres();
    assert(Math.abs(tick - label) < 3, `after the slider: tick at ${tick.toFixed(1)} px, label at ${label.toFixed(1)} px`);
    await page.click('#reset');
    return `tick and label ${first.toFixed(0)} px, at threshold 1: ${tick.toFixed(0)} px`;
  });

  /** The photo judgement shown: its data attributes (verdict, score, model, …). */
  const photoShown = () => page.evaluate(() => ({ ...document.querySelector('[data-testid=photo-result]').dataset }));
  await check('photos mode: uploading a JPEG photo judges it, a non-image is refused', async () => {
    await photos(page, 'photo-airplanes');
    const clutter = path.join(root, 'tests/fixtures/photos/clutter');
    const r = await judged(page, () => page.setInputFiles('[data-testid=upload]', path.join(clutter, readdirSync(clutter)[0])));
    const after = await photoShown();
    assert(r.source === 'upload' && after.verdict === r.verdict && Number(after.score) === r.score, `shown ${JSON.stringify(after)}`);
    await page.setInputFiles('[data-testid=upload]', { name: 'x.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') });
    await page.waitForFunction(() => /x\.gif is not a PNG, JPEG or WebP/i.test(document.getElementById('status').textContent), null, { timeout: 10_000 });
    assert(JSON.stringify(await photoShown()) === JSON.stringify(after), 'the judgement changed after the refused file');
    return `${r.verdict}, ${r.score.toFixed(3)}`;
  });

  await check('photos mode: a huge photo is downscaled and scored; a truncated one and one over 50 MB are refused', async () => {
    await photos(page, 'photo-airplanes');
    // An 8000×8000 PNG (64 megapixels; Rust's preprocessing alone refuses over 16).
    const big = await gradientPng(page, 8000, 8000);
    const r = await judged(page, () => page.setInputFiles('[data-testid=upload]', { name: 'huge.png', mimeType: 'image/png', buffer: big }), 90_000);
    const status = await page.textContent('#status');
    assert(/huge\.png.*8000×8000, judged on its centre square at \d+×\d+/.test(status) && Number.isFinite(r.score), `status ${status}`);
    const scored = JSON.stringify(await photoShown());
    await page.setInputFiles('[data-testid=upload]', { name: 'cut.png', mimeType: 'image/png', buffer: big.subarray(0, big.length >> 1) });
    await page.waitForFunction(() => /cut\.png could not be decoded/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    // Playwright hands over buffers of at most 50 MB: the oversized one goes as a file.
    const oversized = path.join(out, 'oversized.jpg');
    writeFileSync(oversized, Buffer.alloc(51e6));
    await page.setInputFiles('[data-testid=upload]', oversized);
    await page.waitForFunction(() => /oversized\.jpg is 51 MB; pictures over 50 MB are refused/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    unlinkSync(oversized);
    assert(JSON.stringify(await photoShown()) === scored, 'the judgement changed after a refused file');
    return `${big.length} bytes → ${r.verdict} ${r.score.toFixed(3)}`;
  });

  /** Scores gallery digit `i` and keeps the result. */
  const keepDigit = async (i) => {
    await rescored(page, () => galleryTile(page, i).click());
    await page.click('[data-testid=keep]');
  };
  const clearKept = async () => {
    if (await page.isVisible('#kept-clear')) await page.click('#kept-clear');
  };
  await check('keep for comparison: an inlier and an outlier side by side', async () => {
    await digits(page, 3);
    await clearKept();
    const labels = await page.$$eval('#gallery button.tile', (bs) => bs.map((b) => b.dataset.label));
    await keepDigit(labels.indexOf('3'));
    // An outlier: the first other digit the 3-model calls novel (it accepts a few 7s).
    let outlier = -1;
    for (let i = 0; i < labels.length && outlier < 0; i++) {
      if (labels[i] === '3') continue;
      await rescored(page, () => galleryTile(page, i).click());
      if (/novel/.test(await text(page, '[data-testid=verdict]'))) outlier = i;
    }
    assert(outlier >= 0, 'the 3-model calls every gallery digit an inlier');
    await page.click('[data-testid=keep]');
    const rows = await page.$$eval('[data-testid=kept] li', (lis) => lis.map((li) => li.querySelector('.kept-title').textContent));
    const levels = await colourCounts(page, '[data-testid=kept] li canvas');
    assert(rows.length === 2, `${rows.length} kept rows`);
    assert(levels.length === 8 && levels.every((n) => n > 2), `kept pictures ${levels}`);
    assert(/a 3/.test(rows[0]) && /^✗ novel — not a 3 · −\d+\.\d{2,3} below the threshold$/.test(rows[1]), `titles ${rows}`);
    return rows.join(' | ');
  });

  // The screenshot of photos mode: a clutter photo, novel for the airplane detector.
  await photos(page, 'photo-airplanes');
  await judged(page, () => page.locator('#photo-gallery button.tile[data-class=clutter]').first().click());
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(out, 'photos.png'), fullPage: true });

  await check('clearing the kept results empties the list', async () => {
    await digits(page, 3);
    await keepDigit(2);
    assert((await page.$$('[data-testid=kept] li')).length > 0, 'nothing kept to clear');
    await page.click('#kept-clear');
    assert((await page.$$('[data-testid=kept] li')).length === 0, 'kept rows not cleared');
    assert(await page.isHidden('#kept-clear'), 'the clear button is still shown');
  });

  await check('back to digits mode: the last digit model comes back and scores as the native CLI', async () => {
    await digits(page, 5);
    await photos(page, 'photo-airplanes');
    assert((await page.evaluate(() => window.connective.model)) === 'photo-airplanes', 'not on the photo detector');
    await page.evaluate(() => window.connective.setMode('digits'));
    const [mode, model, picked] = await page.evaluate(() => [window.connective.mode, window.connective.model, document.querySelector('[data-testid=digit]').dataset.value]);
    assert(mode === 'digits' && model === 'mnist-5' && picked === '5', `mode ${mode}, model ${model}, picker ${picked}`);
    const r = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(6));
    const want = native('mnist-5')[6].score;
    assert(Math.abs(r.score - want) <= 1e-4, `score ${r.score}, native ${want}`);
    return `mnist-5, fixture 6: ${r.score.toFixed(2)}`;
  });
  await check('no console errors', async () => { assert(errors.length === 0, errors.join(' | ')); });

  // After the console check: a refused model may log its error.
  await check('bad arrays through window.connective and a corrupt model file are specific errors, and the page keeps working', async () => {
    await digits(page, 3);
    const bad = await page.evaluate(async () => {
      const message = async (f) => {
        try {
          await f();
          return 'no error';
        } catch (e) {
          return String((e && e.message) || e);
        }
      };
      return {
        nan: await message(() => window.connective.score(new Array(784).fill(NaN))),
        short: await message(() => window.connective.score(new Array(10).fill(0))),
      };
    });
    assert(/grey level 0 is NaN/.test(bad.nan) && /expected 784 grey levels, got 10/.test(bad.short), JSON.stringify(bad));
    // A page whose first model file arrives with one byte altered: its checksum refuses it, the
    // page says so, and another model loads and scores.
    const corrupt = async (route) => {
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      body[body.length >> 1] ^= 0xff;
      await route.fulfill({ response, body });
    };
    const { page: other, context: otherContext } = await open('?digit=5&backend=cpu', undefined, { route: ['**/models/mnist-5.bpk', corrupt] });
    await other.waitForFunction(() => /SHA-256/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    const status = await text(other, '#status');
    // The visitor picks another digit: that model loads and judges a gallery digit.
    await other.click('#digits button[data-digit="3"]');
    await other.waitForFunction(() => /Model mnist-3 ready/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    await other.locator('#gallery button.tile').first().click();
    await other.waitForFunction(() => /inlier|novel/.test(document.querySelector('[data-testid=verdict]').textContent), null, { timeout: 30_000 });
    // … and window.connective works again with it.
    const again = await other.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(6));
    await otherContext.close();
    assert(Math.abs(again.score - native3[6].score) <= 1e-4, `API score ${again.score} after recovering, native ${native3[6].score}`);
    // A good model still loads and scores as the native CLI.
    await digits(page, 3);
    const r = await page.evaluate((px) => window.connective.score(new Uint8Array(px)), fixture(6));
    assert(Math.abs(r.score - native3[6].score) <= 1e-4, `score ${r.score} after the corrupt model, native ${native3[6].score}`);
    return `${bad.nan}; ${status.slice(0, 110)}`;
  });

  await check('auto: on a software WebGPU adapter only the CPU build is downloaded', async () => {
    const { page: p, context } = await open('?digit=3&backend=auto');
    const wasm = await p.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm')));
    const badge = (await text(p, '[data-testid=backend]')).replace(/\s+/g, ' ');
    await context.close();
    assert(wasm.length === 1 && wasm[0].endsWith('pkg-cpu/connective_bg.wasm'), `wasm fetched: ${wasm.join(', ')}`);
    assert(/CPU/.test(badge) && /no hardware GPU|no WebGPU/i.test(badge), `badge: ${badge}`);
    return badge;
  });

  /** Latency in the page (window.connective.bench): sound numbers for `n` runs on `backend`, no timing limit. */
  const benchOk = (r, n, backend) => {
    assert(r.backend === backend && r.n === n, `bench ran ${r.n} times on ${r.backend}, asked ${n} on ${backend}`);
    assert(Number.isFinite(r.p50) && Number.isFinite(r.p95) && r.p50 > 0 && r.p50 <= r.p95, `p50 ${r.p50}, p95 ${r.p95}`);
  };
  for (const [backend, n] of [['cpu', 200], ['webgpu', 20]]) {
    await check(`bench mode on ${backend}`, async () => {
      const { page: p, context } = await open(`?digit=3&backend=${backend}`);
      const r = await p.evaluate((n) => window.connective.bench(n), n);
      await context.close();
      benchOk(r, n, backend);
      console.log(`BENCH ${JSON.stringify(r)}`);
      return `${r.backend}: p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms over ${r.n}`;
    });
  }

  // In photos mode the bench times whole verdicts: backbone, detector and read-back.
  await check('bench mode on cpu, photo detector', async () => {
    const { page: p, context } = await open('?mode=photos&backend=cpu');
    await p.waitForFunction(() => document.querySelector('[data-testid=photo-model]').dataset.value, null, { timeout: 60_000 });
    const r = await p.evaluate((n) => window.connective.bench(n), 5);
    const model = await p.evaluate(() => window.connective.model);
    await context.close();
    assert(/^photo-/.test(model) && r.model === model && r.side > 0, `model ${model}, bench ${JSON.stringify(r)}`);
    benchOk(r, 5, 'cpu');
    console.log(`BENCH ${JSON.stringify({ ...r, model })}`);
    return `${model} on ${r.backend}: p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms over ${r.n}`;
  });

  await check('WebGPU: window.connective.score matches the native CLI within 1e-4', async () => {
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
    const badge = (await text(p, '[data-testid=backend]')).replace(/\s+/g, ' ');
    const wasm = await p.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm')));
    const model = await p.evaluate(() => window.connective.model);
    await context.close();
    assert(b === 'webgpu' && r.backend === 'webgpu' && model === 'mnist-3', `backend ${b} / ${r.backend}, model ${model}`);
    assert(wasm.some((n) => n.endsWith('/pkg/connective_bg.wasm')), `wasm fetched: ${wasm.join(', ')}`);
    assert(Math.abs(r.score - native3[0].score) <= 1e-4, `score ${r.score} vs native ${native3[0].score}`);
    return badge;
  });

  await check('phone-width screenshots, no horizontal scroll', async () => {
    const { page: p, context } = await open('?digit=3&backend=cpu', { width: 390, height: 844 });
    await rescored(p, () => galleryTile(p, 3).click());
    await p.waitForTimeout(500);
    await p.screenshot({ path: path.join(out, 'phone.png'), fullPage: true });
    // Straight after loading, a gallery digit: the label names the MNIST threshold.
    const which = await p.textContent('[data-testid=threshold-which]');
    assert(/MNIST images/.test(which), `threshold label ${which}`);
    const overflow = () => p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert(!(await overflow()), 'horizontal scroll at phone width, digits');
    await p.evaluate(() => window.connective.setMode('photos'));
    await p.waitForSelector('#photo-gallery button.tile', { timeout: 30_000 });
    // An inlier of the first (airplane) detector: the clutter one is on the desktop screenshot. Some
    // held-out photos of the class fall under the threshold: the first one judged an inlier.
    const tiles = p.locator('#photo-gallery button.tile.in');
    const scores = [];
    for (let i = 0; i < (await tiles.count()); i++) {
      const r = await judged(p, () => tiles.nth(i).click());
      scores.push(`${r.score.toFixed(3)} vs ${r.threshold.toFixed(3)}`);
      if (r.verdict === 'inlier') break;
    }
    const last = await p.evaluate(() => window.connective.photoResult);
    assert(last.verdict === 'inlier', `no held-out ${last.model.replace('photo-', '')} photo judged an inlier: ${scores.join(', ')}`);
    await p.waitForTimeout(500);
    await p.screenshot({ path: path.join(out, 'phone-photos.png'), fullPage: true });
    assert(!(await overflow()), 'horizontal scroll at phone width, photos');
    await context.close();
  });
} finally {
  await stop();
}
finish('page');
