/**
 * The lead's third read, as an EHR calls the service (real model, tables, SQLite, HTTP) on shared Synthea patients:
 *  - a drug withdrawn from the market (astemizole) is said to be so, on a draft and on an old active order;
 *  - the discharge list names every active drug, not only those the model recommends;
 *  - a diuretic drafted beside an active ACE inhibitor/diuretic combination and an NSAID: the three-drug rule
 *    is met with the NSAID (each drug named in its role), the shared ingredient is a duplicate;
 *  - an old alteplase order still marked active is a given dose, not a drug to review.
 */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import type { Card } from '../../src/cds/types';
import { call, draftOrder, expectWellFormedCard, latestEncounterId, loadPatient, orderRequest, PLAIN_PATIENT, RXNORM, standardPrefetch, startApp, WARFARIN_PATIENT, type CardsResponse, type RunningApp } from './helpers';

let app: RunningApp;
let plain: FhirResource[];
let warfarin: FhirResource[];

beforeAll(async () => {
  app = await startApp({ CDS_DEADLINE_MS: '20000' });
  plain = loadPatient(PLAIN_PATIENT);
  warfarin = loadPatient(WARFARIN_PATIENT);
});
afterAll(async () => {
  await app?.close();
});

const topics = (card: Card | undefined): { topic: string; indicator: string }[] => (card?.extension?.['lamo-cds-findings'] as { topic: string; indicator: string }[] | undefined) ?? [];
const about = (cards: Card[], word: RegExp): Card | undefined => cards.find((card) => word.test(card.summary));

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

async function sign(patientId: string, resources: FhirResource[], drafts: [string, string][]): Promise<Card[]> {
  const encounterId = latestEncounterId(resources);
  const orders = drafts.map(([code, display]) => draftOrder(patientId, code, display, encounterId));
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-order-sign`, { body: orderRequest({ patientId, encounterId, drafts: orders, prefetch: standardPrefetch(resources, encounterId) }) });
  expect(response.status).toBe(200);
  response.body.cards.forEach(expectWellFormedCard);
  return response.body.cards;
}

async function review(patientId: string, resources: FhirResource[]): Promise<Card[]> {
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-medication-review`, {
    body: { hook: 'patient-view', hookInstance: `read3-${Date.now()}`, context: { patientId }, prefetch: standardPrefetch(resources) },
  });
  expect(response.status).toBe(200);
  response.body.cards.forEach(expectWellFormedCard);
  return response.body.cards;
}

const astemizole: [string, string] = ['197378', 'Astemizole 10 MG Oral Tablet'];

describe('a drug withdrawn from the market', () => {
  test('a draft of astemizole: a warning that says it is withdrawn and why', async () => {
    const card = about(await sign(PLAIN_PATIENT, plain, [astemizole]), /astemizole/i);
    expect(topics(card)).toContainEqual({ topic: 'withdrawnDrug', indicator: 'warning' });
    expect(card?.detail).toMatch(/\*\*Withdrawn drug\*\*: astemizole is withdrawn from the market for safety \(QT prolongation, torsades de pointes\)\.\n\nChoose a drug that is on the market/);
    expect(card?.detail).toMatch(/Source: 21 CFR 216\.24/);
  });

  test('an old active astemizole in the chart review: a warning to review and replace it', async () => {
    const withAstemizole = [...plain, activeOrder(PLAIN_PATIENT, astemizole[0], astemizole[1], '2019-01-01T00:00:00Z')];
    const card = about(await review(PLAIN_PATIENT, withAstemizole), /astemizole/i);
    expect(topics(card)).toContainEqual({ topic: 'withdrawnDrug', indicator: 'warning' });
    expect(card?.detail).toMatch(/the record may be out of date/);
  });
});

test('discharge: every active drug is on the list, with its figure or its safety card', async () => {
  const encounterId = latestEncounterId(warfarin);
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-discharge-medications`, {
    body: { hook: 'encounter-discharge', hookInstance: `read3-d-${Date.now()}`, context: { patientId: WARFARIN_PATIENT, encounterId }, prefetch: standardPrefetch(warfarin, encounterId) },
  });
  expect(response.status).toBe(200);
  const list = response.body.cards.find((card) => card.source.topic?.code === 'dischargeMedications');
  const continued = /\*\*Continue \(active\)\*\*\n((?:- .*\n?)*)/.exec(list?.detail ?? '')?.[1] ?? '';
  // The patient takes warfarin, digoxin, verapamil and naproxen (src/samples/cds-requests.ts): all four are listed.
  for (const drug of [/warfarin/i, /digoxin/i, /verapamil/i, /naproxen/i]) expect(continued).toMatch(drug);
  expect(continued).toMatch(/see its card: interacts with/);
  expect(list?.summary).not.toMatch(/^Discharge medications: 1 to continue/);
});

test('a diuretic drafted beside hydrochlorothiazide/lisinopril and naproxen: the triple with naproxen, the shared ingredient a duplicate', async () => {
  const encounterId = latestEncounterId(plain);
  const combination = activeOrder(PLAIN_PATIENT, '197886', 'hydrochlorothiazide 12.5 MG / lisinopril 20 MG Oral Tablet', '2019-01-01T00:00:00Z');
  const naproxen = activeOrder(PLAIN_PATIENT, '849574', 'Naproxen sodium 220 MG Oral Tablet', '2019-01-02T00:00:00Z');
  const resources = [...plain, combination, naproxen];
  const draft = draftOrder(PLAIN_PATIENT, '310798', 'Hydrochlorothiazide 25 MG Oral Tablet', encounterId);
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-order-sign`, { body: orderRequest({ patientId: PLAIN_PATIENT, encounterId, drafts: [draft], prefetch: standardPrefetch(resources, encounterId) }) });
  const card = about(response.body.cards, /^Hydrochlorothiazide/);
  expect(card?.summary).toMatch(/^Hydrochlorothiazide: interacts with naproxen \(active\); duplicates hydrochlorothiazide 12\.5 MG \/ lisinopril 20 MG/);
  expect(card?.detail).not.toMatch(/naproxen \(a diuretic\)/);
  expect(card?.detail).not.toMatch(/Interaction with hydrochlorothiazide 12\.5 MG/);
});

test('an alteplase order from years ago still marked active is not reviewed as a current drug', async () => {
  const alteplase = activeOrder(PLAIN_PATIENT, '1804799', 'Alteplase 100 MG Injection', '2015-03-01T10:00:00Z');
  // With clopidogrel taken now, a current alteplase would be a bleeding interaction (the sweep's case).
  const clopidogrel = activeOrder(PLAIN_PATIENT, '309362', 'Clopidogrel 75 MG Oral Tablet', '2015-03-02T10:00:00Z');
  const cards = await review(PLAIN_PATIENT, [...plain, alteplase, clopidogrel]);
  expect(cards.map((card) => `${card.summary}\n${card.detail ?? ''}`).join('\n')).not.toMatch(/alteplase/i);
});
