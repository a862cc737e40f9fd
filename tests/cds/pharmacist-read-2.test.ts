/**
 * The lead's second read of the sandbox, as a pharmacist would sign the cards (K4), each case through the real
 * service (real model, tables, SQLite, HTTP) on shared Synthea patients:
 *  - an older adult (AGS Beers Criteria 2023): a new paroxetine draft warns; the same drug continued from last
 *    month informs; an active NSAID in the chart review informs; the hospital can lower or switch off the rule;
 *  - opioids: three long-acting ones are one duplicate card naming each and offering to remove each draft; a
 *    short-acting opioid for breakthrough beside a long-acting one is no duplicate; two short-acting ones are;
 *  - a draft the model does not score is said to be so once: on its own card when it has one, else in one card;
 *  - a new opioid whose only apparent reason is migraine: no indication, and migraine named as no indication.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Condition, Encounter, FhirResource, MedicationRequest } from 'fhir/r4';
import type { Card } from '../../src/cds/types';
import { call, draftOrder, expectWellFormedCard, latestEncounterId, loadPatient, orderRequest, PLAIN_PATIENT, RXNORM, standardPrefetch, startApp, type CardsResponse, type RunningApp } from './helpers';

const OLDER_ADULT = '190524df-4de5-4c01-8560-8b41e23c3b84';
const SNOMED = 'http://snomed.info/sct';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-k4-'));
const overridesFile = path.join(dir, 'local-overrides.json');
fs.writeFileSync(
  overridesFile,
  JSON.stringify({
    description: 'St Example geriatric P&T committee',
    rules: [
      { kind: 'older-adult', id: 'anticholinergic-antidepressants', severity: 'info', reason: 'geriatric pharmacist reviews every antidepressant start' },
      { kind: 'older-adult', id: 'first-generation-antihistamines', severity: 'off', reason: 'ward protocol' },
    ],
  }),
);

let app: RunningApp;
let local: RunningApp;
let older: FhirResource[];
let plain: FhirResource[];

beforeAll(async () => {
  [app, local] = await Promise.all([startApp({ CDS_DEADLINE_MS: '20000' }), startApp({ CDS_DEADLINE_MS: '20000', LAMO_KNOWLEDGE_OVERRIDES: overridesFile })]);
  older = loadPatient(OLDER_ADULT);
  plain = loadPatient(PLAIN_PATIENT);
});
afterAll(async () => {
  await Promise.all([app?.close(), local?.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

const findings = (card: Card | undefined): { topic: string; indicator: string }[] => (card?.extension?.['lamo-cds-findings'] as { topic: string; indicator: string }[] | undefined) ?? [];
const about = (cards: Card[], word: RegExp): Card | undefined => cards.find((card) => word.test(card.summary));

function startOf(resources: FhirResource[], encounterId: string): number {
  const encounter = resources.find((r): r is Encounter => r.resourceType === 'Encounter' && r.id === encounterId);
  return Date.parse(encounter?.period?.start ?? '');
}

function activeOrder(patientId: string, code: string, display: string, authoredOn: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: `active-${code}`,
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code, display }], text: display },
    subject: { reference: `Patient/${patientId}` },
    authoredOn,
  };
}

function condition(patientId: string, code: string, display: string): Condition {
  return {
    resourceType: 'Condition',
    id: `added-${code}`,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: SNOMED, code, display }], text: display },
    subject: { reference: `Patient/${patientId}` },
  };
}

async function sign(on: RunningApp, patientId: string, resources: FhirResource[], drafts: [string, string][]): Promise<{ cards: Card[]; ids: string[] }> {
  const encounterId = latestEncounterId(resources);
  const orders = drafts.map(([code, display]) => draftOrder(patientId, code, display, encounterId));
  const request = orderRequest({ patientId, encounterId, drafts: orders, prefetch: standardPrefetch(resources, encounterId) });
  const response: CardsResponse = await call(`${on.url}/cds-services/lamo-order-sign`, { body: request });
  expect(response.status).toBe(200);
  response.body.cards.forEach(expectWellFormedCard);
  return { cards: response.body.cards, ids: orders.map((order) => order.id as string) };
}

describe('an older adult (AGS Beers Criteria 2023)', () => {
  const paroxetine: [string, string] = ['312241', 'Paroxetine 10 MG Oral Tablet'];

  test('a new paroxetine draft: a warning naming the criterion, its strength and what to prefer', async () => {
    const { cards } = await sign(app, OLDER_ADULT, older, [paroxetine]);
    const card = about(cards, /paroxetine/i);
    expect(findings(card)).toContainEqual({ topic: 'olderAdultCaution', indicator: 'warning' });
    expect(card?.summary).toMatch(/avoid at age \d+ \(AGS Beers Criteria\)/);
    expect(card?.detail).toMatch(/paroxetine is potentially inappropriate from 65 \(AGS Beers Criteria 2023, strongly anticholinergic antidepressant; strong recommendation, high-quality evidence\): avoid; prefer an antidepressant with little anticholinergic effect/);
    expect(card?.detail).toMatch(/Source: AGS Beers 2023; rule anticholinergic-antidepressants/);
  });

  test('the same drug continued from last month: information, not a warning', async () => {
    const encounterId = latestEncounterId(older);
    const lastMonth = new Date(startOf(older, encounterId) - 30 * 86_400_000).toISOString();
    const { cards } = await sign(app, OLDER_ADULT, [...older, activeOrder(OLDER_ADULT, paroxetine[0], paroxetine[1], lastMonth)], [paroxetine]);
    const card = about(cards, /paroxetine/i);
    expect(findings(card)).toContainEqual({ topic: 'olderAdultCaution', indicator: 'info' });
    expect(findings(card)).not.toContainEqual({ topic: 'olderAdultCaution', indicator: 'warning' });
    expect(card?.detail).toMatch(/continues a drug the patient already takes or took in the past year: information only/);
  });

  test('the chart review: an active NSAID taken long term is information (deprescribing), not a warning', async () => {
    const encounterId = latestEncounterId(older);
    const response: CardsResponse = await call(`${app.url}/cds-services/lamo-medication-review`, {
      body: { hook: 'patient-view', hookInstance: `k4-${Date.now()}`, context: { patientId: OLDER_ADULT, encounterId }, prefetch: standardPrefetch(older, encounterId) },
    });
    expect(response.status).toBe(200);
    const beers = response.body.cards.filter((card) => findings(card).some((f) => f.topic === 'olderAdultCaution'));
    expect(beers.length).toBeGreaterThan(0);
    for (const card of beers) expect(findings(card).filter((f) => f.topic === 'olderAdultCaution').map((f) => f.indicator)).toEqual(['info']);
    expect(beers.map((card) => card.summary).join('\n')).toMatch(/Naproxen at age \d+: potentially inappropriate \(AGS Beers Criteria: avoid chronic use\); review/);
  });

  test('a hospital lowers one rule (said on the card) and switches another off (no finding)', async () => {
    const lowered = about((await sign(local, OLDER_ADULT, older, [paroxetine])).cards, /paroxetine/i);
    expect(findings(lowered)).toContainEqual({ topic: 'olderAdultCaution', indicator: 'info' });
    expect(lowered?.detail).toMatch(/Severity set locally \(warning → info\): geriatric pharmacist reviews every antidepressant start/);
    const chlorpheniramine: [string, string] = ['1363309', 'Chlorpheniramine Maleate 4 MG Oral Tablet'];
    const withDefault = (await sign(app, OLDER_ADULT, older, [chlorpheniramine])).cards;
    expect(withDefault.flatMap(findings)).toContainEqual({ topic: 'olderAdultCaution', indicator: 'warning' });
    const off = (await sign(local, OLDER_ADULT, older, [chlorpheniramine])).cards;
    expect(off.flatMap(findings).filter((f) => f.topic === 'olderAdultCaution')).toEqual([]);
  });
});

describe('opioids at once', () => {
  const fentanyl: [string, string] = ['245134', '72 HR Fentanyl 0.025 MG/HR Transdermal System'];
  const hydrocodone: [string, string] = ['1860491', '12 HR Hydrocodone Bitartrate 10 MG Extended Release Oral Capsule'];
  const oxycontin: [string, string] = ['1049504', 'Abuse-Deterrent 12 HR Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet [Oxycontin]'];
  const percocet: [string, string] = ['1049625', 'Acetaminophen 325 MG / Oxycodone Hydrochloride 10 MG Oral Tablet [Percocet]'];
  const tramadol: [string, string] = ['835603', 'tramadol hydrochloride 50 MG Oral Tablet'];

  test('three long-acting opioids and one for breakthrough: one duplicate card naming the three, offering to remove each', async () => {
    const { cards, ids } = await sign(app, PLAIN_PATIENT, plain, [fentanyl, hydrocodone, oxycontin, percocet]);
    const duplicates = cards.filter((card) => findings(card).some((f) => f.topic === 'duplicateTherapy'));
    expect(duplicates).toHaveLength(1);
    const [card] = duplicates;
    expect(card.indicator).toBe('warning');
    // The patient has no painful condition, so the card also says no indication was found.
    expect(card.summary).toMatch(/^Oxycodone: duplicate therapy with fentanyl and hydrocodone \(3 opioids\)/);
    expect(card.detail).toMatch(/\*\*Duplicate therapy: 3 opioids\*\*:\n- 72 HR Fentanyl 0\.025 MG\/HR Transdermal System \(being ordered\)\n- 12 HR Hydrocodone .*\(being ordered\)\n- Abuse-Deterrent 12 HR Oxycodone .*\(being ordered\)/);
    expect(card.detail).toMatch(/keep one long-acting opioid and at most one short-acting opioid for breakthrough pain/);
    expect(card.detail).not.toMatch(/Percocet/);
    const removed = (card.suggestions ?? []).flatMap((s) => s.actions ?? []).flatMap((a) => (a.type === 'delete' ? [a.resourceId] : []));
    expect(removed.sort()).toEqual(ids.slice(0, 3).map((id) => `MedicationRequest/${id}`).sort());
  });

  test('a long-acting opioid with a short-acting one for breakthrough pain: no duplicate', async () => {
    const { cards } = await sign(app, PLAIN_PATIENT, plain, [oxycontin, percocet]);
    expect(cards.flatMap(findings).filter((f) => f.topic === 'duplicateTherapy')).toEqual([]);
  });

  test('two short-acting opioids (oxycodone/acetaminophen and tramadol): a duplicate-therapy warning', async () => {
    const { cards } = await sign(app, PLAIN_PATIENT, plain, [percocet, tramadol]);
    const card = cards.find((c) => findings(c).some((f) => f.topic === 'duplicateTherapy'));
    expect(card?.indicator).toBe('warning');
    expect(card?.summary).toMatch(/^Tramadol: duplicates Acetaminophen 325 MG \/ Oxycodone Hydrochloride 10 MG Oral Tablet \[Percocet\] \(being ordered; two opioids\)/);
  });
});

describe('a draft the model does not score is said to be so once', () => {
  test('with a card of its own: there, in one line; without one: in the "not assessed" card', async () => {
    // Isosorbide mononitrate for coronary heart disease: indicated by its class, no interaction here, outside the model.
    const isosorbide: [string, string] = ['', 'Isosorbide Mononitrate 30 MG Extended Release Oral Tablet'];
    const clarithromycin: [string, string] = ['197516', 'Clarithromycin 250 MG Oral Tablet'];
    const { cards } = await sign(app, PLAIN_PATIENT, plain, [isosorbide, clarithromycin]);
    const notAssessed = cards.filter((card) => card.source.topic?.code === 'notAssessed');
    expect(notAssessed).toHaveLength(1);
    expect(notAssessed[0].summary).toBe('Not assessed by the LAMO model: Isosorbide Mononitrate 30 MG Extended Release Oral Tablet');
    const own = about(cards, /clarithromycin/i);
    expect(findings(own)).toContainEqual({ topic: 'drugInteraction', indicator: 'critical' });
    expect(own?.detail).toMatch(/The LAMO model does not score clarithromycin: it gives no opinion on it\./);
  });
});

test('a new opioid whose only painful condition is migraine: no indication found, migraine named as none (American Headache Society)', async () => {
  const { cards } = await sign(app, PLAIN_PATIENT, [...plain, condition(PLAIN_PATIENT, '124171000119105', 'Chronic intractable migraine without aura')], [['835603', 'tramadol hydrochloride 50 MG Oral Tablet']]);
  const card = about(cards, /tramadol/i);
  expect(findings(card)).toContainEqual({ topic: 'unsupportedOrder', indicator: 'warning' });
  expect(card?.summary).toMatch(/No indication for tramadol found: Chronic intractable migraine without aura is not one/);
  expect(card?.detail).toMatch(/opioids are not a treatment of migraine/);
});
