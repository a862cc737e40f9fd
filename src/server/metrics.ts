/**
 * Prometheus metrics (GET /metrics, text format, prom-client) — one registry per app, nothing global.
 * Labels are bounded sets chosen here (service ids, card kinds, fixed reason codes), never request data:
 * no patient, user, token or free text ever becomes a label.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OVERRIDE_REASONS, OVERRIDE_REASON_SYSTEM } from '../cds/cards/card';
import type { CardKind, FeedbackEntry, IssuedCard } from '../cds/types';
import { QueueFullError, type Scorer } from '../inference/types';

const KNOWN_OVERRIDE_CODES = new Set(Object.values(OVERRIDE_REASONS).map((reason) => reason.code));

/** JWT failure reasons (src/cds/auth.ts) folded into a fixed set; a reason may quote token data. */
const JWT_REASONS: [RegExp, string][] = [
  [/^no bearer/, 'no_token'],
  [/too large/, 'too_large'],
  [/malformed/, 'malformed'],
  [/^alg /, 'algorithm'],
  [/^no kid|kid/, 'key_id'],
  [/issuer not trusted/, 'issuer'],
  [/jku/, 'jku'],
  [/key source/, 'key_source'],
  [/^verification failed \((ERR_JWT_EXPIRED)\)/, 'expired'],
  [/^verification failed \((ERR_JWT_CLAIM_VALIDATION_FAILED)\)/, 'claims'],
  [/^verification failed/, 'signature'],
  [/jti replayed/, 'replay'],
  [/jti/, 'jti'],
];

export function jwtReasonLabel(reason: string): string {
  return JWT_REASONS.find(([pattern]) => pattern.test(reason))?.[1] ?? 'other';
}

export function overrideReasonLabel(entry: FeedbackEntry): string {
  if (entry.outcome !== 'overridden') return 'none';
  const reason = entry.overrideReason?.reason;
  if (!reason?.code) return 'unspecified';
  return reason.system === OVERRIDE_REASON_SYSTEM && KNOWN_OVERRIDE_CODES.has(reason.code) ? reason.code : 'other';
}

/** How a call's model part ended, from its audit note (src/server/app.ts). */
export type ModelOutcome = 'scored' | 'busy' | 'deadline' | 'unavailable' | 'not-run';

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: 'lamo_cds_request_duration_seconds',
    help: 'HTTP request duration by route (CDS service id or endpoint) and status code',
    labelNames: ['service', 'status'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
    registers: [this.registry],
  });
  readonly cards = new Counter({
    name: 'lamo_cds_cards_total',
    help: 'Cards returned, by service, card kind and indicator',
    labelNames: ['service', 'kind', 'indicator'],
    registers: [this.registry],
  });
  readonly modelOutcomes = new Counter({
    name: 'lamo_cds_model_outcomes_total',
    help: 'Hook calls by how the model part ended: scored, busy (queue full), deadline, unavailable, not-run',
    labelNames: ['service', 'outcome'],
    registers: [this.registry],
  });
  readonly scoringDuration = new Histogram({
    name: 'lamo_scoring_duration_seconds',
    help: 'Time from a score request to its result (queue wait included)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10],
    registers: [this.registry],
  });
  readonly scoringQueueWait = new Histogram({
    name: 'lamo_scoring_queue_wait_seconds',
    help: 'Of the scoring time, the wait for a free inference worker',
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly scoringRejections = new Counter({
    name: 'lamo_scoring_rejections_total',
    help: 'Score requests refused or failed, by reason (queue_full, aborted, error)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  /** Where the queue depth is read when Prometheus scrapes: the scorer, once it is loaded. */
  private queueSource?: () => number;
  readonly queueDepth: Gauge = new Gauge({
    name: 'lamo_scoring_queue_depth',
    help: 'Score requests waiting for a free inference worker',
    registers: [this.registry],
    collect: (): void => this.queueDepth.set(this.queueSource?.() ?? 0),
  });
  readonly fhirFallbackCalls = new Counter({
    name: 'lamo_fhir_fallback_calls_total',
    help: 'Hook calls that fetched missing data from the FHIR server',
    registers: [this.registry],
  });
  readonly fhirFallbackFailures = new Counter({
    name: 'lamo_fhir_fallback_failures_total',
    help: 'FHIR server queries of the fallback that failed (error, timeout, refused)',
    registers: [this.registry],
  });
  readonly jwtRejections = new Counter({
    name: 'lamo_jwt_rejections_total',
    help: 'Calls refused with 401, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly feedback = new Counter({
    name: 'lamo_feedback_total',
    help: 'Feedback stored (duplicates not counted), by service, card kind, outcome and override reason: the alert-fatigue monitor',
    labelNames: ['service', 'card_kind', 'outcome', 'override_reason'],
    registers: [this.registry],
  });
  readonly auditLost = new Counter({
    name: 'lamo_audit_rows_lost_total',
    help: 'Audit rows that could not be written (database unavailable); the call was answered',
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({
    name: 'lamo_store_errors_total',
    help: 'Store operations that failed, by operation',
    labelNames: ['operation'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'lamo_' });
  }

  watchQueue(depth: () => number): void {
    this.queueSource = depth;
  }

  countCards(service: string, cards: readonly IssuedCard[]): void {
    for (const { kind, card } of cards) this.cards.inc({ service, kind, indicator: card.indicator });
  }

  countFeedback(service: string, stored: readonly { entry: FeedbackEntry; cardKind?: CardKind }[]): void {
    for (const { entry, cardKind } of stored) {
      this.feedback.inc({ service, card_kind: cardKind ?? 'unknown', outcome: entry.outcome, override_reason: overrideReasonLabel(entry) });
    }
  }

  /** The scorer, timed and its refusals counted; everything else passes through. */
  instrument(scorer: Scorer): Scorer {
    const metrics = this;
    return {
      get modelId() {
        return scorer.modelId;
      },
      get modelVersion() {
        return scorer.modelVersion;
      },
      get candidates() {
        return scorer.candidates;
      },
      get scoresExtraCandidates() {
        return scorer.scoresExtraCandidates;
      },
      get threshold() {
        return scorer.threshold;
      },
      get thresholds() {
        return scorer.thresholds;
      },
      async score(prompt, candidates, signal) {
        try {
          const result = await scorer.score(prompt, candidates, signal);
          metrics.scoringDuration.observe(result.elapsedMs / 1000);
          metrics.scoringQueueWait.observe(result.queueMs / 1000);
          return result;
        } catch (error) {
          metrics.scoringRejections.inc({ reason: error instanceof QueueFullError ? 'queue_full' : signal?.aborted ? 'aborted' : 'error' });
          throw error;
        }
      },
      close: () => scorer.close(),
    };
  }
}
