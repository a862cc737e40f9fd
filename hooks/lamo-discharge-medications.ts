import type { ServiceDefinition } from '../src/cds/types';
import { ENCOUNTER_PREFETCH } from './prefetch-templates';

const service: ServiceDefinition = {
  id: 'lamo-discharge-medications',
  hook: 'encounter-discharge',
  title: 'LAMO discharge medications',
  description:
    'At discharge, lists the medications the LAMO model recommends from the record of this encounter, marks which ' +
    'are already active and which are new (each a draft MedicationRequest to accept), and flags interactions, ' +
    'duplicate therapy and allergy conflicts among them.',
  prefetch: ENCOUNTER_PREFETCH,
  mode: 'discharge',
};
export default service;
