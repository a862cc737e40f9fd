/**
 * Drugs the AGS Beers Criteria (2023) list as potentially inappropriate for older adults, on the drug's card
 * (src/safety/older-adults.ts, fhir-mappings/older-adults.json). How long the patient has had the drug sets how
 * strongly it speaks: a new draft gets the rule's severity, a draft continuing a drug of the past year and an active
 * drug in review get information — a prompt to reconsider, not an alarm.
 */
import type { MedicationOrder } from '../../fhir/types';
import type { OlderAdultFinding, OlderAdultScope, SafetyDrug } from '../../safety/types';
import { drugRef } from '../../safety/types';
import type { Assessment } from '../assessment';
import type { Finding } from '../findings';
import { md, overrideNote, OVERRIDE_REASONS, sourceLine } from './card';
import type { Namer } from './safety';
import { continuedOrder } from './unsupported-order';

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** How long the patient has had the judged drug: new, continued (a draft of a drug of the past year) or active. */
export function olderAdultScope(assessment: Assessment, drug: SafetyDrug, order: MedicationOrder | undefined): OlderAdultScope {
  if (drug.source === 'active') return 'active';
  const described = order ? assessment.knowledge.describe.ofConcept(order.concept) : undefined;
  return described && continuedOrder(assessment, order, described) ? 'continued' : 'new';
}

const ALREADY: Record<Exclude<OlderAdultScope, 'new'>, string> = {
  continued: 'This continues a drug the patient already takes or took in the past year: information only; consider whether it is still needed, or a safer alternative or a taper.',
  active: 'Already taken: information only; consider whether it is still needed, or a safer alternative or a taper.',
};

/** The card finding of one older-adult rule about a judged drug. */
export function olderAdultFinding(finding: OlderAdultFinding, namer: Namer): Finding | undefined {
  if (!namer.judged.has(finding.drug)) return undefined;
  const subject = namer.subject(finding.drug);
  const name = finding.drug.name;
  const newDraft = finding.scope === 'new';
  const graded = `${finding.strength} recommendation${finding.quality ? `, ${finding.quality}-quality evidence` : ''}`;
  // The rule's class, unless it only repeats the drug ("warfarin started for atrial fibrillation …" for warfarin).
  const label = finding.label.toLowerCase().includes(name.toLowerCase()) ? undefined : finding.label;
  const cited = label ? `AGS Beers Criteria: ${label}` : 'AGS Beers Criteria';
  return {
    kind: 'older-adult',
    indicator: finding.severity,
    subject,
    summary: newDraft
      ? `${capitalised(name)} at age ${finding.age}: ${finding.recommendation} (${cited})`
      : `${capitalised(name)} at age ${finding.age}: potentially inappropriate (AGS Beers Criteria: ${finding.recommendation}); review`,
    phrase: newDraft ? `${finding.recommendation} at age ${finding.age} (AGS Beers Criteria)` : `potentially inappropriate at age ${finding.age} (AGS Beers Criteria); review`,
    detail: [
      `**Older adult (${finding.age} years)**: ${md(name)} is potentially inappropriate from 65 (AGS Beers Criteria 2023${label ? `, ${md(label)}` : ''}; ${graded}): ${md(finding.advice)}.`,
      `${md(capitalised(finding.rationale))}.`,
      ...(finding.scope === 'new' ? [] : [ALREADY[finding.scope]]),
      ...overrideNote(finding.override, finding.severity),
      sourceLine(finding.sources, finding.ruleId),
    ].join('\n\n'),
    overrideReasons: [OVERRIDE_REASONS.benefitOutweighsRisk, OVERRIDE_REASONS.clinicallyIndicated, OVERRIDE_REASONS.toleratedBefore],
  };
}

/** The older-adult findings about the judged drugs (each with its scope). */
export function olderAdultFindings(assessment: Assessment, judgedDrugs: readonly SafetyDrug[], namer: Namer, find: (drugs: { drug: SafetyDrug; scope: OlderAdultScope }[]) => OlderAdultFinding[]): Finding[] {
  const drugs = judgedDrugs.map((drug) => ({ drug, scope: olderAdultScope(assessment, drug, namer.order(drugRef(drug))) }));
  return find(drugs)
    .map((finding) => olderAdultFinding(finding, namer))
    .filter((finding): finding is Finding => finding !== undefined);
}
