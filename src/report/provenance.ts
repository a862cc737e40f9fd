/** Where the report's numbers come from: data sets (with a content hash), the model, and whether the model
 * has seen any test encounter. */
import { createHash } from 'crypto';
import { readdirSync, readFileSync, statSync } from 'fs';
import * as path from 'path';
import type { DatasetProvenance, ModelProvenance, Provenance } from './types';

/** Files under `input` (a file or a folder, symlinks followed), sorted by relative path. */
function dataFiles(input: string): string[] {
  if (!statSync(input).isDirectory()) return [input];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(full);
    }
  };
  walk(input);
  return out;
}

/** sha256 over each file's path relative to `input` and its bytes: the same data anywhere gives the same hash. */
export function hashDataset(input: string): { sha256: string; files: number } {
  const files = dataFiles(input);
  const hash = createHash('sha256');
  const root = statSync(input).isDirectory() ? input : path.dirname(input);
  for (const file of files) {
    hash.update(`${path.relative(root, file)}\0`);
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return { sha256: hash.digest('hex'), files: files.length };
}

export function datasetProvenance(role: DatasetProvenance['role'], input: string, patients: number, visits: number): DatasetProvenance {
  const { sha256, files } = hashDataset(input);
  return { role, path: input, patients, visits, files, sha256 };
}

/** What the manifest says about training (`training` block of lamo.json), read defensively. */
export interface ManifestTraining {
  dataset?: string;
  split?: string;
  trainedAt?: string;
  /** Hashed encounter keys the model was trained or tuned on, when the manifest lists them. */
  encounterKeys?: string[];
}

export function readManifestTraining(manifest: Record<string, unknown>): ManifestTraining {
  const training = manifest.training;
  if (!training || typeof training !== 'object') return {};
  const t = training as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const keys = Array.isArray(t.encounterKeys) ? t.encounterKeys.filter((k): k is string => typeof k === 'string') : undefined;
  return { dataset: text(t.dataset), split: text(t.split), trainedAt: text(t.trainedAt), encounterKeys: keys };
}

export function modelProvenance(manifest: Record<string, unknown>): ModelProvenance {
  const training = readManifestTraining(manifest);
  return {
    id: String(manifest.id ?? ''),
    version: String(manifest.version ?? ''),
    trainedOn: training.dataset ?? trainingDatasets(manifest),
    trainingSplit: training.split,
    trainedAt: training.trainedAt,
  };
}

/** Manifests trained on several populations record `training.datasets` (file → sha256), not one `dataset`;
 * named for provenance only — the leakage check needs the model's own list of training encounters then. */
function trainingDatasets(manifest: Record<string, unknown>): string | undefined {
  const training = manifest.training as Record<string, unknown> | undefined;
  const datasets = training?.datasets;
  return datasets && typeof datasets === 'object' ? Object.keys(datasets).join(' + ') : undefined;
}

/** The name a data set goes by in manifests and reports: "synthea-r4-615/" and "r4-615.jsonl" → "r4-615". */
export function datasetStem(name: string): string {
  return path.basename(name.replace(/[\\/]+$/, '')).replace(/\.(jsonl|json|ndjson)(\.gz)?$/, '').replace(/^synthea-/, '');
}

export interface TestEncounter {
  encounterKey: string;
  population: string;
  /** This encounter's part under each split of its own population (recomputed here, deterministic). */
  parts?: Record<string, string>;
}

/**
 * Whether any test encounter was in the model's training data. Exact when the manifest lists its training
 * encounters; otherwise from the manifest's training data set and split: the split is deterministic, so an
 * encounter of that data set is "seen" when its part under that split is not `test`.
 */
export function leakageCheck(training: ManifestTraining | undefined, test: TestEncounter[]): Provenance['leakage'] {
  if (!training) return { checked: false, overlap: null, text: 'no model evaluated: no leakage possible from a model.' };
  if (training.encounterKeys) {
    const seen = new Set(training.encounterKeys);
    const overlap = test.filter((e) => seen.has(e.encounterKey)).length;
    return { checked: true, overlap, text: `${overlap} of ${test.length} test encounters are among the ${seen.size} encounters the manifest lists as training data.` };
  }
  if (!training.dataset || !training.split) {
    return { checked: false, overlap: null, text: 'NOT CHECKED: the model manifest does not record its training data and split.' };
  }
  const stem = datasetStem(training.dataset);
  const same = test.filter((e) => datasetStem(e.population) === stem);
  if (same.length === 0) {
    return { checked: true, overlap: 0, text: `0 of ${test.length} test encounters: the model was trained on ${training.dataset}, and no test population is that data set.` };
  }
  const overlap = same.filter((e) => e.parts?.[training.split as string] !== 'test').length;
  return {
    checked: true,
    overlap,
    text:
      `${overlap} of ${test.length} test encounters were in the model's training or validation data ` +
      `(trained on the ${training.split} split of ${training.dataset}; split recomputed here).` +
      (overlap ? ' LEAKAGE: these numbers overstate the model.' : ''),
  };
}
