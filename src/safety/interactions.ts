/**
 * Drug–drug interaction check: the pairs among the drugs (see `pairsToCheck`) that the interaction table
 * lists, with the severity set by the rule's patient factors (PDDI-CDS logic) and a clinician rationale.
 */
import { knownSystem } from '../fhir/concepts';
import type { Concept } from '../fhir/types';
import { ingredientsOf } from '../medications/normalise';
import { defaultInteractionIndex, onlyInGroup, type InteractionIndex, type InteractionRule, type RiskFactor } from './interaction-table';
import {
  drugRef,
  pairsToCheck,
  SEVERITY_ORDER,
  type InteractionFinding,
  type PairMode,
  type PatientContext,
  type SafetyDrug,
  type Severity,
} from './types';

export interface InteractionOptions {
  mode?: PairMode;
  /** The table to use (default: fhir-mappings/interactions.json). */
  index?: InteractionIndex;
}

function hasSnomedCode(concept: Concept, codes: Record<string, string>): boolean {
  return concept.codings.some((coding) => coding.code !== undefined && knownSystem(coding.system) === 'snomed' && Object.prototype.hasOwnProperty.call(codes, coding.code));
}

interface Assessment {
  severity: Severity;
  riskFactors: string[];
  mitigatedBy: string[];
  /** Why an exception set the severity (e.g. topical diclofenac). */
  exception?: string;
}

/** Applies a rule's exceptions, risk and mitigating factors to one pair (a, b in the rule's order). */
function assess(rule: InteractionRule, a: SafetyDrug, b: SafetyDrug, others: SafetyDrug[], context: PatientContext, index: InteractionIndex): Assessment {
  for (const exception of rule.exceptions ?? []) {
    const group = index.table.groups[exception.group];
    if (group && onlyInGroup(group, exception.side === 'a' ? a : b)) {
      return { severity: exception.severity, riskFactors: [], mitigatedBy: [], exception: exception.text };
    }
  }
  const present = (factor: RiskFactor): boolean => {
    switch (factor.kind) {
      case 'condition': {
        const set = index.table.conditionSets[factor.conditionSet];
        return Boolean(set && (context.conditions ?? []).some((concept) => hasSnomedCode(concept, set.snomed)));
      }
      case 'age-over':
        return context.age !== undefined && context.age > factor.years;
      case 'concurrent-drug':
        return others.some((drug) => index.inGroup(factor.group, drug));
      case 'new-start': {
        const starting = [a, b].find((drug) => drug.source === 'draft' && index.inGroup(factor.group, drug));
        return Boolean(starting && !others.some((drug) => drug.source === 'active' && index.inGroup(factor.group, drug)));
      }
    }
  };
  const riskFactors = (rule.riskFactors ?? []).filter(present).map((factor) => factor.text);
  const mitigatedBy = riskFactors.length === 0 ? [] : (rule.mitigatingFactors ?? []).filter((factor) => others.some((drug) => index.inGroup(factor.group, drug))).map((factor) => factor.text);
  const raised = riskFactors.length > 0 && mitigatedBy.length === 0;
  return { severity: raised ? rule.raisedSeverity ?? 'critical' : rule.severity, riskFactors, mitigatedBy };
}

function sentence(text: string): string {
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

function rationale(rule: InteractionRule, a: SafetyDrug, b: SafetyDrug, assessment: Assessment): string {
  const parts = [`${a.name} + ${b.name}: ${rule.consequence}`];
  if (assessment.exception) parts.push(sentence(assessment.exception));
  if (assessment.riskFactors.length > 0) {
    parts.push(
      assessment.mitigatedBy.length === 0
        ? `Higher risk: ${assessment.riskFactors.join('; ')}.`
        : `Risk factors (${assessment.riskFactors.join('; ')}), but ${assessment.mitigatedBy.join('; ')}.`,
    );
  }
  if (rule.action) parts.push(rule.action);
  return parts.join(' ');
}

/**
 * Interaction findings among `drugs`, most severe first. In 'order' mode (default) only pairs with at least
 * one draft drug; 'review' checks every pair (medication review). `context.otherMedications` is not paired
 * but counts for risk factors (a concurrent corticosteroid, a PPI...).
 */
export function findInteractions(drugs: readonly SafetyDrug[], context: PatientContext = {}, options: InteractionOptions = {}): InteractionFinding[] {
  const index = options.index ?? defaultInteractionIndex();
  const findings: InteractionFinding[] = [];
  const everyone = [...drugs, ...(context.otherMedications ?? [])];
  for (const [x, y] of pairsToCheck(drugs, options.mode)) {
    for (const { rule, a, b } of index.rulesFor(x, y)) {
      const others = everyone.filter((drug) => drug !== a && drug !== b);
      const assessment = assess(rule, a, b, others, context, index);
      findings.push({
        kind: 'interaction',
        severity: assessment.severity,
        drugs: [drugRef(a), drugRef(b)],
        interactionId: rule.id,
        source: rule.source,
        rationale: rationale(rule, a, b, assessment),
        riskFactors: assessment.riskFactors,
        mitigatedBy: assessment.mitigatedBy,
      });
    }
  }
  return findings.sort((p, q) => SEVERITY_ORDER.indexOf(p.severity) - SEVERITY_ORDER.indexOf(q.severity));
}

/** Whether two candidate names interact per the table (ingredient level; for the evaluation's DDI rate). */
export function candidatesInteract(a: string, b: string, index: InteractionIndex = defaultInteractionIndex()): boolean {
  if (a === b) return false;
  return index.rulesFor({ ingredients: ingredientsOf(a), rxnorm: [] }, { ingredients: ingredientsOf(b), rxnorm: [] }).length > 0;
}

/**
 * The evaluation's "DDI rate" of one prediction: the share of its distinct drug pairs that interact per the
 * table; null when it has fewer than two drugs (no pair to judge).
 */
export function ddiRate(drugNames: readonly string[], index: InteractionIndex = defaultInteractionIndex()): number | null {
  const names = [...new Set(drugNames)];
  let pairs = 0;
  let interacting = 0;
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      pairs += 1;
      if (candidatesInteract(names[i], names[j], index)) interacting += 1;
    }
  }
  return pairs === 0 ? null : interacting / pairs;
}
