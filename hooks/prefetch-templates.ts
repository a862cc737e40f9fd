/**
 * Prefetch templates shared by the services, in the CDS Hooks 2.0 token syntax only ({{context.patientId}},
 * {{context.encounterId}}). Each is a single-page read or search of the kinds the specification recommends.
 * Clients may use other keys (Epic configures its own): src/cds/prefetch.ts reads every value whatever its key.
 */
import { labCodeSearch } from '../src/fhir/labs';

export const PATIENT = 'Patient/{{context.patientId}}';
export const ENCOUNTER = 'Encounter/{{context.encounterId}}';
export const ENCOUNTERS = 'Encounter?patient={{context.patientId}}';
export const CONDITIONS = 'Condition?patient={{context.patientId}}';
export const PROCEDURES = 'Procedure?patient={{context.patientId}}';
export const ENCOUNTER_NOTES = 'DocumentReference?patient={{context.patientId}}&encounter={{context.encounterId}}';
export const RECENT_NOTES = 'DocumentReference?patient={{context.patientId}}&_sort=-date&_count=20';
export const MEDICATION_REQUESTS = 'MedicationRequest?patient={{context.patientId}}';
export const ALLERGIES = 'AllergyIntolerance?patient={{context.patientId}}';
/** Recent results of the laboratory tests the interaction checks read (fhir-mappings/lab-codes.json), newest first. */
export const RECENT_LABS = `Observation?patient={{context.patientId}}&code=${labCodeSearch()}&_sort=-date&_count=100`;

/** What every service reads about the visit being decided on. */
export const ENCOUNTER_PREFETCH: Record<string, string> = {
  patient: PATIENT,
  encounter: ENCOUNTER,
  encounters: ENCOUNTERS,
  conditions: CONDITIONS,
  procedures: PROCEDURES,
  notes: ENCOUNTER_NOTES,
  medications: MEDICATION_REQUESTS,
  allergies: ALLERGIES,
  labs: RECENT_LABS,
};
