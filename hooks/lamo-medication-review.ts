import type { ServiceDefinition } from '../src/cds/types';
import { ALLERGIES, CONDITIONS, ENCOUNTERS, MEDICATION_REQUESTS, PATIENT, PROCEDURES, RECENT_NOTES } from './prefetch-templates';

const service: ServiceDefinition = {
  id: 'lamo-medication-review',
  hook: 'patient-view',
  title: 'LAMO review of active medications',
  description:
    "Reviews the patient's active medications when the chart is opened: flags those the LAMO model finds the record " +
    'no longer supports, and drug-drug interactions, duplicate therapy and allergy conflicts among them.',
  prefetch: {
    patient: PATIENT,
    encounters: ENCOUNTERS,
    conditions: CONDITIONS,
    procedures: PROCEDURES,
    notes: RECENT_NOTES,
    medications: MEDICATION_REQUESTS,
    allergies: ALLERGIES,
  },
  mode: 'medication-review',
};
export default service;
