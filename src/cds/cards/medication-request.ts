/** The FHIR R4 MedicationRequest a suggestion proposes: draft status, RxNorm-coded drug, the patient, the
 * encounter and, where the record links the drug to a current condition, that condition as reasonReference. */
import type { MedicationRequest } from 'fhir/r4';
import { RXNORM_SYSTEM } from '../../fhir/concepts';
import { conditionsSupporting, type Assessment } from '../assessment';

/** undefined when the vocabulary has no RxNorm code for the candidate (nothing codable to propose). */
export function proposedMedicationRequest(
  assessment: Assessment,
  candidate: string,
  intent: 'proposal' | 'order',
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
  const reasons = conditionsSupporting(assessment, candidate);
  if (reasons.length > 0) {
    request.reasonReference = reasons.map((condition) => ({ reference: `Condition/${condition.id}`, display: condition.concept.display }));
  }
  return request;
}
