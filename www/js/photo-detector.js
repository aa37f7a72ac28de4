// photo-detector.js: the chosen photo detector (manifest.photos) in the running wasm build, on the
// backbone's device, and judging a photo with it: the backbone's features, A, C and the nearest
// training photos in one call (PhotoDetector.judge), one at a time with every other wasm call.
import { backboneNow } from './backbone.js';
import { exclusive, state } from './state.js';
import { fetchOk } from './util.js';

const bytes = new Map(); // file → verified bytes, so switching back is instant
let loaded = null; // { name, backbone, detector }

async function bytesOf(entry) {
  if (!bytes.has(entry.file)) bytes.set(entry.file, new Uint8Array(await (await fetchOk(`models/${encodeURIComponent(entry.file)}`)).arrayBuffer()));
  return bytes.get(entry.file);
}

/** Bytes for `entry`'s file that are not in models/ (a detector taught or opened in the page). */
export function provideDetector(entry, b) {
  bytes.set(entry.file, b);
  if (loaded && loaded.name === entry.name) loaded = null; // a detector of the same name, replaced
}

/** The backbone and `entry`'s detector on its device, loaded (verified) when either changed. */
export async function detectorFor(entry) {
  const [backbone, b] = await Promise.all([backboneNow(), bytesOf(entry)]);
  if (loaded && loaded.name === entry.name && loaded.backbone === backbone) return loaded;
  const detector = await exclusive(() => state.wasm.PhotoDetector.load(JSON.stringify(entry), b, backbone));
  if (loaded && loaded.detector !== detector) loaded.detector.free?.();
  loaded = { name: entry.name, backbone, detector };
  return loaded;
}

/**
 * Judges RGBA pixels (width × height) with `entry`'s detector; `side` only for benchmarks (the
 * detector's own by default). Resolves to PhotoDetector.judge's result.
 */
export async function judge(entry, rgba, width, height, side) {
  const { backbone, detector } = await detectorFor(entry);
  return exclusive(() => detector.judge(backbone, rgba, width, height, side));
}
