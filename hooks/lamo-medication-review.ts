/** lamo-medication-review (patient-view): when the chart opens, one card per active drug with a finding —
 * interactions, duplicates, allergies, contraindications among the active drugs, or no indication found while the
 * model finds the drug very unlikely (a drug with an active indication is never flagged; a high-risk chronic drug
 * at most gets a request to confirm its indication). */
import { activeSafetyFindings } from '../src/cds/cards/safety';
import { unknownDrugFindings } from '../src/cds/cards/unknown-drug';
import { unsupportedFindings } from '../src/cds/cards/unsupported-order';
import type { ServiceDefinition } from '../src/cds/types';
import { ALLERGIES, CONDITIONS, ENCOUNTERS, MEDICATION_REQUESTS, PATIENT, PROCEDURES, RECENT_NOTES } from './prefetch-templates';

const service: ServiceDefinition = {
  id: 'lamo-medication-review',
  hook: 'patient-view',
  title: 'LAMO review of active medications',
  description:
    "Reviews the patient's active medications when the chart is opened: flags those for which no indication is found " +
    'in the record, and drug-drug interactions, duplicate therapy, allergy conflicts and contraindications among them.',
  prefetch: {
    patient: PATIENT,
    encounters: ENCOUNTERS,
    conditions: CONDITIONS,
    procedures: PROCEDURES,
    notes: RECENT_NOTES,
    medications: MEDICATION_REQUESTS,
    allergies: ALLERGIES,
  },
  contextSchema: {
    $id: 'https://lamo-cds.local/schemas/context-patient-view.schema.json',
    title: 'patient-view context (CDS Hooks patient-view 1.0)',
    type: 'object',
    required: ['patientId'],
    properties: {
      userId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
      patientId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
      encounterId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
    },
  },
  judge: ({ active }) => active,
  wantsModel: () => true,
  safety: (assessment, checks) => [...activeSafetyFindings(assessment, checks), ...unknownDrugFindings(assessment, checks)],
  modelCards: (assessment, kit) => ({
    findings: unsupportedFindings(assessment),
    cards: [],
    notAssessed: { orders: assessment.active, what: 'active medications' },
  }),
};
export default service;
