/** @jest-environment ./tests/inference/onnx-environment.js */
import * as fs from 'fs';
import * as path from 'path';
import { OnnxScorer, UnknownCandidateError } from '../../src/inference/onnx-scorer';
import { QueueFullError } from '../../src/inference/types';
import { createScorer, WorkerCrashedError, type WorkerPool } from '../../src/inference/worker-pool';
import type { EncounterPrompt } from '../../src/lamo/types';
import { copyModelDir, historyFormatModelDir, maxAbsDiff, readJsonFile, realPrompts, TEST_MODEL_DIR, writeJsonFile } from './helpers';

let prompts: EncounterPrompt[];
/** Single-threaded, in-process results: what every pooled result must equal. */
let expected: Map<string, number>[];
let candidates: readonly string[];

beforeAll(async () => {
  prompts = await realPrompts(5);
  const reference = await OnnxScorer.create(TEST_MODEL_DIR, { intraOpNumThreads: 1 });
  try {
    expected = [];
    for (const prompt of prompts) expected.push(await reference.scoreShared(prompt));
    candidates = reference.candidates;
  } finally {
    await reference.close();
  }
});

/** Pools under test are closed even when a test fails. */
const open: WorkerPool[] = [];
async function pool(options: Parameters<typeof createScorer>[1]): Promise<WorkerPool> {
  const created = await createScorer(TEST_MODEL_DIR, { intraOpNumThreads: 1, warn: () => undefined, ...options });
  open.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

test('20 concurrent calls on 2 workers all resolve, each with the single-threaded result', async () => {
  const scorer = await pool({ threads: 2, queueMax: 32 });
  expect(scorer.modelVersion).toBeTruthy();
  expect(scorer.candidates).toEqual(candidates);
  const calls = Array.from({ length: 20 }, (_, i) => i % prompts.length);
  const results = await Promise.all(calls.map((p) => scorer.score(prompts[p]!)));
  results.forEach((result, i) => {
    expect(maxAbsDiff(result.probabilities, expected[calls[i]!]!)).toBeLessThanOrEqual(1e-6);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(result.queueMs);
  });
  // With 2 workers, later calls waited for a free one.
  expect(Math.max(...results.map((r) => r.queueMs))).toBeGreaterThan(0);
});

test('the event loop stays free while workers score', async () => {
  const scorer = await pool({ threads: 1, queueMax: 8 });
  let ticks = 0;
  let longestGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    ticks++;
  }, 5);
  const started = performance.now();
  await Promise.all(prompts.map((p) => scorer.score(p)));
  const elapsed = performance.now() - started;
  clearInterval(timer);
  // In-thread inference would starve the timer for the whole run (one tick at most).
  expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
  expect(longestGap).toBeLessThan(Math.max(100, elapsed / 3));
});

test('a full queue rejects at once with QueueFullError and a Retry-After', async () => {
  const scorer = await pool({ threads: 1, queueMax: 2 });
  const settled = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => scorer.score(prompts[i % prompts.length]!)));
  // One running, two waiting; the rest refused.
  expect(settled.slice(0, 3).map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  for (const s of settled.slice(3)) {
    expect(s.status).toBe('rejected');
    const reason = (s as PromiseRejectedResult).reason as QueueFullError;
    expect(reason).toBeInstanceOf(QueueFullError);
    expect(Number.isInteger(reason.retryAfterSeconds)).toBe(true);
    expect(reason.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  }
  // Accepted again once there is room.
  await expect(scorer.score(prompts[0]!)).resolves.toBeDefined();
});

test('a request past its deadline drops its queued job', async () => {
  const scorer = await pool({ threads: 1, queueMax: 4 });
  const running = scorer.score(prompts[0]!);
  const controller = new AbortController();
  const waiting = scorer.score(prompts[1]!, undefined, controller.signal);
  const timedOut = scorer.score(prompts[2]!, undefined, AbortSignal.timeout(1));
  expect(scorer.queued).toBe(2);
  controller.abort();
  await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  await expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
  expect(scorer.queued).toBe(0);
  expect(maxAbsDiff((await running).probabilities, expected[0]!)).toBeLessThanOrEqual(1e-6);
});

test('an already aborted signal is refused without queueing', async () => {
  const scorer = await pool({ threads: 1 });
  await expect(scorer.score(prompts[0]!, undefined, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  expect(scorer.queued).toBe(0);
});

test('aborting a running job answers at once; its late result never reaches the next caller', async () => {
  const scorer = await pool({ threads: 1 });
  const controller = new AbortController();
  const aborted = scorer.score(prompts[0]!, undefined, controller.signal);
  const next = scorer.score(prompts[3]!);
  controller.abort();
  await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
  expect(maxAbsDiff((await next).probabilities, expected[3]!)).toBeLessThanOrEqual(1e-6);
});

test('a worker crash rejects its job with a clear error and the pool replaces the worker', async () => {
  const warnings: string[] = [];
  const scorer = await pool({ threads: 1, warn: (m) => warnings.push(m) });
  const inFlight = scorer.score(prompts[0]!);
  await scorer.killWorker();
  await expect(inFlight).rejects.toThrow(WorkerCrashedError);
  await expect(inFlight).rejects.toThrow(/inference worker crashed while scoring/);
  expect(warnings.join('\n')).toMatch(/starting a replacement/);
  // The replacement takes over (it loads and warms up first).
  const after = await scorer.score(prompts[1]!);
  expect(maxAbsDiff(after.probabilities, expected[1]!)).toBeLessThanOrEqual(1e-6);
});

test('when no replacement can start (model file gone), calls fail at once instead of waiting forever', async () => {
  const dir = copyModelDir();
  try {
    const warnings: string[] = [];
    const scorer = await createScorer(dir, { threads: 1, intraOpNumThreads: 1, warn: (m) => warnings.push(m) });
    open.push(scorer);
    const modelFile = readJsonFile<{ models: { file: string }[] }>(path.join(dir, 'lamo.json')).models[0]!.file;
    fs.rmSync(path.join(dir, modelFile));
    const waiting = Promise.allSettled([scorer.score(prompts[0]!), scorer.score(prompts[1]!)]);
    await scorer.killWorker();
    const [inFlight, queued] = await waiting;
    expect((inFlight as PromiseRejectedResult).reason).toBeInstanceOf(WorkerCrashedError);
    expect(String((queued as PromiseRejectedResult).reason)).toMatch(/no inference worker is running/);
    await expect(scorer.score(prompts[0]!)).rejects.toThrow(/no inference worker is running/);
    expect(warnings.join('\n')).toMatch(/replacement inference worker failed to start: .*missing model file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('extra candidates (the patient\'s own earlier drugs) are scored by the "*" model of the history format only; a subset is scored in the order given', async () => {
  const renewed = { ...prompts[0]!, candidateHistory: { 'drug outside the manifest': ', ordered at the last visit' } };
  const dir = historyFormatModelDir();
  try {
    const historyModel = await createScorer(dir, { threads: 1, intraOpNumThreads: 1, warn: () => undefined });
    open.push(historyModel);
    expect(historyModel.scoresExtraCandidates).toBe(true);
    const extra = await historyModel.score(renewed);
    expect([...extra.probabilities.keys()]).toEqual([...candidates, 'drug outside the manifest']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const scorer = await pool({ threads: 1 });
  expect(scorer.scoresExtraCandidates).toBe(false); // the shipped 2.0.0
  expect([...(await scorer.score(renewed)).probabilities.keys()]).toEqual([...candidates]);
  const subset = [candidates[4]!, candidates[1]!];
  const result = await scorer.score(prompts[0]!, subset);
  expect([...result.probabilities.keys()]).toEqual(subset);
  expect(Math.abs(result.probabilities.get(subset[0]!)! - expected[0]!.get(subset[0]!)!)).toBeLessThanOrEqual(1e-6);
});

test('a model without a "*" file: unknown candidates are refused before queueing', async () => {
  const dir = copyModelDir();
  try {
    const manifestFile = path.join(dir, 'lamo.json');
    const manifest = readJsonFile<{ models: { file: string; candidates: '*' | string[] }[] }>(manifestFile);
    manifest.models = [{ file: manifest.models[0]!.file, candidates: [...candidates] }];
    writeJsonFile(manifestFile, manifest);
    const scorer = await createScorer(dir, { threads: 1, intraOpNumThreads: 1, warn: () => undefined });
    open.push(scorer);
    await expect(scorer.score(prompts[0]!, ['no-such-drug'])).rejects.toThrow(UnknownCandidateError);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('close() rejects waiting jobs and later calls', async () => {
  const scorer = await pool({ threads: 1, queueMax: 4 });
  const outcomes = Promise.allSettled([scorer.score(prompts[0]!), scorer.score(prompts[1]!)]);
  await scorer.close();
  for (const outcome of await outcomes) {
    expect(outcome.status).toBe('rejected');
    expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/closed before this job finished/);
  }
  await expect(scorer.score(prompts[0]!)).rejects.toThrow(/closed/);
});

test('pool size and queue bound come from the environment, and bad values are named', async () => {
  const saved = { ...process.env };
  try {
    process.env.LAMO_INFERENCE_THREADS = 'two';
    await expect(createScorer(TEST_MODEL_DIR)).rejects.toThrow(/LAMO_INFERENCE_THREADS must be an integer ≥ 1, not "two"/);
    process.env.LAMO_INFERENCE_THREADS = '1';
    process.env.LAMO_QUEUE_MAX = '-3';
    await expect(createScorer(TEST_MODEL_DIR)).rejects.toThrow(/LAMO_QUEUE_MAX/);
  } finally {
    process.env.LAMO_INFERENCE_THREADS = saved.LAMO_INFERENCE_THREADS;
    process.env.LAMO_QUEUE_MAX = saved.LAMO_QUEUE_MAX;
    if (saved.LAMO_INFERENCE_THREADS === undefined) delete process.env.LAMO_INFERENCE_THREADS;
    if (saved.LAMO_QUEUE_MAX === undefined) delete process.env.LAMO_QUEUE_MAX;
  }
});
