/**
 * Safety findings from the checks in src/safety, run on whatever drugs, allergies and conditions the call
 * could read: drug–drug interactions, duplicate therapy (a shared ingredient or a reviewed duplicate class;
 * a renewal of an active order is info), allergy conflicts, and drug–disease cautions worded as strongly as
 * their source ("contraindicated", "avoid", "use with caution"). Each finding is about one judged order
 * (src/cds/findings.ts); the drug card gathers them.
 *
 * Two scopes, chosen by the hook: `draftSafetyFindings` (drafts against each other and the active drugs; only
 * pairs with a draft) and `activeSafetyFindings` (every pair of active drugs, for the review and discharge).
 */
import type { AllergyEntry, ConditionEntry, MedicationOrder } from '../../fhir/types';
import type { EncounterSetting, SettingEntry, SettingVerdict } from '../../medications/suggestion-settings';
import type { DuplicateContext } from '../../safety/duplicate-rules';
import type { ContraindicationPatient } from '../../safety/contraindications';
import type {
  AllergyFinding,
  ContraindicationFinding,
  DrugRef,
  DuplicateFinding,
  InteractionFinding,
  OlderAdultFinding,
  OlderAdultScope,
  PairMode,
  PatientContext,
  SafetyDrug,
} from '../../safety/types';
import { drugRef } from '../../safety/types';
import { candidateOf, orderLabel, type Assessment } from '../assessment';
import { JudgedOrders, type Finding, type FindingSubject } from '../findings';
import { md, overrideNote, OVERRIDE_REASONS, sourceLine } from './card';
import { cautionFindings } from './cautions';
import { duplicateGroups, groupedDuplicateFinding } from './duplicate-groups';
import { olderAdultFindings } from './older-adults';
import { withdrawnFindings } from './withdrawn';
import { repeatedDrafts, repeatedOrderFindings } from './repeated-orders';
import { ageOf, duplicateContext, patientContext, recentDrugClasses } from './safety-context';

export { patientContext };
export { withheldCandidates } from './suggestion-safety';

/** The safety checks the service runs (src/safety, bound to their tables and local overrides at start-up). */
export interface SafetyChecks {
  /** An order as the checks see it. */
  drugOfOrder(order: MedicationOrder, source: 'draft' | 'active'): SafetyDrug;
  /** A bare candidate (a LAMO suggestion) as a draft drug. */
  drugOfCandidate(candidate: string): SafetyDrug;
  interactions(drugs: readonly SafetyDrug[], patient: PatientContext, mode: PairMode): InteractionFinding[];
  /** With `context`, combinations the record shows are intended now come back as 'intended' findings. */
  duplicates(drugs: readonly SafetyDrug[], mode: PairMode, context?: DuplicateContext): DuplicateFinding[];
  allergies(drugs: readonly SafetyDrug[], allergies: readonly AllergyEntry[]): AllergyFinding[];
  /** Against the conditions, the latest labs where a rule names one (an eGFR below 30 with no CKD coded), the age
   * for rules about children, and the classes taken recently for rules that need tolerance (a fentanyl patch). */
  contraindications(drugs: readonly SafetyDrug[], conditions: readonly ConditionEntry[], patient: ContraindicationPatient): ContraindicationFinding[];
  /** AGS Beers 2023 for a patient of 65 or more; each drug with how long the patient has had it. */
  olderAdults(drugs: readonly { drug: SafetyDrug; scope: OlderAdultScope }[], patient: { age?: number; conditions: readonly ConditionEntry[] }): OlderAdultFinding[];
  /** Whether a candidate may be suggested where the decision is made (reviewed setting, local switch-offs). */
  suggestionSetting(candidate: string, where: EncounterSetting): SettingVerdict;
  /** Why a drug is off the market (its reviewed 'never' setting), if it is. */
  withdrawn(drug: SafetyDrug): SettingEntry | undefined;
  /** The name of an ATC class ("Propionic acid derivatives"), if the table has it. */
  className(code: string): string | undefined;
}


/** What a finding needs to name orders: the subject and the other drug of a pair, by their product names. */
export class Namer {
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
    return this.order(ref) ? orderLabel(this.order(ref) as MedicationOrder) : ref.name;
  }

  order(ref: DrugRef): MedicationOrder | undefined {
    return ref.orderId !== undefined ? this.orders.get(ref.orderId) : undefined;
  }

  /** Where the drug's order stands among the judged ones (earlier first). */
  position(ref: DrugRef): number {
    return this.judged.orders.findIndex((order) => order.id === ref.orderId);
  }
}

const role = (ref: DrugRef): string => (ref.source === 'draft' ? 'being ordered' : 'active');
const pairKey = (drugs: readonly [DrugRef, DrugRef]): string => drugs.map((d) => `${d.source}:${d.orderId ?? d.name}`).sort().join('|');

function interactionFinding(finding: InteractionFinding, namer: Namer, intended: ReadonlyMap<string, DuplicateFinding>): Finding | undefined {
  const pair = namer.judged.subjectOf(finding.drugs);
  if (!pair) return undefined;
  const { subject, other } = pair;
  // A combination the record shows is intended now (DAPT after a recent STEMI) does not interrupt: it informs.
  const because = intended.get(pairKey(finding.drugs));
  const indicator = because ? 'info' : finding.severity;
  // Factors the rationale does not name already ("Higher risk: age over 65 …" is said once, not twice).
  const unsaid = (texts: readonly string[]): string[] => texts.filter((text) => !finding.rationale.includes(text));
  const risk = unsaid(finding.riskFactors);
  const lowering = unsaid(finding.mitigatedBy);
  const factors = [
    ...(risk.length > 0 ? [`Risk factors present: ${risk.map(md).join('; ')}.`] : []),
    ...(lowering.length > 0 ? [`Lowering the risk: ${lowering.map(md).join('; ')}.`] : []),
  ];
  return {
    kind: 'drug-interaction',
    indicator,
    subject: namer.subject(subject),
    summary: `Interaction: ${subject.name} with ${other.name} (${role(other)})`,
    phrase: `interacts with ${other.name} (${role(other)})`,
    detail: [
      `**Interaction with ${md(namer.label(other))}** (${role(other)}).`,
      md(finding.rationale),
      ...factors,
      ...(because ? [`**Intended combination**: ${md(because.rationale)} ${because.advice ? `${md(capitalised(because.advice))}.` : ''}`.trim()] : []),
      ...overrideNote(finding.override, finding.severity),
      sourceLine(finding.sources, finding.interactionId),
    ].join('\n\n'),
    overrideReasons: [OVERRIDE_REASONS.benefitOutweighsRisk, OVERRIDE_REASONS.toleratedBefore, OVERRIDE_REASONS.clinicallyIndicated],
  };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}


function renewalFinding(finding: DuplicateFinding, namer: Namer, subject: DrugRef, other: DrugRef): Finding {
  const active = namer.order(other);
  const ordered = active?.authoredOn ? `, ordered ${active.authoredOn.slice(0, 10)}` : '';
  const label = namer.label(other);
  return {
    kind: 'renewal-of-active',
    indicator: finding.severity,
    subject: namer.subject(subject),
    summary: `Renewal of active ${label}${ordered}`,
    phrase: `renews active ${label}${ordered}`,
    detail: [
      `**Renewal of the active order ${md(label)}**${md(ordered)}: same ingredients (${md(finding.shared.join(', '))}).`,
      md(finding.rationale),
      ...(finding.advice ? [`${md(capitalised(finding.advice))}.`] : []),
      ...overrideNote(finding.override, finding.severity),
    ].join('\n\n'),
    overrideReasons: [],
  };
}

function duplicateFinding(finding: DuplicateFinding, namer: Namer): Finding | undefined {
  const pair = namer.judged.subjectOf(finding.drugs);
  if (!pair || finding.basis === 'intended') return undefined;
  const { subject, other } = pair;
  if (finding.basis === 'renewal') return renewalFinding(finding, namer, subject, other);
  const subjectInfo = namer.subject(subject);
  const basis = finding.basis === 'ingredient' ? `both contain ${finding.shared.join(' and ')}` : finding.shared.join(', ');
  return {
    kind: 'duplicate-therapy',
    indicator: finding.severity,
    subject: subjectInfo,
    // Product names: two orders of one ingredient would otherwise read "naproxen and naproxen".
    summary: `Duplicate therapy: ${subjectInfo.label} and ${namer.label(other)} (${basis})`,
    phrase: `duplicates ${namer.label(other)} (${role(other)}; ${basis})`,
    detail: [
      `**Duplicate therapy with ${md(namer.label(other))}** (${role(other)}): ${md(basis)}.`,
      md(finding.rationale),
      ...(finding.advice ? [`What to do: ${md(finding.advice)}.`] : []),
      ...overrideNote(finding.override, finding.severity),
      sourceLine(finding.sources, finding.ruleId),
    ].join('\n\n'),
    overrideReasons: [OVERRIDE_REASONS.intendedCombination, OVERRIDE_REASONS.clinicallyIndicated],
  };
}

function allergyFinding(finding: AllergyFinding, namer: Namer): Finding | undefined {
  if (!namer.judged.has(finding.drug)) return undefined;
  const basis = { substance: 'contains the allergen', class: 'is in the same drug class', 'cross-reactivity': 'may cross-react' }[finding.basis];
  return {
    kind: 'allergy-conflict',
    // An allergy conflict on a drug is shown as critical; a cross-reactivity, or a locally set severity, keeps its level.
    indicator: finding.basis === 'cross-reactivity' || finding.override ? finding.severity : 'critical',
    subject: namer.subject(finding.drug),
    summary: `Allergy: ${finding.drug.name} ${basis} (${finding.allergy.display})`,
    phrase: `allergy: ${basis} (${finding.allergy.display})`,
    detail: [
      `**Allergy**: ${md(finding.drug.name)} ${basis}; the patient has a recorded allergy or intolerance to **${md(finding.allergy.display)}**.`,
      md(finding.rationale),
      ...overrideNote(finding.override, finding.severity),
      sourceLine(finding.sources ?? [], finding.ruleId),
    ].join('\n\n'),
    overrideReasons: [OVERRIDE_REASONS.allergyNotConfirmed, OVERRIDE_REASONS.benefitOutweighsRisk],
  };
}

/** Pairs keep their wording; three or more drugs under one rule are one finding (./duplicate-groups.ts). */
function duplicateCards(duplicates: readonly DuplicateFinding[], namer: Namer): (Finding | undefined)[] {
  const { groups, rest } = duplicateGroups(duplicates);
  return [...rest.map((f) => duplicateFinding(f, namer)), ...groups.map((group) => groupedDuplicateFinding(group, namer))];
}

function findingsOf(assessment: Assessment, checks: SafetyChecks, drugs: SafetyDrug[], pairs: PairMode, judged: JudgedOrders): Finding[] {
  if (drugs.length === 0) return [];
  const namer = new Namer(assessment, judged);
  const judgedDrugs = drugs.filter((drug) => judged.has(drugRef(drug)));
  const duplicates = checks.duplicates(drugs, pairs, duplicateContext(assessment));
  const intended = new Map(duplicates.filter((f) => f.basis === 'intended').map((f) => [pairKey(f.drugs), f]));
  const patient = patientContext(assessment);
  const found: (Finding | undefined)[] = [
    ...checks.allergies(judgedDrugs, assessment.record.allergies).map((f) => allergyFinding(f, namer)),
    ...checks.interactions(drugs, patient, pairs).map((f) => interactionFinding(f, namer, intended)),
    ...cautionFindings(checks.contraindications(judgedDrugs, assessment.record.conditions, { ...patient, recentAtc: recentDrugClasses(assessment, (order) => checks.drugOfOrder(order, 'active').atc) }), namer),
    ...olderAdultFindings(assessment, judgedDrugs, namer, (drugs) => checks.olderAdults(drugs, { ...ageOf(assessment), conditions: assessment.record.conditions })),
    ...withdrawnFindings(judgedDrugs, namer, checks),
    ...duplicateCards(duplicates, namer),
  ];
  return found.filter((f): f is Finding => f !== undefined);
}

/**
 * Order hooks: the judged drafts against every other draft and the active drugs. A product drafted several times
 * is one regimen (./repeated-orders.ts): checked once, through the copy judged, and said so on its card.
 */
export function draftSafetyFindings(assessment: Assessment, checks: SafetyChecks): Finding[] {
  const { kept } = repeatedDrafts(assessment.drafts, new Set(assessment.judged.map((order) => order.id)));
  const drugs = [...kept.map((o) => checks.drugOfOrder(o, 'draft')), ...assessment.active.map((o) => checks.drugOfOrder(o, 'active'))];
  const judged = new JudgedOrders(assessment.judged, 'draft');
  const namer = new Namer(assessment, judged);
  const repeats = repeatedOrderFindings(assessment, (order) => namer.subject(drugRef(checks.drugOfOrder(order, 'draft'))));
  return [...findingsOf(assessment, checks, drugs, 'order', judged), ...repeats];
}

/** Review and discharge: every pair of active drugs; a pair's finding goes to the more recently ordered one. */
export function activeSafetyFindings(assessment: Assessment, checks: SafetyChecks): Finding[] {
  const oldestFirst = [...assessment.judged].sort((a, b) => (Date.parse(a.authoredOn ?? '') || 0) - (Date.parse(b.authoredOn ?? '') || 0));
  const drugs = oldestFirst.map((o) => checks.drugOfOrder(o, 'active'));
  return findingsOf(assessment, checks, drugs, 'review', new JudgedOrders(oldestFirst, 'active'));
}
