/**
 * The clinical check of one population: real CDS calls about sampled encounters, read like a clinician
 * reads them. What is measured, per population:
 *  - real orders (the encounter's own, reasons removed) flagged unsupported;
 *  - active drugs whose original reason condition is still active, flagged as unsupported in patient-view;
 *  - injected drafts without an indication in the record (another therapeutic area) or contraindicated, flagged;
 *  - leave-one-out: one real order withheld from the drafts, suggested by the service / by the model alone;
 *  - suggestions naming an indication; warning cards per call.
 */
import type { Card } from '../../cds/types';
import { assembleRecord } from '../../fhir/record';
import type { ConditionEntry, PatientRecord } from '../../fhir/types';
import { buildEncounterPrompt } from '../../lamo/prompt';
import type { PromptTemplates } from '../../lamo/types';
import type { HighRiskDrugs } from '../../medications/high-risk';
import type { IndicationKnowledge } from '../../medications/indications';
import type { MedicationVocabulary } from '../../medications/types';
import { findContraindications, isActiveCondition, type ContraindicationTable } from '../../safety/contraindications';
import { drugFromCandidate, type DrugKnowledge } from '../../safety/drugs';
import { seededUnit } from '../../dataset/splits';
import type { Scorer } from '../../inference/types';
import { cardIsAbout, carriesWarning, isUnsupportedCard, isWarning, suggestedDrugs } from './cards';
import { injectedDraft, orderSignRequest, patientViewRequest, type EncounterCase } from './scenarios';

export interface CdsClient {
  call(serviceId: string, body: Record<string, unknown>): Promise<Card[]>;
}

export interface CheckKnowledge {
  vocabulary: MedicationVocabulary;
  drugs: DrugKnowledge;
  indications: IndicationKnowledge;
  contraindications: ContraindicationTable;
  highRisk: HighRiskDrugs;
  /** Candidate → a product (RxNorm code and display) to inject it as a draft. */
  products: Map<string, { rxnorm: string; display: string }>;
  templates: PromptTemplates;
}

export interface Share {
  /** null when there was nothing to count. */
  rate: number | null;
  count: number;
  of: number;
}

export interface PopulationResult {
  population: string;
  role: 'training' | 'external';
  patients: number;
  encounters: number;
  calls: number;
  unsupportedRealOrders: Share;
  reviewFlaggedWithActiveReason: Share;
  injectedFlagged: Share & { noIndication: Share; contraindicated: Share };
  leaveOneOutRecall: Share;
  modelAloneRecall: Share;
  suggestionsNamingIndication: Share;
  warningCardsPerCall: { p95: number | null; mean: number | null; calls: number };
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

function atcGroups(candidate: string, knowledge: CheckKnowledge): Set<string> {
  return new Set(drugFromCandidate(candidate, 'draft', knowledge.drugs).atc.map((code) => code[0]));
}

/** A drug of another therapeutic area, with a known indication none of the active conditions is. */
function noIndicationCandidate(c: EncounterCase, active: readonly ConditionEntry[], taken: ReadonlySet<string>, knowledge: CheckKnowledge): string | undefined {
  const areas = new Set([...taken].flatMap((name) => [...atcGroups(name, knowledge)]));
  const options = knowledge.vocabulary.candidates
    .map((candidate) => candidate.name)
    .filter((name) => knowledge.products.has(name) && !taken.has(name) && knowledge.indications.hasKnownIndication(name))
    .filter((name) => {
      const groups = atcGroups(name, knowledge);
      return groups.size > 0 && [...groups].every((group) => !areas.has(group));
    })
    .filter((name) => knowledge.indications.supportingEntries(name, active).length === 0);
  return pick(options, `no-indication:${c.encounter.id}`, (name) => name);
}

function contraindicatedCandidate(c: EncounterCase, conditions: readonly ConditionEntry[], taken: ReadonlySet<string>, knowledge: CheckKnowledge): string | undefined {
  const options = knowledge.vocabulary.candidates
    .map((candidate) => candidate.name)
    .filter((name) => knowledge.products.has(name) && !taken.has(name))
    .filter((name) => findContraindications([drugFromCandidate(name, 'draft', knowledge.drugs)], conditions, knowledge.contraindications).length > 0);
  return pick(options, `contraindicated:${c.encounter.id}`, (name) => name);
}

const ACTIVE_ORDER = new Set(['active', 'on-hold']);

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
  const unsupported = new Counter();
  const review = new Counter();
  const noIndication = new Counter();
  const contraindicated = new Counter();
  const recall = new Counter();
  const modelAlone = new Counter();
  const named = new Counter();
  const warningsPerCall: number[] = [];
  let calls = 0;
  const call = async (serviceId: string, body: Record<string, unknown>): Promise<Card[]> => {
    calls += 1;
    return client.call(serviceId, body);
  };

  for (const c of cases) {
    const record: PatientRecord = assembleRecord(c.history, { patientId: c.patientId }).record;
    const active = record.conditions.filter(isActiveCondition);
    const taken = new Set(c.candidates.filter((name): name is string => name !== undefined));

    // 1. The encounter's real orders as drafts.
    const real = await call('lamo-order-sign', orderSignRequest(c, c.orders));
    warningsPerCall.push(real.filter(isWarning).length);
    c.orders.forEach((order, i) => {
      const candidate = c.candidates[i];
      if (candidate === undefined) return;
      unsupported.add(real.some((card) => isUnsupportedCard(card) && cardIsAbout(card, { orderId: order.id, candidate })));
    });
    for (const drug of suggestedDrugs(real, knowledge.vocabulary)) named.add(drug.namesIndication);

    // 2. Injected drafts: another therapeutic area without an indication; a contraindicated drug.
    const injections: [Counter, string | undefined][] = [
      [noIndication, noIndicationCandidate(c, active, taken, knowledge)],
      [contraindicated, contraindicatedCandidate(c, record.conditions, taken, knowledge)],
    ];
    for (const [counter, candidate] of injections) {
      const product = candidate ? knowledge.products.get(candidate) : undefined;
      if (!candidate || !product) continue;
      const draft = injectedDraft(c, product.rxnorm, product.display, `injected-${counter === noIndication ? 'ni' : 'ci'}-${c.encounter.id}`);
      const cards = await call('lamo-order-sign', orderSignRequest(c, [...c.orders, draft]));
      counter.add(cards.some((card) => carriesWarning(card) && cardIsAbout(card, { orderId: draft.id, candidate })));
    }

    // 3. Leave one out: a real order (whose drug is not drafted twice) withheld from the drafts.
    const unique = c.orders.map((order, i) => ({ order, candidate: c.candidates[i] })).filter(({ candidate }) => candidate !== undefined && c.candidates.filter((x) => x === candidate).length === 1);
    const withheld = pick(unique, `loo:${c.encounter.id}`, ({ order }) => order.id as string);
    if (withheld?.candidate) {
      const drafts = c.orders.filter((order) => order !== withheld.order);
      const cards = await call('lamo-order-sign', orderSignRequest(c, drafts));
      const suggested = suggestedDrugs(cards, knowledge.vocabulary);
      recall.add(suggested.some((drug) => drug.candidate === withheld.candidate));
      for (const drug of suggested) named.add(drug.namesIndication);
      const view = record.encounters.find((encounter) => encounter.id === c.encounter.id);
      if (view && scorer.candidates.includes(withheld.candidate)) {
        const result = await scorer.score(buildEncounterPrompt(record, view, knowledge.templates, knowledge.vocabulary), [withheld.candidate]);
        modelAlone.add((result.probabilities.get(withheld.candidate) ?? 0) >= scorer.thresholds.recommend(withheld.candidate));
      }
    }

    // 4. patient-view: active drugs whose (removed) reason condition is still active.
    const reviewCards = await call('lamo-medication-review', patientViewRequest(c));
    warningsPerCall.push(reviewCards.filter(isWarning).length);
    const activeIds = new Set(active.map((condition) => condition.id));
    const activeOrders = [...record.medications.filter((order) => ACTIVE_ORDER.has(order.status ?? '')), ...c.orders.map((order, i) => ({ id: order.id as string, candidate: c.candidates[i] }))];
    for (const order of activeOrders) {
      const candidate = 'candidate' in order ? order.candidate : (() => {
        const n = knowledge.vocabulary.normalise(order.concept);
        return n.covered ? n.candidate : undefined;
      })();
      const reasons = c.originalReasons.get(order.id) ?? [];
      if (!candidate || !reasons.some((id) => activeIds.has(id))) continue;
      review.add(reviewCards.some((card) => isUnsupportedCard(card) && cardIsAbout(card, { candidate })));
    }
  }

  const injected = new Counter();
  injected.count = noIndication.count + contraindicated.count;
  injected.of = noIndication.of + contraindicated.of;
  return {
    population,
    role,
    patients,
    encounters: cases.length,
    calls,
    unsupportedRealOrders: unsupported.share(),
    reviewFlaggedWithActiveReason: review.share(),
    injectedFlagged: { ...injected.share(), noIndication: noIndication.share(), contraindicated: contraindicated.share() },
    leaveOneOutRecall: recall.share(),
    modelAloneRecall: modelAlone.share(),
    suggestionsNamingIndication: named.share(),
    warningCardsPerCall: {
      p95: percentile(warningsPerCall, 95),
      mean: warningsPerCall.length === 0 ? null : warningsPerCall.reduce((a, b) => a + b, 0) / warningsPerCall.length,
      calls: warningsPerCall.length,
    },
  };
}
