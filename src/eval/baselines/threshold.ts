/** The one decision threshold a probabilistic baseline uses: the best mean Jaccard on validation. */
import { mean, setMetrics } from '../metrics';

export const THRESHOLD_GRID: readonly number[] = Array.from({ length: 19 }, (_, i) => Math.round(5 * (i + 1)) / 100);

/** A visit scored: candidate probabilities and the true set. */
export interface ScoredVisit {
  scores: ReadonlyMap<string, number>;
  truth: ReadonlySet<string>;
}

export function selectAbove(scores: ReadonlyMap<string, number>, threshold: number): Set<string> {
  const chosen = new Set<string>();
  for (const [drug, p] of scores) if (p >= threshold) chosen.add(drug);
  return chosen;
}

/** The grid threshold with the best mean Jaccard (ties → the higher, more conservative one). */
export function tuneThreshold(visits: readonly ScoredVisit[], grid: readonly number[] = THRESHOLD_GRID): number {
  let best = { threshold: 0.5, jaccard: -1 };
  for (const threshold of grid) {
    const jaccard = mean(visits.map(({ scores, truth }) => setMetrics(selectAbove(scores, threshold), truth).jaccard));
    if (jaccard >= best.jaccard) best = { threshold, jaccard };
  }
  return best.threshold;
}
