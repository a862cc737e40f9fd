/** Set and ranking metrics of medication recommendation, per visit then averaged (as in the LAMO paper). */

export interface VisitMetrics {
  jaccard: number;
  precision: number;
  recall: number;
  f1: number;
  averagePrecision: number;
}

export function setMetrics(predicted: ReadonlySet<string>, truth: ReadonlySet<string>): Omit<VisitMetrics, 'averagePrecision'> {
  let hits = 0;
  for (const drug of predicted) if (truth.has(drug)) hits += 1;
  const union = predicted.size + truth.size - hits;
  const precision = predicted.size ? hits / predicted.size : 0;
  const recall = truth.size ? hits / truth.size : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { jaccard: union ? hits / union : 0, precision, recall, f1 };
}

/** Average precision of a ranking over all candidates against the true set (ties broken by name, stable). */
export function averagePrecision(scores: ReadonlyMap<string, number>, truth: ReadonlySet<string>): number {
  if (truth.size === 0) return 0;
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  let hits = 0;
  let sum = 0;
  ranked.forEach(([drug], index) => {
    if (truth.has(drug)) {
      hits += 1;
      sum += hits / (index + 1);
    }
  });
  // True drugs the method cannot score at all count as retrieved at no rank (precision 0).
  return sum / truth.size;
}

export function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
