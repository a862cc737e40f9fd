/**
 * The patient's medication history as it stood when an encounter began: the earlier visits with orders, the
 * renewal rate and regime of the record (issue 17, item 5), and per drug what a clinician reads first when
 * renewing (ordered at the last visit? how often lately? since when? supply until?).
 *
 * Strictly from dates: an order belongs to the history when it was written (authoredOn, else its encounter's
 * start) before the encounter started, and supply comes from the dispense request's dates. An order's
 * `status` is never read: in exported data it is the status at export time (in Synthea only a drug's last
 * order is `active`), so in a replayed visit it would tell which drugs are never ordered again.
 *
 * One module for every reader (the history baseline, the prompt, eval's regime breakdown, renewal cards), so
 * that "renewed", "regime" and "the drug" mean the same thing everywhere. Pure: no I/O.
 */
import type { Concept, EncounterView, MedicationOrder, PatientRecord } from '../fhir/types';
import { normaliseProductName, type NameTables } from '../medications/normalise';
import type { MedicationVocabulary } from '../medications/types';
import { supplyEnd } from './supply';

const DAY_MS = 86_400_000;

/**
 * The record's prescribing pattern before a visit. `first-visit`: no earlier pair of consecutive visits with
 * orders (the patient's first or second visit with orders); `no-renewals`: pairs, none sharing a drug;
 * `renewing`: renewal rate ≥ 0.5; `some-renewals`: in between.
 */
export type Regime = 'first-visit' | 'no-renewals' | 'some-renewals' | 'renewing';
export const REGIMES: readonly Regime[] = ['first-visit', 'no-renewals', 'some-renewals', 'renewing'];
export const REGIME_DESCRIPTIONS: Record<Regime, string> = {
  'first-visit': 'first visit with orders (no earlier pair of visits with orders)',
  'no-renewals': 'history without renewals (renewal rate 0)',
  'some-renewals': 'some renewals (renewal rate between 0 and 0.5)',
  renewing: 'renewing history (renewal rate ≥ 0.5)',
};
/** The renewal rate from which a record counts as renewing. */
export const RENEWING_RATE = 0.5;

/** Maps a drug concept to the key drugs are compared by (see `drugKey`). */
export type DrugKeyOf = (concept: Concept) => string;

/**
 * The name a drug goes by in histories: the model vocabulary's candidate when it covers the product, else
 * the normaliser's candidate-style name of the product text (ingredients, lower case, sorted, " / "), else
 * the lower-cased display. So a renewal of a drug outside the vocabulary (e.g. epoetin alfa) is still seen
 * as the same drug ordered again, whatever strength or pack was ordered.
 */
export function drugKey(concept: Concept, vocab: MedicationVocabulary, tables: NameTables): string {
  const normalised = vocab.normalise(concept);
  if (normalised.covered) return normalised.candidate;
  const texts = [concept.display, ...concept.codings.map((coding) => coding.display)].filter(
    (text): text is string => typeof text === 'string' && text.trim() !== '',
  );
  for (const text of new Set(texts)) {
    const result = normaliseProductName(text, { tables });
    if (result.covered) return result.candidate;
  }
  return concept.display.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** `drugKey` with a cache per concept object: a record's history is read once per later encounter. */
export function drugKeyer(vocab: MedicationVocabulary, tables: NameTables): DrugKeyOf {
  const cache = new WeakMap<Concept, string>();
  return (concept) => {
    let key = cache.get(concept);
    if (key === undefined) {
      key = drugKey(concept, vocab, tables);
      cache.set(concept, key);
    }
    return key;
  };
}

/** An earlier visit with at least one order. */
export interface PastVisit {
  /** The encounter's id; orders without an encounter are grouped by the day they were written. */
  key: string;
  /** When its first order was written (ISO-8601). */
  date: string;
  time: number;
  /** Drug keys ordered, sorted, each once. */
  drugs: string[];
}

/** What the record says about one drug before the encounter. A drug never ordered has zeros and no dates. */
export interface DrugHistory {
  drug: string;
  /** Earlier visits at which it was ordered. */
  visits: number;
  orderedAtLastVisit: boolean;
  /** At how many of the last 3 earlier visits (fewer when the record has fewer). */
  inLastThree: number;
  /** Consecutive visits, counted back from the last one, at which it was ordered. */
  streak: number;
  /** Share of the earlier visits at which it was ordered (0 without earlier visits). */
  share: number;
  /** When it was last ordered (ISO-8601). */
  lastOrdered?: string;
  /** Whole days from its last order to the encounter's start. */
  daysSinceLast?: number;
  /** The latest end of supply its orders' dates give (ISO-8601), when any order says. */
  supplyUntil?: string;
  /** Of the consecutive visit pairs whose first visit ordered it, the share that ordered it again. */
  renewalRate?: number;
  /** How many such pairs (the renewal rate's denominator). */
  renewalPairs: number;
}

export interface MedicationHistory {
  /** The encounter's start (ISO-8601), or undefined when unknown (then every dated order counts as earlier). */
  at?: string;
  /** Earlier visits with orders, oldest first. */
  visits: PastVisit[];
  /** Mean over consecutive visit pairs of the share of the first visit's drugs ordered again at the second. */
  renewalRate?: number;
  regime: Regime;
  /** Every drug ordered before the encounter. */
  drugs: ReadonlyMap<string, DrugHistory>;
}

/** The encounter a history is taken for: its own orders are never part of it. */
export type HistoryPoint = Pick<EncounterView, 'id' | 'start'>;

function timeOf(date: string | undefined): number | undefined {
  if (!date) return undefined;
  const t = Date.parse(date);
  return Number.isNaN(t) ? undefined : t;
}

export function regimeOf(renewalRate: number | undefined): Regime {
  if (renewalRate === undefined) return 'first-visit';
  if (renewalRate <= 0) return 'no-renewals';
  return renewalRate >= RENEWING_RATE ? 'renewing' : 'some-renewals';
}

/** The renewal rate over visits in date order; undefined with fewer than two visits. */
export function renewalRate(visits: readonly { drugs: readonly string[] }[]): number | undefined {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i + 1 < visits.length; i++) {
    const first = new Set(visits[i].drugs);
    if (first.size === 0) continue;
    const next = new Set(visits[i + 1].drugs);
    sum += [...first].filter((drug) => next.has(drug)).length / first.size;
    pairs += 1;
  }
  return pairs ? sum / pairs : undefined;
}

interface DatedOrder {
  order: MedicationOrder;
  time: number;
  drug: string;
}

/** Orders written before `point` started, from other encounters, with their times and drug keys. */
function earlierOrders(record: PatientRecord, point: HistoryPoint, keyOf: DrugKeyOf): DatedOrder[] {
  const starts = new Map(record.encounters.map((encounter) => [encounter.id, timeOf(encounter.start)]));
  const before = timeOf(point.start) ?? Number.POSITIVE_INFINITY;
  const out: DatedOrder[] = [];
  for (const order of record.medications) {
    if (order.encounterId !== undefined && order.encounterId === point.id) continue;
    // An order without a date of its own is placed at its encounter's start; one with neither is not placed.
    const time = timeOf(order.authoredOn) ?? (order.encounterId !== undefined ? starts.get(order.encounterId) : undefined);
    if (time === undefined || time >= before) continue;
    out.push({ order, time, drug: keyOf(order.concept) });
  }
  return out;
}

function groupVisits(orders: readonly DatedOrder[]): PastVisit[] {
  const groups = new Map<string, { time: number; drugs: Set<string> }>();
  for (const { order, time, drug } of orders) {
    const key = order.encounterId ?? `day:${new Date(time).toISOString().slice(0, 10)}`;
    const group = groups.get(key);
    if (group) {
      group.time = Math.min(group.time, time);
      group.drugs.add(drug);
    } else groups.set(key, { time, drugs: new Set([drug]) });
  }
  return [...groups.entries()]
    .map(([key, group]) => ({ key, time: group.time, date: new Date(group.time).toISOString(), drugs: [...group.drugs].sort() }))
    .sort((a, b) => a.time - b.time || a.key.localeCompare(b.key));
}

function factsOf(drug: string, visits: readonly PastVisit[], orders: readonly DatedOrder[], at: number | undefined): DrugHistory {
  const has = visits.map((visit) => visit.drugs.includes(drug));
  const count = has.filter(Boolean).length;
  let streak = 0;
  while (streak < has.length && has[has.length - 1 - streak]) streak += 1;
  let pairs = 0;
  let renewed = 0;
  for (let i = 0; i + 1 < has.length; i++) {
    if (!has[i]) continue;
    pairs += 1;
    if (has[i + 1]) renewed += 1;
  }
  const mine = orders.filter((o) => o.drug === drug);
  const last = mine.length ? Math.max(...mine.map((o) => o.time)) : undefined;
  const ends = mine.map((o) => supplyEnd(o.order)).filter((end): end is number => end !== undefined);
  const facts: DrugHistory = {
    drug,
    visits: count,
    orderedAtLastVisit: has.length > 0 && has[has.length - 1],
    inLastThree: has.slice(-3).filter(Boolean).length,
    streak,
    share: has.length ? count / has.length : 0,
    renewalPairs: pairs,
  };
  if (last !== undefined) {
    facts.lastOrdered = new Date(last).toISOString();
    if (at !== undefined) facts.daysSinceLast = Math.floor((at - last) / DAY_MS);
  }
  if (ends.length) facts.supplyUntil = new Date(Math.max(...ends)).toISOString();
  if (pairs) facts.renewalRate = renewed / pairs;
  return facts;
}

/** The medication history of `record` as it stood when `point` (one of its encounters, or a live one) began. */
export function medicationHistory(record: PatientRecord, point: HistoryPoint, keyOf: DrugKeyOf): MedicationHistory {
  const orders = earlierOrders(record, point, keyOf);
  const visits = groupVisits(orders);
  const at = timeOf(point.start);
  const rate = renewalRate(visits);
  const drugs = new Map<string, DrugHistory>();
  for (const drug of [...new Set(orders.map((o) => o.drug))].sort()) drugs.set(drug, factsOf(drug, visits, orders, at));
  const history: MedicationHistory = { visits, regime: regimeOf(rate), drugs };
  if (point.start !== undefined && at !== undefined) history.at = point.start;
  if (rate !== undefined) history.renewalRate = rate;
  return history;
}

/** The facts for `drug`: its own when the record ordered it before, else "never ordered". */
export function drugHistory(history: MedicationHistory, drug: string): DrugHistory {
  return history.drugs.get(drug) ?? { drug, visits: 0, orderedAtLastVisit: false, inLastThree: 0, streak: 0, share: 0, renewalPairs: 0 };
}

/** Drugs that may still be taken at the encounter, by dates: supply lasting to its start, or ordered within
 * `recentDays` before it (most exported orders carry no supply dates at all). */
export function currentDrugs(history: MedicationHistory, recentDays = 365): string[] {
  const at = timeOf(history.at);
  return [...history.drugs.values()]
    .filter((drug) => {
      const supplied = drug.supplyUntil !== undefined && at !== undefined && (timeOf(drug.supplyUntil) as number) >= at;
      return supplied || (drug.daysSinceLast !== undefined && drug.daysSinceLast <= recentDays);
    })
    .map((drug) => drug.drug);
}
