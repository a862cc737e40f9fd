/** Why the model's cards are missing from this answer (incomplete record, overload, deadline), saying only what
 * is true of the safety checks: that they ran on the data that could be read, or that they did not finish. */
import type { IssuedCard } from '../types';
import { makeCard, md, type CardSourceInfo } from './card';

export interface GapFacts {
  reasons: readonly string[];
  /** The safety checks ran before the answer was due. */
  safetyRan: boolean;
  /** Malformed fields left out of the request ("MedicationRequest.reasonCode"), with counts. */
  skippedFields: readonly string[];
}

export function dataGapCard(source: CardSourceInfo, facts: GapFacts): IssuedCard {
  const skipped =
    facts.skippedFields.length > 0 ? ` Malformed fields were left out and the rest of each resource was used (${facts.skippedFields.join(', ')}).` : '';
  return makeCard('data-gap', source, {
    summary: facts.safetyRan
      ? 'Medication recommendations unavailable for this request; the safety checks ran'
      : 'Medication recommendations and safety checks unavailable for this request',
    indicator: 'info',
    detail: [
      'The LAMO model gave no recommendations for this request (a new order without an indication is still named, from the indication knowledge alone):',
      facts.reasons.map((reason) => `- ${md(reason)}`).join('\n'),
      facts.safetyRan
        ? `Interaction, duplicate-therapy, allergy and contraindication checks ran on every resource of the request that could be read.${md(skipped)}`
        : 'The safety checks did not finish before the answer was due: check interactions, allergies and contraindications by other means.',
    ].join('\n\n'),
  });
}
