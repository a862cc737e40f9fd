/** lamo-order-sign (order-sign): before signing, checks every draft order — one card per draft with everything
 * found about it; an interaction between two drafts goes on the later one — and suggests what the model
 * recommends and an active condition supports. */
import { oneOrderPerProduct } from '../src/cds/cards/repeated-orders';
import type { ServiceDefinition } from '../src/cds/types';
import { orderModelCards, orderSafetyFindings } from './order-cards';
import { ENCOUNTER_PREFETCH } from './prefetch-templates';

const service: ServiceDefinition = {
  id: 'lamo-order-sign',
  hook: 'order-sign',
  title: 'LAMO medication check (order sign)',
  description:
    'Before signing, checks every draft medication order against the patient record: drug-drug interactions, ' +
    'duplicate therapy, allergy conflicts, drug-disease contraindications, orders for which no indication is found ' +
    'and more drugs than usual; suggests medications the LAMO model recommends that an active condition supports.',
  prefetch: ENCOUNTER_PREFETCH,
  contextSchema: {
    $id: 'https://lamo-cds.local/schemas/context-order-sign.schema.json',
    title: 'order-sign context (CDS Hooks order-sign 1.0)',
    type: 'object',
    required: ['patientId', 'draftOrders'],
    properties: {
      userId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
      patientId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
      encounterId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
      draftOrders: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/draftOrders' },
    },
  },
  // One order per product: copies of a product in one order set are one regimen (src/cds/cards/repeated-orders.ts).
  judge: ({ drafts }) => oneOrderPerProduct(drafts),
  wantsModel: (assessment, context) => assessment.drafts.length > 0 || context.draftOrders.length === 0,
  safety: orderSafetyFindings,
  modelCards: orderModelCards,
};
export default service;
