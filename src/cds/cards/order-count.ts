/** (e) More drugs ordered than the model expects for this visit: the manifest's expectedDrugsPerVisit, or the
 * number of candidates the model recommends for this record when that is higher. */
import type { Assessment } from '../assessment';
import type { IssuedCard } from '../types';
import { makeCard, type CardSourceInfo } from './card';
import { repeatedDrafts } from './repeated-orders';
import { modelFootnote } from './evidence';
import { recommendedCandidates } from './suggestions';

export function orderCountCard(assessment: Assessment, source: CardSourceInfo): IssuedCard[] {
  const model = assessment.model;
  if (!model) return [];
  const recommended = recommendedCandidates(assessment).length;
  const typical = model.expectedDrugsPerVisit ?? 0;
  const expected = Math.max(Math.ceil(typical), recommended);
  // A product drafted several times (the days of a chemotherapy cycle) is one drug.
  const ordered = repeatedDrafts(assessment.drafts).kept.length;
  if (expected === 0 || ordered <= expected) return [];
  return [
    makeCard('order-count', source, {
      summary: `${ordered} drugs ordered; about ${expected} are usual for a visit like this`,
      indicator: 'info',
      detail: [
        `This visit has draft orders of **${ordered}** drugs${ordered < assessment.drafts.length ? ` (${assessment.drafts.length} orders: some products are ordered more than once)` : ''}.`,
        `- A typical visit in the model's training data had ${typical.toFixed(1)} drug orders.`,
        `- For this record the model recommends ${recommended} candidate drug${recommended === 1 ? '' : 's'} (P(yes) at or above its recommendation threshold).`,
        'Consider whether every order is needed.',
        modelFootnote(model),
      ].join('\n'),
    }),
  ];
}
