/**
 * Paged prefetch (issue 16.2): a FHIR server that pages 20 per page (HAPI's default) and a client that
 * prefetches only page 1, as the CDS Hooks sandbox does. The QI-Core patient has 35 MedicationRequests; the
 * active lisinopril and hydrochlorothiazide are on page 2. The service reads the rest from `fhirServer` with
 * the client's token, on that origin only; when it cannot, a data-gap card says what is incomplete and which
 * checks may miss something, and no finding rests on the absence of what was not read.
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import { createLogger } from '../../src/cds/logger';
import type { Card } from '../../src/cds/types';
import { startFhirStandIn, type FhirStandIn } from '../support/fhir-server';
import { call, draftOrder, expectWellFormedCard, loadPatient, orderRequest, PAGED_PATIENT, QICORE_POPULATION, startApp, type RunningApp } from './helpers';

const TOKEN = 'paged-prefetch-token-3b7e';
const topic = (card: Card): string | undefined => card.source.topic?.code;

let fhir: FhirStandIn;
let app: RunningApp;
let resources: FhirResource[];
const logLines: string[] = [];

beforeAll(async () => {
  resources = loadPatient(PAGED_PATIENT, QICORE_POPULATION);
  fhir = await startFhirStandIn({ resources, token: TOKEN });
  app = await startApp({ CDS_DEADLINE_MS: '20000' }, { logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }) });
});
afterAll(async () => {
  await app?.close();
  await fhir?.close();
});
beforeEach(() => {
  fhir.faults.delayMs = 0;
  fhir.faults.status = undefined;
  fhir.faults.offOrigin = false;
  fhir.seen.length = 0;
});

/** Page 1 of each search under the service's discovery keys, as the sandbox prefetches (no encounter in context). */
function pageOnePrefetch(): Record<string, FhirResource> {
  const search = (type: string): Bundle => fhir.firstPage(type, { patient: PAGED_PATIENT });
  return {
    patient: resources.find((r) => r.resourceType === 'Patient') as FhirResource,
    encounters: search('Encounter'),
    conditions: search('Condition'),
    procedures: search('Procedure'),
    medications: search('MedicationRequest'),
    allergies: search('AllergyIntolerance'),
  };
}

/** A new ACE inhibitor while lisinopril (page 2) is active: duplicate therapy by class. */
const captopril = () => draftOrder(PAGED_PATIENT, '833036', 'Captopril 25 MG Oral Tablet', undefined, 'draft-captopril');

async function sign(options: { fhirServer?: string; prefetch?: Record<string, FhirResource>; url?: string }): Promise<Card[]> {
  const body = orderRequest({
    patientId: PAGED_PATIENT,
    drafts: [captopril()],
    prefetch: options.prefetch ?? pageOnePrefetch(),
    ...(options.fhirServer ? { fhirServer: options.fhirServer, accessToken: TOKEN } : {}),
  });
  const response = await call<{ cards: Card[] }>(`${options.url ?? app.url}/cds-services/lamo-order-sign`, { body });
  expect(response.status).toBe(200);
  for (const card of response.body.cards) expectWellFormedCard(card);
  return response.body.cards;
}

const duplicateOfLisinopril = (cards: Card[]): Card | undefined => cards.find((c) => topic(c) === 'duplicateTherapy' && /lisinopril/i.test(`${c.summary} ${c.detail}`));
const gapCard = (cards: Card[]): Card | undefined => cards.find((c) => topic(c) === 'dataGap');
const ABSENCE_TOPICS = ['unsupportedOrder', 'activeMedicationUnsupported', 'confirmIndication'];

test('the stand-in pages as HAPI does: 20 of 35 orders on page 1, the active lisinopril not among them', () => {
  const page = fhir.firstPage('MedicationRequest', { patient: PAGED_PATIENT });
  expect(page.total).toBe(35);
  expect(page.entry).toHaveLength(20);
  expect(page.link?.find((l) => l.relation === 'next')?.url).toMatch(/_getpages=/);
  const activeLisinopril = (page.entry ?? []).filter((e) => e.resource?.resourceType === 'MedicationRequest' && e.resource.status === 'active' && /lisinopril/i.test(JSON.stringify(e.resource.medicationCodeableConcept)));
  expect(activeLisinopril).toEqual([]);
});

test('the next pages are read from fhirServer with the token: lisinopril on page 2 is seen, the duplicate card appears, no data-gap card', async () => {
  const cards = await sign({ fhirServer: fhir.base });
  expect(duplicateOfLisinopril(cards)).toBeDefined();
  expect(gapCard(cards)).toBeUndefined();
  const pages = fhir.seen.filter((r) => r.url.includes('_getpages='));
  expect(pages.length).toBeGreaterThan(0);
  for (const request of pages) expect(request.authorization).toBe(`Bearer ${TOKEN}`);
  expect(logLines.join('\n')).not.toContain(TOKEN);
});

test('no fhirServer to read the rest from: the duplicate is missed, and a data-gap card says so', async () => {
  const cards = await sign({});
  expect(duplicateOfLisinopril(cards)).toBeUndefined();
  const gap = gapCard(cards);
  expect(gap?.indicator).toBe('info');
  expect(gap?.summary).toMatch(/^Partial record: Medication orders.* may be incomplete; some checks may miss something$/);
  expect(gap?.detail).toMatch(/\*\*Medication orders\*\* \(20 of 35 read; the request named no FHIR server to read the rest from\): interactions and duplicate therapy/);
  expect(gap?.detail).toMatch(/\*\*Conditions\*\* \(20 of 44 read/);
  for (const card of cards) expect(ABSENCE_TOPICS).not.toContain(topic(card));
});

test.each([
  ['a later page answers 500', () => {
    fhir.faults.status = 500;
  }, /Medication orders\*\* \(20 of 35 read; the next page could not be read \(HTTP 500\)\)/],
  ['the next link is on another origin', () => {
    fhir.faults.offOrigin = true;
  }, /Medication orders\*\* \(20 of 35 read; the next page is on another server than the FHIR server of the request, so it was not fetched\)/],
])('%s: not followed or failed, a data-gap card names what is incomplete', async (_name, fault, detail) => {
  // The first pages are built before the fault, as the client fetched them earlier.
  const prefetch = pageOnePrefetch();
  fault();
  // A fresh set of first pages carries the off-origin next link.
  const cards = await sign({ fhirServer: fhir.base, prefetch: fhir.faults.offOrigin ? pageOnePrefetch() : prefetch });
  expect(duplicateOfLisinopril(cards)).toBeUndefined();
  expect(gapCard(cards)?.detail).toMatch(detail);
  for (const card of cards) expect(ABSENCE_TOPICS).not.toContain(topic(card));
  expect(fhir.seenElsewhere).toEqual([]);
});

describe('the searches the service runs itself (no prefetch) page the same way', () => {
  test('every page is read: the duplicate card appears, no data-gap card', async () => {
    const cards = await sign({ fhirServer: fhir.base, prefetch: {} });
    expect(duplicateOfLisinopril(cards)).toBeDefined();
    expect(gapCard(cards)).toBeUndefined();
    expect(fhir.seen.filter((r) => r.url.includes('_getpages=')).length).toBeGreaterThan(0);
  });

  test('a later page that fails: a data-gap card, never a silent first page', async () => {
    fhir.faults.status = 503;
    const cards = await sign({ fhirServer: fhir.base, prefetch: {} });
    expect(duplicateOfLisinopril(cards)).toBeUndefined();
    expect(gapCard(cards)?.detail).toMatch(/Medication orders\*\* \(20 of 35 read; the next page could not be read \(HTTP 503\)\)/);
    for (const card of cards) expect(ABSENCE_TOPICS).not.toContain(topic(card));
  });
});

describe('deadline', () => {
  let fast: RunningApp;
  beforeAll(async () => {
    fast = await startApp({ CDS_DEADLINE_MS: '1500' });
  });
  afterAll(() => fast?.close());

  test('a later page slower than the fallback\'s share of the deadline: the answer comes in time with a data-gap card', async () => {
    fhir.faults.delayMs = 4000;
    const started = Date.now();
    const cards = await sign({ fhirServer: fhir.base, url: fast.url });
    expect(Date.now() - started).toBeLessThan(1500 + 1000);
    expect(gapCard(cards)?.detail).toMatch(/Medication orders\*\* \(20 of 35 read; the next page could not be read \(not answered within the request deadline\)\)/);
  });
});
