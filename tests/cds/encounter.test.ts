/** The encounter a decision is about when the hook context names none (src/cds/encounter.ts), and what the cards then say. */
import type { FhirResource } from 'fhir/r4';
import { promptEvidence } from '../../src/cds/cards/evidence';
import { encounterInProgress, encounterOfDrafts, knownEncounter, resolveEncounter } from '../../src/cds/encounter';
import type { ModelOutput } from '../../src/cds/assessment';
import type { EncounterView, PatientRecord } from '../../src/fhir/types';
import { thresholdsFromTable } from '../../src/inference/thresholds';

const draft = (extra: Record<string, unknown>): FhirResource => ({ resourceType: 'MedicationRequest', id: 'd', status: 'draft', intent: 'order', subject: { reference: 'Patient/p' }, ...extra }) as FhirResource;
const view = (id: string, status: string, start: string): EncounterView => ({ id, status, start, types: [], reasons: [], diagnosed: [], activeConditions: [], procedures: [], notes: [], medications: [] });
const record = (encounters: EncounterView[]): PatientRecord => ({ patientId: 'p', encounters, conditions: [], procedures: [], notes: [], medications: [], allergies: [] }) as unknown as PatientRecord;

test('the drafts name the encounter (R4 encounter, STU3 context) when they name exactly one', () => {
  expect(encounterOfDrafts([draft({ encounter: { reference: 'Encounter/e1' } }), draft({ context: { reference: 'https://ehr/fhir/Encounter/e1' } })])).toBe('e1');
  expect(encounterOfDrafts([draft({ encounter: { reference: 'Encounter/e1' } }), draft({ encounter: { reference: 'Encounter/e2' } })])).toBeUndefined();
  expect(encounterOfDrafts([draft({ context: { reference: 'EpisodeOfCare/x' } })])).toBeUndefined();
  expect(knownEncounter('ctx', [draft({ encounter: { reference: 'Encounter/e1' } })])).toEqual({ id: 'ctx', basis: 'context' });
  expect(knownEncounter(undefined, [draft({ encounter: { reference: 'Encounter/e1' } })])).toEqual({ id: 'e1', basis: 'draft orders' });
});

test('else the latest encounter in progress, else none', () => {
  const r = record([view('old', 'in-progress', '2020-01-01'), view('done', 'finished', '2024-01-01'), view('now', 'in-progress', '2024-02-01')]);
  expect(encounterInProgress(r)).toBe('now');
  expect(resolveEncounter({ basis: 'none' }, r)).toEqual({ id: 'now', basis: 'in progress' });
  expect(resolveEncounter({ basis: 'none' }, record([view('done', 'finished', '2024-01-01')]))).toEqual({ basis: 'none' });
  expect(resolveEncounter({ id: 'e1', basis: 'draft orders' }, r)).toEqual({ id: 'e1', basis: 'draft orders' });
});

test('model evidence: the prompt\'s medication list is labelled as what it is, and a decision without an encounter says so', () => {
  const model: ModelOutput = {
    probabilities: new Map(),
    thresholds: thresholdsFromTable({ recommend: 0.5, unsupported: 0.05, candidates: {} }),
    modelVersion: '1',
    covered: new Set(),
    evidence: { diagnoses: ['Hypertension'], pastHistory: [], procedures: [], medicationsOnAdmission: ['cough syrup'], allergies: [], noteSections: [], previousDrugs: [] },
  };
  const without = promptEvidence({ inpatient: false, encounterBasis: 'none' }, model);
  expect(without).toMatch(/- Active problems: Hypertension/);
  expect(without).toMatch(/- Medications in the last year, as the model read them \(active or ordered in the past 365 days\): cough syrup/);
  expect(without).not.toMatch(/Current medications/i);
  expect(without).toMatch(/Judged without today's encounter/);
  const within = promptEvidence({ inpatient: false, encounterId: 'e1', encounterBasis: 'in progress' }, model);
  expect(within).toMatch(/- Diagnoses of this visit: Hypertension/);
  expect(within).not.toMatch(/without today's encounter/);
});
