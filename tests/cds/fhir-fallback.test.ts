/**
 * The FHIR-server fallback against a local FHIR endpoint (a tiny express server serving a shared patient's
 * resources, paging its searches and demanding the bearer token), and the request deadline.
 */
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import express from 'express';
import type { Bundle, FhirResource, Medication } from 'fhir/r4';
import { createLogger } from '../../src/cds/logger';
import type { Card } from '../../src/cds/types';
import { call, draftOrder, expectWellFormedCard, latestEncounterId, loadPatient, orderRequest, standardPrefetch, startApp, WARFARIN_PATIENT, type RunningApp } from './helpers';

const TOKEN = 'fallback-access-token-6f1c';
const PAGE = 3; // the server's own page size cap, so that searches page

interface FhirRequestLog {
  path: string;
  authorization?: string;
}

let fhirServer: Server;
let fhirBase: string;
let requests: FhirRequestLog[] = [];
let delayMs = 0;
let app: RunningApp;
const logLines: string[] = [];
let resources: FhirResource[];

const extraMedication: Medication = {
  resourceType: 'Medication',
  id: 'ketorolac-10',
  code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '834022', display: 'ketorolac tromethamine 10 MG Oral Tablet' }] },
};

function belongsTo(resource: FhirResource, patientId: string): boolean {
  const r = resource as unknown as { subject?: { reference?: string }; patient?: { reference?: string } };
  if (resource.resourceType === 'Patient') return resource.id === patientId;
  return (r.subject?.reference ?? r.patient?.reference) === `Patient/${patientId}`;
}

beforeAll(async () => {
  resources = [...loadPatient(WARFARIN_PATIENT), extraMedication];
  const fhir = express();
  fhir.use(async (req, res, next) => {
    requests.push({ path: req.path, authorization: req.get('authorization') });
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
    if (req.get('authorization') !== `Bearer ${TOKEN}`) {
      res.status(401).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'bad token' }] });
      return;
    }
    next();
  });
  fhir.get('/fhir/:type/:id', (req, res) => {
    const found = resources.find((r) => r.resourceType === req.params.type && r.id === req.params.id);
    if (found) res.json(found);
    else res.status(404).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  });
  fhir.get('/fhir/:type', (req, res) => {
    const patient = String(req.query.patient ?? '');
    const offset = Number(req.query._offset ?? 0);
    const count = Math.min(Number(req.query._count ?? PAGE), PAGE);
    // A token search on code (the lab search sends LOINC codes), as a FHIR server answers it.
    const codes = typeof req.query.code === 'string' ? req.query.code.split(',') : undefined;
    const coded = (r: FhirResource) => !codes || ((r as { code?: { coding?: { system?: string; code?: string }[] } }).code?.coding ?? []).some((c) => codes.includes(`${c.system}|${c.code}`));
    const matches = resources.filter((r) => r.resourceType === req.params.type && belongsTo(r, patient) && coded(r));
    const page = matches.slice(offset, offset + count);
    const codeParam = codes ? `&code=${encodeURIComponent(codes.join(','))}` : '';
    const self = `${fhirBase}/${req.params.type}?patient=${patient}${codeParam}&_count=${count}&_offset=${offset}`;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link: [
        { relation: 'self', url: self },
        ...(offset + count < matches.length ? [{ relation: 'next', url: `${fhirBase}/${req.params.type}?patient=${patient}${codeParam}&_count=${count}&_offset=${offset + count}` }] : []),
      ],
      entry: page.map((resource) => ({ fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
    };
    res.json(bundle);
  });
  fhirServer = await new Promise<Server>((resolve) => {
    const server = fhir.listen(0, '127.0.0.1', () => resolve(server));
  });
  fhirBase = `http://127.0.0.1:${(fhirServer.address() as AddressInfo).port}/fhir`;
  app = await startApp({ CDS_DEADLINE_MS: '20000' }, { logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }) });
});
afterAll(async () => {
  await app.close();
  fhirServer.closeAllConnections();
  await new Promise((resolve) => fhirServer.close(resolve));
});
beforeEach(() => {
  requests = [];
  delayMs = 0;
});

const topic = (card: Card): string | undefined => card.source.topic?.code;

async function sign(body: unknown, url = app.url): Promise<{ status: number; cards: Card[]; text: string }> {
  const response = await call<{ cards: Card[] }>(`${url}/cds-services/lamo-order-sign`, { body });
  for (const card of response.body.cards ?? []) expectWellFormedCard(card);
  return { status: response.status, cards: response.body.cards, text: JSON.stringify(response.body) };
}

test('no prefetch: the record is fetched from fhirServer with the access token, all pages, and the model runs', async () => {
  const encounterId = latestEncounterId(resources);
  const draft = draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet', encounterId);
  const result = await sign(orderRequest({ patientId: WARFARIN_PATIENT, encounterId, drafts: [draft], fhirServer: fhirBase, accessToken: TOKEN }));
  expect(result.status).toBe(200);
  expect(result.cards.map(topic)).not.toContain('dataGap');
  // The active warfarin came from the server.
  expect(result.cards.some((c) => topic(c) === 'drugInteraction' && /warfarin/i.test(c.summary) && /ibuprofen/i.test(c.summary))).toBe(true);
  expect(requests.length).toBeGreaterThan(0);
  for (const request of requests) expect(request.authorization).toBe(`Bearer ${TOKEN}`);
  const paths = requests.map((r) => r.path);
  for (const type of ['Condition', 'MedicationRequest', 'AllergyIntolerance', 'Procedure', 'Encounter', 'DocumentReference']) expect(paths).toContain(`/fhir/${type}`);
  expect(paths).toContain(`/fhir/Patient/${WARFARIN_PATIENT}`);
  // Searches with more than a page were followed (the patient has more encounters than PAGE).
  expect(paths.filter((p) => p === '/fhir/Encounter').length).toBeGreaterThan(1);
  // The token is in no log line and not in the answer.
  expect(logLines.join('\n')).not.toContain(TOKEN);
  expect(result.text).not.toContain(TOKEN);
});

test('only what prefetch lacks is fetched; a Medication a draft references is read', async () => {
  const encounterId = latestEncounterId(resources);
  const prefetch = standardPrefetch(resources, encounterId);
  delete prefetch.allergies;
  const draft = { ...draftOrder(WARFARIN_PATIENT, 'x', 'x', encounterId), medicationCodeableConcept: undefined, medicationReference: { reference: 'Medication/ketorolac-10' } };
  const result = await sign(orderRequest({ patientId: WARFARIN_PATIENT, encounterId, drafts: [draft], prefetch, fhirServer: fhirBase, accessToken: TOKEN }));
  expect(result.status).toBe(200);
  expect(requests.map((r) => r.path).sort()).toEqual(['/fhir/AllergyIntolerance', '/fhir/Medication/ketorolac-10']);
  expect(result.cards.some((c) => topic(c) === 'drugInteraction' && /ketorolac/i.test(c.summary) && /warfarin/i.test(c.summary))).toBe(true);
});

test('a server that refuses the token: 200 with the draft checks and an info card saying why', async () => {
  const drafts = [draftOrder(WARFARIN_PATIENT, '855332', 'Warfarin Sodium 5 MG Oral Tablet'), draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet')];
  const result = await sign(orderRequest({ patientId: WARFARIN_PATIENT, drafts, fhirServer: fhirBase, accessToken: 'wrong-token' }));
  expect(result.status).toBe(200);
  expect(result.cards.map(topic)).toContain('drugInteraction');
  const gap = result.cards.find((c) => topic(c) === 'dataGap');
  expect(gap?.detail).toMatch(/FHIR server did not supply/);
  expect(result.text).not.toContain('wrong-token');
});

test('an unreachable server: still a 200, never a hang', async () => {
  const drafts = [draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet')];
  const result = await sign(orderRequest({ patientId: WARFARIN_PATIENT, drafts, fhirServer: 'http://127.0.0.1:9/fhir', accessToken: TOKEN }));
  expect(result.status).toBe(200);
  expect(result.cards.map(topic)).toContain('dataGap');
});

describe('deadline', () => {
  let fast: RunningApp;
  beforeAll(async () => {
    fast = await startApp({ CDS_DEADLINE_MS: '800' });
  });
  afterAll(() => fast.close());

  test('a slow FHIR server: the answer comes within the deadline with the cards that are ready', async () => {
    delayMs = 5000;
    const drafts = [draftOrder(WARFARIN_PATIENT, '855332', 'Warfarin Sodium 5 MG Oral Tablet'), draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet')];
    const started = Date.now();
    const result = await sign(orderRequest({ patientId: WARFARIN_PATIENT, drafts, fhirServer: fhirBase, accessToken: TOKEN }), fast.url);
    const elapsed = Date.now() - started;
    expect(result.status).toBe(200);
    expect(elapsed).toBeLessThan(800 + 700);
    expect(result.cards.map(topic)).toEqual(expect.arrayContaining(['drugInteraction', 'dataGap']));
  });
});
