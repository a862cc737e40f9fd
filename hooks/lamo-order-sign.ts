import type { ServiceDefinition } from '../src/cds/types';
import { ENCOUNTER_PREFETCH } from './prefetch-templates';

const service: ServiceDefinition = {
  id: 'lamo-order-sign',
  hook: 'order-sign',
  title: 'LAMO medication check (order sign)',
  description:
    'Before signing, checks every draft medication order against the patient record: drugs the LAMO model finds ' +
    'unsupported by the record, more drugs than the model expects, drug-drug interactions, duplicate therapy and ' +
    'allergy conflicts; suggests medications the model recommends that are not yet ordered.',
  prefetch: ENCOUNTER_PREFETCH,
  mode: 'orders',
};
export default service;
