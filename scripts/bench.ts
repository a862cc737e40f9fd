/** Scoring benchmark: per-encounter time of naive vs prefix-shared scoring on real prompts, and how far
 * apart their probabilities are.
 *
 *   npm run bench -- [--json] [--prompts file.jsonl] [--model dir] [--encounters 30]
 *                    [--naive-batch N] [--shared-batch N] [--intra-op N]
 *
 * Both paths run in this process on one thread of JavaScript (what one inference worker does), over
 * every candidate of the model, alternating per encounter so that machine noise hits both alike. */
import * as fs from 'fs';
import { parseArgs } from 'util';
import { DEFAULT_NAIVE_BATCH_SIZE, DEFAULT_SHARED_BATCH_SIZE, defaultIntraOpThreads, OnnxScorer } from '../src/inference/onnx-scorer';
import { promptOfLine, type DatasetLine } from '../src/dataset/jsonl';
import type { EncounterPrompt } from '../src/lamo/types';
import { DEFAULT_MODEL_DIR } from '../src/paths';
import { realPrompts } from '../src/samples/shared-samples';
import { measureAppLoad, type AppLoadResult } from './bench-app';
import { percentile, runEndToEnd, type LoadResult } from './bench-e2e';

/** Order-select latency at one concurrency level, against the running service. */
export type EndToEndResult = Record<string, LoadResult>;

export interface BenchResult {
  naive_ms_median: number;
  naive_ms_p95: number;
  shared_ms_median: number;
  shared_ms_p95: number;
  /** naive median / shared median. */
  speedup: number;
  /** Largest |P_naive(yes) − P_shared(yes)| over all encounters and candidates. */
  max_abs_diff: number;
  candidates: number;
  encounters: number;
  /** c1, c8: order-select p50/p95/p99 (ms), requests per second and errors; absent with --no-e2e. */
  e2e: EndToEndResult | null;
  /** Peak resident memory of the service under that load (MB); of this process with --no-e2e. */
  rss_mb_peak: number;
  /** The SMART app's load time (EHR launch to rendered page) for a shared patient; null with --no-app or no Chromium. */
  app: AppLoadResult | null;
  model: string;
  prompts: string;
  prefix_tokens_median: number;
  naive_batch: number;
  shared_batch: number;
  intra_op_threads: number;
  execution_provider: string;
}

interface BenchOptions {
  promptsFile?: string;
  e2e: boolean;
  e2eSeconds: number;
  app: boolean;
  /** Seconds of the sustained 32-client level (e2e.c32); 0 skips it. */
  c32Seconds: number;
  modelDir: string;
  encounters: number;
  naiveBatch?: number;
  sharedBatch?: number;
  intraOp: number;
}

/** Prompts for the benchmark: `count` real encounters, built by the project's prompt builder from the
 * shared Synthea bundles, or read from a dataset JSONL (`--prompts`). */
export async function loadBenchPrompts(count: number, modelDir: string, promptsFile?: string): Promise<{ prompts: EncounterPrompt[]; source: string }> {
  if (promptsFile) return { prompts: readPromptsJsonl(promptsFile, count), source: promptsFile };
  return { prompts: await realPrompts(count, modelDir), source: 'synthea-r4-615 (prompt builder)' };
}

function readPromptsJsonl(file: string, count: number): EncounterPrompt[] {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0);
  if (lines.length < count) throw new Error(`${file} has ${lines.length} encounters; the benchmark needs ${count}`);
  const step = lines.length / count;
  return Array.from({ length: count }, (_, i) => {
    const lineNo = Math.floor(i * step);
    let row: Partial<DatasetLine>;
    try {
      row = JSON.parse(lines[lineNo]!) as Partial<DatasetLine>;
    } catch (err) {
      throw new Error(`${file} line ${lineNo + 1}: not JSON (${(err as Error).message})`);
    }
    if (typeof row.prefix !== 'string' || typeof row.suffixTemplate !== 'string' || !row.suffixTemplate.includes('{drug}')) {
      throw new Error(`${file} line ${lineNo + 1}: needs string "prefix" and "suffixTemplate" containing {drug}`);
    }
    return promptOfLine({ prefix: row.prefix, suffixTemplate: row.suffixTemplate, template: row.template ?? 'withoutHistory', candidates: row.candidates ?? [] });
  });
}

type ScoringResult = Omit<BenchResult, 'e2e' | 'rss_mb_peak' | 'prompts' | 'app'>;

/** Naive vs prefix-shared scoring of every candidate of each prompt, in this process. */
async function measureScoring(options: BenchOptions, prompts: EncounterPrompt[]): Promise<ScoringResult> {
  const scorer = await OnnxScorer.create(options.modelDir, {
    intraOpNumThreads: options.intraOp,
    naiveBatchSize: options.naiveBatch,
    sharedBatchSize: options.sharedBatch,
  });
  try {
    // Untimed first pass: session warm-up, buffer allocation, suffix token cache.
    await scorer.scoreNaive(prompts[0]!);
    await scorer.scoreShared(prompts[0]!);
    const naiveMs: number[] = [];
    const sharedMs: number[] = [];
    const prefixTokens: number[] = [];
    let maxAbsDiff = 0;
    for (const [i, prompt] of prompts.entries()) {
      // Alternate which path goes first, so neither always runs on a warmer cache.
      const order = i % 2 === 0 ? (['naive', 'shared'] as const) : (['shared', 'naive'] as const);
      const results = new Map<string, Map<string, number>>();
      for (const mode of order) {
        const started = performance.now();
        results.set(mode, await scorer.score(prompt, undefined, mode)); // the manifest's candidates and the history's extras
        (mode === 'naive' ? naiveMs : sharedMs).push(performance.now() - started);
      }
      const naive = results.get('naive')!;
      for (const [name, p] of results.get('shared')!) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(p - naive.get(name)!));
      prefixTokens.push(scorer.tokenizer.encodePrefix(prompt.prefix).length);
    }
    return {
      naive_ms_median: round(percentile(naiveMs, 50)),
      naive_ms_p95: round(percentile(naiveMs, 95)),
      shared_ms_median: round(percentile(sharedMs, 50)),
      shared_ms_p95: round(percentile(sharedMs, 95)),
      speedup: round(percentile(naiveMs, 50) / percentile(sharedMs, 50)),
      max_abs_diff: maxAbsDiff,
      candidates: scorer.candidates.length,
      encounters: prompts.length,
      model: `${scorer.modelId}@${scorer.modelVersion} (${options.modelDir})`,
      prefix_tokens_median: percentile(prefixTokens, 50),
      naive_batch: options.naiveBatch ?? 0,
      shared_batch: options.sharedBatch ?? 0,
      intra_op_threads: options.intraOp,
      execution_provider: scorer.executionProvider,
    };
  } finally {
    await scorer.close();
  }
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { prompts, source } = await loadBenchPrompts(options.encounters, options.modelDir, options.promptsFile);
  const scoring = await measureScoring(options, prompts);
  // The service starts only after the in-process scorer is closed, so the two never share the cores.
  const e2e = options.e2e
    ? await runEndToEnd({
        modelDir: options.modelDir,
        encounters: options.encounters,
        seconds: options.e2eSeconds,
        concurrencies: [1, 8],
        ...(options.c32Seconds > 0 ? { sustained: { clients: 32, seconds: options.c32Seconds } } : {}),
      })
    : undefined;
  const rssMbPeak = e2e?.rssMbPeak ?? round(process.resourceUsage().maxRSS / 1024);
  // Last, alone on the cores: the service runs in this process for it.
  const app = options.app ? await measureAppLoad(options.modelDir) : null;
  return { ...scoring, prompts: source, e2e: e2e?.byConcurrency ?? null, rss_mb_peak: rssMbPeak, app };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function positiveInt(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      prompts: { type: 'string' },
      model: { type: 'string' },
      encounters: { type: 'string' },
      'naive-batch': { type: 'string' },
      'shared-batch': { type: 'string' },
      'intra-op': { type: 'string' },
      'no-e2e': { type: 'boolean', default: false },
      'no-app': { type: 'boolean', default: false },
      'e2e-seconds': { type: 'string' },
      'c32-seconds': { type: 'string' },
    },
  });
  const options: BenchOptions = {
    promptsFile: values.prompts,
    e2e: !values['no-e2e'],
    app: !values['no-app'],
    e2eSeconds: positiveInt(values['e2e-seconds'], 'e2e-seconds') ?? 20,
    c32Seconds: values['c32-seconds'] === '0' ? 0 : (positiveInt(values['c32-seconds'], 'c32-seconds') ?? 60),
    modelDir: values.model ?? process.env.LAMO_MODEL_DIR ?? DEFAULT_MODEL_DIR,
    encounters: positiveInt(values.encounters, 'encounters') ?? 30,
    naiveBatch: positiveInt(values['naive-batch'], 'naive-batch') ?? DEFAULT_NAIVE_BATCH_SIZE,
    sharedBatch: positiveInt(values['shared-batch'], 'shared-batch') ?? DEFAULT_SHARED_BATCH_SIZE,
    // What the worker of a one-worker pool gets (worker-pool.ts).
    intraOp: positiveInt(values['intra-op'], 'intra-op') ?? defaultIntraOpThreads(1),
  };
  const result = await runBench(options);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    [
      `model ${result.model}, ${result.candidates} candidates, ${result.encounters} encounters from ${result.prompts}`,
      `prefix ${result.prefix_tokens_median} tokens (median); batches naive ${result.naive_batch}, shared ${result.shared_batch}; ` +
        `${result.intra_op_threads} intra-op threads on ${result.execution_provider}`,
      `naive   median ${result.naive_ms_median} ms, p95 ${result.naive_ms_p95} ms per encounter`,
      `shared  median ${result.shared_ms_median} ms, p95 ${result.shared_ms_p95} ms per encounter`,
      `speedup ${result.speedup}x, max |Δp| ${result.max_abs_diff.toExponential(2)}`,
      ...Object.entries(result.e2e ?? {}).map(
        ([level, r]) => `order-select ${level}: p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms, ${r.rps} req/s, ${r.errors} errors of ${r.requests}`,
      ),
      `peak RSS ${result.rss_mb_peak} MB (${result.e2e ? 'the service under load' : 'this process'})`,
      result.app ? `SMART app load (EHR launch to rendered page): median ${result.app.load_ms_median} ms, max ${result.app.load_ms_max} ms over ${result.app.runs} runs` : 'SMART app load: not measured',
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(1);
  });
}
