/** Drugs the model does not cover are said to be not assessed — never guessed. */
import type { IssuedCard } from '../types';
import { makeCard, md, type CardSourceInfo } from './card';

export interface NotAssessedItem {
  label: string;
  reason: string;
}

export function notAssessedCard(source: CardSourceInfo, items: readonly NotAssessedItem[], what: string): IssuedCard[] {
  if (items.length === 0) return [];
  const names = items.map((item) => item.label);
  return [
    makeCard('not-assessed', source, {
      summary: `Not assessed by the LAMO model: ${names.join(', ')}`,
      indicator: 'info',
      detail: [
        `The LAMO model gives no judgement on these ${what}; interaction, duplicate and allergy checks still apply.`,
        items.map((item) => `- **${md(item.label)}**: ${md(item.reason)}`).join('\n'),
      ].join('\n\n'),
    }),
  ];
}
