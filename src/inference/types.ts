/** The scorer stage: P(yes) for each candidate drug of one encounter prompt.
 * Implementations: local onnxruntime-node (in worker threads); later a remote inference server. */
import type { EncounterPrompt } from '../lamo/types';
import type { DecisionThresholds } from './thresholds';

export interface ScoreResult {
  /** Candidate name → P(yes) = softmax over the Yes/No answer-token logits at the answer position. */
  probabilities: Map<string, number>;
  modelVersion: string;
  /** From the score() call to the result, queue wait included. */
  elapsedMs: number;
  /** Of elapsedMs, the time spent waiting for a free worker. */
  queueMs: number;
}

export interface Scorer {
  readonly modelId: string;
  readonly modelVersion: string;
  /** Candidate names the model was trained on (the manifest's candidate list). */
  readonly candidates: readonly string[];
  /** Whether candidates outside `candidates` (a visit's extras: the patient's other earlier drugs) are scored. */
  readonly scoresExtraCandidates: boolean;
  /** The manifest's global threshold, for display only: decisions use `thresholds` (per candidate). */
  readonly threshold: number;
  /** The decision rule: `thresholds.recommend(c)` / `thresholds.unsupported(c)` (src/inference/thresholds.ts). */
  readonly thresholds: DecisionThresholds;
  /** Score `candidates` for one prompt: by default the manifest's candidates and, when the model has a `"*"`
   * file, the drugs of the prompt's medication history (`candidateHistory`) outside them — the visit's own
   * candidates. The result's keys are what was scored. Rejects with QueueFullError under overload. */
  score(prompt: EncounterPrompt, candidates?: readonly string[], signal?: AbortSignal): Promise<ScoreResult>;
  close(): Promise<void>;
}

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('scoring queue is full');
    this.name = 'QueueFullError';
  }
}
