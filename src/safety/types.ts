/** Shared types of the medication safety checks (interactions, duplicates, allergies, contraindications). */
import type { Concept } from '../fhir/types';

/** CDS Hooks card indicators, most serious first. */
export type Severity = 'critical' | 'warning' | 'info';

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'warning', 'info'];

/** A drug as the safety checks see it: a drafted order, a patient's active medication, or a LAMO candidate. */
export interface SafetyDrug {
  /** Candidate-style ingredient name ("acetaminophen / oxycodone"), or the order's own text when no ingredient could be read. */
  name: string;
  /** Lower-case ingredients at candidate level (salts removed); empty when unknown. */
  ingredients: string[];
  /** RxNorm codes of the product(s): the order's codes, or for a bare candidate the codes it was seen with. */
  rxnorm: string[];
  /** ATC codes that classify the drug: a combination's own code and each ingredient's codes (drug catalogue). */
  atc: string[];
  /** Every ingredient is in the drug catalogue (false: read from free text, classes unknown). */
  known?: boolean;
  /** 'draft': being ordered now (CDS Hooks draftOrders / a LAMO suggestion); 'active': already taken. */
  source: 'draft' | 'active';
  /** The MedicationRequest id (or a candidate's name) the finding points back to. */
  orderId?: string;
}

/** What the checks need to know about the patient beyond the drugs being checked. */
export interface PatientContext {
  /** Age in whole years at the time of the check. */
  age?: number;
  /** The patient's conditions, past ones included (a history of bleeding counts). */
  conditions?: Concept[];
  /** Other medications (e.g. active ones not under check): used for risk factors such as a concurrent PPI. */
  otherMedications?: SafetyDrug[];
}

/** Which pairs to look at: 'order' (default) — pairs with at least one draft drug; 'review' — every pair. */
export type PairMode = 'order' | 'review';

export interface DrugRef {
  name: string;
  orderId?: string;
  source: 'draft' | 'active';
}

export interface InteractionFinding {
  kind: 'interaction';
  severity: Severity;
  drugs: [DrugRef, DrugRef];
  /** The interaction table entry, e.g. "pddi-warfarin-nsaids" or "onc-0123". */
  interactionId: string;
  source: 'ONC' | 'PDDI-CDS';
  /** One or two sentences for a clinician: the consequence, what raised or lowered it, the action. */
  rationale: string;
  /** Patient factors present that raise the risk (they raised the severity unless `mitigatedBy` is non-empty). */
  riskFactors: string[];
  /** Factors present that lower the risk and kept the severity from being raised. */
  mitigatedBy: string[];
}

export interface DuplicateFinding {
  kind: 'duplicate';
  severity: Severity;
  drugs: [DrugRef, DrugRef];
  /** 'ingredient': both contain the same ingredient; 'class': same ATC level-4 class. */
  basis: 'ingredient' | 'class';
  /** The shared ingredient(s) or the ATC level-4 code. */
  shared: string[];
  rationale: string;
}

export interface AllergyFinding {
  kind: 'allergy';
  severity: Severity;
  drug: DrugRef;
  allergy: { id: string; display: string };
  /** 'substance': the drug contains the allergen; 'class': same drug class; 'cross-reactivity': a related class. */
  basis: 'substance' | 'class' | 'cross-reactivity';
  rationale: string;
}

export interface ContraindicationFinding {
  kind: 'contraindication';
  severity: Severity;
  drug: DrugRef;
  /** The patient's condition that contraindicates the drug (its Condition id, display and code). */
  condition: { id: string; display: string; code?: string };
  /** Label of the reviewed condition group the condition matched ("chronic kidney disease"). */
  conditionGroup: string;
  /** The rule of fhir-mappings/contraindications.json. */
  ruleId: string;
  /** Citations of the rule's public sources. */
  sources: string[];
  rationale: string;
}

export type SafetyFinding = InteractionFinding | DuplicateFinding | AllergyFinding | ContraindicationFinding;

export function drugRef(drug: SafetyDrug): DrugRef {
  return drug.orderId === undefined ? { name: drug.name, source: drug.source } : { name: drug.name, orderId: drug.orderId, source: drug.source };
}

/**
 * The pairs a check looks at: in 'order' mode only pairs with at least one draft drug (an active × active
 * pair was already there before this order), in 'review' mode every pair. The same order is never paired
 * with itself.
 */
export function pairsToCheck(drugs: readonly SafetyDrug[], mode: PairMode = 'order'): [SafetyDrug, SafetyDrug][] {
  const pairs: [SafetyDrug, SafetyDrug][] = [];
  for (let i = 0; i < drugs.length; i++) {
    for (let j = i + 1; j < drugs.length; j++) {
      const a = drugs[i];
      const b = drugs[j];
      if (a.orderId !== undefined && a.orderId === b.orderId) continue;
      if (mode === 'order' && a.source !== 'draft' && b.source !== 'draft') continue;
      pairs.push([a, b]);
    }
  }
  return pairs;
}
