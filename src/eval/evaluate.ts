/** Runs recommenders on a test set and reports the LAMO paper's metrics per method. */
import type { EncounterExample } from '../dataset/examples';
import { averagePrecision, mean, setMetrics } from './metrics';
import type { Recommender } from './recommender';

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

export interface EvaluationReport {
  dataset: string;
  split: string;
  visits: number;
  results: MethodResult[];
}

/** Whether two candidate drugs interact (from the project's interaction table). */
export type InteractionCheck = (a: string, b: string) => boolean;

export interface EvaluateOptions {
  interacts?: InteractionCheck;
  onProgress?: (method: string, done: number, total: number) => void;
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

export async function evaluateMethod(
  recommender: Recommender,
  test: EncounterExample[],
  options: EvaluateOptions = {},
): Promise<MethodResult> {
  const rows: ReturnType<typeof setMetrics>[] = [];
  const aps: number[] = [];
  let predictedCount = 0;
  let truthCount = 0;
  let pairs = 0;
  let interacting = 0;
  for (const [index, example] of test.entries()) {
    const { scores, predicted } = await recommender.recommend(example);
    const truth = new Set(example.labels);
    rows.push(setMetrics(predicted, truth));
    aps.push(averagePrecision(scores, truth));
    predictedCount += predicted.size;
    truthCount += truth.size;
    if (options.interacts) {
      const counted = interactingPairs([...predicted], options.interacts);
      pairs += counted.pairs;
      interacting += counted.interacting;
    }
    options.onProgress?.(recommender.method, index + 1, test.length);
  }
  const visits = Math.max(1, test.length);
  return {
    method: recommender.method,
    jaccard: mean(rows.map((r) => r.jaccard)),
    f1: mean(rows.map((r) => r.f1)),
    precision: mean(rows.map((r) => r.precision)),
    recall: mean(rows.map((r) => r.recall)),
    prauc: mean(aps),
    ddi_rate: options.interacts ? (pairs ? interacting / pairs : 0) : null,
    avg_predicted: predictedCount / visits,
    avg_truth: truthCount / visits,
  };
}

export async function evaluate(
  recommenders: Recommender[],
  data: { train: EncounterExample[]; validation: EncounterExample[]; test: EncounterExample[] },
  labels: { dataset: string; split: string },
  options: EvaluateOptions = {},
): Promise<EvaluationReport> {
  const results: MethodResult[] = [];
  for (const recommender of recommenders) {
    await recommender.fit(data.train, data.validation);
    results.push(await evaluateMethod(recommender, data.test, options));
  }
  return { dataset: labels.dataset, split: labels.split, visits: data.test.length, results };
}

function fixed(value: number | null, digits = 4): string {
  return value === null ? 'n/a' : value.toFixed(digits);
}

/** The human-readable table the CLI prints without --json. */
export function formatReport(report: EvaluationReport): string {
  const header = ['method', 'jaccard', 'f1', 'precision', 'recall', 'prauc', 'ddi_rate', 'avg_pred', 'avg_true'];
  const rows = report.results.map((r) => [
    r.method,
    fixed(r.jaccard),
    fixed(r.f1),
    fixed(r.precision),
    fixed(r.recall),
    fixed(r.prauc),
    fixed(r.ddi_rate),
    fixed(r.avg_predicted, 2),
    fixed(r.avg_truth, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [
    `dataset: ${report.dataset}   split: ${report.split}   test visits: ${report.visits}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}
