/**
 * The interaction knowledge through the real service (issue 15, item 6 and the cases of its "Why"): each pair
 * of tests/safety/coverage-pairs.json is sent as an EHR would — order-sign, the first drug an active
 * MedicationRequest, the second a draft, both drugs' indications active Conditions, an adult patient — over real
 * HTTP to the real app (real model, tables, SQLite). Flag rows must get a card about the pair with the expected
 * indicator; quiet rows no warning or critical card about the pair; every card must be well formed.
 * One service start, sequential calls.
 */
import type { Bundle, CodeableConcept, Condition, Encounter, FhirResource, MedicationRequest, Observation, Patient } from 'fhir/r4';
import type { Card } from '../../src/cds/types';
import { call, expectWellFormedCard, orderRequest, searchset, startApp, type CardsResponse, type RunningApp } from '../cds/helpers';
import { conceptOf, COVERAGE, drugOf, rowName, type CoverageRow } from './coverage-pairs';

let app: RunningApp;
beforeAll(async () => {
  app = await startApp({ CDS_DEADLINE_MS: '20000' });
});
afterAll(() => app.close());

const DAY = 24 * 60 * 60 * 1000;
let serial = 0;

function codeable(key: string): CodeableConcept {
  const concept = conceptOf(key);
  return { coding: concept.codings.map((c) => ({ system: c.system, code: c.code, display: c.display })), text: concept.display };
}

/** A birth date that makes the patient exactly `age` today. */
function birthDateFor(age: number): string {
  const date = new Date(Date.now() - DAY);
  date.setUTCFullYear(date.getUTCFullYear() - age);
  return date.toISOString().slice(0, 10);
}

interface Scenario {
  age: number;
  active: string[];
  draft: string;
  labs?: Observation[];
  extraConditions?: { snomed: string; display: string }[];
}

/** The order-sign request of a scenario, with every prefetch type present (nothing to fetch, nothing partial). */
function scenarioRequest(scenario: Scenario): { body: Record<string, unknown>; draftId: string } {
  serial += 1;
  const patientId = `coverage-${serial}`;
  const subject = { reference: `Patient/${patientId}` };
  const patient: Patient = { resourceType: 'Patient', id: patientId, birthDate: birthDateFor(scenario.age), gender: 'female' };
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: `${patientId}-enc`,
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject,
    period: { start: new Date().toISOString() },
  };
  const conditions = new Map<string, Condition>();
  const conditionFor = (indication: { snomed: string; display: string }): Condition => {
    const found = conditions.get(indication.snomed);
    if (found) return found;
    const condition: Condition = {
      resourceType: 'Condition',
      id: `${patientId}-c${conditions.size + 1}`,
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: indication.snomed, display: indication.display }], text: indication.display },
      subject,
      onsetDateTime: new Date(Date.now() - 400 * DAY).toISOString(),
    };
    conditions.set(indication.snomed, condition);
    return condition;
  };
  for (const extra of scenario.extraConditions ?? []) conditionFor(extra);
  const order = (key: string, status: 'active' | 'draft', id: string, authored: Date): MedicationRequest => {
    const indication = drugOf(key).indication;
    const reason = indication ? conditionFor(indication) : undefined;
    return {
      resourceType: 'MedicationRequest',
      id,
      status,
      intent: 'order',
      medicationCodeableConcept: codeable(key),
      subject,
      ...(status === 'draft' ? { encounter: { reference: `Encounter/${encounter.id}` } } : {}),
      authoredOn: authored.toISOString(),
      ...(reason ? { reasonReference: [{ reference: `Condition/${reason.id}` }] } : {}),
    };
  };
  const actives = scenario.active.map((key, i) => order(key, 'active', `${patientId}-active-${i + 1}`, new Date(Date.now() - 30 * DAY)));
  const draft = order(scenario.draft, 'draft', `${patientId}-draft`, new Date());
  const bundle = (resources: FhirResource[], query: string): Bundle => searchset(resources, `${query}?patient=${patientId}`);
  const prefetch: Record<string, unknown> = {
    patient,
    encounter,
    encounters: bundle([encounter], 'Encounter'),
    conditions: bundle([...conditions.values()], 'Condition'),
    procedures: bundle([], 'Procedure'),
    notes: bundle([], 'DocumentReference'),
    medications: bundle(actives, 'MedicationRequest'),
    allergies: bundle([], 'AllergyIntolerance'),
    labs: bundle(scenario.labs ?? [], 'Observation'),
  };
  return { body: orderRequest({ hook: 'order-sign', patientId, encounterId: encounter.id, drafts: [draft], prefetch }), draftId: draft.id as string };
}

async function sign(scenario: Scenario): Promise<Card[]> {
  const { body } = scenarioRequest(scenario);
  const response: CardsResponse = await call(`${app.url}/cds-services/lamo-order-sign`, { body });
  expect(response.status).toBe(200);
  for (const card of response.body.cards) expectWellFormedCard(card);
  return response.body.cards;
}

/** The card that reports an interaction of the draft with another order. */
const interactionCard = (cards: Card[]): Card | undefined => cards.find((card) => /Interaction with/.test(card.detail ?? ''));

const LEVELS = ['info', 'warning', 'critical'];

/** The severity the card gives the pair (its interaction and duplicate findings), not what else it says about the
 * draft: a fentanyl patch for a patient with no opioid is also contraindicated, a separate finding. */
function pairLevel(card: Card): string {
  const findings = (card.extension?.['lamo-cds-findings'] as { topic: string; indicator: string }[] | undefined) ?? [];
  const about = findings.filter((f) => f.topic === 'drugInteraction' || f.topic === 'duplicateTherapy').map((f) => f.indicator);
  return about.length > 0 ? about.reduce((a, b) => (LEVELS.indexOf(b) > LEVELS.indexOf(a) ? b : a)) : card.indicator;
}

/** A warning or critical card that names the other drug (by its product text or an ingredient). */
function alarmAbout(cards: Card[], row: CoverageRow): Card | undefined {
  const other = conceptOf(row.active).display.toLowerCase().split(/[^a-z]+/).filter((word) => word.length > 4);
  return cards.find((card) => card.indicator !== 'info' && other.some((word) => `${card.summary} ${card.detail ?? ''}`.toLowerCase().includes(word)) && /Interaction|Duplicate/i.test(`${card.summary} ${card.detail ?? ''}`));
}

describe('coverage table through the service', () => {
  test(`${COVERAGE.flag.length} clinically important pairs: each flagged with its expected severity`, async () => {
    const wrong: string[] = [];
    for (const row of COVERAGE.flag) {
      const cards = await sign({ age: row.age ?? 55, active: [row.active], draft: row.draft });
      const card = interactionCard(cards);
      if (!card) wrong.push(`${rowName(row)}: no interaction card (cards: ${cards.map((c) => `${c.indicator} ${c.summary}`).join(' | ')})`);
      else if (pairLevel(card) !== row.expect) wrong.push(`${rowName(row)}: ${pairLevel(card)}, expected ${row.expect} — ${card.summary}`);
    }
    expect(wrong).toEqual([]);
  });

  test(`${COVERAGE.quiet.length} common harmless pairs: no warning or critical card about the pair`, async () => {
    const alarmed: string[] = [];
    for (const row of COVERAGE.quiet) {
      const cards = await sign({ age: row.age ?? 55, active: [row.active], draft: row.draft });
      const card = alarmAbout(cards, row);
      if (card) alarmed.push(`${rowName(row)}: ${card.indicator} ${card.summary}`);
    }
    expect(alarmed).toEqual([]);
  });
});

describe("the issue's cases, card by card", () => {
  test('tramadol ordered for a patient on fluoxetine: a warning naming serotonin syndrome, what to do and the source', async () => {
    const card = interactionCard(await sign({ age: 55, active: ['fluoxetine'], draft: 'tramadol' }));
    expect(card?.indicator).toBe('warning');
    expect(card?.summary).toMatch(/tramadol/i);
    expect(card?.summary).toMatch(/fluoxetine/i);
    expect(card?.detail).toMatch(/Serotonin syndrome/);
    expect(card?.detail).toMatch(/seizure threshold/);
    expect(card?.detail).toMatch(/prefer a non-serotonergic analgesic/);
    expect(card?.detail).toMatch(/Source: FDA prescribing information of these drugs; FDA safety communication 2016 \(opioids\); rule ssri-snri-serotonergic-opioid/);
    expect(card?.suggestions?.[0]?.actions?.[0]?.type).toBe('delete');
  });

  test('warfarin + amoxicillin/clavulanate: warned, INR check advised, and the missing INR said', async () => {
    const card = interactionCard(await sign({ age: 60, active: ['warfarin'], draft: 'amox-clav' }));
    expect(card?.indicator).toBe('warning');
    expect(card?.detail).toMatch(/INR can rise/);
    expect(card?.detail).toMatch(/check the INR within 3-5 days/);
    expect(card?.detail).toMatch(/No recent INR result in the record/);
  });

  test('warfarin + amoxicillin/clavulanate with a recent INR of 3.8: critical, the INR quoted', async () => {
    const inr: Observation = {
      resourceType: 'Observation',
      id: 'inr-1',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '6301-6', display: 'INR' }] },
      subject: { reference: 'Patient/x' },
      effectiveDateTime: new Date(Date.now() - 3 * DAY).toISOString(),
      valueQuantity: { value: 3.8, unit: '{INR}', system: 'http://unitsofmeasure.org', code: '{INR}' },
    };
    const scenario: Scenario = { age: 60, active: ['warfarin'], draft: 'amox-clav', labs: [inr] };
    const { body } = scenarioRequest(scenario);
    // The Observation belongs to the request's patient.
    const patientId = (body.context as { patientId: string }).patientId;
    inr.subject = { reference: `Patient/${patientId}` };
    const response: CardsResponse = await call(`${app.url}/cds-services/lamo-order-sign`, { body });
    const card = interactionCard(response.body.cards);
    expect(card?.indicator).toBe('critical');
    expect(card?.detail).toMatch(/INR 3\.8/);
  });

  test('digoxin + verapamil: a warning on digoxin toxicity and AV block, dose reduction advised', async () => {
    const card = interactionCard(await sign({ age: 70, active: ['digoxin'], draft: 'verapamil' }));
    expect(card?.indicator).toBe('warning');
    expect(card?.detail).toMatch(/Digoxin toxicity/);
    expect(card?.detail).toMatch(/AV conduction/);
    expect(card?.detail).toMatch(/reduce the digoxin dose/);
  });

  test('clopidogrel + naproxen in an 88-year-old with coronary heart disease and a brain injury: bleeding, Beers', async () => {
    const cards = await sign({ age: 88, active: ['clopidogrel'], draft: 'naproxen', extraConditions: [{ snomed: '127295002', display: 'Traumatic brain injury' }] });
    const card = interactionCard(cards);
    expect(['warning', 'critical']).toContain(card?.indicator);
    expect(card?.detail).toMatch(/gastrointestinal and other bleeding/);
    expect(card?.detail).toMatch(/age over 65 years \(AGS Beers 2023: avoid\)/);
    expect(card?.detail).toMatch(/AGS Beers Criteria 2023/);
  });

  test('low-dose aspirin + warfarin at 72 (a clinician\'s question): a warning to confirm the indication, critical only with a past GI bleed', async () => {
    const plain = interactionCard(await sign({ age: 72, active: ['warfarin'], draft: 'aspirin' }));
    expect(plain?.indicator).toBe('warning');
    expect(plain?.detail).toMatch(/Confirm the indication and planned duration/);
    expect(plain?.detail).toMatch(/age over 75|rule anticoagulant-antiplatelet/);
    expect(plain?.detail).not.toMatch(/pddi-warfarin-nsaids|prefer acetaminophen/);
    const bled = interactionCard(await sign({ age: 72, active: ['warfarin'], draft: 'aspirin', extraConditions: [{ snomed: '37372002', display: 'Upper gastrointestinal hemorrhage' }] }));
    expect(bled?.indicator).toBe('critical');
    expect(bled?.detail).toMatch(/history of gastrointestinal bleeding or peptic ulcer/);
  });

  test('SSRI + NSAID (sertraline + ibuprofen): a warning on upper GI bleeding', async () => {
    const card = interactionCard(await sign({ age: 50, active: ['sertraline'], draft: 'ibuprofen' }));
    expect(card?.indicator).toBe('warning');
    expect(card?.detail).toMatch(/upper gastrointestinal bleeding/);
    expect(card?.detail).toMatch(/proton-pump inhibitor/);
  });

  test('ACE inhibitor + diuretic + NSAID as three orders: one card on the NSAID naming all three', async () => {
    const cards = await sign({ age: 68, active: ['lisinopril', 'hctz'], draft: 'ibuprofen' });
    const interactions = cards.filter((card) => /Interaction with/.test(card.detail ?? ''));
    expect(interactions).toHaveLength(1);
    expect(interactions[0].indicator).toBe('warning');
    expect(interactions[0].detail).toMatch(/lisinopril \+ ibuprofen with hydrochlorothiazide \(a diuretic\): Acute kidney injury/);
    expect(interactions[0].detail).toMatch(/No recent eGFR or creatinine result in the record/);
  });
});
