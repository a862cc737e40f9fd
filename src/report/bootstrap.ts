/** Bootstrap over patients: visits of one patient are not independent, so patients are what is resampled.
 * Every method is resampled with the same patient draws, which makes differences between methods paired. */
import { bestBaseline } from '../eval/baselines/names';
import { averagePrecision, setMetrics } from '../eval/metrics';
import type { Estimate, MethodOutcomes, MethodSummary, PairedDifference, VisitOutcome } from './types';

export interface BootstrapOptions {
  resamples: number;
  seed: number;
}

/** mulberry32: small, fast, and the same sequence on every platform for a given seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.min(sorted.length - 1, low + 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** The 95% percentile interval of `draws` around `value`. */
export function percentileInterval(value: number, draws: Float64Array): Estimate {
  const sorted = Float64Array.from(draws).sort();
  return { value, ci: [quantile(sorted, 0.025), quantile(sorted, 0.975)] };
}

/** Per-visit quantities whose sums over patients give every reported metric. */
const FIELDS = ['visits', 'jaccard', 'f1', 'prauc', 'precision', 'recall', 'predicted', 'truth'] as const;
type Field = (typeof FIELDS)[number];
const F: Record<Field, number> = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<Field, number>;

export function visitValues(visit: VisitOutcome): number[] {
  const truth = new Set(visit.truth);
  const m = setMetrics(new Set(visit.predicted), truth);
  return [1, m.jaccard, m.f1, averagePrecision(visit.scores, truth), m.precision, m.recall, visit.predicted.length, truth.size];
}

/** Per-visit values of every method (computed once; subgroups reuse them). */
export function methodValues(methods: MethodOutcomes[]): number[][][] {
  return methods.map((method) => method.visits.map(visitValues));
}

/** Sums per patient (rows in `patientIndex` order) of one method over the visits `subset`. */
function patientSums(values: number[][], keys: readonly string[], subset: readonly number[], patientIndex: Map<string, number>): Float64Array[] {
  const sums = Array.from({ length: patientIndex.size }, () => new Float64Array(FIELDS.length));
  for (const i of subset) {
    const row = sums[patientIndex.get(keys[i]) as number];
    values[i].forEach((value, f) => (row[f] += value));
  }
  return sums;
}

function metricsOf(total: Float64Array): { jaccard: number; f1: number; prauc: number; ratio: number } {
  const n = total[F.visits];
  return { jaccard: total[F.jaccard] / n, f1: total[F.f1] / n, prauc: total[F.prauc] / n, ratio: total[F.predicted] / total[F.truth] };
}

function sumRows(rows: Float64Array[]): Float64Array {
  const total = new Float64Array(FIELDS.length);
  for (const row of rows) for (let f = 0; f < FIELDS.length; f++) total[f] += row[f];
  return total;
}

export interface BootstrapResult {
  summaries: MethodSummary[];
  /** method → resampled Jaccard and F1 (same draws for every method). */
  draws: Map<string, { jaccard: Float64Array; f1: Float64Array }>;
  point: Map<string, { jaccard: number; f1: number }>;
}

/** Metrics with intervals for every method over the visits `subset` (indices into each method's visits). */
export function bootstrapMethods(
  methods: MethodOutcomes[],
  values: number[][][],
  subset: readonly number[],
  options: BootstrapOptions,
): BootstrapResult {
  const keys = methods[0].visits.map((visit) => visit.patientKey);
  const patientIndex = new Map<string, number>();
  for (const i of subset) if (!patientIndex.has(keys[i])) patientIndex.set(keys[i], patientIndex.size);
  const patients = patientIndex.size;
  const random = seededRandom(options.seed);
  const draws: number[][] = Array.from({ length: options.resamples }, () => Array.from({ length: patients }, () => Math.floor(random() * patients)));
  const summaries: MethodSummary[] = [];
  const drawMap: BootstrapResult['draws'] = new Map();
  const pointMap: BootstrapResult['point'] = new Map();
  for (const [m, method] of methods.entries()) {
    const sums = patientSums(values[m], keys, subset, patientIndex);
    const total = sumRows(sums);
    const point = metricsOf(total);
    const resampled = { jaccard: new Float64Array(options.resamples), f1: new Float64Array(options.resamples), prauc: new Float64Array(options.resamples), ratio: new Float64Array(options.resamples) };
    draws.forEach((draw, b) => {
      const m = metricsOf(sumRows(draw.map((p) => sums[p])));
      resampled.jaccard[b] = m.jaccard;
      resampled.f1[b] = m.f1;
      resampled.prauc[b] = m.prauc;
      resampled.ratio[b] = m.ratio;
    });
    const n = total[F.visits];
    summaries.push({
      method: method.method,
      visits: n,
      patients,
      jaccard: percentileInterval(point.jaccard, resampled.jaccard),
      f1: percentileInterval(point.f1, resampled.f1),
      prauc: percentileInterval(point.prauc, resampled.prauc),
      predTrueRatio: percentileInterval(point.ratio, resampled.ratio),
      precision: total[F.precision] / n,
      recall: total[F.recall] / n,
      avgPredicted: total[F.predicted] / n,
      avgTrue: total[F.truth] / n,
    });
    drawMap.set(method.method, { jaccard: resampled.jaccard, f1: resampled.f1 });
    pointMap.set(method.method, { jaccard: point.jaccard, f1: point.f1 });
  }
  return { summaries, draws: drawMap, point: pointMap };
}

/** Each method against the best baseline (the best of the five by Jaccard, src/eval/baselines/names.ts):
 * paired differences from the same patient draws. */
export function pairedDifferences(result: BootstrapResult): { bestBaseline: string; differences: PairedDifference[] } {
  const best = bestBaseline(result.summaries, (s) => s.jaccard.value);
  const differences: PairedDifference[] = [];
  if (!best) return { bestBaseline: '', differences };
  const base = result.draws.get(best.method) as { jaccard: Float64Array; f1: Float64Array };
  const basePoint = result.point.get(best.method) as { jaccard: number; f1: number };
  for (const summary of result.summaries) {
    if (summary.method === best.method) continue;
    const own = result.draws.get(summary.method) as { jaccard: Float64Array; f1: Float64Array };
    const point = result.point.get(summary.method) as { jaccard: number; f1: number };
    const jaccard = percentileInterval(point.jaccard - basePoint.jaccard, own.jaccard.map((v, b) => v - base.jaccard[b]));
    const f1 = percentileInterval(point.f1 - basePoint.f1, own.f1.map((v, b) => v - base.f1[b]));
    differences.push({ method: summary.method, baseline: best.method, jaccard, f1, beats: jaccard.ci[0] > 0, worse: jaccard.ci[1] < 0 });
  }
  return { bestBaseline: best.method, differences };
}

/** Wilson score interval of a proportion (calibration bins: visit × candidate pairs, not patients). */
export function wilson(successes: number, n: number): Estimate {
  if (n === 0) return { value: 0, ci: [0, 1] };
  const z = 1.959964;
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { value: p, ci: [Math.max(0, centre - half), Math.min(1, centre + half)] };
}
