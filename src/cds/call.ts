/**
 * One CDS call end to end: the pipeline under the deadline, the gap messages, the answer's cards and the
 * audit entry. The HTTP layer only maps the result to a response; `npm run clinical-check` calls this in-process.
 *
 * Past the deadline the answer holds what is ready (safety cards first) and says the model did not finish; the
 * pipeline is told to stop through its AbortSignal, and anything it throws after that is logged, not lost.
 */
import type { Assessment } from './assessment';
import type { CardSourceInfo } from './cards/card';
import { HttpProblem } from './operation-outcome';
import { runPipeline, type PipelineDeps } from './pipeline';
import { PipelineProgress } from './progress';
import type { CdsRequest, IssuedCard, ServiceDefinition } from './types';

/** Past the deadline the pipeline has already been told to stop; this much more, then answer regardless. */
const DEADLINE_GRACE_MS = 100;

export type ModelOutcome = 'scored' | 'deadline' | 'busy' | 'unavailable' | 'not-run';

/** What the audit trail keeps of a call (the patient id is hashed by whoever stores it). */
export interface CallAudit {
  hookInstance: string;
  serviceId: string;
  at: Date;
  status: number;
  elapsedMs: number;
  modelVersion?: string;
  /** The knowledge version the call was judged with. */
  knowledgeVersion?: string;
  patientId?: string;
  note?: string;
  cards: IssuedCard[];
}

export interface CallDeps extends PipelineDeps {
  /** Stores the audit entry; must not throw or block (it is called before the answer is sent). */
  audit?: (entry: CallAudit) => void;
}

export interface CallOptions {
  deadlineMs: number;
  source: CardSourceInfo;
  now?: Date;
}

export interface CallResult {
  cards: IssuedCard[];
  /** The state the cards were judged on, when the record could be assembled (the SMART app shows it). */
  assessment?: Assessment;
  finished: 'done' | 'deadline';
  modelOutcome: ModelOutcome;
  modelVersion?: string;
}

function outcomeOf(progress: PipelineProgress, finished: 'done' | 'deadline'): ModelOutcome {
  if (progress.modelVersion) return 'scored';
  if (finished === 'deadline' || progress.gaps.some((gap) => /deadline/.test(gap))) return 'deadline';
  if (progress.gaps.some((gap) => /busy/.test(gap))) return 'busy';
  if (progress.gaps.some((gap) => /model/i.test(gap))) return 'unavailable';
  return 'not-run';
}

/** Answers one validated request for `service`; throws HttpProblem (412) when nothing can be assessed. */
export async function runService(service: ServiceDefinition, request: CdsRequest, deps: CallDeps, options: CallOptions): Promise<CallResult> {
  const started = Date.now();
  const progress = new PipelineProgress();
  const signal = AbortSignal.timeout(options.deadlineMs);
  const run = runPipeline(service, request, deps, progress, { signal, deadlineMs: options.deadlineMs, source: options.source, ...(options.now ? { now: options.now } : {}) });
  const audit = (status: number, cards: IssuedCard[], note: string | undefined): void =>
    deps.audit?.({
      hookInstance: request.hookInstance,
      serviceId: service.id,
      at: new Date(started),
      status,
      elapsedMs: Date.now() - started,
      ...(progress.modelVersion ? { modelVersion: progress.modelVersion } : {}),
      ...(options.source.knowledgeVersion ? { knowledgeVersion: options.source.knowledgeVersion } : {}),
      ...(progress.patientId ? { patientId: progress.patientId } : {}),
      ...(note || progress.gaps.length > 0 ? { note: note ?? 'model-unavailable' } : {}),
      cards,
    });

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), options.deadlineMs + DEADLINE_GRACE_MS);
  });
  let finished: 'done' | 'deadline';
  try {
    finished = await Promise.race([run.then(() => 'done' as const), deadline]);
  } catch (error) {
    if (error instanceof HttpProblem) {
      audit(error.status, [], 'precondition-failed');
      throw error;
    }
    deps.logger.error('cds.pipeline_failed', { service: service.id, error: (error as Error).message.slice(0, 300) });
    progress.addGap('The service failed while assessing this request (the error is logged).');
    finished = 'done';
  } finally {
    clearTimeout(timer);
  }
  if (finished === 'deadline') {
    // The pipeline runs on until its AbortSignal stops it; what it throws then is logged, never unhandled.
    run.catch((error: unknown) => {
      const name = error instanceof Error ? error.name : 'unknown';
      deps.logger.warn('cds.pipeline_failed_after_deadline', { service: service.id, error: name });
    });
    if (!progress.modelVersion) progress.addGap(`The model did not finish within the ${options.deadlineMs} ms deadline.`);
  }
  const cards = progress.cards(options.source, deps.maxWarningCards);
  audit(200, cards, finished === 'deadline' ? 'deadline' : undefined);
  return {
    cards,
    finished,
    modelOutcome: outcomeOf(progress, finished),
    ...(progress.modelVersion ? { modelVersion: progress.modelVersion } : {}),
    ...(progress.assessment ? { assessment: progress.assessment } : {}),
  };
}
