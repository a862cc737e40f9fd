/** Inference worker thread: one OnnxScorer, one job at a time (the pool never sends a second before
 * the first is answered). Loaded from dist/ by worker-pool.ts. */
import { parentPort, workerData } from 'worker_threads';
import type { EncounterPrompt } from '../lamo/types';
import { OnnxScorer } from './onnx-scorer';
import { serializeError, type ScoreRequest, type StopRequest, type WorkerInit, type WorkerMessage } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread (see worker-pool.ts)');

function send(message: WorkerMessage): void {
  port!.postMessage(message);
}

/** Warm-up prompts shaped like real ones, a long one first: onnxruntime grows its memory arena to the
 * largest shapes it has seen, so after a long prefix the first real requests allocate nothing new.
 * The text is the candidates' own names (always in the vocabulary), repeated to a realistic length. */
function warmUpPrompts(scorer: OnnxScorer): EncounterPrompt[] {
  const names = scorer.candidates.join(', ');
  const make = (template: 'withHistory' | 'withoutHistory', history: string, input: string): EncounterPrompt => {
    const full = scorer.loaded.manifest.templates[template]
      .split('{history}')
      .join(history)
      .split('{input}')
      .join(`${input}, Candidate drug: {drug}.`);
    const at = full.indexOf('{drug}');
    return { prefix: full.slice(0, at), suffixTemplate: full.slice(at), template };
  };
  // About 700 tokens with the development model's tokenizer: above the longest Synthea prefix (644).
  const long = make('withHistory', `Drugs: [${names}]`, `Medications on admission: [${names}], Drugs: [${names}]`);
  return [long, make('withoutHistory', '', 'Visit: ambulatory')];
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  let scorer: OnnxScorer;
  try {
    scorer = await OnnxScorer.create(init.modelDir, {
      ...init.scorer,
      warn: (message) => send({ type: 'warning', message }),
    });
    for (const prompt of warmUpPrompts(scorer)) await scorer.scoreShared(prompt);
  } catch (err) {
    send({ type: 'failed', error: serializeError(err) });
    return;
  }
  // One job at a time (the pool's rule); a stop waits for it, so no session is released under a running call.
  let inFlight: Promise<void> = Promise.resolve();
  let stopping = false;
  port!.on('message', (request: ScoreRequest | StopRequest) => {
    if (request.type === 'stop') {
      stopping = true;
      void inFlight
        .then(() => scorer.close())
        .catch(() => undefined)
        .finally(() => process.exit(request.exitCode));
      return;
    }
    inFlight = answer(scorer, request, () => !stopping);
  });
  send({
    type: 'ready',
    info: {
      modelId: scorer.modelId,
      modelVersion: scorer.modelVersion,
      candidates: scorer.candidates,
      scoresExtraCandidates: scorer.scoresExtraCandidates,
      threshold: scorer.threshold,
      thresholds: scorer.thresholds.table,
      executionProvider: scorer.executionProvider,
    },
  });
}

/** Scores one request and answers it, unless the thread is being stopped (then the pool settles the job). */
async function answer(scorer: OnnxScorer, request: ScoreRequest, answering: () => boolean): Promise<void> {
  const started = performance.now();
  try {
    const probabilities = await scorer.score(request.prompt, request.candidates ?? scorer.defaultCandidates(request.prompt), request.mode);
    if (!answering()) return;
    send({ type: 'result', jobId: request.jobId, probabilities: [...probabilities], scoringMs: performance.now() - started });
  } catch (err) {
    if (answering()) send({ type: 'error', jobId: request.jobId, error: serializeError(err) });
  }
}

void main();
