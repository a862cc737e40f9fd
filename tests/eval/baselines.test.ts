import type { EncounterExample, EncounterFeatures } from '../../src/dataset/examples';
import { CarryForwardRecommender } from '../../src/eval/baselines/carry-forward';
import { FrequencyRecommender } from '../../src/eval/baselines/frequency';
import { LogisticRecommender } from '../../src/eval/baselines/logistic';
import { evaluate, formatReport } from '../../src/eval/evaluate';

function example(id: string, labels: string[], features: Partial<EncounterFeatures>, population = 'pop-a'): EncounterExample {
  return {
    population,
    patientKey: id,
    encounterKey: id,
    patientId: id,
    encounterId: id,
    date: '2020-01-01',
    prompt: { prefix: '', suffixTemplate: '{drug}.', template: 'withoutHistory', evidence: { diagnoses: [], pastHistory: [], procedures: [], medicationsOnAdmission: [], allergies: [], noteSections: [], previousDrugs: [] } },
    labels,
    candidates: ['amoxicillin', 'lisinopril', 'metformin'],
    uncoveredOrders: 0,
    features: { encounterTypes: [], reasons: [], conditions: [], procedures: [], previousDrugs: [], ...features },
    history: { visits: [], regime: 'first-visit', drugs: new Map() },
  };
}

// Sinusitis visits get amoxicillin, diabetes visits metformin (+ previous drugs carried on).
// Visits alternate between two populations, pop-a and pop-b (every fourth visit pair).
function synthetic(n: number, offset = 0): EncounterExample[] {
  return Array.from({ length: n }, (_, i) => {
    const population = i % 4 < 2 ? 'pop-a' : 'pop-b';
    return i % 2 === 0
      ? example(`s${i + offset}`, ['amoxicillin'], { reasons: ['sinusitis'] }, population)
      : example(`d${i + offset}`, ['metformin', 'lisinopril'], { reasons: ['diabetes'], previousDrugs: ['lisinopril'] }, population);
  });
}

describe('baselines', () => {
  const train = synthetic(200);
  const validation = synthetic(40, 1000);
  const test = synthetic(40, 2000);

  it('frequency prescribes the k most frequent drugs, k = mean label count', () => {
    const method = new FrequencyRecommender();
    method.fit(train);
    // labels per visit: 1 and 2 alternate → mean 1.5 → k = 2
    expect(method.recommend(test[0]).predicted.size).toBe(2);
    // Only the visit's candidates: a drug outside them is never predicted.
    expect([...method.recommend({ ...test[0], candidates: ['amoxicillin', 'ibuprofen'] }).predicted]).toEqual(['amoxicillin']);
  });

  it('carry-forward repeats the previous drugs', () => {
    expect([...new CarryForwardRecommender().recommend(test[1]).predicted]).toEqual(['lisinopril']);
  });

  it('logistic learns the reason → drug mapping and beats frequency and carry-forward', async () => {
    const { report } = await evaluate(
      [new FrequencyRecommender(), new CarryForwardRecommender(), new LogisticRecommender()],
      { train, validation, test },
      { dataset: 'synthetic', split: 'internal' },
      { interacts: (a, b) => [a, b].sort().join('+') === 'lisinopril+metformin' },
    );
    const byMethod = Object.fromEntries(report.results.map((r) => [r.method, r]));
    expect(byMethod.logistic.jaccard).toBeCloseTo(1, 5);
    expect(byMethod.frequency.jaccard).toBeLessThan(0.8);
    expect(byMethod['carry-forward'].jaccard).toBeLessThan(0.6);
    expect(byMethod.logistic.avg_predicted).toBeCloseTo(byMethod.logistic.avg_truth, 5);
    // Half the visits predict {metformin, lisinopril}: one pair each, all interacting; the other half none.
    expect(byMethod.logistic.ddi_rate).toBeCloseTo(1, 5);
    expect(report.visits).toBe(40);
    expect(formatReport(report)).toMatch(/logistic\s+1\.0000/);
  });

  it('breaks the report down by population from the same predictions, and keeps every visit\'s prediction', async () => {
    // Carry-forward is right on diabetes visits only (its previous drug is one of the two): per population
    // the figures must differ when the mix differs, and agree with the pooled figures when weighted.
    const mixed = [...synthetic(8), example('x', ['amoxicillin'], { reasons: ['sinusitis'] }, 'pop-b')];
    const { report, runs } = await evaluate(
      [new CarryForwardRecommender()],
      { train, validation, test: mixed },
      { dataset: 'synthetic', split: 'internal', populations: ['pop-b', 'pop-a', 'pop-c'] },
    );
    expect(Object.keys(report)).toEqual(['dataset', 'split', 'visits', 'results', 'populations', 'regimes']);
    expect(report.populations.map((p) => [p.name, p.visits])).toEqual([['pop-b', 5], ['pop-a', 4], ['pop-c', 0]]);
    const [b, a] = report.populations.map((p) => p.results[0]);
    // pop-a: 2 sinusitis (Jaccard 0) + 2 diabetes (1/2); pop-b the same plus one more sinusitis visit.
    expect(a.jaccard).toBeCloseTo(0.25, 10);
    expect(b.jaccard).toBeCloseTo(0.2, 10);
    expect(report.results[0].jaccard).toBeCloseTo((4 * a.jaccard + 5 * b.jaccard) / 9, 10);
    const visits = runs[0].visits;
    expect(runs.map((run) => run.method)).toEqual(['carry-forward']);
    expect(visits.map((visit) => visit.example)).toEqual(mixed);
    expect([...visits[1].predicted]).toEqual(['lisinopril']);
    expect(visits[1].example.labels).toEqual(['metformin', 'lisinopril']);
    expect(formatReport(report)).toMatch(/population: pop-b   test visits: 5/);
  });
});
