/** The FHIR R4 MedicationRequest a suggestion proposes: draft status, RxNorm-coded drug, the patient, the
 * encounter, and the active conditions that support the drug as reasonReference (other reasons as reasonCode). */
import type { CodeableConcept, MedicationRequest } from 'fhir/r4';
import { knownSystem, RXNORM_SYSTEM } from '../../fhir/concepts';
import type { Concept } from '../../fhir/types';
import type { Assessment, Support } from '../assessment';

function codeableConcept(concept: Concept): CodeableConcept {
  const coding = concept.codings
    .filter((c) => c.code !== undefined && c.system !== undefined)
    .map((c) => ({ system: c.system as string, code: c.code as string, ...(c.display ? { display: c.display } : {}) }));
  return { ...(coding.length > 0 ? { coding } : {}), text: concept.display };
}

/** undefined when the vocabulary has no RxNorm code for the candidate (nothing codable to propose). */
export function proposedMedicationRequest(
  assessment: Assessment,
  candidate: string,
  intent: 'proposal' | 'order',
  support: readonly Support[],
): MedicationRequest | undefined {
  const code = assessment.vocab.byName(candidate)?.rxnorm[0];
  if (!code) return undefined;
  return medicationRequestFor(assessment, { coding: [{ system: RXNORM_SYSTEM, code }], text: candidate }, intent, support);
}

/** The same for a product already named (a renewal proposes the product last ordered): its RxNorm codings only. */
export function medicationRequestOf(assessment: Assessment, product: Concept, intent: 'proposal' | 'order', support: readonly Support[]): MedicationRequest | undefined {
  const coding = product.codings.filter((c) => c.code && knownSystem(c.system) === 'rxnorm').map((c) => ({ system: RXNORM_SYSTEM, code: c.code as string, ...(c.display ? { display: c.display } : {}) }));
  if (coding.length === 0) return undefined;
  return medicationRequestFor(assessment, { coding, text: product.display }, intent, support);
}

function medicationRequestFor(assessment: Assessment, medication: CodeableConcept, intent: 'proposal' | 'order', support: readonly Support[]): MedicationRequest {
  const request: MedicationRequest = {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent,
    medicationCodeableConcept: medication,
    subject: { reference: `Patient/${assessment.patientId}` },
    authoredOn: new Date().toISOString(),
  };
  if (assessment.encounterId) request.encounter = { reference: `Encounter/${assessment.encounterId}` };
  if (assessment.userId && /^(Practitioner|PractitionerRole)\/[A-Za-z0-9\-.]{1,64}$/.test(assessment.userId)) {
    request.requester = { reference: assessment.userId };
  }
  const reasons = support.filter((s) => s.conditionId !== undefined && /^[A-Za-z0-9\-.]{1,64}$/.test(s.conditionId));
  if (reasons.length > 0) request.reasonReference = reasons.map((s) => ({ reference: `Condition/${s.conditionId as string}`, display: s.display }));
  // A reason that is not a Condition of the record (a recorded allergy, a use such as contraception) is a reasonCode.
  const coded = support.filter((s) => s.conditionId === undefined && s.concept !== undefined);
  if (coded.length > 0) request.reasonCode = coded.map((s) => codeableConcept(s.concept as Concept));
  return request;
}
