// Teaching in the page, measured: for each letter of symbols.mjs, a detector taught in headless
// Chromium (CPU build, a Web Worker) on N script-drawn examples, then judged on 50 other drawings
// of the letter against 500 MNIST test digits (the page's sample sprite) and against 20 drawings
// of each other letter (the harder outliers: the same pen, the same preprocessing): AUROC, the
// share of held-out letters, of digits and of other letters accepted at the detector's threshold,
// training time and steps, and the longest gap between animation frames while it trained. Prints a Markdown table and
// writes it with the rows as JSON. Run after `bash www/build.sh` (the shipped build measures what
// visitors get: WASM_PROFILE=wasm-release, the default):
//   (cd tests/e2e && node teach-bench.mjs [LETTERS [N]])     e.g. node teach-bench.mjs AEGKRWY 30
// Photos instead (photos mode, on the backbone): Caltech 101 classes no shipped detector knows,
// each taught on its first N photos and judged on 30 others against 30 clutter photos
// ($CONNECTIVE_CALTECH, default ../shared/data/caltech101). The frame gaps are measured from the
// start of the teaching, after a first verdict has loaded the backbone:
//   (cd tests/e2e && node teach-bench.mjs --photos bonsai,butterfly,chandelier,ewer,ketch 20)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { out, root, start } from './harness.mjs';
import { drawing, letters, rasterSource } from './symbols.mjs';

if (process.argv[2] === '--photos') {
  await benchPhotos(process.argv[3] || 'bonsai,butterfly,chandelier,ewer,ketch', Number(process.argv[4] || 20));
  process.exit(0);
}
const which = (process.argv[2] || Object.keys(letters).join('')).split('');
const n = Number(process.argv[3] || 30);
const seed = 1;
const { open, stop } = await start();
const rows = [];
for (const letter of which) {
  const { page, context } = await open('?backend=cpu&mode=teach');
  const r = await page.evaluate(
    async ([src, examples, others, foreign, s]) => {
      const m = await import('/pkg-cpu/connective.js');
      await m.default();
      const raster = eval(src);
      const prep = (strokes) => m.preprocessRgba(new Uint8Array(raster(strokes, 280).buffer), 280, 280);
      const images = examples.map(prep);
      const held = others.map(prep);
      const strangers = foreign.map(prep);
      // Frame gaps while it trains.
      const gaps = [];
      let last = performance.now();
      let on = true;
      const loop = (t) => {
        gaps.push(t - last);
        last = t;
        if (on) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
      const t = await window.connective.teach({ images, seed: s });
      on = false;
      const sprite = await new Promise((resolve, reject) => {
        const img = new Image();
        img.onload = () => resolve(img);
        img.onerror = reject;
        img.src = 'samples/mnist-test.png';
      });
      const cv = new OffscreenCanvas(sprite.width, sprite.height);
      const ctx = cv.getContext('2d');
      ctx.drawImage(sprite, 0, 0);
      const data = ctx.getImageData(0, 0, sprite.width, sprite.height).data;
      const cols = sprite.width / 28;
      const nd = Math.min(500, cols * (sprite.height / 28));
      const neg = new Uint8Array(nd * 784);
      for (let k = 0; k < nd; k++) {
        const [r0, c0] = [Math.floor(k / cols) * 28, (k % cols) * 28];
        for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) neg[k * 784 + y * 28 + x] = data[((r0 + y) * sprite.width + c0 + x) * 4];
      }
      const session = window.connective.session;
      const pos = Array.from((await session.scoreBatch(Uint8Array.from(held.flatMap((x) => Array.from(x))), held.length)).scores);
      const negs = Array.from((await session.scoreBatch(neg, nd)).scores);
      const auc = m.auroc(Float32Array.from([...pos, ...negs]), Uint8Array.from([...pos.map(() => 1), ...negs.map(() => 0)]));
      const lett = Array.from((await session.scoreBatch(Uint8Array.from(strangers.flatMap((x) => Array.from(x))), strangers.length)).scores);
      const aucLetters = m.auroc(Float32Array.from([...pos, ...lett]), Uint8Array.from([...pos.map(() => 1), ...lett.map(() => 0)]));
      const th = session.threshold;
      return {
        auc,
        recall: pos.filter((v) => v >= th).length / pos.length,
        digitsAccepted: negs.filter((v) => v >= th).length / negs.length,
        aucLetters,
        lettersAccepted: lett.filter((v) => v >= th).length / lett.length,
        nLetters: lett.length,
        nPos: pos.length,
        nNeg: negs.length,
        ms: t.ms,
        steps: t.steps,
        heldOut: t.heldOut,
        maxGap: Math.max(...gaps.slice(1)),
      };
    },
    [
      rasterSource,
      Array.from({ length: n }, (_, i) => drawing(letter, i)),
      Array.from({ length: 50 }, (_, i) => drawing(letter, 1000 + i)),
      Object.keys(letters).filter((l) => l !== letter).flatMap((l) => Array.from({ length: 20 }, (_, i) => drawing(l, 2000 + i))),
      seed,
    ],
  );
  rows.push({ letter, examples: n, ...r });
  console.log(JSON.stringify(rows[rows.length - 1]));
  await context.close();
}
await stop();

const pct = (v) => `${(100 * v).toFixed(1)} %`;
const md = [
  `| symbol | examples (held out) | AUROC vs ${rows[0]?.nNeg} MNIST digits | AUROC vs ${rows[0]?.nLetters} other letters | ${rows[0]?.nPos} new drawings of it accepted | digits accepted | other letters accepted | training | steps | longest frame gap |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.letter} | ${r.examples} (${r.heldOut}) | ${r.auc.toFixed(4)} | ${r.aucLetters.toFixed(4)} | ${pct(r.recall)} | ${pct(r.digitsAccepted)} | ${pct(r.lettersAccepted)} | ${(r.ms / 1000).toFixed(1)} s | ${r.steps} | ${r.maxGap.toFixed(0)} ms |`),
].join('\n');
console.log(`\n${md}`);
writeFileSync(path.join(out, `teach-bench-${n}.json`), JSON.stringify(rows, null, 1));
writeFileSync(path.join(out, `teach-bench-${n}.md`), `${md}\n`);

/** Photos: each class taught in photos mode on its first `n` photos, judged on 30 more against 30 clutter photos. */
async function benchPhotos(classes, n) {
  const caltech = process.env.CONNECTIVE_CALTECH || path.resolve(root, '../shared/data/caltech101');
  const files = (cls, from, k) => readdirSync(path.join(caltech, cls)).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(from, from + k).map((f) => readFileSync(path.join(caltech, cls, f)).toString('base64'));
  const clutter = files('clutter', 100, 30);
  const { open, stop } = await start();
  const rows = [];
  for (const cls of classes.split(',')) {
    const { page, context } = await open('?backend=cpu&mode=photos');
    const r = await page.evaluate(
      async ([teachB64, posB64, negB64]) => {
        const decode = async (list) => {
          const out = [];
          for (const b of list) {
            const bmp = await createImageBitmap(new Blob([Uint8Array.from(atob(b), (c) => c.charCodeAt(0))]));
            const cv = new OffscreenCanvas(bmp.width, bmp.height);
            cv.getContext('2d').drawImage(bmp, 0, 0);
            out.push({ rgba: cv.getContext('2d').getImageData(0, 0, bmp.width, bmp.height).data, width: bmp.width, height: bmp.height });
          }
          return out;
        };
        const [teachPhotos, pos, neg] = [await decode(teachB64), await decode(posB64), await decode(negB64)];
        const m = await import('/pkg-cpu/connective.js');
        await m.default();
        // The backbone loads once per visit, whatever the photo (about 1.5 s on this machine):
        // a shipped detector's verdict first, so the gaps below are the teaching's own.
        await window.connective.judgePhoto(pos[0]);
        const gaps = [];
        let last = performance.now();
        let on = true;
        const loop = (t) => {
          gaps.push(t - last);
          last = t;
          if (on) requestAnimationFrame(loop);
        };
        requestAnimationFrame(loop);
        const t0 = performance.now();
        const t = await window.connective.teach({ images: teachPhotos, seed: 1 });
        const wall = performance.now() - t0;
        on = false;
        const judge = async (list) => {
          const out = [];
          for (const p of list) out.push(await window.connective.judgePhoto(p));
          return out;
        };
        const [jp, jn] = [await judge(pos), await judge(neg)];
        const s = [...jp, ...jn].map((x) => x.score);
        return {
          auc: m.auroc(Float32Array.from(s), Uint8Array.from([...jp.map(() => 1), ...jn.map(() => 0)])),
          recall: jp.filter((x) => x.verdict === 'inlier').length / jp.length,
          clutterAccepted: jn.filter((x) => x.verdict === 'inlier').length / jn.length,
          nPos: jp.length,
          nNeg: jn.length,
          trainMs: t.ms,
          wallMs: wall,
          steps: t.steps,
          heldOut: t.heldOut,
          maxGap: Math.max(...gaps.slice(1)),
        };
      },
      [files(cls, 0, n), files(cls, n, 30), clutter],
    );
    rows.push({ class: cls, examples: n, ...r });
    console.log(JSON.stringify(rows[rows.length - 1]));
    await context.close();
  }
  await stop();
  const pct = (v) => `${(100 * v).toFixed(0)} %`;
  const md = [
    `| class | photos (held out) | AUROC vs ${rows[0]?.nNeg} clutter | ${rows[0]?.nPos} other photos of it accepted | clutter accepted | features + training | of which training (worker) | steps | longest frame gap |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.class} | ${r.examples} (${r.heldOut}) | ${r.auc.toFixed(3)} | ${pct(r.recall)} | ${pct(r.clutterAccepted)} | ${(r.wallMs / 1000).toFixed(1)} s | ${(r.trainMs / 1000).toFixed(1)} s | ${r.steps} | ${r.maxGap.toFixed(0)} ms |`),
  ].join('\n');
  console.log(`\n${md}`);
  writeFileSync(path.join(out, `teach-bench-photos-${n}.json`), JSON.stringify(rows, null, 1));
  writeFileSync(path.join(out, `teach-bench-photos-${n}.md`), `${md}\n`);
}
