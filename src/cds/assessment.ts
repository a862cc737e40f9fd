/**
 * The state a CDS call is judged on, built once and read by every card builder: the patient record (without
 * the draft orders), the encounter being decided on, the drafts and the active medications, and — when the
 * model ran — its probabilities and what its prompt was built from.
 */
import type { ConditionEntry, EncounterView, MedicationOrder, PatientRecord } from '../fhir/types';
import type { PromptEvidence } from '../lamo/prompt';
import type { MedicationVocabulary } from '../medications/types';
import type { Action } from './types';

export interface ModelOutput {
  probabilities: ReadonlyMap<string, number>;
  threshold: number;
  modelVersion: string;
  /** Candidates the model covers; a drug outside them is "not assessed", never guessed. */
  covered: ReadonlySet<string>;
  evidence: PromptEvidence;
  /** Manifest `expectedDrugsPerVisit`, where the manifest has it. */
  expectedDrugsPerVisit?: number;
}

export interface Assessment {
  patientId: string;
  /** The encounter named by the hook context, when it names one. */
  encounterId?: string;
  userId?: string;
  record: PatientRecord;
  /** The encounter the decision is about: the record's, or one standing for "now" when the record lacks it. */
  encounter: EncounterView;
  drafts: MedicationOrder[];
  /** The drafts to judge: order-select's selections, order-sign's every draft. */
  assessedDrafts: MedicationOrder[];
  /** Active (or on-hold) orders that are not drafts of this call, one per drug. */
  active: MedicationOrder[];
  vocab: MedicationVocabulary;
  model?: ModelOutput;
  /** Recommended candidates not to suggest (allergy, critical interaction) → why. */
  withheld: ReadonlyMap<string, string>;
}

const STILL_ACTIVE = new Set(['active', 'on-hold']);

/** Draft orders sent without an id are numbered by the service; such an id names nothing in the EHR. */
const NUMBERED_DRAFT = 'lamo-draft-';

export function numberedDraftId(index: number): string {
  return `${NUMBERED_DRAFT}${index + 1}`;
}

/** The `delete` action for a draft, when the EHR can know the draft by its id. */
export function removeDraftAction(orderId: string | undefined, name: string): Action | undefined {
  if (!orderId || orderId.startsWith(NUMBERED_DRAFT)) return undefined;
  return { type: 'delete', description: `Remove the draft order for ${name}`, resourceId: `MedicationRequest/${orderId}` };
}

/** The vocabulary candidate of an order, if covered. */
export function candidateOf(order: MedicationOrder, vocab: MedicationVocabulary): string | undefined {
  const normalised = vocab.normalise(order.concept);
  return normalised.covered ? normalised.candidate : undefined;
}

/** A name to show for an order: its display, as ordered. */
export function orderLabel(order: MedicationOrder): string {
  return order.concept.display;
}

/** Active orders, newest first, one per drug (candidate, else display). */
export function activeOrders(record: PatientRecord, vocab: MedicationVocabulary, exclude: ReadonlySet<string>): MedicationOrder[] {
  const newestFirst = record.medications
    .filter((order) => STILL_ACTIVE.has(order.status ?? '') && !exclude.has(order.id))
    .sort((a, b) => (Date.parse(b.authoredOn ?? '') || 0) - (Date.parse(a.authoredOn ?? '') || 0));
  const seen = new Set<string>();
  return newestFirst.filter((order) => {
    const key = candidateOf(order, vocab) ?? order.concept.display.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const CURRENT_STATUS = new Set(['active', 'recurrence', 'relapse']);

/** A condition on the current problem list: active (or recurred) and not abated. */
export function isCurrentCondition(condition: ConditionEntry): boolean {
  return CURRENT_STATUS.has(condition.clinicalStatus ?? '') && !condition.abatement;
}

export interface UnsupportedDrug {
  order: MedicationOrder;
  candidate: string;
  probability: number;
}

/** Orders the model covers and scores under its threshold: drugs the record does not support. */
export function unsupportedOrders(assessment: Assessment, orders: readonly MedicationOrder[]): UnsupportedDrug[] {
  const model = assessment.model;
  if (!model) return [];
  const found: UnsupportedDrug[] = [];
  for (const order of orders) {
    const candidate = candidateOf(order, assessment.vocab);
    const probability = candidate && model.covered.has(candidate) ? model.probabilities.get(candidate) : undefined;
    if (candidate !== undefined && probability !== undefined && probability < model.threshold) found.push({ order, candidate, probability });
  }
  return found;
}

/**
 * Conditions the record links to `candidate`: the reasons (reasonReference) of earlier orders of the same drug
 * that are still current. This is what a suggestion's reasonReference and a card's "supported by" cite.
 */
export function conditionsSupporting(assessment: Assessment, candidate: string): ConditionEntry[] {
  const { record, vocab } = assessment;
  const byId = new Map(record.conditions.map((condition) => [condition.id, condition]));
  const found = new Map<string, ConditionEntry>();
  for (const order of record.medications) {
    if (candidateOf(order, vocab) !== candidate) continue;
    for (const id of order.reasonConditionIds) {
      const condition = byId.get(id);
      if (condition && isCurrentCondition(condition)) found.set(id, condition);
    }
  }
  return [...found.values()];
}
