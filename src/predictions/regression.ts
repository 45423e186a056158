import { choleskySolve, sigmoid } from './linalg.js';

/**
 * Rows held in typed arrays: `x` row-major n x p. Training reads a bounded sample, so this is at
 * most sampleSize x features doubles.
 */
export interface Matrix {
  n: number;
  p: number;
  x: Float64Array;
}

/** A linear model on standardised columns `cols` of a matrix. */
export interface LinearFit {
  cols: number[];
  means: number[];
  sds: number[];
  intercept: number;
  weights: number[];
}

export function standardiser(m: Matrix, rows: Int32Array, cols: number[]): { means: number[]; sds: number[] } {
  const means = cols.map(() => 0);
  const squares = cols.map(() => 0);
  for (const r of rows) {
    cols.forEach((c, j) => {
      const v = m.x[r * m.p + c]!;
      means[j]! += v;
      squares[j]! += v * v;
    });
  }
  const n = Math.max(rows.length, 1);
  const sds = cols.map((_, j) => {
    const mean = means[j]! / n;
    means[j] = mean;
    const variance = squares[j]! / n - mean * mean;
    // A constant column stays 0 after standardising: its weight is then 0.
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return { means, sds };
}

function standardisedRow(m: Matrix, r: number, fit: { cols: number[]; means: number[]; sds: number[] }, out: Float64Array): void {
  out[0] = 1;
  fit.cols.forEach((c, j) => (out[j + 1] = (m.x[r * m.p + c]! - fit.means[j]!) / fit.sds[j]!));
}

/** The linear score (log-odds for logistic fits) of row r. */
export function linearScore(m: Matrix, r: number, fit: LinearFit): number {
  let z = fit.intercept;
  fit.cols.forEach((c, j) => (z += (fit.weights[j]! * (m.x[r * m.p + c]! - fit.means[j]!)) / fit.sds[j]!));
  return z;
}

/**
 * L2-regularised logistic regression by Newton's method (IRLS): p is small (tens of features), so
 * each step is one pass building the p x p Hessian and a Cholesky solve. The intercept is not penalised.
 */
export function fitLogistic(m: Matrix, y: Float64Array, rows: Int32Array, cols: number[], l2: number): LinearFit {
  const { means, sds } = standardiser(m, rows, cols);
  const k = cols.length + 1;
  const beta = new Float64Array(k);
  const positives = rows.reduce((sum, r) => sum + y[r]!, 0);
  const rate = Math.min(Math.max(positives / Math.max(rows.length, 1), 1e-6), 1 - 1e-6);
  beta[0] = Math.log(rate / (1 - rate));
  const z = new Float64Array(k);
  const fit = { cols, means, sds };
  for (let iteration = 0; iteration < 50; iteration++) {
    const hessian = new Float64Array(k * k);
    const gradient = new Float64Array(k);
    for (const r of rows) {
      standardisedRow(m, r, fit, z);
      let eta = 0;
      for (let i = 0; i < k; i++) eta += beta[i]! * z[i]!;
      const mu = sigmoid(eta);
      const w = Math.max(mu * (1 - mu), 1e-10);
      const residual = y[r]! - mu;
      for (let i = 0; i < k; i++) {
        gradient[i]! += residual * z[i]!;
        const wz = w * z[i]!;
        for (let j = 0; j <= i; j++) hessian[i * k + j]! += wz * z[j]!;
      }
    }
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < i; j++) hessian[j * k + i] = hessian[i * k + j]!;
      const penalty = i === 0 ? 1e-9 : l2;
      hessian[i * k + i]! += penalty;
      gradient[i]! -= penalty * beta[i]!;
    }
    const step = choleskySolve(hessian, gradient, k);
    let largest = 0;
    for (let i = 0; i < k; i++) {
      beta[i]! += step[i]!;
      largest = Math.max(largest, Math.abs(step[i]!));
    }
    if (largest < 1e-7) break;
  }
  return { cols, means, sds, intercept: beta[0]!, weights: Array.from(beta.subarray(1)) };
}

/** Ridge regression of `target` on standardised columns (closed form). */
export function fitRidge(m: Matrix, target: Float64Array, rows: Int32Array, cols: number[], l2: number): LinearFit {
  const { means, sds } = standardiser(m, rows, cols);
  const k = cols.length + 1;
  const gram = new Float64Array(k * k);
  const moment = new Float64Array(k);
  const z = new Float64Array(k);
  const fit = { cols, means, sds };
  for (const r of rows) {
    standardisedRow(m, r, fit, z);
    for (let i = 0; i < k; i++) {
      moment[i]! += z[i]! * target[r]!;
      for (let j = 0; j <= i; j++) gram[i * k + j]! += z[i]! * z[j]!;
    }
  }
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) gram[j * k + i] = gram[i * k + j]!;
    gram[i * k + i]! += i === 0 ? 1e-9 : l2;
  }
  const beta = choleskySolve(gram, moment, k);
  return { cols, means, sds, intercept: beta[0]!, weights: Array.from(beta.subarray(1)) };
}

/** Platt scaling: P(y=1) = sigmoid(a * score + b), fitted on held-out rows. */
export function fitPlatt(scores: Float64Array, y: Float64Array): { a: number; b: number } {
  let a = 1;
  let b = 0;
  for (let iteration = 0; iteration < 100; iteration++) {
    let gA = 0, gB = 0, hAA = 1e-6, hAB = 0, hBB = 1e-6;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      const mu = sigmoid(a * s + b);
      const w = Math.max(mu * (1 - mu), 1e-10);
      const residual = y[i]! - mu;
      gA += residual * s;
      gB += residual;
      hAA += w * s * s;
      hAB += w * s;
      hBB += w;
    }
    const det = hAA * hBB - hAB * hAB;
    const dA = (hBB * gA - hAB * gB) / det;
    const dB = (hAA * gB - hAB * gA) / det;
    a += dA;
    b += dB;
    if (Math.abs(dA) + Math.abs(dB) < 1e-9) break;
  }
  return { a, b };
}
