/**
 * Renewal suggestions (issue 17.6): a drug the record shows renewed routinely — ordered at each of at least the
 * last two visits with orders, by the medication history's dates (contract C) — and missing from today's drafts
 * is suggested for renewal: "Renew lisinopril? ordered at each of the last 4 visits; Hypertension active". The
 * suggestion proposes the product last ordered, with its indication as reasonReference.
 *
 * Like every suggestion it needs an indication from a cited source (or the record's own reason for the drug;
 * a contraceptive names its use), may be suggested in this setting (the reviewed setting table), and passes
 * the safety checks against everything else the patient takes — the active order of the same drug being
 * renewed is no duplicate of it. Nothing is suggested when the record's orders may be incomplete (contract F):
 * a missing order would make a renewal look missed.
 */
import type { MedicationOrder } from '../../fhir/types';
import { drugHistory, medicationHistory, type DrugHistory } from '../../lamo/medication-history';
import { candidateOf, mayBeIncomplete, orderLabel, sharesIngredient, supportFor, type Assessment, type Support } from '../assessment';
import type { IssuedCard, Suggestion } from '../types';
import { makeCard, md, percent, type CardSourceInfo } from './card';
import { modelFootnote, modelScore } from './evidence';
import { medicationRequestOf } from './medication-request';
import type { SafetyChecks } from './safety';
import { candidateSafety } from './suggestion-safety';
import { supportNames } from './suggestions';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Ordered at each of at least this many of the latest visits with orders: renewed routinely. */
export const ROUTINE_STREAK = 2;
/** Or at two of the last three, and renewed after at least half of the visits that ordered it (an acute visit
 * between two renewals does not hide the pattern). */
const ROUTINE_RATE = 0.5;
/** Supply known to last longer than this after today: not due for renewal yet. */
const NOT_DUE_DAYS = 30;
/**
 * Not due either when last ordered within half of the drug's usual interval, for a drug renewed monthly or less
 * often (a patient on yearly renewals seen again a week later); a drug ordered at every visit of a short series
 * (dialysis, chemotherapy) is renewed by the visit, not the calendar.
 */
const DUE_SHARE_OF_INTERVAL = 0.5;
const CALENDAR_RENEWAL_DAYS = 28;

export interface Renewal {
  /** The drug as the history names it; `name` is what the card calls it. */
  drug: string;
  name: string;
  facts: DrugHistory;
  /** The latest earlier order of the drug: its product is proposed again. */
  last: MedicationOrder;
  support: Support[];
}

/** The drugs renewed routinely that today's drafts leave out, each with its indication, most routine first. */
export function renewalCandidates(assessment: Assessment): Renewal[] {
  if (mayBeIncomplete(assessment, 'MedicationRequest', 'Condition')) return [];
  const { describe, drugKey } = assessment.knowledge;
  const history = medicationHistory(assessment.record, assessment.encounter, drugKey);
  const at = Date.parse(history.at ?? '') || Date.now();
  const drafted = assessment.drafts.map((order) => describe.ofConcept(order.concept));
  const renewals: Renewal[] = [];
  for (const drug of history.drugs.keys()) {
    const facts = drugHistory(history, drug);
    if (!routine(facts)) continue;
    if (facts.supplyUntil !== undefined && Date.parse(facts.supplyUntil) > at + NOT_DUE_DAYS * DAY_MS) continue;
    const earlier = ordersOf(assessment, drug, at);
    if (!due(earlier, at)) continue;
    const last = earlier[0];
    const described = last ? describe.ofConcept(last.concept) : undefined;
    if (!last || !described || drafted.some((draft) => sharesIngredient(draft, described))) continue;
    const candidate = candidateOf(last, assessment.vocab);
    const support = supportFor(assessment, candidate, last, { reviewedOnly: true });
    const profile = assessment.knowledge.drugIndications.profile(described);
    // A contraceptive treats no condition: its use is the reason it names.
    if (support.length === 0 && profile.noConditionNeeded?.use === 'contraception') {
      support.push({ concept: { display: 'contraception', codings: [] }, display: 'contraception', via: 'indication table' });
    }
    if (support.length === 0) continue;
    renewals.push({ drug, name: candidate ?? described.name, facts, last, support });
  }
  return renewals.sort((a, b) => b.facts.streak - a.facts.streak || (a.facts.daysSinceLast ?? 0) - (b.facts.daysSinceLast ?? 0) || a.name.localeCompare(b.name));
}

/** Whether the history shows the drug renewed routinely. */
function routine(facts: DrugHistory): boolean {
  return (facts.orderedAtLastVisit && facts.streak >= ROUTINE_STREAK) || (facts.inLastThree >= 2 && (facts.renewalRate ?? 0) >= ROUTINE_RATE);
}

const timeOf = (order: MedicationOrder): number => Date.parse(order.authoredOn ?? '') || 0;

/** The drug's orders written before `at` (not at this encounter), newest first. */
function ordersOf(assessment: Assessment, drug: string, at: number): MedicationOrder[] {
  return assessment.record.medications
    .filter((order) => order.encounterId !== assessment.encounter.id && timeOf(order) < at && assessment.knowledge.drugKey(order.concept) === drug)
    .sort((a, b) => timeOf(b) - timeOf(a));
}

/** Whether the usual interval between the drug's orders has (mostly) passed since the last one. */
function due(orders: readonly MedicationOrder[], at: number): boolean {
  const days = [...new Set(orders.map((order) => Math.floor(timeOf(order) / DAY_MS)))].sort((a, b) => a - b);
  if (days.length < 2) return true;
  const gaps = days.slice(1).map((day, i) => day - days[i]).sort((a, b) => a - b);
  const usual = gaps[Math.floor(gaps.length / 2)];
  return usual < CALENDAR_RENEWAL_DAYS || at / DAY_MS - days[days.length - 1] >= DUE_SHARE_OF_INTERVAL * usual;
}

/** Why a renewal may not be suggested (setting, allergy, contraindication, interaction …), if so. */
function withheldRenewal(assessment: Assessment, renewal: Renewal, checks: SafetyChecks): string | undefined {
  const described = assessment.knowledge.describe.ofConcept(renewal.last.concept);
  // The active order being renewed is the same drug, not a duplicate of it.
  const others = { ...assessment, active: assessment.active.filter((order) => !sharesIngredient(assessment.knowledge.describe.ofConcept(order.concept), described)) };
  return candidateSafety(others, renewal.name, checks).withheld;
}

/** "ordered at each of the last 4 visits", or "at 2 of the last 3 visits" (visits with medication orders, as the detail says). */
function visitsText(facts: DrugHistory): string {
  return facts.streak >= ROUTINE_STREAK ? `ordered at each of the last ${facts.streak} visits` : `ordered at ${facts.inLastThree} of the last 3 visits`;
}

export interface RenewalOptions {
  intent: 'proposal' | 'order';
  limit: number;
}

/** The renewal card, and the drugs it suggests (the model's suggestion card leaves them to it). */
export function renewalCard(assessment: Assessment, source: CardSourceInfo, checks: SafetyChecks, options: RenewalOptions): { cards: IssuedCard[]; suggested: Set<string> } {
  const suggestions: Omit<Suggestion, 'uuid'>[] = [];
  const shown: Renewal[] = [];
  const withheld: string[] = [];
  for (const renewal of renewalCandidates(assessment)) {
    if (shown.length >= options.limit) break;
    const why = withheldRenewal(assessment, renewal, checks);
    if (why !== undefined) {
      withheld.push(`- ${md(renewal.name)} (${visitsText(renewal.facts)}): ${md(why)}`);
      continue;
    }
    const resource = medicationRequestOf(assessment, renewal.last.concept, options.intent, renewal.support);
    if (!resource) continue;
    suggestions.push({
      label: `Renew ${renewal.name} for ${supportNames(renewal.support)}`.slice(0, 120),
      isRecommended: true,
      actions: [{ type: 'create', description: `Create a draft order renewing ${orderLabel(renewal.last)}`, resource }],
    });
    shown.push(renewal);
  }
  const suggested = new Set(shown.map((renewal) => renewal.name));
  // Nothing to offer: no card. The drugs withheld are named only beside a suggestion (a switch from naproxen to
  // ibuprofen, say, needs no reminder that naproxen is missing).
  if (shown.length === 0) return { cards: [], suggested };
  const [first] = shown;
  const model = assessment.model;
  const lines = shown.map((renewal) => {
    const { facts } = renewal;
    const since = facts.daysSinceLast !== undefined ? `, last ${facts.daysSinceLast} days ago` : '';
    const rate = facts.renewalRate !== undefined ? `; renewed after ${percent(facts.renewalRate)} of the visits that ordered it` : '';
    const figure = model && assessment.model?.covered.has(renewal.name) ? ` ${modelScore(model, renewal.name)}` : '';
    return `- **${md(renewal.name)}**: ${visitsText(facts)}${since}${rate}; last ordered as ${md(orderLabel(renewal.last))}. For ${renewal.support.map((s) => md(s.display)).join('; ')}.${figure}`;
  });
  return {
    suggested,
    cards: [
      makeCard('renewal-suggestions', source, {
        summary:
          shown.length === 1
            ? `Renew ${first.name}? ${visitsText(first.facts)}; ${first.support[0].display} ${first.support[0].conditionId ? 'active' : 'recorded'}`
            : `Renew ${shown.length} medications ordered at each recent visit: ${shown.map((renewal) => renewal.name).join(', ')}`,
        indicator: 'info',
        detail: [
          "The record shows these medications renewed at each recent visit with medication orders, and today's orders do not include them.",
          lines.join('\n'),
          ...(withheld.length > 0 ? [`Usually renewed but not suggested here:\n${withheld.join('\n')}`] : []),
          '_From the medication history: orders written before this visit, by their dates._',
          ...(model ? [modelFootnote(model)] : []),
        ].join('\n\n'),
        suggestions,
      }),
    ],
  };
}

