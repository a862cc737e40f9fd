/**
 * Binary logistic regression on a few dense features with sample weights, fitted exactly by Newton's method
 * (iteratively reweighted least squares) with L2 on the weights (not the intercept).
 *
 * Why beside the sparse trainer (./trainer.ts): the history baseline is one model shared by every candidate,
 * over ~20 real-valued features, and most of its (visit, candidate) pairs are identical "never ordered" rows.
 * Those are merged into one weighted row per visit, which a minibatch trainer would see as a few huge
 * samples; Newton on the merged rows is exact, deterministic and takes milliseconds.
 */

export interface WeightedRow {
  x: readonly number[];
  /** Share of positives among the merged samples (0..1). */
  y: number;
  /** How many samples the row stands for. */
  weight: number;
}

export interface NewtonOptions {
  l2: number;
  maxIterations: number;
  tolerance: number;
}

export const DEFAULT_NEWTON_OPTIONS: NewtonOptions = { l2: 1, maxIterations: 50, tolerance: 1e-9 };

export interface BinaryLogistic {
  intercept: number;
  weights: number[];
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function predictBinary(model: BinaryLogistic, x: readonly number[]): number {
  let z = model.intercept;
  for (let j = 0; j < model.weights.length; j++) z += model.weights[j] * x[j];
  return sigmoid(z);
}

/** Solves A·s = b for a symmetric positive definite A (Cholesky). A is row-major n × n. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * y[k];
    y[i] = sum / l[i * n + i];
  }
  const s = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * s[k];
    s[i] = sum / l[i * n + i];
  }
  return s;
}

export function fitWeightedLogistic(rows: readonly WeightedRow[], features: number, options: NewtonOptions = DEFAULT_NEWTON_OPTIONS): BinaryLogistic {
  const n = features + 1; // index 0: the intercept
  const beta = new Float64Array(n);
  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    const gradient = new Float64Array(n);
    const hessian = new Float64Array(n * n);
    const model = { intercept: beta[0], weights: [...beta.subarray(1)] };
    for (const row of rows) {
      const p = predictBinary(model, row.x);
      const residual = row.weight * (p - row.y);
      const curvature = row.weight * p * (1 - p);
      const x = [1, ...row.x];
      for (let i = 0; i < n; i++) {
        gradient[i] += residual * x[i];
        for (let j = 0; j <= i; j++) hessian[i * n + j] += curvature * x[i] * x[j];
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) hessian[j * n + i] = hessian[i * n + j];
    for (let i = 1; i < n; i++) {
      gradient[i] += options.l2 * beta[i];
      hessian[i * n + i] += options.l2;
    }
    hessian[0] += 1e-9; // keeps the intercept's pivot positive when every row's p is 0 or 1
    const step = solveSpd(hessian, gradient, n);
    let change = 0;
    for (let i = 0; i < n; i++) {
      beta[i] -= step[i];
      change = Math.max(change, Math.abs(step[i]));
    }
    if (change < options.tolerance) break;
  }
  return { intercept: beta[0], weights: [...beta.subarray(1)] };
}
