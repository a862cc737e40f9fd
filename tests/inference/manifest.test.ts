/** @jest-environment ./tests/inference/onnx-environment.js */
/** A broken model directory must stop start-up with a ModelLoadError that names the broken file. */
import * as fs from 'fs';
import * as path from 'path';
import { loadManifest, ModelLoadError } from '../../src/inference/manifest';
import { OnnxScorer } from '../../src/inference/onnx-scorer';
import { createScorer } from '../../src/inference/worker-pool';
import { PromptTokenizer } from '../../src/inference/tokenizer';
import { copyModelDir, readJsonFile, TEST_MODEL_DIR, writeJsonFile } from './helpers';

type Manifest = Record<string, unknown> & {
  models: { file: string; candidates: '*' | string[] }[];
  candidates: { name: string }[];
  answerTokens: Record<string, number>;
  answerTokenTexts?: Record<string, string>;
  tokenizer: string;
};

let dir: string;
beforeEach(() => {
  dir = copyModelDir();
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const manifestFile = (): string => path.join(dir, 'lamo.json');
const editManifest = (edit: (m: Manifest) => void): void => {
  const manifest = readJsonFile<Manifest>(manifestFile());
  edit(manifest);
  writeJsonFile(manifestFile(), manifest);
};
const modelFile = (): string => path.join(dir, readJsonFile<Manifest>(manifestFile()).models[0]!.file);

/** Runs `load` and returns the ModelLoadError it must throw (or reject with). */
async function loadError(load: () => unknown): Promise<ModelLoadError> {
  try {
    await load();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelLoadError);
    return err as ModelLoadError;
  }
  throw new Error('expected a ModelLoadError, but loading succeeded');
}

/** Manifest, tokenizer and model checks, in the order the service runs them. */
const loadAll = async (): Promise<void> => {
  const scorer = await OnnxScorer.create(dir, { intraOpNumThreads: 1 });
  await scorer.close();
};

test('the test model directory loads', async () => {
  const loaded = loadManifest(TEST_MODEL_DIR);
  expect(loaded.manifest.candidates.length).toBeGreaterThan(10);
  expect([...loaded.routes.values()].flat()).toHaveLength(loaded.manifest.candidates.length);
  const scorer = await OnnxScorer.create(TEST_MODEL_DIR, { intraOpNumThreads: 1 });
  expect(scorer.candidates).toEqual(loaded.manifest.candidates.map((c) => c.name));
  await scorer.close();
});

test('missing lamo.json', async () => {
  fs.rmSync(manifestFile());
  const err = await loadError(() => loadManifest(dir));
  expect(err.file).toBe(manifestFile());
  expect(err.message).toMatch(/missing model manifest/);
});

test('lamo.json that is not JSON', async () => {
  fs.writeFileSync(manifestFile(), '{"id": "lamo", ');
  const err = await loadError(() => loadManifest(dir));
  expect(err.file).toBe(manifestFile());
  expect(err.message).toMatch(/not valid JSON/);
});

test('lamo.json that breaks the schema says which fields', async () => {
  editManifest((m) => {
    m.threshold = 1.5;
    delete m.answerTokens.no;
  });
  const err = await loadError(() => loadManifest(dir));
  expect(err.file).toBe(manifestFile());
  expect(err.message).toMatch(/\/threshold/);
  expect(err.message).toMatch(/answerTokens.*no/);
});

test('per-candidate thresholds are read, and an inconsistent one stops loading naming lamo.json', async () => {
  editManifest((m) => {
    m.threshold = 0.5;
    m.unsupportedThreshold = 0.03;
    Object.assign(m.candidates[0]!, { threshold: 0.25, unsupportedThreshold: 0.01 });
  });
  const loaded = loadManifest(dir);
  const first = loaded.manifest.candidates[0]!.name;
  const second = loaded.manifest.candidates[1]!.name;
  expect(loaded.thresholds.recommend(first)).toBe(0.25);
  expect(loaded.thresholds.unsupported(first)).toBe(0.01);
  expect(loaded.thresholds.recommend(second)).toBe(0.5);
  expect(loaded.thresholds.unsupported(second)).toBe(0.03);
  const pool = await createScorer(dir, { threads: 1 });
  try {
    expect(pool.thresholds.recommend(first)).toBe(0.25);
    expect(pool.thresholds.unsupported(second)).toBe(0.03);
  } finally {
    await pool.close();
  }

  editManifest((m) => {
    Object.assign(m.candidates[1]!, { threshold: 0.1, unsupportedThreshold: 0.2 });
  });
  const err = await loadError(() => loadManifest(dir));
  expect(err.file).toBe(manifestFile());
  expect(err.message).toMatch(/unsupportedThreshold 0.2 is above its threshold 0.1/);
});

test('missing model file', async () => {
  const file = modelFile();
  fs.rmSync(file);
  const err = await loadError(() => loadManifest(dir));
  expect(err.file).toBe(file);
  expect(err.message).toMatch(/missing model file/);
});

test('corrupt model file', async () => {
  const file = modelFile();
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 3))); // a truncated download
  const err = await loadError(loadAll);
  expect(err.file).toBe(file);
  expect(err.message).toMatch(/onnxruntime cannot load this model/);
});

test('a corrupt model file also fails the worker pool at start-up, with the same error class', async () => {
  const file = modelFile();
  fs.writeFileSync(file, 'not an onnx model');
  const err = await loadError(() => createScorer(dir, { threads: 1 }));
  expect(err.file).toBe(file);
});

test('missing tokenizer file', async () => {
  const tokenizer = path.join(dir, readJsonFile<Manifest>(manifestFile()).tokenizer);
  fs.rmSync(tokenizer);
  const err = await loadError(() => loadManifest(dir));
  expect(err.file).toBe(tokenizer);
});

test('corrupt tokenizer file', async () => {
  const tokenizer = path.join(dir, readJsonFile<Manifest>(manifestFile()).tokenizer);
  fs.writeFileSync(tokenizer, '{"model": ');
  const err = await loadError(() => PromptTokenizer.load(loadManifest(dir)));
  expect(err.file).toBe(tokenizer);
});

test('answer token id outside the vocabulary', async () => {
  editManifest((m) => (m.answerTokens.yes = 10_000_000));
  const err = await loadError(() => PromptTokenizer.load(loadManifest(dir)));
  expect(err.file).toBe(manifestFile());
  expect(err.message).toMatch(/answerTokens\.yes = 10000000 is not a token of .*tokenizer\.json/);
});

test('answer tokens swapped: ids that decode to the other answer', async () => {
  editManifest((m) => {
    [m.answerTokens.yes, m.answerTokens.no] = [m.answerTokens.no!, m.answerTokens.yes!];
  });
  const err = await loadError(() => PromptTokenizer.load(loadManifest(dir)));
  expect(err.message).toMatch(/answerTokens\.yes/);
});

test('answer token that decodes to other text (no answerTokenTexts to compare with)', async () => {
  editManifest((m) => {
    delete m.answerTokenTexts;
    m.answerTokens.yes = m.answerTokens.yes! + 10; // some other word of the vocabulary
  });
  const err = await loadError(() => PromptTokenizer.load(loadManifest(dir)));
  expect(err.message).toMatch(/answerTokens\.yes = \d+ decodes to .* not "yes"/);
});

test('tokenizer whose vocabulary size differs from the model logits', async () => {
  const tokenizerFile = path.join(dir, readJsonFile<Manifest>(manifestFile()).tokenizer);
  const tokenizer = readJsonFile<{ model: { vocab: Record<string, number> } }>(tokenizerFile);
  const ids = Object.values(tokenizer.model.vocab);
  tokenizer.model.vocab['zz-extra-token'] = Math.max(...ids) + 1;
  writeJsonFile(tokenizerFile, tokenizer);
  const err = await loadError(loadAll);
  expect(err.file).toBe(modelFile());
  expect(err.message).toMatch(/logits have \d+ entries per token but .*tokenizer\.json has \d+ token ids/);
});

test('candidate routed to a model file that is not there', async () => {
  editManifest((m) => {
    m.models = [
      { file: m.models[0]!.file, candidates: '*' },
      { file: 'group-2.onnx', candidates: [m.candidates[0]!.name] },
    ];
  });
  const err = await loadError(() => loadManifest(dir));
  expect(err.file).toBe(path.join(dir, 'group-2.onnx'));
});

test('model entry listing a name that is not a candidate', async () => {
  editManifest((m) => (m.models = [{ file: m.models[0]!.file, candidates: ['no-such-drug'] }]));
  const err = await loadError(() => loadManifest(dir));
  expect(err.message).toMatch(/lists "no-such-drug", which is not in candidates/);
});

test('candidate that no model file scores', async () => {
  editManifest((m) => (m.models = [{ file: m.models[0]!.file, candidates: [m.candidates[0]!.name] }]));
  const err = await loadError(() => loadManifest(dir));
  expect(err.message).toMatch(/is not routed to any model file/);
});

test('duplicate candidate names', async () => {
  editManifest((m) => m.candidates.push({ ...m.candidates[0]! }));
  const err = await loadError(() => loadManifest(dir));
  expect(err.message).toMatch(/listed twice/);
});
