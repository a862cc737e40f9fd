/** MedicationRequest → MedicationOrder: the drug (coded, or through a Medication), reasons and encounter. */
import type { Medication, MedicationRequest } from 'fhir/r4';
import { conceptsOf, toConcept } from '../concepts';
import { describe, type RecordLinker } from '../linking';
import type { Concept, MedicationOrder } from '../types';
import { dropUndefined, type AnyMedicationRequest } from '../versions';

const CONDITION = ['Condition'];
const MEDICATION = ['Medication'];
const REQUESTER = ['Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson', 'Device'];

export function addMedicationRequest(request: AnyMedicationRequest, linker: RecordLinker): void {
  if (request.status === 'entered-in-error') return linker.skipQuietly();
  const record = linker.ownerOf(request, request.subject);
  if (!record) return;
  const concept = medicationConcept(request, linker);
  if (!concept) return;
  // STU3 names the prescriber in requester.agent.
  linker.follow(request, request.requester?.agent ?? request.requester, REQUESTER, 'requester');

  const reasonConditionIds: string[] = [];
  for (const reference of request.reasonReference ?? []) {
    const resolution = linker.follow(request, reference, CONDITION, 'reasonReference');
    if (resolution.status === 'resolved') reasonConditionIds.push(resolution.resource.id as string);
  }
  const order: MedicationOrder = {
    id: request.id as string,
    concept,
    status: request.status,
    intent: request.intent,
    authoredOn: request.authoredOn,
    reasonConditionIds,
    reasonConcepts: conceptsOf(request.reasonCode),
    // Card building reads the request; it gets the shape-checked one (malformed fields already dropped).
    resource: request as MedicationRequest,
  };
  const slot = linker.encounterOf(request, request.encounter ?? request.context, record);
  if (slot) order.encounterId = slot.view.id;
  dropUndefined(order);
  record.medications.push(order);
}

/** The drug: medicationCodeableConcept, or the code of the (contained or separate) Medication referenced. */
function medicationConcept(request: AnyMedicationRequest, linker: RecordLinker): Concept | undefined {
  if (request.medicationCodeableConcept) {
    const concept = toConcept(request.medicationCodeableConcept);
    if (!concept) linker.skip(request, 'warning', 'medicationCodeableConcept has no code or text; order skipped');
    return concept;
  }
  if (!request.medicationReference) {
    linker.skip(request, 'warning', 'MedicationRequest names no medication; order skipped');
    return undefined;
  }
  const resolution = linker.follow(request, request.medicationReference, MEDICATION, 'medicationReference', false);
  if (resolution.status !== 'resolved') {
    linker.skip(request, 'warning', `medication ${describe(resolution)}; order skipped`);
    return undefined;
  }
  const concept = toConcept((resolution.resource as Medication).code);
  if (!concept) linker.skip(request, 'warning', `Medication ${resolution.resource.id ?? ''} has no code; order skipped`);
  return concept;
}
