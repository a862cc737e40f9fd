/** Shared set-up of the inference tests: which model directory they run, and real prompts to score. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The one place that says which model the inference and service tests use: the shipped model. */
export const TEST_MODEL_DIR = path.resolve(__dirname, '../../model');

export { realPrompts } from '../support/shared-samples';

/** A scratch copy of the test model directory that a test may corrupt. */
export function copyModelDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-model-test-'));
  for (const file of fs.readdirSync(TEST_MODEL_DIR)) {
    const from = path.join(TEST_MODEL_DIR, file);
    if (fs.statSync(from).isFile()) fs.copyFileSync(from, path.join(dir, file));
  }
  return dir;
}

export function readJsonFile<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function writeJsonFile(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

export function maxAbsDiff(a: Map<string, number>, b: Map<string, number>): number {
  let max = 0;
  for (const [name, p] of a) {
    const q = b.get(name);
    if (q === undefined) throw new Error(`"${name}" missing from the second result`);
    max = Math.max(max, Math.abs(p - q));
  }
  return max;
}

/** A scratch copy of the test model declaring the history prompt format (`"prompt": { "history": true }`), as
 * models trained after issue 17 do: same weights, so only what the format switches on differs. */
export function historyFormatModelDir(): string {
  const dir = copyModelDir();
  const file = path.join(dir, 'lamo.json');
  writeJsonFile(file, { ...readJsonFile<Record<string, unknown>>(file), prompt: { history: true } });
  return dir;
}
