/**
 * Safety findings from the checks in src/safety, run on whatever drugs, allergies and conditions the call
 * could read: drug–drug interactions (critical or warning by severity, risk factors raising it), duplicate
 * therapy (same ingredient, or one ATC level-4 class), allergy conflicts, and drug–disease contraindications.
 * Each finding is about one judged order (src/cds/findings.ts); the drug card gathers them.
 *
 * Two scopes, chosen by the hook: `draftSafetyFindings` (drafts against each other and the active drugs; only
 * pairs with a draft) and `activeSafetyFindings` (every pair of active drugs, for the review and discharge).
 */
import type { AllergyEntry, ConditionEntry, MedicationOrder } from '../../fhir/types';
import { ageAt } from '../../lamo/prompt';
import type {
  AllergyFinding,
  ContraindicationFinding,
  DrugRef,
  DuplicateFinding,
  InteractionFinding,
  PairMode,
  PatientContext,
  SafetyDrug,
} from '../../safety/types';
import { drugRef } from '../../safety/types';
import { candidateOf, orderLabel, type Assessment } from '../assessment';
import { JudgedOrders, type Finding, type FindingSubject } from '../findings';
import { md, OVERRIDE_REASONS } from './card';

/** The safety checks the service runs (src/safety, bound to their tables at start-up). */
export interface SafetyChecks {
  /** An order as the checks see it. */
  drugOfOrder(order: MedicationOrder, source: 'draft' | 'active'): SafetyDrug;
  /** A bare candidate (a LAMO suggestion) as a draft drug. */
  drugOfCandidate(candidate: string): SafetyDrug;
  interactions(drugs: readonly SafetyDrug[], patient: PatientContext, mode: PairMode): InteractionFinding[];
  duplicates(drugs: readonly SafetyDrug[], mode: PairMode): DuplicateFinding[];
  allergies(drugs: readonly SafetyDrug[], allergies: readonly AllergyEntry[]): AllergyFinding[];
  contraindications(drugs: readonly SafetyDrug[], conditions: readonly ConditionEntry[]): ContraindicationFinding[];
  /** The name of an ATC class ("Propionic acid derivatives"), if the table has it. */
  className(code: string): string | undefined;
}

const SOURCE_TEXT: Record<InteractionFinding['source'], string> = {
  ONC: 'ONC high-priority drug-drug interaction list (Phansalkar et al., JAMIA 2012)',
  'PDDI-CDS': 'HL7 Potential Drug-Drug Interaction CDS implementation guide (PDDI-CDS)',
};

export function patientContext(assessment: Pick<Assessment, 'record'>): PatientContext {
  const age = ageAt(assessment.record.birthDate, new Date().toISOString());
  return { ...(age !== undefined ? { age } : {}), conditions: assessment.record.conditions.map((condition) => condition.concept), otherMedications: [] };
}

/** What a finding needs to name orders: the subject and the other drug of a pair, by their product names. */
class Namer {
  private readonly orders = new Map<string, MedicationOrder>();

  constructor(
    private readonly assessment: Assessment,
    readonly judged: JudgedOrders,
  ) {
    for (const order of [...assessment.drafts, ...assessment.active]) this.orders.set(order.id, order);
  }

  subject(ref: DrugRef): FindingSubject {
    const order = this.judged.order(ref) as MedicationOrder;
    const candidate = candidateOf(order, this.assessment.vocab);
    return { orderId: order.id, name: ref.name, label: orderLabel(order), source: ref.source, ...(candidate ? { candidate } : {}) };
  }

  /** The product name of the other drug of a pair ("Warfarin Sodium 5 MG Oral Tablet"), else its drug name. */
  label(ref: DrugRef): string {
    const order = ref.orderId !== undefined ? this.orders.get(ref.orderId) : undefined;
    return order ? orderLabel(order) : ref.name;
  }
}

const role = (ref: DrugRef): string => (ref.source === 'draft' ? 'being ordered' : 'active');

function interactionFinding(finding: InteractionFinding, namer: Namer): Finding | undefined {
  const pair = namer.judged.subjectOf(finding.drugs);
  if (!pair) return undefined;
  const { subject, other } = pair;
  const factors = [
    ...(finding.riskFactors.length > 0 ? [`Risk factors present: ${finding.riskFactors.map(md).join('; ')}.`] : []),
    ...(finding.mitigatedBy.length > 0 ? [`Lowering the risk: ${finding.mitigatedBy.map(md).join('; ')}.`] : []),
  ];
  return {
    kind: 'drug-interaction',
    indicator: finding.severity,
    subject: namer.subject(subject),
    summary: `Interaction: ${subject.name} with ${other.name} (${role(other)})`,
    phrase: `interacts with ${other.name} (${role(other)})`,
    detail: [
      `**Interaction with ${md(namer.label(other))}** (${role(other)}).`,
      md(finding.rationale),
      ...factors,
      `_Source: ${SOURCE_TEXT[finding.source]}, rule ${md(finding.interactionId)}._`,
    ].join('\n\n'),
    overrideReasons: [OVERRIDE_REASONS.benefitOutweighsRisk, OVERRIDE_REASONS.toleratedBefore, OVERRIDE_REASONS.clinicallyIndicated],
  };
}

function duplicateFinding(finding: DuplicateFinding, namer: Namer, checks: SafetyChecks): Finding | undefined {
  const pair = namer.judged.subjectOf(finding.drugs);
  if (!pair) return undefined;
  const { subject, other } = pair;
  const subjectInfo = namer.subject(subject);
  const classes = finding.shared.map((code) => checks.className(code)?.toLowerCase() ?? 'one drug class');
  const basis = finding.basis === 'ingredient' ? `both contain ${finding.shared.join(' and ')}` : `same class: ${classes.join(', ')}`;
  const codes = finding.basis === 'class' ? ` (ATC ${finding.shared.join(', ')})` : '';
  return {
    kind: 'duplicate-therapy',
    indicator: finding.severity === 'critical' ? 'critical' : 'warning',
    subject: subjectInfo,
    // Product names: two orders of one ingredient would otherwise read "naproxen and naproxen".
    summary: `Duplicate therapy: ${subjectInfo.label} and ${namer.label(other)} (${basis})`,
    phrase: `duplicates ${namer.label(other)} (${role(other)}; ${basis})`,
    detail: [
      `**Duplicate therapy with ${md(namer.label(other))}** (${role(other)}): ${md(basis)}${md(codes)}.`,
      md(finding.rationale),
      '_ATC classification: WHO Collaborating Centre for Drug Statistics Methodology._',
    ].join('\n\n'),
    overrideReasons: [OVERRIDE_REASONS.intendedCombination, OVERRIDE_REASONS.clinicallyIndicated],
  };
}

function allergyFinding(finding: AllergyFinding, namer: Namer): Finding | undefined {
  if (!namer.judged.has(finding.drug)) return undefined;
  const basis = { substance: 'contains the allergen', class: 'is in the same drug class', 'cross-reactivity': 'may cross-react' }[finding.basis];
  return {
    kind: 'allergy-conflict',
    // An allergy conflict on a drug is always shown as critical; only a cross-reactivity keeps the check's level.
    indicator: finding.basis === 'cross-reactivity' ? finding.severity : 'critical',
    subject: namer.subject(finding.drug),
    summary: `Allergy: ${finding.drug.name} ${basis} (${finding.allergy.display})`,
    phrase: `allergy: ${basis} (${finding.allergy.display})`,
    detail: [
      `**Allergy**: ${md(finding.drug.name)} ${basis}; the patient has a recorded allergy or intolerance to **${md(finding.allergy.display)}**.`,
      md(finding.rationale),
    ].join('\n\n'),
    overrideReasons: [OVERRIDE_REASONS.allergyNotConfirmed, OVERRIDE_REASONS.benefitOutweighsRisk],
  };
}

function contraindicationFinding(finding: ContraindicationFinding, namer: Namer): Finding | undefined {
  if (!namer.judged.has(finding.drug)) return undefined;
  return {
    kind: 'contraindication',
    indicator: finding.severity === 'critical' ? 'critical' : 'warning',
    subject: namer.subject(finding.drug),
    summary: `${finding.drug.name}: contraindicated with ${finding.condition.display}`,
    phrase: `contraindicated with ${finding.condition.display}`,
    detail: [
      `**Contraindication**: the patient has **${md(finding.condition.display)}** (${md(finding.conditionGroup)}).`,
      md(finding.rationale),
      `_Source: ${finding.sources.map(md).join('; ')}; rule ${md(finding.ruleId)}, pending clinical review._`,
    ].join('\n\n'),
    overrideReasons: [OVERRIDE_REASONS.benefitOutweighsRisk, OVERRIDE_REASONS.clinicallyIndicated],
  };
}

function findingsOf(assessment: Assessment, checks: SafetyChecks, drugs: SafetyDrug[], pairs: PairMode, judged: JudgedOrders): Finding[] {
  if (drugs.length === 0) return [];
  const namer = new Namer(assessment, judged);
  const judgedDrugs = drugs.filter((drug) => judged.has(drugRef(drug)));
  const found: (Finding | undefined)[] = [
    ...checks.allergies(judgedDrugs, assessment.record.allergies).map((f) => allergyFinding(f, namer)),
    ...checks.interactions(drugs, patientContext(assessment), pairs).map((f) => interactionFinding(f, namer)),
    ...checks.contraindications(judgedDrugs, assessment.record.conditions).map((f) => contraindicationFinding(f, namer)),
    ...checks.duplicates(drugs, pairs).map((f) => duplicateFinding(f, namer, checks)),
  ];
  return found.filter((f): f is Finding => f !== undefined);
}

/** Order hooks: the judged drafts against every other draft and the active drugs. */
export function draftSafetyFindings(assessment: Assessment, checks: SafetyChecks): Finding[] {
  const drugs = [...assessment.drafts.map((o) => checks.drugOfOrder(o, 'draft')), ...assessment.active.map((o) => checks.drugOfOrder(o, 'active'))];
  return findingsOf(assessment, checks, drugs, 'order', new JudgedOrders(assessment.judged, 'draft'));
}

/** Review and discharge: every pair of active drugs; a pair's finding goes to the more recently ordered one. */
export function activeSafetyFindings(assessment: Assessment, checks: SafetyChecks): Finding[] {
  const oldestFirst = [...assessment.judged].sort((a, b) => (Date.parse(a.authoredOn ?? '') || 0) - (Date.parse(b.authoredOn ?? '') || 0));
  const drugs = oldestFirst.map((o) => checks.drugOfOrder(o, 'active'));
  return findingsOf(assessment, checks, drugs, 'review', new JudgedOrders(oldestFirst, 'active'));
}

/**
 * Recommended candidates that must not be suggested: an allergy conflict, a contraindication, or a critical
 * interaction with an active medication. Returns candidate → the reason, shown where the suggestion would have been.
 */
export function withheldCandidates(assessment: Assessment, candidates: readonly string[], checks: SafetyChecks): Map<string, string> {
  const withheld = new Map<string, string>();
  if (candidates.length === 0) return withheld;
  const proposed = candidates.map((candidate) => checks.drugOfCandidate(candidate));
  for (const finding of checks.allergies(proposed, assessment.record.allergies)) {
    if (!withheld.has(finding.drug.name)) withheld.set(finding.drug.name, `allergy or intolerance to ${finding.allergy.display}`);
  }
  for (const finding of checks.contraindications(proposed, assessment.record.conditions)) {
    if (!withheld.has(finding.drug.name)) withheld.set(finding.drug.name, `contraindicated with ${finding.condition.display}`);
  }
  const active = assessment.active.map((order) => checks.drugOfOrder(order, 'active'));
  for (const drug of proposed) {
    if (withheld.has(drug.name)) continue;
    const critical = checks.interactions([drug, ...active], patientContext(assessment), 'order').find((finding) => finding.severity === 'critical');
    if (critical) {
      const other = critical.drugs.find((ref) => ref.name !== drug.name)?.name ?? 'an active medication';
      withheld.set(drug.name, `critical interaction with ${other}`);
    }
  }
  return withheld;
}
