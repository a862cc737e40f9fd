/** lamo-order-select (order-select): checks the draft orders just selected — one card per selected draft with
 * everything found about it (allergy, interaction, contraindication, duplicate, no indication) — and suggests
 * what the model recommends and an active condition supports. */
import { oneOrderPerProduct } from '../src/cds/cards/repeated-orders';
import type { ServiceDefinition } from '../src/cds/types';
import { orderModelCards, orderSafetyFindings } from './order-cards';
import { ENCOUNTER_PREFETCH } from './prefetch-templates';

const service: ServiceDefinition = {
  id: 'lamo-order-select',
  hook: 'order-select',
  title: 'LAMO medication check (order select)',
  description:
    'Checks the medication orders just selected against the patient record: drug-drug interactions, duplicate ' +
    'therapy, allergy conflicts and drug-disease contraindications, and orders for which no indication is found; ' +
    'suggests medications the LAMO model recommends that an active condition supports.',
  prefetch: ENCOUNTER_PREFETCH,
  contextSchema: {
    $id: 'https://lamo-cds.local/schemas/context-order-select.schema.json',
    title: 'order-select context (CDS Hooks order-select 1.0)',
    type: 'object',
    required: ['patientId', 'selections', 'draftOrders'],
    properties: {
      userId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
      patientId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
      encounterId: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/id' },
      selections: { type: 'array', items: { type: 'string', minLength: 1 } },
      draftOrders: { $ref: 'https://lamo-cds.local/schemas/definitions.schema.json#/definitions/draftOrders' },
    },
  },
  // The selected drafts; a selection that names no draft (some clients send other ids) must not silence the checks.
  judge: ({ drafts, selections }) => {
    const chosen = drafts.filter((draft) => selections.includes(draft.id));
    // One order per product: copies of a product in one order set are one regimen (src/cds/cards/repeated-orders.ts).
    return oneOrderPerProduct(chosen.length > 0 ? chosen : drafts);
  },
  // Orders without a single drug among them (a lab order selected) are not this service's business.
  wantsModel: (assessment, context) => assessment.drafts.length > 0 || context.draftOrders.length === 0,
  safety: orderSafetyFindings,
  modelCards: orderModelCards,
};
export default service;
