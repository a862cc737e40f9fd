/**
 * Drugs the model does not score are said to be not assessed by it — never guessed. Once, where the clinician
 * reads about the drug: on the drug's own card when it has one (one line, "The LAMO model does not score …"),
 * else in one info card naming every such order of the call. Either says that and nothing more: whether a safety
 * check found something about such a drug is that check's finding, and a card that finds nothing must not read
 * as reassurance that every check applied (issue 15).
 */
import type { MedicationOrder } from '../../fhir/types';
import { orderLabel, type Assessment } from '../assessment';
import type { IssuedCard } from '../types';
import { makeCard, md, type CardSourceInfo } from './card';

export interface NotAssessedItem {
  orderId: string;
  label: string;
  reason: string;
}

/** The orders a hook would name as not assessed by the model, and what they are ("draft orders"). */
export interface NotAssessedOrders {
  orders: readonly MedicationOrder[];
  what: string;
}

/** Why the model gives no figure for the order, when it ran and does not cover the drug. */
export function notScoredReason(order: MedicationOrder, assessment: Pick<Assessment, 'model' | 'vocab'>): string | undefined {
  const model = assessment.model;
  if (!model) return undefined;
  const normalised = assessment.vocab.normalise(order.concept);
  // The vocabulary's reasons are for engineers (RxNorm codes, candidate names): the clinician gets the fact.
  if (!normalised.covered) return 'not among the drugs the model scores';
  if (!model.covered.has(normalised.candidate)) return 'the model was not trained on this drug';
  return undefined;
}

/** Orders (draft or active) the model has no judgement on, with the reason. */
export function notAssessedItems(orders: readonly MedicationOrder[], assessment: Pick<Assessment, 'model' | 'vocab'>): NotAssessedItem[] {
  const items: NotAssessedItem[] = [];
  for (const order of orders) {
    const reason = notScoredReason(order, assessment);
    if (reason !== undefined) items.push({ orderId: order.id, label: orderLabel(order), reason });
  }
  return items;
}

/** The line a drug's own card gives instead of a card of its own. */
export function notScoredLine(name: string): string {
  return `The LAMO model does not score ${md(name)}: it gives no opinion on it.`;
}

/** One info card for the orders without a card of their own (`withCard`: the order ids that have one). */
export function notAssessedCard(source: CardSourceInfo, items: readonly NotAssessedItem[], what: string, withCard: ReadonlySet<string> = new Set()): IssuedCard[] {
  const left = items.filter((item) => !withCard.has(item.orderId));
  if (left.length === 0) return [];
  const names = left.map((item) => item.label);
  return [
    makeCard('not-assessed', source, {
      summary: `Not assessed by the LAMO model: ${names.join(', ')}`,
      indicator: 'info',
      detail: [
        `The LAMO model gives no opinion on these ${what}: it neither supports nor questions them.`,
        left.map((item) => `- **${md(item.label)}**: ${md(item.reason)}`).join('\n'),
      ].join('\n\n'),
    }),
  ];
}
