/** lamo-discharge-medications: the discharge list — every active drug, either to continue or to review before
 * discharge (no indication found and the model confident; high-risk chronic drugs only asked about), and new
 * drugs an active condition supports (each a draft MedicationRequest naming it). Every active drug is listed:
 * a discharge list that named only the drugs the model recommends would read as "stop the others". */
import { candidateOf, orderLabel, type Assessment } from '../assessment';
import type { MedicationOrder } from '../../fhir/types';
import type { Finding } from '../findings';
import type { IssuedCard, Suggestion } from '../types';
import { makeCard, md, percent, type CardSourceInfo } from './card';
import { modelFootnote, promptEvidence } from './evidence';
import { proposedMedicationRequest } from './medication-request';
import { recommendedCandidates, suggestible, supportNames } from './suggestions';
import { unsupportedFindings } from './unsupported-order';

export function dischargeCard(assessment: Assessment, source: CardSourceInfo, limit: number, safetyFindings: readonly Finding[]): IssuedCard[] {
  const model = assessment.model;
  if (!model) return [];
  const recommended = new Set(recommendedCandidates(assessment));
  const reviewFindings = unsupportedFindings(assessment);
  const underReview = new Set(reviewFindings.map((finding) => finding.subject.orderId));
  const continuing = assessment.active.filter((order) => !underReview.has(order.id));
  const modelSays = (order: MedicationOrder): string => {
    const candidate = candidateOf(order, assessment.vocab);
    if (!candidate || !model.covered.has(candidate)) return 'not scored by the model';
    return `model ${percent(model.probabilities.get(candidate) ?? 0)}${recommended.has(candidate) ? ', recommended' : ''}`;
  };
  // A drug with a safety card is still listed to continue (stopping it is the prescriber's call), with the finding named.
  const cautions = new Map<string, string[]>();
  for (const finding of safetyFindings) {
    for (const subject of [finding.subject, ...(finding.others ?? [])]) {
      if (subject.source === 'active') cautions.set(subject.orderId, [...(cautions.get(subject.orderId) ?? []), finding.phrase]);
    }
  }
  const continueLine = (order: MedicationOrder): string => {
    const seeCard = cautions.get(order.id);
    return `- ${md(orderLabel(order))} (${modelSays(order)})${seeCard ? `; see its card: ${md([...new Set(seeCard)].join('; '))}` : ''}`;
  };
  const p = (candidate: string): string => percent(model.probabilities.get(candidate) ?? 0);
  const { suggest, withheld } = suggestible(assessment);
  const fresh = suggest.slice(0, limit);
  const review = reviewFindings.map((finding) => `- ${md(finding.subject.label)}: ${md(finding.phrase)}`);

  const suggestions: Omit<Suggestion, 'uuid'>[] = [];
  for (const { candidate, support } of fresh) {
    const resource = proposedMedicationRequest(assessment, candidate, 'order', support);
    if (!resource) continue;
    suggestions.push({
      label: `Add ${candidate} for ${supportNames(support)}`.slice(0, 120),
      isRecommended: true,
      actions: [{ type: 'create', description: `Create a discharge order for ${candidate}`, resource }],
    });
  }

  const section = (title: string, lines: string[]): string => `**${title}**\n${lines.length > 0 ? lines.join('\n') : '- none'}`;
  const detail = [
    section('Continue (active)', continuing.map(continueLine)),
    section('New (recommended, supported by an active condition)', fresh.map(({ candidate, support }) => `- ${md(candidate)} for ${support.map((s) => md(s.display)).join('; ')} (model ${p(candidate)})`)),
    section('Review before discharge', review),
    ...(withheld.length > 0 ? [section('Recommended by the model but withheld', withheld)] : []),
    promptEvidence(assessment, model),
    modelFootnote(model),
  ].join('\n\n');
  const summary =
    fresh.length + review.length === 0
      ? continuing.length === 0
        ? 'No discharge medication changes suggested from this record'
        : `Discharge medications: continue the ${continuing.length} active; no change suggested`
      : `Discharge medications: ${continuing.length} to continue, ${fresh.length} new, ${review.length} to review`;
  return [makeCard('discharge-list', source, { summary, indicator: 'info', detail, suggestions })];
}
