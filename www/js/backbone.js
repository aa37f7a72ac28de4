// backbone.js: the frozen ImageNet backbone of photos mode (EfficientNet-Lite0, ~9.6 MB): fetched
// only once a visitor opens photos mode, with a progress bar in bytes, and loaded into the running
// wasm build on the session's backend; the photo detectors (photo-detector.js) run on it.
import { exclusive, state } from './state.js';
import { $, fetchOk } from './util.js';

export const BACKBONE_FILE = 'models/efficientnet-lite0.bpk';

let bytesPromise = null; // the download, started once (again after a failure)
let loaded = null; // { wasm, backend, backbone }: the backbone in the wasm build that runs now

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
      $('backbone-bytes').textContent = `could not be downloaded (${e instanceof Error ? e.message : e})`;
    });
  }
  return bytesPromise;
}

/** The backbone in the running build on the session's backend, (re)loaded from the bytes when either changed. */
export async function backboneNow() {
  const bytes = await fetchBackbone();
  const { wasm, c } = state;
  if (loaded && loaded.wasm === wasm && loaded.backend === c.backend) return loaded.backbone;
  const backbone = await exclusive(() => wasm.Backbone.load(bytes, c.backend));
  loaded?.backbone.free?.();
  loaded = { wasm, backend: c.backend, backbone };
  return backbone;
}
