/**
 * One answer for one patient (issue 16.3). The CDS Hooks sandbox never sends `encounterId`; the SMART app
 * knows the encounter from its launch. Both must judge the same visit and show the same figures: without
 * `encounterId` the service takes the encounter the drafts name, else the patient's encounter in progress, and
 * says in the detail when it judged without today's encounter.
 */
import type { Encounter, FhirResource } from 'fhir/r4';
import type { AppAssessment } from '../../src/cds/app-wire';
import type { Card } from '../../src/cds/types';
import { call } from '../cds/helpers';
import { draftOrder, latestEncounterId, orderRequest, PLAIN_PATIENT, WARFARIN_PATIENT } from '../support/cds-requests';
import { fullPrefetch, startWorld, type AppWorld } from './helpers';

const TYPES = ['Encounter', 'Condition', 'Procedure', 'MedicationRequest', 'AllergyIntolerance', 'DocumentReference'] as const;
const COUGH_SYRUP = 'Acetaminophen 21.7 MG/ML / Dextromethorphan Hydrobromide 1 MG/ML / doxylamine succinate 0.417 MG/ML Oral Solution';
const AMOXICILLIN_CLAVULANATE = ['562251', 'Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet'] as const;

let world: AppWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

/** The patient's record with the latest encounter still going on (the EHR's "now"). */
function withVisitInProgress(): { resources: FhirResource[]; encounterId: string } {
  const resources = world.patients.get(WARFARIN_PATIENT) as FhirResource[];
  const encounterId = latestEncounterId(resources);
  return {
    encounterId,
    resources: resources.map((r) => {
      if (r.resourceType !== 'Encounter' || r.id !== encounterId) return r;
      const open: Encounter = { ...r, status: 'in-progress', period: { start: r.period?.start } };
      return open;
    }),
  };
}

const strip = (cards: Card[]) => cards.map(({ uuid: _u, suggestions, links: _l, ...card }) => ({ ...card, suggestions: suggestions?.map(({ uuid: _s, ...s }) => s) }));

async function hookCards(resources: FhirResource[], draft: FhirResource): Promise<Card[]> {
  const response = await call<{ cards: Card[] }>(`${world.service.url}/cds-services/lamo-order-sign`, {
    body: orderRequest({ patientId: WARFARIN_PATIENT, drafts: [draft], prefetch: fullPrefetch(resources, WARFARIN_PATIENT) }),
  });
  expect(response.status).toBe(200);
  return response.body.cards;
}

async function appAssessment(resources: FhirResource[], draft: FhirResource, encounterId?: string): Promise<AppAssessment> {
  const body = {
    patientId: WARFARIN_PATIENT,
    ...(encounterId ? { encounterId } : {}),
    resources: Object.fromEntries([['Patient', resources.filter((r) => r.resourceType === 'Patient')], ...TYPES.map((t) => [t, resources.filter((r) => r.resourceType === t)])]),
    draftOrders: [draft],
  };
  const response = await call<AppAssessment>(`${world.service.url}/app/api/assessment`, {
    body,
    headers: { origin: world.service.url, authorization: `Bearer ${world.ehr.issueToken(WARFARIN_PATIENT)}`, 'x-fhir-server': world.ehr.fhirBase },
  });
  expect(response.status).toBe(200);
  return response.body;
}

const probabilityText = (cards: Card[], candidate: string): string | undefined =>
  cards.map((card) => new RegExp(`P\\(yes\\) for ${candidate.replace(/[/]/g, '\\/')} at this visit: ([0-9.]+%)`).exec(card.detail ?? '')?.[1]).find((p) => p !== undefined);

test('a hook call without encounterId and the app launched in the encounter in progress: the same cards, the same P(yes)', async () => {
  const { resources, encounterId } = withVisitInProgress();
  const draft = draftOrder(WARFARIN_PATIENT, ...AMOXICILLIN_CLAVULANATE, undefined, 'draft-amoxiclav');
  const hook = await hookCards(resources, draft);
  const app = await appAssessment(resources, draft, encounterId);
  const appWithout = await appAssessment(resources, draft);
  expect(strip(app.cards)).toEqual(strip(hook));
  expect(strip(appWithout.cards)).toEqual(strip(hook));
  // The candidate's figure is the same in the app's table and in the card.
  const candidate = app.model?.candidates.find((c) => c.candidate === 'amoxicillin / clavulanate');
  expect(candidate?.status).toBe('draft');
  expect(appWithout.model?.candidates.find((c) => c.candidate === 'amoxicillin / clavulanate')?.probability).toBe(candidate?.probability);
  // Amoxicillin/clavulanate with nothing to treat: the card about the draft shows the model's figure.
  expect(probabilityText(hook, 'amoxicillin / clavulanate')).toBe(`${((candidate?.probability ?? 0) * 100).toFixed((candidate?.probability ?? 0) < 0.1 ? 1 : 0)}%`);
  // The decision was about the visit: no card says it was made without one.
  for (const card of hook) expect(card.detail).not.toMatch(/without today's encounter/);
});

test('the encounter the drafts name is the one judged, as if the context had named it', async () => {
  const resources = world.patients.get(WARFARIN_PATIENT) as FhirResource[];
  const encounterId = latestEncounterId(resources);
  const draft = draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet', encounterId, 'draft-ibuprofen');
  const named = await call<{ cards: Card[] }>(`${world.service.url}/cds-services/lamo-order-sign`, {
    body: orderRequest({ patientId: WARFARIN_PATIENT, encounterId, drafts: [draft], prefetch: fullPrefetch(resources, WARFARIN_PATIENT) }),
  });
  const fromDrafts = await hookCards(resources, draft);
  expect(strip(fromDrafts)).toEqual(strip(named.body.cards));
});

test('no encounter named and none in progress: the app says the decision was made without today\'s encounter, as the cards do', async () => {
  const resources = world.patients.get(WARFARIN_PATIENT) as FhirResource[];
  const draft = draftOrder(WARFARIN_PATIENT, ...AMOXICILLIN_CLAVULANATE, undefined, 'draft-amoxiclav');
  const app = await appAssessment(resources, draft);
  expect(app.encounter).toEqual({ basis: 'none' });
  for (const card of app.cards.filter((c) => /The model read/.test(c.detail ?? ''))) expect(card.detail).toMatch(/Judged without today's encounter/);
  const { encounterId } = withVisitInProgress();
  expect((await appAssessment(withVisitInProgress().resources, draft)).encounter).toEqual({ id: encounterId, basis: 'in progress' });
});

test('a cough syrup ordered within the last year but stopped is no current medication; the model\'s reading lists it under what it is', async () => {
  const resources = world.patients.get(PLAIN_PATIENT) as FhirResource[];
  const encounterId = latestEncounterId(resources);
  const start = (resources.find((r) => r.resourceType === 'Encounter' && r.id === encounterId) as Encounter).period?.start as string;
  const syrup: FhirResource = {
    resourceType: 'MedicationRequest',
    id: 'cough-syrup-stopped',
    status: 'stopped',
    intent: 'order',
    subject: { reference: `Patient/${PLAIN_PATIENT}` },
    authoredOn: new Date(Date.parse(start) - 60 * 86_400_000).toISOString(),
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1043400', display: COUGH_SYRUP }], text: COUGH_SYRUP },
  };
  const withSyrup = [...resources, syrup];
  const body = {
    patientId: PLAIN_PATIENT,
    encounterId,
    resources: Object.fromEntries([['Patient', withSyrup.filter((r) => r.resourceType === 'Patient')], ...TYPES.map((t) => [t, withSyrup.filter((r) => r.resourceType === t)])]),
  };
  const response = await call<AppAssessment>(`${world.service.url}/app/api/assessment`, {
    body,
    headers: { origin: world.service.url, authorization: `Bearer ${world.ehr.issueToken(PLAIN_PATIENT)}`, 'x-fhir-server': world.ehr.fhirBase },
  });
  expect(response.status).toBe(200);
  const app = response.body;
  expect(app.medications.length).toBeGreaterThan(0);
  expect(app.medications.map((m) => m.display)).not.toContain(COUGH_SYRUP);
  expect(app.model?.evidence.medicationsOnAdmission).toContain('acetaminophen / dextromethorphan / doxylamine');
  for (const card of app.cards) expect(card.detail ?? '').not.toMatch(/Current medications/);
});
