/** Locations of the project's shipped data, the same whether code runs from src/ (tests) or dist/src/. */
import { existsSync } from 'fs';
import * as path from 'path';

function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
export const DEFAULT_MODEL_DIR = path.join(PROJECT_ROOT, 'model');
export const FHIR_MAPPINGS_DIR = path.join(PROJECT_ROOT, 'fhir-mappings');
/** The read-only shared data beside the checkout (tests, benchmarks). */
export const SHARED_DIR = path.resolve(PROJECT_ROOT, '..', 'shared');
