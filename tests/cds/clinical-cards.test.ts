/**
 * Issue 9 over HTTP, real app and model, real Synthea patients: the safety cards stand alone (each malformed
 * shape seen in the wild gives exactly the safety cards of the well-formed request), drafts that cannot be
 * assessed are named, draft–draft interactions land on one card, and a drug with an active indication is
 * never flagged in the medication review. Every card is spec-valid and every suggested MedicationRequest
 * valid against the FHIR R4 schema.
 */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import { createLogger } from '../../src/cds/logger';
import type { Card } from '../../src/cds/types';
import { medicationRequestErrors } from './fhir-schema';
import {
  call,
  draftOrder,
  expectWellFormedCard,
  latestEncounterId,
  loadPatient,
  orderRequest,
  PLAIN_PATIENT,
  standardPrefetch,
  startApp,
  WARFARIN_PATIENT,
  type CardsResponse,
  type RunningApp,
} from './helpers';

let app: RunningApp;
let warfarin: FhirResource[];
let plain: FhirResource[];

beforeAll(async () => {
  app = await startApp({ CDS_DEADLINE_MS: '20000' });
  warfarin = loadPatient(WARFARIN_PATIENT);
  plain = loadPatient(PLAIN_PATIENT);
});
afterAll(() => app.close());

const SAFETY_TOPICS = new Set(['drugInteraction', 'duplicateTherapy', 'allergyConflict', 'contraindication']);

async function cardsOf(body: unknown, service = 'lamo-order-sign'): Promise<Card[]> {
  const response: CardsResponse = await call(`${app.url}/cds-services/${service}`, { body });
  expect(response.status).toBe(200);
  for (const card of response.body.cards) {
    expectWellFormedCard(card);
    for (const action of (card.suggestions ?? []).flatMap((s) => s.actions ?? [])) {
      if (action.type === 'create') expect(medicationRequestErrors(action.resource)).toEqual([]);
    }
  }
  return response.body.cards;
}

/** The safety cards without what differs per call (uuids). */
function safetyCards(cards: Card[]): unknown[] {
  return cards
    .filter((card) => SAFETY_TOPICS.has(card.source.topic?.code ?? ''))
    .map(({ summary, indicator, detail, source, suggestions }) => ({ summary, indicator, detail, topic: source.topic?.code, actions: (suggestions ?? []).map((s) => s.actions) }));
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('the safety cards stand alone', () => {
  const encounterId = (): string => latestEncounterId(warfarin);
  const ibuprofenDraft = (): MedicationRequest => ({
    ...draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet', encounterId(), 'draft-ibuprofen'),
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category', code: 'outpatient' }] }],
    dosageInstruction: [{ text: '200 mg every 6 hours as needed' }],
    reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '239873007', display: 'Osteoarthritis of knee' }] }],
  });
  const request = (draft: unknown, resources: FhirResource[] = warfarin): Record<string, unknown> =>
    orderRequest({ patientId: WARFARIN_PATIENT, encounterId: encounterId(), drafts: [draft as FhirResource], prefetch: standardPrefetch(resources, encounterId()) });

  let wellFormed: unknown[];
  beforeAll(async () => {
    wellFormed = safetyCards(await cardsOf(request(ibuprofenDraft())));
  });

  test('the well-formed request: one critical card on the ibuprofen draft, naming warfarin and the naproxen product', () => {
    expect(wellFormed).toHaveLength(1);
    expect(wellFormed[0]).toEqual(
      expect.objectContaining({ indicator: 'critical', topic: 'drugInteraction', summary: expect.stringMatching(/^Ibuprofen: interacts with warfarin \(active\); duplicates Naproxen sodium/) }),
    );
  });

  const activeMeds = (mutate: (order: Record<string, unknown>) => void): FhirResource[] =>
    warfarin.map((resource) => {
      if (resource.resourceType !== 'MedicationRequest' || resource.status !== 'active') return resource;
      const copy = clone(resource) as unknown as Record<string, unknown>;
      mutate(copy);
      return copy as unknown as FhirResource;
    });

  test.each<[string, () => Record<string, unknown>]>([
    ['reasonCode as one object (the CDS Hooks sandbox)', () => request({ ...ibuprofenDraft(), reasonCode: ibuprofenDraft().reasonCode?.[0] })],
    ['category as one object', () => request({ ...ibuprofenDraft(), category: ibuprofenDraft().category?.[0] })],
    ['coding as one object', () => request({ ...ibuprofenDraft(), medicationCodeableConcept: { ...ibuprofenDraft().medicationCodeableConcept, coding: ibuprofenDraft().medicationCodeableConcept?.coding?.[0] } })],
    ['dosageInstruction as one object', () => request({ ...ibuprofenDraft(), dosageInstruction: { text: '200 mg' } })],
    ['strings where objects belong (encounter, requester)', () => request({ ...ibuprofenDraft(), encounter: `Encounter/${encounterId()}`, requester: 'Practitioner/1' })],
    ['draft without subject', () => request({ ...ibuprofenDraft(), subject: undefined })],
    ['active orders without subject, or with a string subject', () => request(ibuprofenDraft(), activeMeds((o) => (o.subject = `Patient/${WARFARIN_PATIENT}`)))],
    ['an unknown code system beside RxNorm', () => request({ ...ibuprofenDraft(), medicationCodeableConcept: { ...ibuprofenDraft().medicationCodeableConcept, coding: [{ system: 'urn:oid:1.2.3.4', code: 'X1' }, ...(ibuprofenDraft().medicationCodeableConcept?.coding ?? [])] } })],
    ['STU3 shapes (context for encounter, string statuses)', () => request({ ...ibuprofenDraft(), encounter: undefined, context: { reference: `Encounter/${encounterId()}` } }, activeMeds((o) => {
      o.context = o.encounter;
      delete o.encounter;
    }).map((r) => (r.resourceType === 'Condition' ? ({ ...clone(r), clinicalStatus: r.clinicalStatus?.coding?.[0]?.code } as unknown as FhirResource) : r)))],
    ['reasonReference and note as objects on the active orders', () => request(ibuprofenDraft(), activeMeds((o) => {
      o.reasonReference = (o.reasonReference as unknown[] | undefined)?.[0] ?? { reference: 'Condition/x' };
      o.note = { text: 'note' };
    }))],
  ])('%s → exactly the safety cards of the well-formed request', async (_name, make) => {
    expect(safetyCards(await cardsOf(make()))).toEqual(wellFormed);
  });

  test('a malformed field is counted and logged by resource type and field, without patient data', async () => {
    const lines: string[] = [];
    const logged = await startApp({ CDS_DEADLINE_MS: '20000' }, { logger: createLogger({ write: (line) => lines.push(line) }) });
    try {
      const body = request({ ...ibuprofenDraft(), reasonCode: ibuprofenDraft().reasonCode?.[0] });
      const response = await call(`${logged.url}/cds-services/lamo-order-sign`, { body });
      expect(response.status).toBe(200);
    } finally {
      await logged.close();
    }
    const skipped = lines.map((line) => JSON.parse(line) as { event?: string; fields?: string[] }).find((entry) => entry.event === 'cds.fields_skipped');
    expect(skipped?.fields).toEqual(['MedicationRequest.reasonCode:1']);
    expect(lines.join('\n')).not.toContain(WARFARIN_PATIENT);
  });
});

describe('never silent', () => {
  test('a draft for another patient is named in a card saying why; the patient\'s own drafts are still checked', async () => {
    const encounterId = latestEncounterId(warfarin);
    const other = { ...draftOrder('someone-else', '308182', 'Amoxicillin 250 MG Oral Capsule', encounterId, 'draft-other') };
    const own = draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet', encounterId, 'draft-own');
    const cards = await cardsOf(orderRequest({ patientId: WARFARIN_PATIENT, encounterId, drafts: [other, own], prefetch: standardPrefetch(warfarin, encounterId) }));
    const unassessed = cards.filter((card) => card.source.topic?.code === 'draftNotAssessed');
    expect(unassessed).toHaveLength(1);
    expect(unassessed[0].indicator).toBe('warning');
    expect(unassessed[0].summary).toBe('Draft order for another patient not checked: Amoxicillin 250 MG Oral Capsule');
    expect(unassessed[0].detail).toMatch(/written for another patient, not the patient in context/);
    // Ids name nothing to a clinician (and another patient's id is not ours to show).
    expect(JSON.stringify(unassessed[0])).not.toMatch(/someone-else|draft-other/);
    expect(cards.some((card) => card.source.topic?.code === 'drugInteraction' && /warfarin/.test(card.summary))).toBe(true);
  });

  test('a draft naming no drug at all (the prescriber still typing) gets no card; one whose Medication cannot be read is named by its drug, never its id', async () => {
    const encounterId = latestEncounterId(plain);
    const noDrug = { ...draftOrder(PLAIN_PATIENT, '1', 'x', encounterId, 'draft-nodrug'), medicationCodeableConcept: { coding: [] } };
    const bare = { ...draftOrder(PLAIN_PATIENT, '1', 'x', encounterId, 'request-123'), medicationCodeableConcept: undefined };
    const missing = { ...draftOrder(PLAIN_PATIENT, '1', 'x', encounterId, 'draft-missing'), medicationCodeableConcept: undefined, medicationReference: { reference: 'Medication/not-here' } };
    const named = { ...missing, id: 'draft-named', medicationReference: { reference: 'Medication/gone', display: 'Lisinopril 10 MG Oral Tablet' } };
    const typing = await cardsOf(orderRequest({ patientId: PLAIN_PATIENT, encounterId, drafts: [noDrug, bare], prefetch: standardPrefetch(plain, encounterId) }));
    expect(typing.filter((c) => c.source.topic?.code === 'draftNotAssessed')).toEqual([]);
    const cards = await cardsOf(orderRequest({ patientId: PLAIN_PATIENT, encounterId, drafts: [noDrug, missing, named], prefetch: standardPrefetch(plain, encounterId) }));
    const [card] = cards.filter((c) => c.source.topic?.code === 'draftNotAssessed');
    expect(card.indicator).toBe('info');
    expect(card.summary).toBe('2 draft orders not checked: unnamed drug, Lisinopril 10 MG Oral Tablet');
    expect(card.detail).toMatch(/unnamed drug\*\*: its Medication could not be read/);
    expect(card.detail).toMatch(/Lisinopril 10 MG Oral Tablet\*\*: its Medication could not be read/);
    for (const c of [...typing, ...cards]) expect(`${c.summary}\n${c.detail}`).not.toMatch(/draft-nodrug|request-123|draft-missing|draft-named|lamo-draft-/);
  });
});

describe('an interaction between two drafts is on one card', () => {
  const encounterId = (): string => latestEncounterId(plain);
  const drafts = (): MedicationRequest[] => [
    draftOrder(PLAIN_PATIENT, '855332', 'Warfarin Sodium 5 MG Oral Tablet', encounterId(), 'draft-warfarin'),
    draftOrder(PLAIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet', encounterId(), 'draft-ibuprofen'),
  ];
  const interactionCards = (cards: Card[]): Card[] => cards.filter((card) => /interacts with/.test(card.summary) || /^Interaction/.test(card.summary));
  const removes = (card: Card): string[] => (card.suggestions ?? []).flatMap((s) => s.actions ?? []).map((a) => (a.type === 'delete' ? a.resourceId : ''));

  test.each([
    ['order-select, selecting ibuprofen', 'order-select', ['MedicationRequest/draft-ibuprofen'], 'draft-ibuprofen', /warfarin \(being ordered\)/],
    ['order-select, selecting warfarin', 'order-select', ['MedicationRequest/draft-warfarin'], 'draft-warfarin', /ibuprofen \(being ordered\)/],
    ['order-sign: the later draft', 'order-sign', undefined, 'draft-ibuprofen', /warfarin \(being ordered\)/],
  ] as const)('%s', async (_name, hook, selections, onDraft, names) => {
    const cards = await cardsOf(
      orderRequest({ hook, patientId: PLAIN_PATIENT, encounterId: encounterId(), drafts: drafts(), ...(selections ? { selections: [...selections] } : {}), prefetch: standardPrefetch(plain, encounterId()) }),
      `lamo-${hook}`,
    );
    const found = interactionCards(cards);
    expect(found).toHaveLength(1);
    expect(found[0].summary).toMatch(names);
    expect(removes(found[0])).toEqual([`MedicationRequest/${onDraft}`]);
  });
});

test('medication review: warfarin, digoxin and verapamil of a patient with atrial fibrillation are not flagged as unsupported', async () => {
  const cards = await cardsOf(
    { hook: 'patient-view', hookInstance: '5b2ea1a4-7e0f-4d4c-9bb8-3a1f6f0d7a11', context: { userId: 'Practitioner/example', patientId: WARFARIN_PATIENT }, prefetch: standardPrefetch(warfarin) },
    'lamo-medication-review',
  );
  const unsupported = cards.filter((card) => ['activeMedicationUnsupported', 'unsupportedOrder'].includes(card.source.topic?.code ?? '') || /No indication for active warfarin/.test(card.summary));
  expect(unsupported.filter((card) => /warfarin/i.test(card.summary))).toEqual([]);
  for (const card of cards) expect(card.detail).not.toMatch(/Diagnoses of this visit|Medications on admission/);
});
