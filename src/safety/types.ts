/** Shared types of the medication safety checks (interactions, duplicates, allergies, contraindications). */
import type { Concept } from '../fhir/types';
import type { Release } from '../medications/release';
import type { PatientLabs } from './patient-factors';

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
  /** How long the product acts, read from its text (src/medications/release.ts); absent when not read. */
  release?: Release;
  /** The product as ordered ("Doxepin 6 MG Oral Tablet"), for rules that read its form or strength. */
  text?: string;
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
  /** The latest laboratory values (contract B: eGFR, creatinine, potassium, INR …), src/safety/patient-factors.ts. */
  labs?: PatientLabs;
  /** Laboratory results may be incomplete in this call (contract F): a missing lab is then not said to be missing. */
  labsMayBeIncomplete?: boolean;
}

/** Which pairs to look at: 'order' (default) — pairs with at least one draft drug; 'review' — every pair. */
export type PairMode = 'order' | 'review';

export interface DrugRef {
  name: string;
  orderId?: string;
  source: 'draft' | 'active';
}

/** A hospital's local change of a rule's severity (src/safety/overrides.ts), shown on the card that carries it. */
export interface LocalOverride {
  /** The severity the knowledge gives the finding, before the local change. */
  from: Severity;
  /** Why the hospital changed it (the overrides file's reason). */
  reason: string;
}

export interface InteractionFinding {
  kind: 'interaction';
  severity: Severity;
  drugs: [DrugRef, DrugRef];
  /** The interaction table entry, e.g. "opioid-benzodiazepine", "pddi-warfarin-nsaids" or "onc-0123". */
  interactionId: string;
  /** Where the rule comes from: the reviewed knowledge, an HL7 PDDI-CDS rule, a bare ONC pair. */
  source: 'ONC' | 'PDDI-CDS' | 'reviewed';
  /** Short citations of the rule's sources ("FDA label", "AGS Beers Criteria 2023"), for the card. */
  sources: string[];
  /** One or two sentences for a clinician: the consequence, what raised or lowered it, the action. */
  rationale: string;
  /** Patient factors present that raise the risk (they raised the severity unless `mitigatedBy` is non-empty). */
  riskFactors: string[];
  /** Factors present that lower the risk and kept the severity from being raised. */
  mitigatedBy: string[];
  /** The third drug of a three-drug rule (ACE inhibitor + diuretic + NSAID), when it is another order. */
  third?: DrugRef;
  /** Lab values the rule read ("potassium 5.6 mmol/L (2024-03-02)"). */
  labs: string[];
  /** Labs the rule needs that the record lacks ("no potassium result in the last 180 days in the record"). */
  missingLabs: string[];
  /** Other rules the same pair matched, folded into this one finding (one card per pair). */
  alsoRules: string[];
  override?: LocalOverride;
}

export interface DuplicateFinding {
  kind: 'duplicate';
  severity: Severity;
  drugs: [DrugRef, DrugRef];
  /**
   * 'ingredient': both contain the same ingredient; 'class': two drugs of a duplicate class of
   * fhir-mappings/duplicate-therapy.json; 'renewal': a draft with exactly the ingredients of an active order;
   * 'intended': a combination the record shows is intended now (dual antiplatelet therapy after a recent
   * coronary event), reported so that other findings about the pair can say so, never as a card of its own.
   */
  basis: 'ingredient' | 'class' | 'renewal' | 'intended';
  /** The rule of duplicate-therapy.json ('same-ingredient', 'renewal-of-active' or a rule id). */
  ruleId: string;
  /** The shared ingredient(s), or the rule's label ("two statins"). */
  shared: string[];
  rationale: string;
  /** What to do, in the source's words. */
  advice?: string;
  /** Short citations of the rule's sources. */
  sources: string[];
  override?: LocalOverride;
}

export interface AllergyFinding {
  kind: 'allergy';
  severity: Severity;
  drug: DrugRef;
  allergy: { id: string; display: string };
  /** 'substance': the drug contains the allergen; 'class': same drug class; 'cross-reactivity': a related class. */
  basis: 'substance' | 'class' | 'cross-reactivity';
  /** 'allergen-substance', or the id of the allergy-classes.json rule. */
  ruleId: string;
  rationale: string;
  /** Short citations of the class rule's sources (none for the built-in 'the drug contains the allergen'). */
  sources?: string[];
  override?: LocalOverride;
}

export interface ContraindicationFinding {
  kind: 'contraindication';
  severity: Severity;
  drug: DrugRef;
  /** The patient's condition that contraindicates the drug (its Condition id, display and code), or, with
   * `lab`, the latest laboratory result that meets the rule ("eGFR 22 mL/min/1.73 m² (2026-11-17)"), or, with
   * `age`, the patient's age for a rule about children, or, with `absent`, what the record lacks ("no opioid
   * now or in the past 30 days"). */
  condition: { id: string; display: string; code?: string; lab?: true; age?: number; absent?: true };
  /** Label of the reviewed condition group the condition matched ("chronic kidney disease"), or of the age
   * range of a rule about children ("children under 12 years"). */
  conditionGroup: string;
  /** The rule of fhir-mappings/contraindications.json. */
  ruleId: string;
  /** Citations of the rule's public sources. */
  sources: string[];
  /** How strongly the source words it: the card says "contraindicated" only when the source does. */
  strength: ContraindicationStrength;
  /** The source's advice in a few words ("avoid prolonged use", "contraindicated"). */
  advice: string;
  rationale: string;
  override?: LocalOverride;
}

/** How long the patient has had the drug, which sets how strongly an older-adult rule speaks (src/safety/older-adults.ts):
 * 'new' — a draft of a drug not taken and not ordered in the past year; 'continued' — a draft continuing one;
 * 'active' — an active drug in a medication review or at discharge. */
export type OlderAdultScope = 'new' | 'continued' | 'active';

export interface OlderAdultFinding {
  kind: 'older-adult';
  severity: Severity;
  drug: DrugRef;
  /** The rule of fhir-mappings/older-adults.json. */
  ruleId: string;
  /** The rule's drug class in words ("strongly anticholinergic antidepressant"). */
  label: string;
  age: number;
  scope: OlderAdultScope;
  /** The source's recommendation in a few words ("avoid", "avoid chronic use") and its strength and quality. */
  recommendation: string;
  strength: string;
  quality?: string;
  /** What to do, beginning with the recommendation's words. */
  advice: string;
  rationale: string;
  sources: string[];
  override?: LocalOverride;
}

/** 'do-not-use': the source says it must not be given (a guideline's "harm" recommendation, a boxed warning to stop). */
export type ContraindicationStrength = 'contraindicated' | 'do-not-use' | 'avoid' | 'use-with-caution';

export type SafetyFinding = InteractionFinding | DuplicateFinding | AllergyFinding | ContraindicationFinding | OlderAdultFinding;

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
