/**
 * The clinical check of one population: real CDS calls about sampled encounters, read like a clinician reads
 * them, counting cards as the service gives them before the per-call warning budget folds any (the check runs
 * the service with the largest budget). Per encounter, four calls:
 *  1. order-sign with the encounter's real orders as drafts: real orders flagged "no indication" (a warning),
 *     the alert load by rule (share of real orders with any warning or critical card, and by check), warnings
 *     per call, whether the model ran;
 *  2. the same plus one injected draft of a drug with one clear indication that the record gives no reason for
 *     (./injection.ts, chosen by condition-name words, never through the service's tables): flagged or not;
 *  3. leave one out: one real order of a drug that may be suggested in this setting (the reviewed setting
 *     table: no thrombolytic at a routine visit) withheld, suggested by the service / by the model alone
 *     (P(yes) ≥ its recommend threshold on the same prompt), and the precision of every suggestion (ordered at
 *     this visit or the patient's next visit with orders);
 *  4. patient-view just after the encounter: active drugs whose (removed) reason condition is still active,
 *     flagged as unsupported.
 */
import type { Card } from '../../cds/types';
import { assembleRecord } from '../../fhir/record';
import type { Concept, PatientRecord } from '../../fhir/types';
import { buildEncounterPrompt } from '../../lamo/prompt';
import type { PromptTemplates } from '../../lamo/types';
import type { MedicationVocabulary } from '../../medications/types';
import { isActiveCondition } from '../../safety/contraindications';
import { seededUnit } from '../../dataset/splits';
import type { Scorer } from '../../inference/types';
import { cardIsAbout, isWarning, modelGapReasons, saysNoIndicationAsInfo, suggestedDrugs, warningTopics, warnsNoIndication } from './cards';
import { pickUnindicated, type UnindicatedDrug } from './injection';
import { MODEL_ONLY_REASONS, modelOnlyReason, type ModelOnlyKnowledge, type ModelOnlyReason } from './model-only';
import { injectedDraft, orderSignRequest, patientViewRequest, type DrugKeyOf, type EncounterCase } from './scenarios';

export interface CdsClient {
  call(serviceId: string, body: Record<string, unknown>): Promise<Card[]>;
}

export interface CheckKnowledge extends ModelOnlyKnowledge {
  vocabulary: MedicationVocabulary;
  /** Whether a drug may be suggested at this encounter at all (the reviewed suggestion-setting table). */
  maySuggest: (drug: string, classCode: string | undefined) => boolean;
  keyOf: DrugKeyOf;
  unindicated: UnindicatedDrug[];
  templates: PromptTemplates;
}

export interface Share {
  /** null when there was nothing to count. */
  rate: number | null;
  count: number;
  of: number;
}

/** Checks of the service, by the topic code of their findings (src/cds/cards/card.ts TOPICS). */
export const ALERT_RULES = ['drugInteraction', 'duplicateTherapy', 'contraindication', 'olderAdultCaution', 'allergyConflict', 'withdrawnDrug', 'unsupportedOrder'] as const;

export interface PopulationResult {
  population: string;
  role: 'training' | 'external';
  patients: number;
  encounters: number;
  calls: number;
  /** Real orders with a warning or critical card saying no indication was found (target ≤ 10%). */
  realOrdersNoIndication: Share;
  /** Real orders with an info card only saying so (low-harm drugs). */
  realOrdersNoIndicationInfo: Share;
  /** Active drugs whose removed reason condition is still active, flagged in patient-view (target ≤ 2%). */
  reviewIndicatedFlagged: Share;
  /** Injected drafts of an unindicated drug with a warning saying no indication (target ≥ 90%), and by drug. */
  injectedUnindicated: Share & { byDrug: Record<string, Share> };
  /** Leave one out, on the model's candidates: the service's suggestions / the model alone (target service ≥ model). */
  leaveOneOutService: Share;
  leaveOneOutModel: Share;
  /** The service on every withheld drug, the model's candidates or not. */
  leaveOneOutServiceAllDrugs: Share;
  /** Withheld drugs the model alone recalls and the service does not, by why (./model-only.ts), and the drugs
   * not suggested because no active condition indicates them (antibiotic stewardship: amoxicillin/clavulanate
   * for a viral sinusitis) or for no reason the check can name ('other'). */
  leaveOneOutModelOnly: Record<ModelOnlyReason, number> & { notIndicatedDrugs: Record<string, number>; otherDrugs: Record<string, number> };
  /** Suggested drugs ordered at that visit or the patient's next visit with orders. */
  suggestionPrecision: Share;
  suggestionsNamingIndication: Share;
  warningCardsPerCall: { p95: number | null; mean: number | null; calls: number };
  /** Real-order calls in which the model did not run, and why (target: none). */
  modelNotRun: Share & { reasons: Record<string, number> };
  /** Real orders with any warning or critical card, and by the check that found it (issue 15's alert load). */
  alertLoad: { anyWarning: Share; anyCritical: Share; byRule: Record<string, Share> };
}

class Counter {
  count = 0;
  of = 0;
  add(hit: boolean): void {
    this.of += 1;
    if (hit) this.count += 1;
  }
  share(): Share {
    return { rate: this.of === 0 ? null : this.count / this.of, count: this.count, of: this.of };
  }
}

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function pick<T>(items: readonly T[], seed: string, key: (item: T) => string): T | undefined {
  return [...items].sort((a, b) => seededUnit(seed, key(a)) - seededUnit(seed, key(b)))[0];
}

const ACTIVE_ORDER = new Set(['active', 'on-hold']);
const ingredients = (drug: string): string[] => drug.split(' / ');

/** Runs every call about the cases and counts. */
export async function measurePopulation(
  population: string,
  role: PopulationResult['role'],
  patients: number,
  cases: readonly EncounterCase[],
  client: CdsClient,
  scorer: Scorer,
  knowledge: CheckKnowledge,
): Promise<PopulationResult> {
  const c = {
    noIndication: new Counter(),
    noIndicationInfo: new Counter(),
    review: new Counter(),
    injected: new Counter(),
    service: new Counter(),
    model: new Counter(),
    serviceAll: new Counter(),
    precision: new Counter(),
    named: new Counter(),
    notRun: new Counter(),
    anyWarning: new Counter(),
    anyCritical: new Counter(),
  };
  const byDrug = new Map<string, Counter>();
  const modelOnly = Object.fromEntries(MODEL_ONLY_REASONS.map((reason) => [reason, 0])) as Record<ModelOnlyReason, number>;
  const notIndicatedDrugs: Record<string, number> = {};
  const otherDrugs: Record<string, number> = {};
  const byRule = new Map<string, Counter>(ALERT_RULES.map((rule) => [rule, new Counter()]));
  const gapReasons: Record<string, number> = {};
  const warningsPerCall: number[] = [];
  let calls = 0;
  const call = async (serviceId: string, body: Record<string, unknown>): Promise<Card[]> => {
    calls += 1;
    return client.call(serviceId, body);
  };
  const keyOf = (concept: Concept): string => knowledge.keyOf(concept);

  for (const kase of cases) {
    const record: PatientRecord = assembleRecord(kase.history, { patientId: kase.patientId }).record;
    const active = record.conditions.filter(isActiveCondition);
    const orderedBefore = record.medications.map((order) => keyOf(order.concept));
    const precise = new Set([...kase.drugs, ...kase.nextDrugs]);
    const view = record.encounters.find((encounter) => encounter.id === kase.encounter.id);
    const countSuggestions = (cards: readonly Card[]): void => {
      for (const drug of suggestedDrugs(cards, keyOf)) {
        c.named.add(drug.namesIndication);
        c.precision.add(drug.drug !== undefined && precise.has(drug.drug));
      }
    };

    // 1. The encounter's real orders as drafts.
    const real = await call('lamo-order-sign', orderSignRequest(kase, kase.orders));
    warningsPerCall.push(real.filter(isWarning).length);
    const reasons = modelGapReasons(real);
    c.notRun.add(reasons.length > 0);
    for (const reason of reasons) gapReasons[reason] = (gapReasons[reason] ?? 0) + 1;
    kase.orders.forEach((order, i) => {
      const about = real.filter((card) => cardIsAbout(card, { orderId: order.id, candidate: kase.drugs[i] }));
      const warned = about.filter(isWarning);
      const noIndication = about.some(warnsNoIndication);
      c.noIndication.add(noIndication);
      c.noIndicationInfo.add(!noIndication && about.some(saysNoIndicationAsInfo));
      c.anyWarning.add(warned.length > 0);
      c.anyCritical.add(about.some((card) => card.indicator === 'critical'));
      const topics = new Set(warned.flatMap((card) => [...warningTopics(card)]));
      for (const [rule, counter] of byRule) counter.add(topics.has(rule) || (rule === 'unsupportedOrder' && topics.has('activeMedicationUnsupported')));
    });
    countSuggestions(real);

    // 2. An injected draft of a drug the record gives no reason for.
    const taken = new Set([...orderedBefore, ...kase.drugs].flatMap(ingredients));
    const injected = pickUnindicated(knowledge.unindicated, record.conditions.map((condition) => condition.concept.display), taken, `inject:${kase.encounter.id}`);
    if (injected) {
      const draft = injectedDraft(kase, injected.rxnorm, injected.display, `injected-${kase.encounter.id}`);
      const cards = await call('lamo-order-sign', orderSignRequest(kase, [...kase.orders, draft]));
      const flagged = cards.some((card) => warnsNoIndication(card) && cardIsAbout(card, { orderId: draft.id, candidate: injected.drug }));
      c.injected.add(flagged);
      const counter = byDrug.get(injected.drug) ?? new Counter();
      counter.add(flagged);
      byDrug.set(injected.drug, counter);
    }

    // 3. Leave one out: a real order (whose drug is not ordered twice, and may be suggested here) withheld from the drafts.
    const unique = kase.orders
      .map((order, i) => ({ order, drug: kase.drugs[i], candidate: kase.candidates[i] }))
      .filter(({ drug }) => kase.drugs.filter((x) => x === drug).length === 1 && knowledge.maySuggest(drug, view?.classCode));
    const withheld = pick(unique, `loo:${kase.encounter.id}`, ({ order }) => order.id as string);
    if (withheld) {
      const cards = await call('lamo-order-sign', orderSignRequest(kase, kase.orders.filter((order) => order !== withheld.order)));
      const found = suggestedDrugs(cards, keyOf).some((drug) => drug.drug === withheld.drug);
      c.serviceAll.add(found);
      countSuggestions(cards);
      if (view && withheld.candidate !== undefined && scorer.candidates.includes(withheld.candidate)) {
        c.service.add(found);
        // The prompt the service builds for this call (a live call: statuses current), so model and service compare like for like.
        const prompt = buildEncounterPrompt(record, view, knowledge.templates, knowledge.vocabulary, { statusIsCurrent: true });
        const result = await scorer.score(prompt, [withheld.candidate]);
        const byModel = (result.probabilities.get(withheld.candidate) ?? 0) >= scorer.thresholds.recommend(withheld.candidate);
        c.model.add(byModel);
        if (byModel && !found) {
          const why = modelOnlyReason(cards, withheld.drug, record, Date.parse(view.start ?? '') || Date.now(), view.reasons, knowledge);
          modelOnly[why] += 1;
          const named = why === 'notIndicated' ? notIndicatedDrugs : why === 'other' ? otherDrugs : undefined;
          if (named) named[withheld.drug] = (named[withheld.drug] ?? 0) + 1;
        }
      }
    }

    // 4. patient-view: active drugs whose (removed) reason condition is still active.
    const reviewCards = await call('lamo-medication-review', patientViewRequest(kase));
    warningsPerCall.push(reviewCards.filter(isWarning).length);
    const activeIds = new Set(active.map((condition) => condition.id));
    const activeOrders = [
      ...record.medications.filter((order) => ACTIVE_ORDER.has(order.status ?? '')).map((order) => ({ id: order.id, drug: keyOf(order.concept) })),
      ...kase.orders.map((order, i) => ({ id: order.id as string, drug: kase.drugs[i] })),
    ];
    for (const order of activeOrders) {
      const original = kase.originalReasons.get(order.id) ?? [];
      if (!original.some((id) => activeIds.has(id))) continue;
      c.review.add(reviewCards.some((card) => warnsNoIndication(card) && cardIsAbout(card, { candidate: order.drug })));
    }
  }

  return {
    population,
    role,
    patients,
    encounters: cases.length,
    calls,
    realOrdersNoIndication: c.noIndication.share(),
    realOrdersNoIndicationInfo: c.noIndicationInfo.share(),
    reviewIndicatedFlagged: c.review.share(),
    injectedUnindicated: { ...c.injected.share(), byDrug: Object.fromEntries([...byDrug.entries()].sort().map(([drug, counter]) => [drug, counter.share()])) },
    leaveOneOutService: c.service.share(),
    leaveOneOutModel: c.model.share(),
    leaveOneOutServiceAllDrugs: c.serviceAll.share(),
    leaveOneOutModelOnly: { ...modelOnly, notIndicatedDrugs, otherDrugs },
    suggestionPrecision: c.precision.share(),
    suggestionsNamingIndication: c.named.share(),
    warningCardsPerCall: {
      p95: percentile(warningsPerCall, 95),
      mean: warningsPerCall.length === 0 ? null : warningsPerCall.reduce((a, b) => a + b, 0) / warningsPerCall.length,
      calls: warningsPerCall.length,
    },
    modelNotRun: { ...c.notRun.share(), reasons: gapReasons },
    alertLoad: { anyWarning: c.anyWarning.share(), anyCritical: c.anyCritical.share(), byRule: Object.fromEntries([...byRule.entries()].map(([rule, counter]) => [rule, counter.share()])) },
  };
}
