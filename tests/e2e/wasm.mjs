// The Rust bindings (src/web.rs) in a real browser, through the built www/pkg-cpu and www/pkg the
// page loads: every digit model loads from its bytes and scores the fixtures as the native CLI did
// (within 1e-4) on the CPU build and on WebGPU (SwiftShader in headless Chromium), and bad inputs
// are JavaScript errors, not panics. The ImageNet backbone (`Backbone`, the file www/build.sh
// converts) gives the native pooled features of the two fixture photos
// (tests/fixtures/backbone/native-f16.json, written by tests/model/backbone.rs) within 1e-3, and
// every photo detector (`PhotoDetector`) judges the fixture PNGs as the native CLI did
// (tests/fixtures/photo-detectors/native.json, tests/model/fixtures.rs) within 1e-3.
// Run after `bash www/build.sh`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assert, check, digitCount, entry, finish, fixture, judgementGap, native, photoEntry, photoNative, photoPng, root, scoredModels, start } from './harness.mjs';

const backboneFixtures = path.join(root, 'tests/fixtures/backbone');
const backboneNative = JSON.parse(readFileSync(path.join(backboneFixtures, 'native-f16.json'), 'utf8'));

const { open, stop } = await start();

/** Loads each model into a fresh session of `build` on `backend` and scores every fixture in one batch. */
async function scoreFixtures(page, build, backend) {
  const digits = Array.from({ length: digitCount }, (_, i) => fixture(i)).flat();
  return page.evaluate(async ({ build, backend, models, digits, n }) => {
    const wasm = await import(`./${build}/connective.js`);
    await wasm.default();
    const c = await wasm.Connective.create(backend);
    const manifest = await (await fetch('models/manifest.json')).json();
    const out = { backend: c.backend, models: {} };
    for (const name of models) {
      const e = manifest.models.find((m) => m.name === name);
      const bytes = new Uint8Array(await (await fetch(`models/${e.file}`)).arrayBuffer());
      await c.loadModel(JSON.stringify(e), bytes);
      // Grey levels: the session divides by 255.
      const r = await c.scoreBatch(new Uint8Array(digits), n);
      out.models[name] = { logits: Array.from(r.logits), scores: Array.from(r.scores) };
    }
    c.free();
    return out;
  }, { build, backend, models: scoredModels, digits, n: digitCount });
}

/** The largest |browser − native| over f(x) and the verdict score of every model and fixture. */
function worstDifference(result) {
  let worst = 0;
  for (const name of scoredModels) {
    const got = result.models[name];
    const want = native(name);
    assert(got && got.logits.length === want.length, `${name}: ${got ? got.logits.length : 0} scores for ${want.length} fixtures`);
    want.forEach((w, i) => (worst = Math.max(worst, Math.abs(got.logits[i] - w.logit), Math.abs(got.scores[i] - w.score))));
  }
  return worst;
}

try {
  for (const [build, backend] of [['pkg-cpu', 'cpu'], ['pkg', 'webgpu']]) {
    await check(`every model scores the fixtures as the native CLI, within 1e-4 (${build}, ${backend})`, async () => {
      const { page, context } = await open(`?digit=3&backend=${backend}`);
      const result = await scoreFixtures(page, build, backend);
      await context.close();
      assert(result.backend === backend, `session runs on ${result.backend}`);
      const worst = worstDifference(result);
      assert(worst <= 1e-4, `max difference ${worst}`);
      return `${scoredModels.length} models, max |Δ| = ${worst.toExponential(2)}`;
    });
  }

  for (const [build, backend] of [['pkg-cpu', 'cpu'], ['pkg', 'webgpu']]) {
    await check(`the backbone's pooled features of the fixture photos are the native ones, within 1e-3 (${build}, ${backend})`, async () => {
      const { page, context } = await open(`?digit=3&backend=${backend}`);
      const pngs = backboneNative.photos.map((p) => readFileSync(path.join(backboneFixtures, p.png224)).toString('base64'));
      const r = await page.evaluate(async ({ build, backend, pngs }) => {
        const wasm = await import(`./${build}/connective.js`);
        await wasm.default();
        const rejects = async (f) => {
          try {
            await f();
          } catch (e) {
            return e instanceof Error ? e.message : `not an Error: ${e}`;
          }
          return 'no error';
        };
        const bytes = new Uint8Array(await (await fetch('models/efficientnet-lite0.bpk')).arrayBuffer());
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        const bb = await wasm.Backbone.load(bytes, backend);
        const out = { backend: bb.backend, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''), photos: [] };
        for (const b64 of pngs) {
          const png = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
          const bmp = await createImageBitmap(new Blob([png], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
          const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
          ctx.drawImage(bmp, 0, 0);
          // Already 224×224: the page's preprocessing only drops the (opaque) alpha.
          const rgb = wasm.preprocessPhotoRgb(ctx.getImageData(0, 0, bmp.width, bmp.height).data, bmp.width, bmp.height, 224);
          const f = await bb.features(rgb, 224);
          // The map is channel-major: each channel's mean is its pooled value.
          const [c, h, w] = f.mapShape;
          let poolGap = 0;
          for (let k = 0; k < c; k++) {
            let s = 0;
            for (let i = 0; i < h * w; i++) s += f.map[k * h * w + i];
            poolGap = Math.max(poolGap, Math.abs(s / (h * w) - f.pooled[k]));
          }
          out.photos.push({ rgbSum: rgb.reduce((a, v) => a + v, 0), pooled: Array.from(f.pooled), mapShape: f.mapShape, mapLength: f.map.length, poolGap, ms: f.ms });
        }
        out.short = await rejects(() => bb.features(new Uint8Array(100), 224));
        out.truncated = await rejects(() => wasm.Backbone.load(bytes.slice(0, 1000), backend));
        out.wrongFile = await rejects(async () => wasm.Backbone.load(new Uint8Array(await (await fetch('models/mnist-3.bpk')).arrayBuffer()), backend));
        out.stillWorks = (await bb.features(new Uint8Array(160 * 160 * 3).fill(128), 160)).mapShape;
        bb.free();
        return out;
      }, { build, backend, pngs });
      await context.close();
      assert(r.backend === backend, `backbone runs on ${r.backend}`);
      assert(r.sha256 === backboneNative.bpk_sha256, `www/models/efficientnet-lite0.bpk has SHA-256 ${r.sha256}, the native fixture was made from ${backboneNative.bpk_sha256}`);
      let worst = 0;
      backboneNative.photos.forEach((want, i) => {
        const got = r.photos[i];
        assert(got.rgbSum === want.rgb_sum, `${want.png224}: the browser decoded other pixels (sum ${got.rgbSum}, native ${want.rgb_sum})`);
        assert(JSON.stringify(got.mapShape) === JSON.stringify(want.map_shape) && got.mapLength === 1280 * 49, `${want.png224}: map ${got.mapShape}`);
        assert(got.poolGap <= 1e-5, `${want.png224}: pooled is not the map's mean (${got.poolGap})`);
        want.features.forEach((v, k) => (worst = Math.max(worst, Math.abs(got.pooled[k] - v))));
      });
      assert(worst <= 1e-3, `max |wasm − native| = ${worst}`);
      assert(/bytes are not 1 RGB images? of 224×224/.test(r.short), `short: ${r.short}`);
      assert(r.truncated !== 'no error' && r.wrongFile !== 'no error', `truncated: ${r.truncated}; a detector's file: ${r.wrongFile}`);
      assert(JSON.stringify(r.stillWorks) === '[1280,5,5]', `after the errors: map ${r.stillWorks}`);
      return `max |Δ| = ${worst.toExponential(2)}, ${r.photos.map((p) => `${p.ms.toFixed(0)} ms`).join(', ')} at 224 px`;
    });
  }

  // Every detector on the CPU build; on WebGPU (SwiftShader: seconds per backbone call) two of
  // them on two photos.
  for (const [build, backend, detectors, photos] of [
    ['pkg-cpu', 'cpu', Object.keys(photoNative.detectors), photoNative.photos],
    ['pkg', 'webgpu', ['photo-airplanes', 'photo-motorbikes'].filter((n) => photoNative.detectors[n]), photoNative.photos.slice(0, 2)],
  ]) {
    await check(`photo detectors judge the fixture PNGs as the native CLI, within 1e-3 (${build}, ${backend})`, async () => {
      assert(detectors.length > 0 && photos.length > 0, 'no native judgements to compare with');
      const { page, context } = await open(`?digit=3&backend=${backend}`);
      const entries = detectors.map((n) => photoEntry(n));
      entries.forEach((e, i) => assert(e && e.sha256 === photoNative.detectors[detectors[i]].sha256, `${detectors[i]}: the native judgements are of another file (regenerate native.json)`));
      const r = await page.evaluate(async ({ build, backend, entries, pngs }) => {
        const wasm = await import(`./${build}/connective.js`);
        await wasm.default();
        const bb = await wasm.Backbone.load(new Uint8Array(await (await fetch('models/efficientnet-lite0.bpk')).arrayBuffer()), backend);
        const pictures = [];
        for (const b64 of pngs) {
          const png = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
          const bmp = await createImageBitmap(new Blob([png], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
          const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
          ctx.drawImage(bmp, 0, 0);
          pictures.push([ctx.getImageData(0, 0, bmp.width, bmp.height).data, bmp.width, bmp.height]);
        }
        const out = {};
        for (const e of entries) {
          const bytes = new Uint8Array(await (await fetch(`models/${e.file}`)).arrayBuffer());
          const d = wasm.PhotoDetector.load(JSON.stringify(e), bytes, bb);
          out[e.name] = { side: d.side, backend: d.backend, judgements: [] };
          for (const [rgba, w, h] of pictures) {
            const j = await d.judge(bb, rgba, w, h);
            out[e.name].judgements.push({ ...j, errorMap: Array.from(j.errorMap), cropLength: j.crop.length });
          }
          d.free();
        }
        bb.free();
        return out;
      }, { build, backend, entries, pngs: photos.map(photoPng) });
      await context.close();
      let worst = 0;
      for (const e of entries) {
        const got = r[e.name];
        assert(got.side === e.config.side && got.backend === backend, `${e.name}: side ${got.side}, backend ${got.backend}`);
        const k = Math.ceil(e.config.side / 32);
        photos.forEach((file, i) => {
          const j = got.judgements[i];
          const want = photoNative.detectors[e.name].lines.find((l) => l.file === file);
          worst = Math.max(worst, judgementGap(j, want, `${e.name} ${file}`));
          assert(j.mapShape.join('x') === `${k}x${k}` && j.errorMap.length === k * k && j.errorMap.every((v) => Number.isFinite(v) && v >= 0), `${e.name} ${file}: error map ${j.mapShape}`);
          assert(j.side === e.config.side && j.cropLength === 3 * e.config.side ** 2, `${e.name} ${file}: crop ${j.cropLength} at ${j.side}`);
          assert(Math.abs(j.combined - (j.parts[0] + j.parts[1]) / 2) < 1e-5, `${e.name} ${file}: eq. 6′ ${j.combined} is not the mean of ${j.parts}`);
        });
      }
      assert(worst <= 1e-3, `max |wasm − native| = ${worst}`);
      return `${entries.length} detectors × ${photos.length} photos, max |Δ| = ${worst.toExponential(2)}`;
    });
  }

  await check('bad inputs are JavaScript errors, and the session still works after them', async () => {
    const { page, context } = await open('?digit=3&backend=cpu');
    const r = await page.evaluate(async ({ digit, air, three }) => {
      const wasm = await import('./pkg-cpu/connective.js');
      await wasm.default();
      const rejects = async (f) => {
        try {
          await f();
        } catch (e) {
          return e instanceof Error ? e.message : `not an Error: ${e}`;
        }
        return 'no error';
      };
      const bytesOf = async (e) => new Uint8Array(await (await fetch(`models/${e.file}`)).arrayBuffer());
      const c = await wasm.Connective.create('cpu');
      const bytes = await bytesOf(three);
      const altered = bytes.slice();
      altered[bytes.length >> 1] ^= 0x40;
      const nan = new Float32Array(784);
      nan[5] = NaN;
      const got = {
        backend: c.backend,
        noModel: await rejects(() => c.score(new Float32Array(784))),
        noModelThreshold: await rejects(() => c.thresholdFor('dataset')),
        truncated: await rejects(() => c.loadModel(JSON.stringify(three), bytes.slice(0, 1000))),
        altered: await rejects(() => c.loadModel(JSON.stringify(three), altered)),
        badEntry: await rejects(() => c.loadModel('{', bytes)),
      };
      const info = await c.loadModel(JSON.stringify(three), bytes);
      Object.assign(got, {
        info,
        dataset: c.thresholdFor('dataset'),
        drawn: c.thresholdFor('drawn'),
        badKind: await rejects(() => c.thresholdFor('photo')),
        short: await rejects(() => c.score(new Float32Array(783))),
        shortGrey: await rejects(() => c.score(new Uint8Array(783))),
        nan: await rejects(() => c.score(nan)),
        outside: await rejects(() => c.score(new Float32Array(784).fill(3))),
        plainArray: await rejects(() => c.score(Array(784).fill(0))),
        lambda: await rejects(() => c.setLambda(1.5)),
        threshold: await rejects(() => c.setThreshold(NaN)),
        blank: await rejects(() => wasm.preprocessRgba(new Uint8Array(16).fill(255), 2, 2)),
      });
      // Still usable; grey levels are divided by 255 in Rust: the same score as the floats.
      got.grey = (await c.score(new Uint8Array(digit))).score;
      got.unit = (await c.score(Float32Array.from(digit, (v) => v / 255))).score;
      // A photo detector: checked against its entry, loaded on the backbone's device, refusing bad pictures.
      const bb = await wasm.Backbone.load(new Uint8Array(await (await fetch('models/efficientnet-lite0.bpk')).arrayBuffer()), 'cpu');
      const airBytes = await bytesOf(air);
      const airAltered = airBytes.slice();
      airAltered[airBytes.length >> 1] ^= 0x40;
      got.photoAltered = await rejects(async () => wasm.PhotoDetector.load(JSON.stringify(air), airAltered, bb));
      got.photoDigitEntry = await rejects(async () => wasm.PhotoDetector.load(JSON.stringify(three), bytes, bb));
      got.photoBadEntry = await rejects(async () => wasm.PhotoDetector.load('{', airBytes, bb));
      const d = wasm.PhotoDetector.load(JSON.stringify(air), airBytes, bb);
      got.photoShort = await rejects(() => d.judge(bb, new Uint8Array(10), 40, 30));
      got.photoEmpty = await rejects(() => d.judge(bb, new Uint8Array(0), 0, 0));
      const grey = await d.judge(bb, new Uint8Array(40 * 30 * 4).fill(200), 40, 30);
      got.photoGrey = { verdict: grey.verdict, score: grey.score, map: grey.mapShape, nearest: grey.nearest.length, side: d.side };
      d.free();
      bb.free();
      // The page's "Evaluate here" metrics: ties count one half.
      got.auroc = wasm.auroc(new Float32Array([1, 2, 2, 3]), new Uint8Array([0, 1, 0, 1]));
      got.roc = Array.from(wasm.rocCurve(new Float32Array([1, 2, 2, 3]), new Uint8Array([0, 1, 0, 1])));
      got.oneClass = wasm.auroc(new Float32Array([1, 2]), new Uint8Array([1, 1]));
      got.mismatch = await rejects(() => wasm.auroc(new Float32Array([1, 2]), new Uint8Array([1])));
      c.free();
      return got;
    }, { digit: fixture(0), air: photoEntry('photo-airplanes'), three: entry('mnist-3') });
    await context.close();
    const e = entry('mnist-3');
    const f32 = Math.fround;
    const expect = [
      ['backend', r.backend === 'cpu'],
      ['noModel', /no model/.test(r.noModel)],
      ['noModelThreshold', /no model/.test(r.noModelThreshold)],
      ['truncated', /truncated/.test(r.truncated)],
      ['altered', /SHA-256/.test(r.altered)],
      ['badEntry', /manifest entry/.test(r.badEntry)],
      // A digit model tells the page which threshold judges drawn and uploaded digits, and what
      // its verdict is taken on (the nearest training digits).
      ['drawnThreshold', r.info.drawnThreshold === f32(e.drawn_threshold) && r.info.drawnThreshold !== r.info.threshold],
      ['scoreRule', r.info.scoreRule === 'neighbours' && e.config.score === 'neighbours'],
      ['thresholdFor', r.dataset === f32(e.threshold) && r.drawn === f32(e.drawn_threshold)],
      ['badKind', /unknown input kind/.test(r.badKind)],
      ['short', /784/.test(r.short)],
      ['shortGrey', /784/.test(r.shortGrey)],
      ['nan', /NaN/.test(r.nan)],
      ['outside', /outside/.test(r.outside)],
      ['plainArray', /Uint8Array/.test(r.plainArray)],
      ['lambda', /λ/.test(r.lambda)],
      ['threshold', /finite/.test(r.threshold)],
      ['blank', /blank/i.test(r.blank)],
      ['grey', Number.isFinite(r.grey) && r.grey === r.unit],
      ['photoAltered', /SHA-256/.test(r.photoAltered)],
      ['photoDigitEntry', /photo manifest entry/.test(r.photoDigitEntry)],
      ['photoBadEntry', /photo manifest entry/.test(r.photoBadEntry)],
      ['photoShort', r.photoShort !== 'no error' && !/unreachable|panic/i.test(r.photoShort)],
      ['photoEmpty', r.photoEmpty !== 'no error' && !/unreachable|panic/i.test(r.photoEmpty)],
      ['photoGrey', /^(inlier|novel)$/.test(r.photoGrey.verdict) && Number.isFinite(r.photoGrey.score) && r.photoGrey.nearest === 3 && r.photoGrey.map.join('x') === `${Math.ceil(r.photoGrey.side / 32)}x${Math.ceil(r.photoGrey.side / 32)}`],
      ['auroc', r.auroc === 0.875 && Number.isNaN(r.oneClass) && /labels/.test(r.mismatch)],
      ['roc', JSON.stringify(r.roc) === JSON.stringify([0, 0, 0, 0.5, 0.5, 1, 1, 1])],
    ];
    const wrong = expect.filter(([, ok]) => !ok).map(([k]) => `${k}: ${JSON.stringify(r[k] ?? null)}`);
    assert(!wrong.length, wrong.join('; '));
    return `${expect.length} expectations`;
  });
} finally {
  await stop();
}
finish('wasm');
