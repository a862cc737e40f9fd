/**
 * Runs recommenders on a test set and reports the LAMO paper's metrics per method, pooled and per
 * population. Each method's per-visit predictions are kept (`Evaluation.runs`), so that any further report
 * reads what was predicted instead of predicting again.
 */
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

export interface PopulationReport {
  name: string;
  visits: number;
  results: MethodResult[];
}

/** What `eval --json` prints: the pooled figures, unchanged in shape, and the per-population breakdown. */
export interface EvaluationReport {
  dataset: string;
  split: string;
  visits: number;
  results: MethodResult[];
  populations: PopulationReport[];
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

export interface Evaluation {
  report: EvaluationReport;
  runs: MethodRun[];
}

/** Whether two candidate drugs interact (from the project's interaction table). */
export type InteractionCheck = (a: string, b: string) => boolean;

export interface EvaluateOptions {
  interacts?: InteractionCheck;
  onProgress?: (method: string, done: number, total: number) => void;
}

export interface EvaluationData {
  train: EncounterExample[];
  validation: EncounterExample[];
  test: EncounterExample[];
}

export interface EvaluationLabels {
  dataset: string;
  split: string;
  /** Populations to break the report down by, in this order (default: as they appear in the test set). */
  populations?: readonly string[];
}

/** Fits each recommender on train (tuning on validation), predicts every test visit once, then reports. */
export async function evaluate(
  recommenders: Recommender[],
  data: EvaluationData,
  labels: EvaluationLabels,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const runs: MethodRun[] = [];
  for (const recommender of recommenders) {
    await recommender.fit(data.train, data.validation);
    runs.push(await predictAll(recommender, data.test, options));
  }
  const populations = labels.populations ?? [...new Set(data.test.map((example) => example.population))];
  const report: EvaluationReport = {
    dataset: labels.dataset,
    split: labels.split,
    visits: data.test.length,
    results: runs.map((run) => methodResult(run.method, run.visits, options.interacts)),
    populations: populations.map((name) => {
      const visits = data.test.filter((example) => example.population === name).length;
      const results = runs.map((run) =>
        methodResult(run.method, run.visits.filter((visit) => visit.example.population === name), options.interacts),
      );
      return { name, visits, results };
    }),
  };
  return { report, runs };
}

export async function predictAll(recommender: Recommender, test: EncounterExample[], options: EvaluateOptions = {}): Promise<MethodRun> {
  const visits: VisitPrediction[] = [];
  for (const [index, example] of test.entries()) {
    const { scores, predicted } = await recommender.recommend(example);
    visits.push({ example, scores, predicted });
    options.onProgress?.(recommender.method, index + 1, test.length);
  }
  return { method: recommender.method, visits };
}

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

function fixed(value: number | null, digits = 4): string {
  return value === null ? 'n/a' : value.toFixed(digits);
}

function table(results: readonly MethodResult[]): string[] {
  const header = ['method', 'jaccard', 'f1', 'precision', 'recall', 'prauc', 'ddi_rate', 'avg_pred', 'avg_true'];
  const rows = results.map((r) => [
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
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The human-readable tables the CLI prints without --json: pooled, then one per population when several. */
export function formatReport(report: EvaluationReport): string {
  const lines = [`dataset: ${report.dataset}   split: ${report.split}   test visits: ${report.visits}`, ...table(report.results)];
  if (report.populations.length > 1) {
    for (const population of report.populations) {
      lines.push('', `population: ${population.name}   test visits: ${population.visits}`, ...table(population.results));
    }
  }
  return lines.join('\n');
}
