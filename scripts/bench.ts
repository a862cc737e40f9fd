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
import type { EncounterPrompt } from '../src/lamo/types';
import { DEFAULT_MODEL_DIR } from '../src/paths';

/** Until `loadBenchPrompts` builds prompts itself, this file (written by the dataset builder) is read. */
const DEFAULT_PROMPTS_FILE = '/tmp/lamo-data/r4-615.jsonl';

/** The end-to-end part: autocannon against the running CDS service. */
export interface EndToEndResult {
  /** Per concurrency level ("1", "8"): order-select latency percentiles, throughput and errors. */
  byConcurrency?: Record<string, { p50_ms: number; p95_ms: number; p99_ms: number; rps: number; errors: number }>;
  /** Why it was not measured. */
  skipped?: string;
}

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
  e2e: EndToEndResult;
  /** Peak resident memory in MB (this process until the e2e part measures the service). */
  rss_mb_peak: number;
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
  modelDir: string;
  encounters: number;
  naiveBatch?: number;
  sharedBatch?: number;
  intraOp: number;
}

/** Prompts for the benchmark: `count` encounters spread over the source.
 * TODO(prompt builder): without --prompts, build them from the Synthea bundles with the project's prompt
 * builder instead of reading the dataset builder's JSONL. */
export function loadBenchPrompts(count: number, promptsFile?: string): { prompts: EncounterPrompt[]; source: string } {
  const file = promptsFile ?? (fs.existsSync(DEFAULT_PROMPTS_FILE) ? DEFAULT_PROMPTS_FILE : undefined);
  if (!file) {
    throw new Error(`no prompts: pass --prompts <file.jsonl> (lines with prefix and suffixTemplate); ${DEFAULT_PROMPTS_FILE} does not exist`);
  }
  return { prompts: readPromptsJsonl(file, count), source: file };
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
    let row: Partial<EncounterPrompt>;
    try {
      row = JSON.parse(lines[lineNo]!) as Partial<EncounterPrompt>;
    } catch (err) {
      throw new Error(`${file} line ${lineNo + 1}: not JSON (${(err as Error).message})`);
    }
    if (typeof row.prefix !== 'string' || typeof row.suffixTemplate !== 'string' || !row.suffixTemplate.includes('{drug}')) {
      throw new Error(`${file} line ${lineNo + 1}: needs string "prefix" and "suffixTemplate" containing {drug}`);
    }
    return { prefix: row.prefix, suffixTemplate: row.suffixTemplate, template: row.template ?? 'withoutHistory' };
  });
}

/** TODO(service): autocannon against the running CDS service at concurrency 1 and 8, and its peak RSS. */
async function runEndToEnd(): Promise<EndToEndResult> {
  return { skipped: 'the CDS service is not part of the benchmark yet' };
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { prompts, source } = loadBenchPrompts(options.encounters, options.promptsFile);
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
        results.set(mode, await scorer.score(prompt, scorer.candidates, mode));
        (mode === 'naive' ? naiveMs : sharedMs).push(performance.now() - started);
      }
      const naive = results.get('naive')!;
      for (const [name, p] of results.get('shared')!) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(p - naive.get(name)!));
      prefixTokens.push(scorer.tokenizer.encodePrefix(prompt.prefix).length);
    }
    const e2e = await runEndToEnd();
    return {
      naive_ms_median: round(percentile(naiveMs, 50)),
      naive_ms_p95: round(percentile(naiveMs, 95)),
      shared_ms_median: round(percentile(sharedMs, 50)),
      shared_ms_p95: round(percentile(sharedMs, 95)),
      speedup: round(percentile(naiveMs, 50) / percentile(sharedMs, 50)),
      max_abs_diff: maxAbsDiff,
      candidates: scorer.candidates.length,
      encounters: prompts.length,
      e2e,
      rss_mb_peak: round(process.resourceUsage().maxRSS / 1024),
      model: `${scorer.modelId}@${scorer.modelVersion} (${options.modelDir})`,
      prompts: source,
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

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
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
    },
  });
  const options: BenchOptions = {
    promptsFile: values.prompts,
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
      `speedup ${result.speedup}x, max |Δp| ${result.max_abs_diff.toExponential(2)}, peak RSS ${result.rss_mb_peak} MB`,
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
