// evaluate.js: "Evaluate here": scores every sample digit in batches (cancellable), then shows
// AUROC and ROC (computed by the wasm module, the CLI's own metrics), the score histogram and the
// counts at the threshold.
import { histSvg, rocSvg } from './charts.js';
import { exclusive, nextEvalRun, state, update } from './state.js';
import { $, PX, backendLabel, els, message, say, scoreDecimals, tick } from './util.js';

export function cancelEval(note = '') {
  nextEvalRun();
  els.evalOut.hidden = true;
  els.evalCancel.hidden = true;
  els.evalProgress.value = 0;
  els.evalRun.textContent = 'Evaluate on the sample digits';
  els.evalStatus.textContent = note;
}

export async function evaluate() {
  if (!state.samples || !state.c || state.digit === null) return;
  cancelEval();
  const run = state.evalRun;
  update({ evalBusy: true });
  const { grey, labels, n } = state.samples;
  const [digit, lambda, batch] = [state.digit, state.c.lambda, 50];
  const [scores, logits, recon] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  let ms = 0;
  els.evalProgress.max = n;
  els.evalRun.textContent = 'Restart';
  els.evalCancel.hidden = false;
  els.evalStatus.textContent = `Scoring ${n} digits…`;
  try {
    for (let i = 0; i < n; i += batch) {
      if (run !== state.evalRun) return;
      const m = Math.min(batch, n - i);
      // A run cancelled while this waits in the queue skips its batch.
      const r = await exclusive(() => (run === state.evalRun ? state.c.scoreBatch(grey.subarray(i * PX, (i + m) * PX), m) : null));
      if (run !== state.evalRun || !r) return;
      scores.set(r.scores, i);
      logits.set(r.logits, i);
      recon.set(r.reconErrors, i);
      ms += r.ms;
      els.evalProgress.value = i + m;
      await tick(); // let drawing and clicks through between batches
    }
  } catch (e) {
    if (run !== state.evalRun) return;
    cancelEval(`Evaluation failed: ${message(e)}`);
    return say(`Evaluation failed: ${message(e)}`, 'error');
  }
  els.evalCancel.hidden = true;
  els.evalRun.textContent = 'Evaluate again';
  update({ evalBusy: false, evalResult: { digit, lambda, scores, logits, judgedBy: state.info && state.info.scoreRule, recon, labels: Uint8Array.from(labels, (l) => (l === digit ? 1 : 0)), ms } });
  els.evalStatus.textContent = `Scored ${n} digits in ${ms.toFixed(0)} ms on ${backendLabel(state.c.backend)} (λ = ${lambda.toFixed(2)}).`;
  renderEval();
}

/** The wasm module's ROC points (a flat fpr, tpr, … array) as [fpr, tpr] pairs. */
function roc(scores, labels) {
  const flat = state.wasm.rocCurve(scores, labels);
  return Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]);
}

function renderEval() {
  const { digit, scores, logits, judgedBy, recon, labels } = state.evalResult;
  const base = recon.map((v) => -v);
  const [a, b] = [state.wasm.auroc(scores, labels), state.wasm.auroc(base, labels)];
  const P = labels.reduce((k, l) => k + l, 0);
  const fmt = (v) => (Number.isNaN(v) ? 'n/a' : v.toFixed(3));
  // A detector judged by its nearest training digits: that score first, CRBND's f(x) beside it.
  const near = judgedBy === 'neighbours';
  const c = near ? state.wasm.auroc(logits, labels) : NaN;
  $('eval-verdict-name').textContent = near ? 'nearest training digits (the verdict)' : 'CRBND';
  $('eval-auroc').textContent = fmt(a);
  $('eval-crbnd-part').hidden = !near;
  $('eval-crbnd').textContent = fmt(c);
  $('eval-baseline').textContent = fmt(b);
  $('eval-roc').innerHTML = rocSvg([
    { pts: roc(scores, labels), cls: 'crbnd', label: `${near ? 'nearest digits' : 'CRBND'} (${a.toFixed(3)})` },
    ...(near ? [{ pts: roc(logits, labels), cls: 'alt', label: `CRBND f(x) (${c.toFixed(3)})` }] : []),
    { pts: roc(base, labels), cls: 'baseline', label: `recon. error (${b.toFixed(3)})` },
  ]);
  $('eval-note').textContent = `Inliers: the ${P} ${digit}s among the ${labels.length} sample digits; outliers: the other ${labels.length - P}.`;
  els.evalOut.hidden = false;
  renderThreshold();
}

/** The parts that depend on the threshold only: redrawn live as its slider moves. */
export function renderThreshold() {
  if (!state.evalResult) return;
  const { digit, scores, labels } = state.evalResult;
  // The samples are MNIST images: the model's threshold for those, unless the user set one.
  const t = state.thresholdTouched || !state.info ? state.c.threshold : state.c.thresholdFor('dataset');
  const inl = Array.from(scores.filter((_, i) => labels[i]));
  const out = Array.from(scores.filter((_, i) => !labels[i]));
  $('eval-hist').innerHTML = histSvg(inl, out, t, { inLabel: `${digit}s (${inl.length})`, outLabel: `other digits (${out.length})`, xLabel: state.evalResult.judgedBy === 'neighbours' ? 'score (similarity to the nearest training digits)' : 'score (logit)' });
  const acc = (arr) => arr.filter((s) => s >= t).length;
  const pct = (k, n) => (n ? `${((100 * k) / n).toFixed(0)}%` : 'n/a');
  const [ai, ao] = [acc(inl), acc(out)];
  $('eval-counts').textContent =
    `At threshold ${t.toFixed(scoreDecimals(state.info))}: ${ai} of ${inl.length} ${digit}s accepted as inliers (${pct(ai, inl.length)}), ` +
    `${ao} of ${out.length} other digits wrongly accepted (${pct(ao, out.length)}).`;
}
