/** The model's cards of both order hooks (order-select, order-sign): a finding per judged draft without an
 * indication, the order count, suggestions that an active condition supports, and drafts the model does not cover. */
import type { Assessment } from '../src/cds/assessment';
import { notAssessedCard, notAssessedItems } from '../src/cds/cards/not-assessed';
import { orderCountCard } from '../src/cds/cards/order-count';
import { suggestionsCard } from '../src/cds/cards/suggestions';
import { unsupportedFindings } from '../src/cds/cards/unsupported-order';
import type { Finding } from '../src/cds/findings';
import type { CardKit, IssuedCard } from '../src/cds/types';

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
