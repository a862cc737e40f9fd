/**
 * The state a CDS call is judged on, built once and read by every card builder: the patient record (without
 * the draft orders), the encounter being decided on, the drafts and the active medications, the clinical
 * knowledge (indications, high-risk drugs), and — when the model ran — its probabilities, its decision
 * thresholds and what its prompt was built from.
 */
import { displayName } from '../fhir/display';
import type { Concept, ConditionEntry, EncounterView, MedicationOrder, PatientRecord } from '../fhir/types';
import type { DecisionThresholds } from '../inference/thresholds';
import type { PromptEvidence } from '../lamo/prompt';
import type { DrugKeyOf } from '../lamo/medication-history';
import type { CourseDrugs } from '../medications/courses';
import type { DrugDescriber } from '../medications/describe-drug';
import { ALLERGY_GROUPS, type DrugIndications, type IndicationDrug, type MatchOptions } from '../medications/drug-indications';
import type { HighRiskDrugs } from '../medications/high-risk';
import type { IndicationKnowledge } from '../medications/indications';
import type { MedicationVocabulary } from '../medications/types';
import { isActiveCondition } from '../safety/contraindications';
import type { Action } from './types';

export { isActiveCondition };

export interface ModelOutput {
  probabilities: ReadonlyMap<string, number>;
  /** The model's decision rule (src/inference/thresholds.ts): nothing here has thresholds of its own. */
  thresholds: DecisionThresholds;
  modelVersion: string;
  /** Candidates the model covers; a drug outside them is "not assessed", never guessed. */
  covered: ReadonlySet<string>;
  evidence: PromptEvidence;
  /** Manifest `expectedDrugsPerVisit`, where the manifest has it. */
  expectedDrugsPerVisit?: number;
}

/** Clinical knowledge as reviewed data (fhir-mappings/), loaded at start-up. */
export interface CardKnowledge {
  indications: IndicationKnowledge;
  highRisk: HighRiskDrugs;
  /** Indications of any drug, by ingredient and by class (src/medications/drug-indications.ts). */
  drugIndications: DrugIndications;
  /** An order's drug as ingredients and ATC codes. */
  describe: DrugDescriber;
  /** The name drugs go by in the medication history (contract C, src/lamo/medication-history.ts). */
  drugKey: DrugKeyOf;
  /** Drugs given in courses: an 'active' order of one long past is a finished course (src/medications/courses.ts). */
  courses: CourseDrugs;
}

/** How the encounter of a decision was found (src/cds/encounter.ts); 'none' when judged without one. */
export type EncounterBasis = 'context' | 'draft orders' | 'in progress' | 'none';

export interface Assessment {
  patientId: string;
  /** The encounter decided on: the hook context's, else the draft orders', else the patient's encounter in progress. */
  encounterId?: string;
  /** How `encounterId` was found; 'none': judged without today's encounter (absent: as 'context', or unknown). */
  encounterBasis?: EncounterBasis;
  userId?: string;
  record: PatientRecord;
  /** The encounter the decision is about: the record's, or one standing for "now" when the record lacks it. */
  encounter: EncounterView;
  /** Whether the decision is made in an inpatient stay (cards then speak of admission, else of the chart). */
  inpatient: boolean;
  /** Every draft medication order of the call, in the order the client sent them. */
  drafts: MedicationOrder[];
  /** The orders this hook judges: order-select's selections, order-sign's every draft, the review's actives. */
  judged: MedicationOrder[];
  /** Active (or on-hold) orders that are not drafts of this call, one per drug. */
  active: MedicationOrder[];
  vocab: MedicationVocabulary;
  knowledge: CardKnowledge;
  model?: ModelOutput;
  /** Recommended candidates not to suggest (allergy, critical interaction, contraindication) → why. */
  withheld: ReadonlyMap<string, string>;
  /**
   * Partial data (team contract F): resource type ("MedicationRequest", "Condition", "AllergyIntolerance",
   * "Encounter", "Observation", …) → why its data may be incomplete, in a clinician's words ("20 of 35 read;
   * the next page could not be fetched: HTTP 500"). A type is here when a search result was cut short (a
   * `next` link that could not be followed, a `total` above the entries received), a search failed, or the type
   * was neither sent nor fetchable. Absent types arrived whole. A finding that rests on absence ("no
   * indication found" needs Condition; "never ordered before", a renewal judged from history need
   * MedicationRequest; a check that needs a lab needs Observation) is not given when its type is here:
   * ask `mayBeIncomplete`. The data-gap card names every entry.
   */
  incomplete: ReadonlyMap<string, string>;
}

/** Whether any of `types` may be incomplete in this call (contract F): then no finding may rest on their absence. */
export function mayBeIncomplete(assessment: Pick<Assessment, 'incomplete'>, ...types: string[]): boolean {
  return types.some((type) => assessment.incomplete.has(type));
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The patient's active orders, then the orders written in the `withinDays` before the decision (the encounter's
 * start, else now), leaving out the orders named in `except` (the call's drafts): what a draft continues, or which
 * classes the patient is used to.
 */
export function activeOrRecentOrders(assessment: Pick<Assessment, 'active' | 'record' | 'encounter'>, withinDays: number, except: ReadonlySet<string> = new Set()): MedicationOrder[] {
  const at = Date.parse(assessment.encounter.start ?? '') || Date.now();
  const recent = assessment.record.medications.filter((order) => {
    const authored = Date.parse(order.authoredOn ?? '');
    return !except.has(order.id) && authored <= at && at - authored <= withinDays * DAY_MS;
  });
  return [...assessment.active, ...recent];
}

const STILL_ACTIVE = new Set(['active', 'on-hold']);
const INACTIVE_ALLERGY = new Set(['inactive', 'resolved']);
const INPATIENT_CLASSES = new Set(['IMP', 'ACUTE', 'NONAC']);

export function isInpatient(encounter: EncounterView | undefined): boolean {
  return encounter?.classCode !== undefined && INPATIENT_CLASSES.has(encounter.classCode);
}

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

/** A name to show for an order: its display, as ordered (the product). */
export function orderLabel(order: MedicationOrder): string {
  return order.concept.display;
}

/** Active orders, newest first, one per drug (candidate, else display); `current` may set aside an order still
 * marked active that is not taken any more (a finished antibiotic course: currentOrder). */
export function activeOrders(record: PatientRecord, vocab: MedicationVocabulary, exclude: ReadonlySet<string>, current: (order: MedicationOrder) => boolean = () => true): MedicationOrder[] {
  const newestFirst = record.medications
    .filter((order) => STILL_ACTIVE.has(order.status ?? '') && !exclude.has(order.id) && current(order))
    .sort((a, b) => (Date.parse(b.authoredOn ?? '') || 0) - (Date.parse(a.authoredOn ?? '') || 0));
  const seen = new Set<string>();
  return newestFirst.filter((order) => {
    const key = candidateOf(order, vocab) ?? order.concept.display.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether an active order is still taken at `at` (ms): not a course of a drug given in courses that ended long ago. */
export function currentOrder(knowledge: Pick<CardKnowledge, 'courses' | 'describe'>, at: number): (order: MedicationOrder) => boolean {
  return (order) => !knowledge.courses.finished(order, knowledge.describe.ofConcept(order.concept)?.atc ?? [], at);
}

/** Conditions on the current problem list. */
export function activeConditions(assessment: Pick<Assessment, 'record'>): ConditionEntry[] {
  return assessment.record.conditions.filter(isActiveCondition);
}

/** A condition that supports a drug, and how the record or the knowledge says so. */
export interface Support {
  /** The Condition's id, when the support is a Condition of the record (then it can be a reasonReference). */
  conditionId?: string;
  /** Otherwise the coded reason (a recorded allergy, a reason code): a suggestion's reasonCode. */
  concept?: Concept;
  display: string;
  via: 'this order' | 'earlier orders' | 'indication table' | 'drug class' | 'this visit';
}

/** The drug an order (or else a bare candidate) stands for, as the indication knowledge reads it. */
export function drugOf(assessment: Pick<Assessment, 'knowledge'>, candidate: string | undefined, order?: MedicationOrder): IndicationDrug | undefined {
  if (order) return assessment.knowledge.describe.ofConcept(order.concept);
  return candidate === undefined ? undefined : assessment.knowledge.describe.ofCandidate(candidate);
}

/** Whether two drugs share an ingredient (a renewal, or a combination product holding the other). */
export function sharesIngredient(a: IndicationDrug | undefined, b: IndicationDrug | undefined): boolean {
  return a !== undefined && b !== undefined && a.ingredients.some((ingredient) => b.ingredients.includes(ingredient));
}

/**
 * The active conditions that support `candidate` (and `order`, when it is an order): the order's own
 * reasonReference (an active Condition) and reasonCode, the reasons of earlier orders of the same drug that are
 * still active, and the conditions the indication knowledge lists for the drug, by ingredient and by class
 * (with `reviewedOnly`, only indications from cited sources: what a suggestion needs), and the reasons for this
 * visit that are indications of the drug. Each condition once.
 */
export function supportFor(assessment: Assessment, candidate: string | undefined, order?: MedicationOrder, options: MatchOptions = {}): Support[] {
  const active = activeConditions(assessment);
  const byId = new Map(active.map((condition) => [condition.id, condition]));
  const found = new Map<string, Support>();
  const add = (condition: ConditionEntry, via: Support['via']): void => {
    if (!found.has(condition.id)) found.set(condition.id, { conditionId: condition.id, display: displayName(condition.concept.display), via });
  };
  if (order) {
    for (const id of order.reasonConditionIds) {
      const condition = byId.get(id);
      if (condition) add(condition, 'this order');
    }
    // A reason code names the condition the prescriber ordered it for; an active Condition with that code is it.
    for (const reason of order.reasonConcepts) {
      const match = active.find((condition) => reason.code !== undefined && condition.concept.codings.some((c) => c.code === reason.code));
      if (match) add(match, 'this order');
      else if (!found.has(`code:${reason.display}`)) found.set(`code:${reason.display}`, { concept: reason, display: displayName(reason.display), via: 'this order' });
    }
  }
  const drug = drugOf(assessment, candidate, order);
  if (drug === undefined) return [...found.values()];
  for (const earlier of assessment.record.medications) {
    if (earlier === order || earlier.reasonConditionIds.length === 0) continue;
    const same = candidate !== undefined ? candidateOf(earlier, assessment.vocab) === candidate : assessment.knowledge.describe.ofConcept(earlier.concept)?.name === drug.name;
    if (!same) continue;
    for (const id of earlier.reasonConditionIds) {
      const condition = byId.get(id);
      if (condition) add(condition, 'earlier orders');
    }
  }
  const rules = assessment.knowledge.drugIndications;
  const profile = rules.profile(drug);
  for (const match of rules.supporting(profile, active, (condition) => condition.concept, options)) {
    add(match.condition, match.indication.origin === 'class' ? 'drug class' : 'indication table');
  }
  // The reason for this visit (Encounter.reasonCode/reasonReference) is a current problem even where no Condition
  // records it (Synthea's symptom visits: "Perennial allergic rhinitis" only on the encounter).
  const known = new Set([...found.values()].flatMap((support) => (support.conditionId ? (byId.get(support.conditionId)?.concept.codings.map((c) => c.code) ?? []) : [])));
  for (const match of rules.supporting(profile, assessment.encounter.reasons, (concept) => concept, options)) {
    const concept = match.condition;
    if (concept.codings.some((coding) => known.has(coding.code)) || found.has(`visit:${concept.display}`)) continue;
    found.set(`visit:${concept.display}`, { concept, display: displayName(concept.display), via: 'this visit' });
  }
  // Environmental and food allergies are recorded as AllergyIntolerance, not Condition: they indicate antihistamines and epinephrine.
  const allergies = assessment.record.allergies.filter((allergy) => !INACTIVE_ALLERGY.has(allergy.clinicalStatus ?? ''));
  const allergyIndication = profile.indications.find((indication) => ALLERGY_GROUPS.has(indication.key) && (!options.reviewedOnly || indication.origin !== 'synthea'));
  for (const allergy of allergies) {
    const match = rules.supporting(profile, [allergy.concept], (concept) => concept, options)[0]?.indication;
    // A food or environmental allergy is the condition antihistamines and epinephrine treat, however it is coded.
    const byCategory = (allergy.category ?? []).some((category) => category === 'food' || category === 'environment') ? allergyIndication : undefined;
    const indication = match ?? byCategory;
    const concept = allergy.concept;
    if (indication && !found.has(`allergy:${concept.display}`)) {
      found.set(`allergy:${concept.display}`, { concept, display: displayName(concept.display), via: indication.origin === 'class' ? 'drug class' : 'indication table' });
    }
  }
  return [...found.values()];
}

/** The model's P(yes) of a covered candidate, if it was scored. */
export function probabilityOf(model: ModelOutput, candidate: string | undefined): number | undefined {
  return candidate !== undefined && model.covered.has(candidate) ? model.probabilities.get(candidate) : undefined;
}

/** The model is confident an order of `candidate` is very unlikely here (its own `unsupported` threshold). */
export function modelFindsUnlikely(model: ModelOutput, candidate: string | undefined): boolean {
  const probability = probabilityOf(model, candidate);
  return candidate !== undefined && probability !== undefined && probability < model.thresholds.unsupported(candidate);
}
