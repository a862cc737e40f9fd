/**
 * A product drafted several times in one order set is one regimen, not duplicate therapy of itself (issue 15's
 * alert load): Synthea's chemotherapy order sets (paclitaxel and cisplatin, one order per day of the cycle) and a
 * product entered twice get one information line, "ordered N times in this order set", and every other check
 * runs once for the product; two different products of one ingredient stay a duplicate warning. Through the real
 * service (real model, tables, SQLite, HTTP) on a shared Synthea patient.
 */
import type { Condition, FhirResource, MedicationRequest } from 'fhir/r4';
import type { Card } from '../../src/cds/types';
import { call, draftOrder, expectWellFormedCard, latestEncounterId, loadPatient, orderRequest, PLAIN_PATIENT, standardPrefetch, startApp, type CardsResponse, type RunningApp } from './helpers';

let app: RunningApp;
let plain: FhirResource[];

beforeAll(async () => {
  app = await startApp({ CDS_DEADLINE_MS: '20000' });
  plain = loadPatient(PLAIN_PATIENT);
});
afterAll(() => app.close());

const PACLITAXEL: [string, string] = ['583214', 'PACLitaxel 100 MG Injection'];
const CISPLATIN: [string, string] = ['1736854', 'Cisplatin 50 MG Injection'];
const LISINOPRIL: [string, string] = ['314076', 'lisinopril 10 MG Oral Tablet'];
const FENTANYL: [string, string] = ['245134', '72 HR Fentanyl 0.025 MG/HR Transdermal System'];

/** `count` orders of the product, a day apart when `daily` (a cycle), else identical. */
function copies([code, display]: [string, string], count: number, encounterId: string, daily: boolean): MedicationRequest[] {
  const first = Date.parse('2026-01-05T09:00:00Z');
  return Array.from({ length: count }, (_, day) => ({ ...draftOrder(PLAIN_PATIENT, code, display, encounterId), authoredOn: new Date(first + (daily ? day : 0) * 86_400_000).toISOString() }));
}

async function sign(drafts: MedicationRequest[], extra: FhirResource[] = []): Promise<Card[]> {
  const encounterId = latestEncounterId(plain);
  const request = orderRequest({ patientId: PLAIN_PATIENT, encounterId, drafts, prefetch: standardPrefetch([...plain, ...extra], encounterId) });
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-order-sign`, { body: request });
  expect(response.status).toBe(200);
  response.body.cards.forEach(expectWellFormedCard);
  return response.body.cards;
}

const about = (cards: Card[], word: RegExp): Card[] => cards.filter((card) => word.test(card.summary));
const warnings = (cards: Card[]): Card[] => cards.filter((card) => card.indicator !== 'info');

test('a chemotherapy cycle (paclitaxel ×5, cisplatin ×5, a day apart): no duplicate therapy, one card per product', async () => {
  const encounterId = latestEncounterId(plain);
  const cards = await sign([...copies(PACLITAXEL, 5, encounterId, true), ...copies(CISPLATIN, 5, encounterId, true)]);
  expect(cards.filter((card) => card.source.topic?.code === 'duplicateTherapy' || /duplicate/i.test(card.summary))).toEqual([]);
  for (const drug of [/paclitaxel/i, /cisplatin/i]) {
    // One card per product (the patient has no cancer: its missing indication is on the same card).
    const [card, ...more] = about(cards, drug).filter((c) => c.source.topic?.code !== 'notAssessed');
    expect(more).toEqual([]);
    expect(card.summary).toMatch(/ordered 5 times in this order set$/);
    expect(card.extension?.['lamo-cds-findings']).toContainEqual({ topic: 'repeatedOrder', indicator: 'info' });
    expect(card.extension?.['lamo-cds-findings']).not.toContainEqual(expect.objectContaining({ topic: 'duplicateTherapy' }));
    expect(card.detail).toMatch(/one regimen of 5 doses or administrations/);
    expect(card.detail).not.toMatch(/identical/);
  }
  // Ten orders of two drugs are two drugs for the "more than usual" count.
  expect(cards.some((card) => /^10 drugs ordered/.test(card.summary))).toBe(false);
});

test('one product entered twice (identical lisinopril orders): information naming the double entry, no duplicate warning', async () => {
  const cards = await sign(copies(LISINOPRIL, 2, latestEncounterId(plain), false));
  expect(warnings(about(cards, /lisinopril/i))).toEqual([]);
  const [line] = about(cards, /ordered 2 times in this order set/);
  expect(line?.summary).toBe('Lisinopril: ordered 2 times in this order set');
  expect(line?.indicator).toBe('info');
  expect(line?.detail).toMatch(/The 2 orders are identical \(same day and dose instructions\): if the product was entered twice by mistake, remove the extra order\./);
});

test('two different products of one ingredient (warfarin 5 mg and 1 mg) stay a duplicate warning', async () => {
  const encounterId = latestEncounterId(plain);
  const cards = await sign([draftOrder(PLAIN_PATIENT, '855332', 'Warfarin Sodium 5 MG Oral Tablet', encounterId), draftOrder(PLAIN_PATIENT, '855288', 'Warfarin Sodium 1 MG Oral Tablet', encounterId)]);
  const duplicate = cards.find((card) => /duplicates Warfarin Sodium 5 MG Oral Tablet \(being ordered; both contain warfarin\)|Duplicate therapy: Warfarin Sodium 1 MG Oral Tablet and Warfarin Sodium 5 MG Oral Tablet/.test(card.summary));
  expect(duplicate?.indicator).toBe('warning');
  expect(about(cards, /ordered 2 times/)).toEqual([]);
});

test('a caution about a repeated product comes once, on the one card of the product', async () => {
  const encounterId = latestEncounterId(plain);
  const abuse: Condition = {
    resourceType: 'Condition',
    id: 'added-opioid-abuse',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '5602001', display: 'Opioid abuse (disorder)' }], text: 'Opioid abuse (disorder)' },
    subject: { reference: `Patient/${PLAIN_PATIENT}` },
    onsetDateTime: '2015-01-01T00:00:00Z',
  };
  const cards = await sign(copies(FENTANYL, 3, encounterId, true), [abuse]);
  const fentanyl = about(cards, /fentanyl/i).filter((card) => card.source.topic?.code !== 'notAssessed');
  expect(fentanyl).toHaveLength(1);
  // Both cautions of the product on its one card: the patch with no opioid before (opioid-non-tolerant), and the abuse history.
  expect(fentanyl[0].summary).toMatch(/^Fentanyl: contraindicated in opioid-non-tolerant patients \(no opioid now or in the past 30 days\); avoid unless the benefit outweighs the/);
  expect(fentanyl[0].extension?.['lamo-cds-findings']).toEqual(expect.arrayContaining([expect.objectContaining({ topic: 'contraindication' }), { topic: 'repeatedOrder', indicator: 'info' }]));
  // The one remove-the-draft suggestion names one of the three orders.
  expect(fentanyl[0].suggestions).toHaveLength(1);
});
