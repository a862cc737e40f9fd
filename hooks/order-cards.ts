/** What both order hooks (order-select, order-sign) say beyond the safety checks: a finding per judged draft without
 * an indication — first from the knowledge alone, before the model runs, so that it stands when the model does
 * not; then again with the model's figures —, the order count, suggestions that an active condition supports,
 * renewals of drugs the record renews at each visit, and the drafts the model does not cover (named once: on their
 * drug card, else in one card). */
import type { Assessment } from '../src/cds/assessment';
import { draftSafetyFindings, type SafetyChecks } from '../src/cds/cards/safety';
import { orderCountCard } from '../src/cds/cards/order-count';
import { renewalCard } from '../src/cds/cards/renewals';
import { suggestionsCard } from '../src/cds/cards/suggestions';
import { unknownDrugFindings } from '../src/cds/cards/unknown-drug';
import { unsupportedFindings } from '../src/cds/cards/unsupported-order';
import type { Finding } from '../src/cds/findings';
import type { CardKit, ServiceDefinition } from '../src/cds/types';

/** The safety checks on the drafts, and the drafts without an indication as the knowledge alone sees them. */
export function orderSafetyFindings(assessment: Assessment, checks: SafetyChecks): Finding[] {
  return [...draftSafetyFindings(assessment, checks), ...unsupportedFindings(assessment), ...unknownDrugFindings(assessment, checks)];
}

export function orderModelCards(assessment: Assessment, kit: CardKit): ReturnType<ServiceDefinition['modelCards']> {
  // Renewals first: a drug the record renews routinely is suggested as a renewal, not again by the model's card.
  const renewals = renewalCard(assessment, kit.source, kit.safety, { intent: 'proposal', limit: kit.maxSuggestions });
  return {
    findings: unsupportedFindings(assessment),
    cards: [
      ...orderCountCard(assessment, kit.source),
      ...renewals.cards,
      ...suggestionsCard(assessment, kit.source, { intent: 'proposal', limit: kit.maxSuggestions, exclude: renewals.suggested }),
    ],
    notAssessed: { orders: assessment.judged, what: 'draft orders' },
  };
}
