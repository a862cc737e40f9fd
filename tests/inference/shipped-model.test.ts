/**
 * The shipped model on a real shared-data encounter: an easy case — a repeat prescription, where the drug
 * ordered now was also ordered at the previous visit — must rank the ordered drug among the top candidates.
 * Also the `recommend` CLI on the same encounter.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { buildExamples, type EncounterExample } from '../../src/dataset/examples';
import { loadPatientRecords } from '../../src/fhir/load';
import { createScorer } from '../../src/inference/scorer';
import type { Scorer } from '../../src/inference/types';
import { readPromptTemplates } from '../../src/lamo/templates';
import { loadVocabulary } from '../../src/medications/vocabulary';
import { PROJECT_ROOT, SHARED_DIR } from '../../src/paths';
import { TEST_MODEL_DIR } from './helpers';

const BUNDLES = path.join(SHARED_DIR, 'data', 'synthea-r4-615');
/** Ten patients are plenty to find a repeat prescription; the first one found is the case. */
const PATIENTS_SEARCHED = 10;

let scorer: Scorer;
let repeat: EncounterExample;
let dataFile: string;

beforeAll(async () => {
  const files = fs.readdirSync(BUNDLES).filter((f) => f.endsWith('.json.gz')).sort().slice(0, PATIENTS_SEARCHED);
  const { records } = await loadPatientRecords(files.map((f) => path.join(BUNDLES, f)));
  const { examples } = buildExamples(records, readPromptTemplates(TEST_MODEL_DIR), loadVocabulary());
  const found = examples.find((e) => e.labels.length === 1 && e.features.previousDrugs.includes(e.labels[0]!));
  if (!found) throw new Error('no repeat prescription among the first ten patients');
  repeat = found;
  dataFile = path.join(BUNDLES, `${found.patientId}.json.gz`);
  scorer = await createScorer(TEST_MODEL_DIR, { threads: 1 });
});

afterAll(async () => {
  await scorer?.close();
});

describe('the shipped model', () => {
  it('ranks a repeat prescription among its top 3 candidates', async () => {
    const { probabilities } = await scorer.score(repeat.prompt);
    expect(probabilities.size).toBe(scorer.candidates.length);
    const ranked = [...probabilities.entries()].sort((a, b) => b[1] - a[1]).map(([name]) => name);
    expect(ranked.slice(0, 3)).toContain(repeat.labels[0]);
    for (const p of probabilities.values()) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }
  });

  it('`lamo-cds recommend` prints the ranked candidates for that encounter', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js'), 'recommend', '--data', dataFile, '--patient', `Patient/${repeat.patientId}`, '--encounter', repeat.encounterId, '--model', TEST_MODEL_DIR, '--json'],
      { cwd: PROJECT_ROOT },
    );
    const answer = JSON.parse(stdout) as { encounter: string; candidates: { name: string; probability: number; ordered: boolean }[] };
    expect(answer.encounter).toBe(repeat.encounterId);
    expect(answer.candidates.find((c) => c.ordered)?.name).toBe(repeat.labels[0]);
    const probabilities = answer.candidates.map((c) => c.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
  });
});

describe('the shipped manifest', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'model', 'lamo.json'), 'utf8')) as {
    threshold: number;
    unsupportedThreshold?: number;
    candidates: { name: string; threshold?: number; unsupportedThreshold?: number }[];
    training: { split: string; populations: string[]; seenEncountersFile: string; knowledge?: Record<string, unknown> };
  };

  it('carries each candidate its own recommend and unsupported thresholds, as the scorer serves them', () => {
    expect(manifest.unsupportedThreshold).toBeLessThanOrEqual(manifest.threshold);
    for (const c of manifest.candidates) {
      expect(c.threshold).toBeGreaterThan(0);
      expect(c.unsupportedThreshold).toBeLessThanOrEqual(c.threshold!);
      expect(c.unsupportedThreshold).toBeLessThanOrEqual(manifest.unsupportedThreshold!);
    }
    for (const c of manifest.candidates) {
      expect(scorer.thresholds.recommend(c.name)).toBe(c.threshold);
      expect(scorer.thresholds.unsupported(c.name)).toBe(c.unsupportedThreshold);
    }
  });

  it('records its training data, split, knowledge sources and the encounters it saw', () => {
    expect(manifest.training.split).toBe('internal');
    expect(manifest.training.populations.length).toBe(3);
    expect(manifest.training.populations.some((p) => p.includes('bulk'))).toBe(false);
    expect(manifest.training.knowledge).toHaveProperty('wordVectors');
    expect(manifest.training.knowledge).toHaveProperty('pretraining');
    const seen = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'model', manifest.training.seenEncountersFile), 'utf8')) as {
      encounters: string[];
    };
    expect(seen.encounters.length).toBeGreaterThan(5000);
  });
});
