/** Medications the model recommends (P(yes) ≥ its recommend threshold) that are neither drafted nor active and
 * that an active condition of the record supports, in one card: one suggestion per drug (Epic accepts one
 * action per suggestion), each a `create` of a draft MedicationRequest whose reasonReference names the
 * condition (a recorded allergy or, for a contraceptive, its use, as reasonCode). A candidate without an active
 * indication is not suggested; nor is one withheld (cards/suggestion-safety.ts: where it may be suggested, every
 * check against the active drugs, allergies and conditions, an ingredient already taken in a combination), and
 * the card says why each withheld one is not suggested. */
import { candidateOf, supportFor, type Assessment, type Support } from '../assessment';
import type { IssuedCard, Suggestion } from '../types';
import { makeCard, md, type CardSourceInfo } from './card';
import { modelFootnote, modelScore, promptEvidence } from './evidence';
import { proposedMedicationRequest } from './medication-request';

/** Candidates the model recommends, most probable first. */
export function recommendedCandidates(assessment: Assessment): string[] {
  const model = assessment.model;
  if (!model) return [];
  return [...model.probabilities.entries()]
    .filter(([candidate, p]) => model.covered.has(candidate) && p >= model.thresholds.recommend(candidate))
    .sort((a, b) => b[1] - a[1])
    .map(([candidate]) => candidate);
}

/** "atrial fibrillation; hypertension": the supporting conditions, each name whole. */
export function supportNames(support: readonly Support[]): string {
  return support.map((s) => s.display).join('; ');
}

export interface SuggestionOptions {
  intent: 'proposal' | 'order';
  /** At most this many suggestions (the most probable). */
  limit: number;
  /** Candidates another card already suggests (a renewal). */
  exclude?: ReadonlySet<string>;
}

export interface Suggestible {
  candidate: string;
  support: Support[];
}

/** Recommended candidates not yet drafted or active, with the active conditions that support each; withheld and unsupported ones apart. */
export function suggestible(assessment: Assessment): { suggest: Suggestible[]; withheld: string[]; unsupported: string[] } {
  const taken = new Set(
    [...assessment.drafts, ...assessment.active].map((order) => candidateOf(order, assessment.vocab)).filter((c): c is string => c !== undefined),
  );
  const suggest: Suggestible[] = [];
  const withheld: string[] = [];
  const unsupported: string[] = [];
  for (const candidate of recommendedCandidates(assessment)) {
    if (taken.has(candidate)) continue;
    const reason = assessment.withheld.get(candidate);
    if (reason !== undefined) {
      withheld.push(`- ${md(candidate)}: ${md(reason)}`);
      continue;
    }
    const support = supportFor(assessment, candidate);
    // A contraceptive treats no condition: its use is the reason it names.
    const use = assessment.knowledge.indications.noIndicationKnown(candidate);
    if (support.length === 0 && use?.use === 'contraception') support.push({ concept: { display: 'contraception', codings: [] }, display: 'contraception', via: 'indication table' });
    if (support.length === 0) unsupported.push(candidate);
    else suggest.push({ candidate, support });
  }
  return { suggest, withheld, unsupported };
}

export function suggestionsCard(assessment: Assessment, source: CardSourceInfo, options: SuggestionOptions): IssuedCard[] {
  const model = assessment.model;
  if (!model) return [];
  const { suggest: all, withheld } = suggestible(assessment);
  const suggest = all.filter(({ candidate }) => !options.exclude?.has(candidate));
  const suggestions: Omit<Suggestion, 'uuid'>[] = [];
  const names: string[] = [];
  const details: string[] = [];
  for (const { candidate, support } of suggest) {
    if (suggestions.length >= options.limit) break;
    const resource = proposedMedicationRequest(assessment, candidate, options.intent, support);
    if (!resource) continue;
    suggestions.push({
      label: `Order ${candidate} for ${supportNames(support)}`.slice(0, 120),
      isRecommended: true,
      actions: [{ type: 'create', description: `Create a draft order for ${candidate}`, resource }],
    });
    names.push(candidate);
    details.push(`**${md(candidate)}** for ${support.map((s) => md(s.display)).join('; ')}. ${modelScore(model, candidate)}`);
  }
  if (suggestions.length === 0) return [];
  return [
    makeCard('suggestions', source, {
      summary: suggestions.length === 1 ? `Consider ${names[0]} for ${supportNames(suggest[0].support)}` : `Consider ${names.join(', ')}`,
      indicator: 'info',
      detail: [
        'The LAMO model recommends these medications for this visit, and an active condition in the record supports each; none is ordered or active yet.',
        ...details,
        ...(withheld.length > 0 ? [`Recommended by the model but not suggested:\n${withheld.join('\n')}`] : []),
        promptEvidence(assessment, model),
        modelFootnote(model),
      ].join('\n\n'),
      suggestions,
    }),
  ];
}
