/**
 * The cases of issue 15 that are about applying the knowledge, through the real service (real model, tables,
 * SQLite, HTTP) on shared Synthea patients: dual antiplatelet therapy after a STEMI is not a duplicate;
 * clopidogrel + prasugrel and simvastatin + rosuvastatin are; a draft of an active drug is a renewal; no
 * thrombolytic is suggested to the 88-year-old with coronary heart disease and a traumatic brain injury at a
 * routine check-up, and the SMART app says why; "contraindicated" only where the source says so; every card
 * and audit row names the knowledge version.
 */
import type { Condition, FhirResource, MedicationRequest } from 'fhir/r4';
import type { AppAssessment } from '../../src/cds/app-wire';
import type { Card } from '../../src/cds/types';
import { SqliteStore } from '../../src/store';
import {
  call,
  draftOrder,
  expectWellFormedCard,
  latestEncounterId,
  loadPatient,
  ofType,
  orderRequest,
  PLAIN_PATIENT,
  RXNORM,
  standardPrefetch,
  startApp,
  type CardsResponse,
  type RunningApp,
} from './helpers';

/** 88 years old in 2026, coronary heart disease and "Brain damage - traumatic", on clopidogrel and naproxen (issue 15). */
const ELDERLY_CHD_TBI = '190524df-4de5-4c01-8560-8b41e23c3b84';
const SNOMED = 'http://snomed.info/sct';

let app: RunningApp;
let plain: FhirResource[];
let elderly: FhirResource[];
let healthz: { knowledgeVersion: string };

beforeAll(async () => {
  app = await startApp({ CDS_DEADLINE_MS: '20000' });
  plain = loadPatient(PLAIN_PATIENT);
  elderly = loadPatient(ELDERLY_CHD_TBI);
  healthz = (await call<{ knowledgeVersion: string }>(`${app.url}/healthz`)).body;
});
afterAll(() => app.close());

const byTopic = (cards: Card[], code: string): Card[] => cards.filter((card) => card.source.topic?.code === code);
const interrupting = (cards: Card[]): Card[] => cards.filter((card) => card.indicator !== 'info');

function encounterStart(resources: FhirResource[], encounterId: string): Date {
  const encounter = ofType(resources, 'Encounter').find((e) => e.id === encounterId);
  return new Date(encounter?.period?.start ?? Date.now());
}

function condition(patientId: string, code: string, display: string, onset: Date): Condition {
  return {
    resourceType: 'Condition',
    id: `added-${code}`,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: SNOMED, code, display }], text: display },
    subject: { reference: `Patient/${patientId}` },
    onsetDateTime: onset.toISOString(),
  };
}

function activeOrder(patientId: string, code: string, display: string, authored: Date): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: `active-${code}`,
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code, display }], text: display },
    subject: { reference: `Patient/${patientId}` },
    authoredOn: authored.toISOString(),
  };
}

const daysBefore = (date: Date, days: number): Date => new Date(date.getTime() - days * 86_400_000);

async function sign(patientId: string, resources: FhirResource[], drafts: [string, string][]): Promise<{ cards: Card[]; hookInstance: string; draftIds: string[] }> {
  const encounterId = latestEncounterId(resources);
  const orders = drafts.map(([code, display]) => draftOrder(patientId, code, display, encounterId));
  const request = orderRequest({ patientId, encounterId, drafts: orders, prefetch: standardPrefetch(resources, encounterId) });
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-order-sign`, { body: request });
  expect(response.status).toBe(200);
  for (const card of response.body.cards) {
    expectWellFormedCard(card);
    // Every card names the knowledge it was judged with.
    expect(card.detail).toMatch(new RegExp(`_Knowledge version ${healthz.knowledgeVersion.replace(/[+]/g, '\\+')}\\._$`));
  }
  return { cards: response.body.cards, hookInstance: request.hookInstance as string, draftIds: orders.map((o) => o.id as string) };
}

describe('dual antiplatelet therapy', () => {
  // The plain patient's own record: a myocardial infarction, PCI and CABG a week before the last visit.
  const EVENTS = new Set(['22298006', '399211009', '415070008', '232717009', '53741008']);
  const eventFree = (): FhirResource[] =>
    plain.filter((r) => !((r.resourceType === 'Condition' || r.resourceType === 'Procedure') && EVENTS.has(r.code?.coding?.[0]?.code ?? '')));
  const withAspirin = (base: FhirResource[], extra: FhirResource[] = []): FhirResource[] => {
    const start = encounterStart(plain, latestEncounterId(plain));
    return [...base, activeOrder(PLAIN_PATIENT, '243670', 'Aspirin 81 MG Oral Tablet', daysBefore(start, 50)), ...extra];
  };

  test('clopidogrel with aspirin a week after the own MI, PCI and CABG of the record: no duplicate, nothing interrupting about the pair', async () => {
    const { cards } = await sign(PLAIN_PATIENT, withAspirin(plain), [['309362', 'Clopidogrel 75 MG Oral Tablet']]);
    expect(byTopic(cards, 'duplicateTherapy')).toEqual([]);
    expect(interrupting(cards).filter((card) => /aspirin/i.test(`${card.summary} ${card.detail}`))).toEqual([]);
  });

  test('two months after a STEMI (the only event): no duplicate, nothing interrupting about the pair', async () => {
    const start = encounterStart(plain, latestEncounterId(plain));
    const stemi = condition(PLAIN_PATIENT, '401303003', 'Acute ST segment elevation myocardial infarction (disorder)', daysBefore(start, 60));
    const { cards } = await sign(PLAIN_PATIENT, withAspirin(eventFree(), [stemi]), [['309362', 'Clopidogrel 75 MG Oral Tablet']]);
    expect(byTopic(cards, 'duplicateTherapy')).toEqual([]);
    expect(interrupting(cards).filter((card) => /aspirin/i.test(`${card.summary} ${card.detail}`))).toEqual([]);
  });

  test('without a coronary event, stent or stroke in the record: a duplicate-therapy warning naming aspirin', async () => {
    const { cards } = await sign(PLAIN_PATIENT, withAspirin(eventFree()), [['309362', 'Clopidogrel 75 MG Oral Tablet']]);
    const [duplicate] = byTopic(cards, 'duplicateTherapy');
    expect(duplicate?.indicator).toBe('warning');
    // Without an event the clopidogrel has no indication either (issue 16.1): both findings on its one card.
    expect(duplicate?.summary).toMatch(/^Clopidogrel: duplicates Aspirin 81 MG Oral Tablet \(active; aspirin with a P2Y12 inhibitor.*; no indication/);
    expect(duplicate?.detail).toMatch(/Source: ACC\/AHA 2016 DAPT/);
  });

  test('14 months after the STEMI: information to review continuing, not a warning', async () => {
    const start = encounterStart(plain, latestEncounterId(plain));
    const stemi = condition(PLAIN_PATIENT, '401303003', 'Acute ST segment elevation myocardial infarction (disorder)', daysBefore(start, 425));
    const { cards } = await sign(PLAIN_PATIENT, withAspirin(eventFree(), [stemi]), [['309362', 'Clopidogrel 75 MG Oral Tablet']]);
    const [duplicate] = byTopic(cards, 'duplicateTherapy');
    expect(duplicate?.indicator).toBe('info');
    expect(duplicate?.detail).toMatch(/review whether to continue/);
  });
});

describe('duplicates of drugs outside the vocabulary', () => {
  test('clopidogrel active + prasugrel draft → two P2Y12 inhibitors (on the one card of the draft, beside its interactions)', async () => {
    const { cards } = await sign(ELDERLY_CHD_TBI, elderly, [['855812', 'prasugrel 10 MG Oral Tablet']]);
    const card = cards.find((c) => /\*\*Duplicate therapy with Clopidogrel 75 MG Oral Tablet\*\* \(active\): two P2Y12 inhibitors\./.test(c.detail ?? ''));
    expect(card?.summary).toMatch(/duplicates Clopidogrel 75 MG Oral Tablet \(active; two P2Y12 inhibitors\)/);
    expect(['warning', 'critical']).toContain(card?.indicator);
  });

  test('simvastatin active + rosuvastatin draft → two statins', async () => {
    const { cards } = await sign(PLAIN_PATIENT, plain, [['859424', 'rosuvastatin calcium 5 MG Oral Tablet']]);
    const [duplicate] = byTopic(cards, 'duplicateTherapy');
    expect(duplicate?.indicator).toBe('warning');
    expect(duplicate?.summary).toBe('Duplicate therapy: rosuvastatin calcium 5 MG Oral Tablet and Simvastatin 20 MG Oral Tablet (two statins)');
    expect(duplicate?.detail).toMatch(/What to do: keep one statin/);
  });
});

test('a draft of the active simvastatin is a renewal naming the active order, not a duplicate', async () => {
  const activeSimvastatin = ofType(plain, 'MedicationRequest').find((m) => m.status === 'active' && /Simvastatin/.test(m.medicationCodeableConcept?.coding?.[0]?.display ?? ''));
  // Without the amlodipine (whose interaction note with simvastatin would share the draft's card), the renewal is the card.
  const withoutAmlodipine = plain.filter((r) => !(r.resourceType === 'MedicationRequest' && /Amlodipine/i.test(r.medicationCodeableConcept?.coding?.[0]?.display ?? '')));
  const { cards } = await sign(PLAIN_PATIENT, withoutAmlodipine, [['312961', 'Simvastatin 20 MG Oral Tablet']]);
  expect(cards.filter((c) => /Duplicate therapy/.test(`${c.summary} ${c.detail}`))).toEqual([]);
  expect(byTopic(cards, 'duplicateTherapy')).toEqual([]);
  const [renewal] = byTopic(cards, 'renewalOfActive');
  expect(renewal?.indicator).toBe('info');
  expect(renewal?.summary).toBe(`Renewal of active Simvastatin 20 MG Oral Tablet, ordered ${activeSimvastatin?.authoredOn?.slice(0, 10)}`);
});

describe('the 88-year-old with coronary heart disease and a traumatic brain injury, at a routine check-up', () => {
  test('no thrombolytic is suggested in any card', async () => {
    const { cards } = await sign(ELDERLY_CHD_TBI, elderly, [['313782', 'Acetaminophen 325 MG Oral Tablet']]);
    const offered = cards.flatMap((card) => (card.suggestions ?? []).flatMap((s) => [s.label, ...(s.actions ?? []).map((a) => JSON.stringify(a))]));
    expect(offered.filter((text) => /alteplase|thrombolys/i.test(text))).toEqual([]);
    expect(cards.filter((card) => /Consider alteplase/i.test(card.summary))).toEqual([]);
  });

  test('the SMART app does not list alteplase as recommended with no safety finding', async () => {
    const encounterId = latestEncounterId(elderly);
    const resources: Record<string, FhirResource[]> = {};
    for (const type of ['Patient', 'Encounter', 'Condition', 'Procedure', 'MedicationRequest', 'AllergyIntolerance']) resources[type] = elderly.filter((r) => r.resourceType === type);
    const response = await call<AppAssessment>(`${app.url}/app/api/assessment`, { body: { patientId: ELDERLY_CHD_TBI, encounterId, resources }, headers: { origin: app.url } });
    expect(response.status).toBe(200);
    const alteplase = response.body.model?.candidates.find((c) => c.candidate === 'alteplase');
    expect(alteplase).toBeDefined();
    // Whatever the model says, the app shows why alteplase is not for this visit: specialist use, and contraindicated after head trauma.
    expect(alteplase?.safety.map((note) => note.kind)).toEqual(expect.arrayContaining(['setting', 'contraindication']));
    expect(alteplase?.safety.find((note) => note.kind === 'contraindication')).toMatchObject({ severity: 'critical', text: expect.stringMatching(/^Contraindicated with Brain damage - traumatic/) });
    if (alteplase?.recommended) expect(alteplase.withheld).toMatch(/contraindicated with Brain damage - traumatic|specialist use only/);
  });
});

describe('words that match the evidence', () => {
  const withCondition = (code: string, display: string): FhirResource[] => {
    const start = encounterStart(plain, latestEncounterId(plain));
    // Osteoarthritis of the knee: the naproxen is indicated, so its card is about the kidney alone.
    return [...plain, condition(PLAIN_PATIENT, code, display, daysBefore(start, 400)), condition(PLAIN_PATIENT, '239873007', 'Osteoarthritis of knee (disorder)', daysBefore(start, 400))];
  };

  test('naproxen with CKD stage 3: "avoid prolonged use", never "contraindicated"', async () => {
    const { cards } = await sign(PLAIN_PATIENT, withCondition('433144002', 'Chronic kidney disease stage 3 (disorder)'), [['849574', 'Naproxen sodium 220 MG Oral Tablet']]);
    const [card] = byTopic(cards, 'contraindication');
    expect(card?.summary).toBe('Naproxen with Chronic kidney disease stage 3: avoid prolonged use');
    expect(`${card?.summary} ${card?.detail}`).not.toMatch(/contraindicat|\(disorder\)/i);
    expect(card?.detail).toMatch(/_Source: KDIGO 2012 CKD; AGS Beers Criteria 2023; FDA NSAID class labelling; rule nsaids-ckd/);
  });

  test('metformin with CKD stage 4: "contraindicated", as the FDA says', async () => {
    const { cards } = await sign(PLAIN_PATIENT, withCondition('431857002', 'Chronic kidney disease stage 4 (disorder)'), [['860975', '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet']]);
    const [card] = byTopic(cards, 'contraindication');
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toBe('Metformin with Chronic kidney disease stage 4: contraindicated (eGFR below 30)');
  });
});

test('the audit row stores the knowledge version the cards name', async () => {
  const { hookInstance } = await sign(PLAIN_PATIENT, plain, [['308182', 'Amoxicillin 250 MG Oral Capsule']]);
  expect(healthz.knowledgeVersion).toMatch(/^kb-[0-9a-f]{12}$/);
  const store = new SqliteStore(`${app.varDir}/lamo-cds.sqlite`);
  let row;
  for (let tries = 0; tries < 50 && !row; tries++) {
    row = (await store.listCalls()).find((c) => c.hookInstance === hookInstance);
    if (!row) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await store.close();
  expect(row?.knowledgeVersion).toBe(healthz.knowledgeVersion);
});
