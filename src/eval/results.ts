/** One method's per-visit predictions and the paper's metrics over a set of them (shared by the pooled,
 * per-population and per-regime figures). */
import type { EncounterExample } from '../dataset/examples';
import { averagePrecision, mean, setMetrics } from './metrics';

export interface MethodResult {
  method: string;
  jaccard: number;
  f1: number;
  precision: number;
  recall: number;
  prauc: number;
  /** Share of predicted drug pairs that interact; null without an interaction table. */
  ddi_rate: number | null;
  avg_predicted: number;
  avg_truth: number;
}

/** One method's answer for one test visit. The example carries truth, patient, population, age and sex. */
export interface VisitPrediction {
  example: EncounterExample;
  /** Candidate → score (probability or rank score) for every candidate the method scores. */
  scores: ReadonlyMap<string, number>;
  predicted: ReadonlySet<string>;
}

export interface MethodRun {
  method: string;
  /** In test-set order. */
  visits: VisitPrediction[];
}

/** Whether two candidate drugs interact (from the project's interaction table). */
export type InteractionCheck = (a: string, b: string) => boolean;

/** The paper's metrics over a set of visits (per visit, then averaged). */
export function methodResult(method: string, visits: readonly VisitPrediction[], interacts?: InteractionCheck): MethodResult {
  const rows: ReturnType<typeof setMetrics>[] = [];
  const aps: number[] = [];
  let predictedCount = 0;
  let truthCount = 0;
  let pairs = 0;
  let interacting = 0;
  for (const { example, scores, predicted } of visits) {
    const truth = new Set(example.labels);
    rows.push(setMetrics(predicted, truth));
    aps.push(averagePrecision(scores, truth));
    predictedCount += predicted.size;
    truthCount += truth.size;
    if (interacts) {
      const counted = interactingPairs([...predicted], interacts);
      pairs += counted.pairs;
      interacting += counted.interacting;
    }
  }
  const count = Math.max(1, visits.length);
  return {
    method,
    jaccard: mean(rows.map((r) => r.jaccard)),
    f1: mean(rows.map((r) => r.f1)),
    precision: mean(rows.map((r) => r.precision)),
    recall: mean(rows.map((r) => r.recall)),
    prauc: mean(aps),
    ddi_rate: interacts ? (pairs ? interacting / pairs : 0) : null,
    avg_predicted: predictedCount / count,
    avg_truth: truthCount / count,
  };
}

function interactingPairs(drugs: string[], interacts: InteractionCheck): { pairs: number; interacting: number } {
  let pairs = 0;
  let interacting = 0;
  for (let i = 0; i < drugs.length; i++) {
    for (let j = i + 1; j < drugs.length; j++) {
      pairs += 1;
      if (interacts(drugs[i], drugs[j])) interacting += 1;
    }
  }
  return { pairs, interacting };
}
