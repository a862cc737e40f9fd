/** Small hand-built records for unit tests of the prompt, dataset and evaluation stages. */
import type { Concept, EncounterView, MedicationOrder, PatientRecord } from '../../src/fhir/types';
import type { MedicationVocabulary, NormalisedDrug } from '../../src/medications/types';

export function concept(display: string, code?: string, system = 'http://snomed.info/sct'): Concept {
  return { display, code, system, codings: [{ system, code, display }] };
}

export function order(id: string, display: string, encounterId: string, authoredOn: string, status = 'stopped'): MedicationOrder {
  return {
    id,
    concept: concept(display, undefined, 'http://www.nlm.nih.gov/research/umls/rxnorm'),
    status,
    intent: 'order',
    authoredOn,
    encounterId,
    reasonConditionIds: [],
    reasonConcepts: [],
    resource: { resourceType: 'MedicationRequest', id, status: 'stopped', intent: 'order', subject: { reference: 'Patient/p1' } },
  };
}

export function encounter(id: string, start: string, parts: Partial<EncounterView> = {}): EncounterView {
  return {
    id,
    start,
    classCode: 'AMB',
    types: [concept('Encounter for symptom')],
    reasons: [],
    diagnosed: [],
    activeConditions: [],
    procedures: [],
    notes: [],
    medications: [],
    ...parts,
  };
}

export function record(encounters: EncounterView[], parts: Partial<PatientRecord> = {}): PatientRecord {
  return {
    patientId: 'p1',
    birthDate: '1980-06-15',
    gender: 'female',
    encounters,
    conditions: encounters.flatMap((e) => e.diagnosed),
    procedures: encounters.flatMap((e) => e.procedures),
    notes: encounters.flatMap((e) => e.notes),
    allergies: [],
    medications: encounters.flatMap((e) => e.medications),
    ...parts,
  };
}

/** A test double of the vocabulary: the first word of the display, lower-cased, for a fixed set of drugs. */
export function fakeVocabulary(names: string[]): MedicationVocabulary {
  const normalise = (c: Concept): NormalisedDrug => {
    const lower = c.display.toLowerCase();
    const hit = names.find((name) => lower.startsWith(name));
    return hit ? { covered: true, candidate: hit, ingredients: [hit] } : { covered: false, reason: 'unknown' };
  };
  return {
    candidates: names.map((name) => ({ name, rxnorm: [] })),
    normalise,
    byName: (name) => (names.includes(name) ? { name, rxnorm: [] } : undefined),
  };
}

export const TEMPLATES = {
  withHistory: "Intro. ###Previous Hospitalization: '''\n{history}\n'''\n###Current Clinical Condition: '''\n{input}\n'''\n###Answer:\n",
  withoutHistory: "Intro. ###Current Clinical Condition: '''\n{input}\n'''\n###Answer:\n",
};
