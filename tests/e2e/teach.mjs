// Teach mode end to end, in headless Chromium on the CPU build: a detector taught in the page (a
// Web Worker running the same Rust training loop as `connective teach`) on letters drawn by a
// script (symbols.mjs), judged on held-out drawings of the letter against MNIST digits; export →
// open in a fresh page → the same scores; the native CLI trains the same loss curve from the same
// drawings and seed and scores the exported file as the page does; bad teaching input is a clear
// message, and the page keeps answering meanwhile.
// Run after `bash www/build.sh` and `cargo build --release` (the CLI: $CONNECTIVE_BIN, default
// target/release/connective):  (cd tests/e2e && node teach.mjs)
// Then photos: a photo detector taught in photos mode on 16 Caltech 101 photos of a class no shipped
// detector knows (bonsai, from $CONNECTIVE_CALTECH, default ../shared/data/caltech101), judged on
// other bonsai photos against clutter, exported and scored by the CLI alike.
// Environment: TEACH_LETTER (default A), TEACH_EXAMPLES (24), TEACH_SEED (1).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assert, check, finish, out, root, start } from './harness.mjs';
import { drawing, letters, rasterSource } from './symbols.mjs';

const letter = process.env.TEACH_LETTER || 'A';
const nExamples = Number(process.env.TEACH_EXAMPLES || 24);
const seed = Number(process.env.TEACH_SEED || 1);
assert(letters[letter], `TEACH_LETTER: one of ${Object.keys(letters).join(', ')}`);
const bin = process.env.CONNECTIVE_BIN || path.join(root, process.env.CARGO_TARGET_DIR || 'target', 'release', 'connective');
const t0 = Date.now();

/** `drawings` (strokes) rendered as the pad draws and preprocessed by the page: Uint8Array(784)s. */
async function render(page, drawings) {
  const arrays = await page.evaluate(
    async ([src, all]) => {
      const raster = eval(src);
      return all.map((strokes) => Array.from(window.__wasm.preprocessRgba(new Uint8Array(raster(strokes, 280).buffer), 280, 280)));
    },
    [rasterSource, drawings],
  );
  return arrays;
}

/** `n` 28×28 images as an IDX file (what `connective teach` and `score` read). */
function idx(images) {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(0x00000803, 0);
  head.writeUInt32BE(images.length, 4);
  head.writeUInt32BE(28, 8);
  head.writeUInt32BE(28, 12);
  return Buffer.concat([head, Buffer.from(images.flat())]);
}

const { open, stop } = await start();
const { page, errors } = await open('?backend=cpu&mode=teach');
await page.evaluate(async () => {
  const m = await import('/pkg-cpu/connective.js');
  await m.default();
  window.__wasm = m;
});
const examples = await render(page, Array.from({ length: nExamples }, (_, i) => drawing(letter, i)));
const heldOut = await render(page, Array.from({ length: 30 }, (_, i) => drawing(letter, 1000 + i)));
await check('teach mode shows the examples card and hides the digit picker and the gallery', async () => {
  const shown = await page.evaluate(() => ({
    teach: getComputedStyle(document.getElementById('teach-card')).display !== 'none',
    picker: getComputedStyle(document.getElementById('digits')).display !== 'none',
    pad: getComputedStyle(document.getElementById('pad')).display !== 'none',
    verdict: document.getElementById('verdict').textContent,
  }));
  assert(shown.teach && !shown.picker && shown.pad, `teach card ${shown.teach}, picker ${shown.picker}, pad ${shown.pad}`);
  assert(/Add examples/.test(shown.verdict), `the verdict says "${shown.verdict}" before any teaching`);
});

await check('teaching on no, one, blank or mis-sized drawings is a clear message, and the page keeps answering', async () => {
  const cases = [
    [[], /at least 6 examples.*none yet/],
    [[examples[0]], /at least 6 examples.*only one/],
    [Array.from({ length: 8 }, () => new Array(784).fill(0)), /example 1 is blank/],
    [[...examples.slice(0, 7), examples[7].slice(0, 500)], /example 8 has 500 values/],
  ];
  for (const [images, want] of cases) {
    const got = await page.evaluate(async (imgs) => {
      try {
        await window.connective.teach({ images: imgs.map((x) => Uint8Array.from(x)), seed: 1 });
        return 'resolved';
      } catch (e) {
        return e.message;
      }
    }, images);
    assert(want.test(got), `${images.length} images: "${got}" does not match ${want}`);
  }
  const shown = await page.evaluate(() => document.getElementById('teach-result').textContent);
  assert(/Could not teach/.test(shown), `the page says "${shown}"`);
  return `${cases.length} refusals`;
});

let taught = null;
let frames = null;
await check(`a detector taught on ${nExamples} drawings of ${letter} (seed ${seed}) in a worker, while the page keeps drawing frames`, async () => {
  const r = await page.evaluate(
    async ([imgs, s]) => {
      // Frame gaps while it trains: the worker keeps the page's thread free.
      const gaps = [];
      let last = performance.now();
      let on = true;
      const loop = (t) => {
        gaps.push(t - last);
        last = t;
        if (on) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
      const t = await window.connective.teach({ images: imgs.map((x) => Uint8Array.from(x)), seed: s });
      on = false;
      return { ...t, frames: gaps.length, maxGap: Math.max(...gaps.slice(1)) };
    },
    [examples, seed],
  );
  taught = r;
  frames = { n: r.frames, maxGap: r.maxGap };
  assert(r.steps > 0 && r.loss.a.length + r.loss.c.length === r.steps, `steps ${r.steps}, losses ${r.loss.a.length} + ${r.loss.c.length}`);
  assert(r.heldOut >= 2 && r.heldOut < nExamples, `held out ${r.heldOut}`);
  assert(r.frames > 10, `only ${r.frames} animation frames ran while it trained`);
  const shown = await page.evaluate(() => ({
    mode: window.connective.mode,
    model: window.connective.model,
    result: document.getElementById('teach-result').textContent,
    thumbs: document.querySelectorAll('#teach-examples li').length,
    outlined: document.querySelectorAll('#teach-examples li.held-out').length,
  }));
  assert(shown.mode === 'teach' && shown.model === 'yours', `mode ${shown.mode}, model ${shown.model}`);
  assert(shown.thumbs === nExamples && shown.outlined === r.heldOut, `${shown.thumbs} thumbnails, ${shown.outlined} outlined as held out (held out: ${r.heldOut})`);
  assert(/held out/.test(shown.result), `the page says "${shown.result}"`);
  return `${r.steps} steps in ${(r.ms / 1000).toFixed(1)} s, threshold ${r.threshold.toFixed(2)}, ${r.frames} frames, longest gap ${r.maxGap.toFixed(0)} ms`;
});

// Scores of the held-out letters and of MNIST digits (the page's own sample digits), in the page.
let scores = null;
await check(`the taught detector accepts held-out ${letter}s and rejects MNIST digits`, async () => {
  assert(taught, 'nothing was taught');
  scores = await page.evaluate(async (pos) => {
    const s = window.connective.session;
    const flat = (arrs) => Uint8Array.from(arrs.flat());
    const p = await s.scoreBatch(flat(pos), pos.length);
    const sprite = await new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = reject;
      img.src = 'samples/mnist-test.png';
    }).catch(() => null);
    if (!sprite) return { pos: Array.from(p.scores), neg: [], threshold: s.threshold };
    const cv = new OffscreenCanvas(sprite.width, sprite.height);
    const ctx = cv.getContext('2d');
    ctx.drawImage(sprite, 0, 0);
    const data = ctx.getImageData(0, 0, sprite.width, sprite.height).data;
    const cols = sprite.width / 28;
    const n = Math.min(200, cols * (sprite.height / 28));
    const neg = new Uint8Array(n * 784);
    for (let k = 0; k < n; k++) {
      const [r0, c0] = [Math.floor(k / cols) * 28, (k % cols) * 28];
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) neg[k * 784 + y * 28 + x] = data[((r0 + y) * sprite.width + c0 + x) * 4];
    }
    const q = await s.scoreBatch(neg, n);
    return { pos: Array.from(p.scores), neg: Array.from(q.scores), threshold: s.threshold, negPixels: Array.from(neg) };
  }, heldOut);
  assert(scores.neg.length >= 100, `only ${scores.neg.length} MNIST digits were read from the sample sprite`);
  const auc = await page.evaluate(([p, n]) => window.__wasm.auroc(Float32Array.from([...p, ...n]), Uint8Array.from([...p.map(() => 1), ...n.map(() => 0)])), [scores.pos, scores.neg]);
  const recall = scores.pos.filter((v) => v >= scores.threshold).length / scores.pos.length;
  const digitsIn = scores.neg.filter((v) => v >= scores.threshold).length / scores.neg.length;
  assert(auc >= 0.95, `AUROC ${auc.toFixed(4)} < 0.95`);
  assert(recall >= 0.8, `only ${(100 * recall).toFixed(0)} % of held-out ${letter}s accepted`);
  assert(digitsIn <= 0.2, `${(100 * digitsIn).toFixed(0)} % of MNIST digits accepted`);
  return `AUROC ${auc.toFixed(4)}, ${(100 * recall).toFixed(0)} % of ${scores.pos.length} held-out ${letter}s and ${(100 * digitsIn).toFixed(1)} % of ${scores.neg.length} digits accepted`;
});

await check('drawing on the pad is judged by the taught detector, with the four panels', async () => {
  const v = await page.evaluate(async (x) => window.connective.score(Uint8Array.from(x)), heldOut[0]);
  const words = await page.evaluate(() => document.getElementById('verdict').textContent);
  assert(/your symbol/.test(words), `the verdict reads "${words}"`);
  assert(Number.isFinite(v.score), `score ${v.score}`);
  return words;
});

await check('at 1024×768 the pad, "Add as example", Teach, the verdict and the four panels share the first screen (screenshots)', async () => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.evaluate(() => window.scrollTo(0, 0));
  const boxes = await page.evaluate(() =>
    Object.fromEntries(['pad', 'teach-add', 'teach-run', 'teach-count', 'verdict', 'panel-error'].map((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      return [id, { top: Math.round(r.top), bottom: Math.round(r.bottom) }];
    })),
  );
  await page.screenshot({ path: path.join(out, 'teach-projector.png') });
  await page.screenshot({ path: path.join(out, 'teach-full.png'), fullPage: true });
  const below = ['pad', 'teach-add', 'teach-run', 'teach-count', 'verdict', 'panel-error'].filter((id) => boxes[id].bottom > 768);
  assert(below.length === 0, `below the first screen: ${below.map((id) => `${id} ends at ${boxes[id].bottom}`).join(', ')}`);
  return `the example count ends at y = ${boxes['teach-count'].bottom}`;
});

let file = null;
await check('export → open in a fresh page → the same scores', async () => {
  file = await page.evaluate(async () => Array.from(await window.connective.exportDetector()));
  assert(file.length > 1000, `${file.length} bytes`);
  const fresh = await open('?backend=cpu');
  const again = await fresh.page.evaluate(async ([bytes, pos]) => {
    await window.connective.openDetector(Uint8Array.from(bytes));
    const r = await window.connective.session.scoreBatch(Uint8Array.from(pos.flat()), pos.length);
    return { scores: Array.from(r.scores), mode: window.connective.mode, model: window.connective.model };
  }, [file, heldOut]);
  const worst = Math.max(...again.scores.map((v, i) => Math.abs(v - scores.pos[i])));
  assert(again.mode === 'teach' && again.model === 'yours', `mode ${again.mode}, model ${again.model}`);
  assert(worst <= 1e-5, `scores differ by up to ${worst}`);
  // A damaged file is refused and the opened detector stays.
  const damaged = await fresh.page.evaluate(async (bytes) => {
    const b = Uint8Array.from(bytes);
    b[b.length - 5] ^= 0xff;
    try {
      await window.connective.openDetector(b);
      return 'opened';
    } catch (e) {
      return `${e.message} | still ${window.connective.model}`;
    }
  }, file);
  assert(/SHA-256/.test(damaged) && /still yours/.test(damaged), damaged);
  await fresh.context.close();
  // On a phone: the opened detector judges a drawing (screenshot of the whole page).
  const phone = await open('?backend=cpu', { width: 390, height: 844 });
  await phone.page.evaluate(async ([bytes, x]) => {
    await window.connective.openDetector(Uint8Array.from(bytes));
    await window.connective.score(Uint8Array.from(x));
  }, [file, heldOut[1]]);
  await phone.page.screenshot({ path: path.join(out, 'teach-phone.png'), fullPage: true });
  await phone.context.close();
  return `${file.length} bytes, largest difference ${worst.toExponential(1)}`;
});

const haveBin = existsSync(bin);
await check('the CLI scores the exported file as the page does, and trains the same loss curve from the same drawings and seed', async () => {
  assert(haveBin, `no CLI at ${bin}: cargo build --release first (or set CONNECTIVE_BIN)`);
  assert(file && taught, 'nothing was exported');
  const fileAt = path.join(out, 'taught.connective');
  writeFileSync(fileAt, Buffer.from(file));
  const posAt = path.join(out, 'teach-heldout.idx');
  writeFileSync(posAt, idx(heldOut));
  const lines = execFileSync(bin, ['score', '--model', fileAt, posAt], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
  const worst = Math.max(...lines.map((l, i) => Math.abs(l.score - scores.pos[i])));
  assert(lines.length === heldOut.length, `${lines.length} lines`);
  assert(worst <= 1e-4, `native and page scores differ by up to ${worst}`);
  // The same drawings and seed, natively: the loss curve's first steps agree to 1e-3.
  const exAt = path.join(out, 'teach-examples.idx');
  writeFileSync(exAt, idx(examples));
  const native = JSON.parse(execFileSync(bin, ['teach', exAt, '--seed', String(seed), '--out', path.join(out, 'native.connective')], { encoding: 'utf8' }).trim().split('\n').pop());
  // A starts from the same weights on the same batches: its first steps agree to float rounding,
  // which Adam then amplifies a little. C starts from A's finished reconstructions, which carry
  // A's whole drift, so its curve is compared as a whole (mean absolute difference).
  const first = 10;
  const diffA = Math.max(...native.loss.a.slice(0, first).map((v, i) => Math.abs(v - taught.loss.a[i])));
  const meanC = native.loss.c.reduce((acc, v, i) => acc + Math.abs(v - taught.loss.c[i]), 0) / native.loss.c.length;
  writeFileSync(path.join(out, 'teach-losses.json'), JSON.stringify({ page: taught.loss, native: native.loss }));
  assert(native.steps === taught.steps, `native ${native.steps} steps, page ${taught.steps}`);
  assert(diffA <= 1e-3, `A's first ${first} steps differ by up to ${diffA.toExponential(2)}`);
  assert(meanC <= 0.03, `C's curves differ by ${meanC.toFixed(4)} on average`);
  return `scores within ${worst.toExponential(1)}; A's first ${first} steps within ${diffA.toExponential(1)} (step 1: ${Math.abs(native.loss.a[0] - taught.loss.a[0]).toExponential(1)}), C's curve within ${meanC.toFixed(4)} on average; native ${native.seconds.toFixed(1)} s`;
});

const caltech = process.env.CONNECTIVE_CALTECH || path.resolve(root, '../shared/data/caltech101');
const photoFiles = (cls, from, n) => readdirSync(path.join(caltech, cls)).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(from, from + n).map((f) => path.join(caltech, cls, f));
/** Decodes JPEG files in the page to {rgba, width, height} (as an upload is decoded). */
async function decodeIn(p, files) {
  return p.evaluate(async (b64s) => {
    const out = [];
    for (const b of b64s) {
      const bytes = Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
      const bmp = await createImageBitmap(new Blob([bytes]));
      const cv = new OffscreenCanvas(bmp.width, bmp.height);
      cv.getContext('2d').drawImage(bmp, 0, 0);
      // And as a PNG, for the CLI: JPEG decoders round differently; a PNG of these pixels does not.
      const png = new Uint8Array(await (await cv.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let bin = '';
      for (const v of png) bin += String.fromCharCode(v);
      out.push({ rgba: Array.from(cv.getContext('2d').getImageData(0, 0, bmp.width, bmp.height).data), width: bmp.width, height: bmp.height, png: btoa(bin) });
    }
    return out;
  }, files.map((f) => readFileSync(f).toString('base64')));
}

await check('photos: a detector taught on 16 bonsai photos in photos mode judges other bonsai against clutter; export → the CLI scores it alike', async () => {
  assert(existsSync(path.join(caltech, 'bonsai')), `no Caltech 101 photos at ${caltech} (set CONNECTIVE_CALTECH)`);
  const teachFiles = photoFiles('bonsai', 0, 16);
  const posFiles = photoFiles('bonsai', 40, 8);
  const negFiles = photoFiles('clutter', 0, 8);
  const r = await page.evaluate(async (photos) => window.connective.teach({ images: photos.map((p) => ({ rgba: Uint8ClampedArray.from(p.rgba), width: p.width, height: p.height })), seed: 1 }), await decodeIn(page, teachFiles));
  const model = await page.evaluate(() => ({ mode: window.connective.mode, model: window.connective.model, result: document.getElementById('photo-teach-result').textContent }));
  assert(model.mode === 'photos' && model.model === 'your_object', `mode ${model.mode}, model ${model.model}`);
  assert(r.heldOut >= 2 && r.steps > 0, `held out ${r.heldOut}, steps ${r.steps}`);
  const judge = (files) => decodeIn(page, files).then((ps) => page.evaluate(async (list) => {
    const out = [];
    for (const p of list) out.push(await window.connective.judgePhoto({ rgba: Uint8ClampedArray.from(p.rgba), width: p.width, height: p.height }));
    return out;
  }, ps));
  const posPhotos = await decodeIn(page, posFiles);
  const pos = await page.evaluate(async (list) => {
    const out = [];
    for (const p of list) out.push(await window.connective.judgePhoto({ rgba: Uint8ClampedArray.from(p.rgba), width: p.width, height: p.height }));
    return out;
  }, posPhotos);
  const neg = await judge(negFiles);
  const auc = await page.evaluate(([p, n]) => window.__wasm.auroc(Float32Array.from([...p, ...n]), Uint8Array.from([...p.map(() => 1), ...n.map(() => 0)])), [pos.map((x) => x.score), neg.map((x) => x.score)]);
  const acceptedPos = pos.filter((x) => x.verdict === 'inlier').length;
  const acceptedNeg = neg.filter((x) => x.verdict === 'inlier').length;
  assert(auc >= 0.9, `AUROC ${auc.toFixed(3)} on ${pos.length} bonsai against ${neg.length} clutter photos`);
  assert(acceptedPos >= 4 && acceptedNeg <= 2, `accepted ${acceptedPos} of ${pos.length} bonsai and ${acceptedNeg} of ${neg.length} clutter photos`);
  // Export, then the CLI with the same backbone file scores the same photos alike.
  const file = await page.evaluate(async () => Array.from(await window.connective.exportDetector()));
  const fileAt = path.join(out, 'taught-photos.connective');
  writeFileSync(fileAt, Buffer.from(file));
  const backbone = path.join(root, '.tools', 'efficientnet-lite0.bpk');
  assert(haveBin && existsSync(backbone), `needs the CLI (${bin}) and the backbone (${backbone})`);
  const pngs = posPhotos.slice(0, 3).map((p, i) => {
    const at = path.join(out, `teach-bonsai-${i}.png`);
    writeFileSync(at, Buffer.from(p.png, 'base64'));
    return at;
  });
  const lines = execFileSync(bin, ['score', '--model', fileAt, '--backbone', backbone, ...pngs], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
  const worst = Math.max(...lines.map((l, i) => Math.abs(l.score - pos[i].score)));
  assert(worst <= 1e-3, `native and page scores differ by up to ${worst}`);
  assert(lines.every((l, i) => l.verdict === pos[i].verdict), 'a verdict differs between the CLI and the page');
  // A bonsai uploaded as a visitor would: judged by "your object" (screenshot of the whole page).
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.setInputFiles('#upload', posFiles[0]);
  await page.waitForFunction(() => /your object/.test(document.getElementById('photo-judgement').textContent), null, { timeout: 60_000 });
  await page.screenshot({ path: path.join(out, 'teach-photos.png'), fullPage: true });
  return `${r.steps} steps in ${(r.ms / 1000).toFixed(1)} s (${r.heldOut} held out); AUROC ${auc.toFixed(3)}, ${acceptedPos}/${pos.length} bonsai and ${acceptedNeg}/${neg.length} clutter accepted; CLI within ${worst.toExponential(1)}`;
});

await check('no errors in the console', async () => {
  const real = errors.filter((e) => !/Could not teach|at least 6|blank|values/.test(e));
  assert(real.length === 0, real.join(' | '));
});

console.log(`teach: ${((Date.now() - t0) / 1000).toFixed(0)} s; frames while training: ${JSON.stringify(frames)}`);
await stop();
finish('teach');
