/** Inference worker thread: one OnnxScorer, one job at a time (the pool never sends a second before
 * the first is answered). Loaded from dist/ by worker-pool.ts. */
import { parentPort, workerData } from 'worker_threads';
import type { EncounterPrompt } from '../lamo/types';
import { OnnxScorer } from './onnx-scorer';
import { serializeError, type ScoreRequest, type WorkerInit, type WorkerMessage } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread (see worker-pool.ts)');

function send(message: WorkerMessage): void {
  port!.postMessage(message);
}

/** A prompt shaped like real ones, so that warm-up runs the same kernels and allocates the same
 * buffers as the first real request. */
function warmUpPrompt(scorer: OnnxScorer): EncounterPrompt {
  const input = 'Encounter: general examination of patient. Candidate drug: {drug}.';
  const full = scorer.loaded.manifest.templates.withoutHistory.split('{input}').join(input);
  const at = full.indexOf('{drug}');
  return { prefix: full.slice(0, at), suffixTemplate: full.slice(at), template: 'withoutHistory' };
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  let scorer: OnnxScorer;
  try {
    scorer = await OnnxScorer.create(init.modelDir, {
      ...init.scorer,
      warn: (message) => send({ type: 'warning', message }),
    });
    await scorer.scoreShared(warmUpPrompt(scorer));
  } catch (err) {
    send({ type: 'failed', error: serializeError(err) });
    return;
  }
  port!.on('message', (request: ScoreRequest) => {
    void answer(scorer, request);
  });
  send({
    type: 'ready',
    info: {
      modelId: scorer.modelId,
      modelVersion: scorer.modelVersion,
      candidates: scorer.candidates,
      threshold: scorer.threshold,
      executionProvider: scorer.executionProvider,
    },
  });
}

async function answer(scorer: OnnxScorer, request: ScoreRequest): Promise<void> {
  const started = performance.now();
  try {
    const probabilities = await scorer.score(request.prompt, request.candidates ?? scorer.candidates, request.mode);
    send({ type: 'result', jobId: request.jobId, probabilities: [...probabilities], scoringMs: performance.now() - started });
  } catch (err) {
    send({ type: 'error', jobId: request.jobId, error: serializeError(err) });
  }
}

void main();
