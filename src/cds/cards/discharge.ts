/** lamo-discharge-medications: the recommended discharge list — drugs to continue, new drugs (each a draft
 * MedicationRequest to accept), and active drugs the record no longer supports, to review before discharge. */
import { candidateOf, orderLabel, unsupportedOrders, type Assessment } from '../assessment';
import type { IssuedCard, Suggestion } from '../types';
import { makeCard, md, percent, type CardSourceInfo } from './card';
import { modelFootnote, promptEvidence } from './evidence';
import { proposedMedicationRequest } from './medication-request';
import { recommendedCandidates } from './suggestions';

export function dischargeCard(assessment: Assessment, source: CardSourceInfo, limit: number): IssuedCard[] {
  const model = assessment.model;
  if (!model) return [];
  const activeByCandidate = new Map<string, string>();
  for (const order of assessment.active) {
    const candidate = candidateOf(order, assessment.vocab);
    if (candidate) activeByCandidate.set(candidate, orderLabel(order));
  }
  const p = (candidate: string): string => percent(model.probabilities.get(candidate) ?? 0);
  const recommended = recommendedCandidates(assessment);
  const continuing = recommended.filter((c) => activeByCandidate.has(c));
  const fresh = recommended.filter((c) => !activeByCandidate.has(c) && !assessment.withheld.has(c)).slice(0, limit);
  const withheld = recommended.filter((c) => !activeByCandidate.has(c) && assessment.withheld.has(c));
  const review = unsupportedOrders(assessment, assessment.active).map(({ candidate }) => candidate);

  const suggestions: Omit<Suggestion, 'uuid'>[] = [];
  for (const candidate of fresh) {
    const resource = proposedMedicationRequest(assessment, candidate, 'order');
    if (!resource) continue;
    suggestions.push({
      label: `Add ${candidate} to the discharge medications (model ${p(candidate)})`.slice(0, 120),
      isRecommended: true,
      actions: [{ type: 'create', description: `Create a discharge order for ${candidate}`, resource }],
    });
  }

  const section = (title: string, lines: string[]): string =>
    `**${title}**\n${lines.length > 0 ? lines.join('\n') : '- none'}`;
  const detail = [
    section('Continue (active, recommended)', continuing.map((c) => `- ${md(activeByCandidate.get(c) ?? c)} (${p(c)})`)),
    section('New (recommended, not active)', fresh.map((c) => `- ${md(c)} (${p(c)})`)),
    section('Review before discharge (active, not supported by the record)', review.map((c) => `- ${md(activeByCandidate.get(c) ?? c)} (${p(c)})`)),
    ...(withheld.length > 0
      ? [section('Recommended by the model but withheld', withheld.map((c) => `- ${md(c)} (${p(c)}): ${md(assessment.withheld.get(c) ?? '')}`))]
      : []),
    promptEvidence(model),
    modelFootnote(model),
  ].join('\n\n');
  const summary =
    recommended.length === 0
      ? 'LAMO recommends no discharge medications from this record'
      : `Discharge medications: ${continuing.length} to continue, ${fresh.length} new, ${review.length} to review`;
  return [makeCard('discharge-list', source, { summary, indicator: 'info', detail, suggestions })];
}
