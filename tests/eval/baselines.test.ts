import type { EncounterExample, EncounterFeatures } from '../../src/dataset/examples';
import { CarryForwardRecommender } from '../../src/eval/baselines/carry-forward';
import { FrequencyRecommender } from '../../src/eval/baselines/frequency';
import { LogisticRecommender } from '../../src/eval/baselines/logistic';
import { evaluate, formatReport } from '../../src/eval/evaluate';

function example(id: string, labels: string[], features: Partial<EncounterFeatures>): EncounterExample {
  return {
    patientKey: id,
    encounterKey: id,
    patientId: id,
    encounterId: id,
    date: '2020-01-01',
    prompt: { prefix: '', suffixTemplate: '{drug}.', template: 'withoutHistory', evidence: { diagnoses: [], pastHistory: [], procedures: [], medicationsOnAdmission: [], noteSections: [], previousDrugs: [] } },
    labels,
    uncoveredOrders: 0,
    features: { encounterTypes: [], reasons: [], conditions: [], procedures: [], previousDrugs: [], ...features },
  };
}

// Sinusitis visits get amoxicillin, diabetes visits metformin (+ previous drugs carried on).
function synthetic(n: number, offset = 0): EncounterExample[] {
  return Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? example(`s${i + offset}`, ['amoxicillin'], { reasons: ['sinusitis'] })
      : example(`d${i + offset}`, ['metformin', 'lisinopril'], { reasons: ['diabetes'], previousDrugs: ['lisinopril'] }),
  );
}

describe('baselines', () => {
  const train = synthetic(200);
  const validation = synthetic(40, 1000);
  const test = synthetic(40, 2000);

  it('frequency prescribes the k most frequent drugs, k = mean label count', () => {
    const method = new FrequencyRecommender();
    method.fit(train);
    // labels per visit: 1 and 2 alternate → mean 1.5 → k = 2
    expect(method.recommend().predicted.size).toBe(2);
  });

  it('carry-forward repeats the previous drugs', () => {
    expect([...new CarryForwardRecommender().recommend(test[1]).predicted]).toEqual(['lisinopril']);
  });

  it('logistic learns the reason → drug mapping and beats frequency and carry-forward', async () => {
    const report = await evaluate(
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
});
