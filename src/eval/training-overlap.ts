/** Honest evaluation: which test encounters did the model see in training? `npm run model:train` writes,
 * beside the manifest, the hashed keys of every encounter whose labels shaped the weights or tuned the
 * thresholds (train + validation parts of its split: `training.seenEncountersFile`). `eval` refuses a
 * `lamo` row on a test set that overlaps them unless told to report it anyway, marked. */
import * as fs from 'fs';
import * as path from 'path';
import type { EncounterExample } from '../dataset/examples';
import { MANIFEST_FILE, ModelLoadError } from '../inference/manifest';

export interface TrainingOverlap {
  /** False for a model whose manifest records no training encounters (made before they were recorded). */
  known: boolean;
  /** The split the model was trained on, as its manifest says. */
  split?: string;
  /** Test encounters the model was trained or tuned on. */
  seen: number;
  total: number;
}

interface SeenFile {
  split?: string;
  encounters: string[];
}

function seenFile(modelDir: string): { file: string; split?: string } | undefined {
  const manifestPath = path.join(modelDir, MANIFEST_FILE);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { training?: { seenEncountersFile?: unknown; split?: unknown } };
  const name = manifest.training?.seenEncountersFile;
  if (typeof name !== 'string' || !name) return undefined;
  const split = typeof manifest.training?.split === 'string' ? manifest.training.split : undefined;
  return { file: path.join(modelDir, name), split };
}

export function trainingOverlap(modelDir: string, test: readonly EncounterExample[]): TrainingOverlap {
  const where = seenFile(modelDir);
  if (!where) return { known: false, seen: 0, total: test.length };
  let parsed: SeenFile;
  try {
    parsed = JSON.parse(fs.readFileSync(where.file, 'utf8')) as SeenFile;
  } catch (err) {
    throw new ModelLoadError(where.file, `cannot read the model's training encounters (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed.encounters)) throw new ModelLoadError(where.file, 'has no "encounters" list');
  const seen = new Set(parsed.encounters);
  return { known: true, split: where.split, seen: test.filter((e) => seen.has(e.encounterKey)).length, total: test.length };
}
