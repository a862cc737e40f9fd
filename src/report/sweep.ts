/** What happens to Jaccard, F1 and the number of drugs recommended when the decision threshold moves. */
import { setMetrics } from '../eval/metrics';
import type { MethodOutcomes, SweepPoint, ThresholdSweep } from './types';

function grid(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; from + i * step <= to + 1e-9; i++) out.push(Math.round((from + i * step) * 1000) / 1000);
  return out;
}

/** One global threshold swept over (0, 1); or, with per-candidate thresholds, one shift added to each. */
export function thresholdSweep(method: MethodOutcomes): ThresholdSweep | undefined {
  const threshold = method.threshold;
  if (!method.probabilistic || !threshold) return undefined;
  const axis = method.perCandidateThresholds ? 'shift' : 'threshold';
  // One threshold for all: any candidate's is the threshold in use.
  const anyCandidate = method.visits[0]?.scores.keys().next().value ?? '';
  const chosen = axis === 'shift' ? 0 : threshold(anyCandidate);
  const xs = axis === 'shift' ? grid(-0.5, 0.5, 0.025) : grid(0.025, 0.975, 0.025);
  if (axis === 'threshold' && !xs.includes(chosen)) xs.push(chosen);
  xs.sort((a, b) => a - b);
  const points: SweepPoint[] = xs.map((x) => {
    let jaccard = 0;
    let f1 = 0;
    let predicted = 0;
    let truthCount = 0;
    for (const visit of method.visits) {
      const chosenSet = new Set<string>();
      for (const [drug, p] of visit.scores) if (p >= (axis === 'shift' ? threshold(drug) + x : x)) chosenSet.add(drug);
      const truth = new Set(visit.truth);
      const m = setMetrics(chosenSet, truth);
      jaccard += m.jaccard;
      f1 += m.f1;
      predicted += chosenSet.size;
      truthCount += truth.size;
    }
    const n = Math.max(1, method.visits.length);
    return { threshold: x, jaccard: jaccard / n, f1: f1 / n, predTrueRatio: truthCount ? predicted / truthCount : 0 };
  });
  return { method: method.method, axis, chosen, points, reading: sweepReading(method.method, axis, chosen, points) };
}

function sweepReading(method: string, axis: ThresholdSweep['axis'], chosen: number, points: SweepPoint[]): string {
  const best = points.reduce((a, b) => (b.jaccard > a.jaccard ? b : a), points[0]);
  const at = points.find((p) => Math.abs(p.threshold - chosen) < 1e-9) ?? best;
  const where = axis === 'shift' ? 'its per-candidate thresholds' : `threshold ${chosen.toFixed(3)}`;
  const bestAt = axis === 'shift' ? `a shift of ${best.threshold >= 0 ? '+' : ''}${best.threshold.toFixed(3)}` : `${best.threshold.toFixed(3)}`;
  return (
    `${method} at ${where}: Jaccard ${at.jaccard.toFixed(3)}, #pred/#true ${at.predTrueRatio.toFixed(2)}; ` +
    `the best Jaccard on this test set, ${best.jaccard.toFixed(3)}, is at ${bestAt} (#pred/#true ${best.predTrueRatio.toFixed(2)}) — ` +
    `read it, do not tune on it.`
  );
}
