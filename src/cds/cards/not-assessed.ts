/**
 * Drugs the model does not score are said to be not assessed by it — never guessed. The card says that and
 * nothing more: whether a safety check found something about such a drug is that check's own card, and a
 * card that finds nothing must not read as reassurance that every check applied (issue 15).
 */
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
    // The vocabulary's reasons are for engineers (RxNorm codes, candidate names): the clinician gets the fact.
    if (!normalised.covered) items.push({ label: orderLabel(order), reason: 'not among the drugs the model scores' });
    else if (!model.covered.has(normalised.candidate)) items.push({ label: orderLabel(order), reason: 'the model was not trained on this drug' });
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
        `The LAMO model gives no opinion on these ${what}: it neither supports nor questions them.`,
        items.map((item) => `- **${md(item.label)}**: ${md(item.reason)}`).join('\n'),
      ].join('\n\n'),
    }),
  ];
}
