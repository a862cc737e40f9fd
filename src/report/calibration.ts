/** Reliability of P(yes): every visit × candidate pair the method scored, in ten equal-width bins. */
import { wilson } from './bootstrap';
import type { Calibration, CalibrationBin, MethodOutcomes } from './types';

const BINS = 10;

export function calibration(method: MethodOutcomes): Calibration {
  const count = new Array<number>(BINS).fill(0);
  const positives = new Array<number>(BINS).fill(0);
  const sumP = new Array<number>(BINS).fill(0);
  for (const visit of method.visits) {
    const truth = new Set(visit.truth);
    for (const [drug, p] of visit.scores) {
      const bin = Math.min(BINS - 1, Math.max(0, Math.floor(p * BINS)));
      count[bin] += 1;
      sumP[bin] += p;
      if (truth.has(drug)) positives[bin] += 1;
    }
  }
  const pairs = count.reduce((a, b) => a + b, 0);
  const bins: CalibrationBin[] = count.map((n, i) => ({
    lower: i / BINS,
    upper: (i + 1) / BINS,
    count: n,
    meanPredicted: n ? sumP[i] / n : 0,
    observed: wilson(positives[i], n),
  }));
  const ece = pairs ? bins.reduce((sum, b) => sum + (b.count / pairs) * Math.abs(b.observed.value - b.meanPredicted), 0) : 0;
  return { method: method.method, pairs, bins, ece, reading: calibrationReading(method.method, bins, ece) };
}

function calibrationReading(method: string, bins: CalibrationBin[], ece: number): string {
  const populated = bins.filter((b) => b.count >= 30);
  const over = populated.filter((b) => b.observed.ci[1] < b.meanPredicted).length;
  const under = populated.filter((b) => b.observed.ci[0] > b.meanPredicted).length;
  const verdict =
    over > under ? `too high: ${over} of ${populated.length} bins with ≥ 30 pairs observe fewer orders than predicted (interval below the mean P)`
    : under > over ? `too low: ${under} of ${populated.length} bins with ≥ 30 pairs observe more orders than predicted (interval above the mean P)`
    : `consistent with calibration in ${populated.length - over - under} of ${populated.length} bins with ≥ 30 pairs`;
  return `${method}: expected calibration error ${ece.toFixed(3)}; P(yes) is ${verdict}.`;
}
