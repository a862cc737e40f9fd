import { averagePrecision, mean, setMetrics } from '../../src/eval/metrics';

describe('set metrics', () => {
  it('computes Jaccard, precision, recall and F1 for a partial hit', () => {
    const m = setMetrics(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd', 'e']));
    expect(m.jaccard).toBeCloseTo(2 / 5);
    expect(m.precision).toBeCloseTo(2 / 3);
    expect(m.recall).toBeCloseTo(2 / 4);
    expect(m.f1).toBeCloseTo((2 * (2 / 3) * 0.5) / (2 / 3 + 0.5));
  });
  it('scores an empty prediction as zero, not NaN', () => {
    expect(setMetrics(new Set(), new Set(['a']))).toEqual({ jaccard: 0, precision: 0, recall: 0, f1: 0 });
  });
});

describe('averagePrecision', () => {
  it('is 1 when the true drugs rank first and lower when they rank later', () => {
    const truth = new Set(['a', 'b']);
    expect(averagePrecision(new Map([['a', 0.9], ['b', 0.8], ['c', 0.1]]), truth)).toBeCloseTo(1);
    // ranks 1 and 3: (1/1 + 2/3) / 2
    expect(averagePrecision(new Map([['a', 0.9], ['c', 0.8], ['b', 0.1]]), truth)).toBeCloseTo((1 + 2 / 3) / 2);
  });
  it('counts true drugs that were never scored as missed', () => {
    expect(averagePrecision(new Map([['a', 0.9]]), new Set(['a', 'z']))).toBeCloseTo(0.5);
  });
  it('mean of nothing is 0', () => expect(mean([])).toBe(0));
});
