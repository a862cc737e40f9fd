import { BASELINE_METHODS, baselineRecommenders, bestBaseline, isBaseline } from '../../src/eval/baselines';
import { HistoryRecommender, historyFeatures, HISTORY_FEATURES } from '../../src/eval/baselines/history';
import { LogisticRecommender } from '../../src/eval/baselines/logistic';
import { LogisticPromptRecommender, promptTokens } from '../../src/eval/baselines/logistic-prompt';
import { evaluate } from '../../src/eval/evaluate';
import { fitWeightedLogistic, predictBinary, sigmoid } from '../../src/eval/logistic/newton';
import { example, historyOf } from './support';

describe('logistic-prompt', () => {
  it('reads every section of the prompt, each item a token of its section', () => {
    const e = example('e', ['x'], {
      features: { encounterClass: 'AMB', encounterTypes: ['185349003'], reasons: ['ignored'], conditions: ['ignored'] },
      evidence: { pastHistory: ['diabetes'], diagnoses: ['sinusitis'], procedures: ['x-ray'], medicationsOnAdmission: ['metformin'], allergies: ['penicillin'], previousDrugs: ['lisinopril'] },
    });
    expect(promptTokens(e)).toEqual([
      'class:AMB', 'type:185349003', 'history:diabetes', 'diagnosis:sinusitis', 'procedure:x-ray', 'admission:metformin', 'allergy:penicillin', 'previous:lisinopril',
    ]);
  });

  it('learns from sections the structured codes do not carry (past history, allergies), where logistic cannot', async () => {
    // Sinusitis → amoxicillin, or azithromycin with a penicillin allergy; a diabetic past history adds metformin.
    const make = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => {
        const allergic = i % 2 === 1;
        const diabetic = i % 3 === 0;
        const labels = [allergic ? 'azithromycin' : 'amoxicillin', ...(diabetic ? ['metformin'] : [])];
        return example(`v${i + offset}`, labels, { evidence: { diagnoses: ['sinusitis'], allergies: allergic ? ['penicillin'] : [], pastHistory: diabetic ? ['diabetes'] : [] } });
      });
    const { report } = await evaluate([new LogisticRecommender(), new LogisticPromptRecommender()], { train: make(240, 0), validation: make(60, 1000), test: make(60, 2000) }, { dataset: 's', split: 'internal' });
    const byMethod = Object.fromEntries(report.results.map((r) => [r.method, r]));
    expect(byMethod['logistic-prompt'].jaccard).toBeCloseTo(1, 5);
    expect(byMethod.logistic.jaccard).toBeLessThan(0.6);
  });
});

describe('history', () => {
  // New starts are spread over 30 drugs, as in real data: one new drug is never worth predicting blindly.
  const newDrugs = Array.from({ length: 30 }, (_, i) => `n${i}`);
  const candidates = ['a', 'b', 'c', 'd', 'x', 'y', 'w', 'z', ...newDrugs];
  // Renewing patients renew their drug; patients who never renew get a new drug instead.
  const renewing = (id: string, drug: string) => example(id, [drug], { history: historyOf([[drug], [drug], [drug]]) });
  const switching = (id: string, drugs: string[], k = 0) => example(id, [newDrugs[k % 30]], { history: historyOf(drugs.map((d) => [d])) });
  const train = Array.from({ length: 60 }, (_, i) => (i % 2 ? renewing(`r${i}`, 'a') : switching(`s${i}`, ['b', 'c', 'd'], i)));
  const validation = Array.from({ length: 20 }, (_, i) => (i % 2 ? renewing(`rv${i}`, 'a') : switching(`sv${i}`, ['b', 'c', 'd'], i)));

  it('describes a candidate by its history only, never by its name', () => {
    const h = historyOf([['a'], ['a', 'b'], ['a']]);
    const current = new Set(['a']);
    const a = historyFeatures(h, 'a', current);
    expect(a).toHaveLength(HISTORY_FEATURES.length);
    expect(a.slice(0, 5)).toEqual([1, 1, 1, Math.log1p(3), 1]);
    expect(historyFeatures(h, 'never', current).slice(0, 7)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(historyFeatures(historyOf([['q'], ['q', 'b'], ['q']]), 'q', new Set(['q']))).toEqual(a);
  });

  it('renews what a renewing record renews, also a drug it never saw, and predicts no new start', () => {
    const method = new HistoryRecommender(() => candidates);
    method.fit(train, validation);
    expect([...method.recommend(renewing('t1', 'z')).predicted]).toEqual(['z']);
    expect([...method.recommend(switching('t2', ['x', 'y', 'w'])).predicted]).toEqual([]);
    const scores = method.recommend(renewing('t3', 'z')).scores;
    expect(scores.get('z')).toBeGreaterThan(0.9);
    // Every never-ordered candidate gets one and the same score.
    expect(new Set(candidates.filter((c) => c !== 'z').map((c) => scores.get(c))).size).toBe(1);
  });
});

describe('the five baselines and the best of them', () => {
  it('are constructed in BASELINE_METHODS order', () => {
    expect(baselineRecommenders(() => []).map((m) => m.method)).toEqual([...BASELINE_METHODS]);
    expect(BASELINE_METHODS).toEqual(['frequency', 'carry-forward', 'logistic', 'logistic-prompt', 'history']);
  });

  it('picks the best baseline by Jaccard among all five, never a model', () => {
    const rows = [
      { method: 'frequency', jaccard: 0.2 },
      { method: 'carry-forward', jaccard: 0.7 },
      { method: 'logistic', jaccard: 0.6 },
      { method: 'logistic-prompt', jaccard: 0.65 },
      { method: 'history', jaccard: 0.72 },
      { method: 'lamo', jaccard: 0.9 },
    ];
    expect(bestBaseline(rows, (r) => r.jaccard)?.method).toBe('history');
    expect(bestBaseline(rows.slice(0, 4), (r) => r.jaccard)?.method).toBe('carry-forward');
    expect(bestBaseline([{ method: 'lamo', jaccard: 1 }], (r) => r.jaccard)).toBeUndefined();
    expect(isBaseline('lamo (trained on 3/10 test encounters)')).toBe(false);
  });
});

describe('fitWeightedLogistic', () => {
  it('recovers the coefficients that generated the data', () => {
    const rows = [];
    for (let i = 0; i <= 10; i++) for (let j = 0; j <= 4; j++) {
      const x = [i / 10, j];
      rows.push({ x, y: sigmoid(-1 + 2 * x[0] - 0.5 * x[1]), weight: 1000 });
    }
    const model = fitWeightedLogistic(rows, 2, { l2: 1e-6, maxIterations: 50, tolerance: 1e-10 });
    expect(model.intercept).toBeCloseTo(-1, 4);
    expect(model.weights[0]).toBeCloseTo(2, 4);
    expect(model.weights[1]).toBeCloseTo(-0.5, 4);
    expect(predictBinary(model, [0.5, 2])).toBeCloseTo(sigmoid(-1), 4);
  });

  it('treats a row of weight n as n identical samples', () => {
    const merged = [{ x: [1], y: 0.25, weight: 4 }, { x: [0], y: 0.5, weight: 2 }];
    const expanded = [
      { x: [1], y: 1, weight: 1 }, { x: [1], y: 0, weight: 1 }, { x: [1], y: 0, weight: 1 }, { x: [1], y: 0, weight: 1 },
      { x: [0], y: 1, weight: 1 }, { x: [0], y: 0, weight: 1 },
    ];
    const a = fitWeightedLogistic(merged, 1);
    const b = fitWeightedLogistic(expanded, 1);
    expect(a.intercept).toBeCloseTo(b.intercept, 8);
    expect(a.weights[0]).toBeCloseTo(b.weights[0], 8);
  });
});
