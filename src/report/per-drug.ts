/** Per-drug precision, recall and support: which drugs the method gets wrong. */
import type { CountDistribution, DrugStats, MethodOutcomes, PerDrug } from './types';

const MOST_FREQUENT = 30;
const WORST = 10;
const WORST_MIN_SUPPORT = 20;

export function perDrug(method: MethodOutcomes): PerDrug {
  const stats = new Map<string, { support: number; predicted: number; tp: number }>();
  const entry = (drug: string) => {
    let s = stats.get(drug);
    if (!s) stats.set(drug, (s = { support: 0, predicted: 0, tp: 0 }));
    return s;
  };
  let labels = 0;
  for (const visit of method.visits) {
    const truth = new Set(visit.truth);
    labels += truth.size;
    for (const drug of truth) entry(drug).support += 1;
    for (const drug of new Set(visit.predicted)) {
      const s = entry(drug);
      s.predicted += 1;
      if (truth.has(drug)) s.tp += 1;
    }
  }
  const drugs: DrugStats[] = [...stats.entries()]
    .map(([drug, s]) => {
      const precision = s.predicted ? s.tp / s.predicted : 0;
      const recall = s.support ? s.tp / s.support : 0;
      const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
      return { drug, support: s.support, predicted: s.predicted, truePositives: s.tp, precision, recall, f1 };
    })
    .sort((a, b) => b.support - a.support || a.drug.localeCompare(b.drug));
  const mostFrequent = drugs.filter((d) => d.support > 0).slice(0, MOST_FREQUENT).map((d) => d.drug);
  const worstStats = drugs
    .filter((d) => d.support >= WORST_MIN_SUPPORT)
    .sort((a, b) => a.f1 - b.f1 || b.support - a.support || a.drug.localeCompare(b.drug))
    .slice(0, WORST);
  const worst = worstStats.map((d) => d.drug);
  const byName = new Map(drugs.map((d) => [d.drug, d]));
  const frequent = mostFrequent.map((d) => byName.get(d) as DrugStats);
  const weakFrequent = frequent.filter((d) => d.recall < 0.5).length;
  const readingFrequent = frequent.length
    ? `${method.method}: of the ${frequent.length} most frequent drugs, ${weakFrequent} are found in fewer than half of the visits that ordered them; ` +
      `the most frequent, ${frequent[0].drug} (${frequent[0].support} visits), has precision ${frequent[0].precision.toFixed(2)} and recall ${frequent[0].recall.toFixed(2)}.`
    : `${method.method}: no drug was ordered in the test visits.`;
  const readingWorst = worstStats.length
    ? `${method.method}: the weakest drug with ≥ ${WORST_MIN_SUPPORT} visits is ${worstStats[0].drug} (F1 ${worstStats[0].f1.toFixed(2)}, ` +
      `precision ${worstStats[0].precision.toFixed(2)}, recall ${worstStats[0].recall.toFixed(2)}, ${worstStats[0].support} visits).`
    : `${method.method}: no drug has ≥ ${WORST_MIN_SUPPORT} visits in this test set.`;
  return { method: method.method, labels, drugs, mostFrequent, worst, readingFrequent, readingWorst };
}

const MAX_COUNT = 10;

/** Visits by number of drugs, per method and for the truth (counts above 10 are pooled into 10). */
export function countDistribution(methods: MethodOutcomes[]): CountDistribution {
  const series: CountDistribution['series'] = [];
  const add = (name: string, counts: number[]) => {
    const histogram = new Array<number>(MAX_COUNT + 1).fill(0);
    for (const c of counts) histogram[Math.min(MAX_COUNT, c)] += 1;
    histogram.forEach((visits, count) => series.push({ method: name, count, visits }));
  };
  if (methods.length === 0) return { series, reading: 'no methods evaluated.' };
  const truthCounts = methods[0].visits.map((v) => new Set(v.truth).size);
  add('true', truthCounts);
  const parts: string[] = [];
  const meanTrue = truthCounts.reduce((a, b) => a + b, 0) / Math.max(1, truthCounts.length);
  for (const method of methods) {
    const counts = method.visits.map((v) => new Set(v.predicted).size);
    add(method.method, counts);
    const meanPred = counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length);
    const none = counts.filter((c) => c === 0).length;
    parts.push(`${method.method} ${meanPred.toFixed(2)} (${none} visits with none)`);
  }
  return { series, reading: `Drugs per visit, mean: true ${meanTrue.toFixed(2)}; ${parts.join('; ')}.` };
}
