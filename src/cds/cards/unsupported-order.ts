/** (a) A draft order the record does not support: model P(yes) under the manifest threshold → warning, with a
 * suggestion to remove the draft (a `delete` action naming it by resourceId). */
import { candidateOf, orderLabel, type Assessment } from '../assessment';
import type { IssuedCard } from '../types';
import { makeCard, md, OVERRIDE_REASONS, percent, type CardSourceInfo } from './card';
import { drugEvidence, modelFootnote, promptEvidence } from './evidence';

export function unsupportedOrderCards(assessment: Assessment, source: CardSourceInfo): IssuedCard[] {
  const model = assessment.model;
  if (!model) return [];
  const cards: IssuedCard[] = [];
  for (const order of assessment.assessedDrafts) {
    const candidate = candidateOf(order, assessment.vocab);
    const probability = candidate && model.covered.has(candidate) ? model.probabilities.get(candidate) : undefined;
    if (candidate === undefined || probability === undefined || probability >= model.threshold) continue;
    const label = orderLabel(order);
    cards.push(
      makeCard('unsupported-order', source, {
        summary: `${label}: not supported by this patient's record (model ${percent(probability)})`,
        indicator: 'warning',
        detail: [
          `The LAMO model does not find **${md(label)}** supported by this patient's record for this visit.`,
          drugEvidence(assessment, model, candidate),
          promptEvidence(model),
          modelFootnote(model),
        ].join('\n\n'),
        suggestions: [
          {
            label: `Remove the draft order for ${label}`.slice(0, 120),
            actions: [{ type: 'delete', description: `Remove the draft order for ${label}`, resourceId: `MedicationRequest/${order.id}` }],
          },
        ],
        overrideReasons: [OVERRIDE_REASONS.clinicallyIndicated, OVERRIDE_REASONS.recordIncomplete],
      }),
    );
  }
  return cards;
}
