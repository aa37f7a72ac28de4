// facts.js: "This model", the loaded model's facts under "How it works". `info` is what the wasm
// module read from the manifest entry (with its defaults for older entries).
import { state } from './state.js';
import { $, classWords } from './util.js';

function classifierWords(n) {
  return n === 1 ? '1' : `${n}, trained with different seeds; f(x) is the mean of their logits`;
}

export function showFacts(entry, info) {
  const num = (v, d) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : null);
  const secs = entry.training_seconds;
  const oneClass = (entry.metrics && entry.metrics['one-class']) || {};
  const metric = (m, key) => num(m && m[key], 3);
  const photo = entry.dataset !== 'mnist';
  const held = (entry.metrics && entry.metrics.held_out_test) || {};
  const facts = [
    ['Model', entry.name],
    ['Trained on', photo ? `Caltech 101 photos of ${classWords(entry)} (${entry.metrics && entry.metrics.n_train} photos)` : `${entry.dataset} digit ${(entry.positive_classes || []).join(', ')}`],
    ['Parameters', typeof entry.parameters === 'number' ? entry.parameters.toLocaleString('en') : null],
    ['File size', typeof entry.bytes === 'number' ? `${Math.round(entry.bytes / 1024)} KB` : null],
    ['Classifiers C', classifierWords(info.classifiers)],
    ['Verdict on', info.scoreRule === 'combined' ? 'f(x) and the reconstruction error, each scaled by the validation photos, averaged (eq. 6′)' : 'f(x)'],
    ['λ', num(entry.lambda, 2)],
    ['Threshold', num(entry.threshold, 2)],
    ['Threshold rule', entry.threshold_rule],
    [
      'Threshold for drawn and uploaded digits',
      info.drawnThreshold !== info.threshold ? `${num(info.drawnThreshold, 2)}: the same rule on the validation digits traced with a pen like this page’s drawing pad and put through its preprocessing` : null,
    ],
    ['Training time', typeof secs === 'number' ? (secs < 90 ? `${secs.toFixed(0)} s` : `${(secs / 60).toFixed(1)} min`) : null],
    ...(photo
      ? [
          [`AUROC, CRBND (held-out photos vs as many clutter photos)`, metric(held.crbnd, 'auroc')],
          ['F1, CRBND', metric(held.crbnd, 'f1')],
          ['AUROC, f(x) alone (the paper’s score)', metric(held.classifier_only, 'auroc')],
          ['AUROC, reconstruction error baseline', metric(held.recon_error, 'auroc')],
        ]
      : [
          ['AUROC, CRBND (one-class, MNIST test set)', metric(oneClass.crbnd, 'auroc')],
          ['F1, CRBND', metric(oneClass.crbnd, 'f1')],
          ['AUROC, reconstruction error baseline', metric(oneClass.recon_error, 'auroc')],
        ]),
  ];
  const el = (tag, text) => Object.assign(document.createElement(tag), { textContent: String(text) });
  $('model-facts').replaceChildren(...facts.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
  $('model-name').textContent = photo ? `Detector for ${classWords(entry)}: ${entry.name}` : `Detector for ${state.digit}: ${entry.name}`;
}
