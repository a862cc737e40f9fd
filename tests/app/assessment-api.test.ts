/**
 * POST /app/api/assessment over HTTP, without a browser: the checks that keep it the app's own endpoint
 * (same origin, the launch's SMART token verified by a Patient read at a configured FHIR server without
 * introspection: tests/app/token-binding.test.ts has the EHRs with it), bad input, what it reads from the FHIR
 * server (its SMART configuration and the Patient only), and the card links' switch.
 */
import type { Card } from '../../src/cds/types';
import type { AppAssessment } from '../../src/cds/app-wire';
import { loadConfig } from '../../src/server/config';
import { call, startApp } from '../cds/helpers';
import { PLAIN_PATIENT, WARFARIN_PATIENT, draftOrder, latestEncounterId, loadPatient, orderRequest } from '../support/cds-requests';
import { fullPrefetch, startWorld, type AppWorld } from './helpers';

const TYPES = ['Encounter', 'Condition', 'Procedure', 'MedicationRequest', 'AllergyIntolerance', 'DocumentReference'] as const;

describe('assessment endpoint', () => {
  let world: AppWorld;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  const body = (patientId: string): Record<string, unknown> => {
    const resources = world.patients.get(patientId)!;
    return {
      patientId,
      resources: Object.fromEntries([['Patient', resources.filter((r) => r.resourceType === 'Patient')], ...TYPES.map((t) => [t, resources.filter((r) => r.resourceType === t)])]),
    };
  };
  const post = (payload: unknown, headers: Record<string, string>) => call<AppAssessment>(`${world.service.url}/app/api/assessment`, { body: payload, headers });
  const good = (patientId: string): Record<string, string> => ({
    origin: world.service.url,
    authorization: `Bearer ${world.ehr.issueToken(patientId)}`,
    'x-fhir-server': world.ehr.fhirBase,
  });

  test('a same-origin call with the launch token gets the assessment; only the SMART configuration and the Patient are read from the FHIR server', async () => {
    const before = world.ehr.log.length;
    const response = await post(body(PLAIN_PATIENT), good(PLAIN_PATIENT));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    // The SMART configuration says whether introspection is offered (this EHR offers none): then the Patient read.
    expect(world.ehr.log.slice(before)).toEqual(['fhir GET /fhir/.well-known/smart-configuration', `fhir GET /fhir/Patient/${PLAIN_PATIENT}`]);
    const a = response.body;
    expect(a.hook).toBe('patient-view');
    expect(a.model?.candidates.length).toBeGreaterThan(50);
    const ps = a.model!.candidates.map((c) => c.probability);
    expect([...ps].sort((x, y) => y - x)).toEqual(ps);
    for (const c of a.model!.candidates) expect(c.recommended).toBe(c.probability >= c.threshold);
    expect(a.problems.length).toBeGreaterThan(0);
    expect(a.medications.length).toBeGreaterThan(0);
  });

  test('with draft orders: the cards are the order-sign hook\'s for the same data', async () => {
    const resources = world.patients.get(WARFARIN_PATIENT)!;
    const encounterId = latestEncounterId(resources);
    const draft = draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet', encounterId, 'draft-1');
    const hook = await call<{ cards: Card[] }>(`${world.service.url}/cds-services/lamo-order-sign`, {
      body: orderRequest({ patientId: WARFARIN_PATIENT, encounterId, drafts: [draft], prefetch: fullPrefetch(resources, WARFARIN_PATIENT) }),
    });
    const app = await post({ ...body(WARFARIN_PATIENT), encounterId, draftOrders: [draft] }, good(WARFARIN_PATIENT));
    expect(app.status).toBe(200);
    expect(app.body.hook).toBe('order-sign');
    const strip = (cards: Card[]) => cards.map(({ uuid: _u, suggestions, links: _l, ...card }) => ({ ...card, suggestions: suggestions?.map(({ uuid: _s, ...s }) => s) }));
    expect(strip(app.body.cards)).toEqual(strip(hook.body.cards));
    expect(app.body.drafts).toEqual([{ id: 'draft-1', display: 'Ibuprofen 200 MG Oral Tablet', candidate: 'ibuprofen' }]);
  });

  test('cross-origin, tokenless, foreign-patient and unknown-server calls are refused', async () => {
    const payload = body(PLAIN_PATIENT);
    expect((await post(payload, { ...good(PLAIN_PATIENT), origin: 'https://evil.example' })).status).toBe(403);
    const { origin: _o, ...noOrigin } = good(PLAIN_PATIENT);
    expect((await post(payload, noOrigin)).status).toBe(403);
    expect((await post(payload, { ...good(PLAIN_PATIENT), authorization: '' })).status).toBe(401);
    // A token granted for another patient does not open this one.
    const other = await post(payload, good(WARFARIN_PATIENT));
    expect(other.status).toBe(401);
    expect(other.body).toBeUndefined();
    expect((await post(payload, { ...good(PLAIN_PATIENT), 'x-fhir-server': 'http://127.0.0.1:9/fhir' })).status).toBe(401);
    expect((await post(payload, { ...good(PLAIN_PATIENT), authorization: 'Bearer not-a-token-we-issued' })).status).toBe(401);
  });

  test('malformed requests get 400 with an OperationOutcome naming the field', async () => {
    for (const [payload, field] of [
      [{ resources: {} }, 'patientId'],
      [{ patientId: PLAIN_PATIENT, resources: [] }, 'resources'],
      [{ patientId: PLAIN_PATIENT, resources: { Claim: [] } }, 'Claim'],
      [{ patientId: PLAIN_PATIENT, resources: {}, draftOrders: 'x' }, 'draftOrders'],
    ] as const) {
      const response = await post(payload, good(PLAIN_PATIENT));
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain(field);
      expect((response.body as unknown as { resourceType: string }).resourceType).toBe('OperationOutcome');
    }
  });

  test('the app and its configuration are served with a strict Content-Security-Policy', async () => {
    const page = await fetch(`${world.service.url}/app/launch.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe-eval');
    const config = await call<{ clientId: string; scope: string }>(`${world.service.url}/app/config.json`);
    expect(config.body).toEqual({ clientId: 'lamo-cds-test', scope: 'openid fhirUser patient/*.read' });
  });
});

describe('app settings', () => {
  test('LAMO_APP_LINKS=off: cards carry no smart link', async () => {
    const service = await startApp({ LAMO_APP_LINKS: 'off' });
    try {
      const resources = loadPatient(WARFARIN_PATIENT);
      const draft = draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet');
      const hook = await call<{ cards: Card[] }>(`${service.url}/cds-services/lamo-order-sign`, {
        body: orderRequest({ patientId: WARFARIN_PATIENT, drafts: [draft], prefetch: fullPrefetch(resources, WARFARIN_PATIENT) }),
      });
      expect(hook.body.cards.length).toBeGreaterThan(0);
      expect(hook.body.cards.filter((c) => c.links !== undefined)).toEqual([]);
    } finally {
      await service.close();
    }
  });

  test('settings are checked at start-up', () => {
    expect(loadConfig({}).smartApp).toEqual({ links: true, clientId: 'lamo-cds', fhirServers: [] });
    expect(loadConfig({ LAMO_APP_FHIR_SERVERS: 'https://ehr.example.org/fhir/, https://b.example/r4' }).smartApp.fhirServers).toEqual(['https://ehr.example.org/fhir', 'https://b.example/r4']);
    expect(() => loadConfig({ LAMO_APP_LINKS: 'maybe' })).toThrow(/LAMO_APP_LINKS/);
    expect(() => loadConfig({ LAMO_APP_FHIR_SERVERS: 'ftp://x' })).toThrow(/LAMO_APP_FHIR_SERVERS/);
    expect(() => loadConfig({ LAMO_APP_CLIENT_ID: 'a b' })).toThrow(/LAMO_APP_CLIENT_ID/);
  });
});
