/**
 * Why the service did not suggest a withheld drug that the model alone recalls (leave one out). The service
 * suggests a drug only when it is not already ordered or active, an active condition supports it, and it may be
 * suggested safely here; so a "model-only hit" is one of:
 *  - withheld: the suggestion card names it as not suggested (a safety check, the setting);
 *  - already active: the record holds an active order of the drug (nothing to suggest);
 *  - not indicated: no active condition of the record is an indication of it in the service's knowledge — by
 *    design, e.g. an antibiotic for a viral sinusitis (antibiotic stewardship), so recall below the model's there
 *    is the price of not suggesting what the record does not support;
 *  - other: none of these (the suggestion limit, or a gap to look into).
 * Reported per population, with the drugs "not indicated" by name, so that the gap is seen for what it is.
 */
import type { Card } from '../../cds/types';
import type { Concept, MedicationOrder, PatientRecord } from '../../fhir/types';
import { isActiveCondition } from '../../safety/contraindications';
import { namesAsNotSuggested } from './cards';

export type ModelOnlyReason = 'withheldByService' | 'alreadyActive' | 'notIndicated' | 'other';

export const MODEL_ONLY_REASONS: readonly ModelOnlyReason[] = ['withheldByService', 'alreadyActive', 'notIndicated', 'other'];

export interface ModelOnlyKnowledge {
  keyOf: (concept: Concept) => string;
  /** Whether an indication from a cited source of the drug (by the check's drug name) is among the conditions. */
  indicated: (drug: string, conditions: readonly Concept[]) => boolean;
  /** Whether an order marked active is still taken at `at` (the service's rule: a finished course is not). */
  current: (order: MedicationOrder, at: number) => boolean;
}

const ACTIVE_ORDER = new Set(['active', 'on-hold']);

export function modelOnlyReason(cards: readonly Card[], drug: string, record: PatientRecord, at: number, reasons: readonly Concept[], knowledge: ModelOnlyKnowledge): ModelOnlyReason {
  if (cards.some((card) => namesAsNotSuggested(card, drug))) return 'withheldByService';
  if (record.medications.some((order) => ACTIVE_ORDER.has(order.status ?? '') && knowledge.current(order, at) && knowledge.keyOf(order.concept) === drug)) return 'alreadyActive';
  // What the service reads as current problems: active conditions, recorded allergies, the reasons for this visit.
  const conditions = [...record.conditions.filter(isActiveCondition).map((condition) => condition.concept), ...record.allergies.map((allergy) => allergy.concept), ...reasons];
  if (!knowledge.indicated(drug, conditions)) return 'notIndicated';
  return 'other';
}
