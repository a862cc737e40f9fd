/** Messages between the worker pool (main thread) and an inference worker thread. */
import type { EncounterPrompt } from '../lamo/types';
import { ModelLoadError } from './manifest';
import type { ThresholdTable } from './thresholds';
import { UnknownCandidateError, type OnnxScorerOptions, type ScoringMode } from './onnx-scorer';

/** workerData of an inference worker. */
export interface WorkerInit {
  modelDir: string;
  /** OnnxScorerOptions without functions (they cannot cross threads). */
  scorer: Omit<OnnxScorerOptions, 'warn'>;
}

export interface ScoreRequest {
  type: 'score';
  jobId: number;
  prompt: EncounterPrompt;
  candidates: readonly string[] | undefined;
  mode: ScoringMode;
}

/**
 * Asks the worker to release its onnxruntime sessions and end its thread with `exitCode`. Ending a thread that
 * still holds sessions (Worker.terminate) can abort the whole process from native code ("terminate called after
 * throwing an instance of 'Napi::Error'", seen in about one test run of three), so the pool ends threads this way
 * and terminates only one that does not exit in time. A non-zero code ends it as a crash would (drills, tests):
 * the job it was scoring gets no answer.
 */
export interface StopRequest {
  type: 'stop';
  exitCode: number;
}

export interface ModelInfo {
  modelId: string;
  modelVersion: string;
  candidates: readonly string[];
  /** The model also scores a call's extra candidates (the patient's earlier drugs outside `candidates`). */
  scoresExtraCandidates: boolean;
  threshold: number;
  thresholds: ThresholdTable;
  executionProvider: string;
}

export type WorkerMessage =
  | { type: 'ready'; info: ModelInfo }
  | { type: 'failed'; error: SerializedError }
  | { type: 'warning'; message: string }
  | { type: 'result'; jobId: number; probabilities: [string, number][]; scoringMs: number }
  | { type: 'error'; jobId: number; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  /** ModelLoadError.file */
  file?: string;
  /** UnknownCandidateError.names */
  names?: readonly string[];
}

/** Errors cross threads as plain data; the classes callers test with `instanceof` are rebuilt. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof ModelLoadError) return { name: err.name, message: err.message, file: err.file };
  if (err instanceof UnknownCandidateError) return { name: err.name, message: err.message, names: err.names };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

export function deserializeError(data: SerializedError): Error {
  if (data.name === 'ModelLoadError' && data.file !== undefined) {
    // The message already starts with the file; rebuild without repeating it.
    const prefix = `${data.file}: `;
    return new ModelLoadError(data.file, data.message.startsWith(prefix) ? data.message.slice(prefix.length) : data.message);
  }
  if (data.name === 'UnknownCandidateError' && data.names) return new UnknownCandidateError(data.names);
  const err = new Error(data.message);
  err.name = data.name;
  return err;
}
