/**
 * One CDS call, stage by stage: hook context → resources (prefetch, then the FHIR server for what is missing
 * or cut short: gather.ts, which also says what may still be incomplete) → the encounter decided on
 * (encounter.ts) → the clinical record (every readable field) → safety findings → full record → LAMO prompt →
 * scores → model findings and cards; findings that rest on the absence of incomplete data are dropped
 * (partial-data.ts). What each hook judges and answers is the hook's (hooks/*.ts); this file
 * holds only the order of the stages, the same for every hook.
 *
 * Findings and cards are published to `progress` as soon as they exist, so that an answer can be built from
 * what is ready when the deadline passes (src/cds/call.ts). The fallback gets at most half the deadline;
 * the scorer gets the deadline's AbortSignal.
 */
import { assembleRecord } from '../fhir/record';
import type { PatientRecord } from '../fhir/types';
import { QueueFullError, type Scorer } from '../inference/types';
import { buildEncounterPrompt } from '../lamo/prompt';
import type { PromptTemplates } from '../lamo/types';
import type { MedicationVocabulary } from '../medications/types';
import { activeOrders, currentOrder, isInpatient, type Assessment, type CardKnowledge } from './assessment';
import type { CardSourceInfo } from './cards/card';
import { withheldCandidates, type SafetyChecks } from './cards/safety';
import { recommendedCandidates } from './cards/suggestions';
import { unassessedDraftsCard } from './cards/unassessed-drafts';
import { clinicalRecord } from './clinical-record';
import { readHookContext } from './context';
import { decisionEncounter, knownEncounter, resolveEncounter } from './encounter';
import { gatherResources } from './gather';
import type { Logger } from './logger';
import { HttpProblem } from './operation-outcome';
import { partialEntries, withoutAbsenceFindings } from './partial-data';
import type { PipelineProgress } from './progress';
import type { CdsRequest, ServiceDefinition } from './types';

export interface PipelineDeps {
  /** The scorer once loaded; otherwise why there is none ("still loading", "failed to load"). */
  scorer: () => Scorer | { unavailable: string };
  vocab: MedicationVocabulary;
  templates: PromptTemplates;
  safety: SafetyChecks;
  knowledge: CardKnowledge;
  expectedDrugsPerVisit?: number;
  logger: Logger;
  /** Most suggestions in one card. */
  maxSuggestions: number;
  /** Most warning cards in one answer (critical cards are always shown; the rest is folded into one info card). */
  maxWarningCards: number;
  /** Told what the FHIR fallback did (metrics); optional. */
  observer?: PipelineObserver;
}

export interface PipelineObserver {
  fhirFallback(result: { queries: number; failures: number }): void;
}

/** Without these the model's view of the patient is not trustworthy (no problems known, no drugs known). */
const ESSENTIAL_FOR_MODEL = ['Condition', 'MedicationRequest'] as const;

function withoutOrders(record: PatientRecord, ids: ReadonlySet<string>): PatientRecord {
  if (ids.size === 0) return record;
  const keep = (order: { id: string }): boolean => !ids.has(order.id);
  return {
    ...record,
    medications: record.medications.filter(keep),
    encounters: record.encounters.map((encounter) => ({ ...encounter, medications: encounter.medications.filter(keep) })),
  };
}

function hasClinicalData(record: PatientRecord): boolean {
  return record.conditions.length + record.allergies.length + record.medications.length + record.encounters.length > 0;
}

export interface RunOptions {
  signal: AbortSignal;
  /** The deadline in ms, for the fallback's share and the gap message. */
  deadlineMs: number;
  source: CardSourceInfo;
  now?: Date;
}

/** Runs the stages of one call into `progress`; throws HttpProblem(412) when nothing at all can be assessed. */
export async function runPipeline(service: ServiceDefinition, request: CdsRequest, deps: PipelineDeps, progress: PipelineProgress, options: RunOptions): Promise<void> {
  const now = options.now ?? new Date();
  const context = readHookContext(request);
  progress.patientId = context.patientId;

  // ---- resources: draft orders, prefetch, then the FHIR server for what is missing or cut short ----
  const known = knownEncounter(context.encounterId, context.draftOrders);
  const { pool, drafts: draftResources, incomplete, notSent } = await gatherResources(service, request, context, {
    signal: options.signal,
    deadlineMs: options.deadlineMs,
    ...(known.id ? { encounterId: known.id } : {}),
    logger: deps.logger,
    ...(deps.observer ? { onFallback: (result: { queries: number; failures: number }) => deps.observer?.fhirFallback(result) } : {}),
  });
  progress.partial = partialEntries(incomplete, notSent);

  // ---- the clinical record: every readable field of every resource, the drafts apart ----
  const clinical = clinicalRecord(draftResources, pool.resources, context.patientId);
  progress.repairs = clinical.repairs;
  if (clinical.repairs.size > 0) {
    // Types and field names only: which resource (and whose) stays out of the log.
    deps.logger.warn('cds.fields_skipped', { service: service.id, fields: [...clinical.repairs.entries()].map(([field, n]) => `${field}:${n}`) });
  }
  if (!hasClinicalData(clinical.record) && pool.queried.size === 0 && context.draftOrders.length === 0) {
    const why = pool.failures.length > 0 ? ` (${pool.failures.map((f) => f.diagnostics).join('; ')})` : '';
    throw new HttpProblem(412, [
      { code: 'incomplete', diagnostics: 'nothing to assess: the request has no draft orders and no patient data, neither prefetched nor retrievable from a fhirServer' + why },
    ]);
  }
  progress.request = unassessedDraftsCard(options.source, clinical.unassessed);

  const draftIds = new Set(draftResources.filter((r) => r.resourceType === 'MedicationRequest').map((r) => r.id as string));
  const decided = resolveEncounter(known, clinical.record);
  const encounter = decisionEncounter(clinical.record, decided.id, now);
  // Orders still marked active are current unless the record's dates say they ended (a finished antibiotic course).
  const at = Date.parse(encounter.start ?? '') || now.getTime();
  const active = activeOrders(clinical.record, deps.vocab, draftIds, currentOrder(deps.knowledge, at));
  const assessment: Assessment = {
    patientId: context.patientId,
    ...(decided.id !== undefined ? { encounterId: decided.id } : {}),
    encounterBasis: decided.basis,
    ...(context.userId !== undefined ? { userId: context.userId } : {}),
    record: clinical.record,
    encounter,
    inpatient: isInpatient(encounter),
    drafts: clinical.drafts,
    judged: service.judge({ drafts: clinical.drafts, active, selections: context.selections }),
    active,
    vocab: deps.vocab,
    knowledge: deps.knowledge,
    withheld: new Map(),
    incomplete,
  };
  progress.assessment = assessment;

  // ---- safety checks: on whatever could be read, before and apart from the model ----
  progress.safety = withoutAbsenceFindings(service.safety(assessment, deps.safety), incomplete);

  // ---- the model ----
  if (!service.wantsModel(assessment, context)) return;
  const scorer = deps.scorer();
  if ('unavailable' in scorer) {
    progress.addGap(scorer.unavailable);
    return;
  }
  const missing = ESSENTIAL_FOR_MODEL.filter((type) => !pool.queried.has(type));
  if (missing.length > 0) {
    const how = request.fhirServer ? 'and the FHIR server did not supply them' : 'and the request named no fhirServer to fetch them from';
    progress.addGap(`The record is incomplete: no ${missing.join(' or ')} data was prefetched, ${how}.`);
    return;
  }
  let full: PatientRecord;
  try {
    full = withoutOrders(assembleRecord(pool.resources, { patientId: context.patientId }).record, draftIds);
  } catch (error) {
    // The message may quote resource ids; the error's kind is enough to find it again.
    deps.logger.warn('cds.record_unusable', { service: service.id, error: (error as Error).name });
    progress.addGap('The full patient record could not be assembled from the data sent, so the model did not run (the problem is logged).');
    return;
  }
  if (options.signal.aborted) {
    progress.addGap(`The model did not finish within the ${options.deadlineMs} ms deadline.`);
    return;
  }

  try {
    // A live call: the orders' statuses are the EHR's current ones, so an active order is a current medication.
    const prompt = buildEncounterPrompt(full, decisionEncounter(full, decided.id, now), deps.templates, deps.vocab, { statusIsCurrent: true });
    const result = await scorer.score(prompt, undefined, options.signal);
    assessment.model = {
      probabilities: result.probabilities,
      thresholds: scorer.thresholds,
      modelVersion: result.modelVersion,
      // What was scored: the model's candidates and the patient's own earlier drugs outside them.
      covered: new Set(result.probabilities.keys()),
      evidence: prompt.evidence,
      ...(deps.expectedDrugsPerVisit !== undefined ? { expectedDrugsPerVisit: deps.expectedDrugsPerVisit } : {}),
    };
  } catch (error) {
    if (error instanceof QueueFullError) progress.addGap('The model is busy with other requests (scoring queue full).');
    else if (options.signal.aborted) progress.addGap(`The model did not finish within the ${options.deadlineMs} ms deadline.`);
    else {
      deps.logger.error('cds.model_failed', { service: service.id, error: (error as Error).message.slice(0, 300) });
      progress.addGap('The model failed on this record (the error is logged).');
    }
    return;
  }
  progress.modelVersion = assessment.model.modelVersion;
  assessment.withheld = withheldCandidates(assessment, recommendedCandidates(assessment), deps.safety);
  const { findings, cards, notAssessed } = service.modelCards(assessment, { source: options.source, maxSuggestions: deps.maxSuggestions, safety: deps.safety, safetyFindings: progress.safety ?? [] });
  progress.modelFindings = withoutAbsenceFindings(findings, incomplete);
  progress.model = cards;
  if (notAssessed) progress.notAssessed = notAssessed;
}
