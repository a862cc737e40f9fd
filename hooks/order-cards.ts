/** What both order hooks (order-select, order-sign) say beyond the safety checks: a finding per judged draft without
 * an indication — first from the knowledge alone, before the model runs, so that it stands when the model does
 * not; then again with the model's figures —, the order count, suggestions that an active condition supports,
 * and drafts the model does not cover. */
import type { Assessment } from '../src/cds/assessment';
import { draftSafetyFindings, type SafetyChecks } from '../src/cds/cards/safety';
import { notAssessedCard, notAssessedItems } from '../src/cds/cards/not-assessed';
import { orderCountCard } from '../src/cds/cards/order-count';
import { suggestionsCard } from '../src/cds/cards/suggestions';
import { unsupportedFindings } from '../src/cds/cards/unsupported-order';
import type { Finding } from '../src/cds/findings';
import type { CardKit, IssuedCard } from '../src/cds/types';

/** The safety checks on the drafts, and the drafts without an indication as the knowledge alone sees them. */
export function orderSafetyFindings(assessment: Assessment, checks: SafetyChecks): Finding[] {
  return [...draftSafetyFindings(assessment, checks), ...unsupportedFindings(assessment)];
}

export function orderModelCards(assessment: Assessment, kit: CardKit): { findings: Finding[]; cards: IssuedCard[] } {
  return {
    findings: unsupportedFindings(assessment),
    cards: [
      ...orderCountCard(assessment, kit.source),
      ...suggestionsCard(assessment, kit.source, { intent: 'proposal', limit: kit.maxSuggestions }),
      ...notAssessedCard(kit.source, notAssessedItems(assessment.judged, assessment), 'draft orders'),
    ],
  };
}
