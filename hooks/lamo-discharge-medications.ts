/** lamo-discharge-medications (encounter-discharge): the recommended discharge list — continue, new (each
 * supported by an active condition, a draft to accept), review — and one card per active drug with a safety
 * finding (interactions, duplicates, allergies, contraindications among the active drugs). */
import { dischargeCard } from '../src/cds/cards/discharge';
import { activeSafetyFindings } from '../src/cds/cards/safety';
import type { ServiceDefinition } from '../src/cds/types';
import { ENCOUNTER_PREFETCH } from './prefetch-templates';

const service: ServiceDefinition = {
  id: 'lamo-discharge-medications',
  hook: 'encounter-discharge',
  title: 'LAMO discharge medications',
  description:
    'At discharge, lists the medications the LAMO model recommends from the record of this encounter, marks which ' +
    'are already active and which are new (each a draft MedicationRequest naming the condition it treats), and flags ' +
    'interactions, duplicate therapy, allergy conflicts and contraindications among them.',
  prefetch: ENCOUNTER_PREFETCH,
  contextSchema: {
    $id: 'https://lamo-cds.local/schemas/context-encounter-discharge.schema.json',
    title: 'encounter-discharge context (CDS Hooks encounter-discharge 1.0)',
    type: 'object',
    required: ['patientId', 'encounterId'],
    properties: {
      userId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
      patientId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
      encounterId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
    },
  },
  judge: ({ active }) => active,
  wantsModel: () => true,
  safety: activeSafetyFindings,
  modelCards: (assessment, kit) => ({
    // The discharge list holds the review of the active drugs; no separate warning per drug.
    findings: [],
    cards: dischargeCard(assessment, kit.source, kit.maxSuggestions, kit.safetyFindings),
    notAssessed: { orders: assessment.active, what: 'active medications' },
  }),
};
export default service;
