/** @jest-environment ./tests/inference/onnx-environment.js */
import * as fs from 'fs';
import * as path from 'path';
import { OnnxScorer, UnknownCandidateError } from '../../src/inference/onnx-scorer';
import type { EncounterPrompt } from '../../src/lamo/types';
import { copyModelDir, historyFormatModelDir, maxAbsDiff, readJsonFile, realPrompts, TEST_MODEL_DIR, writeJsonFile } from './helpers';

let scorer: OnnxScorer;
let prompts: EncounterPrompt[];

beforeAll(async () => {
  scorer = await OnnxScorer.create(TEST_MODEL_DIR, { intraOpNumThreads: 1 });
  prompts = await realPrompts(5);
});
afterAll(() => scorer.close());

test('prefix-shared scoring gives the same P(yes) as scoring each full prompt (≤ 1e-4), on real prompts', async () => {
  for (const prompt of prompts) {
    const naive = await scorer.scoreNaive(prompt);
    const shared = await scorer.scoreShared(prompt);
    expect(shared.size).toBe(scorer.candidates.length);
    expect(maxAbsDiff(naive, shared)).toBeLessThanOrEqual(1e-4);
    for (const p of shared.values()) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
  }
});

test('batch size does not change the result (several batches, a short last one)', async () => {
  const small = await OnnxScorer.create(TEST_MODEL_DIR, { intraOpNumThreads: 1, sharedBatchSize: 7, naiveBatchSize: 5 });
  try {
    const prompt = prompts[1]!;
    const some = scorer.candidates.slice(0, 23); // naive is slow; 23 = 4 full batches of 5 and one of 3
    expect(maxAbsDiff(await small.scoreShared(prompt), await scorer.scoreShared(prompt))).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(await small.scoreNaive(prompt, some), await scorer.scoreNaive(prompt, some))).toBeLessThanOrEqual(1e-5);
  } finally {
    await small.close();
  }
});

test('the prefix is taken into account: another encounter changes the scores', async () => {
  const a = await scorer.scoreShared(prompts[0]!);
  const b = await scorer.scoreShared(prompts[prompts.length - 1]!);
  expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-6);
});

test('a subset of candidates is scored in the order asked, with the same values as in the full run', async () => {
  const all = await scorer.scoreShared(prompts[2]!);
  const subset = [scorer.candidates[5]!, scorer.candidates[0]!, scorer.candidates[3]!];
  const some = await scorer.scoreShared(prompts[2]!, subset);
  expect([...some.keys()]).toEqual(subset);
  for (const name of subset) expect(Math.abs(some.get(name)! - all.get(name)!)).toBeLessThanOrEqual(1e-5);
});

test('the shipped model (2.0.0: no "prompt.history") scores only the candidates it lists, never a history\'s extras', async () => {
  const extra = 'epoetin alfa (test extra)';
  expect(scorer.scoresExtraCandidates).toBe(false);
  const renewed = { ...prompts[0]!, candidateHistory: { [extra]: '' } };
  expect([...(await scorer.scoreShared(renewed)).keys()]).toEqual([...scorer.candidates]);
  await expect(scorer.scoreShared(prompts[0]!, [extra])).rejects.toThrow(UnknownCandidateError);
});

test('a model of the history format: a candidate outside the manifest (a drug of the patient\'s history) is scored by the "*" file, with its history in the suffix', async () => {
  const dir = historyFormatModelDir();
  const open = await OnnxScorer.create(dir, { intraOpNumThreads: 1 });
  try {
    const extra = 'epoetin alfa (test extra)';
    expect(open.scoresExtraCandidates).toBe(true);
    const plain = await open.scoreShared(prompts[0]!, [extra]);
    expect([...plain.keys()]).toEqual([extra]);
    const renewed = { ...prompts[0]!, candidateHistory: { [extra]: ', ordered at the last visit, at 3 of the last 3 visits' } };
    const withHistory = await open.scoreShared(renewed, [extra]);
    expect(Math.abs(withHistory.get(extra)! - plain.get(extra)!)).toBeGreaterThan(1e-6);
    expect(maxAbsDiff(withHistory, await open.scoreNaive(renewed, [extra]))).toBeLessThanOrEqual(1e-4);
    // By default a prompt is scored on the manifest's candidates and its history's other drugs.
    const all = await open.scoreShared(renewed);
    expect([...all.keys()]).toEqual([...open.candidates, extra]);
  } finally {
    await open.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a manifest whose "prompt" is not { history: boolean } is refused at load', async () => {
  const dir = copyModelDir();
  try {
    const file = path.join(dir, 'lamo.json');
    writeJsonFile(file, { ...readJsonFile<Record<string, unknown>>(file), prompt: { history: 'yes' } });
    await expect(OnnxScorer.create(dir, { intraOpNumThreads: 1 })).rejects.toThrow(/prompt\/history must be boolean/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a model without a "*" file refuses a candidate it does not list, by name', async () => {
  const dir = copyModelDir();
  try {
    const manifestFile = path.join(dir, 'lamo.json');
    const manifest = readJsonFile<{ models: { file: string; candidates: '*' | string[] }[] }>(manifestFile);
    manifest.models = [{ file: manifest.models[0]!.file, candidates: [...scorer.candidates] }];
    writeJsonFile(manifestFile, manifest);
    const closed = await OnnxScorer.create(dir, { intraOpNumThreads: 1 });
    try {
      expect(closed.scoresExtraCandidates).toBe(false);
      await expect(closed.scoreShared(prompts[0]!, ['no-such-drug'])).rejects.toThrow(UnknownCandidateError);
      await expect(closed.scoreShared(prompts[0]!, ['no-such-drug'])).rejects.toThrow(/no-such-drug/);
      const renewed = { ...prompts[0]!, candidateHistory: { 'no-such-drug': ', ordered at the last visit' } };
      expect([...(await closed.scoreShared(renewed)).keys()]).toEqual([...scorer.candidates]);
    } finally {
      await closed.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('group-wise models: candidates routed to two model files score as the single file does (same weights)', async () => {
  const dir = copyModelDir();
  try {
    const manifestFile = path.join(dir, 'lamo.json');
    const manifest = readJsonFile<{ models: { file: string; candidates: '*' | string[] }[] }>(manifestFile);
    const original = manifest.models[0]!.file;
    fs.copyFileSync(path.join(dir, original), path.join(dir, 'group-b.onnx'));
    const groupB = scorer.candidates.filter((_, i) => i % 2 === 1);
    manifest.models = [
      { file: original, candidates: '*' },
      { file: 'group-b.onnx', candidates: groupB },
    ];
    writeJsonFile(manifestFile, manifest);
    const grouped = await OnnxScorer.create(dir, { intraOpNumThreads: 1 });
    try {
      const expected = await scorer.scoreShared(prompts[3]!);
      const got = await grouped.scoreShared(prompts[3]!);
      expect([...got.keys()]).toEqual([...expected.keys()]);
      expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-6);
    } finally {
      await grouped.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('full logits for one token sequence have the vocabulary width', async () => {
  const ids = scorer.tokenizer.encodePrefix(prompts[0]!.prefix).slice(0, 12);
  const { dims, data } = await scorer.logits(ids);
  expect(dims).toEqual([ids.length, scorer.tokenizer.vocabSize]);
  expect(data.length).toBe(ids.length * scorer.tokenizer.vocabSize);
});

test('LAMO_EXECUTION_PROVIDER=cuda: CUDA when onnxruntime has it, else one warning and CPU', async () => {
  const warnings: string[] = [];
  const previous = process.env.LAMO_EXECUTION_PROVIDER;
  process.env.LAMO_EXECUTION_PROVIDER = 'cuda';
  try {
    const cuda = await OnnxScorer.create(TEST_MODEL_DIR, { intraOpNumThreads: 1, warn: (m) => warnings.push(m) });
    try {
      if (cuda.executionProvider === 'cpu') {
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/LAMO_EXECUTION_PROVIDER=cuda is not usable here .*scoring on CPU instead/);
      } else {
        expect(warnings).toHaveLength(0);
      }
      const p = await cuda.scoreShared(prompts[0]!);
      expect(maxAbsDiff(p, await scorer.scoreShared(prompts[0]!))).toBeLessThanOrEqual(1e-4);
    } finally {
      await cuda.close();
    }
  } finally {
    if (previous === undefined) delete process.env.LAMO_EXECUTION_PROVIDER;
    else process.env.LAMO_EXECUTION_PROVIDER = previous;
  }
});

test('an unknown execution provider is a clear configuration error', async () => {
  const previous = process.env.LAMO_EXECUTION_PROVIDER;
  process.env.LAMO_EXECUTION_PROVIDER = 'tpu';
  try {
    await expect(OnnxScorer.create(TEST_MODEL_DIR)).rejects.toThrow(/LAMO_EXECUTION_PROVIDER must be "cpu" or "cuda"/);
  } finally {
    if (previous === undefined) delete process.env.LAMO_EXECUTION_PROVIDER;
    else process.env.LAMO_EXECUTION_PROVIDER = previous;
  }
});
