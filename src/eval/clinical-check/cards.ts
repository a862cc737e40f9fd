/**
 * Reading a CDS response the way a clinician would: which card speaks of which drug, which cards are
 * warnings, which say "no indication / not supported", which suggestions name a reason. Kept in one
 * module because it depends on the cards' wording and topic codes (src/cds/cards).
 */
import type { Card } from '../../cds/types';
import { toConcept } from '../../fhir/concepts';
import { ingredientsOf } from '../../medications/normalise';
import type { MedicationVocabulary } from '../../medications/types';

export function isWarning(card: Card): boolean {
  return card.indicator === 'warning' || card.indicator === 'critical';
}

/** The info card into which warnings over the per-call budget are folded: its warnings were still given. */
const FOLDED_TOPIC = 'moreWarnings';

/** A card that warns about something: a warning or critical card, or the card of folded warnings. */
export function carriesWarning(card: Card): boolean {
  return isWarning(card) || card.source.topic?.code === FOLDED_TOPIC;
}

// "Confirm the indication" (info, for high-risk drugs) is deliberately not a flag: it advises nothing against.
const UNSUPPORTED_TOPIC = /^(unsupportedOrder|activeMedicationUnsupported)$/;
const UNSUPPORTED_TEXT = /no indication|not supported|unsupported|no longer supported/i;

/** A card that questions a drug because the record does not support it (model or indication knowledge). */
export function isUnsupportedCard(card: Card): boolean {
  return carriesWarning(card) && (UNSUPPORTED_TOPIC.test(card.source.topic?.code ?? '') || UNSUPPORTED_TEXT.test(card.summary));
}

/** Whether the card is about the drug: it offers to delete that draft, or its summary names every ingredient. */
export function cardIsAbout(card: Card, drug: { orderId?: string; candidate?: string; display?: string }): boolean {
  const deletes = (card.suggestions ?? []).flatMap((s) => s.actions ?? []).some((a) => a.type === 'delete' && drug.orderId !== undefined && a.resourceId.endsWith(`/${drug.orderId}`));
  if (deletes) return true;
  const summary = card.summary.toLowerCase();
  if (drug.display && summary.includes(drug.display.toLowerCase())) return true;
  const ingredients = drug.candidate ? ingredientsOf(drug.candidate) : [];
  return ingredients.length > 0 && ingredients.every((ingredient) => summary.includes(ingredient));
}

export interface SuggestedDrug {
  candidate?: string;
  /** The suggestion's MedicationRequest names a reason (reasonReference or reasonCode). */
  namesIndication: boolean;
}

/** The drugs the cards suggest ordering (create actions with a MedicationRequest). */
export function suggestedDrugs(cards: readonly Card[], vocabulary: MedicationVocabulary): SuggestedDrug[] {
  const found: SuggestedDrug[] = [];
  for (const card of cards) {
    for (const action of (card.suggestions ?? []).flatMap((s) => s.actions ?? [])) {
      if (action.type !== 'create' || action.resource.resourceType !== 'MedicationRequest') continue;
      const concept = toConcept(action.resource.medicationCodeableConcept);
      const normalised = concept ? vocabulary.normalise(concept) : undefined;
      found.push({
        ...(normalised?.covered ? { candidate: normalised.candidate } : {}),
        namesIndication: (action.resource.reasonReference?.length ?? 0) > 0 || (action.resource.reasonCode?.length ?? 0) > 0,
      });
    }
  }
  return found;
}
