/**
 * What every card has: a uuid, a summary under 140 characters, an indicator, a source (label, model-card URL,
 * a stable topic code per card kind), markdown detail, override reasons with displays on warnings, and a
 * uuid on every suggestion.
 */
import type { LocalOverride } from '../../safety/types';
import { randomUUID } from 'crypto';
import type { Card, CardKind, Coding, Indicator, IssuedCard, Suggestion } from '../types';

export const TOPIC_SYSTEM = 'urn:lamo-cds:card-topic';
export const OVERRIDE_REASON_SYSTEM = 'urn:lamo-cds:override-reason';

/** Stable, alphanumeric topic code and display per card kind (clients filter and sort by these). */
export const TOPICS: Record<CardKind, Coding> = {
  'unsupported-order': { system: TOPIC_SYSTEM, code: 'unsupportedOrder', display: 'Order not supported by the record' },
  'drug-interaction': { system: TOPIC_SYSTEM, code: 'drugInteraction', display: 'Drug-drug interaction' },
  'duplicate-therapy': { system: TOPIC_SYSTEM, code: 'duplicateTherapy', display: 'Duplicate therapy' },
  'allergy-conflict': { system: TOPIC_SYSTEM, code: 'allergyConflict', display: 'Allergy conflict' },
  'order-count': { system: TOPIC_SYSTEM, code: 'orderCount', display: 'More drugs than expected' },
  suggestions: { system: TOPIC_SYSTEM, code: 'medicationSuggestions', display: 'Recommended medications' },
  'discharge-list': { system: TOPIC_SYSTEM, code: 'dischargeMedications', display: 'Recommended discharge medications' },
  'review-unsupported': { system: TOPIC_SYSTEM, code: 'activeMedicationUnsupported', display: 'Active medication no longer supported' },
  'not-assessed': { system: TOPIC_SYSTEM, code: 'notAssessed', display: 'Drug not assessed' },
  // The code stays (clients filter by it); the display covers "avoid" and "use with caution" as well as contraindications.
  contraindication: { system: TOPIC_SYSTEM, code: 'contraindication', display: 'Drug-disease caution' },
  'confirm-indication': { system: TOPIC_SYSTEM, code: 'confirmIndication', display: 'Confirm the indication' },
  'unassessed-draft': { system: TOPIC_SYSTEM, code: 'draftNotAssessed', display: 'Draft order not assessed' },
  'more-warnings': { system: TOPIC_SYSTEM, code: 'moreWarnings', display: 'Further warnings' },
  'data-gap': { system: TOPIC_SYSTEM, code: 'dataGap', display: 'Recommendations unavailable' },
  'renewal-suggestions': { system: TOPIC_SYSTEM, code: 'renewalSuggestions', display: 'Medications to renew' },
  'renewal-of-active': { system: TOPIC_SYSTEM, code: 'renewalOfActive', display: 'Renewal of an active order' },
  'repeated-order': { system: TOPIC_SYSTEM, code: 'repeatedOrder', display: 'Product ordered several times in one order set' },
  'drug-not-in-catalogue': { system: TOPIC_SYSTEM, code: 'drugNotInCatalogue', display: 'Drug not in the drug catalogue' },
  'older-adult': { system: TOPIC_SYSTEM, code: 'olderAdultCaution', display: 'Potentially inappropriate in older adults' },
  'withdrawn-drug': { system: TOPIC_SYSTEM, code: 'withdrawnDrug', display: 'Drug withdrawn from the market' },
};

const reason = (code: string, display: string): Coding => ({ system: OVERRIDE_REASON_SYSTEM, code, display });

export const OVERRIDE_REASONS = {
  clinicallyIndicated: reason('clinicallyIndicated', 'Clinically indicated for this patient'),
  benefitOutweighsRisk: reason('benefitOutweighsRisk', 'Benefit outweighs risk; will monitor'),
  toleratedBefore: reason('toleratedBefore', 'Patient has tolerated this combination before'),
  allergyNotConfirmed: reason('allergyNotConfirmed', 'Allergy not confirmed or no longer relevant'),
  intendedCombination: reason('intendedCombination', 'Combination intended (e.g. switching or tapering)'),
  recordIncomplete: reason('recordIncomplete', 'The record is incomplete or out of date'),
};

export interface CardSourceInfo {
  /** Label shown as the card's source. */
  label: string;
  /** Absolute URL of the model card. */
  modelCardUrl: string;
  /** Launch URL of the SMART app: cards about a drug link to it (absent: no link; LAMO_APP_LINKS=off). */
  appLaunchUrl?: string;
  /** The knowledge version in force (src/safety/knowledge-version.ts): every card's detail ends with it. */
  knowledgeVersion?: string;
}

const SUMMARY_MAX = 139;

/** A summary under 140 characters, cut at a word where possible. */
export function summaryText(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= SUMMARY_MAX) return clean;
  const cut = clean.slice(0, SUMMARY_MAX - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > SUMMARY_MAX / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * Text from the record (displays, note wording, table rationales) made inert in markdown: characters that
 * format inline are escaped, and so is a start that would open a heading, list or quote. Parentheses and
 * the like stay as they are, for clients that show the markdown unrendered.
 */
export function md(text: string): string {
  const inline = text.replace(/\s+/g, ' ').trim().replace(/([\\`*_[\]<>|~])/g, '\\$1');
  // Block starts as CommonMark reads them: "# " a heading, "- "/"+ " a list item, "1. "/"1) " an ordered one.
  // The escape goes where CommonMark puts it ("1\. "), and only when a marker is really there ("1.0.0" is not).
  return inline.replace(/^(#{1,6}|[+-])(?=\s|$)/, '\\$1').replace(/^(\d{1,9})([.)])(?=\s|$)/, '$1\\$2');
}

export interface CardSpec {
  summary: string;
  indicator: Indicator;
  detail?: string;
  suggestions?: Omit<Suggestion, 'uuid'>[];
  /** Defaults for warnings and critical cards when omitted. */
  overrideReasons?: Coding[];
  extension?: Record<string, unknown>;
}

/** The last paragraph of every card's detail. */
export function knowledgeFootnote(version: string): string {
  return `_Knowledge version ${version}._`;
}

/** A card's detail without its knowledge footnote (a card that gathers others names the version once). */
export function withoutKnowledgeFootnote(detail: string, source: CardSourceInfo): string {
  const footnote = source.knowledgeVersion ? `\n\n${knowledgeFootnote(source.knowledgeVersion)}` : undefined;
  return footnote && detail.endsWith(footnote) ? detail.slice(0, -footnote.length) : detail;
}

export function makeCard(kind: CardKind, source: CardSourceInfo, spec: CardSpec): IssuedCard {
  const card: Card = {
    uuid: randomUUID(),
    summary: summaryText(spec.summary),
    indicator: spec.indicator,
    source: { label: source.label, url: source.modelCardUrl, topic: TOPICS[kind] },
  };
  // Which knowledge judged the call, on every card: a hospital's local overrides change the version.
  const footnote = source.knowledgeVersion ? knowledgeFootnote(source.knowledgeVersion) : undefined;
  const detail = [spec.detail, footnote].filter((part): part is string => part !== undefined && part !== '').join('\n\n');
  if (detail) card.detail = detail;
  if (spec.extension) card.extension = spec.extension;
  if (spec.suggestions && spec.suggestions.length > 0) {
    card.suggestions = spec.suggestions.map((suggestion) => ({ ...suggestion, uuid: randomUUID() }));
    card.selectionBehavior = 'any';
  }
  if (spec.indicator !== 'info') {
    card.overrideReasons = spec.overrideReasons ?? [OVERRIDE_REASONS.clinicallyIndicated, OVERRIDE_REASONS.recordIncomplete];
  } else if (spec.overrideReasons) {
    card.overrideReasons = spec.overrideReasons;
  }
  return { kind, card };
}

export function percent(probability: number): string {
  return `${(probability * 100).toFixed(probability < 0.1 ? 1 : 0)}%`;
}

/** The sentence a locally changed severity adds to its card. */
export function overrideNote(override: LocalOverride | undefined, now: string): string[] {
  return override ? [`_Severity set locally (${override.from} → ${now}): ${md(override.reason)}._`] : [];
}

/** The rule line closing a safety finding's detail: its short sources and rule id. */
export function sourceLine(sources: readonly string[], ruleId: string): string {
  return `_${sources.length > 0 ? `Source: ${sources.map(md).join('; ')}; ` : ''}rule ${md(ruleId)} (pending clinical review)._`;
}
