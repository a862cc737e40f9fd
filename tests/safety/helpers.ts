/** Drugs for the safety-check tests, built through the real vocabulary, ATC table and name tables. */
import type { Concept, MedicationOrder } from '../../src/fhir/types';
import { drugFromCandidate, drugFromOrder, loadDrugKnowledge } from '../../src/safety/drugs';
import type { SafetyDrug } from '../../src/safety/types';

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const SNOMED = 'http://snomed.info/sct';

export const knowledge = loadDrugKnowledge();

export function coded(display: string, code: string | undefined, system: string): Concept {
  return { system, code, display, codings: [{ system, code, display }] };
}

export function medicationOrder(id: string, display: string, rxnorm?: string): MedicationOrder {
  return {
    id,
    concept: coded(display, rxnorm, RXNORM),
    status: 'draft',
    intent: 'order',
    reasonConditionIds: [],
    reasonConcepts: [],
    resource: { resourceType: 'MedicationRequest', id, status: 'draft', intent: 'order', subject: { reference: 'Patient/p1' } },
  };
}

export function draft(display: string, rxnorm?: string, id = `draft-${display}`): SafetyDrug {
  return drugFromOrder(medicationOrder(id, display, rxnorm), 'draft', knowledge);
}

export function active(display: string, rxnorm?: string, id = `active-${display}`): SafetyDrug {
  return drugFromOrder(medicationOrder(id, display, rxnorm), 'active', knowledge);
}

export function candidate(name: string, source: SafetyDrug['source'] = 'draft'): SafetyDrug {
  return drugFromCandidate(name, source, knowledge);
}
