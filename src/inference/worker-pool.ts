/** The service's scorer: a pool of worker threads, each with its own onnxruntime sessions, so that
 * inference (which blocks the thread it runs on) never stalls the HTTP event loop.
 *
 * Overload is refused, not queued without bound: past `queueMax` waiting jobs a call rejects at once
 * with QueueFullError, which the service turns into 503 + Retry-After. */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { EncounterPrompt } from '../lamo/types';
import { loadManifest } from './manifest';
import { defaultIntraOpThreads, UnknownCandidateError, type OnnxScorerOptions, type ScoringMode } from './onnx-scorer';
import { thresholdsFromTable, type DecisionThresholds } from './thresholds';
import { PromptTokenizer } from './tokenizer';
import { QueueFullError, type ScoreResult, type Scorer } from './types';
import { deserializeError, type ModelInfo, type ScoreRequest, type StopRequest, type WorkerInit, type WorkerMessage } from './worker-protocol';

export interface ScorerOptions extends Omit<OnnxScorerOptions, 'warn'> {
  /** Worker threads. Default: LAMO_INFERENCE_THREADS or 1. */
  threads?: number;
  /** Jobs that may wait for a free worker. Default: LAMO_QUEUE_MAX or 16. */
  queueMax?: number;
  /** Scoring path; prefix-shared unless comparing. */
  mode?: ScoringMode;
  /** Pool warnings (CUDA fallback, worker replaced). Default console.warn. */
  warn?: (message: string) => void;
}

export const DEFAULT_QUEUE_MAX = 16;
const NO_WORKERS = 'no inference worker is running (replacements failed to start; see the log)';
/** How long a thread asked to stop may take (it finishes its current job first) before it is terminated. */
const STOP_GRACE_MS = 3000;

/** A score call that ended because its worker thread died under it. */
export class WorkerCrashedError extends Error {
  constructor(detail: string) {
    super(`inference worker crashed while scoring (${detail}); the pool replaces it`);
    this.name = 'WorkerCrashedError';
  }
}

/** Starts the pool; resolves once every worker has loaded the model and scored a warm-up prompt. */
export async function createScorer(modelDir: string, options: ScorerOptions = {}): Promise<WorkerPool> {
  // Manifest and tokenizer are checked here too: cheap, and the error then comes before any thread starts.
  PromptTokenizer.load(loadManifest(modelDir));
  const pool = new WorkerPool(modelDir, options);
  await pool.start();
  return pool;
}

interface Job {
  id: number;
  prompt: EncounterPrompt;
  candidates: readonly string[] | undefined;
  enqueuedAt: number;
  startedAt?: number;
  settled: boolean;
  resolve(result: ScoreResult): void;
  reject(err: Error): void;
  /** Removes the abort listener. */
  cleanup(): void;
}

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  job?: Job;
  /** Set when the pool itself ends the thread (close), so its exit is not a crash. */
  stopping: boolean;
}

export class WorkerPool implements Scorer {
  private readonly threads: number;
  private readonly queueMax: number;
  private readonly mode: ScoringMode;
  private readonly warn: (message: string) => void;
  private readonly init: WorkerInit;
  private readonly script: string;
  private readonly workers = new Set<PoolWorker>();
  private readonly queue: Job[] = [];
  private readonly warned = new Set<string>();
  private info?: ModelInfo;
  private decisionRule?: DecisionThresholds;
  private candidateSet = new Set<string>();
  private nextJobId = 1;
  private closed = false;
  /** Moving average of one job's scoring time, for Retry-After. */
  private averageJobMs = 100;

  constructor(modelDir: string, options: ScorerOptions = {}) {
    this.threads = options.threads ?? intFromEnv('LAMO_INFERENCE_THREADS', 1, 1);
    this.queueMax = options.queueMax ?? intFromEnv('LAMO_QUEUE_MAX', DEFAULT_QUEUE_MAX, 0);
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new Error(`threads must be a positive integer, not ${this.threads}`);
    if (!Number.isInteger(this.queueMax) || this.queueMax < 0) throw new Error(`queueMax must be an integer ≥ 0, not ${this.queueMax}`);
    this.mode = options.mode ?? 'shared';
    this.warn = options.warn ?? ((message: string) => console.warn(message));
    const { threads: _t, queueMax: _q, mode: _m, warn: _w, ...scorer } = options;
    // Workers share the cores: each gets its slice for intra-op parallelism instead of all of them.
    scorer.intraOpNumThreads ??= defaultIntraOpThreads(this.threads);
    this.init = { modelDir: path.resolve(modelDir), scorer };
    this.script = workerScript();
  }

  get modelId(): string {
    return this.requireInfo().modelId;
  }
  get modelVersion(): string {
    return this.requireInfo().modelVersion;
  }
  get candidates(): readonly string[] {
    return this.requireInfo().candidates;
  }
  get scoresExtraCandidates(): boolean {
    return this.requireInfo().scoresExtraCandidates;
  }
  get threshold(): number {
    return this.requireInfo().threshold;
  }
  get thresholds(): DecisionThresholds {
    return this.requireThresholds();
  }
  get executionProvider(): string {
    return this.requireInfo().executionProvider;
  }
  /** Jobs waiting for a worker (not counting those being scored). */
  get queued(): number {
    return this.queue.length;
  }

  async start(): Promise<void> {
    const starting = Array.from({ length: this.threads }, () => this.spawn());
    const results = await Promise.allSettled(starting);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await this.close();
      throw failure.reason;
    }
  }

  score(prompt: EncounterPrompt, candidates?: readonly string[], signal?: AbortSignal): Promise<ScoreResult> {
    if (this.closed) return Promise.reject(new Error('the scorer is closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    // A worker being replaced counts (it is in the set while it loads); none at all would queue forever.
    if (this.workers.size === 0) return Promise.reject(new Error(NO_WORKERS));
    if (candidates && !this.requireInfo().scoresExtraCandidates) {
      const unknown = candidates.filter((name) => !this.candidateSet.has(name));
      if (unknown.length > 0) return Promise.reject(new UnknownCandidateError(unknown));
    }
    const idle = this.idleWorker();
    if (!idle && this.queue.length >= this.queueMax) {
      return Promise.reject(new QueueFullError(this.retryAfterSeconds()));
    }
    return new Promise<ScoreResult>((resolve, reject) => {
      const job: Job = {
        id: this.nextJobId++,
        prompt,
        candidates,
        enqueuedAt: performance.now(),
        settled: false,
        resolve,
        reject,
        cleanup: () => undefined,
      };
      if (signal) {
        const onAbort = (): void => this.abort(job, abortReason(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        job.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      if (idle) this.dispatch(idle, job);
      else this.queue.push(job);
    });
  }

  /** Ends one worker thread as a crash would (tests and failure drills): its job gets no answer; the pool replaces it. */
  async killWorker(): Promise<void> {
    const target = [...this.workers].find((w) => w.ready && !w.stopping);
    if (!target) throw new Error('no running worker to kill');
    await stopThread(target.worker, 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    const closedError = new Error('the scorer was closed before this job finished');
    for (const job of this.queue.splice(0)) this.settle(job, closedError);
    const stopping = [...this.workers].map((w) => {
      w.stopping = true;
      if (w.job) this.settle(w.job, closedError);
      return stopThread(w.worker, 0);
    });
    this.workers.clear();
    await Promise.all(stopping);
  }

  /** Starts one worker; resolves when it has warmed up, rejects with its load error. */
  private spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry: PoolWorker = {
        worker: new Worker(this.script, { workerData: this.init }),
        ready: false,
        stopping: false,
      };
      this.workers.add(entry);
      let lastError: Error | undefined;
      entry.worker.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'ready':
            this.info = message.info;
            this.decisionRule = thresholdsFromTable(message.info.thresholds);
            this.candidateSet = new Set(message.info.candidates);
            entry.ready = true;
            resolve();
            this.pump();
            return;
          case 'failed':
            lastError = deserializeError(message.error);
            entry.stopping = true;
            void entry.worker.terminate();
            return;
          case 'warning':
            this.warnOnce(message.message);
            return;
          case 'result':
          case 'error':
            this.finish(entry, message);
            return;
        }
      });
      // An uncaught exception in the thread; 'exit' follows and handles it.
      entry.worker.on('error', (err) => {
        lastError ??= err;
      });
      entry.worker.on('exit', (code) => {
        this.workers.delete(entry);
        if (!entry.ready) {
          reject(lastError ?? new Error(`inference worker exited with code ${code} while loading the model`));
          this.failQueueIfNoWorkers();
          return;
        }
        if (entry.stopping) return;
        const detail = lastError?.message ?? `thread exited with code ${code}`;
        if (entry.job) this.settle(entry.job, new WorkerCrashedError(detail));
        entry.job = undefined;
        if (this.closed) return;
        this.warn(`inference worker stopped unexpectedly (${detail}); starting a replacement`);
        this.spawn().catch((err: Error) => {
          if (!this.closed) this.warn(`replacement inference worker failed to start: ${err.message}`);
        });
      });
    });
  }

  private finish(entry: PoolWorker, message: Extract<WorkerMessage, { type: 'result' | 'error' }>): void {
    const job = entry.job;
    entry.job = undefined;
    if (job && job.id === message.jobId) {
      if (message.type === 'result') {
        this.averageJobMs = 0.8 * this.averageJobMs + 0.2 * message.scoringMs;
        const now = performance.now();
        this.settle(job, undefined, {
          probabilities: new Map(message.probabilities),
          modelVersion: this.modelVersion,
          elapsedMs: now - job.enqueuedAt,
          queueMs: (job.startedAt ?? now) - job.enqueuedAt,
        });
      } else {
        this.settle(job, deserializeError(message.error));
      }
    }
    this.pump();
  }

  private dispatch(entry: PoolWorker, job: Job): void {
    entry.job = job;
    job.startedAt = performance.now();
    const request: ScoreRequest = { type: 'score', jobId: job.id, prompt: job.prompt, candidates: job.candidates, mode: this.mode };
    entry.worker.postMessage(request);
  }

  /** Hands waiting jobs to idle workers. */
  private pump(): void {
    let idle = this.idleWorker();
    while (idle && this.queue.length > 0) {
      this.dispatch(idle, this.queue.shift()!);
      idle = this.idleWorker();
    }
  }

  private idleWorker(): PoolWorker | undefined {
    for (const w of this.workers) if (w.ready && !w.stopping && !w.job) return w;
    return undefined;
  }

  /** A queued job leaves the queue; a running one is answered now and its late result dropped
   * (onnxruntime cannot stop a run midway). */
  private abort(job: Job, reason: Error): void {
    const at = this.queue.indexOf(job);
    if (at >= 0) this.queue.splice(at, 1);
    this.settle(job, reason);
  }

  private settle(job: Job, err: Error | undefined, result?: ScoreResult): void {
    if (job.settled) return;
    job.settled = true;
    job.cleanup();
    if (err) job.reject(err);
    else job.resolve(result!);
  }

  private failQueueIfNoWorkers(): void {
    if (this.workers.size > 0) return;
    const err = new Error(NO_WORKERS);
    for (const job of this.queue.splice(0)) this.settle(job, err);
  }

  private retryAfterSeconds(): number {
    const waiting = this.queue.length + this.threads;
    return Math.max(1, Math.ceil((waiting * this.averageJobMs) / this.threads / 1000));
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warn(message);
  }

  private requireThresholds(): DecisionThresholds {
    this.requireInfo();
    return this.decisionRule!;
  }

  private requireInfo(): ModelInfo {
    if (!this.info) throw new Error('the scorer has not started (await createScorer)');
    return this.info;
  }
}

/** Compiled worker beside this file; when this file runs as TypeScript (ts-jest), the compiled copy
 * under dist/ (built by jest's global setup or `npm run build`). */
function workerScript(): string {
  const script = __filename.endsWith('.ts')
    ? path.resolve(__dirname, '..', '..', 'dist', 'src', 'inference', 'worker.js')
    : path.join(__dirname, 'worker.js');
  if (!fs.existsSync(script)) throw new Error(`inference worker script ${script} is missing; run \`npm run build\``);
  return script;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  // Duck-typed: the DOMException of AbortSignal.timeout() may come from another realm (VM contexts).
  if (reason instanceof Error || (typeof reason === 'object' && reason !== null && 'name' in reason && 'message' in reason)) {
    return reason as Error;
  }
  const err = new Error(typeof reason === 'string' ? reason : 'the scoring request was aborted');
  err.name = 'AbortError';
  return err;
}

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, not ${JSON.stringify(raw)}`);
  return value;
}

/** Ends a thread the safe way (see StopRequest): asks it to release its sessions and exit; terminates it only if
 * it has not exited within STOP_GRACE_MS. Resolves once the thread is gone. */
function stopThread(worker: Worker, exitCode: number): Promise<void> {
  if (worker.threadId === -1) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve()), STOP_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    const stop: StopRequest = { type: 'stop', exitCode };
    worker.postMessage(stop);
  });
}
