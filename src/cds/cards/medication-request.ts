/** The FHIR R4 MedicationRequest a suggestion proposes: draft status, RxNorm-coded drug, the patient, the
 * encounter, and the active conditions that support the drug as reasonReference. */
import type { MedicationRequest } from 'fhir/r4';
import { RXNORM_SYSTEM } from '../../fhir/concepts';
import type { Assessment, Support } from '../assessment';

/** undefined when the vocabulary has no RxNorm code for the candidate (nothing codable to propose). */
export function proposedMedicationRequest(
  assessment: Assessment,
  candidate: string,
  intent: 'proposal' | 'order',
  support: readonly Support[],
): MedicationRequest | undefined {
  const code = assessment.vocab.byName(candidate)?.rxnorm[0];
  if (!code) return undefined;
  const request: MedicationRequest = {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent,
    medicationCodeableConcept: { coding: [{ system: RXNORM_SYSTEM, code }], text: candidate },
    subject: { reference: `Patient/${assessment.patientId}` },
    authoredOn: new Date().toISOString(),
  };
  if (assessment.encounterId) request.encounter = { reference: `Encounter/${assessment.encounterId}` };
  if (assessment.userId && /^(Practitioner|PractitionerRole)\/[A-Za-z0-9\-.]{1,64}$/.test(assessment.userId)) {
    request.requester = { reference: assessment.userId };
  }
  const reasons = support.filter((s) => s.conditionId !== undefined && /^[A-Za-z0-9\-.]{1,64}$/.test(s.conditionId));
  if (reasons.length > 0) request.reasonReference = reasons.map((s) => ({ reference: `Condition/${s.conditionId as string}`, display: s.display }));
  return request;
}
