/**
 * The CDS Hooks service over HTTP with the real model: discovery, each hook, prefetch variants, the 412 path,
 * the bad-input matrix, health endpoints, CORS and the audit trail.
 */
import { randomUUID } from 'crypto';
import type { Bundle, FhirResource, MedicationRequest, OperationOutcome } from 'fhir/r4';
import { SqliteStore } from '../../src/store';
import type { Card } from '../../src/cds/types';
import { medicationRequestErrors } from './fhir-schema';
import {
  call,
  draftOrder,
  expectWellFormedCard,
  latestEncounterId,
  loadPatient,
  ofType,
  orderRequest,
  PLAIN_PATIENT,
  searchset,
  standardPrefetch,
  startApp,
  WARFARIN_PATIENT,
  type CardsResponse,
  type RunningApp,
} from './helpers';

let app: RunningApp;
let plain: FhirResource[];
let warfarin: FhirResource[];

beforeAll(async () => {
  // A generous deadline: these tests are about content; tests/cds/deadline.test.ts is about time.
  app = await startApp({ CDS_DEADLINE_MS: '20000' });
  plain = loadPatient(PLAIN_PATIENT);
  warfarin = loadPatient(WARFARIN_PATIENT);
});
afterAll(() => app.close());

const topic = (card: Card): string | undefined => card.source.topic?.code;
const topics = (cards: Card[]): string[] => cards.map(topic).filter((t): t is string => t !== undefined).sort();

async function post(service: string, body: unknown): Promise<CardsResponse> {
  return call(`${app.url}/cds-services/${service}`, { body });
}

/** All suggestions' create resources are R4-valid MedicationRequests; delete actions name a draft. */
function checkActions(cards: Card[], draftIds: string[]): void {
  for (const card of cards) {
    expectWellFormedCard(card);
    for (const suggestion of card.suggestions ?? []) {
      for (const action of suggestion.actions ?? []) {
        if (action.type === 'create') {
          const resource = action.resource as MedicationRequest;
          expect(medicationRequestErrors(resource)).toEqual([]);
          expect(resource.status).toBe('draft');
          expect(['proposal', 'order']).toContain(resource.intent);
          expect(resource.medicationCodeableConcept?.coding?.[0]?.system).toBe('http://www.nlm.nih.gov/research/umls/rxnorm');
          expect(resource.subject.reference).toMatch(/^Patient\//);
        } else if (action.type === 'delete') {
          expect(draftIds.map((id) => `MedicationRequest/${id}`)).toContain(action.resourceId);
        }
      }
    }
  }
}

describe('discovery', () => {
  test('lists the four services with prefetch templates in the spec token syntax only', async () => {
    const { status, body } = await call<{ services: Record<string, unknown>[] }>(`${app.url}/cds-services`);
    expect(status).toBe(200);
    const byId = new Map(body.services.map((s) => [s.id as string, s]));
    expect([...byId.keys()].sort()).toEqual(['lamo-discharge-medications', 'lamo-medication-review', 'lamo-order-select', 'lamo-order-sign']);
    expect(byId.get('lamo-order-select')?.hook).toBe('order-select');
    expect(byId.get('lamo-order-sign')?.hook).toBe('order-sign');
    expect(byId.get('lamo-discharge-medications')?.hook).toBe('encounter-discharge');
    expect(byId.get('lamo-medication-review')?.hook).toBe('patient-view');
    for (const service of body.services) {
      expect(typeof service.title).toBe('string');
      expect((service.description as string).length).toBeGreaterThan(20);
      expect(service).not.toHaveProperty('mode');
      const prefetch = service.prefetch as Record<string, string>;
      const types = Object.values(prefetch).map((q) => q.split(/[/?]/)[0]);
      for (const type of ['Patient', 'Condition', 'Procedure', 'DocumentReference', 'MedicationRequest', 'AllergyIntolerance']) {
        expect(types).toContain(type);
      }
      for (const template of Object.values(prefetch)) {
        for (const token of template.match(/\{\{[^}]*\}\}/g) ?? []) {
          expect(token).toMatch(/^\{\{(context\.(patientId|encounterId|userId)|userPractitionerId|userPractitionerRoleId|userPatientId|userRelatedPersonId)\}\}$/);
        }
      }
    }
  });
});

describe('hooks', () => {
  test('order-sign: every card well formed, suggestions valid R4 MedicationRequests, audit stored with a hashed patient', async () => {
    const encounterId = latestEncounterId(plain);
    const drafts = [
      draftOrder(PLAIN_PATIENT, '313782', 'Acetaminophen 325 MG Oral Tablet', encounterId),
      draftOrder(PLAIN_PATIENT, '308182', 'Amoxicillin 250 MG Oral Capsule', encounterId),
    ];
    const request = orderRequest({ patientId: PLAIN_PATIENT, encounterId, drafts, prefetch: standardPrefetch(plain, encounterId) });
    const response = await post('lamo-order-sign', request);
    expect(response.status).toBe(200);
    expect(Array.isArray(response.body.cards)).toBe(true);
    checkActions(response.body.cards, drafts.map((d) => d.id as string));
    // The model ran: no "recommendations unavailable" card.
    expect(topics(response.body.cards)).not.toContain('dataGap');

    // The audit row is written just after the answer.
    const store = new SqliteStore(`${app.varDir}/lamo-cds.sqlite`);
    let call;
    for (let tries = 0; tries < 50 && !call; tries++) {
      call = (await store.listCalls()).find((c) => c.hookInstance === request.hookInstance);
      if (!call) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await store.close();
    expect(call).toBeDefined();
    expect(call?.serviceId).toBe('lamo-order-sign');
    expect(call?.status).toBe(200);
    expect(call?.modelVersion).toBeTruthy();
    expect(call?.patientHash).toMatch(/^[0-9a-f]{64}$/);
    expect(call?.patientHash).not.toContain(PLAIN_PATIENT);
    expect(call?.cards.map((c) => c.uuid).sort()).toEqual(response.body.cards.map((c) => c.uuid).sort());
  });

  test('order-select: only the selected draft is judged by the model', async () => {
    const encounterId = latestEncounterId(plain);
    const selected = draftOrder(PLAIN_PATIENT, '999999', 'Unobtainium 5 MG Oral Tablet', encounterId);
    const other = draftOrder(PLAIN_PATIENT, '888888', 'Imaginarol 10 MG Oral Tablet', encounterId);
    const response = await post(
      'lamo-order-select',
      orderRequest({ hook: 'order-select', patientId: PLAIN_PATIENT, encounterId, drafts: [selected, other], selections: [`MedicationRequest/${selected.id}`], prefetch: standardPrefetch(plain, encounterId) }),
    );
    expect(response.status).toBe(200);
    checkActions(response.body.cards, [selected.id as string, other.id as string]);
    // The selected draft has a card of its own (not in the drug catalogue), which says the model does not score it
    // (K4: no separate "not assessed" card); the unselected draft is named nowhere.
    expect(response.body.cards.filter((c) => topic(c) === 'notAssessed')).toEqual([]);
    const own = response.body.cards.filter((c) => /Unobtainium/.test(c.summary));
    expect(own).toHaveLength(1);
    expect(own[0].detail).toMatch(/The LAMO model does not score unobtainium/i);
    expect(response.body.cards.map((c) => `${c.summary} ${c.detail}`).join(' ')).not.toContain('Imaginarol');
  });

  test('encounter-discharge: one discharge-list card', async () => {
    const encounterId = latestEncounterId(plain);
    const response = await post('lamo-discharge-medications', {
      hook: 'encounter-discharge',
      hookInstance: randomUUID(),
      context: { userId: 'Practitioner/example', patientId: PLAIN_PATIENT, encounterId },
      prefetch: standardPrefetch(plain, encounterId),
    });
    expect(response.status).toBe(200);
    checkActions(response.body.cards, []);
    const lists = response.body.cards.filter((c) => topic(c) === 'dischargeMedications');
    expect(lists).toHaveLength(1);
    expect(lists[0].detail).toContain('Continue');
    for (const suggestion of lists[0].suggestions ?? []) {
      const action = suggestion.actions?.[0];
      expect(action?.type).toBe('create');
      expect(action?.type === 'create' && action.resource.intent).toBe('order');
    }
  });

  test('patient-view medication review: interaction between the active warfarin and naproxen', async () => {
    const response = await post('lamo-medication-review', {
      hook: 'patient-view',
      hookInstance: randomUUID(),
      context: { userId: 'Practitioner/example', patientId: WARFARIN_PATIENT },
      prefetch: standardPrefetch(warfarin),
    });
    expect(response.status).toBe(200);
    checkActions(response.body.cards, []);
    const interaction = response.body.cards.find((c) => topic(c) === 'drugInteraction' && /warfarin/i.test(c.summary) && /naproxen/i.test(c.summary));
    expect(interaction).toBeDefined();
    expect(['warning', 'critical']).toContain(interaction?.indicator);
  });
});

describe('prefetch variants', () => {
  const encounterOf = (): string => latestEncounterId(warfarin);
  const ketorolac = (): MedicationRequest => draftOrder(WARFARIN_PATIENT, '834022', 'ketorolac tromethamine 10 MG Oral Tablet', encounterOf());
  /** The deterministic cards (safety) and whether the model ran. */
  const outline = (cards: Card[]): { safety: string[]; modelRan: boolean } => ({
    safety: topics(cards.filter((c) => ['drugInteraction', 'duplicateTherapy', 'allergyConflict'].includes(topic(c) ?? ''))),
    modelRan: !topics(cards).includes('dataGap'),
  });

  const SEARCH_OF: Record<string, string> = { allergies: 'AllergyIntolerance', notes: 'DocumentReference', procedures: 'Procedure', conditions: 'Condition', medications: 'MedicationRequest' };

  test('arbitrary keys and one batch-response bundle give the same cards as the discovery keys', async () => {
    const draft = ketorolac();
    const standard = await post('lamo-order-sign', orderRequest({ patientId: WARFARIN_PATIENT, encounterId: encounterOf(), drafts: [draft], prefetch: standardPrefetch(warfarin, encounterOf()) }));
    const batch: Bundle = {
      resourceType: 'Bundle',
      type: 'batch-response',
      // A search that found nothing answers an empty searchset whose self link names it (a null prefetch value).
      entry: Object.entries(standardPrefetch(warfarin, encounterOf()))
        .map(([key, value]): FhirResource | null => value ?? (SEARCH_OF[key] ? { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'self', url: `${SEARCH_OF[key]}?patient=${WARFARIN_PATIENT}` }] } : null))
        .filter((v): v is FhirResource => v !== null)
        .map((resource) => ({ resource, response: { status: '200 OK' } })),
    };
    const epicStyle = await post('lamo-order-sign', orderRequest({ patientId: WARFARIN_PATIENT, encounterId: encounterOf(), drafts: [draft], prefetch: { epicEverything: batch } }));
    expect(standard.status).toBe(200);
    expect(epicStyle.status).toBe(200);
    expect(outline(epicStyle.body.cards)).toEqual(outline(standard.body.cards));
    expect(outline(standard.body.cards).modelRan).toBe(true);
    expect(outline(standard.body.cards).safety).toContain('drugInteraction');
  });

  test('null means "queried, nothing found": the model still runs', async () => {
    const prefetch = { ...standardPrefetch(warfarin, encounterOf()), allergies: null, procedures: null, myConditions: null };
    delete (prefetch as Record<string, unknown>).conditions;
    const response = await post('lamo-order-sign', orderRequest({ patientId: WARFARIN_PATIENT, encounterId: encounterOf(), drafts: [ketorolac()], prefetch }));
    expect(response.status).toBe(200);
    expect(outline(response.body.cards).modelRan).toBe(true);
  });

  test('an OperationOutcome (failed query) leaves that data missing: safety cards plus an info card saying why', async () => {
    const failed: OperationOutcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout', diagnostics: 'query timed out' }] };
    const prefetch = { ...standardPrefetch(warfarin, encounterOf()), conditions: failed };
    const response = await post('lamo-order-sign', orderRequest({ patientId: WARFARIN_PATIENT, encounterId: encounterOf(), drafts: [ketorolac()], prefetch }));
    expect(response.status).toBe(200);
    const gap = response.body.cards.find((c) => topic(c) === 'dataGap');
    expect(gap?.indicator).toBe('info');
    expect(gap?.detail).toContain('Condition');
    expect(outline(response.body.cards).safety).toContain('drugInteraction');
  });

  test('no prefetch and no fhirServer, but draft orders: the draft checks run and the gap is explained', async () => {
    const drafts = [
      draftOrder(WARFARIN_PATIENT, '855332', 'Warfarin Sodium 5 MG Oral Tablet'),
      draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet'),
    ];
    const response = await post('lamo-order-sign', orderRequest({ patientId: WARFARIN_PATIENT, drafts }));
    expect(response.status).toBe(200);
    expect(outline(response.body.cards)).toEqual({ safety: ['drugInteraction'], modelRan: false });
    expect(response.body.cards.find((c) => topic(c) === 'dataGap')?.detail).toMatch(/no fhirServer/);
  });

  test('Patient/x and Encounter/y ids, draftOrders without type, STU3 shapes, Medication as contained and as entry', async () => {
    const encounterId = encounterOf();
    const stu3Conditions = ofType(warfarin, 'Condition').map((condition) => {
      const { clinicalStatus, encounter, ...rest } = condition;
      return { ...rest, clinicalStatus: clinicalStatus?.coding?.[0]?.code, context: encounter };
    });
    const prefetch = { ...standardPrefetch(warfarin, encounterId), conditions: searchset(stu3Conditions as unknown as FhirResource[]) };
    const contained: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: 'draft-contained',
      status: 'draft',
      intent: 'order',
      subject: { reference: `Patient/${WARFARIN_PATIENT}` },
      contained: [{ resourceType: 'Medication', id: 'med1', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '310965', display: 'Ibuprofen 200 MG Oral Tablet' }] } }],
      medicationReference: { reference: '#med1' },
    };
    const referenced: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: 'draft-referenced',
      status: 'draft',
      intent: 'order',
      subject: { reference: `Patient/${WARFARIN_PATIENT}` },
      medicationReference: { reference: 'Medication/med2' },
    };
    const body = orderRequest({ patientId: `Patient/${WARFARIN_PATIENT}`, encounterId: `Encounter/${encounterId}`, drafts: [], prefetch });
    (body.context as Record<string, unknown>).draftOrders = {
      resourceType: 'Bundle',
      entry: [
        { resource: contained },
        { resource: referenced },
        { resource: { resourceType: 'Medication', id: 'med2', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '834022', display: 'ketorolac tromethamine 10 MG Oral Tablet' }] } } },
      ],
    };
    const response = await post('lamo-order-sign', body);
    expect(response.status).toBe(200);
    checkActions(response.body.cards, ['draft-contained', 'draft-referenced']);
    const interactions = response.body.cards.filter((c) => topic(c) === 'drugInteraction').map((c) => c.summary.toLowerCase());
    expect(interactions.some((s) => s.includes('warfarin') && s.includes('ibuprofen'))).toBe(true);
    expect(interactions.some((s) => s.includes('warfarin') && s.includes('ketorolac'))).toBe(true);
    expect(outline(response.body.cards).modelRan).toBe(true);
  });
});

describe('412 Precondition Failed', () => {
  test('nothing to assess (no patient data, no orders) → 412 with an OperationOutcome', async () => {
    const response = await call<OperationOutcome>(`${app.url}/cds-services/lamo-medication-review`, {
      body: { hook: 'patient-view', hookInstance: randomUUID(), context: { userId: 'Practitioner/x', patientId: PLAIN_PATIENT } },
    });
    expect(response.status).toBe(412);
    expect(response.body.resourceType).toBe('OperationOutcome');
    expect(response.body.issue[0].diagnostics).toMatch(/nothing to assess/);
  });

  test('every prefetch query failed → 412 naming the failures', async () => {
    const failed: OperationOutcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'access denied' }] };
    const response = await call<OperationOutcome>(`${app.url}/cds-services/lamo-medication-review`, {
      body: { hook: 'patient-view', hookInstance: randomUUID(), context: { patientId: PLAIN_PATIENT }, prefetch: { conditions: failed, meds: failed } },
    });
    expect(response.status).toBe(412);
    expect(response.body.issue[0].diagnostics).toContain('access denied');
  });
});

describe('bad input', () => {
  const valid = (): Record<string, unknown> => ({ hook: 'patient-view', hookInstance: randomUUID(), context: { patientId: PLAIN_PATIENT } });
  type Init = { body?: unknown; raw?: string; headers?: Record<string, string>; method?: string };
  const cases: [string, string, number, Init, RegExp][] = [
    ['malformed JSON', 'lamo-medication-review', 400, { raw: '{"hook": "patient-view",' }, /not valid JSON/],
    ['a JSON array', 'lamo-medication-review', 400, { raw: '[1,2]' }, /JSON object/],
    ['an empty body', 'lamo-medication-review', 400, { raw: '' }, /hook is required/],
    ['not JSON content', 'lamo-medication-review', 400, { raw: 'hook=patient-view', headers: { 'content-type': 'text/plain' } }, /JSON object/],
    ['missing hook', 'lamo-medication-review', 400, { body: { ...valid(), hook: undefined } }, /hook is required/],
    ['missing hookInstance', 'lamo-medication-review', 400, { body: { ...valid(), hookInstance: undefined } }, /hookInstance is required/],
    ['missing context', 'lamo-medication-review', 400, { body: { ...valid(), context: undefined } }, /context is required/],
    ['context without patientId', 'lamo-medication-review', 400, { body: { ...valid(), context: { userId: 'Practitioner/1' } } }, /context\.patientId is required/],
    ['hook that does not match the service', 'lamo-order-sign', 400, { body: valid() }, /does not match service "lamo-order-sign"/],
    ['order-select without selections', 'lamo-order-select', 400, { body: { ...valid(), hook: 'order-select', context: { patientId: 'x', draftOrders: { resourceType: 'Bundle' } } } }, /context\.selections is required/],
    ['draftOrders that is not a Bundle', 'lamo-order-sign', 400, { body: { ...valid(), hook: 'order-sign', context: { patientId: 'x', draftOrders: { resourceType: 'Patient' } } } }, /context\.draftOrders\.resourceType/],
    ['prefetch value that is not a resource', 'lamo-medication-review', 400, { body: { ...valid(), prefetch: { x: 42 } } }, /prefetch/],
    ['fhirAuthorization without fhirServer', 'lamo-medication-review', 400, { body: { ...valid(), fhirAuthorization: { access_token: 'secret-token', token_type: 'Bearer' } } }, /fhirServer/],
    ['unknown service', 'no-such-service', 404, { body: valid() }, /no CDS service "no-such-service"/],
    ['GET on a service', 'lamo-order-sign', 405, { method: 'GET' }, /POST/],
    ['too large a body', 'lamo-medication-review', 413, { raw: JSON.stringify({ ...valid(), padding: 'x'.repeat(6 * 1024 * 1024) }) }, /larger/],
  ];
  test.each(cases)('%s: %s answers %i with an OperationOutcome saying what is wrong', async (_name, service, status, init, pattern) => {
    const response = await call<OperationOutcome>(`${app.url}/cds-services/${service}`, { ...init, method: init.method ?? 'POST' });
    expect(response.status).toBe(status);
    expect(response.body.resourceType).toBe('OperationOutcome');
    const text = response.body.issue.map((issue) => issue.diagnostics).join(' | ');
    expect(text).toMatch(pattern);
    expect(text).not.toContain('secret-token');
  });

  test('a feedback body without a feedback array → 400; unknown path → 404', async () => {
    const feedback = await call<OperationOutcome>(`${app.url}/cds-services/lamo-order-sign/feedback`, { body: { card: 'x' } });
    expect(feedback.status).toBe(400);
    expect(feedback.body.issue[0].diagnostics).toMatch(/feedback is required/);
    const nowhere = await call<OperationOutcome>(`${app.url}/nowhere`);
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.resourceType).toBe('OperationOutcome');
  });
});

describe('operations', () => {
  test('healthz, readyz and the model card', async () => {
    expect((await call(`${app.url}/healthz`)).status).toBe(200);
    const ready = await call<{ status: string; version: string }>(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    const card = await fetch(`${app.url}/model-card`);
    expect(card.status).toBe(200);
    expect(await card.text()).toMatch(/threshold|Model card/i);
  });

  test('CORS preflight allows Authorization and Content-Type', async () => {
    const response = await fetch(`${app.url}/cds-services/lamo-order-sign`, {
      method: 'OPTIONS',
      headers: { origin: 'https://ehr.example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

test('draft orders without a drug (a lab order): no model cards, no noise', async () => {
  const encounterId = latestEncounterId(plain);
  const lab = { resourceType: 'ServiceRequest', id: 'lab-1', status: 'draft', intent: 'order', subject: { reference: `Patient/${PLAIN_PATIENT}` }, code: { text: 'Lipid panel' } } as FhirResource;
  const response = await post('lamo-order-select', orderRequest({ hook: 'order-select', patientId: PLAIN_PATIENT, encounterId, drafts: [lab], prefetch: standardPrefetch(plain, encounterId) }));
  expect(response.status).toBe(200);
  expect(response.body.cards).toEqual([]);
});
