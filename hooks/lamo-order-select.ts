import type { ServiceDefinition } from '../src/cds/types';
import { ENCOUNTER_PREFETCH } from './prefetch-templates';

const service: ServiceDefinition = {
  id: 'lamo-order-select',
  hook: 'order-select',
  title: 'LAMO medication check (order select)',
  description:
    'Checks the medication orders just selected against the patient record: drugs the LAMO model finds unsupported by ' +
    'the record, drug-drug interactions, duplicate therapy and allergy conflicts; suggests medications the model ' +
    'recommends that are not yet ordered.',
  prefetch: ENCOUNTER_PREFETCH,
  mode: 'orders',
};
export default service;
