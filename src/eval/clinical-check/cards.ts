/**
 * Reading a CDS response the way a clinician would: which card speaks of which drug, which cards are
 * warnings, which say "no indication / not supported", which suggestions name a reason. Kept in one
 * module because it depends on the cards' wording and topic codes (src/cds/cards).
 */
import { FINDINGS_EXTENSION } from '../../cds/cards/drug-card';
import type { Card } from '../../cds/types';
import { toConcept } from '../../fhir/concepts';
import { ingredientsOf } from '../../medications/normalise';
import type { Concept } from '../../fhir/types';

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
  /** The drug by the check's name for it (candidate, else normalised product name). */
  drug?: string;
  /** The suggestion's MedicationRequest names a reason (reasonReference or reasonCode). */
  namesIndication: boolean;
}

/** The drugs the cards suggest ordering (create actions with a MedicationRequest). */
export function suggestedDrugs(cards: readonly Card[], keyOf: (concept: Concept) => string): SuggestedDrug[] {
  const found: SuggestedDrug[] = [];
  for (const card of cards) {
    for (const action of (card.suggestions ?? []).flatMap((s) => s.actions ?? [])) {
      if (action.type !== 'create' || action.resource.resourceType !== 'MedicationRequest') continue;
      const concept = toConcept(action.resource.medicationCodeableConcept);
      found.push({
        ...(concept ? { drug: keyOf(concept) } : {}),
        namesIndication: (action.resource.reasonReference?.length ?? 0) > 0 || (action.resource.reasonCode?.length ?? 0) > 0,
      });
    }
  }
  return found;
}

export interface CardFinding {
  topic: string;
  indicator: string;
}

/** Every finding on a drug card (its extension), else the card itself as one finding. */
export function cardFindings(card: Card): CardFinding[] {
  const listed = card.extension?.[FINDINGS_EXTENSION];
  const found = Array.isArray(listed)
    ? listed.filter((entry: unknown): entry is CardFinding => {
        const e = entry as Partial<CardFinding> | null;
        return typeof e === 'object' && e !== null && typeof e.topic === 'string' && typeof e.indicator === 'string';
      })
    : [];
  return found.length > 0 ? found : [{ topic: card.source.topic?.code ?? '', indicator: card.indicator }];
}

/** The checks that warned (warning or critical) on this card. */
export function warningTopics(card: Card): Set<string> {
  return new Set(cardFindings(card).filter((finding) => finding.indicator !== 'info').map((finding) => finding.topic));
}

const NO_INDICATION_TOPICS = new Set(['unsupportedOrder', 'activeMedicationUnsupported']);

/** A card that warns that no indication was found (not merely says so as information). */
export function warnsNoIndication(card: Card): boolean {
  if (card.extension?.[FINDINGS_EXTENSION] === undefined) return isUnsupportedCard(card);
  return [...warningTopics(card)].some((topic) => NO_INDICATION_TOPICS.has(topic));
}

/** A card that says, as information only, that no indication was found (a low-harm drug). */
export function saysNoIndicationAsInfo(card: Card): boolean {
  return cardFindings(card).some((finding) => NO_INDICATION_TOPICS.has(finding.topic) && finding.indicator === 'info');
}

const DATA_GAP_TOPIC = 'dataGap';

/** Why the model gave nothing, as the data-gap card lists it (empty: the model ran). */
export function modelGapReasons(cards: readonly Card[]): string[] {
  const gap = cards.find((card) => card.source.topic?.code === DATA_GAP_TOPIC);
  if (!gap) return [];
  const list = (gap.detail ?? '').split('\n\n').find((paragraph) => paragraph.startsWith('- ')) ?? '- (no reason given)';
  return list.split('\n').map((line) => line.replace(/^- /, '').replace(/\\/g, '').trim());
}

/** Whether a suggestion card names the drug among those it does not suggest (withheld for safety or setting). */
export function namesAsNotSuggested(card: Card, drug: string): boolean {
  const list = (card.detail ?? '').split('\n\n').find((paragraph) => /not suggested/i.test(paragraph.split('\n')[0] ?? ''));
  return list !== undefined && list.split('\n').slice(1).some((line) => line.replace(/\\/g, '').startsWith(`- ${drug}:`));
}
