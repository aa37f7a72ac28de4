// backbone.js: the frozen ImageNet backbone of photos mode (EfficientNet-Lite0, ~9.6 MB): fetched
// only once a visitor opens photos mode, with a progress bar in bytes, loaded into the running wasm
// build on the session's backend, and run on every photo scored. For now its features are only
// computed and timed (the status line, #backbone's data attributes, a BACKBONE console line); the
// detectors built on them come later.
import { exclusive, state } from './state.js';
import { $, fetchOk, message } from './util.js';

export const BACKBONE_FILE = 'models/efficientnet-lite0.bpk';
/** Side of the square crop the backbone sees (tests/e2e/backbone-bench.mjs times 160, 192, 224). */
export const BACKBONE_SIDE = 224;

let bytesPromise = null; // the download, started once (again after a failure)
let loaded = null; // { wasm, backend, backbone }: the backbone in the wasm build that runs now
let runs = 0;

const mb = (n) => (n / 1e6).toFixed(1);

function showProgress(got, total) {
  const bar = $('backbone-progress');
  if (total) Object.assign(bar, { max: total, value: got });
  else bar.removeAttribute('value'); // no Content-Length: an indeterminate bar
  $('backbone-bytes').textContent = total ? `${mb(got)} / ${mb(total)} MB` : `${mb(got)} MB`;
}

/** The file's bytes, read chunk by chunk so the bar moves (Content-Length gives the total). */
async function download() {
  $('backbone-load').hidden = false;
  $('backbone-load').dataset.state = 'loading';
  const res = await fetchOk(BACKBONE_FILE);
  const total = Number(res.headers.get('Content-Length')) || 0;
  const reader = res.body.getReader();
  const chunks = [];
  let got = 0;
  showProgress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
    showProgress(got, total);
  }
  if (total && got !== total) throw new Error(`${BACKBONE_FILE}: ${got} of ${total} bytes arrived`);
  const bytes = new Uint8Array(got);
  let at = 0;
  for (const c of chunks) bytes.set(c, (at += c.length) - c.length);
  $('backbone-load').dataset.state = 'done';
  return bytes;
}

/** Starts the download (once); photos mode calls it on entry. */
export function fetchBackbone() {
  if (!bytesPromise) {
    bytesPromise = download();
    bytesPromise.catch((e) => {
      bytesPromise = null; // the next photo tries again
      $('backbone-load').dataset.state = 'failed';
      $('backbone-bytes').textContent = `could not be downloaded (${message(e)})`;
    });
  }
  return bytesPromise;
}

/** The backbone in the running build on the session's backend, (re)loaded from the bytes when either changed. */
async function current() {
  const bytes = await fetchBackbone();
  const { wasm, c } = state;
  if (loaded && loaded.wasm === wasm && loaded.backend === c.backend) return loaded.backbone;
  const backbone = await exclusive(() => wasm.Backbone.load(bytes, c.backend));
  loaded?.backbone.free?.();
  loaded = { wasm, backend: c.backend, backbone };
  return backbone;
}

/**
 * Runs the backbone on a photo (RGBA of any size, centre-cropped and resized in Rust) and shows
 * the time; `source` says where the photo came from ('upload', 'gallery', 'camera').
 */
export async function photoFeatures(rgba, width, height, source) {
  const status = $('backbone');
  try {
    const rgb = state.wasm.preprocessPhotoRgb(rgba, width, height, BACKBONE_SIDE);
    const backbone = await current();
    const r = await exclusive(() => backbone.features(rgb, BACKBONE_SIDE));
    const finite = r.pooled.every(Number.isFinite);
    runs++;
    Object.assign(status.dataset, {
      runs: String(runs), source, ms: r.ms.toFixed(1), side: String(r.side), features: String(r.pooled.length),
      map: r.mapShape.join('x'), backend: r.backend, finite: String(finite),
    });
    status.textContent = `ImageNet backbone: ${r.pooled.length} features of the ${r.side}×${r.side} crop in ${r.ms.toFixed(0)} ms on ${r.backend === 'webgpu' ? 'WebGPU' : 'the CPU'}.`;
    console.log('BACKBONE ' + JSON.stringify({ runs, source, ms: r.ms, side: r.side, map: r.mapShape, backend: r.backend, finite }));
    return r;
  } catch (e) {
    status.dataset.error = message(e);
    status.textContent = `The ImageNet backbone could not run: ${message(e)}`;
    throw e;
  }
}
