/**
 * A hospital's overrides file, through the real service: a rule lowered, one raised, one switched off; every
 * card and audit row names the local knowledge version, the changed card says what was changed and why, and
 * GET /knowledge lists every change, the switched-off rule included (adjustable, never silent).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Condition, FhirResource } from 'fhir/r4';
import type { Card } from '../../src/cds/types';
import { SqliteStore } from '../../src/store';
import { call, draftOrder, expectWellFormedCard, latestEncounterId, loadPatient, orderRequest, PLAIN_PATIENT, standardPrefetch, startApp, type CardsResponse, type RunningApp } from './helpers';

const ELDERLY_CHD_TBI = '190524df-4de5-4c01-8560-8b41e23c3b84';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-local-'));
const overridesFile = path.join(dir, 'local-overrides.json');
fs.writeFileSync(
  overridesFile,
  JSON.stringify({
    description: 'St Example P&T committee, 2026-04',
    rules: [
      { kind: 'duplicate', id: 'statins', severity: 'off', reason: 'statin switch clinic reviews every change' },
      { kind: 'duplicate', id: 'p2y12-inhibitors', severity: 'critical', reason: 'two bleeding deaths in 2025' },
      { kind: 'contraindication', id: 'nsaids-ckd', severity: 'info', reason: 'renal pharmacist reviews every NSAID order' },
    ],
    suggestions: [{ candidate: 'meperidine', reason: 'not on the formulary' }],
  }),
);

let app: RunningApp;
let plain: FhirResource[];
let version: string;

beforeAll(async () => {
  app = await startApp({ CDS_DEADLINE_MS: '20000', LAMO_KNOWLEDGE_OVERRIDES: overridesFile });
  plain = loadPatient(PLAIN_PATIENT);
  version = (await call<{ knowledgeVersion: string }>(`${app.url}/healthz`)).body.knowledgeVersion;
});
afterAll(async () => {
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const byTopic = (cards: Card[], code: string): Card[] => cards.filter((card) => card.source.topic?.code === code);

async function sign(patientId: string, resources: FhirResource[], code: string, display: string): Promise<{ cards: Card[]; hookInstance: string }> {
  const encounterId = latestEncounterId(resources);
  const request = orderRequest({ patientId, encounterId, drafts: [draftOrder(patientId, code, display, encounterId)], prefetch: standardPrefetch(resources, encounterId) });
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-order-sign`, { body: request });
  expect(response.status).toBe(200);
  for (const card of response.body.cards) {
    expectWellFormedCard(card);
    expect(card.detail?.endsWith(`_Knowledge version ${version}._`)).toBe(true);
  }
  return { cards: response.body.cards, hookInstance: request.hookInstance as string };
}

test('the knowledge version says local overrides are in force', () => {
  expect(version).toMatch(/^kb-[0-9a-f]{12}\+local-[0-9a-f]{8}$/);
});

test('switched off: a second statin gives no duplicate card here', async () => {
  const { cards } = await sign(PLAIN_PATIENT, plain, '617310', 'Atorvastatin 20 MG Oral Tablet');
  expect(byTopic(cards, 'duplicateTherapy')).toEqual([]);
});

test('raised: two P2Y12 inhibitors are critical here, and the card says who changed it and why', async () => {
  const { cards } = await sign(ELDERLY_CHD_TBI, loadPatient(ELDERLY_CHD_TBI), '855812', 'prasugrel 10 MG Oral Tablet');
  const [duplicate] = byTopic(cards, 'duplicateTherapy');
  expect(duplicate?.indicator).toBe('critical');
  expect(duplicate?.detail).toMatch(/_Severity set locally \(warning → critical\): two bleeding deaths in 2025\._/);
});

test('lowered: naproxen with CKD stage 3 is information here', async () => {
  const ckd: Condition = {
    resourceType: 'Condition',
    id: 'ckd3',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '433144002', display: 'Chronic kidney disease stage 3 (disorder)' }] },
    subject: { reference: `Patient/${PLAIN_PATIENT}` },
    onsetDateTime: '1990-01-01',
  };
  // Osteoarthritis of the knee: the naproxen is indicated, so its card is about the kidney alone.
  const knee: Condition = { ...ckd, id: 'oa-knee', code: { coding: [{ system: 'http://snomed.info/sct', code: '239873007', display: 'Osteoarthritis of knee' }] } };
  const { cards, hookInstance } = await sign(PLAIN_PATIENT, [...plain, ckd, knee], '849574', 'Naproxen sodium 220 MG Oral Tablet');
  const [card] = byTopic(cards, 'contraindication');
  expect(card?.indicator).toBe('info');
  expect(card?.detail).toMatch(/Severity set locally \(warning → info\): renal pharmacist reviews every NSAID order/);

  const store = new SqliteStore(`${app.varDir}/lamo-cds.sqlite`);
  let row;
  for (let tries = 0; tries < 50 && !row; tries++) {
    row = (await store.listCalls()).find((c) => c.hookInstance === hookInstance);
    if (!row) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await store.close();
  expect(row?.knowledgeVersion).toBe(version);
});

test('GET /knowledge lists every local change, the switched-off rule and suggestion included', async () => {
  const response = await call<{ version: string; files: { file: string; sha256: string }[]; overrides: { rules: unknown[]; switchedOff: string[]; suggestionsOff: { candidate: string }[]; sha256: string } }>(`${app.url}/knowledge`);
  expect(response.status).toBe(200);
  expect(response.body.version).toBe(version);
  expect(response.body.files.map((f) => f.file)).toEqual(expect.arrayContaining(['fhir-mappings/duplicate-therapy.json', 'fhir-mappings/suggestion-settings.json']));
  expect(response.body.overrides.rules).toHaveLength(3);
  expect(response.body.overrides.switchedOff).toEqual(['duplicate:statins']);
  expect(response.body.overrides.suggestionsOff.map((s) => s.candidate)).toEqual(['meperidine']);
  expect(response.body.overrides.sha256).toMatch(/^[0-9a-f]{64}$/);
});
