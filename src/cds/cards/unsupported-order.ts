/** (a) A draft order the record does not support: model P(yes) under the manifest threshold → warning, with a
 * suggestion to remove the draft (a `delete` action naming it by resourceId). */
import { orderLabel, removeDraftAction, unsupportedOrders, type Assessment } from '../assessment';
import type { IssuedCard } from '../types';
import { makeCard, md, OVERRIDE_REASONS, percent, type CardSourceInfo } from './card';
import { drugEvidence, modelFootnote, promptEvidence } from './evidence';

export function unsupportedOrderCards(assessment: Assessment, source: CardSourceInfo): IssuedCard[] {
  const model = assessment.model;
  if (!model) return [];
  return unsupportedOrders(assessment, assessment.assessedDrafts).map(({ order, candidate, probability }) => {
    const label = orderLabel(order);
    const removal = removeDraftAction(order.id, label);
    return makeCard('unsupported-order', source, {
      summary: `${label}: not supported by this patient's record (model ${percent(probability)})`,
      indicator: 'warning',
      detail: [
        `The LAMO model does not find **${md(label)}** supported by this patient's record for this visit.`,
        drugEvidence(assessment, model, candidate),
        promptEvidence(model),
        modelFootnote(model),
      ].join('\n\n'),
      suggestions: removal ? [{ label: removal.description.slice(0, 120), actions: [removal] }] : [],
      overrideReasons: [OVERRIDE_REASONS.clinicallyIndicated, OVERRIDE_REASONS.recordIncomplete],
    });
  });
}
