import { methodValues } from '../../src/report/bootstrap';
import { calibration } from '../../src/report/calibration';
import { countDistribution, perDrug } from '../../src/report/per-drug';
import { datasetStem, leakageCheck } from '../../src/report/provenance';
import { ageBand, subgroups, subgroupWarnings } from '../../src/report/subgroups';
import { thresholdSweep } from '../../src/report/sweep';
import { method, visit } from './helpers';

describe('calibration', () => {
  it('bins every scored pair and measures the observed rate per bin', () => {
    const visits = [
      visit('p1', 'e1', ['a'], ['a'], { a: 0.95, b: 0.05, c: 0.15 }),
      visit('p2', 'e2', ['b'], [], { a: 0.92, b: 0.08, c: 0.12 }),
    ];
    const c = calibration(method('lamo', visits, { probabilistic: true }));
    expect(c.pairs).toBe(6);
    expect(c.bins.reduce((s, b) => s + b.count, 0)).toBe(6);
    const top = c.bins[9];
    expect(top.count).toBe(2);
    expect(top.observed.value).toBe(0.5);
    expect(top.meanPredicted).toBeCloseTo(0.935, 10);
    expect(c.bins[0]).toMatchObject({ count: 2 });
    expect(c.bins[0].observed.value).toBe(0.5);
    expect(c.ece).toBeGreaterThan(0);
    expect(c.reading).toMatch(/^lamo: expected calibration error/);
  });
});

describe('threshold sweep', () => {
  const visits = [visit('p1', 'e1', ['a'], ['a'], { a: 0.8, b: 0.4 }), visit('p2', 'e2', ['b'], ['a'], { a: 0.6, b: 0.3 })];

  it('recomputes the decision at each threshold and marks the one in use', () => {
    const sweep = thresholdSweep(method('lamo', visits, { probabilistic: true, threshold: () => 0.5 }));
    expect(sweep?.axis).toBe('threshold');
    expect(sweep?.chosen).toBe(0.5);
    const at = (t: number) => sweep?.points.find((p) => Math.abs(p.threshold - t) < 1e-9);
    expect(at(0.5)).toEqual({ threshold: 0.5, jaccard: 0.5, f1: 0.5, predTrueRatio: 1 });
    expect(at(0.25)).toMatchObject({ jaccard: 0.5, predTrueRatio: 2 });
    expect(at(0.975)).toMatchObject({ jaccard: 0, predTrueRatio: 0 });
  });

  it('shifts each candidate’s own threshold when thresholds are per candidate', () => {
    const own: Record<string, number> = { a: 0.7, b: 0.35 };
    const sweep = thresholdSweep(method('lamo', visits, { probabilistic: true, threshold: (c) => own[c], perCandidateThresholds: true }));
    expect(sweep?.axis).toBe('shift');
    expect(sweep?.chosen).toBe(0);
    // a ≥ 0.7 in e1 only; b ≥ 0.35 in e1 only → e1 predicts {a, b} (J 0.5), e2 predicts nothing.
    expect(sweep?.points.find((p) => p.threshold === 0)).toMatchObject({ jaccard: 0.25, predTrueRatio: 1 });
  });

  it('has no sweep for a method without probabilities', () => {
    expect(thresholdSweep(method('carry-forward', visits))).toBeUndefined();
  });
});

describe('per-drug statistics and counts', () => {
  it('supports sum to the number of labels; worst needs support ≥ 20', () => {
    const visits = [];
    for (let i = 0; i < 25; i++) visits.push(visit(`p${i}`, `e${i}`, ['a', 'b'], i < 20 ? ['a'] : ['b']));
    visits.push(visit('q', 'eq', ['c'], ['a']));
    const d = perDrug(method('lamo', visits));
    expect(d.labels).toBe(51);
    expect(d.drugs.reduce((s, x) => s + x.support, 0)).toBe(51);
    const a = d.drugs.find((x) => x.drug === 'a');
    expect(a).toMatchObject({ support: 25, predicted: 21, truePositives: 20 });
    expect(a?.precision).toBeCloseTo(20 / 21, 10);
    expect(a?.recall).toBeCloseTo(0.8, 10);
    expect(d.mostFrequent).toEqual(['a', 'b', 'c']);
    expect(d.worst).toEqual(['b', 'a']);
  });

  it('counts visits by number of drugs, per method and for the truth', () => {
    const visits = [visit('p', 'e1', ['a', 'b'], []), visit('p', 'e2', ['a'], ['a', 'b', 'c'])];
    const counts = countDistribution([method('lamo', visits)]);
    const of = (m: string, n: number) => counts.series.find((s) => s.method === m && s.count === n)?.visits;
    expect(of('true', 1)).toBe(1);
    expect(of('true', 2)).toBe(1);
    expect(of('lamo', 0)).toBe(1);
    expect(of('lamo', 3)).toBe(1);
    expect(counts.reading).toMatch(/true 1\.50; lamo 1\.50 \(1 visits with none\)/);
  });
});

describe('subgroups', () => {
  it('bands ages, bootstraps each subgroup and warns only for large groups far below the whole', () => {
    expect([ageBand(3), ageBand(18), ageBand(64), ageBand(79), ageBand(80), ageBand(undefined)]).toEqual(['0–17', '18–44', '45–64', '65–79', '80+', 'unknown']);
    const visits = [];
    // 40 older visits all wrong, 60 younger visits all right; 5 male visits wrong (too few to warn).
    for (let i = 0; i < 40; i++) visits.push(visit(`old${i % 10}`, `o${i}`, ['a'], ['b'], {}, { age: 70, sex: 'female' }));
    for (let i = 0; i < 60; i++) visits.push(visit(`young${i % 10}`, `y${i}`, ['a'], ['a'], {}, { age: 30, sex: 'female' }));
    for (let i = 0; i < 5; i++) visits.push(visit(`m${i}`, `m${i}`, ['a'], ['b'], {}, { age: 30, sex: 'male' }));
    const methods = [method('lamo', visits)];
    const groups = subgroups(methods, methodValues(methods), { resamples: 200, seed: 1 });
    expect(groups.map((g) => `${g.dimension}:${g.name}:${g.visits}`)).toEqual([
      'age band:18–44:65',
      'age band:65–79:40',
      'sex:female:100',
      'sex:male:5',
      'population:pop:105',
    ]);
    const overall = groups.find((g) => g.dimension === 'population')?.methods ?? [];
    const warnings = subgroupWarnings(groups, overall);
    expect(warnings.map((w) => `${w.dimension}:${w.name}`)).toEqual(['age band:65–79']);
    expect(warnings[0].text).toMatch(/65–79 \(40 visits, 10 patients\) has Jaccard 0\.000/);
  });
});

describe('leakage line', () => {
  const test = [
    { encounterKey: 'k1', population: 'synthea-r4-615', parts: { internal: 'test', temporal: 'train' } },
    { encounterKey: 'k2', population: 'synthea-r4-615', parts: { internal: 'train', temporal: 'test' } },
  ];

  it('counts test encounters in the training part of the model’s data set and split', () => {
    expect(datasetStem('r4-615.jsonl')).toBe('r4-615');
    expect(datasetStem('../shared/data/synthea-r4-615/')).toBe('r4-615');
    expect(leakageCheck({ dataset: 'r4-615.jsonl', split: 'internal' }, test)).toMatchObject({ checked: true, overlap: 1 });
    expect(leakageCheck({ dataset: 'r4-615.jsonl', split: 'internal' }, test).text).toMatch(/LEAKAGE/);
    expect(leakageCheck({ dataset: 'r4-615.jsonl', split: 'internal' }, test.slice(0, 1))).toMatchObject({ overlap: 0 });
    expect(leakageCheck({ dataset: 'bulk-10.jsonl', split: 'internal' }, test)).toMatchObject({ checked: true, overlap: 0 });
  });

  it('is exact when the manifest lists its training encounters, and says when it cannot check', () => {
    expect(leakageCheck({ encounterKeys: ['k2', 'x'] }, test)).toMatchObject({ checked: true, overlap: 1 });
    expect(leakageCheck({}, test)).toMatchObject({ checked: false, overlap: null });
    expect(leakageCheck({}, test).text).toMatch(/NOT CHECKED/);
  });
});
