/**
 * The record the cards are judged on, built from the readable projection of every resource (readable.ts), so
 * that a malformed field anywhere drops that field only: the safety checks see exactly the drugs, allergies and
 * conditions of the well-formed request, whatever happens to the full record the model reads.
 *
 * It also says which draft orders could not be assessed, and why.
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

function draftLabel(draft: MedicationRequest): string {
  const concept = draft.medicationCodeableConcept;
  const text = concept?.text ?? concept?.coding?.find((coding) => coding.display)?.display ?? draft.medicationReference?.display;
  return typeof text === 'string' && text.trim() ? text.trim() : `draft order ${draft.id ?? '(no id)'}`;
}

/** Why a draft MedicationRequest that the record holds no order for could not be assessed. */
function whyUnassessed(draft: MedicationRequest, patientId: string, resources: readonly FhirResource[]): UnassessedDraft {
  const label = draftLabel(draft);
  const subject = typeof draft.subject?.reference === 'string' ? referencedId(draft.subject.reference) : undefined;
  if (subject !== undefined && subject !== patientId) {
    return { label, reason: `it is written for another patient (${draft.subject?.reference ?? ''}), not the patient in context`, short: 'for another patient', otherPatient: true };
  }
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
  return { label, reason: 'it names no drug (no medication code or text)', short: 'no drug named', otherPatient: false };
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
    if (order) orders.push(order);
    else unassessed.push(whyUnassessed(draft, patientId, resources));
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
