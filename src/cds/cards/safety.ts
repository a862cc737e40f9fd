/**
 * Safety cards from the checks in src/safety, run on whatever data the call has:
 * (b) drug–drug interactions (critical or warning by severity, risk factors raising it), (c) duplicate therapy
 * (same ingredient, or two drugs of one ATC level-4 class), (d) allergy conflicts (critical).
 * Orders hooks check the drafts against each other and the active medications; the discharge and review
 * services check every pair of active medications.
 */
import type { AllergyEntry, MedicationOrder } from '../../fhir/types';
import type { AllergyFinding, DrugRef, DuplicateFinding, InteractionFinding, PairMode, PatientContext, SafetyDrug } from '../../safety/types';
import { ageAt } from '../../lamo/prompt';
import { removeDraftAction, type Assessment } from '../assessment';
import type { IssuedCard, ServiceMode, Suggestion } from '../types';
import { makeCard, md, OVERRIDE_REASONS, type CardSourceInfo } from './card';

/** The safety checks the service runs (src/safety, bound to its tables at start-up). */
export interface SafetyChecks {
  /** An order as the checks see it. */
  drugOfOrder(order: MedicationOrder, source: 'draft' | 'active'): SafetyDrug;
  /** A bare candidate (a LAMO suggestion) as a draft drug. */
  drugOfCandidate(candidate: string): SafetyDrug;
  interactions(drugs: readonly SafetyDrug[], patient: PatientContext, mode: PairMode): InteractionFinding[];
  duplicates(drugs: readonly SafetyDrug[], mode: PairMode): DuplicateFinding[];
  allergies(drugs: readonly SafetyDrug[], allergies: readonly AllergyEntry[]): AllergyFinding[];
}

const SOURCE_TEXT: Record<InteractionFinding['source'], string> = {
  ONC: 'ONC high-priority drug-drug interaction list (Phansalkar et al., JAMIA 2012)',
  'PDDI-CDS': 'HL7 Potential Drug-Drug Interaction CDS implementation guide (PDDI-CDS)',
};

/** A suggestion to remove each draft of the pair that the EHR knows by id. */
function removeDraftSuggestions(refs: readonly DrugRef[]): Omit<Suggestion, 'uuid'>[] {
  const suggestions: Omit<Suggestion, 'uuid'>[] = [];
  for (const ref of refs) {
    const action = ref.source === 'draft' ? removeDraftAction(ref.orderId, ref.name) : undefined;
    if (action) suggestions.push({ label: action.description.slice(0, 120), actions: [action] });
  }
  return suggestions;
}

const role = (ref: DrugRef): string => (ref.source === 'draft' ? 'being ordered' : 'active');

export function interactionCard(finding: InteractionFinding, source: CardSourceInfo): IssuedCard {
  const [a, b] = finding.drugs;
  const factors = [
    ...(finding.riskFactors.length > 0 ? [`Risk factors present: ${finding.riskFactors.map(md).join('; ')}.`] : []),
    ...(finding.mitigatedBy.length > 0 ? [`Lowering the risk: ${finding.mitigatedBy.map(md).join('; ')}.`] : []),
  ];
  return makeCard('drug-interaction', source, {
    summary: `Interaction: ${a.name} + ${b.name}`,
    indicator: finding.severity,
    detail: [
      `**${md(a.name)}** (${role(a)}) and **${md(b.name)}** (${role(b)}) interact.`,
      md(finding.rationale),
      ...factors,
      `_Source: ${SOURCE_TEXT[finding.source]}, rule ${md(finding.interactionId)}._`,
    ].join('\n\n'),
    suggestions: removeDraftSuggestions(finding.drugs),
    overrideReasons: [OVERRIDE_REASONS.benefitOutweighsRisk, OVERRIDE_REASONS.toleratedBefore, OVERRIDE_REASONS.clinicallyIndicated],
  });
}

export function duplicateCard(finding: DuplicateFinding, source: CardSourceInfo): IssuedCard {
  const [a, b] = finding.drugs;
  const basis = finding.basis === 'ingredient' ? `same ingredient: ${finding.shared.join(', ')}` : `same ATC class ${finding.shared.join(', ')}`;
  return makeCard('duplicate-therapy', source, {
    summary: `Duplicate therapy: ${a.name} and ${b.name} (${basis})`,
    indicator: finding.severity === 'critical' ? 'critical' : 'warning',
    detail: [
      `**${md(a.name)}** (${role(a)}) and **${md(b.name)}** (${role(b)}): ${md(basis)}.`,
      md(finding.rationale),
      '_ATC classification: WHO Collaborating Centre for Drug Statistics Methodology._',
    ].join('\n\n'),
    suggestions: removeDraftSuggestions(finding.drugs),
    overrideReasons: [OVERRIDE_REASONS.intendedCombination, OVERRIDE_REASONS.clinicallyIndicated],
  });
}

export function allergyCard(finding: AllergyFinding, source: CardSourceInfo): IssuedCard {
  const basis = { substance: 'contains the allergen', class: 'is in the same drug class', 'cross-reactivity': 'may cross-react' }[finding.basis];
  return makeCard('allergy-conflict', source, {
    summary: `Allergy: ${finding.drug.name} ${basis} (${finding.allergy.display})`,
    // An allergy conflict on a drug is always shown as critical; only a cross-reactivity keeps the check's level.
    indicator: finding.basis === 'cross-reactivity' ? finding.severity : 'critical',
    detail: [
      `**${md(finding.drug.name)}** (${role(finding.drug)}) ${basis}: the patient has a recorded allergy or intolerance to **${md(finding.allergy.display)}**.`,
      md(finding.rationale),
    ].join('\n\n'),
    suggestions: removeDraftSuggestions([finding.drug]),
    overrideReasons: [OVERRIDE_REASONS.allergyNotConfirmed, OVERRIDE_REASONS.benefitOutweighsRisk],
  });
}

export function patientContext(assessment: Assessment, others: SafetyDrug[]): PatientContext {
  const age = ageAt(assessment.record.birthDate, new Date().toISOString());
  return {
    ...(age !== undefined ? { age } : {}),
    conditions: assessment.record.conditions.map((condition) => condition.concept),
    otherMedications: others,
  };
}

/** The drugs a service checks and how it pairs them. */
function drugsUnderCheck(assessment: Assessment, mode: ServiceMode, checks: SafetyChecks): { drugs: SafetyDrug[]; pairs: PairMode } {
  const active = assessment.active.map((order) => checks.drugOfOrder(order, 'active'));
  if (mode !== 'orders') return { drugs: active, pairs: 'review' };
  return { drugs: [...assessment.drafts.map((order) => checks.drugOfOrder(order, 'draft')), ...active], pairs: 'order' };
}

export function safetyCards(assessment: Assessment, mode: ServiceMode, checks: SafetyChecks, source: CardSourceInfo): IssuedCard[] {
  const { drugs, pairs } = drugsUnderCheck(assessment, mode, checks);
  if (drugs.length === 0) return [];
  // order-select judges the selected drafts: a finding must involve one of them (or an active drug in review).
  const assessed = new Set(assessment.assessedDrafts.map((order) => order.id));
  const involvesAssessed = (refs: readonly DrugRef[]): boolean =>
    mode !== 'orders' || refs.some((ref) => ref.source === 'draft' && ref.orderId !== undefined && assessed.has(ref.orderId));

  const cards: IssuedCard[] = [];
  const checked = mode === 'orders' ? drugs.filter((drug) => drug.source === 'draft') : drugs;
  for (const finding of checks.allergies(checked, assessment.record.allergies)) {
    if (involvesAssessed([finding.drug])) cards.push(allergyCard(finding, source));
  }
  for (const finding of checks.interactions(drugs, patientContext(assessment, []), pairs)) {
    if (involvesAssessed(finding.drugs)) cards.push(interactionCard(finding, source));
  }
  for (const finding of checks.duplicates(drugs, pairs)) {
    if (involvesAssessed(finding.drugs)) cards.push(duplicateCard(finding, source));
  }
  return cards;
}

/**
 * Recommended candidates that must not be suggested: an allergy conflict, or a critical interaction with an
 * active medication. Returns candidate → the reason, shown where the suggestion would have been.
 */
export function withheldCandidates(assessment: Assessment, candidates: readonly string[], checks: SafetyChecks): Map<string, string> {
  const withheld = new Map<string, string>();
  if (candidates.length === 0) return withheld;
  const proposed = candidates.map((candidate) => checks.drugOfCandidate(candidate));
  for (const finding of checks.allergies(proposed, assessment.record.allergies)) {
    if (!withheld.has(finding.drug.name)) withheld.set(finding.drug.name, `allergy or intolerance to ${finding.allergy.display}`);
  }
  const active = assessment.active.map((order) => checks.drugOfOrder(order, 'active'));
  for (const drug of proposed) {
    if (withheld.has(drug.name)) continue;
    const critical = checks
      .interactions([drug, ...active], patientContext(assessment, []), 'order')
      .find((finding) => finding.severity === 'critical');
    if (critical) {
      const other = critical.drugs.find((ref) => ref.name !== drug.name)?.name ?? 'an active medication';
      withheld.set(drug.name, `critical interaction with ${other}`);
    }
  }
  return withheld;
}
