/**
 * One CDS call, stage by stage: hook context → resources (prefetch, then the FHIR fallback for what is
 * missing) → PatientRecord → safety cards → LAMO prompt → scores → model cards.
 *
 * Cards are published to `progress` as soon as they exist, so that the HTTP layer can answer with what is
 * ready when the deadline passes. The fallback gets at most half the deadline (the model and the answer
 * need the rest); the scorer gets the deadline's AbortSignal.
 */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import { activeConditionsAt, assembleRecord } from '../fhir/record';
import type { EncounterView, MedicationOrder, PatientRecord } from '../fhir/types';
import { QueueFullError, type Scorer } from '../inference/types';
import { buildEncounterPrompt } from '../lamo/prompt';
import type { PromptTemplates } from '../lamo/types';
import type { MedicationVocabulary } from '../medications/types';
import { activeOrders, isCurrentCondition, numberedDraftId, orderLabel, type Assessment, type ModelOutput } from './assessment';
import type { CardSourceInfo } from './cards/card';
import { withAppLink } from './cards/app-link';
import { dataGapCard } from './cards/data-gap';
import { dischargeCard } from './cards/discharge';
import { medicationReviewCards } from './cards/medication-review';
import { notAssessedCard, type NotAssessedItem } from './cards/not-assessed';
import { orderCountCard } from './cards/order-count';
import { safetyCards, withheldCandidates, type SafetyChecks } from './cards/safety';
import { recommendedCandidates, suggestionsCard } from './cards/suggestions';
import { unsupportedOrderCards } from './cards/unsupported-order';
import { readHookContext } from './context';
import { fetchMissing } from './fhir-fallback';
import type { Logger } from './logger';
import { HttpProblem } from './operation-outcome';
import { CLINICAL_TYPES, ResourcePool } from './prefetch';
import type { CdsRequest, HookContext, IssuedCard, ServiceDefinition } from './types';

export interface PipelineDeps {
  /** The scorer once loaded; otherwise why there is none ("still loading", "failed to load"). */
  scorer: () => Scorer | { unavailable: string };
  vocab: MedicationVocabulary;
  templates: PromptTemplates;
  safety: SafetyChecks;
  expectedDrugsPerVisit?: number;
  logger: Logger;
  /** Most suggestions in one card. */
  maxSuggestions: number;
}

/** What the call has produced so far; read by the HTTP layer, also when the deadline cuts the call short. */
export class PipelineProgress {
  safety: IssuedCard[] = [];
  model: IssuedCard[] = [];
  /** Why model cards are missing (shown in a data-gap card). */
  readonly gaps: string[] = [];
  modelVersion?: string;
  patientId?: string;
  /** The state the cards were judged on, once assembled (the SMART app's assessment reads it). */
  assessment?: Assessment;

  addGap(reason: string): void {
    if (!this.gaps.includes(reason)) this.gaps.push(reason);
  }

  /** Every card, most urgent first (stable within an indicator). */
  cards(source: CardSourceInfo): IssuedCard[] {
    const all = [...this.safety, ...this.model];
    if (this.gaps.length > 0) all.push(dataGapCard(source, this.gaps));
    const rank = { critical: 0, warning: 1, info: 2 } as const;
    return all
      .map((issued, i) => ({ issued, i }))
      .sort((a, b) => rank[a.issued.card.indicator] - rank[b.issued.card.indicator] || a.i - b.i)
      .map((x) => withAppLink(x.issued, source, this.assessment));
  }
}

/** Without these the model's view of the patient is not trustworthy (no problems known, no drugs known). */
const ESSENTIAL_FOR_MODEL = ['Condition', 'MedicationRequest'] as const;

function withSubject(resource: FhirResource, patientId: string, index: number): FhirResource {
  if (resource.resourceType !== 'MedicationRequest') return resource;
  const order: MedicationRequest = { ...resource };
  if (!order.subject) order.subject = { reference: `Patient/${patientId}` };
  if (!order.id) order.id = numberedDraftId(index);
  return order;
}

/** `Medication/<id>` references of draft orders that nothing collected resolves. */
function unresolvedMedications(drafts: readonly FhirResource[], pool: ResourcePool): string[] {
  const ids = new Set<string>();
  for (const draft of drafts) {
    if (draft.resourceType !== 'MedicationRequest') continue;
    const reference = draft.medicationReference?.reference;
    const match = reference ? /(?:^|\/)Medication\/([^/#]+)$/.exec(reference) : null;
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
  const keep = (order: MedicationOrder): boolean => !ids.has(order.id);
  return {
    ...record,
    medications: record.medications.filter(keep),
    encounters: record.encounters.map((encounter) => ({ ...encounter, medications: encounter.medications.filter(keep) })),
  };
}

/**
 * The encounter the decision is about. The record's own, when it has the hook's encounter; otherwise one that
 * stands for "now": conditions of that encounter (or the current problem list) as its diagnoses.
 */
function decisionEncounter(record: PatientRecord, encounterId: string | undefined, now: Date): EncounterView {
  const known = encounterId ? record.encounters.find((encounter) => encounter.id === encounterId) : undefined;
  if (known) return known;
  const id = encounterId ?? 'current';
  const ofEncounter = record.conditions.filter((condition) => encounterId !== undefined && condition.encounterId === encounterId);
  const current = record.conditions.filter(isCurrentCondition);
  const view: EncounterView = {
    id,
    start: now.toISOString(),
    types: [],
    reasons: [],
    diagnosed: ofEncounter.length > 0 ? ofEncounter : current,
    activeConditions: [],
    procedures: record.procedures.filter((procedure) => encounterId !== undefined && procedure.encounterId === encounterId),
    notes: record.notes.filter((note) => encounterId !== undefined && note.encounterId === encounterId),
    medications: [],
  };
  view.activeConditions = activeConditionsAt(record.conditions, view);
  return view;
}

function hasClinicalData(record: PatientRecord | undefined): boolean {
  if (!record) return false;
  return (
    record.conditions.length + record.procedures.length + record.notes.length + record.allergies.length + record.medications.length + record.encounters.length >
    0
  );
}

export interface RunOptions {
  signal: AbortSignal;
  /** The deadline in ms, for the fallback's share. */
  deadlineMs: number;
  now?: Date;
}

export async function runService(
  service: ServiceDefinition,
  request: CdsRequest,
  deps: PipelineDeps,
  progress: PipelineProgress,
  source: CardSourceInfo,
  options: RunOptions,
): Promise<void> {
  const now = options.now ?? new Date();
  const context = readHookContext(request);
  progress.patientId = context.patientId;

  // ---- resources: draft orders, prefetch, then the FHIR server for what is missing ----
  const pool = new ResourcePool();
  const draftResources = context.draftOrders.map((resource, i) => withSubject(resource, context.patientId, i));
  // Drafts say nothing about which of the patient's data the client queried.
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
    for (const resource of fetched.resources) pool.add(resource);
    for (const type of fetched.fetched) pool.queried.add(type);
    pool.failures.push(...fetched.failures);
    if (fetched.failures.length > 0) {
      deps.logger.warn('cds.fhir_fallback_failed', { service: service.id, hookInstance: request.hookInstance, failures: fetched.failures.map((f) => f.diagnostics) });
    }
  }

  const draftIds = new Set(draftResources.filter((r) => r.resourceType === 'MedicationRequest' && r.id).map((r) => r.id as string));
  let assembled: PatientRecord | undefined;
  try {
    assembled = assembleRecord(pool.resources, { patientId: context.patientId }).record;
  } catch (error) {
    // The message may quote resource ids; the error's kind is enough to find it again.
    deps.logger.warn('cds.record_unusable', { service: service.id, hookInstance: request.hookInstance, error: (error as Error).name });
  }

  if (!hasClinicalData(assembled) && pool.queried.size === 0 && context.draftOrders.length === 0) {
    const why = pool.failures.length > 0 ? ` (${pool.failures.map((f) => f.diagnostics).join('; ')})` : '';
    throw new HttpProblem(412, [
      {
        code: 'incomplete',
        diagnostics:
          'nothing to assess: the request has no draft orders and no patient data, neither prefetched nor retrievable from a fhirServer' + why,
      },
    ]);
  }
  if (!assembled) {
    progress.addGap('The patient record could not be assembled from the data sent (the problem is logged).');
    return;
  }

  // ---- the assessment: drafts apart from the record ----
  const drafts = assembled.medications.filter((order) => draftIds.has(order.id));
  const record = withoutOrders(assembled, draftIds);
  const selected = new Set(context.selections);
  const chosen = service.hook === 'order-select' ? drafts.filter((order) => selected.has(order.id)) : drafts;
  const assessment: Assessment = {
    patientId: context.patientId,
    encounterId: context.encounterId,
    userId: context.userId,
    record,
    encounter: decisionEncounter(record, context.encounterId, now),
    drafts,
    // A selection that names no draft (some clients send other ids) should not silence the checks.
    assessedDrafts: chosen.length > 0 ? chosen : drafts,
    active: activeOrders(record, deps.vocab, draftIds),
    vocab: deps.vocab,
    withheld: new Map(),
  };

  progress.assessment = assessment;

  // ---- safety checks: on whatever data is present ----
  progress.safety = safetyCards(assessment, service.mode, deps.safety, source);

  // ---- the model ----
  // Orders without a single drug among them (a lab order selected) are not this service's business.
  if (service.mode === 'orders' && drafts.length === 0 && context.draftOrders.length > 0) return;
  const scorer = deps.scorer();
  const missing = ESSENTIAL_FOR_MODEL.filter((type) => !pool.queried.has(type));
  if ('unavailable' in scorer) {
    progress.addGap(scorer.unavailable);
    return;
  }
  if (missing.length > 0) {
    const how = request.fhirServer
      ? 'and the FHIR server did not supply them'
      : 'and the request named no fhirServer to fetch them from';
    progress.addGap(`The record is incomplete: no ${missing.join(' or ')} data was prefetched, ${how}.`);
    return;
  }
  if (options.signal.aborted) {
    progress.addGap(`The model did not finish within the ${options.deadlineMs} ms deadline.`);
    return;
  }

  let model: ModelOutput;
  try {
    const prompt = buildEncounterPrompt(record, assessment.encounter, deps.templates, deps.vocab);
    const result = await scorer.score(prompt, undefined, options.signal);
    model = {
      probabilities: result.probabilities,
      threshold: scorer.threshold,
      modelVersion: result.modelVersion,
      covered: new Set(scorer.candidates),
      evidence: prompt.evidence,
      expectedDrugsPerVisit: deps.expectedDrugsPerVisit,
    };
  } catch (error) {
    if (error instanceof QueueFullError) {
      progress.addGap('The model is busy with other requests (scoring queue full).');
    } else if (options.signal.aborted) {
      progress.addGap(`The model did not finish within the ${options.deadlineMs} ms deadline.`);
    } else {
      deps.logger.error('cds.model_failed', { service: service.id, hookInstance: request.hookInstance, error: (error as Error).message.slice(0, 300) });
      progress.addGap('The model failed on this record (the error is logged).');
    }
    return;
  }
  progress.modelVersion = model.modelVersion;
  assessment.model = model;
  assessment.withheld = withheldCandidates(assessment, recommendedCandidates(assessment), deps.safety);
  progress.model = modelCards(service, assessment, deps, source);
}

/** Orders (draft or active) the model has no judgement on, with the reason. */
function notAssessed(orders: readonly MedicationOrder[], assessment: Assessment, model: ModelOutput): NotAssessedItem[] {
  const items: NotAssessedItem[] = [];
  for (const order of orders) {
    const normalised = assessment.vocab.normalise(order.concept);
    if (!normalised.covered) items.push({ label: orderLabel(order), reason: normalised.reason });
    else if (!model.covered.has(normalised.candidate)) items.push({ label: orderLabel(order), reason: `the model was not trained on ${normalised.candidate}` });
  }
  return items;
}

function modelCards(service: ServiceDefinition, assessment: Assessment, deps: PipelineDeps, source: CardSourceInfo): IssuedCard[] {
  const model = assessment.model as ModelOutput;
  switch (service.mode) {
    case 'orders':
      return [
        ...unsupportedOrderCards(assessment, source),
        ...orderCountCard(assessment, source),
        ...suggestionsCard(assessment, source, { intent: 'proposal', limit: deps.maxSuggestions }),
        ...notAssessedCard(source, notAssessed(assessment.assessedDrafts, assessment, model), 'draft orders'),
      ];
    case 'discharge':
      return [
        ...dischargeCard(assessment, source, deps.maxSuggestions),
        ...notAssessedCard(source, notAssessed(assessment.active, assessment, model), 'active medications'),
      ];
    case 'medication-review':
      return [
        ...medicationReviewCards(assessment, source),
        ...notAssessedCard(source, notAssessed(assessment.active, assessment, model), 'active medications'),
      ];
  }
}
