import { CarryForwardRecommender } from '../../src/eval/baselines/carry-forward';
import { evaluate, formatReport } from '../../src/eval/evaluate';
import { example, historyOf } from './support';

/** Carry-forward is right in renewing records and wrong where nothing is renewed: the regimes must show it. */
function visits() {
  const out = [];
  for (let p = 0; p < 12; p++) {
    const population = p % 3 === 0 ? 'pop-b' : 'pop-a';
    // Renewing: lisinopril at both earlier visits and again today.
    out.push(example(`r${p}`, ['lisinopril'], { patient: `p${p}`, population, history: historyOf([['lisinopril'], ['lisinopril']]), features: { previousDrugs: ['lisinopril'] } }));
    // No renewals: each visit something new.
    out.push(example(`n${p}`, ['metformin'], { patient: `q${p}`, population, history: historyOf([['amoxicillin'], ['ibuprofen']]), features: { previousDrugs: ['ibuprofen'] } }));
    // First visit with orders: nothing to carry.
    out.push(example(`f${p}`, ['amoxicillin'], { patient: `s${p}`, population }));
  }
  return out;
}

describe('regime breakdown', () => {
  it('reports every method in every regime, with intervals, pooled and per population', async () => {
    const test = visits();
    const { report } = await evaluate([new CarryForwardRecommender()], { train: [], validation: [], test }, { dataset: 's', split: 'internal' }, { bootstrap: { resamples: 200, seed: 3 } });
    expect(report.regimes.map((r) => [r.regime, r.visits, r.patients])).toEqual([
      ['first-visit', 12, 12],
      ['no-renewals', 12, 12],
      ['some-renewals', 0, 0],
      ['renewing', 12, 12],
    ]);
    const jaccard = Object.fromEntries(report.regimes.map((r) => [r.regime, r.results[0]?.jaccard]));
    expect(jaccard).toEqual({ 'first-visit': 0, 'no-renewals': 0, 'some-renewals': undefined, renewing: 1 });
    // The regimes partition the visits: their visit-weighted mean is the pooled figure.
    const weighted = report.regimes.reduce((sum, r) => sum + r.visits * (r.results[0]?.jaccard ?? 0), 0) / test.length;
    expect(weighted).toBeCloseTo(report.results[0].jaccard, 10);
    const renewing = report.regimes[3].results[0];
    expect(renewing.jaccard_ci).toEqual([1, 1]);
    expect(renewing.method).toBe('carry-forward');

    const [a, b] = report.populations;
    expect([a.name, b.name]).toEqual(['pop-b', 'pop-a']);
    expect(a.regimes.map((r) => r.visits)).toEqual([4, 4, 0, 4]);
    expect(b.regimes.map((r) => r.visits)).toEqual([8, 8, 0, 8]);
    expect(formatReport(report)).toMatch(/renewing\s+12\s+1\.000 \[1\.000, 1\.000\]/);
  });

  it('gives intervals that contain the point estimate and widen with mixed outcomes', async () => {
    // Half the renewing patients renew, half stop their drug.
    const test = Array.from({ length: 40 }, (_, p) =>
      example(`v${p}`, [p % 2 ? 'lisinopril' : 'metformin'], { history: historyOf([['lisinopril'], ['lisinopril']]), features: { previousDrugs: ['lisinopril'] } }),
    );
    const { report } = await evaluate([new CarryForwardRecommender()], { train: [], validation: [], test }, { dataset: 's', split: 'internal' }, { bootstrap: { resamples: 300, seed: 1 } });
    const renewing = report.regimes.find((r) => r.regime === 'renewing')!.results[0];
    expect(renewing.jaccard).toBeCloseTo(0.5, 10);
    expect(renewing.jaccard_ci[0]).toBeLessThan(0.5);
    expect(renewing.jaccard_ci[1]).toBeGreaterThan(0.5);
    expect(renewing.jaccard_ci[1] - renewing.jaccard_ci[0]).toBeLessThan(0.5);
  });
});
