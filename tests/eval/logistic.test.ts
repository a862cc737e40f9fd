import { deterministicShuffle, MultiLabelLogistic } from '../../src/eval/logistic/trainer';

describe('MultiLabelLogistic', () => {
  it('learns a separable multi-label mapping', () => {
    // feature 0 → label 0, feature 1 → label 1, feature 2 → both, feature 3 → noise
    const samples = [];
    for (let i = 0; i < 200; i++) {
      const f = i % 3;
      samples.push({ features: i % 2 ? [f, 3] : [f], labels: f === 0 ? [0] : f === 1 ? [1] : [0, 1] });
    }
    const model = new MultiLabelLogistic(4, 2);
    model.fit(samples, { epochs: 30, learningRate: 0.1, l2: 1e-4, batchSize: 16 });
    const p0 = model.predict([0]);
    const p1 = model.predict([1]);
    const p2 = model.predict([2, 3]);
    expect(p0[0]).toBeGreaterThan(0.9);
    expect(p0[1]).toBeLessThan(0.1);
    expect(p1[1]).toBeGreaterThan(0.9);
    expect(p1[0]).toBeLessThan(0.1);
    expect(p2[0]).toBeGreaterThan(0.9);
    expect(p2[1]).toBeGreaterThan(0.9);
  });

  it('matches the prior for a label with no informative feature', () => {
    const samples = Array.from({ length: 400 }, (_, i) => ({ features: [0], labels: i % 4 === 0 ? [0] : [] }));
    const model = new MultiLabelLogistic(1, 1);
    model.fit(samples, { epochs: 40, learningRate: 0.05, l2: 0, batchSize: 40 });
    expect(model.predict([0])[0]).toBeCloseTo(0.25, 1);
  });

  it('shuffles deterministically', () => {
    const a = [1, 2, 3, 4, 5, 6];
    const b = [1, 2, 3, 4, 5, 6];
    deterministicShuffle(a, 7);
    deterministicShuffle(b, 7);
    expect(a).toEqual(b);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
