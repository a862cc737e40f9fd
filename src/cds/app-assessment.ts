/**
 * The SMART app's assessment: the resources the app read from the EHR's FHIR server (with the user's token)
 * go through the very pipeline a hook call goes through — order-sign when the app carries a call's draft
 * orders, patient-view otherwise — and come back as the cards the hook would answer plus the picture behind
 * them: every candidate with its P(yes), threshold, indication and safety findings, the problems, medications
 * and allergies. Nothing is fetched (no fhirServer is named) and nothing is stored.
 */
import type { Bundle, FhirResource, MedicationRequest } from 'fhir/r4';
import { SERVICES } from '../../hooks';
import { displayName } from '../fhir/display';
import type { AllergyEntry, ConditionEntry, MedicationOrder } from '../fhir/types';
import { candidateOf, isActiveCondition, orderLabel, supportFor, type Assessment } from './assessment';
import type { CardSourceInfo } from './cards/card';
import { candidateSafety } from './cards/suggestion-safety';
import { HttpProblem } from './operation-outcome';
import { runService } from './call';
import type { PipelineDeps } from './pipeline';
import { CLINICAL_TYPES } from './prefetch';
import type { AppAssessment, CandidateView, SafetyNote } from './app-wire';
import type { CdsRequest, ServiceDefinition } from './types';

/** What the app posts: the patient in context, what it read per resource type, and a card's draft orders. */
export interface AppAssessmentRequest {
  patientId: string;
  encounterId?: string;
  userId?: string;
  /** Per resource type, every resource the app's search returned ([] = searched, none found). */
  resources: Partial<Record<(typeof CLINICAL_TYPES)[number], FhirResource[]>>;
  draftOrders?: MedicationRequest[];
}

const MAX_RESOURCES = 20_000;

function problem(diagnostics: string): HttpProblem {
  return new HttpProblem(400, [{ code: 'invalid', diagnostics }]);
}

function isResource(value: unknown): value is FhirResource {
  return typeof value === 'object' && value !== null && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}

/** Checks the shape (ids, arrays of resources of the named type); a malformed field inside a resource is the record assembler's to skip. */
export function readAppRequest(body: unknown): AppAssessmentRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw problem('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const id = (name: string, required: boolean): string | undefined => {
    const value = b[name];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(value)) throw problem(`${name} must be a FHIR id`);
    return value;
  };
  const patientId = id('patientId', true) as string;
  const encounterId = id('encounterId', false);
  const userId = b.userId === undefined ? undefined : typeof b.userId === 'string' && b.userId.length <= 200 ? b.userId : undefined;
  if (typeof b.resources !== 'object' || b.resources === null || Array.isArray(b.resources)) throw problem('resources must be an object: resource type → array of resources');
  const resources: AppAssessmentRequest['resources'] = {};
  let count = 0;
  for (const [type, list] of Object.entries(b.resources as Record<string, unknown>)) {
    const known = CLINICAL_TYPES.find((t) => t === type);
    if (!known) throw problem(`resources.${type.slice(0, 40)}: not a type the assessment reads (${CLINICAL_TYPES.join(', ')})`);
    if (!Array.isArray(list)) throw problem(`resources.${type} must be an array`);
    const kept = list.filter((r): r is FhirResource => isResource(r) && r.resourceType === type);
    count += kept.length;
    resources[known] = kept;
  }
  if (count > MAX_RESOURCES) throw problem(`more than ${MAX_RESOURCES} resources`);
  let draftOrders: MedicationRequest[] | undefined;
  if (b.draftOrders !== undefined) {
    if (!Array.isArray(b.draftOrders) || b.draftOrders.length > 50) throw problem('draftOrders must be an array of at most 50 MedicationRequests');
    draftOrders = b.draftOrders.filter((r): r is MedicationRequest => isResource(r) && r.resourceType === 'MedicationRequest');
  }
  return { patientId, resources, ...(encounterId ? { encounterId } : {}), ...(userId ? { userId } : {}), ...(draftOrders ? { draftOrders } : {}) };
}

/** The request as the hook would receive it: each type a searchset whose self link says it was searched. */
function asHookRequest(input: AppAssessmentRequest, service: ServiceDefinition): CdsRequest {
  const prefetch: Record<string, unknown> = {};
  for (const [type, list] of Object.entries(input.resources)) {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'self', url: `${type}?patient=${input.patientId}` }],
      entry: (list ?? []).map((resource) => ({ resource })),
    };
    prefetch[type] = bundle;
  }
  const drafts = input.draftOrders ?? [];
  return {
    hook: service.hook,
    hookInstance: `smart-app-${Date.now()}`,
    context: {
      patientId: input.patientId,
      ...(input.encounterId ? { encounterId: input.encounterId } : {}),
      ...(input.userId ? { userId: input.userId } : {}),
      ...(service.hook === 'order-sign' ? { draftOrders: { resourceType: 'Bundle', type: 'collection', entry: drafts.map((resource) => ({ resource })) } } : {}),
    },
    prefetch,
  };
}

function serviceFor(hook: 'order-sign' | 'patient-view'): ServiceDefinition {
  const service = SERVICES.find((s) => s.hook === hook);
  if (!service) throw new Error(`no service for ${hook}`);
  return service;
}

/** The candidate's notes, from the very verdict the suggestion cards act on (cards/suggestion-safety.ts). */
function safetyNotes(assessment: Assessment, candidate: string, deps: PipelineDeps): SafetyNote[] {
  return candidateSafety(assessment, candidate, deps.safety).notes;
}

function candidateViews(assessment: Assessment, deps: PipelineDeps): CandidateView[] {
  const model = assessment.model;
  if (!model) return [];
  const drafted = new Set(assessment.drafts.map((order) => candidateOf(order, assessment.vocab)));
  const active = new Set(assessment.active.map((order) => candidateOf(order, assessment.vocab)));
  return [...model.probabilities.entries()]
    .filter(([candidate]) => model.covered.has(candidate))
    .sort((a, b) => b[1] - a[1])
    .map(([candidate, probability]) => {
      const withheld = assessment.withheld.get(candidate);
      const status = drafted.has(candidate) ? 'draft' : active.has(candidate) ? 'active' : undefined;
      // Each candidate's own recommendation threshold: the one decision rule the cards follow too.
      const threshold = model.thresholds.recommend(candidate);
      return {
        candidate,
        probability,
        threshold,
        recommended: probability >= threshold,
        ...(status ? { status } : {}),
        indications: supportFor(assessment, candidate).map((support) => support.display),
        safety: safetyNotes(assessment, candidate, deps),
        ...(withheld ? { withheld } : {}),
      };
    });
}

const problemView = (c: ConditionEntry): AppAssessment['problems'][number] => ({ display: displayName(c.concept.display), ...(c.onset ? { onset: c.onset } : {}) });
const allergyView = (a: AllergyEntry): AppAssessment['allergies'][number] => ({
  display: displayName(a.concept.display),
  ...(a.criticality ? { criticality: a.criticality } : {}),
  ...(a.category ? { category: a.category } : {}),
});

function medicationView(assessment: Assessment, order: MedicationOrder): AppAssessment['medications'][number] {
  const candidate = candidateOf(order, assessment.vocab);
  // The order's own reasons, earlier orders' reasons, the indication table: what the cards cite.
  const indications = [...new Set(supportFor(assessment, candidate, order).map((support) => support.display))];
  return { display: orderLabel(order), ...(candidate ? { candidate } : {}), indications };
}

export interface AppAssessOptions {
  deadlineMs: number;
  source: CardSourceInfo;
}

export async function assessForApp(input: AppAssessmentRequest, deps: PipelineDeps, options: AppAssessOptions): Promise<AppAssessment> {
  const hook = input.draftOrders && input.draftOrders.length > 0 ? 'order-sign' : 'patient-view';
  const service = serviceFor(hook);
  // The hooks' own call, minus the audit: the app's view is not a hook call, and it stores nothing.
  const result = await runService(service, asHookRequest(input, service), deps, options);
  const assessment = result.assessment;
  const cards = result.cards.map((issued) => issued.card);
  const generatedAt = new Date().toISOString();
  const gaps = cards.filter((card) => card.source.topic?.code === 'dataGap').map((card) => card.summary);
  if (!assessment) return { patientId: input.patientId, hook, generatedAt, encounter: { basis: 'none' }, problems: [], medications: [], allergies: [], drafts: [], cards, gaps };
  const model = assessment.model;
  return {
    patientId: input.patientId,
    hook,
    generatedAt,
    encounter: { ...(assessment.encounterId ? { id: assessment.encounterId } : {}), basis: assessment.encounterBasis ?? 'context' },
    problems: assessment.record.conditions.filter(isActiveCondition).map(problemView),
    medications: assessment.active.map((order) => medicationView(assessment, order)),
    allergies: assessment.record.allergies.filter((a) => a.clinicalStatus === undefined || a.clinicalStatus === 'active').map(allergyView),
    drafts: assessment.drafts.map((order) => {
      const candidate = candidateOf(order, assessment.vocab);
      return { id: order.id, display: orderLabel(order), ...(candidate ? { candidate } : {}) };
    }),
    ...(model ? { model: { version: model.modelVersion, evidence: model.evidence, candidates: candidateViews(assessment, deps) } } : {}),
    cards,
    gaps,
  };
}
