/** `eval --report <dir>`: from what one eval run computed to <dir>/report.json and <dir>/index.html. */
import { mkdirSync, writeFileSync } from 'fs';
import * as path from 'path';
import type { PreparedData } from '../dataset/prepare';
import type { EncounterExample } from '../dataset/examples';
import { LogisticRecommender } from '../eval/baselines/logistic';
import { MANIFEST_FILE } from '../inference/manifest';
import type { Scorer } from '../inference/types';
import { readJsonFile } from '../json-file';
import { PROJECT_ROOT } from '../paths';
import { buildReport, reportJson } from './build';
import { renderHtml } from './html';
import { datasetProvenance, leakageCheck, modelProvenance, readManifestTraining } from './provenance';
import type { RecordingRecommender } from './recording';
import type { DatasetProvenance, MethodOutcomes, ValidationReport } from './types';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 1;

export interface EvalReportOptions {
  dir: string;
  recorders: RecordingRecommender[];
  test: EncounterExample[];
  split: string;
  /** Data sets as given on the command line, with what was prepared from each. */
  data: { role: DatasetProvenance['role']; path: string; prepared: PreparedData }[];
  /** Which population (data set name) a test example came from. */
  populationOf: (example: EncounterExample) => string;
  /** Parts of a test example under each split of its own population (leakage check). */
  partsOf: (example: EncounterExample) => Record<string, string> | undefined;
  scorer?: Scorer;
  modelDir?: string;
  resamples: number;
  seed: number;
  commandLine: string;
}

function decisionOf(recorder: RecordingRecommender, scorer: Scorer | undefined): Omit<MethodOutcomes, 'method' | 'visits'> {
  if (recorder.method === 'lamo' && scorer) {
    // The service's own decision rule (src/inference/thresholds.ts): each candidate's recommend threshold.
    const { table } = scorer.thresholds;
    const perCandidate = Object.values(table.candidates).some((t) => t.recommend !== table.recommend);
    return { probabilistic: true, threshold: (candidate) => scorer.thresholds.recommend(candidate), perCandidateThresholds: perCandidate };
  }
  if (recorder.inner instanceof LogisticRecommender) {
    const logistic = recorder.inner;
    return { probabilistic: true, threshold: () => logistic.threshold, perCandidateThresholds: false };
  }
  return { probabilistic: false };
}

export async function writeEvalReport(options: EvalReportOptions): Promise<ValidationReport> {
  const methods = options.recorders.map((r) => r.outcomes(options.test, options.populationOf, decisionOf(r, options.scorer)));
  const manifest = options.modelDir && options.scorer ? (readJsonFile(path.join(options.modelDir, MANIFEST_FILE), 'model manifest') as Record<string, unknown>) : undefined;
  const training = manifest ? readManifestTraining(manifest) : undefined;
  const report = buildReport({
    methods,
    bootstrap: { resamples: options.resamples, seed: options.seed },
    provenance: {
      title: `LAMO validation report: ${options.split} split, ${options.test.length} test visits`,
      date: new Date().toISOString(),
      commandLine: options.commandLine,
      split: options.split,
      seed: options.seed,
      bootstrapResamples: options.resamples,
      datasets: options.data.map((d) => datasetProvenance(d.role, d.path, d.prepared.load.patients ?? 0, d.prepared.examples.length)),
      model: manifest ? modelProvenance(manifest) : undefined,
      leakage: leakageCheck(
        training,
        options.test.map((e) => ({ encounterKey: e.encounterKey, population: options.populationOf(e), parts: options.partsOf(e) })),
      ),
      tool: { name: 'lamo-cds eval --report', version: readPackageVersion(), charts: 'Vega-Lite specs compiled to Vega and rendered to SVG in Node (npm vega, vega-lite)' },
    },
  });
  mkdirSync(options.dir, { recursive: true });
  writeFileSync(path.join(options.dir, 'report.json'), reportJson(report));
  writeFileSync(path.join(options.dir, 'index.html'), await renderHtml(report));
  return report;
}

function readPackageVersion(): string {
  const pkg = readJsonFile(path.join(PROJECT_ROOT, 'package.json'), 'package.json') as { version?: string };
  return pkg.version ?? '';
}
