/**
 * Runs recommenders on a test set and reports the LAMO paper's metrics per method, pooled and per
 * population. Each method's per-visit predictions are kept (`Evaluation.runs`), so that any further report
 * reads what was predicted instead of predicting again.
 */
import type { EncounterExample } from '../dataset/examples';
import type { BootstrapOptions } from '../report/bootstrap';
import type { Recommender } from './recommender';
import { regimeBreakdown, type RegimeReport } from './regimes';
import { methodResult, type InteractionCheck, type MethodResult, type MethodRun, type VisitPrediction } from './results';

export { methodResult, type InteractionCheck, type MethodResult, type MethodRun, type VisitPrediction };

export interface PopulationReport {
  name: string;
  visits: number;
  results: MethodResult[];
  /** The same figures by regime, with intervals (src/eval/regimes.ts). */
  regimes: RegimeReport[];
}

/** What `eval --json` prints: the pooled figures, unchanged in shape, the per-population breakdown and the
 * breakdown by regime (pooled here, per population in each population's entry). */
export interface EvaluationReport {
  dataset: string;
  split: string;
  visits: number;
  results: MethodResult[];
  populations: PopulationReport[];
  regimes: RegimeReport[];
}

export interface Evaluation {
  report: EvaluationReport;
  runs: MethodRun[];
}

export interface EvaluateOptions {
  interacts?: InteractionCheck;
  /** Resamples and seed of the regime breakdown's intervals (default 1000, seed 1). */
  bootstrap?: BootstrapOptions;
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
  const breakdown = { interacts: options.interacts, bootstrap: options.bootstrap };
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
      const regimes = regimeBreakdown(runs, { ...breakdown, keep: (visit) => visit.example.population === name });
      return { name, visits, results, regimes };
    }),
    regimes: regimeBreakdown(runs, breakdown),
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

/** Jaccard with its interval per method, one line per regime. */
function regimeTable(regimes: readonly RegimeReport[]): string[] {
  const methods = regimes.find((r) => r.results.length)?.results.map((r) => r.method) ?? [];
  const cell = (regime: RegimeReport, method: string) => {
    const r = regime.results.find((result) => result.method === method);
    return r ? `${r.jaccard.toFixed(3)} [${r.jaccard_ci[0].toFixed(3)}, ${r.jaccard_ci[1].toFixed(3)}]` : '—';
  };
  const header = ['regime (Jaccard, 95% CI)', 'visits', ...methods];
  const rows = regimes.map((regime) => [regime.regime, String(regime.visits), ...methods.map((method) => cell(regime, method))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

/** The human-readable tables the CLI prints without --json: pooled, then one per population when several,
 * each followed by its breakdown by regime. */
export function formatReport(report: EvaluationReport): string {
  const lines = [`dataset: ${report.dataset}   split: ${report.split}   test visits: ${report.visits}`, ...table(report.results), '', ...regimeTable(report.regimes)];
  if (report.populations.length > 1) {
    for (const population of report.populations) {
      lines.push('', `population: ${population.name}   test visits: ${population.visits}`, ...table(population.results), '', ...regimeTable(population.regimes));
    }
  }
  return lines.join('\n');
}
