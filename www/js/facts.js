// facts.js: "This model", the loaded model's facts under "How it works": a digit model's (`info`
// is what the wasm module read from its entry, with the defaults for older entries) or a photo
// detector's.
import { state } from './state.js';
import { $, classWords } from './util.js';

function classifierWords(n) {
  return n === 1 ? '1' : `${n}, trained with different seeds; f(x) is the mean of their logits`;
}

/** What a digit model's verdict is taken on (info.scoreRule), in words. */
const DIGIT_RULE_WORDS = {
  neighbours:
    'the mean cosine similarity to the 2 nearest of 128 training digits (centres of its training digits as written and traced with a pen), seen through the first five blocks of EfficientNet-Lite0 trained on ImageNet; A and C are shown beside it',
  classifier: 'f(x)',
  combined: 'f(x) and the reconstruction error, each scaled by the validation images, averaged (eq. 6′)',
};

export function showFacts(entry, info) {
  const num = (v, d) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : null);
  const secs = entry.training_seconds;
  const oneClass = (entry.metrics && entry.metrics['one-class']) || {};
  const metric = (m, key) => num(m && m[key], 3);
  const taught = state.digit === null && entry.dataset === 'drawings';
  const m = entry.metrics || {};
  const facts = [
    ['Model', entry.name],
    ['Trained on', taught ? `${m.examples ?? '?'} of your drawings, in this browser (${m.held_out ?? '?'} of them held out for the threshold)` : `${entry.dataset} digit ${(entry.positive_classes || []).join(', ')}`],
    ['Parameters', typeof entry.parameters === 'number' ? entry.parameters.toLocaleString('en') : null],
    ['File size', typeof entry.bytes === 'number' ? `${Math.round(entry.bytes / 1024)} KB` : null],
    ['Classifiers C', classifierWords(info.classifiers)],
    ['Verdict on', DIGIT_RULE_WORDS[info.scoreRule] || 'f(x)'],
    ['λ', num(entry.lambda, 2)],
    ['Threshold', num(entry.threshold, 2)],
    ['Threshold rule', entry.threshold_rule],
    [
      'Threshold for drawn and uploaded digits',
      info.drawnThreshold !== info.threshold ? `${num(info.drawnThreshold, 2)}: the same rule on the validation digits traced with a pen like this page’s drawing pad and put through its preprocessing` : null,
    ],
    ['Training time', typeof secs === 'number' ? (secs < 90 ? `${secs.toFixed(0)} s` : `${(secs / 60).toFixed(1)} min`) : null],
    ['AUROC, nearest training digits (the verdict; one-class, MNIST test set)', metric(oneClass.neighbours, 'auroc')],
    ['AUROC, CRBND (one-class, MNIST test set)', metric(oneClass.crbnd, 'auroc')],
    ['F1, CRBND', metric(oneClass.crbnd, 'f1')],
    ['AUROC, reconstruction error baseline', metric(oneClass.recon_error, 'auroc')],
  ];
  const el = (tag, text) => Object.assign(document.createElement(tag), { textContent: String(text) });
  $('model-facts').replaceChildren(...facts.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
  $('model-name').textContent = taught ? `Your detector: ${m.examples ?? 'your'} drawings, threshold ${num(entry.threshold, 2)}` : `Detector for ${state.digit}: ${entry.name}`;
}

/** What the verdict of a photo detector is taken on (entry.score), in words. */
const RULE_WORDS = {
  neighbours: 'the mean cosine similarity of its features to the nearest training photos',
  classifier: 'f(φ), C’s logit on the connective features (the paper’s eq. 6)',
  combined: 'f(φ) and A’s error, each scaled by the validation photos, averaged (eq. 6′)',
};

/** "This model" for a photo detector (an entry of manifest.photos). */
export function showPhotoFacts(entry) {
  const num = (v, d) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : null);
  const m = entry.metrics || {};
  const held = m.held_out_test || {};
  const auroc = (k) => num(held[k] && held[k].auroc, 4);
  const secs = entry.training_seconds;
  const facts = [
    ['Model', entry.name],
    ['Trained on', `Caltech 101 photos of ${classWords(entry)}${m.n_train ? ` (${m.n_train} photos)` : ''}`],
    ['Features φ', `EfficientNet-Lite0 trained on ImageNet, frozen: 1280 numbers at each position of a ${entry.config.side}×${entry.config.side} photo`],
    ['Parameters (A, C and the training photos’ features)', typeof entry.parameters === 'number' ? entry.parameters.toLocaleString('en') : null],
    ['File size', typeof entry.bytes === 'number' ? `${(entry.bytes / 1e6).toFixed(1)} MB` : null],
    ['Verdict on', RULE_WORDS[entry.score] || entry.score],
    ['Threshold', num(entry.threshold, 3)],
    ['Threshold rule', entry.threshold_rule],
    ['λ', num(entry.lambda, 2)],
    ['Training time', typeof secs === 'number' ? (secs < 90 ? `${secs.toFixed(0)} s` : `${(secs / 60).toFixed(1)} min`) : null],
    ['AUROC, nearest training photos (held-out photos vs as many clutter photos)', auroc('neighbours')],
    ['AUROC, CRBND (eq. 6′)', auroc('crbnd')],
    ['AUROC, f(φ) alone (the paper’s score)', auroc('classifier_only')],
    ['AUROC, reconstruction error', auroc('recon_error')],
  ];
  const el = (tag, text) => Object.assign(document.createElement(tag), { textContent: String(text) });
  $('model-facts').replaceChildren(...facts.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
  $('model-name').textContent = `Detector for ${classWords(entry)}: ${entry.name}`;
}
