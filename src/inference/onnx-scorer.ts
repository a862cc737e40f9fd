/** Scoring on the calling thread with onnxruntime-node. `session.run` blocks the thread it runs on,
 * so the service uses this only inside worker threads (worker-pool.ts); the benchmark and the tests
 * use it directly.
 *
 * Two ways to get P(yes) for every candidate of one prompt:
 * - naive: one full prompt (prefix + suffix) per candidate, in right-padded batches;
 * - prefix-shared: the prefix once, then every candidate suffix in batches against the prefix's
 *   key/value cache. The prefix is most of the prompt, so this does a fraction of the work. */
import * as os from 'os';
import * as ort from 'onnxruntime-node';
import { promptCandidates, suffixFor, type EncounterPrompt } from '../lamo/types';
import { loadManifest, ModelLoadError, type LoadedManifest } from './manifest';
import type { DecisionThresholds } from './thresholds';
import { PromptTokenizer } from './tokenizer';

export type ExecutionProviderName = 'cpu' | 'cuda';
export type ScoringMode = 'naive' | 'shared';

export interface OnnxScorerOptions {
  /** `cuda` is tried and falls back to CPU with one warning. Default: LAMO_EXECUTION_PROVIDER or cpu. */
  executionProvider?: ExecutionProviderName;
  /** Threads one session may use for one operator. Default: all cores but one (see defaultIntraOpThreads). */
  intraOpNumThreads?: number;
  /** Full prompts per naive batch. */
  naiveBatchSize?: number;
  /** Candidate suffixes per prefix-shared batch. */
  sharedBatchSize?: number;
  /** Where the CUDA fallback warning goes (default console.warn). */
  warn?: (message: string) => void;
}

/** Batch sizes measured on 2 CPU cores with 110 candidates and ~300-token prefixes (scratch runs over 30
 * encounters): past 8 full prompts or 8 suffixes a batch, time per encounter stops falling while memory
 * keeps rising — the prefix cache is copied once per row (8 rows ≈ 10 MB, 64 rows ≈ 80 MB) and
 * onnxruntime keeps its peak in its arena (peak RSS 200 MB at 8 suffixes, 540 MB at 64). */
export const DEFAULT_NAIVE_BATCH_SIZE = 8;
export const DEFAULT_SHARED_BATCH_SIZE = 8;

/** One loaded ONNX file and the shape of its key/value cache. */
interface ModelGraph {
  file: string;
  session: ort.InferenceSession;
  layers: number;
  heads: number;
  headDim: number;
  /** Candidate names this file scores. */
  candidates: ReadonlySet<string>;
  /** The `"*"` file: it also scores extra candidates (drugs of the patient's history outside the manifest). */
  open: boolean;
  pastNames: string[];
  presentNames: string[];
}

/** Key/value cache of one prefix: per layer, key and value as [1, heads, length, headDim]. */
interface PrefixCache {
  length: number;
  tensors: Float32Array[];
}

export class OnnxScorer {
  readonly modelId: string;
  readonly modelVersion: string;
  readonly candidates: readonly string[];
  readonly threshold: number;
  readonly thresholds: DecisionThresholds;
  readonly executionProvider: ExecutionProviderName;
  private readonly yesId: number;
  private readonly noId: number;
  private readonly naiveBatchSize: number;
  private readonly sharedBatchSize: number;
  /** Tiled key/value buffers reused across calls (see tilePast). */
  private readonly scratch: Float32Array[] = [];
  private scratchInUse = false;

  private constructor(
    readonly loaded: LoadedManifest,
    readonly tokenizer: PromptTokenizer,
    private readonly graphs: ModelGraph[],
    executionProvider: ExecutionProviderName,
    options: OnnxScorerOptions,
  ) {
    const { manifest } = loaded;
    this.modelId = manifest.id;
    this.modelVersion = manifest.version;
    this.candidates = manifest.candidates.map((c) => c.name);
    this.threshold = manifest.threshold;
    this.thresholds = loaded.thresholds;
    this.yesId = manifest.answerTokens.yes;
    this.noId = manifest.answerTokens.no;
    this.executionProvider = executionProvider;
    this.naiveBatchSize = positiveInt(options.naiveBatchSize ?? DEFAULT_NAIVE_BATCH_SIZE, 'naiveBatchSize');
    this.sharedBatchSize = positiveInt(options.sharedBatchSize ?? DEFAULT_SHARED_BATCH_SIZE, 'sharedBatchSize');
  }

  /** Loads and checks a model directory; every problem is a ModelLoadError naming the file. */
  static async create(modelDir: string, options: OnnxScorerOptions = {}): Promise<OnnxScorer> {
    const loaded = loadManifest(modelDir);
    const tokenizer = PromptTokenizer.load(loaded);
    const requested = options.executionProvider ?? executionProviderFromEnv();
    const warn = options.warn ?? ((message: string) => console.warn(message));
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.intraOpNumThreads ?? defaultIntraOpThreads(1),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    };
    const graphs: ModelGraph[] = [];
    let provider = requested;
    try {
      for (const [file, names] of loaded.routes) {
        const opened = await openSession(file, provider, sessionOptions, warn);
        provider = opened.provider; // once CUDA has failed, do not try (and warn) again per file
        const graph = describeGraph(file, opened.session, new Set(names), file === loaded.openRoute);
        graphs.push(graph);
        await checkLogitsWidth(graph, tokenizer);
      }
    } catch (err) {
      await Promise.all(graphs.map((g) => g.session.release().catch(() => undefined)));
      throw err;
    }
    return new OnnxScorer(loaded, tokenizer, graphs, provider, options);
  }

  /** Whether candidates outside the manifest's list (the patient's own earlier drugs) can be scored. */
  get scoresExtraCandidates(): boolean {
    return this.graphs.some((g) => g.open);
  }

  /** P(yes) per candidate (default: the manifest's, then the drugs of the prompt's medication history). */
  async score(
    prompt: EncounterPrompt,
    candidates: readonly string[] = this.defaultCandidates(prompt),
    mode: ScoringMode = 'shared',
  ): Promise<Map<string, number>> {
    const probabilities = new Map<string, number>();
    for (const { graph, names } of this.route(candidates)) {
      const logits =
        mode === 'shared' ? await this.answerLogitsShared(graph, prompt, names) : await this.answerLogitsNaive(graph, prompt, names);
      names.forEach((name, i) => probabilities.set(name, yesProbability(logits[i]!)));
    }
    // Caller's order, so results read the same whichever model file scored them.
    return new Map(candidates.map((name) => [name, probabilities.get(name)!]));
  }

  scoreNaive(prompt: EncounterPrompt, candidates?: readonly string[]): Promise<Map<string, number>> {
    return this.score(prompt, candidates, 'naive');
  }

  scoreShared(prompt: EncounterPrompt, candidates?: readonly string[]): Promise<Map<string, number>> {
    return this.score(prompt, candidates, 'shared');
  }

  /** Full logits [seq, vocab] for one token sequence (for checking against PyTorch). */
  async logits(ids: readonly number[], modelFile?: string): Promise<{ dims: readonly number[]; data: Float32Array }> {
    const graph = modelFile === undefined ? this.graphs[0]! : this.graphs.find((g) => g.file.endsWith(modelFile));
    if (!graph) throw new Error(`no loaded model file matches ${modelFile}`);
    const batch = rightPadded([ids], this.tokenizer.padId);
    const out = await graph.session.run(feeds(graph, batch, emptyPast(graph, 1)), ['logits']);
    const logits = out['logits']!;
    return { dims: logits.dims.slice(1), data: logits.data as Float32Array };
  }

  async close(): Promise<void> {
    await Promise.all(this.graphs.map((g) => g.session.release()));
  }

  /** The manifest's candidates, then the prompt's history drugs when the model can score them. */
  defaultCandidates(prompt: EncounterPrompt): readonly string[] {
    return this.scoresExtraCandidates ? promptCandidates(prompt, this.candidates) : this.candidates;
  }

  /** Each candidate to the file that lists it, a candidate no file lists (an extra) to the `"*"` file. */
  private route(candidates: readonly string[]): { graph: ModelGraph; names: string[] }[] {
    const open = this.graphs.find((g) => g.open);
    const fileOf = (name: string): ModelGraph | undefined => this.graphs.find((g) => g.candidates.has(name)) ?? open;
    const unknown = candidates.filter((name) => fileOf(name) === undefined);
    if (unknown.length > 0) {
      throw new UnknownCandidateError(unknown);
    }
    return this.graphs
      .map((graph) => ({ graph, names: candidates.filter((name) => fileOf(name) === graph) }))
      .filter((group) => group.names.length > 0);
  }

  /** [yes, no] logits per candidate from full prompts. */
  private async answerLogitsNaive(graph: ModelGraph, prompt: EncounterPrompt, names: string[]): Promise<AnswerLogits[]> {
    const sequences = names.map((name) => this.tokenizer.encodeFull(prompt.prefix + suffixFor(prompt, name)));
    const result: AnswerLogits[] = [];
    for (let start = 0; start < sequences.length; start += this.naiveBatchSize) {
      const batch = rightPadded(sequences.slice(start, start + this.naiveBatchSize), this.tokenizer.padId);
      const out = await graph.session.run(feeds(graph, batch, emptyPast(graph, batch.rows)), ['logits']);
      result.push(...this.pickAnswerLogits(out['logits']!, batch));
    }
    return result;
  }

  /** [yes, no] logits per candidate: prefix once, suffixes against its cache. */
  private async answerLogitsShared(graph: ModelGraph, prompt: EncounterPrompt, names: string[]): Promise<AnswerLogits[]> {
    const prefix = await this.prefixCache(graph, this.tokenizer.encodePrefix(prompt.prefix));
    const suffixes = names.map((name) => this.tokenizer.suffixTokens(prompt, name));
    const result: AnswerLogits[] = [];
    // Tiled once per encounter at the largest batch; a shorter last batch uses the front of it.
    const { buffers: tiled, release } = this.tilePast(prefix, Math.min(this.sharedBatchSize, suffixes.length));
    try {
      for (let start = 0; start < suffixes.length; start += this.sharedBatchSize) {
        const batch = rightPadded(suffixes.slice(start, start + this.sharedBatchSize), this.tokenizer.padId, prefix.length);
        const dims = [batch.rows, graph.heads, prefix.length, graph.headDim];
        const past = tiled.map((data, i) => new ort.Tensor('float32', data.subarray(0, prefix.tensors[i]!.length * batch.rows), dims));
        const out = await graph.session.run(feeds(graph, batch, past), ['logits']);
        result.push(...this.pickAnswerLogits(out['logits']!, batch));
      }
    } finally {
      release();
    }
    return result;
  }

  /** The prefix cache repeated for each row of a suffix batch ([1,H,P,D] → [rows,H,P,D]). The buffers
   * are kept between calls: tens of MB per encounter would otherwise be allocated and collected. */
  private tilePast(prefix: PrefixCache, rows: number): { buffers: Float32Array[]; release: () => void } {
    const reuse = !this.scratchInUse; // concurrent calls on one scorer get buffers of their own
    this.scratchInUse = true;
    const release = (): void => {
      if (reuse) this.scratchInUse = false;
    };
    const buffers = prefix.tensors.map((one, i) => {
      const needed = one.length * rows;
      let buffer = reuse ? this.scratch[i] : undefined;
      if (!buffer || buffer.length < needed) {
        buffer = new Float32Array(needed);
        if (reuse) this.scratch[i] = buffer;
      }
      for (let row = 0; row < rows; row++) buffer.set(one, row * one.length);
      return buffer;
    });
    return { buffers, release };
  }

  private async prefixCache(graph: ModelGraph, ids: number[]): Promise<PrefixCache> {
    if (ids.length === 0) throw new Error('the prompt prefix tokenises to nothing');
    const batch = rightPadded([ids], this.tokenizer.padId);
    const out = await graph.session.run(feeds(graph, batch, emptyPast(graph, 1)), graph.presentNames);
    return { length: ids.length, tensors: graph.presentNames.map((name) => out[name]!.data as Float32Array) };
  }

  /** Logits of the answer tokens at each row's last real token (what the model says comes next). */
  private pickAnswerLogits(logits: ort.Tensor, batch: PaddedBatch): AnswerLogits[] {
    const [, seq, vocab] = logits.dims as [number, number, number];
    const data = logits.data as Float32Array;
    return batch.lengths.map((length, row) => {
      const offset = (row * seq + length - 1) * vocab;
      return { yes: data[offset + this.yesId]!, no: data[offset + this.noId]! };
    });
  }
}

export class UnknownCandidateError extends Error {
  constructor(readonly names: readonly string[]) {
    super(`not a candidate of this model: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ` (+${names.length - 5} more)` : ''}`);
    this.name = 'UnknownCandidateError';
  }
}

interface AnswerLogits {
  yes: number;
  no: number;
}

/** softmax over [yes, no], written so that large logits cannot overflow. */
function yesProbability({ yes, no }: AnswerLogits): number {
  return 1 / (1 + Math.exp(no - yes));
}

/** Sequences padded on the right to the longest; padding sits after every real token, so causal
 * attention keeps it out of the positions that are read, and the mask keeps it out of the rest. */
interface PaddedBatch {
  rows: number;
  width: number;
  lengths: number[];
  /** Position of the first token (prefix length when continuing a cache). */
  offset: number;
  ids: BigInt64Array;
}

function rightPadded(sequences: readonly (readonly number[])[], padId: number, offset = 0): PaddedBatch {
  const width = Math.max(...sequences.map((s) => s.length));
  if (width === 0) throw new Error('cannot score an empty token sequence');
  const ids = new BigInt64Array(sequences.length * width).fill(BigInt(padId));
  sequences.forEach((seq, row) => seq.forEach((id, col) => (ids[row * width + col] = BigInt(id))));
  return { rows: sequences.length, width, lengths: sequences.map((s) => s.length), offset, ids };
}

function feeds(graph: ModelGraph, batch: PaddedBatch, past: ort.Tensor[]): Record<string, ort.Tensor> {
  const { rows, width, offset } = batch;
  const total = offset + width;
  const mask = new BigInt64Array(rows * total);
  const positions = new BigInt64Array(rows * width);
  for (let row = 0; row < rows; row++) {
    mask.fill(1n, row * total, row * total + offset + batch.lengths[row]!);
    for (let col = 0; col < width; col++) positions[row * width + col] = BigInt(offset + col);
  }
  const result: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', batch.ids, [rows, width]),
    attention_mask: new ort.Tensor('int64', mask, [rows, total]),
    position_ids: new ort.Tensor('int64', positions, [rows, width]),
  };
  graph.pastNames.forEach((name, i) => (result[name] = past[i]!));
  return result;
}

function emptyPast(graph: ModelGraph, rows: number): ort.Tensor[] {
  return graph.pastNames.map(() => new ort.Tensor('float32', new Float32Array(0), [rows, graph.heads, 0, graph.headDim]));
}

/** Intra-op threads per session when `sessions` score at once: the cores but one, shared out. The core
 * left over keeps the event loop (HTTP, JSON, FHIR) responsive; on 2 cores, 1 thread per session also
 * scored twice as fast as 2 whenever anything else was running (both paths, measured). */
export function defaultIntraOpThreads(sessions: number): number {
  return Math.max(1, Math.floor((os.cpus().length - 1) / Math.max(1, sessions)));
}

function executionProviderFromEnv(): ExecutionProviderName {
  const value = (process.env.LAMO_EXECUTION_PROVIDER ?? 'cpu').trim().toLowerCase();
  if (value === 'cpu' || value === 'cuda') return value;
  throw new Error(`LAMO_EXECUTION_PROVIDER must be "cpu" or "cuda", not ${JSON.stringify(value)}`);
}

async function openSession(
  file: string,
  provider: ExecutionProviderName,
  options: ort.InferenceSession.SessionOptions,
  warn: (message: string) => void,
): Promise<{ session: ort.InferenceSession; provider: ExecutionProviderName }> {
  if (provider === 'cuda') {
    try {
      // Fatal-only logging: onnxruntime's own multi-line error would bury the one warning below.
      const session = await ort.InferenceSession.create(file, { ...options, executionProviders: ['cuda'], logSeverityLevel: 4 });
      return { session, provider: 'cuda' };
    } catch (err) {
      warn(`LAMO_EXECUTION_PROVIDER=cuda is not usable here (${firstLine(err)}); scoring on CPU instead`);
    }
  }
  try {
    const session = await ort.InferenceSession.create(file, { ...options, executionProviders: ['cpu'] });
    return { session, provider: 'cpu' };
  } catch (err) {
    throw new ModelLoadError(file, `onnxruntime cannot load this model (${firstLine(err)})`);
  }
}

/** Reads the cache layout from the graph's declared inputs and checks the LAMO ONNX contract. */
function describeGraph(file: string, session: ort.InferenceSession, candidates: ReadonlySet<string>, open: boolean): ModelGraph {
  for (const name of ['input_ids', 'attention_mask', 'position_ids']) {
    if (!session.inputNames.includes(name)) throw new ModelLoadError(file, `model has no input "${name}"`);
  }
  if (!session.outputNames.includes('logits')) throw new ModelLoadError(file, 'model has no output "logits"');
  let layers = 0;
  while (session.inputNames.includes(`past_key_values.${layers}.key`)) layers++;
  if (layers === 0) throw new ModelLoadError(file, 'model has no key/value cache inputs (past_key_values.0.key)');
  const pastNames: string[] = [];
  const presentNames: string[] = [];
  for (let i = 0; i < layers; i++) {
    for (const kind of ['key', 'value']) {
      const past = `past_key_values.${i}.${kind}`;
      const present = `present.${i}.${kind}`;
      if (!session.inputNames.includes(past)) throw new ModelLoadError(file, `model has no input "${past}"`);
      if (!session.outputNames.includes(present)) throw new ModelLoadError(file, `model has no output "${present}"`);
      pastNames.push(past);
      presentNames.push(present);
    }
  }
  const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
  const shape = meta?.isTensor ? meta.shape : [];
  const [heads, headDim] = [shape[1], shape[3]];
  if (shape.length !== 4 || typeof heads !== 'number' || typeof headDim !== 'number') {
    throw new ModelLoadError(
      file,
      `past_key_values.0.key must be [batch, heads, past, head_dim] with fixed heads and head_dim, found [${shape.join(', ')}]`,
    );
  }
  return { file, session, layers, heads, headDim, candidates, open, pastNames, presentNames };
}

/** One token through the model: proves the file runs, and that its vocabulary is the tokenizer's. */
async function checkLogitsWidth(graph: ModelGraph, tokenizer: PromptTokenizer): Promise<void> {
  let width: number | undefined;
  try {
    const batch = rightPadded([[tokenizer.padId]], tokenizer.padId);
    const out = await graph.session.run(feeds(graph, batch, emptyPast(graph, 1)), ['logits']);
    width = out['logits']!.dims[2];
  } catch (err) {
    throw new ModelLoadError(graph.file, `a one-token test run failed (${firstLine(err)})`);
  }
  if (width !== tokenizer.vocabSize) {
    throw new ModelLoadError(
      graph.file,
      `logits have ${width} entries per token but ${tokenizer.file} has ${tokenizer.vocabSize} token ids`,
    );
  }
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not ${value}`);
  return value;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}
