import { bootstrapMethods, methodValues, pairedDifferences, percentileInterval, seededRandom, wilson } from '../../src/report/bootstrap';
import { method, visit } from './helpers';

/** 40 patients × 3 visits; `good` is right on every visit, `half` on the visits of even patients only. */
function cohort() {
  const good = [];
  const half = [];
  const base = [];
  for (let p = 0; p < 40; p++) {
    for (let v = 0; v < 3; v++) {
      const key = `p${p}`;
      const enc = `e${p}-${v}`;
      good.push(visit(key, enc, ['a'], ['a']));
      half.push(visit(key, enc, ['a'], p % 2 === 0 ? ['a'] : ['b']));
      base.push(visit(key, enc, ['a'], p % 4 === 0 ? ['a'] : ['b']));
    }
  }
  return [method('logistic', base), method('frequency', half), method('lamo', good)];
}

describe('bootstrap over patients', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect([c(), c(), c()]).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('gives intervals that contain the point estimate and the same result for the same seed', () => {
    const methods = cohort();
    const values = methodValues(methods);
    const all = methods[0].visits.map((_, i) => i);
    const first = bootstrapMethods(methods, values, all, { resamples: 300, seed: 3 });
    const again = bootstrapMethods(methods, values, all, { resamples: 300, seed: 3 });
    expect(again.summaries).toEqual(first.summaries);
    for (const s of first.summaries) {
      expect(s.patients).toBe(40);
      expect(s.visits).toBe(120);
      for (const e of [s.jaccard, s.f1, s.prauc, s.predTrueRatio]) {
        expect(e.ci[0]).toBeLessThanOrEqual(e.value + 1e-12);
        expect(e.ci[1]).toBeGreaterThanOrEqual(e.value - 1e-12);
      }
    }
    const half = first.summaries.find((s) => s.method === 'frequency');
    expect(half?.jaccard.value).toBeCloseTo(0.5, 10);
    // 40 patients, half of them right: the interval is wide, not the ±0.05 that 120 independent visits would give.
    expect((half?.jaccard.ci[1] ?? 0) - (half?.jaccard.ci[0] ?? 0)).toBeGreaterThan(0.15);
    // A method right on every visit has no spread at all.
    expect(first.summaries.find((s) => s.method === 'lamo')?.jaccard.ci).toEqual([1, 1]);
  });

  it('resamples whole patients: one patient gives a degenerate interval whatever its visits', () => {
    const methods = [method('logistic', [visit('p', 'e1', ['a'], ['a']), visit('p', 'e2', ['a'], ['b'])])];
    const result = bootstrapMethods(methods, methodValues(methods), [0, 1], { resamples: 200, seed: 1 });
    expect(result.summaries[0].jaccard).toEqual({ value: 0.5, ci: [0.5, 0.5] });
  });

  it('claims "beats" only when the paired interval excludes zero', () => {
    const methods = cohort();
    const values = methodValues(methods);
    const all = methods[0].visits.map((_, i) => i);
    const { bestBaseline, differences } = pairedDifferences(bootstrapMethods(methods, values, all, { resamples: 300, seed: 3 }));
    expect(bestBaseline).toBe('frequency');
    const lamo = differences.find((d) => d.method === 'lamo');
    expect(lamo?.jaccard.value).toBeCloseTo(0.5, 10);
    expect(lamo?.beats).toBe(true);
    expect(lamo?.jaccard.ci[0]).toBeGreaterThan(0);
    const logistic = differences.find((d) => d.method === 'logistic');
    expect(logistic?.jaccard.value).toBeCloseTo(-0.25, 10);
    expect(logistic?.beats).toBe(false);
  });

  it('does not claim a win for a method equal to the baseline', () => {
    const same = cohort()[1];
    const methods = [method('logistic', same.visits), method('lamo', same.visits)];
    const { differences } = pairedDifferences(bootstrapMethods(methods, methodValues(methods), same.visits.map((_, i) => i), { resamples: 200, seed: 1 }));
    expect(differences[0].jaccard).toEqual({ value: 0, ci: [0, 0] });
    expect(differences[0].beats).toBe(false);
    expect(differences[0].worse).toBe(false);
  });

  it('percentile interval and Wilson interval', () => {
    const draws = Float64Array.from({ length: 101 }, (_, i) => i / 100);
    expect(percentileInterval(0.5, draws).ci).toEqual([0.025, 0.975]);
    const w = wilson(5, 10);
    expect(w.value).toBe(0.5);
    expect(w.ci[0]).toBeCloseTo(0.2366, 3);
    expect(w.ci[1]).toBeCloseTo(0.7634, 3);
    expect(wilson(0, 0).ci).toEqual([0, 1]);
  });
});
