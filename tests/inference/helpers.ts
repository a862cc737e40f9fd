/** Shared set-up of the inference tests: which model directory they run, and real prompts to score. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildExamples } from '../../src/dataset/examples';
import { loadPatientRecords } from '../../src/fhir/load';
import type { EncounterPrompt } from '../../src/lamo/types';
import { readPromptTemplates } from '../../src/lamo/templates';
import { loadVocabulary } from '../../src/medications/vocabulary';

/** The one place that says which model the inference tests use. The randomly initialised development
 * model stands in until the trained model is shipped in model/; then this becomes
 * path.resolve(__dirname, '../../model'). */
export const TEST_MODEL_DIR = '/tmp/lamo-model-dev';

const BUNDLES_DIR = path.resolve(__dirname, '../../../shared/data/synthea-r4-615');

/** Prompts built by the project's own prompt builder from the first Synthea bundles: the real shape and
 * length of what the service scores. */
export async function realPrompts(count: number, modelDir = TEST_MODEL_DIR): Promise<EncounterPrompt[]> {
  const templates = readPromptTemplates(modelDir);
  const vocab = loadVocabulary();
  const files = fs.readdirSync(BUNDLES_DIR).filter((f) => f.endsWith('.json.gz')).sort();
  const prompts: EncounterPrompt[] = [];
  for (let start = 0; prompts.length < count && start < files.length; start += 3) {
    const batch = files.slice(start, start + 3).map((f) => path.join(BUNDLES_DIR, f));
    const { records } = await loadPatientRecords(batch);
    const { examples } = buildExamples(records, templates, vocab);
    // Spread over encounters (first visits without history, later ones with it).
    const step = Math.max(1, Math.floor(examples.length / count));
    for (let i = 0; i < examples.length && prompts.length < count; i += step) {
      const { prefix, suffixTemplate, template } = examples[i]!.prompt;
      prompts.push({ prefix, suffixTemplate, template });
    }
  }
  if (prompts.length < count) throw new Error(`only ${prompts.length} prompts could be built from ${BUNDLES_DIR}`);
  return prompts;
}

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
