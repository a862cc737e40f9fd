/**
 * One-vs-rest logistic regression on sparse binary features, trained jointly for all labels with Adam
 * and L2 regularisation. Small and dependency-free: the npm options are either dense-only (too slow for
 * thousands of features × ~120 labels) or unmaintained; this is ~100 lines and tested against known cases.
 */

export interface LogisticOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  batchSize: number;
}

export const DEFAULT_LOGISTIC_OPTIONS: LogisticOptions = { epochs: 60, learningRate: 0.05, l2: 1e-4, batchSize: 32 };

/** A sample: indices of its active (value 1) features, and indices of its positive labels. */
export interface SparseSample {
  features: number[];
  labels: number[];
}

export class MultiLabelLogistic {
  /** Row-major [feature][label]. */
  readonly weights: Float64Array;
  readonly bias: Float64Array;

  constructor(
    readonly featureCount: number,
    readonly labelCount: number,
  ) {
    this.weights = new Float64Array(featureCount * labelCount);
    this.bias = new Float64Array(labelCount);
  }

  /** P(label | features) for every label. */
  predict(features: readonly number[]): Float64Array {
    const z = Float64Array.from(this.bias);
    for (const f of features) {
      const row = f * this.labelCount;
      for (let l = 0; l < this.labelCount; l++) z[l] += this.weights[row + l];
    }
    for (let l = 0; l < this.labelCount; l++) z[l] = 1 / (1 + Math.exp(-z[l]));
    return z;
  }

  fit(samples: readonly SparseSample[], options: LogisticOptions = DEFAULT_LOGISTIC_OPTIONS): void {
    const { epochs, learningRate, l2, batchSize } = options;
    const L = this.labelCount;
    const params = [this.weights, this.bias];
    const m = params.map((p) => new Float64Array(p.length));
    const v = params.map((p) => new Float64Array(p.length));
    const gradW = new Float64Array(this.weights.length);
    const gradB = new Float64Array(L);
    const beta1 = 0.9;
    const beta2 = 0.999;
    let step = 0;
    const order = samples.map((_, i) => i);
    for (let epoch = 0; epoch < epochs; epoch++) {
      deterministicShuffle(order, epoch + 1);
      for (let start = 0; start < order.length; start += batchSize) {
        gradW.fill(0);
        gradB.fill(0);
        const batch = order.slice(start, start + batchSize);
        const touched = new Set<number>();
        for (const index of batch) {
          const sample = samples[index];
          const p = this.predict(sample.features);
          for (const label of sample.labels) p[label] -= 1; // p - y
          for (let l = 0; l < L; l++) gradB[l] += p[l] / batch.length;
          for (const f of sample.features) {
            touched.add(f);
            const row = f * L;
            for (let l = 0; l < L; l++) gradW[row + l] += p[l] / batch.length;
          }
        }
        step += 1;
        const correction1 = 1 - beta1 ** step;
        const correction2 = 1 - beta2 ** step;
        const update = (param: Float64Array, grad: Float64Array, mi: Float64Array, vi: Float64Array, i: number, decay: number) => {
          const g = grad[i] + decay * param[i];
          mi[i] = beta1 * mi[i] + (1 - beta1) * g;
          vi[i] = beta2 * vi[i] + (1 - beta2) * g * g;
          param[i] -= (learningRate * (mi[i] / correction1)) / (Math.sqrt(vi[i] / correction2) + 1e-8);
        };
        // Sparse ("lazy") Adam: only rows of features present in the batch move; L2 applies to those rows.
        for (const f of touched) {
          const row = f * L;
          for (let l = 0; l < L; l++) update(this.weights, gradW, m[0], v[0], row + l, l2);
        }
        for (let l = 0; l < L; l++) update(this.bias, gradB, m[1], v[1], l, 0);
      }
    }
  }
}

/** In-place Fisher–Yates with a small LCG: the same order for the same seed, on every machine. */
export function deterministicShuffle<T>(items: T[], seed: number): void {
  let state = (seed * 2654435761) >>> 0;
  for (let i = items.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}
