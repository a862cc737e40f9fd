/** Why the model's recommendations are missing from this answer (incomplete record, overload, deadline). */
import type { IssuedCard } from '../types';
import { makeCard, md, type CardSourceInfo } from './card';

export function dataGapCard(source: CardSourceInfo, reasons: readonly string[]): IssuedCard {
  return makeCard('data-gap', source, {
    summary: 'Medication recommendations unavailable for this request; safety checks ran on the data present',
    indicator: 'info',
    detail: [
      'The LAMO model did not run for this request, so its recommendations and unsupported-order warnings are missing:',
      reasons.map((reason) => `- ${md(reason)}`).join('\n'),
      'Interaction, duplicate-therapy and allergy checks ran on whatever data the request carried.',
    ].join('\n\n'),
  });
}
