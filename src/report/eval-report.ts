/** `eval --report <dir>`: from what one eval run computed (its per-visit predictions) to <dir>/report.json
 * and <dir>/index.html. Nothing is predicted again here. */
import { mkdirSync, writeFileSync } from 'fs';
import * as path from 'path';
import type { PreparedData } from '../dataset/prepare';
import { HistoryRecommender } from '../eval/baselines/history';
import { LogisticRecommender } from '../eval/baselines/logistic';
import { LamoRecommender } from '../eval/lamo-recommender';
import { trainingOverlap } from '../eval/training-overlap';
import type { MethodRun } from '../eval/evaluate';
import type { Recommender } from '../eval/recommender';
import { visitOutcome } from '../eval/regimes';
import type { EvaluationSets } from '../eval/sets';
import { MANIFEST_FILE } from '../inference/manifest';
import type { Scorer } from '../inference/types';
import { readJsonFile } from '../json-file';
import { PROJECT_ROOT } from '../paths';
import { buildReport, reportJson } from './build';
import { renderHtml } from './html';
import { datasetProvenance, leakageCheck, modelProvenance, readManifestTraining } from './provenance';
import type { DatasetProvenance, MethodOutcomes, Provenance, ValidationReport } from './types';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 1;

export interface EvalReportOptions {
  dir: string;
  resamples: number;
  seed: number;
  commandLine: string;
  runs: MethodRun[];
  /** The evaluated recommenders (their decision rules), in `runs` order. */
  methods: Recommender[];
  sets: EvaluationSets;
  data: PreparedData;
  trainData?: PreparedData;
  scorer?: Scorer;
  modelDir?: string;
}

/** How a method decides, for calibration and the threshold sweep: only methods whose scores are P(yes). */
function decisionOf(method: Recommender | undefined, scorer: Scorer | undefined): Omit<MethodOutcomes, 'method' | 'visits'> {
  if (method instanceof LamoRecommender && scorer) {
    // The service's own decision rule (src/inference/thresholds.ts): each candidate's recommend threshold.
    const { table } = scorer.thresholds;
    const perCandidate = Object.values(table.candidates).some((t) => t.recommend !== table.recommend);
    return { probabilistic: true, threshold: (candidate) => scorer.thresholds.recommend(candidate), perCandidateThresholds: perCandidate };
  }
  // Both logistic baselines and the history baseline: P(yes) against one threshold tuned on validation.
  if (method instanceof LogisticRecommender || method instanceof HistoryRecommender) {
    return { probabilistic: true, threshold: () => method.threshold, perCandidateThresholds: false };
  }
  return { probabilistic: false };
}

export function outcomesOf(run: MethodRun, method: Recommender | undefined, scorer: Scorer | undefined): MethodOutcomes {
  return {
    method: run.method,
    ...decisionOf(method, scorer),
    visits: run.visits.map(visitOutcome),
  };
}

function datasets(role: DatasetProvenance['role'], data: PreparedData | undefined): DatasetProvenance[] {
  return (data?.populations ?? []).map((p) => datasetProvenance(role, p.path, p.load.patients ?? p.records.length, p.examples.length));
}

export async function writeEvalReport(options: EvalReportOptions): Promise<ValidationReport> {
  const methods = options.runs.map((run) => outcomesOf(run, options.methods.find((m) => m.method === run.method), options.scorer));
  const manifest = options.modelDir && options.scorer ? (readJsonFile(path.join(options.modelDir, MANIFEST_FILE), 'model manifest') as Record<string, unknown>) : undefined;
  const { test, design } = options.sets;
  const report = buildReport({
    methods,
    bootstrap: { resamples: options.resamples, seed: options.seed },
    provenance: {
      title: `LAMO validation report: ${design} split, ${test.length} test visits`,
      date: new Date().toISOString(),
      commandLine: options.commandLine,
      split: design,
      seed: options.seed,
      bootstrapResamples: options.resamples,
      datasets: [...datasets('train', options.trainData), ...datasets('test', options.data)],
      model: manifest ? modelProvenance(manifest) : undefined,
      leakage: leakage(options, manifest),
      tool: { name: 'lamo-cds eval --report', version: packageVersion(), charts: 'Vega-Lite specs compiled to Vega and rendered to SVG in Node (npm vega, vega-lite)' },
    },
  });
  mkdirSync(options.dir, { recursive: true });
  writeFileSync(path.join(options.dir, 'report.json'), reportJson(report));
  writeFileSync(path.join(options.dir, 'index.html'), await renderHtml(report));
  process.stderr.write(`report: ${path.join(options.dir, 'index.html')}\n`);
  return report;
}

/** Exact from the encounters the model records as trained or tuned on (src/eval/training-overlap.ts, what
 * eval's guard uses); for a model that records none, from its manifest's training data set and split. */
function leakage(options: EvalReportOptions, manifest: Record<string, unknown> | undefined): Provenance['leakage'] {
  const { test } = options.sets;
  if (manifest && options.modelDir) {
    const overlap = trainingOverlap(options.modelDir, test);
    if (overlap.known) {
      return {
        checked: true,
        overlap: overlap.seen,
        text:
          `${overlap.seen} of ${overlap.total} test encounters are among those the model was trained or tuned on ` +
          `(its ${overlap.split ?? ''} split, listed beside its manifest).` +
          (overlap.seen ? ' LEAKAGE: the lamo row overstates the model.' : ''),
      };
    }
  }
  return leakageCheck(
    manifest ? readManifestTraining(manifest) : undefined,
    test.map((e) => ({ encounterKey: e.encounterKey, population: e.population, parts: options.data.parts.get(e) })),
  );
}

function packageVersion(): string {
  const pkg = readJsonFile(path.join(PROJECT_ROOT, 'package.json'), 'package.json') as { version?: string };
  return pkg.version ?? '';
}
