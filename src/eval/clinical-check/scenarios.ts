/**
 * The record as it stood at one encounter, and the CDS calls the clinical check sends about it. Everything
 * dated after the encounter's start is dropped (a condition that ended later is active again); the
 * encounter's own orders become the draft orders; reasonReference / reasonCode are removed from every order,
 * as EHR orders often carry none, so the indication knowledge has to do the work.
 */
import type { Bundle, Condition, Encounter, FhirResource, Medication, MedicationRequest } from 'fhir/r4';
import { toConcept } from '../../fhir/concepts';
import type { Concept } from '../../fhir/types';
import { seededUnit } from '../../dataset/splits';
import type { MedicationVocabulary } from '../../medications/types';
import { orderRequest, searchset } from '../../samples/cds-requests';
import type { PatientResources } from './population';

type AnyResource = FhirResource & Record<string, unknown>;

const REFERENCE = /(?:^|\/)([A-Za-z]+)\/([^/]+)$/;

function referencedId(reference: unknown, type: string): string | undefined {
  const text = (reference as { reference?: string } | undefined)?.reference;
  const match = typeof text === 'string' ? REFERENCE.exec(text) : null;
  return match && match[1] === type ? match[2] : undefined;
}

/** The encounter a resource belongs to (R4 `encounter`, STU3 `context`, DocumentReference context). */
export function encounterOf(resource: FhirResource): string | undefined {
  const r = resource as AnyResource;
  const context = r.context as { encounter?: unknown } | undefined;
  const fromContext = Array.isArray(context?.encounter) ? context?.encounter[0] : context?.encounter;
  return referencedId(r.encounter, 'Encounter') ?? referencedId(r.context, 'Encounter') ?? referencedId(fromContext, 'Encounter');
}

/** When a resource happened, for truncation at an encounter (undefined: undated, kept). */
function dateOf(resource: FhirResource): string | undefined {
  const r = resource as AnyResource;
  const period = (r.period ?? r.performedPeriod) as { start?: string } | undefined;
  const values = [period?.start, r.onsetDateTime, r.authoredOn, r.performedDateTime, r.date, r.indexed, r.recordedDate, r.assertedDate];
  return values.find((value): value is string => typeof value === 'string');
}

/** The drug concept of an order (its code, or the referenced Medication's). */
export function orderConcept(order: MedicationRequest, medications: ReadonlyMap<string, Medication>): Concept | undefined {
  if (order.medicationCodeableConcept) return toConcept(order.medicationCodeableConcept);
  const id = referencedId(order.medicationReference, 'Medication');
  const medication = id ? medications.get(id) : undefined;
  return medication?.code ? toConcept(medication.code) : undefined;
}

export interface EncounterCase {
  patientId: string;
  encounter: Encounter;
  /** The record as of the encounter's start, reasons removed, the encounter's own orders excluded. */
  readonly history: FhirResource[];
  /** The encounter's own orders (reasons removed), as drafts. */
  orders: MedicationRequest[];
  /** Candidate of each order (undefined: not covered by the vocabulary). */
  candidates: (string | undefined)[];
  /** Each order's drug by name (candidate, else the normalised product name, else the lower-cased display). */
  drugs: string[];
  /** The drugs of the patient's next encounter with orders (empty: none later). */
  nextDrugs: string[];
  /** Condition ids the original orders (history and encounter) named as their reason, per order id. */
  originalReasons: Map<string, string[]>;
}

function withoutReasons(order: MedicationRequest): MedicationRequest {
  const copy: MedicationRequest = { ...order };
  delete copy.reasonReference;
  delete copy.reasonCode;
  return copy;
}

/** A condition as it stood at `at`: one that ended later is still active then. */
function conditionAt(condition: Condition, at: string): Condition {
  const abatement = (condition as AnyResource).abatementDateTime as string | undefined;
  if (!abatement || abatement <= at) return condition;
  const copy = { ...condition } as AnyResource;
  delete copy.abatementDateTime;
  copy.clinicalStatus = typeof copy.clinicalStatus === 'string' ? 'active' : { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };
  return copy as unknown as Condition;
}

interface Indexed {
  resource: FhirResource;
  date?: string;
  encounterId?: string;
}

/** The record as it stood at the start of an encounter (its own orders excluded, see the module comment). */
function historyAt(indexed: readonly Indexed[], encounterId: string, start: string, ownIds: ReadonlySet<string | undefined>): FhirResource[] {
  const history: FhirResource[] = [];
  for (const { resource, date, encounterId: of } of indexed) {
    if (resource.resourceType === 'MedicationRequest' && ownIds.has(resource.id)) continue;
    const sameEncounter = of === encounterId;
    // Notes of the visit are written after the orders; later data did not exist yet.
    if (resource.resourceType === 'DocumentReference' && (sameEncounter || (date !== undefined && date >= start))) continue;
    // An order is placed by when it was written, whatever encounter it names (some exports attach orders written
    // years apart to one encounter); other resources of the encounter are part of it.
    const placedByDate = !sameEncounter || resource.resourceType === 'MedicationRequest';
    if (placedByDate && date !== undefined && date > start && resource.resourceType !== 'Patient' && resource.resourceType !== 'Medication') continue;
    history.push(resource.resourceType === 'Condition' ? conditionAt(resource, start) : resource);
  }
  return history;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether an order was written during its encounter (a day's slack either side). The 2017 STU3 export attaches
 * thousands of orders written decades earlier to a later encounter (a death certification, say): those are
 * not orders of that visit, and an order-sign call at it would not hold them.
 */
function writtenDuring(order: MedicationRequest, encounter: Encounter): boolean {
  const authored = Date.parse(order.authoredOn ?? '');
  const start = Date.parse(encounter.period?.start ?? '');
  if (Number.isNaN(authored) || Number.isNaN(start)) return true;
  const end = Date.parse(encounter.period?.end ?? '') || start;
  return authored >= start - DAY_MS && authored <= end + DAY_MS;
}

/** A drug's name for the check: the vocabulary's candidate, else the normalised product name, else the display. */
export type DrugKeyOf = (concept: Concept) => string;

/** Encounters of the patient with at least one readable order, each as a case. */
export function encounterCases(patient: PatientResources, vocabulary: MedicationVocabulary, keyOf: DrugKeyOf): EncounterCase[] {
  const medications = new Map(patient.resources.filter((r): r is Medication => r.resourceType === 'Medication').map((m) => [m.id as string, m]));
  const orders = patient.resources.filter((r): r is MedicationRequest => r.resourceType === 'MedicationRequest');
  const reasons = new Map(orders.map((order) => [order.id as string, (order.reasonReference ?? []).map((ref) => referencedId(ref, 'Condition')).filter((id): id is string => Boolean(id))]));
  const encounters = new Map(patient.resources.filter((r): r is Encounter => r.resourceType === 'Encounter').map((e) => [e.id as string, e]));
  const byEncounter = new Map<string, MedicationRequest[]>();
  for (const order of orders) {
    const encounterId = encounterOf(order);
    const encounter = encounterId ? encounters.get(encounterId) : undefined;
    if (encounterId && encounter && writtenDuring(order, encounter)) byEncounter.set(encounterId, [...(byEncounter.get(encounterId) ?? []), order]);
  }
  // Each resource read once: its date, its encounter, and (orders) its copy without reasons.
  const indexed: Indexed[] = patient.resources.map((resource) => ({
    resource: resource.resourceType === 'MedicationRequest' ? withoutReasons(resource) : resource,
    date: dateOf(resource),
    encounterId: encounterOf(resource),
  }));
  const cases: EncounterCase[] = [];
  // Encounters with orders in date order: the next one's drugs judge a suggestion made at this one.
  const withOrders = patient.resources
    .filter((r): r is Encounter => r.resourceType === 'Encounter' && (byEncounter.get(r.id as string)?.length ?? 0) > 0 && Boolean(r.period?.start))
    .sort((a, b) => (a.period?.start as string).localeCompare(b.period?.start as string));
  const drugsOf = (encounter: Encounter | undefined): string[] =>
    (encounter ? byEncounter.get(encounter.id as string) ?? [] : []).map((order) => orderConcept(order, medications)).filter((c): c is Concept => c !== undefined).map(keyOf);
  for (const [index, encounter] of withOrders.entries()) {
    const own = byEncounter.get(encounter.id as string) ?? [];
    const start = encounter.period?.start as string;
    const concepts = own.map((order) => orderConcept(order, medications));
    if (concepts.some((concept) => concept === undefined)) continue;
    const candidates = concepts.map((concept) => {
      const normalised = concept ? vocabulary.normalise(concept) : undefined;
      return normalised?.covered ? normalised.candidate : undefined;
    });
    const ownIds = new Set(own.map((order) => order.id));
    const encounterId = encounter.id as string;
    let history: FhirResource[] | undefined;
    cases.push({
      patientId: patient.patientId,
      encounter,
      // Built when first read: only the sampled cases need it, and long histories times many visits add up.
      get history(): FhirResource[] {
        history ??= historyAt(indexed, encounterId, start, ownIds);
        return history;
      },
      orders: own.map((order) => ({ ...withoutReasons(order), status: 'draft' })),
      candidates,
      drugs: concepts.map((concept) => keyOf(concept as Concept)),
      nextDrugs: drugsOf(withOrders[index + 1]),
      originalReasons: reasons,
    });
  }
  return cases;
}

/**
 * A seeded sample of at most `max` cases, spread over patients: at most max(3, max / patients) per patient,
 * so that a large population is not a few long histories and a small one still fills the sample.
 */
export function sampleCases(cases: readonly EncounterCase[], max: number, seed: string): EncounterCase[] {
  const order = (c: EncounterCase) => seededUnit(seed, c.encounter.id as string);
  const byPatient = new Map<string, EncounterCase[]>();
  for (const c of cases) {
    const list = byPatient.get(c.patientId) ?? [];
    list.push(c);
    byPatient.set(c.patientId, list);
  }
  const perPatient = Math.max(3, Math.ceil(max / Math.max(1, byPatient.size)));
  const pool = [...byPatient.values()].flatMap((list) => [...list].sort((a, b) => order(a) - order(b)).slice(0, perPatient));
  return pool.sort((a, b) => order(a) - order(b)).slice(0, max);
}

function prefetchOf(resources: readonly FhirResource[], patientId: string, encounter?: Encounter): Record<string, FhirResource | null> {
  const ofType = (...types: string[]): Bundle => searchset(resources.filter((r) => types.includes(r.resourceType)));
  return {
    patient: resources.find((r) => r.resourceType === 'Patient' && r.id === patientId) ?? null,
    ...(encounter ? { encounter } : {}),
    encounters: ofType('Encounter'),
    conditions: ofType('Condition'),
    procedures: ofType('Procedure'),
    medications: ofType('MedicationRequest', 'Medication'),
    allergies: ofType('AllergyIntolerance'),
    notes: ofType('DocumentReference'),
  };
}

/** An order-sign call: these drafts, the case's history as prefetch. */
export function orderSignRequest(c: EncounterCase, drafts: readonly MedicationRequest[]): Record<string, unknown> {
  return orderRequest({ hook: 'order-sign', patientId: c.patientId, encounterId: c.encounter.id, drafts: [...drafts], prefetch: prefetchOf(c.history, c.patientId, c.encounter) });
}

/** A patient-view call just after the encounter: its orders are active medications by then. */
export function patientViewRequest(c: EncounterCase): Record<string, unknown> {
  const active = c.orders.map((order) => ({ ...order, status: 'active' as const }));
  return {
    hook: 'patient-view',
    hookInstance: `clinical-check-${c.encounter.id}`,
    context: { userId: 'Practitioner/example', patientId: c.patientId, encounterId: c.encounter.id },
    prefetch: prefetchOf([...c.history, ...active], c.patientId, c.encounter),
  };
}

/** A draft order for a candidate drug (its first RxNorm product). */
export function injectedDraft(c: EncounterCase, rxnorm: string, display: string, id: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: rxnorm, display }], text: display },
    subject: { reference: `Patient/${c.patientId}` },
    encounter: { reference: `Encounter/${c.encounter.id}` },
    authoredOn: c.encounter.period?.start,
  };
}
