/**
 * The medication history as the LAMO prompt words it (issue 17 item 3): what a clinician reads first when
 * renewing. Built only from `MedicationHistory` (src/lamo/medication-history.ts), i.e. from dates before the
 * encounter, never from an order's status.
 *
 * - the prefix gets the orders of the last few visits with their time before the encounter, and how often
 *   the record's drugs were ordered again at the next visit (the renewal rate, in words);
 * - each candidate's suffix gets that drug's own history after its name ("…, ordered at the last visit, at
 *   3 of the last 3 visits, last ordered 4 weeks ago, renewed every time"); a drug never ordered gets nothing, so
 *   its suffix stays two tokens and prefix-shared scoring stays fast.
 *
 * Counts and times are put in coarse words ("4 weeks ago", "usually"): a small model learns a few dozen
 * recurring phrases (each one token, see model/train/lamo_tokenizer.py) far better than arbitrary numbers.
 */
import type { DrugHistory, MedicationHistory, PastVisit } from './medication-history';

const DAY_MS = 86_400_000;
/** Visits with orders listed in the prefix, newest first. */
export const RECENT_VISITS = 3;

/** "days", "3 weeks", "5 months", "2 years", "over 5 years": the time from `days` ago to the encounter. */
export function timeAgo(days: number): string {
  if (days < 7) return 'days ago';
  if (days < 35) return plural(Math.min(4, Math.round(days / 7)), 'week');
  if (days < 365) return plural(Math.min(11, Math.max(1, Math.round(days / 30.44))), 'month');
  const years = Math.floor(days / 365.25);
  return years >= 5 ? 'over 5 years ago' : plural(Math.max(1, years), 'year');
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/** How often the record's drugs were ordered again at the next visit (the renewal rate, issue 17.5), in words. */
export function renewalWords(rate: number | undefined): string {
  if (rate === undefined) return 'no earlier visits to compare';
  if (rate >= 0.8) return 'almost always';
  if (rate >= 0.5) return 'usually';
  return rate > 0 ? 'sometimes' : 'never';
}

function daysBefore(history: MedicationHistory, visit: PastVisit): number | undefined {
  const at = history.at ? Date.parse(history.at) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, Math.floor((at - visit.time) / DAY_MS));
}

/** The prefix lines: the last visits' orders, newest first, and the renewal rate in words. */
export function recentVisitLines(history: MedicationHistory, drugLabel: (drug: string) => string = (d) => d): string[] {
  const recent = history.visits.slice(-RECENT_VISITS).reverse();
  const visits = recent.map((visit) => {
    const days = daysBefore(history, visit);
    return `${days === undefined ? 'earlier' : timeAgo(days)}: [${visit.drugs.map(drugLabel).join(', ')}]`;
  });
  return [
    `Recent visits with orders: ${visits.length ? visits.join('; ') : 'none'}`,
    `Drugs ordered again at the next visit: ${renewalWords(history.renewalRate)}`,
  ];
}

function drugRenewalWords(facts: DrugHistory): string | undefined {
  if (facts.renewalRate === undefined) return undefined;
  if (facts.renewalRate >= 1) return 'renewed every time';
  if (facts.renewalRate >= 0.5) return 'renewed mostly';
  return facts.renewalRate > 0 ? 'renewed sometimes' : 'never renewed';
}

/**
 * What the suffix says after the candidate's name: '' for a drug never ordered before the encounter, else
 * ", ordered at the last visit, at 2 of the last 3 visits, last ordered 4 weeks ago, renewed mostly[, supply …]".
 */
export function candidateHistoryText(facts: DrugHistory | undefined, history: MedicationHistory): string {
  if (!facts || facts.visits === 0) return '';
  const parts = [
    facts.orderedAtLastVisit ? 'ordered at the last visit' : 'not ordered at the last visit',
    `at ${facts.inLastThree} of the last ${Math.min(RECENT_VISITS, history.visits.length)} visits`,
  ];
  if (facts.daysSinceLast !== undefined) parts.push(`last ordered ${timeAgo(facts.daysSinceLast)}`);
  const renewed = drugRenewalWords(facts);
  if (renewed) parts.push(renewed);
  const at = history.at ? Date.parse(history.at) : NaN;
  const until = facts.supplyUntil ? Date.parse(facts.supplyUntil) : NaN;
  if (!Number.isNaN(at) && !Number.isNaN(until)) {
    parts.push(until >= at ? 'supply lasts past this visit' : `supply ended ${timeAgo(Math.floor((at - until) / DAY_MS))}`);
  }
  return `, ${parts.join(', ')}`;
}

/** Every drug of the history → its suffix text (the candidates a visit adds to the vocabulary). */
export function candidateHistoryTexts(history: MedicationHistory): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const [drug, facts] of history.drugs) texts[drug] = candidateHistoryText(facts, history);
  return texts;
}

/** Every drug of the history → '' (a prompt without the history format: the drugs are candidates, named only). */
export function namesOnly(history: MedicationHistory): Record<string, string> {
  return Object.fromEntries([...history.drugs.keys()].map((drug) => [drug, '']));
}
