// Photos mode end to end in headless Chromium with a fake camera (--use-fake-device-for-media-stream:
// a generated test pattern; --use-fake-ui-for-media-stream: permission granted without asking): the
// backbone is not fetched on a digits first load; opening photos mode fetches it once with a
// progress bar in bytes; the picker lists manifest.photos; an upload, a camera frame and a gallery
// pick each get a verdict with a heat map of the detector's h×w and three nearest training photos
// cut from the gallery sprite; uploads of the fixture PNGs are judged as the native CLI judged them
// (tests/fixtures/photo-detectors/native.json) within 1e-3; another detector judges the photo shown
// again; at 1024×768 (a projector) the verdict, the heat map and the nearest photos fit the first
// screen; a camera frame can be added as an example to teach; a refused or missing camera says so. Run after `bash www/build.sh`.
import path from 'node:path';
import { assert, check, finish, judged, judgementGap, manifest, out, photoFixtures, photoNative, start } from './harness.mjs';

const { open, stop } = await start(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
const BACKBONE = 'models/efficientnet-lite0.bpk';
const fetched = (requests) => requests.filter((u) => u.endsWith(BACKBONE)).length;
const text = async (page, sel) => (await page.textContent(sel)).trim();

/** What the result card shows: verdict line, its data attributes, the heat map and the nearest thumbnails. */
async function shown(page, box = '[data-testid=photo-result]') {
  return page.evaluate((box) => {
    const el = document.querySelector(box);
    const heat = el.querySelector('canvas.heatmap');
    const colours = (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return new Set(Array.from({ length: d.length / 4 }, (_, i) => d[4 * i] + 256 * d[4 * i + 1] + 65536 * d[4 * i + 2])).size;
    };
    const thumbs = [...el.querySelectorAll('.neighbour')];
    return {
      verdict: el.querySelector('.verdict').textContent,
      judgedBy: el.querySelector('.judged-by')?.textContent,
      data: { ...el.dataset },
      heat: heat ? { w: heat.width, h: heat.height, colours: colours(heat), visible: heat.getBoundingClientRect().width > 50 } : null,
      thumbs: thumbs.map((f) => ({ drawn: f.dataset.drawn === 'true', colours: colours(f.querySelector('canvas')), caption: f.querySelector('figcaption').textContent, visible: f.getBoundingClientRect().width > 20 })),
    };
  }, box);
}

/** A judgement as shown: verdict words, heat map of the detector's h×w over the crop, three drawn thumbnails. */
function assertShown(s, r, entry) {
  const k = Math.ceil(entry.config.side / 32);
  assert(r.mapShape.join('x') === `${k}x${k}` && r.errorMap.length === k * k && r.errorMap.every(Number.isFinite), `error map ${r.mapShape} (${r.errorMap.length} values), want ${k}×${k} finite`);
  assert(s.data.map === `${k}x${k}` && s.data.finite === 'true' && s.data.model === entry.name, `result data ${JSON.stringify(s.data)}`);
  assert(s.heat && s.heat.w === entry.config.side && s.heat.h === entry.config.side && s.heat.colours > 50 && s.heat.visible, `heat map ${JSON.stringify(s.heat)}`);
  const words = r.verdict === 'inlier' ? /^✓ inlier — looks like / : /^✗ novel — not /;
  assert(words.test(s.verdict), `verdict "${s.verdict}" for ${r.verdict}`);
  assert(/nearest training photos: similarity \d\.\d\d [≥<] threshold \d\.\d\d/.test(s.judgedBy) || r.judgedBy !== 'neighbours', `judged-by "${s.judgedBy}"`);
  assert(s.thumbs.length === 3 && s.thumbs.every((t) => t.drawn && t.colours > 20 && t.visible), `nearest thumbnails ${JSON.stringify(s.thumbs)}`);
  s.thumbs.forEach((t, i) => assert(t.caption.startsWith(r.nearest[i].similarity.toFixed(2)), `thumbnail ${i}: "${t.caption}", similarity ${r.nearest[i].similarity}`));
}

try {
  const { page, errors, requests } = await open('?digit=3&backend=cpu');
  await check('a digits first load does not fetch the backbone', async () => {
    await page.waitForLoadState('networkidle');
    assert(fetched(requests) === 0, `${fetched(requests)} requests for ${BACKBONE}`);
    assert(await page.locator('[data-testid=backbone-load]').isHidden(), 'the backbone bar shows in digits mode');
    return `${requests.length} requests, none for the backbone`;
  });

  await check('opening photos mode fetches the backbone once, with a progress bar in bytes', async () => {
    await page.click('[data-testid=mode] button[data-mode=photos]');
    await page.waitForFunction(() => document.querySelector('[data-testid=backbone-load]').dataset.state === 'done', null, { timeout: 60_000 });
    const bytes = (await page.textContent('[data-testid=backbone-bytes]')).trim();
    const m = bytes.match(/^(\d+\.\d) \/ (\d+\.\d) MB$/);
    assert(m && m[1] === m[2] && Number(m[2]) > 5, `the bar says "${bytes}"`);
    assert(fetched(requests) === 1, `${fetched(requests)} requests for ${BACKBONE}`);
    return bytes;
  });

  await check('the picker lists the photo detectors of manifest.photos, one-class first', async () => {
    await page.waitForFunction(() => document.querySelector('[data-testid=photo-model]').dataset.value, null, { timeout: 60_000 });
    const names = await page.$$eval('[data-testid=photo-model] button', (bs) => bs.map((b) => b.dataset.model));
    const want = manifest.photos.map((p) => p.name);
    assert(names.length === want.length && want.every((n) => names.includes(n)), `picker ${names}, manifest ${want}`);
    assert(names.every((n, i) => i === 0 || manifest.photos.find((p) => p.name === names[i - 1]).positive_classes.length <= manifest.photos.find((p) => p.name === n).positive_classes.length), `order ${names}`);
    const model = await page.evaluate(() => window.connective.model);
    assert(model === names[0], `loaded ${model}`);
    return names.join(', ');
  });

  // Uploads of the fixture PNGs (lossless: the browser decodes the pixels the CLI decoded).
  for (const name of ['photo-airplanes', 'photo-motorbikes']) {
    await check(`uploaded photos are judged as the native CLI judged them, within 1e-3 (${name}), with heat map and nearest photos`, async () => {
      const want = photoNative.detectors[name];
      const entry = manifest.photos.find((p) => p.name === name);
      assert(want && entry && want.sha256 === entry.sha256, `${name}: no native judgements of the shipped detector (regenerate native.json)`);
      await page.evaluate((n) => window.connective.setPhotoModel(n), name);
      let worst = 0;
      const verdicts = [];
      for (const line of want.lines) {
        const r = await judged(page, () => page.setInputFiles('[data-testid=upload]', path.join(photoFixtures, line.file)));
        assert(r.model === name && r.source === 'upload', `judged by ${r.model} from ${r.source}`);
        worst = Math.max(worst, judgementGap(r, line, `${name} ${line.file}`));
        assertShown(await shown(page), r, entry);
        verdicts.push(`${line.file.split('-')[0]} ${r.verdict}`);
      }
      assert(worst <= 1e-3, `max |page − native| = ${worst}`);
      assert(verdicts.some((v) => / inlier$/.test(v)) && verdicts.some((v) => / novel$/.test(v)), `verdicts ${verdicts}`);
      const status = await text(page, '#status');
      assert(/judged on its centre square at \d+×\d+\.$/.test(status), `status "${status}"`);
      return `max |Δ| = ${worst.toExponential(2)}; ${verdicts.join(', ')}`;
    });
  }

  await check('a camera frame is judged (fake camera): verdict, heat map and nearest photos', async () => {
    const entry = manifest.photos.find((p) => p.name === 'photo-airplanes');
    await page.evaluate(() => window.connective.setPhotoModel('photo-airplanes'));
    await page.click('#camera-start');
    await page.waitForFunction(() => document.getElementById('camera').dataset.state === 'on' && document.getElementById('camera-video').videoWidth > 0, null, { timeout: 30_000 });
    const r = await judged(page, () => page.click('[data-testid=take-photo]'));
    assert(r.source === 'camera' && r.model === 'photo-airplanes', `judged ${r.source} by ${r.model}`);
    assertShown(await shown(page), r, entry);
    const d = await page.evaluate(() => ({ ...document.querySelector('[data-testid=backbone]').dataset }));
    assert(d.source === 'camera' && d.finite === 'true' && Number(d.ms) > 0, JSON.stringify(d));
    const status = await text(page, '#status');
    const side = entry.config.side;
    assert(new RegExp(`^Camera photo: \\d+×\\d+, judged on its centre square at ${side}×${side}\\.$`).test(status), `status "${status}"`);
    await page.screenshot({ path: path.join(out, 'photos-camera.png'), fullPage: true });
    // The frame taken can be an example to teach (photo-teach.js): "Add the photo shown".
    await page.click('[data-testid=photo-teach-add]');
    const count = await text(page, '#photo-teach-count');
    assert(/^1 photo:/.test(count) && (await page.locator('#photo-teach-examples li').count()) === 1, `after "Add the photo shown": "${count}"`);
    await page.click('#camera-stop');
    assert(await page.locator('#camera-box').isHidden(), 'the preview stays after Stop camera');
    assert(fetched(requests) === 1, `${fetched(requests)} requests for ${BACKBONE}`);
    return `${r.verdict}, score ${r.score.toFixed(3)}, ${d.ms} ms`;
  });

  await check('a gallery pick is judged, and its verdict also shows under the gallery with its nearest photos', async () => {
    const entry = manifest.photos.find((p) => p.name === 'photo-motorbikes');
    await page.evaluate(() => window.connective.setPhotoModel('photo-motorbikes'));
    const tile = page.locator('#photo-gallery button.tile[data-class=Motorbikes]').first();
    assert(await tile.evaluate((b) => b.classList.contains('in')), 'a motorbike tile is not framed as an inlier');
    const r = await judged(page, () => tile.click());
    assert(r.source === 'gallery' && r.verdict === 'inlier', `a held-out motorbike: ${r.verdict} (${r.score} vs ${r.threshold})`);
    assertShown(await shown(page), r, entry);
    const under = await shown(page, '[data-testid=photo-gallery-result]');
    assert(await page.isVisible('[data-testid=photo-gallery-result]'), 'nothing under the gallery');
    assertShown(under, r, entry);
    const clutter = await judged(page, () => page.locator('#photo-gallery button.tile[data-class=clutter]').first().click());
    assert(clutter.verdict === 'novel', `clutter: ${clutter.verdict} (${clutter.score})`);
    assert(/^✗ novel/.test((await shown(page, '[data-testid=photo-gallery-result]')).verdict), 'the row under the gallery did not follow');
    return `motorbike ${r.score.toFixed(3)} ≥ ${r.threshold.toFixed(3)}, clutter ${clutter.score.toFixed(3)}`;
  });

  await check('another detector judges the photo shown again', async () => {
    const before = await page.evaluate(() => window.connective.photoResult);
    const r = await judged(page, () => page.evaluate(() => window.connective.setPhotoModel('photo-airplanes')));
    assert(r.model === 'photo-airplanes' && before.model === 'photo-motorbikes' && r.score !== before.score, `${before.model} ${before.score} → ${r.model} ${r.score}`);
    const name = await text(page, '#model-name');
    assert(/photo-airplanes/.test(name), `model name "${name}"`);
    return `${before.score.toFixed(3)} → ${r.score.toFixed(3)}`;
  });

  await check('no console errors', async () => assert(errors.length === 0, errors.join(' | ')));

  // A 1024×768 projector: after a verdict the first screen (scrollY 0) holds the verdict, the heat
  // map over the crop, the three nearest training photos and the photo itself; a novel clutter
  // photo for the airplane detector (screenshot), then an inlier for the three-class detector (the
  // longest words).
  await check('projector (1024×768): verdict, heat map, nearest photos and the photo in the first screen after a verdict', async () => {
    const { page: p, context, errors: errs } = await open('?mode=photos&backend=cpu', { width: 1024, height: 768 });
    await p.waitForSelector('#photo-gallery button.tile', { timeout: 60_000 });
    const boxes = async () => {
      await p.evaluate(() => window.scrollTo(0, 0));
      await p.waitForTimeout(200);
      return p.evaluate(() => {
        const card = document.querySelector('[data-testid=photo-result]');
        const r = (el) => el.getBoundingClientRect().toJSON();
        return {
          scrollY: window.scrollY, width: innerWidth, height: innerHeight, verdict: card.dataset.verdict,
          parts: { verdict: r(card.querySelector('[data-testid=photo-verdict]')), 'heat map': r(card.querySelector('canvas.heatmap')), 'nearest photos': r(card.querySelector('.nearest-box')), photo: r(document.getElementById('pad')) },
        };
      });
    };
    const fits = (b, what) => {
      assert(b.scrollY === 0, `${what}: scrolled to ${b.scrollY}`);
      for (const [name, x] of Object.entries(b.parts)) {
        assert(x.width > 100 && x.height > 40, `${what}: ${name} is ${x.width}×${x.height}`);
        assert(x.left >= 0 && x.top >= 0 && x.right <= b.width && x.bottom <= b.height, `${what}: ${name} at x ${x.left}–${x.right}, y ${x.top}–${x.bottom}, outside ${b.width}×${b.height}`);
      }
      return `${what} (${b.verdict}): ` + Object.entries(b.parts).map(([n, x]) => `${n} y ${Math.round(x.top)}–${Math.round(x.bottom)}`).join(', ');
    };
    await judged(p, () => p.locator('#photo-gallery button.tile[data-class=clutter]').first().click());
    const clutter = await boxes();
    await p.screenshot({ path: path.join(out, 'projector-photos.png') });
    await judged(p, () => p.evaluate(() => window.connective.setPhotoModel('photo-airplanes-faces_easy-motorbikes')));
    await judged(p, () => p.locator('#photo-gallery button.tile[data-class=Motorbikes]').first().click());
    const motorbike = await boxes();
    await context.close();
    assert(errs.length === 0, errs.join(' | '));
    return [fits(clutter, 'clutter, photo-airplanes'), fits(motorbike, 'motorbike, three classes')].join('; ');
  });

  for (const [name, error, want] of [
    ['refused', 'NotAllowedError', /permission was refused/],
    ['missing', 'NotFoundError', /No camera was found/],
  ]) {
    await check(`a ${name} camera says so, and uploads still work`, async () => {
      const { page, context } = await open('?mode=photos&backend=cpu', undefined, {
        initScript: `navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('test', '${error}'));`,
      });
      await page.click('#camera-start');
      await page.waitForFunction(() => document.getElementById('camera').dataset.state === 'refused', null, { timeout: 10_000 });
      const status = (await page.textContent('#status')).trim();
      assert(want.test(status), `status "${status}"`);
      assert(await page.locator('#camera-box').isHidden(), 'a preview shows without a camera');
      const r = await judged(page, () => page.setInputFiles('[data-testid=upload]', path.join(photoFixtures, photoNative.photos[0])));
      assert(r.source === 'upload' && /inlier|novel/.test(r.verdict), `upload after the refusal: ${JSON.stringify(r && r.verdict)}`);
      await context.close();
      return status;
    });
  }
} finally {
  await stop();
}
finish('photos');
