// backend.js: the two wasm builds and the backend they run on (WebGPU or CPU), the badge that
// says which and why, and switching between them.
import { requestScore } from './scoring.js';
import { BACKENDS, exclusive, query, state, update } from './state.js';
import { $, backendLabel, els, message, say } from './util.js';

export function showBackend() {
  const c = state.c;
  if (!c) return;
  $('backend').dataset.backend = c.backend;
  $('backend').dataset.build = state.build;
  $('backend-name').textContent = backendLabel(c.backend);
  const reason = state.buildReason || c.backendReason;
  $('backend-reason').textContent = brief(reason);
  // The note is one short line (a projector shows it from the back of the room): the tooltip
  // holds the whole reason.
  $('backend').title = `${backendLabel(c.backend)}: ${reason}`;
}

/** The backend's reason in a few words: the start of the whole one, or the gist of a known one. */
export function brief(reason) {
  if (/software fallback/i.test(reason)) return /slow$/.test(reason) ? 'software GPU: slow' : 'no hardware GPU';
  if (/no WebGPU|has no WebGPU|not available/i.test(reason)) return 'no WebGPU here';
  if (/^WebGPU adapter: /.test(reason)) return reason.slice('WebGPU adapter: '.length);
  if (/^CPU backend chosen/.test(reason)) return 'as chosen';
  return reason;
}

// Two builds of the same Rust code: pkg/ has the WebGPU backend, pkg-cpu/ only the CPU backend
// (about a sixth of the download). The page starts on the CPU build, so the first score never waits
// for the WebGPU runtime; where the browser has a WebGPU adapter that is not a software fallback, it
// then loads the WebGPU build in the background and moves the session there.
const BUILDS = { webgpu: '../pkg/connective.js', cpu: '../pkg-cpu/connective.js' };

export async function probeWebgpu() {
  if (!navigator.gpu) return { ok: false, why: 'this browser has no WebGPU' };
  let adapter = null;
  try {
    adapter = await navigator.gpu.requestAdapter();
  } catch (e) {
    return { ok: false, why: `WebGPU failed to start (${message(e)})` };
  }
  if (!adapter) return { ok: false, why: 'no WebGPU adapter' };
  const info = adapter.info || {};
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed';
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || /swiftshader/i.test(name);
  return fallback ? { ok: false, fallback: true, why: `the WebGPU adapter (${name}) is a software fallback, far slower than the CPU backend` } : { ok: true, name };
}

export async function loadBuild(build) {
  const wasm = await import(BUILDS[build]);
  await wasm.default();
  return wasm;
}

/**
 * The first session, in the build chosen at start. Resolves to {c, note}: `note` says why it
 * runs on the CPU after all (e.g. ?backend=webgpu without WebGPU), for the status line.
 */
export async function createSession(wasm) {
  if (state.build === 'cpu') return { c: await wasm.Connective.create('cpu') };
  try {
    return { c: await wasm.Connective.create(query.backend) };
  } catch (e) {
    if (query.backend === 'cpu') throw e;
    // Run on the CPU rather than not at all, and say so.
    update({ backendPref: 'cpu' });
    els.backendSelect.value = 'cpu';
    return { c: await wasm.Connective.create('cpu'), note: `${backendLabel(query.backend)} failed (${message(e)}); using the CPU backend.` };
  }
}

/** Moves the session into the WebGPU build: a new session there, the same model, λ and threshold. */
export async function upgradeToWebgpu(name) {
  const wasm = await loadBuild('webgpu');
  const c = await wasm.Connective.create(name);
  if (state.entry) {
    await c.loadModel(JSON.stringify(state.entry), state.bytes.get(state.entry.file));
    c.setLambda(state.c.lambda);
    c.setThreshold(state.c.threshold);
  }
  const old = state.c;
  update({ wasm, c, build: 'webgpu', buildReason: '' });
  old.free?.();
  return c.backend;
}

export async function setBackend(name) {
  if (!BACKENDS.includes(name)) throw new Error(`unknown backend "${name}": use auto, webgpu or cpu`);
  if (!state.c) throw new Error('the detector is not running');
  say(`Switching to ${name === 'auto' ? 'the best backend' : backendLabel(name)}…`);
  try {
    const b = await exclusive(() => {
      if (name !== 'cpu' && state.build === 'cpu') return upgradeToWebgpu(name);
      update({ buildReason: '' });
      return state.c.setBackend(name);
    });
    update({ backendPref: name });
    els.backendSelect.value = name;
    showBackend();
    say(`Now running on ${backendLabel(b)}: ${state.c.backendReason}`);
    requestScore();
    return b;
  } catch (e) {
    els.backendSelect.value = state.backendPref;
    showBackend();
    say(`Could not switch to ${backendLabel(name)}: ${message(e)}. Still on ${backendLabel(state.c.backend)}.`, 'error');
    throw e;
  }
}
