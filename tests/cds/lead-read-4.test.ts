/**
 * The lead's fourth read, as an EHR calls the service (real model, tables, SQLite, HTTP) on a shared Synthea
 * patient, with products an EHR names by text only (a local code, no RxNorm):
 *  - a penicillin allergy and a cephalosporin written as its ester ("Cefuroxime axetil"): the cross-reactivity
 *    warning (the ester name hid the ingredient, and no allergy card came);
 *  - an injectable antibiotic outside the populations (ceftriaxone) is identified with its class, so the checks
 *    by class run and no "not in the drug catalogue" card appears;
 *  - metformin drafted at an eGFR of 22 with no kidney disease coded: the contraindication, met by the lab result;
 *  - acetaminophen/codeine drafted for a child of 8: contraindicated under 12 (FDA 2017), said with the age;
 *  - a fentanyl patch drafted with no opioid in the record: contraindicated in opioid-non-tolerant patients (boxed
 *    warning); quiet when an opioid is active;
 *  - "Low back pain" as a real EHR codes it (SNOMED 279039007, not Synthea's "Chronic low back pain") is an
 *    indication for an NSAID or a muscle relaxant: no "no indication" warning.
 * The interaction pairs of the same read are rows of tests/safety/coverage-pairs.json.
 */
import type { AllergyIntolerance, Condition, Encounter, FhirResource, MedicationRequest, Observation } from 'fhir/r4';
import type { Card } from '../../src/cds/types';
import { call, draftOrder, expectWellFormedCard, latestEncounterId, loadPatient, orderRequest, PLAIN_PATIENT, standardPrefetch, startApp, type CardsResponse, type RunningApp } from './helpers';

let app: RunningApp;
let plain: FhirResource[];

beforeAll(async () => {
  app = await startApp({ CDS_DEADLINE_MS: '20000' });
  plain = loadPatient(PLAIN_PATIENT);
});
afterAll(async () => {
  await app?.close();
});

const LOCAL_FORMULARY = 'urn:oid:2.16.840.1.113883.3.4242.1';
const topics = (card: Card | undefined): { topic: string; indicator: string }[] => (card?.extension?.['lamo-cds-findings'] as { topic: string; indicator: string }[] | undefined) ?? [];
const about = (cards: Card[], word: RegExp): Card | undefined => cards.find((card) => word.test(card.summary));

function condition(code: string, display: string): Condition {
  return {
    resourceType: 'Condition',
    id: `read4-${code}`,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    code: { coding: [{ system: 'http://snomed.info/sct', code, display }], text: display },
    subject: { reference: `Patient/${PLAIN_PATIENT}` },
    onsetDateTime: '1990-01-01T00:00:00Z',
  };
}

const penicillinAllergy: AllergyIntolerance = {
  resourceType: 'AllergyIntolerance',
  id: 'read4-penicillin',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
  category: ['medication'],
  code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }], text: 'Allergy to penicillin' },
  patient: { reference: `Patient/${PLAIN_PATIENT}` },
  recordedDate: '1990-01-01',
};

/** A draft named only by the EHR's own formulary code and its text. */
function localDraft(display: string, encounterId: string): MedicationRequest {
  const draft = draftOrder(PLAIN_PATIENT, 'unused', display, encounterId);
  return { ...draft, medicationCodeableConcept: { coding: [{ system: LOCAL_FORMULARY, code: `F-${display.length}`, display }], text: display } };
}

async function sign(extra: FhirResource[], display: string): Promise<Card[]> {
  const resources = [...plain, ...extra];
  const encounterId = latestEncounterId(resources);
  const body = orderRequest({ patientId: PLAIN_PATIENT, encounterId, drafts: [localDraft(display, encounterId)], prefetch: standardPrefetch(resources, encounterId) });
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-order-sign`, { body });
  expect(response.status).toBe(200);
  response.body.cards.forEach(expectWellFormedCard);
  return response.body.cards;
}

test('penicillin allergy + "Cefuroxime axetil": the cephalosporin cross-reactivity warning', async () => {
  const cards = await sign([penicillinAllergy, condition('233604007', 'Pneumonia')], 'Cefuroxime axetil 500 MG Oral Tablet');
  const card = about(cards, /cefuroxime/i);
  expect(card?.summary).toMatch(/^Allergy: cefuroxime may cross-react \(Allergy to penicillin\)/);
  expect(topics(card)).toContainEqual(expect.objectContaining({ indicator: 'warning' }));
  expect(cards.map((c) => c.summary).join('\n')).not.toMatch(/not in the drug catalogue/);
});

test('ceftriaxone by text is identified with its class: no "not in the drug catalogue" card', async () => {
  const cards = await sign([condition('233604007', 'Pneumonia')], 'Ceftriaxone 1000 MG Injection');
  const text = cards.map((card) => `${card.summary}\n${card.detail ?? ''}`).join('\n');
  expect(text).not.toMatch(/not in the drug catalogue|drug class is unknown/);
  expect(text).not.toMatch(/No indication for ceftriaxone/);
});

test('"Low back pain" (SNOMED 279039007) is an indication for naproxen and for cyclobenzaprine', async () => {
  for (const display of ['Naproxen 500 MG Oral Tablet', 'Cyclobenzaprine Hydrochloride 10 MG Oral Tablet']) {
    const cards = await sign([condition('279039007', 'Low back pain')], display);
    const text = cards.map((card) => `${card.summary}\n${card.detail ?? ''}`).join('\n');
    expect(text).not.toMatch(/No indication/i);
  }
});

test('metformin drafted at an eGFR of 22, no kidney disease coded: contraindicated, naming the result', async () => {
  const encounterId = latestEncounterId(plain);
  const encounter = plain.find((r): r is Encounter => r.resourceType === 'Encounter' && r.id === encounterId);
  const taken = new Date(Date.parse(encounter?.period?.start ?? '') - 20 * 24 * 60 * 60 * 1000).toISOString();
  const egfr: Observation = {
    resourceType: 'Observation',
    id: 'read4-egfr',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '33914-3', display: 'Glomerular filtration rate/1.73 sq M.predicted' }] },
    subject: { reference: `Patient/${PLAIN_PATIENT}` },
    effectiveDateTime: taken,
    valueQuantity: { value: 22, unit: 'mL/min/{1.73_m2}', system: 'http://unitsofmeasure.org', code: 'mL/min/{1.73_m2}' },
  };
  const card = about(await sign([egfr, condition('44054006', 'Diabetes mellitus type 2')], 'Metformin hydrochloride 500 MG Oral Tablet'), /^Metformin/);
  expect(card?.indicator).toBe('critical');
  expect(card?.summary).toBe(`Metformin with eGFR 22 mL/min/1.73 m² (${taken.slice(0, 10)}): contraindicated (eGFR below 30)`);
  expect(card?.detail).toMatch(/the latest result, \*\*eGFR 22 mL\/min\/1\.73 m² \(\d{4}-\d\d-\d\d\)\*\*, is in the range of chronic kidney disease stage 4 to 5/);
});

test('acetaminophen/codeine drafted for a child of 8: contraindicated under 12, with the age', async () => {
  const encounterId = latestEncounterId(plain);
  const encounter = plain.find((r): r is Encounter => r.resourceType === 'Encounter' && r.id === encounterId);
  const born = new Date(Date.parse(encounter?.period?.start ?? '') - 8.5 * 365.25 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
  const child = plain.map((r) => (r.resourceType === 'Patient' ? { ...r, birthDate: born } : r));
  const body = orderRequest({
    patientId: PLAIN_PATIENT,
    encounterId,
    drafts: [localDraft('Acetaminophen 300 MG / Codeine Phosphate 30 MG Oral Tablet', encounterId)],
    prefetch: standardPrefetch([...child, condition('125605004', 'Fracture of bone')], encounterId),
  });
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-order-sign`, { body });
  const card = about(response.body.cards, /codeine/i);
  expect(card?.indicator).toBe('critical');
  expect(card?.summary).toBe('Acetaminophen / codeine at age 8: contraindicated in children under 12');
  expect(card?.detail).toMatch(/the patient is \*\*8 years old\*\* \(children under 12 years\)/);
});

test('a fentanyl patch with no opioid in the record: contraindicated (opioid-non-tolerant); with oxycodone active: no such card', async () => {
  const patch = '72 HR Fentanyl 0.025 MG/HR Transdermal System';
  const naive = about(await sign([condition('82423001', 'Chronic pain')], patch), /^Fentanyl/);
  expect(naive?.indicator).toBe('critical');
  expect(naive?.summary).toBe('Fentanyl with no opioid now or in the past 30 days: contraindicated in opioid-non-tolerant patients');
  const encounterId = latestEncounterId(plain);
  const oxycodone: MedicationRequest = {
    resourceType: 'MedicationRequest',
    id: 'read4-oxycodone',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: 'Oxycodone Hydrochloride 5 MG Oral Tablet' },
    subject: { reference: `Patient/${PLAIN_PATIENT}` },
    encounter: { reference: `Encounter/${encounterId}` },
    authoredOn: '1998-08-01T00:00:00Z',
  };
  const tolerant = await sign([condition('82423001', 'Chronic pain'), oxycodone], patch);
  expect(tolerant.map((card) => card.summary).join('\n')).not.toMatch(/opioid-non-tolerant/);
});
