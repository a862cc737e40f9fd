/**
 * One CDS call, stage by stage: hook context → resources (prefetch, then the FHIR fallback for what is
 * missing) → the clinical record (every readable field) → safety findings → full record → LAMO prompt →
 * scores → model findings and cards. What each hook judges and answers is the hook's (hooks/*.ts); this file
 * holds only the order of the stages, the same for every hook.
 *
 * Findings and cards are published to `progress` as soon as they exist, so that an answer can be built from
 * what is ready when the deadline passes (src/cds/call.ts). The fallback gets at most half the deadline;
 * the scorer gets the deadline's AbortSignal.
 */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import { activeConditionsAt, assembleRecord } from '../fhir/record';
import type { EncounterView, PatientRecord } from '../fhir/types';
import { QueueFullError, type Scorer } from '../inference/types';
import { buildEncounterPrompt } from '../lamo/prompt';
import type { PromptTemplates } from '../lamo/types';
import type { MedicationVocabulary } from '../medications/types';
import { activeOrders, isActiveCondition, isInpatient, numberedDraftId, type Assessment, type CardKnowledge } from './assessment';
import type { CardSourceInfo } from './cards/card';
import { withheldCandidates, type SafetyChecks } from './cards/safety';
import { recommendedCandidates } from './cards/suggestions';
import { unassessedDraftsCard } from './cards/unassessed-drafts';
import { clinicalRecord } from './clinical-record';
import { readHookContext } from './context';
import { fetchMissing } from './fhir-fallback';
import type { Logger } from './logger';
import { HttpProblem } from './operation-outcome';
import { CLINICAL_TYPES, ResourcePool } from './prefetch';
import type { PipelineProgress } from './progress';
import type { CdsRequest, HookContext, ServiceDefinition } from './types';

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

function withSubject(resource: FhirResource, patientId: string, index: number): FhirResource {
  if (resource.resourceType !== 'MedicationRequest') return resource;
  const order: MedicationRequest = { ...resource };
  if (!order.subject || typeof order.subject !== 'object') order.subject = { reference: `Patient/${patientId}` };
  if (typeof order.id !== 'string' || order.id === '') order.id = numberedDraftId(index);
  return order;
}

/** `Medication/<id>` references of draft orders that nothing collected resolves. */
function unresolvedMedications(drafts: readonly FhirResource[], pool: ResourcePool): string[] {
  const ids = new Set<string>();
  for (const draft of drafts) {
    if (draft.resourceType !== 'MedicationRequest') continue;
    const reference = draft.medicationReference?.reference;
    const match = typeof reference === 'string' ? /(?:^|\/)Medication\/([^/#]+)$/.exec(reference) : null;
    if (match && !pool.has('Medication', match[1])) ids.add(match[1]);
  }
  return [...ids];
}

/** The types the fallback should fetch: everything the service reads that the client did not query. */
function missingTypes(pool: ResourcePool, context: HookContext): string[] {
  return CLINICAL_TYPES.filter((type) => {
    if (pool.queried.has(type)) return false;
    return type !== 'DocumentReference' || context.encounterId !== undefined;
  });
}

function withoutOrders(record: PatientRecord, ids: ReadonlySet<string>): PatientRecord {
  if (ids.size === 0) return record;
  const keep = (order: { id: string }): boolean => !ids.has(order.id);
  return {
    ...record,
    medications: record.medications.filter(keep),
    encounters: record.encounters.map((encounter) => ({ ...encounter, medications: encounter.medications.filter(keep) })),
  };
}

/**
 * The encounter the decision is about. The record's own, when it has the hook's encounter; otherwise one that
 * stands for "now": conditions of that encounter (or the active problem list) as its diagnoses.
 */
function decisionEncounter(record: PatientRecord, encounterId: string | undefined, now: Date): EncounterView {
  const known = encounterId ? record.encounters.find((encounter) => encounter.id === encounterId) : undefined;
  if (known) return known;
  const ofEncounter = record.conditions.filter((condition) => encounterId !== undefined && condition.encounterId === encounterId);
  const view: EncounterView = {
    id: encounterId ?? 'current',
    start: now.toISOString(),
    types: [],
    reasons: [],
    diagnosed: ofEncounter.length > 0 ? ofEncounter : record.conditions.filter(isActiveCondition),
    activeConditions: [],
    procedures: record.procedures.filter((procedure) => encounterId !== undefined && procedure.encounterId === encounterId),
    notes: record.notes.filter((note) => encounterId !== undefined && note.encounterId === encounterId),
    medications: [],
  };
  view.activeConditions = activeConditionsAt(record.conditions, view);
  return view;
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

  // ---- resources: draft orders, prefetch, then the FHIR server for what is missing ----
  const pool = new ResourcePool();
  const draftResources = context.draftOrders.map((resource, i) => withSubject(resource, context.patientId, i));
  // Drafts say nothing about which of the patient's data the client queried (a draft bundle may carry Medications).
  for (const resource of draftResources) pool.add(resource, { queried: false });
  pool.addPrefetch(request.prefetch, service.prefetch);
  const wanted = missingTypes(pool, context);
  const medicationIds = unresolvedMedications(draftResources, pool);
  if (request.fhirServer && (wanted.length > 0 || medicationIds.length > 0)) {
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(Math.max(1, Math.floor(options.deadlineMs / 2)))]);
    const fetched = await fetchMissing({
      fhirServer: request.fhirServer,
      accessToken: request.fhirAuthorization?.access_token,
      patientId: context.patientId,
      encounterId: context.encounterId,
      types: wanted,
      medicationIds,
      signal,
    });
    deps.observer?.fhirFallback({ queries: wanted.length + medicationIds.length, failures: fetched.failures.length });
    for (const resource of fetched.resources) pool.add(resource);
    for (const type of fetched.fetched) pool.queried.add(type);
    pool.failures.push(...fetched.failures);
    if (fetched.failures.length > 0) deps.logger.warn('cds.fhir_fallback_failed', { service: service.id, failures: fetched.failures.map((f) => f.diagnostics) });
  }

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
  const active = activeOrders(clinical.record, deps.vocab, draftIds);
  const encounter = decisionEncounter(clinical.record, context.encounterId, now);
  const assessment: Assessment = {
    patientId: context.patientId,
    ...(context.encounterId !== undefined ? { encounterId: context.encounterId } : {}),
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
  };
  progress.assessment = assessment;

  // ---- safety checks: on whatever could be read, before and apart from the model ----
  progress.safety = service.safety(assessment, deps.safety);

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
    const prompt = buildEncounterPrompt(full, decisionEncounter(full, context.encounterId, now), deps.templates, deps.vocab, { statusIsCurrent: true });
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
  const { findings, cards } = service.modelCards(assessment, { source: options.source, maxSuggestions: deps.maxSuggestions });
  progress.modelFindings = findings;
  progress.model = cards;
}
