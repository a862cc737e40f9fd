/** Safety cards over HTTP, on real Synthea patients: interactions, allergy conflicts, duplicate therapy. */
import type { AllergyIntolerance, FhirResource } from 'fhir/r4';
import type { Card } from '../../src/cds/types';
import {
  call,
  draftOrder,
  expectWellFormedCard,
  latestEncounterId,
  loadPatient,
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
let warfarin: FhirResource[];
let plain: FhirResource[];

beforeAll(async () => {
  app = await startApp({ CDS_DEADLINE_MS: '20000' });
  warfarin = loadPatient(WARFARIN_PATIENT);
  plain = loadPatient(PLAIN_PATIENT);
});
afterAll(() => app.close());

const byTopic = (cards: Card[], code: string): Card[] => cards.filter((card) => card.source.topic?.code === code);

async function sign(body: unknown, service = 'lamo-order-sign'): Promise<Card[]> {
  const response: CardsResponse = await call(`${app.url}/cds-services/${service}`, { body });
  expect(response.status).toBe(200);
  for (const card of response.body.cards) expectWellFormedCard(card);
  return response.body.cards;
}

// Ketorolac is outside the vocabulary: the catalogue and the duplicate classes still know it for an NSAID, so
// both drafts meet the active naproxen as an interaction and as a second NSAID.
describe.each([
  ['ketorolac', '834022', 'ketorolac tromethamine 10 MG Oral Tablet', true],
  ['ibuprofen', '310965', 'Ibuprofen 200 MG Oral Tablet', true],
])('warfarin active + %s draft', (name, code, display, classDuplicate) => {
  test('an interaction card names both drugs, and offers to remove the draft', async () => {
    const encounterId = latestEncounterId(warfarin);
    const draft = draftOrder(WARFARIN_PATIENT, code, display, encounterId);
    const cards = await sign(orderRequest({ patientId: WARFARIN_PATIENT, encounterId, drafts: [draft], prefetch: standardPrefetch(warfarin, encounterId) }));
    const interaction = byTopic(cards, 'drugInteraction').find((card) => /warfarin/i.test(card.summary) && new RegExp(name, 'i').test(card.summary));
    expect(interaction).toBeDefined();
    expect(['critical', 'warning']).toContain(interaction?.indicator);
    expect(interaction?.detail).toMatch(/warfarin/i);
    expect(interaction?.detail).toMatch(/PDDI-CDS|ONC/);
    const removal = interaction?.suggestions?.[0]?.actions?.[0];
    expect(removal).toEqual(expect.objectContaining({ type: 'delete', resourceId: `MedicationRequest/${draft.id}` }));
    // The active naproxen is an NSAID too: a second NSAID is duplicate therapy, on the same card as the interaction.
    expect(/duplicates Naproxen/i.test(interaction?.summary ?? '')).toBe(classDuplicate);
    expect(cards.filter((card) => (card.suggestions ?? []).some((s) => s.actions?.some((a) => a.type === 'delete' && a.resourceId === `MedicationRequest/${draft.id}`)))).toHaveLength(1);
  });
});

test('amoxicillin draft for a penicillin-allergic patient → a critical allergy card', async () => {
  const encounterId = latestEncounterId(plain);
  const allergy: AllergyIntolerance = {
    resourceType: 'AllergyIntolerance',
    id: 'penicillin-allergy',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
    category: ['medication'],
    criticality: 'high',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }], text: 'Allergy to penicillin' },
    patient: { reference: `Patient/${PLAIN_PATIENT}` },
  };
  const prefetch = { ...standardPrefetch(plain, encounterId), allergies: searchset([allergy], `AllergyIntolerance?patient=${PLAIN_PATIENT}`) };
  const draft = draftOrder(PLAIN_PATIENT, '308182', 'Amoxicillin 250 MG Oral Capsule', encounterId);
  for (const service of ['lamo-order-sign', 'lamo-order-select'] as const) {
    const hook = service === 'lamo-order-sign' ? 'order-sign' : 'order-select';
    const cards = await sign(orderRequest({ hook, patientId: PLAIN_PATIENT, encounterId, drafts: [draft], prefetch }), service);
    const card = byTopic(cards, 'allergyConflict')[0];
    expect(card).toBeDefined();
    expect(card.indicator).toBe('critical');
    expect(card.summary).toMatch(/amoxicillin/i);
    expect(card.summary).toMatch(/penicillin/i);
    expect(card.overrideReasons?.map((r) => r.display)).toEqual(expect.arrayContaining([expect.stringMatching(/allergy/i)]));
    // Critical cards come first.
    expect(cards[0].indicator).toBe('critical');
  }
});

test('a second statin is duplicate therapy (the reviewed statin class)', async () => {
  const encounterId = latestEncounterId(plain);
  const draft = draftOrder(PLAIN_PATIENT, '617310', 'Atorvastatin 20 MG Oral Tablet', encounterId);
  const cards = await sign(orderRequest({ patientId: PLAIN_PATIENT, encounterId, drafts: [draft], prefetch: standardPrefetch(plain, encounterId) }));
  const duplicate = byTopic(cards, 'duplicateTherapy')[0];
  expect(duplicate).toBeDefined();
  expect(duplicate.summary).toMatch(/atorvastatin/i);
  expect(duplicate.summary).toMatch(/Simvastatin 20 MG Oral Tablet/);
  expect(duplicate.summary).toMatch(/\(two statins\)$/);
  // The rule and its short citation belong in the detail, not the summary.
  expect(duplicate.summary).not.toMatch(/rule|STOPP/);
  expect(duplicate.detail).toMatch(/_Source: STOPP\/START v2-v3, STOPP A3; rule statins/);
});
