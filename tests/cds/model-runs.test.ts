/**
 * The model runs in every case that has data (issue 16, "the model skipped"). The STU3 population names the
 * drug of its orders through Medication resources; at a patient's first visit with orders, the medications
 * search holds those Medications and no order yet. That search was not counted as the MedicationRequest query
 * (its entries were all Medications, and the searchset had no self link), so the model was skipped and a
 * data-gap card said the orders were missing.
 */
import * as path from 'path';
import type { Bundle, FhirResource } from 'fhir/r4';
import type { Card } from '../../src/cds/types';
import { loadPopulation } from '../../src/eval/clinical-check/population';
import { encounterCases, orderSignRequest } from '../../src/eval/clinical-check/scenarios';
import { loadCheckKnowledge } from '../../src/eval/clinical-check/run';
import { DEFAULT_MODEL_DIR, SHARED_DIR } from '../../src/paths';
import { call, draftOrder, latestEncounterId, loadPatient, orderRequest, PLAIN_PATIENT, standardPrefetch, startApp, type RunningApp } from './helpers';

let app: RunningApp;
beforeAll(async () => {
  app = await startApp({ CDS_DEADLINE_MS: '30000' });
});
afterAll(() => app?.close());

const topics = (cards: Card[]): (string | undefined)[] => cards.map((card) => card.source.topic?.code);

async function sign(body: unknown): Promise<Card[]> {
  const response = await call<{ cards: Card[] }>(`${app.url}/cds-services/lamo-order-sign`, { body });
  expect(response.status).toBe(200);
  return response.body.cards;
}

test('a medications searchset holding only Medication resources is a MedicationRequest search that found no order: the model runs', async () => {
  const plain = loadPatient(PLAIN_PATIENT);
  const encounterId = latestEncounterId(plain);
  const medication: FhirResource = { resourceType: 'Medication', id: 'm-1', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '308182', display: 'Amoxicillin 250 MG Oral Capsule' }] } };
  const medications: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: medication }] };
  const cards = await sign(orderRequest({ patientId: PLAIN_PATIENT, encounterId, drafts: [draftOrder(PLAIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet', encounterId)], prefetch: { ...standardPrefetch(plain, encounterId), medications } }));
  expect(topics(cards)).not.toContain('dataGap');
});

test('STU3 first visits with orders (drugs named through Medication resources): the model runs in every one', async () => {
  const { vocabulary: vocab, keyOf } = loadCheckKnowledge(DEFAULT_MODEL_DIR);
  const patients = loadPopulation(path.join(SHARED_DIR, 'data', 'synthea-stu3-1461'), { testOnly: false, maxPatients: 60 });
  // Each patient's first visit with orders, when no order was written before it: only the patient's Medications.
  const firstVisits = patients
    .map((patient) => encounterCases(patient, vocab, keyOf).sort((a, b) => (a.encounter.period?.start ?? '').localeCompare(b.encounter.period?.start ?? ''))[0])
    .filter((c) => c !== undefined && !c.history.some((r) => r.resourceType === 'MedicationRequest'))
    .slice(0, 4);
  expect(firstVisits.length).toBeGreaterThanOrEqual(3);
  for (const c of firstVisits) {
    const body = orderSignRequest(c, c.orders) as { prefetch: Record<string, Bundle> };
    const held = new Set((body.prefetch.medications.entry ?? []).map((entry) => entry.resource?.resourceType));
    expect(held.has('MedicationRequest')).toBe(false);
    expect(held.has('Medication')).toBe(true);
    expect(topics(await sign(body))).not.toContain('dataGap');
  }
});
