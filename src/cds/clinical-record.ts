/**
 * The record the cards are judged on, built from the readable projection of every resource (readable.ts), so
 * that a malformed field anywhere drops that field only: the safety checks see exactly the drugs, allergies and
 * conditions of the well-formed request, whatever happens to the full record the model reads.
 *
 * It also says which draft orders could not be assessed, and why — by the drug's name, never by an id; a
 * draft that names no medication at all (the prescriber still typing) is passed over in silence.
 */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import { assembleRecord } from '../fhir/record';
import { referencedId } from '../fhir/references';
import type { MedicationOrder, PatientRecord } from '../fhir/types';
import type { UnassessedDraft } from './cards/unassessed-drafts';
import { readableResource, type FieldRepairs } from './readable';

export interface ClinicalRecord {
  /** The record without the draft orders. */
  record: PatientRecord;
  /** The draft orders that name a drug of this patient, in the order sent. */
  drafts: MedicationOrder[];
  unassessed: UnassessedDraft[];
  /** Fields repaired or left out, by "Type.field". */
  repairs: FieldRepairs;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/** What the EHR shows for a draft's drug: its text or a coding's display (never the order's id, which names nothing to a clinician). */
function draftLabel(draft: MedicationRequest): string {
  const concept: unknown = draft.medicationCodeableConcept;
  if (typeof concept === 'string') return text(concept) ?? 'unnamed drug';
  const cc = draft.medicationCodeableConcept;
  return text(cc?.text) ?? text(cc?.coding?.find((coding) => text(coding?.display))?.display) ?? text(draft.medicationReference?.display) ?? 'unnamed drug';
}

/**
 * A draft with no medication at all: no code, display or text, no Medication reference. The prescriber is
 * still typing (the CDS Hooks sandbox sends one on every keystroke): nothing to check and nothing to say.
 */
function namesNoMedication(draft: MedicationRequest): boolean {
  const concept: unknown = draft.medicationCodeableConcept;
  if (typeof concept === 'string') return text(concept) === undefined;
  const cc = draft.medicationCodeableConcept;
  const codings = Array.isArray(cc?.coding) ? cc.coding : [];
  const named = text(cc?.text) !== undefined || codings.some((coding) => text(coding?.code) !== undefined || text(coding?.display) !== undefined);
  const reference = draft.medicationReference;
  return !named && text(reference?.reference) === undefined && text(reference?.display) === undefined;
}

/** Why a draft MedicationRequest that the record holds no order for could not be assessed; undefined when there is nothing to say. */
function whyUnassessed(draft: MedicationRequest, patientId: string, resources: readonly FhirResource[]): UnassessedDraft | undefined {
  const label = draftLabel(draft);
  const subject = typeof draft.subject?.reference === 'string' ? referencedId(draft.subject.reference) : undefined;
  if (subject !== undefined && subject !== patientId) {
    return { label, reason: 'it is written for another patient, not the patient in context', short: 'for another patient', otherPatient: true };
  }
  if (namesNoMedication(draft)) return undefined;
  const reference = draft.medicationReference?.reference;
  if (draft.medicationCodeableConcept === undefined && typeof reference === 'string') {
    const id = referencedId(reference);
    const medication = reference.startsWith('#')
      ? (draft.contained ?? []).find((r) => r.resourceType === 'Medication' && `#${r.id}` === reference)
      : resources.find((r) => r.resourceType === 'Medication' && r.id === id);
    return {
      label,
      reason: medication ? 'its Medication names no drug code or text' : 'its Medication could not be read (not in the request, nor on the FHIR server)',
      short: medication ? 'no drug named' : 'Medication unreadable',
      otherPatient: false,
    };
  }
  return { label, reason: 'its drug could not be read (no usable code or text)', short: 'drug unreadable', otherPatient: false };
}

/**
 * `drafts` are the draft MedicationRequests of the hook context (with subject and id already filled in);
 * `resources` everything else the call gathered.
 */
export function clinicalRecord(drafts: readonly FhirResource[], resources: readonly FhirResource[], patientId: string): ClinicalRecord {
  const repairs: FieldRepairs = new Map();
  const readable = (list: readonly FhirResource[]): FhirResource[] =>
    list.map((resource) => readableResource(resource, repairs)).filter((r): r is FhirResource => r !== undefined);
  const draftRequests = drafts.filter((r): r is MedicationRequest => r.resourceType === 'MedicationRequest' && r.status !== 'entered-in-error');
  const draftIds = new Set(draftRequests.map((draft) => draft.id as string));
  const others = resources.filter((r) => !(r.resourceType === 'MedicationRequest' && draftIds.has(r.id as string)));
  const { record } = assembleRecord([...readable(draftRequests), ...readable(others)], { patientId });

  const byId = new Map(record.medications.map((order) => [order.id, order]));
  const orders: MedicationOrder[] = [];
  const unassessed: UnassessedDraft[] = [];
  for (const draft of draftRequests) {
    const order = byId.get(draft.id as string);
    if (order) {
      orders.push(order);
      continue;
    }
    const why = whyUnassessed(draft, patientId, resources);
    if (why) unassessed.push(why);
  }
  const kept = record.medications.filter((order) => !draftIds.has(order.id));
  return {
    record: {
      ...record,
      medications: kept,
      encounters: record.encounters.map((encounter) => ({ ...encounter, medications: encounter.medications.filter((order) => !draftIds.has(order.id)) })),
    },
    drafts: orders,
    unassessed,
    repairs,
  };
}
