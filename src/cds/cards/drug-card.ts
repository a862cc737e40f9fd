/**
 * The one card per judged drug order, in the order a clinician scans it:
 *  1. the product and whether it is being ordered or active;
 *  2. every finding about it (allergy, interaction, contraindication, older adult, duplicate, no indication …),
 *     most severe first, each short and with its own source;
 *  3. the active conditions that support the drug (or that none was found);
 *  4. once, the model's view of the drug: its figure and what the model read (when a finding weighs it), or that
 *     the model does not score the drug;
 *  5. the footnotes: the model's version, then the knowledge version (src/cds/cards/card.ts).
 * One "remove the draft" suggestion per draft it concerns. All drug cards are built here, so a link (e.g. a SMART
 * app) is added in one place.
 */
import type { MedicationOrder } from '../../fhir/types';
import { removeDraftAction, supportFor, type Assessment, type Support } from '../assessment';
import { isKnown, type IndicationProfile } from '../../medications/drug-indications';
import { byUrgency, INDICATION_KINDS, type Finding, type FindingSubject } from '../findings';
import type { Coding, IssuedCard } from '../types';
import { makeCard, md, TOPICS, type CardSourceInfo } from './card';
import { modelFootnote, modelScore, promptEvidence } from './evidence';
import { notScoredLine, notScoredReason } from './not-assessed';


/** The card extension listing each finding of a drug card: its topic code and indicator. */
export const FINDINGS_EXTENSION = 'lamo-cds-findings';

const VIA: Record<Support['via'], string> = {
  'this order': 'the reason given on this order',
  'earlier orders': 'the reason of earlier orders of this drug',
  'indication table': 'a known indication of this drug',
  'drug class': 'a known indication of its drug class',
  'this visit': 'the reason for this visit',
};

/**
 * A reason the prescriber gave on the order that the knowledge does not count among the drug's indications
 * (tramadol "for" obesity, as a sandbox's reason picker sends it): named as what it is, never as support.
 */
function givenNotIndication(assessment: Assessment, profile: IndicationProfile | undefined, support: Support): boolean {
  if (support.via !== 'this order' || !profile || !isKnown(profile)) return false;
  const concept = support.conditionId ? assessment.record.conditions.find((c) => c.id === support.conditionId)?.concept : support.concept;
  return concept !== undefined && assessment.knowledge.drugIndications.supporting(profile, [concept], (c) => c, { reviewedOnly: true }).length === 0;
}

/** "Atrial fibrillation (the reason given on this order)", each condition name whole, one per line. */
export function supportText(assessment: Assessment, subject: Pick<FindingSubject, 'name' | 'candidate'> & { orderId?: string }, support: readonly Support[]): string {
  const order = assessment.drafts.find((o) => o.id === subject.orderId) ?? assessment.judged.find((o) => o.id === subject.orderId);
  const drug = order ? assessment.knowledge.describe.ofConcept(order.concept) : subject.candidate ? assessment.knowledge.describe.ofCandidate(subject.candidate) : undefined;
  const profile = drug ? assessment.knowledge.drugIndications.profile(drug) : undefined;
  if (support.length > 0) {
    // A reason given on the order is only support the knowledge can confirm; else it is named for what it is.
    const unchecked = !profile || !isKnown(profile) ? support.filter((s) => s.via === 'this order') : [];
    const given = support.filter((s) => givenNotIndication(assessment, profile, s));
    const supporting = support.filter((s) => !given.includes(s) && !unchecked.includes(s));
    const lines = supporting.map((s) => `- ${md(s.display)} (${VIA[s.via]})`);
    const names = (list: readonly Support[]): string => list.map((s) => md(s.display)).join('; ');
    return [
      ...(supporting.length > 0 ? [`Active condition${supporting.length === 1 ? '' : 's'} supporting ${md(subject.name)}:\n${lines.join('\n')}`] : []),
      ...(given.length > 0 ? [`Reason given on this order, not a known indication of ${md(subject.name)}: ${names(given)}.`] : []),
      ...(unchecked.length > 0 ? [`Reason given on this order: ${names(unchecked)} (the indications of ${md(subject.name)} are not in the service's knowledge, so it was not checked).`] : []),
    ].join('\n\n');
  }
  if (profile?.noConditionNeeded) return `${md(subject.name)} is usually given without a condition to treat (${md(profile.noConditionNeeded.use)}).`;
  // Never imply a check that did not run: the knowledge holds no indication of this drug.
  if (!profile || !isKnown(profile)) return `The indications of ${md(subject.name)} are not in the service's knowledge, so they were not checked.`;
  return `No active condition in the record was found that supports ${md(subject.name)}.`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function mergedReasons(findings: readonly Finding[]): Coding[] {
  const seen = new Map<string, Coding>();
  for (const finding of findings) for (const reason of finding.overrideReasons) if (!seen.has(reason.code)) seen.set(reason.code, reason);
  return [...seen.values()];
}

/**
 * The model's part of a drug card, once, after the findings: `body` (the figure, or that the drug is not scored,
 * and what the model read) and `footnote` (the model's version). Nothing when no finding weighs the model and the
 * model scores the drug (an interaction card needs no P(yes)).
 */
function modelPart(assessment: Assessment, findings: readonly Finding[], subject: FindingSubject, order: MedicationOrder | undefined): { body: string[]; footnote: string[] } {
  const model = assessment.model;
  const weighs = findings.some((finding) => finding.usesModel);
  // Issue 15: a drug the model does not score is said to be so, on its own card rather than on a card of its own.
  if (model && order && notScoredReason(order, assessment) !== undefined) return { body: [notScoredLine(subject.name)], footnote: [] };
  if (!weighs) return { body: [], footnote: [] };
  if (!model) return { body: [], footnote: ['_The LAMO model gave no figure for this call; the findings above rest on the knowledge alone._'] };
  return { body: [modelScore(model, subject.candidate ?? subject.name), promptEvidence(assessment, model)], footnote: [modelFootnote(model)] };
}

/** The card of one order from its findings (at least one). */
export function drugCard(assessment: Assessment, findings: readonly Finding[], source: CardSourceInfo): IssuedCard {
  const sorted = [...findings].sort(byUrgency);
  const first = sorted[0];
  const subject = first.subject;
  const summaryOf = (named: readonly Finding[]): string => (named.length === 1 ? named[0].summary : `${capitalised(subject.name)}: ${named.map((f) => f.phrase).join('; ')}`);
  // Everything found, when it fits in a summary (under 140 characters); else what warns, the information staying in the detail.
  const whole = summaryOf(sorted);
  const summary = whole.length < 140 || first.indicator === 'info' ? whole : summaryOf(sorted.filter((finding) => finding.indicator !== 'info'));
  const order = [...assessment.drafts, ...assessment.judged].find((o) => o.id === subject.orderId);
  const support = supportFor(assessment, subject.candidate, order);
  const model = modelPart(assessment, sorted, subject, order);
  // The order's own draft, and the other drafts a finding of this card is about (one caution for several drugs).
  const drafts = [subject, ...sorted.flatMap((finding) => finding.others ?? [])].filter((s, i, all) => s.source === 'draft' && all.findIndex((t) => t.orderId === s.orderId) === i);
  const removals = drafts.map((draft) => removeDraftAction(draft.orderId, draft.label)).filter((action): action is NonNullable<typeof action> => action !== undefined);
  return makeCard(first.kind, source, {
    summary,
    indicator: first.indicator,
    detail: [
      `**${md(subject.label)}** (${subject.source === 'draft' ? 'being ordered' : 'active'})`,
      ...sorted.map((finding) => finding.detail),
      // A finding about the missing indication has said so already.
      ...(support.length === 0 && sorted.some((finding) => INDICATION_KINDS.has(finding.kind)) ? [] : [supportText(assessment, subject, support)]),
      ...model.body,
      ...model.footnote,
    ].join('\n\n'),
    suggestions: removals.map((removal) => ({ label: removal.description.slice(0, 120), actions: [removal] })),
    overrideReasons: mergedReasons(sorted),
    // Every check that found something, not only the first: alert load by rule is measured from this.
    extension: { [FINDINGS_EXTENSION]: sorted.map((finding) => ({ topic: TOPICS[finding.kind].code, indicator: finding.indicator })) },
  });
}
