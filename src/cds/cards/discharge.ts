/** lamo-discharge-medications: the recommended discharge list — drugs to continue, new drugs an active condition
 * supports (each a draft MedicationRequest naming it), and active drugs to review before discharge (no
 * indication found and the model confident; high-risk chronic drugs only asked about). */
import { candidateOf, orderLabel, type Assessment } from '../assessment';
import type { IssuedCard, Suggestion } from '../types';
import { makeCard, md, percent, type CardSourceInfo } from './card';
import { modelFootnote, promptEvidence } from './evidence';
import { proposedMedicationRequest } from './medication-request';
import { recommendedCandidates, suggestible, supportNames } from './suggestions';
import { unsupportedFindings } from './unsupported-order';

export function dischargeCard(assessment: Assessment, source: CardSourceInfo, limit: number): IssuedCard[] {
  const model = assessment.model;
  if (!model) return [];
  const activeByCandidate = new Map<string, string>();
  for (const order of assessment.active) {
    const candidate = candidateOf(order, assessment.vocab);
    if (candidate) activeByCandidate.set(candidate, orderLabel(order));
  }
  const p = (candidate: string): string => percent(model.probabilities.get(candidate) ?? 0);
  const continuing = recommendedCandidates(assessment).filter((c) => activeByCandidate.has(c));
  const { suggest, withheld } = suggestible(assessment);
  const fresh = suggest.slice(0, limit);
  const review = unsupportedFindings(assessment).map((finding) => `- ${md(finding.subject.label)}: ${md(finding.phrase)}`);

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
    section('Continue (active, recommended)', continuing.map((c) => `- ${md(activeByCandidate.get(c) ?? c)} (model ${p(c)})`)),
    section('New (recommended, supported by an active condition)', fresh.map(({ candidate, support }) => `- ${md(candidate)} for ${support.map((s) => md(s.display)).join('; ')} (model ${p(candidate)})`)),
    section('Review before discharge', review),
    ...(withheld.length > 0 ? [section('Recommended by the model but withheld', withheld)] : []),
    promptEvidence(assessment, model),
    modelFootnote(model),
  ].join('\n\n');
  const summary =
    continuing.length + fresh.length + review.length === 0
      ? 'No discharge medication changes suggested from this record'
      : `Discharge medications: ${continuing.length} to continue, ${fresh.length} new, ${review.length} to review`;
  return [makeCard('discharge-list', source, { summary, indicator: 'info', detail, suggestions })];
}
