// margin.js: the number shown beside a digit verdict. The verdict compares the score with a
// threshold that is not 0 (set per model, and another for drawings), so a number read off the
// score alone (sigmoid(score), "p") can sit on the wrong side of ½ for the verdict shown. This one
// is the score's distance from the threshold, its sign and side taken from the verdict itself.

/**
 * {value, number, words, text} for a result {score, threshold, verdict}: "+0.94" "above the
 * threshold" for an inlier (score ≥ threshold), "−1.20" "below the threshold" for a novel input;
 * with `decimals` (3 for a similarity, whose useful differences are hundredths).
 */
export function margin({ score, threshold, verdict }, decimals = 2) {
  const inlier = verdict === 'inlier';
  const gap = Math.abs(score - threshold);
  const number = `${inlier ? '+' : '−'}${gap.toFixed(decimals)}`;
  const words = `${inlier ? 'above' : 'below'} the threshold`;
  return { value: inlier ? gap : -gap, number, words, text: `${number} ${words}` };
}
