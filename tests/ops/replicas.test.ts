/**
 * Two replicas of the service (two processes) on one real PostgreSQL database, behind one public URL:
 * a JWT accepted by one is refused by the other, feedback posted to both is stored once, the audit has one
 * row per call, and /metrics counts it all with bounded labels (no patient in them).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PostgresStore } from '../../src/store';
import type { Card } from '../../src/cds/types';
import { TEST_MODEL_DIR } from '../cds/helpers';
import { draftOrder, latestEncounterId, loadPatient, orderRequest, standardPrefetch, WARFARIN_PATIENT } from '../support/cds-requests';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { metricValue, startService, stopService, testIssuer, type ServiceProcess } from '../support/service-process';

const PUBLIC_BASE = 'https://cds.test.example.org';
const SERVICE = 'lamo-order-sign';
let pg: TestPostgres;
let databaseUrl: string;
let replicas: ServiceProcess[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-cds-replicas-'));
const issuer = testIssuer(dir);
const aud = `${PUBLIC_BASE}/cds-services/${SERVICE}`;

beforeAll(async () => {
  pg = await startPostgres();
  databaseUrl = await pg.createDatabase('replicas');
  const env = { DATABASE_URL: databaseUrl, CDS_TRUSTED_ISSUERS_FILE: issuer.issuersFile, CDS_PUBLIC_BASE_URL: PUBLIC_BASE, CDS_DEADLINE_MS: '20000', NODE_ENV: 'production' };
  // Started together: both run the migrations at once.
  replicas = await Promise.all([startService(env, { modelDir: TEST_MODEL_DIR }), startService(env, { modelDir: TEST_MODEL_DIR })]);
});
afterAll(async () => {
  await Promise.all(replicas.map(stopService));
  pg.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const resources = loadPatient(WARFARIN_PATIENT);
const signRequest = (): Record<string, unknown> => {
  const encounterId = latestEncounterId(resources);
  const drafts = [draftOrder(WARFARIN_PATIENT, '855332', 'Warfarin Sodium 5 MG Oral Tablet', encounterId), draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet', encounterId)];
  return orderRequest({ patientId: WARFARIN_PATIENT, encounterId, drafts, prefetch: standardPrefetch(resources, encounterId) });
};

async function post(replica: ServiceProcess, pathname: string, body: unknown, token = issuer.token(`${PUBLIC_BASE}${pathname}`)): Promise<{ status: number; body: { cards?: Card[]; stored?: number; duplicates?: number } }> {
  const response = await fetch(`${replica.url}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

const metrics = async (replica: ServiceProcess): Promise<string> => (await fetch(`${replica.url}/metrics`)).text();

test('a token accepted by one replica is a replay at the other', async () => {
  const [a, b] = replicas as [ServiceProcess, ServiceProcess];
  const token = issuer.token(aud);
  const first = await post(a, `/cds-services/${SERVICE}`, signRequest(), token);
  expect(first.status).toBe(200);
  const replayed = await post(b, `/cds-services/${SERVICE}`, signRequest(), token);
  expect(replayed.status).toBe(401);
  expect(metricValue(await metrics(b), 'lamo_jwt_rejections_total', { reason: 'replay' })).toBe(1);
  // And again at the first one.
  expect((await post(a, `/cds-services/${SERVICE}`, signRequest(), token)).status).toBe(401);
});

test('one audit row per call, feedback stored once across replicas, and metrics that say so', async () => {
  const [a, b] = replicas as [ServiceProcess, ServiceProcess];
  const requests = Array.from({ length: 6 }, signRequest);
  const answers = await Promise.all(requests.map((request, i) => post(i % 2 ? b : a, `/cds-services/${SERVICE}`, request)));
  for (const answer of answers) expect(answer.status).toBe(200);
  const card = answers[0]!.body.cards?.find((c) => c.source.topic?.code === 'drugInteraction');
  expect(card).toBeDefined();

  const feedback = {
    feedback: [
      { card: card!.uuid, outcome: 'overridden', overrideReason: { reason: card!.overrideReasons?.[0] }, outcomeTimestamp: new Date().toISOString() },
    ],
  };
  const posted = await Promise.all([a, b, a, b].map((replica) => post(replica, `/cds-services/${SERVICE}/feedback`, feedback)));
  for (const answer of posted) expect(answer.status).toBe(200);
  expect(posted.reduce((sum, p) => sum + (p.body.stored ?? 0), 0)).toBe(1);

  const store = new PostgresStore({ connectionString: databaseUrl, poolMax: 1, timeoutMs: 2000 });
  try {
    // Audit rows are written just after each answer.
    let calls = await store.listCalls();
    for (let tries = 0; tries < 40 && calls.length < requests.length + 1; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      calls = await store.listCalls();
    }
    const instances = calls.map((c) => c.hookInstance);
    for (const request of requests) expect(instances.filter((h) => h === request.hookInstance)).toHaveLength(1);
    expect(calls).toHaveLength(requests.length + 1); // + the first test's accepted call
    const patients = new Set(calls.map((c) => c.patientHash));
    expect(patients.size).toBe(1); // both replicas hash the patient alike (shared LAMO_AUDIT_KEY)
    const stored = await store.listFeedback(SERVICE);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.cardKind).toBe('drug-interaction');
  } finally {
    await store.close();
  }

  const texts = await Promise.all(replicas.map(metrics));
  const sum = (name: string, labels: Record<string, string>): number => texts.reduce((total, text) => total + metricValue(text, name, labels), 0);
  expect(sum('lamo_feedback_total', { card_kind: 'drug-interaction', outcome: 'overridden', override_reason: String(card!.overrideReasons?.[0]?.code) })).toBe(1);
  expect(sum('lamo_cds_request_duration_seconds_count', { service: SERVICE, status: '200' })).toBe(7);
  // Every call here is the same request, so the same cards: seven times those of one answer.
  const criticalInteractions = answers[0]!.body.cards?.filter((c) => c.source.topic?.code === 'drugInteraction' && c.indicator === 'critical').length ?? 0;
  expect(criticalInteractions).toBeGreaterThan(0);
  expect(sum('lamo_cds_cards_total', { service: SERVICE, kind: 'drug-interaction', indicator: 'critical' })).toBe(7 * criticalInteractions);
  expect(sum('lamo_cds_model_outcomes_total', { service: SERVICE, outcome: 'scored' })).toBe(7);
  expect(sum('lamo_scoring_duration_seconds_count', {})).toBe(7);
  for (const text of texts) {
    expect(text).toContain('lamo_scoring_queue_depth');
    expect(text).toContain('lamo_fhir_fallback_calls_total');
    expect(text).toContain('lamo_audit_rows_lost_total 0');
    // No patient, hookInstance or token in any label.
    expect(text).not.toContain(WARFARIN_PATIENT);
    expect(text).not.toContain(String(requests[0]!.hookInstance));
  }
});
