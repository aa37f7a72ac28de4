// teach-worker.js: trains the visitor's detector off the page's thread (a module Web Worker), so
// the page keeps drawing and answering meanwhile. The same Rust training loops as `connective
// train`, in the teach build (pkg-teach: the CPU build with training); it reports every step to
// the page and hands back the detector file. Drawings: {kind: 'drawings', images}; photos:
// {kind: 'photos', maps, shape, names, backbone, side} (the backbone's features, computed in the
// page, which holds the backbone).
import init, { teachDetector, teachPhotoDetector } from '../pkg-teach/connective.js';

const ready = init();

self.onmessage = async ({ data }) => {
  const { kind, name, seed, seconds } = data;
  try {
    await ready;
    const progress = (p) => self.postMessage({ type: 'progress', ...p });
    const r =
      kind === 'photos'
        ? teachPhotoDetector(data.maps, Uint32Array.from(data.shape), data.names, data.backbone, data.side, name, seed, seconds ?? undefined, progress)
        : teachDetector(data.images, name, seed, seconds ?? undefined, progress);
    const result = { entry: r.entry, steps: r.steps, ms: r.ms, threshold: r.threshold, heldOut: r.heldOut, heldOutExamples: Array.from(r.heldOutExamples), examples: r.examples, loss: r.loss };
    self.postMessage({ type: 'done', result, file: r.file }, [r.file.buffer]);
  } catch (e) {
    self.postMessage({ type: 'error', message: e && e.message ? e.message : String(e) });
  }
};
