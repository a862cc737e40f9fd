/** The scoring stage's public surface: what the CDS service, the CLI and the benchmark import. */
export { createScorer, WorkerPool, WorkerCrashedError, DEFAULT_QUEUE_MAX, type ScorerOptions } from './worker-pool';
export { OnnxScorer, UnknownCandidateError, type OnnxScorerOptions, type ScoringMode, type ExecutionProviderName } from './onnx-scorer';
export { loadManifest, ModelLoadError, type ModelManifest, type ManifestCandidate, type LoadedManifest } from './manifest';
export { QueueFullError, type Scorer, type ScoreResult } from './types';
