/**
 * The per-call warning budget: alert fatigue is why clinicians switch CDS off. Critical cards are always shown;
 * warnings are shown while the call has shown fewer than `budget` warning-or-critical cards; the rest are folded,
 * whole, into one info card (their summaries listed, their details and remove-draft suggestions kept).
 */
import type { IssuedCard, Suggestion } from '../types';
import { makeCard, md, withoutKnowledgeFootnote, type CardSourceInfo } from './card';

/** `cards` most urgent first → the same, with warnings over the budget folded into one info card at the end of the warnings. */
export function withinWarningBudget(cards: readonly IssuedCard[], budget: number, source: CardSourceInfo): IssuedCard[] {
  const critical = cards.filter((issued) => issued.card.indicator === 'critical');
  const warnings = cards.filter((issued) => issued.card.indicator === 'warning');
  const info = cards.filter((issued) => issued.card.indicator === 'info');
  const room = Math.max(0, budget - critical.length);
  if (warnings.length <= room) return [...cards];
  const shown = warnings.slice(0, room);
  const folded = warnings.slice(room);
  const suggestions: Omit<Suggestion, 'uuid'>[] = folded.flatMap((issued) =>
    (issued.card.suggestions ?? []).map(({ label, actions, isRecommended }) => ({ label, ...(actions ? { actions } : {}), ...(isRecommended !== undefined ? { isRecommended } : {}) })),
  );
  const fold = makeCard('more-warnings', source, {
    summary: folded.length === 1 ? `One more warning: ${folded[0].card.summary}` : `${folded.length} more warnings: ${folded.map((issued) => issued.card.summary).join('; ')}`,
    indicator: 'info',
    detail: [
      `Shown here so that the most important warnings stand out (at most ${budget} warning card${budget === 1 ? '' : 's'} per request).`,
      ...folded.map((issued) => `**${md(issued.card.summary)}**\n\n${withoutKnowledgeFootnote(issued.card.detail ?? '', source)}`),
    ].join('\n\n---\n\n'),
    suggestions,
  });
  return [...critical, ...shown, fold, ...info];
}
