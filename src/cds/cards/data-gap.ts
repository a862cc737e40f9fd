/** Why the model's cards are missing from this answer (incomplete record, overload, deadline), and which of the
 * patient's data may be incomplete (a search cut short, a failed search: team contract F), saying only what is
 * true of the safety checks: that they ran on the data that could be read, or that they did not finish. */
import type { PartialEntry } from '../partial-data';
import type { IssuedCard } from '../types';
import { makeCard, md, type CardSourceInfo } from './card';

export interface GapFacts {
  /** Why the model's cards are missing ([] when the model ran). */
  reasons: readonly string[];
  /** The safety checks ran before the answer was due. */
  safetyRan: boolean;
  /** Malformed fields left out of the request ("MedicationRequest.reasonCode"), with counts. */
  skippedFields: readonly string[];
  /** The patient's data that may be incomplete, and what may miss something because of it. */
  partial: readonly PartialEntry[];
}

function summaryOf(facts: GapFacts): string {
  if (facts.reasons.length > 0) {
    return facts.safetyRan
      ? 'Medication recommendations unavailable for this request; the safety checks ran'
      : 'Medication recommendations and safety checks unavailable for this request';
  }
  // Two names at most in a summary line; the detail lists them all.
  const names = facts.partial.map((entry, i) => (i === 0 ? entry.name : entry.name.toLowerCase()));
  const shown = names.length > 3 ? [...names.slice(0, 2), `${names.length - 2} more`] : names;
  const list = shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}` : shown[0];
  return `Partial record: ${list} may be incomplete; some checks may miss something`;
}

export function dataGapCard(source: CardSourceInfo, facts: GapFacts): IssuedCard {
  const skipped =
    facts.skippedFields.length > 0 ? ` Malformed fields were left out and the rest of each resource was used (${facts.skippedFields.join(', ')}).` : '';
  const paragraphs: string[] = [];
  if (facts.reasons.length > 0) {
    paragraphs.push('The LAMO model gave no recommendations for this request (a new order without an indication is still named, from the indication knowledge alone):', facts.reasons.map((reason) => `- ${md(reason)}`).join('\n'));
  }
  if (facts.partial.length > 0) {
    paragraphs.push(
      'Part of the patient\'s record could not be read, so these checks may miss something; no finding rests on the absence of what was not read (no "no indication found", no first-order or renewal judgement):',
      facts.partial.map((entry) => `- **${md(entry.name)}** (${md(entry.why)}): ${md(entry.misses)}.`).join('\n'),
    );
  }
  paragraphs.push(
    facts.safetyRan
      ? `Interaction, duplicate-therapy, allergy and contraindication checks ran on every resource of the request that could be read.${md(skipped)}`
      : 'The safety checks did not finish before the answer was due: check interactions, allergies and contraindications by other means.',
  );
  return makeCard('data-gap', source, { summary: summaryOf(facts), indicator: 'info', detail: paragraphs.join('\n\n') });
}
