/** lamo-medication-review: active medications the record no longer supports (model P(yes) under the
 * threshold), one warning card each so that feedback can name the drug. */
import { orderLabel, unsupportedOrders, type Assessment } from '../assessment';
import type { IssuedCard } from '../types';
import { makeCard, md, OVERRIDE_REASONS, percent, type CardSourceInfo } from './card';
import { drugEvidence, modelFootnote, promptEvidence } from './evidence';

export function medicationReviewCards(assessment: Assessment, source: CardSourceInfo): IssuedCard[] {
  const model = assessment.model;
  if (!model) return [];
  return unsupportedOrders(assessment, assessment.active).map(({ order, candidate, probability }) => {
    const label = orderLabel(order);
    return makeCard('review-unsupported', source, {
      summary: `Active ${label}: no longer supported by the record (model ${percent(probability)})`,
      indicator: 'warning',
      detail: [
        `**${md(label)}** is active, but the LAMO model does not find it supported by the current record. Consider whether it is still needed.`,
        drugEvidence(assessment, model, candidate),
        promptEvidence(model),
        modelFootnote(model),
      ].join('\n\n'),
      overrideReasons: [OVERRIDE_REASONS.clinicallyIndicated, OVERRIDE_REASONS.recordIncomplete],
    });
  });
}
