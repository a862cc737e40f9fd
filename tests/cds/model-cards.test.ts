/**
 * Unit tests of the model-driven card builders, with chosen probabilities (the development model's are
 * noise): unsupported orders, more drugs than expected, suggestions (and what is withheld from them),
 * medication review, discharge list. Record, vocabulary and safety tables are the real ones.
 */
import type { AllergyEntry, MedicationOrder } from '../../src/fhir/types';
import { assembleRecord } from '../../src/fhir/record';
import { activeOrders, type Assessment, type ModelOutput } from '../../src/cds/assessment';
import { summaryText } from '../../src/cds/cards/card';
import { dischargeCard } from '../../src/cds/cards/discharge';
import { medicationReviewCards } from '../../src/cds/cards/medication-review';
import { orderCountCard } from '../../src/cds/cards/order-count';
import { withheldCandidates } from '../../src/cds/cards/safety';
import { recommendedCandidates, suggestionsCard } from '../../src/cds/cards/suggestions';
import { unsupportedOrderCards } from '../../src/cds/cards/unsupported-order';
import { createSafetyChecks } from '../../src/cds/safety-checks';
import type { MedicationRequest } from 'fhir/r4';
import { loadDrugKnowledge } from '../../src/safety/drugs';
import { medicationRequestErrors } from './fhir-schema';
import { draftOrder, latestEncounterId, loadPatient, PLAIN_PATIENT, RXNORM } from './helpers';

const knowledge = loadDrugKnowledge();
const vocab = knowledge.vocabulary;
const safety = createSafetyChecks(knowledge);
const source = { label: 'LAMO test', modelCardUrl: 'https://cds.example.org/model-card' };
const resources = loadPatient(PLAIN_PATIENT);
const encounterId = latestEncounterId(resources);
const { record } = assembleRecord(resources, { patientId: PLAIN_PATIENT });

function order(code: string, display: string): MedicationOrder {
  const resource = draftOrder(PLAIN_PATIENT, code, display, encounterId);
  return {
    id: resource.id as string,
    concept: { system: RXNORM, code, display, codings: [{ system: RXNORM, code, display }] },
    status: 'draft',
    reasonConditionIds: [],
    reasonConcepts: [],
    resource,
  };
}

function model(probabilities: Record<string, number>, extra: Partial<ModelOutput> = {}): ModelOutput {
  return {
    probabilities: new Map(Object.entries(probabilities)),
    threshold: 0.5,
    modelVersion: 'test-1',
    covered: new Set(vocab.candidates.map((c) => c.name)),
    evidence: { diagnoses: ['hypertension'], pastHistory: [], procedures: [], medicationsOnAdmission: [], noteSections: ['historyOfPresentIllness'], previousDrugs: [] },
    ...extra,
  };
}

function assessment(drafts: MedicationOrder[], output: ModelOutput | undefined, allergies: AllergyEntry[] = record.allergies): Assessment {
  const withAllergies = { ...record, allergies };
  return {
    patientId: PLAIN_PATIENT,
    encounterId,
    userId: 'Practitioner/example',
    record: withAllergies,
    encounter: record.encounters[record.encounters.length - 1],
    drafts,
    assessedDrafts: drafts,
    active: activeOrders(withAllergies, vocab, new Set()),
    vocab,
    model: output,
    withheld: new Map(),
  };
}

const amoxicillin = (): MedicationOrder => order('308182', 'Amoxicillin 250 MG Oral Capsule');

test('the active medications of the fixture patient are known to the vocabulary', () => {
  const names = activeOrders(record, vocab, new Set()).map((o) => vocab.normalise(o.concept));
  expect(names).toEqual(expect.arrayContaining([expect.objectContaining({ candidate: 'simvastatin' }), expect.objectContaining({ candidate: 'amlodipine' })]));
});

describe('unsupported draft orders (a)', () => {
  test('P(yes) under the threshold → a warning with a delete suggestion naming the draft', () => {
    const draft = amoxicillin();
    const cards = unsupportedOrderCards(assessment([draft], model({ amoxicillin: 0.08 })), source);
    expect(cards).toHaveLength(1);
    const { card, kind } = cards[0];
    expect(kind).toBe('unsupported-order');
    expect(card.indicator).toBe('warning');
    expect(card.summary).toMatch(/Amoxicillin 250 MG Oral Capsule.*not supported.*8\.0%/);
    expect(card.detail).toMatch(/P\(yes\) 8\.0%/);
    expect(card.detail).toMatch(/hypertension/);
    expect(card.detail).toMatch(/history of present illness/);
    expect(card.suggestions?.[0].actions).toEqual([{ type: 'delete', description: expect.any(String), resourceId: `MedicationRequest/${draft.id}` }]);
    expect(card.overrideReasons?.every((r) => r.display)).toBe(true);
  });

  test('at or over the threshold, or not covered by the model: no warning (never guessed)', () => {
    expect(unsupportedOrderCards(assessment([amoxicillin()], model({ amoxicillin: 0.5 })), source)).toEqual([]);
    const uncovered = model({ amoxicillin: 0.01 }, { covered: new Set(['simvastatin']) });
    expect(unsupportedOrderCards(assessment([amoxicillin()], uncovered), source)).toEqual([]);
  });
});

describe('more drugs than expected (e)', () => {
  const drafts = (): MedicationOrder[] => [
    amoxicillin(),
    order('310965', 'Ibuprofen 200 MG Oral Tablet'),
    order('313782', 'Acetaminophen 325 MG Oral Tablet'),
    order('198014', 'Naproxen 500 MG Oral Tablet'),
  ];

  test('more drafts than max(expectedDrugsPerVisit, candidates over threshold) → info card with both figures', () => {
    const cards = orderCountCard(assessment(drafts(), model({ amoxicillin: 0.7, ibuprofen: 0.2 }, { expectedDrugsPerVisit: 1.165 })), source);
    expect(cards).toHaveLength(1);
    expect(cards[0].card.indicator).toBe('info');
    expect(cards[0].card.summary).toBe('4 drugs ordered; the LAMO model expects about 2 for this visit');
    expect(cards[0].card.detail).toMatch(/1\.2 drug orders/);
    expect(cards[0].card.detail).toMatch(/recommends 1 candidate drug /);
  });

  test('as many drafts as the model recommends → no card', () => {
    const probabilities = { amoxicillin: 0.9, ibuprofen: 0.9, acetaminophen: 0.9, naproxen: 0.9 };
    expect(orderCountCard(assessment(drafts(), model(probabilities, { expectedDrugsPerVisit: 1.2 })), source)).toEqual([]);
  });
});

describe('suggestions', () => {
  test('recommended, not ordered, not active: one card, one create per drug, each a valid R4 MedicationRequest', () => {
    const a = assessment([amoxicillin()], model({ atorvastatin: 0.91, simvastatin: 0.95, amoxicillin: 0.88, cefuroxime: 0.7, lisinopril: 0.2 }));
    const cards = suggestionsCard(a, source, { intent: 'proposal', limit: 5 });
    expect(cards).toHaveLength(1);
    const { card } = cards[0];
    expect(card.selectionBehavior).toBe('any');
    // simvastatin is active, amoxicillin drafted, lisinopril under the threshold.
    const created = (card.suggestions ?? []).map((s) => {
      expect(s.actions).toHaveLength(1);
      const action = s.actions?.[0];
      if (action?.type !== 'create') throw new Error('expected a create action');
      return action.resource as MedicationRequest;
    });
    expect(created.map((r) => r.medicationCodeableConcept?.text)).toEqual(['atorvastatin', 'cefuroxime']);
    for (const resource of created) {
      expect(medicationRequestErrors(resource)).toEqual([]);
      expect(resource).toEqual(
        expect.objectContaining({
          status: 'draft',
          intent: 'proposal',
          subject: { reference: `Patient/${PLAIN_PATIENT}` },
          encounter: { reference: `Encounter/${encounterId}` },
          requester: { reference: 'Practitioner/example' },
        }),
      );
      expect(resource.medicationCodeableConcept?.coding?.[0]).toEqual({ system: RXNORM, code: expect.stringMatching(/^\d+$/) });
    }
  });

  test('reasonReference cites the current condition an earlier order of the drug was for', () => {
    const condition = record.conditions.find((c) => c.clinicalStatus === 'active' && !c.abatement);
    if (!condition) throw new Error('fixture patient has no active condition');
    const earlier: MedicationOrder = { ...order('308182', 'Amoxicillin 250 MG Oral Capsule'), status: 'stopped', reasonConditionIds: [condition.id] };
    const a = assessment([], model({ amoxicillin: 0.9 }));
    a.record = { ...a.record, medications: [...a.record.medications, earlier] };
    const { card } = suggestionsCard(a, source, { intent: 'proposal', limit: 5 })[0];
    const action = card.suggestions?.[0].actions?.[0];
    const resource = action?.type === 'create' ? action.resource : undefined;
    expect(resource?.reasonReference).toEqual([{ reference: `Condition/${condition.id}`, display: condition.concept.display }]);
    expect(medicationRequestErrors(resource)).toEqual([]);
    expect(card.detail).toContain(`Earlier orders of this drug were for: ${condition.concept.display}`);
  });

  test('a recommendation the patient is allergic to is withheld, and said so', () => {
    const penicillinAllergy: AllergyEntry = {
      id: 'a1',
      concept: { display: 'Allergy to penicillin', system: 'http://snomed.info/sct', code: '91936005', codings: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }] },
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      category: ['medication'],
    };
    const a = assessment([], model({ amoxicillin: 0.9, atorvastatin: 0.8 }), [penicillinAllergy]);
    a.withheld = withheldCandidates(a, recommendedCandidates(a), safety);
    expect([...a.withheld.keys()]).toEqual(['amoxicillin']);
    const { card } = suggestionsCard(a, source, { intent: 'proposal', limit: 5 })[0];
    expect(card.suggestions?.map((s) => s.label)).toEqual([expect.stringMatching(/^Order atorvastatin/)]);
    expect(card.detail).toMatch(/not suggested:\n- amoxicillin: allergy or intolerance to Allergy to penicillin/);
  });
});

test('medication review: an active drug under the threshold → one warning naming it', () => {
  const cards = medicationReviewCards(assessment([], model({ simvastatin: 0.05, amlodipine: 0.9 })), source);
  expect(cards).toHaveLength(1);
  expect(cards[0].kind).toBe('review-unsupported');
  expect(cards[0].card.indicator).toBe('warning');
  expect(cards[0].card.summary).toMatch(/^Active Simvastatin/);
});

test('discharge list: continue, new (create, intent order), review', () => {
  const [issued] = dischargeCard(assessment([], model({ amlodipine: 0.9, simvastatin: 0.1, atorvastatin: 0.8 })), source, 5);
  expect(issued.kind).toBe('discharge-list');
  expect(issued.card.summary).toBe('Discharge medications: 1 to continue, 1 new, 1 to review');
  expect(issued.card.detail).toMatch(/\*\*Continue \(active, recommended\)\*\*\n- Amlodipine/);
  const action = issued.card.suggestions?.[0].actions?.[0];
  expect(action?.type === 'create' && action.resource.intent).toBe('order');
});

test('summaries stay under 140 characters', () => {
  const long = summaryText(`Not assessed by the LAMO model: ${'Some very long drug name 10 MG Oral Tablet, '.repeat(10)}`);
  expect(long.length).toBeLessThan(140);
  expect(long.endsWith('…')).toBe(true);
});
