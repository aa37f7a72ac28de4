// Photos mode and the ImageNet backbone, end to end in headless Chromium with a fake camera
// (--use-fake-device-for-media-stream: a generated test pattern; --use-fake-ui-for-media-stream:
// permission granted without asking): the backbone file is not fetched on a digits first load,
// opening photos mode fetches it once with a progress bar in bytes, an upload and a camera frame
// each reach the backbone's features call, and a refused or missing camera says so. Run after
// `bash www/build.sh`.
import path from 'node:path';
import { assert, check, finish, out, root, start } from './harness.mjs';

const { open, stop } = await start(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
const BACKBONE = 'models/efficientnet-lite0.bpk';
const fetched = (requests) => requests.filter((u) => u.endsWith(BACKBONE)).length;
/** Waits until the backbone has run `runs` times in total; returns #backbone's data attributes. */
async function backboneRuns(page, runs) {
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=backbone]').dataset.runs || 0) >= n || document.querySelector('[data-testid=backbone]').dataset.error, runs, { timeout: 120_000 });
  return page.evaluate(() => ({ ...document.querySelector('[data-testid=backbone]').dataset }));
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

  await check('an uploaded photo reaches the backbone: 1280 features, timed', async () => {
    await page.waitForFunction(() => document.querySelector('[data-testid=photo-model]').dataset.value, null, { timeout: 60_000 });
    const before = Number((await page.getAttribute('[data-testid=backbone]', 'data-runs')) || 0);
    const clutter = path.join(root, 'tests/fixtures/photos/clutter');
    const file = (await import('node:fs')).readdirSync(clutter).find((f) => /\.jpe?g$/i.test(f));
    await page.setInputFiles('[data-testid=upload]', path.join(clutter, file));
    const d = await backboneRuns(page, before + 1);
    assert(!d.error, d.error);
    assert(d.source === 'upload' && d.features === '1280' && d.finite === 'true' && Number(d.ms) > 0, JSON.stringify(d));
    return `${d.side} px, map ${d.map}, ${d.ms} ms on ${d.backend}`;
  });

  await check('a camera frame reaches the backbone (fake camera), and the detector scores it', async () => {
    const before = Number((await page.getAttribute('[data-testid=backbone]', 'data-runs')) || 0);
    await page.click('#camera-start');
    await page.waitForFunction(() => document.getElementById('camera').dataset.state === 'on' && document.getElementById('camera-video').videoWidth > 0, null, { timeout: 30_000 });
    await page.click('[data-testid=take-photo]');
    const d = await backboneRuns(page, before + 1);
    assert(!d.error, d.error);
    assert(d.source === 'camera' && d.features === '1280' && d.finite === 'true', JSON.stringify(d));
    const status = (await page.textContent('#status')).trim();
    assert(/^Camera photo: \d+×\d+, scored as 32×32 colour\.$/.test(status), `status "${status}"`);
    await page.waitForFunction(() => /inlier|novel/.test(document.querySelector('[data-testid=verdict]').textContent), null, { timeout: 30_000 });
    const size = await page.evaluate(() => [document.getElementById('camera-video').videoWidth, document.getElementById('camera-video').videoHeight].join('×'));
    await page.screenshot({ path: path.join(out, 'photos-camera.png'), fullPage: true });
    await page.click('#camera-stop');
    assert(await page.locator('#camera-box').isHidden(), 'the preview stays after Stop camera');
    assert(fetched(requests) === 1, `${fetched(requests)} requests for ${BACKBONE}`);
    return `frame ${size}, ${d.ms} ms`;
  });

  await check('no console errors', async () => assert(errors.length === 0, errors.join(' | ')));

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
      assert(await page.isVisible('[data-testid=upload]'), 'no upload input');
      await context.close();
      return status;
    });
  }
} finally {
  await stop();
}
finish('photos');
