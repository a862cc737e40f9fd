/**
 * What a pharmacist reading the clinical check's cards would not sign, each case through the real service (real
 * model, tables, SQLite, HTTP) on a shared Synthea patient (K3):
 *  - acetaminophen in two products: the advice is the daily total (FDA 2011), not "keep one product";
 *  - an antibiotic order of decades ago still marked active is a finished course: no interaction with today's
 *    warfarin (a course from last week still meets it);
 *  - the reason for this visit counts as a current problem (a symptom visit for allergic rhinitis with no
 *    Condition recorded): diphenhydramine has its indication;
 *  - prednisone for an acute allergic reaction (its FDA label's allergic states);
 *  - three opioids ordered for a patient with an opioid use disorder: one caution ("avoid", a warning: CDC 2022),
 *    naming each and offering to remove each, not three cards saying the same;
 *  - "Nicotine 2 MG Chewing Gum" without a code is nicotine; a drug outside the catalogue gets a plain card
 *    saying its class is unknown, so the class-based checks did not run.
 */
import type { Condition, Encounter, FhirResource, MedicationRequest } from 'fhir/r4';
import type { Card } from '../../src/cds/types';
import { call, draftOrder, expectWellFormedCard, latestEncounterId, loadPatient, orderRequest, PLAIN_PATIENT, RXNORM, standardPrefetch, startApp, type CardsResponse, type RunningApp } from './helpers';

const SNOMED = 'http://snomed.info/sct';
const LOCAL = 'https://ehr.example.org/fhir/CodeSystem/formulary';

let app: RunningApp;
let plain: FhirResource[];
let encounterId: string;
let start: number;

beforeAll(async () => {
  app = await startApp({ CDS_DEADLINE_MS: '20000' });
  plain = loadPatient(PLAIN_PATIENT);
  encounterId = latestEncounterId(plain);
  const encounter = plain.find((r): r is Encounter => r.resourceType === 'Encounter' && r.id === encounterId);
  start = Date.parse(encounter?.period?.start ?? '');
});
afterAll(() => app.close());

const daysBefore = (days: number): string => new Date(start - days * 86_400_000).toISOString();

function activeOrder(code: string, display: string, authoredOn: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: `active-${code}-${authoredOn.slice(0, 4)}`,
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code, display }], text: display },
    subject: { reference: `Patient/${PLAIN_PATIENT}` },
    authoredOn,
  };
}

function condition(code: string, display: string): Condition {
  return {
    resourceType: 'Condition',
    id: `added-${code}`,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: SNOMED, code, display }], text: display },
    subject: { reference: `Patient/${PLAIN_PATIENT}` },
    onsetDateTime: daysBefore(1),
  };
}

/** A draft without an RxNorm code, as a local formulary sends it. */
function localDraft(display: string): MedicationRequest {
  const draft = draftOrder(PLAIN_PATIENT, 'x', display, encounterId);
  return { ...draft, medicationCodeableConcept: { coding: [{ system: LOCAL, code: `local-${display.length}`, display }], text: display } };
}

async function sign(drafts: MedicationRequest[], resources: FhirResource[] = plain): Promise<Card[]> {
  const request = orderRequest({ patientId: PLAIN_PATIENT, encounterId, drafts, prefetch: standardPrefetch(resources, encounterId) });
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-order-sign`, { body: request });
  expect(response.status).toBe(200);
  response.body.cards.forEach(expectWellFormedCard);
  return response.body.cards;
}

const about = (cards: Card[], word: RegExp): Card[] => cards.filter((card) => word.test(card.summary) && card.source.topic?.code !== 'notAssessed');
const findings = (card: Card | undefined): { topic: string; indicator: string }[] => (card?.extension?.['lamo-cds-findings'] as { topic: string; indicator: string }[] | undefined) ?? [];

test('acetaminophen in a plain tablet and an opioid combination: a warning whose advice is the daily total, citing the FDA', async () => {
  const cards = await sign([
    draftOrder(PLAIN_PATIENT, '313782', 'Acetaminophen 325 MG Oral Tablet', encounterId),
    draftOrder(PLAIN_PATIENT, '1049221', 'Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet', encounterId),
  ]);
  const duplicate = cards.find((card) => findings(card).some((f) => f.topic === 'duplicateTherapy'));
  expect(duplicate?.indicator).toBe('warning');
  expect(duplicate?.detail).toMatch(/keep the total acetaminophen from all products at or below 4 g a day/);
  expect(duplicate?.detail).toMatch(/Source: FDA 2011 \(acetaminophen: hepatotoxicity, boxed warning\)/);
  expect(duplicate?.detail).not.toMatch(/keep one product of each ingredient/);
});

test('penicillin V ordered in 1952 and still marked active is a finished course: today\'s warfarin does not meet it; last week\'s course does', async () => {
  const warfarin = (): MedicationRequest => draftOrder(PLAIN_PATIENT, '855332', 'Warfarin Sodium 5 MG Oral Tablet', encounterId);
  const old = await sign([warfarin()], [...plain, activeOrder('834102', 'Penicillin V Potassium 500 MG Oral Tablet', '1952-04-10T10:00:00Z')]);
  // No finding names it (the model's own evidence may still list what it read as "active or ordered in the past 365 days").
  expect(old.filter((card) => /penicillin/i.test(card.summary))).toEqual([]);
  expect(old.some((card) => /Interaction with Penicillin/i.test(card.detail ?? ''))).toBe(false);
  const recent = await sign([warfarin()], [...plain, activeOrder('834102', 'Penicillin V Potassium 500 MG Oral Tablet', daysBefore(5))]);
  const warned = about(recent, /warfarin/i).find((card) => findings(card).some((f) => f.topic === 'drugInteraction'));
  expect(warned?.summary).toMatch(/interacts with penicillin v \(active\)/);
  expect(warned?.indicator).toBe('warning');
});

test('a symptom visit for allergic rhinitis, recorded only as the encounter\'s reason: diphenhydramine has its indication', async () => {
  const withReason = plain.map((resource) =>
    resource.resourceType === 'Encounter' && resource.id === encounterId
      ? { ...resource, reasonCode: [{ coding: [{ system: SNOMED, code: '232353008', display: 'Perennial allergic rhinitis with seasonal variation' }] }] }
      : resource,
  );
  const diphenhydramine = (): MedicationRequest => draftOrder(PLAIN_PATIENT, '1049630', 'diphenhydrAMINE Hydrochloride 25 MG Oral Tablet', encounterId);
  const without = await sign([diphenhydramine()]);
  expect(findings(about(without, /diphenhydramine/i)[0])).toContainEqual(expect.objectContaining({ topic: 'unsupportedOrder' }));
  const cards = await sign([diphenhydramine()], withReason);
  expect(about(cards, /diphenhydramine/i).flatMap(findings).filter((f) => f.topic === 'unsupportedOrder')).toEqual([]);
});

test('prednisone for an acute allergic reaction: indicated (FDA label, allergic states); without one it has none', async () => {
  const prednisone = (): MedicationRequest => draftOrder(PLAIN_PATIENT, '312617', 'predniSONE 5 MG Oral Tablet', encounterId);
  const without = await sign([prednisone()]);
  expect(findings(about(without, /prednisone/i)[0])).toContainEqual(expect.objectContaining({ topic: 'unsupportedOrder' }));
  const cards = await sign([prednisone()], [...plain, condition('241929008', 'Acute allergic reaction')]);
  expect(about(cards, /prednisone/i).flatMap(findings).filter((f) => f.topic === 'unsupportedOrder')).toEqual([]);
});

test('"Nicotine 2 MG Chewing Gum" without a code is nicotine (smoking cessation: no condition needed); an unknown drug says its class is unknown', async () => {
  const cards = await sign([localDraft('Nicotine 2 MG Chewing Gum'), localDraft('Zorblaxamab 5 MG Oral Tablet')]);
  const nicotine = about(cards, /nicotine/i);
  expect(nicotine.flatMap(findings).filter((f) => f.topic === 'drugNotInCatalogue' || f.topic === 'unsupportedOrder')).toEqual([]);
  const [unknown, ...more] = about(cards, /Zorblaxamab/);
  expect(more).toEqual([]);
  expect(unknown.summary).toBe('Zorblaxamab 5 MG Oral Tablet: not in the drug catalogue, so its drug class is unknown');
  expect(unknown.indicator).toBe('info');
  expect(unknown.detail).toMatch(/the absence of a warning about it does not mean it was checked/);
});

test('three opioids for a patient with opioid abuse: one warning naming all three, with a remove action for each (and the patch its own opioid-tolerance contraindication)', async () => {
  const drafts = [
    draftOrder(PLAIN_PATIENT, '1860491', '12 HR Hydrocodone Bitartrate 10 MG Extended Release Oral Capsule', encounterId),
    draftOrder(PLAIN_PATIENT, '245134', '72 HR Fentanyl 0.025 MG/HR Transdermal System', encounterId),
    draftOrder(PLAIN_PATIENT, '835603', 'tramadol hydrochloride 50 MG Oral Tablet', encounterId),
  ];
  const cards = await sign(drafts, [...plain, condition('5602001', 'Opioid abuse (disorder)')]);
  const cautions = cards.filter((card) => /the patient has \*\*Opioid abuse\*\*/.test(card.detail ?? ''));
  expect(cautions).toHaveLength(1);
  const [caution] = cautions;
  // No opioid before this order set: the fentanyl patch is also contraindicated (opioid-non-tolerant), on its own card.
  const patch = cards.find((card) => /^Fentanyl: contraindicated in opioid-non-tolerant patients/.test(card.summary));
  expect(findings(patch ?? cards[0])).toContainEqual({ topic: 'contraindication', indicator: 'critical' });
  expect(caution.detail).toMatch(/\*\*Avoid\*\*: the patient has \*\*Opioid abuse\*\*/);
  expect(caution.detail).toMatch(/This applies to each of:\n- 12 HR Hydrocodone Bitartrate 10 MG Extended Release Oral Capsule \(being ordered\)\n- 72 HR Fentanyl 0.025 MG\/HR Transdermal System \(being ordered\)\n- tramadol hydrochloride 50 MG Oral Tablet \(being ordered\)/);
  expect(findings(caution)).toContainEqual({ topic: 'contraindication', indicator: 'warning' });
  const removed = (caution.suggestions ?? []).flatMap((s) => s.actions ?? []).filter((a) => a.type === 'delete').map((a) => a.resourceId);
  expect(removed.sort()).toEqual(drafts.map((d) => `MedicationRequest/${d.id}`).sort());
});
