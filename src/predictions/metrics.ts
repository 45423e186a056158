/** Quality measures of scores against outcomes (all in one pass over sorted copies; n is bounded by the sample). */

export interface CalibrationBin {
  /** Mean predicted probability in the bin. */
  predicted: number;
  /** Share of positives in the bin. */
  observed: number;
  count: number;
}

export interface ClassifierQuality {
  auc: number;
  brier: number;
  /** Expected calibration error: count-weighted |predicted - observed| over the bins. */
  calibrationError: number;
  calibration: CalibrationBin[];
  /** Positive rate of the top 10% by score over the overall rate. */
  topDecileLift: number;
  positives: number;
  negatives: number;
}

export interface RegressionQuality {
  mae: number;
  rmse: number;
  spearman: number;
  /** Mean actual value and mean predicted value. */
  actualMean: number;
  predictedMean: number;
  rows: number;
}

/** Ranks (1-based, ties averaged) of the values. */
function ranks(values: Float64Array): Float64Array {
  const order = Array.from(values.keys()).sort((i, j) => values[i]! - values[j]!);
  const out = new Float64Array(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]!] === values[order[start]!]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) out[order[k]!] = rank;
    start = end + 1;
  }
  return out;
}

/** Area under the ROC curve (Mann-Whitney, ties count one half); NaN without both classes. */
export function auc(scores: Float64Array, labels: Float64Array): number {
  const r = ranks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! > 0.5) {
      positives++;
      rankSum += r[i]!;
    }
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function classifierQuality(probabilities: Float64Array, labels: Float64Array, bins = 10): ClassifierQuality {
  const n = labels.length;
  const order = Array.from(probabilities.keys()).sort((i, j) => probabilities[i]! - probabilities[j]!);
  let brier = 0;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    brier += (probabilities[i]! - labels[i]!) ** 2;
    positives += labels[i]!;
  }
  const calibration: CalibrationBin[] = [];
  let calibrationError = 0;
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * n) / bins);
    const to = Math.floor(((b + 1) * n) / bins);
    if (to <= from) continue;
    let predicted = 0;
    let observed = 0;
    for (let k = from; k < to; k++) {
      predicted += probabilities[order[k]!]!;
      observed += labels[order[k]!]!;
    }
    const count = to - from;
    calibration.push({ predicted: predicted / count, observed: observed / count, count });
    calibrationError += (count / n) * Math.abs(predicted / count - observed / count);
  }
  const top = Math.max(1, Math.floor(n / 10));
  let topPositives = 0;
  for (let k = n - top; k < n; k++) topPositives += labels[order[k]!]!;
  const rate = positives / Math.max(n, 1);
  return {
    auc: auc(probabilities, labels),
    brier: brier / Math.max(n, 1),
    calibrationError,
    calibration,
    topDecileLift: rate > 0 ? topPositives / top / rate : Number.NaN,
    positives,
    negatives: n - positives,
  };
}

export function regressionQuality(predicted: Float64Array, actual: Float64Array): RegressionQuality {
  const n = actual.length;
  let absolute = 0, squared = 0, actualSum = 0, predictedSum = 0;
  for (let i = 0; i < n; i++) {
    const error = predicted[i]! - actual[i]!;
    absolute += Math.abs(error);
    squared += error * error;
    actualSum += actual[i]!;
    predictedSum += predicted[i]!;
  }
  return {
    mae: absolute / Math.max(n, 1),
    rmse: Math.sqrt(squared / Math.max(n, 1)),
    spearman: pearson(ranks(predicted), ranks(actual)),
    actualMean: actualSum / Math.max(n, 1),
    predictedMean: predictedSum / Math.max(n, 1),
    rows: n,
  };
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]! / n;
    mb += b[i]! / n;
  }
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : Number.NaN;
}
