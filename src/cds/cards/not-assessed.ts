/** Drugs the model does not cover are said to be not assessed by it — never guessed. */
import type { MedicationOrder } from '../../fhir/types';
import { orderLabel, type Assessment } from '../assessment';
import type { IssuedCard } from '../types';
import { makeCard, md, type CardSourceInfo } from './card';

export interface NotAssessedItem {
  label: string;
  reason: string;
}

/** Orders (draft or active) the model has no judgement on, with the reason. */
export function notAssessedItems(orders: readonly MedicationOrder[], assessment: Assessment): NotAssessedItem[] {
  const model = assessment.model;
  if (!model) return [];
  const items: NotAssessedItem[] = [];
  for (const order of orders) {
    const normalised = assessment.vocab.normalise(order.concept);
    if (!normalised.covered) items.push({ label: orderLabel(order), reason: normalised.reason });
    else if (!model.covered.has(normalised.candidate)) items.push({ label: orderLabel(order), reason: `the model was not trained on ${normalised.candidate}` });
  }
  return items;
}

export function notAssessedCard(source: CardSourceInfo, items: readonly NotAssessedItem[], what: string): IssuedCard[] {
  if (items.length === 0) return [];
  const names = items.map((item) => item.label);
  return [
    makeCard('not-assessed', source, {
      summary: `Not assessed by the LAMO model: ${names.join(', ')}`,
      indicator: 'info',
      detail: [
        `The LAMO model gives no judgement on these ${what}; the interaction, duplicate, allergy and contraindication checks still apply.`,
        items.map((item) => `- **${md(item.label)}**: ${md(item.reason)}`).join('\n'),
      ].join('\n\n'),
    }),
  ];
}
