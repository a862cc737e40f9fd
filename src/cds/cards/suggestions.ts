/** Medications the model recommends (P(yes) ≥ threshold) that are neither drafted nor active, in one card: one
 * suggestion per drug (Epic accepts one action per suggestion), each a `create` of a draft MedicationRequest. */
import { candidateOf, type Assessment } from '../assessment';
import type { IssuedCard, Suggestion } from '../types';
import { makeCard, md, percent, type CardSourceInfo } from './card';
import { drugEvidence, modelFootnote, promptEvidence } from './evidence';
import { proposedMedicationRequest } from './medication-request';

/** Candidates over the threshold, most probable first. */
export function recommendedCandidates(assessment: Assessment): string[] {
  const model = assessment.model;
  if (!model) return [];
  return [...model.probabilities.entries()]
    .filter(([candidate, p]) => p >= model.threshold && model.covered.has(candidate))
    .sort((a, b) => b[1] - a[1])
    .map(([candidate]) => candidate);
}

export interface SuggestionOptions {
  intent: 'proposal' | 'order';
  /** At most this many suggestions (the most probable). */
  limit: number;
}

export function suggestionsCard(assessment: Assessment, source: CardSourceInfo, options: SuggestionOptions): IssuedCard[] {
  const model = assessment.model;
  if (!model) return [];
  const taken = new Set(
    [...assessment.drafts, ...assessment.active]
      .map((order) => candidateOf(order, assessment.vocab))
      .filter((c): c is string => c !== undefined),
  );
  const suggestions: Omit<Suggestion, 'uuid'>[] = [];
  const names: string[] = [];
  const details: string[] = [];
  const withheld: string[] = [];
  for (const candidate of recommendedCandidates(assessment)) {
    if (taken.has(candidate) || suggestions.length >= options.limit) continue;
    const reason = assessment.withheld.get(candidate);
    if (reason !== undefined) {
      withheld.push(`- ${md(candidate)}: ${md(reason)}`);
      continue;
    }
    const resource = proposedMedicationRequest(assessment, candidate, options.intent);
    if (!resource) continue;
    const probability = model.probabilities.get(candidate) ?? 0;
    suggestions.push({
      label: `Order ${candidate} (model ${percent(probability)})`.slice(0, 120),
      isRecommended: true,
      actions: [{ type: 'create', description: `Create a draft order for ${candidate}`, resource }],
    });
    names.push(candidate);
    details.push(drugEvidence(assessment, model, candidate));
  }
  if (suggestions.length === 0) return [];
  return [
    makeCard('suggestions', source, {
      summary: `LAMO recommends ${suggestions.length === 1 ? names[0] : `${suggestions.length} medications: ${names.join(', ')}`}`,
      indicator: 'info',
      detail: [
        `The LAMO model recommends these medications for this visit; none is ordered or active yet.`,
        ...details,
        ...(withheld.length > 0 ? [`Recommended by the model but not suggested:\n${withheld.join('\n')}`] : []),
        promptEvidence(model),
        modelFootnote(model),
      ].join('\n\n'),
      suggestions,
    }),
  ];
}
