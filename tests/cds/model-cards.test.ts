/**
 * Unit tests of the card builders, with chosen probabilities (the development model's are noise): no
 * indication + confident model → a finding on the draft's one card; suggestions only with an active indication;
 * medication review; discharge list; the warning budget; markdown escaping. Record, vocabulary, indication,
 * high-risk and safety tables are the real ones.
 */
import type { AllergyEntry, MedicationOrder } from '../../src/fhir/types';
import { assembleRecord } from '../../src/fhir/record';
import { activeOrders, supportFor, type Assessment, type ModelOutput } from '../../src/cds/assessment';
import { makeCard, md, summaryText } from '../../src/cds/cards/card';
import { withinWarningBudget } from '../../src/cds/cards/budget';
import { dischargeCard } from '../../src/cds/cards/discharge';
import { drugCard } from '../../src/cds/cards/drug-card';
import { orderCountCard } from '../../src/cds/cards/order-count';
import { activeSafetyFindings, draftSafetyFindings, withheldCandidates } from '../../src/cds/cards/safety';
import { recommendedCandidates, suggestionsCard } from '../../src/cds/cards/suggestions';
import { unsupportedFindings } from '../../src/cds/cards/unsupported-order';
import { createSafetyChecks } from '../../src/cds/safety-checks';
import type { MedicationRequest } from 'fhir/r4';
import { thresholdsFromTable } from '../../src/inference/thresholds';
import { cardKnowledge as cardKnowledgeOf } from '../../src/server/wiring';
import { loadDrugKnowledge } from '../../src/safety/drugs';
import { medicationRequestErrors } from './fhir-schema';
import { draftOrder, latestEncounterId, loadPatient, PLAIN_PATIENT, RXNORM, WARFARIN_PATIENT } from './helpers';

const knowledge = loadDrugKnowledge();
const vocab = knowledge.vocabulary;
const safety = createSafetyChecks(knowledge);
const cardKnowledge = cardKnowledgeOf(knowledge);
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
    thresholds: thresholdsFromTable({ recommend: 0.5, unsupported: 0.05, candidates: {} }),
    modelVersion: '1.0.0',
    covered: new Set(vocab.candidates.map((c) => c.name)),
    evidence: { diagnoses: ['hypertension'], pastHistory: [], procedures: [], medicationsOnAdmission: [], allergies: [], noteSections: ['historyOfPresentIllness'], previousDrugs: [] },
    ...extra,
  };
}

function assessment(drafts: MedicationOrder[], output: ModelOutput | undefined, allergies: AllergyEntry[] = record.allergies, base = record): Assessment {
  const withAllergies = { ...base, allergies };
  const active = activeOrders(withAllergies, vocab, new Set());
  return {
    patientId: PLAIN_PATIENT,
    encounterId,
    userId: 'Practitioner/example',
    record: withAllergies,
    encounter: base.encounters[base.encounters.length - 1],
    inpatient: false,
    drafts,
    judged: drafts.length > 0 ? drafts : active,
    active,
    vocab,
    knowledge: cardKnowledge,
    ...(output ? { model: output } : {}),
    withheld: new Map(),
    incomplete: new Map(),
  };
}

const amoxicillin = (): MedicationOrder => order('308182', 'Amoxicillin 250 MG Oral Capsule');

test('the active medications of the fixture patient are known to the vocabulary', () => {
  const names = activeOrders(record, vocab, new Set()).map((o) => vocab.normalise(o.concept));
  expect(names).toEqual(expect.arrayContaining([expect.objectContaining({ candidate: 'simvastatin' }), expect.objectContaining({ candidate: 'amlodipine' })]));
});

const ibuprofen = (): MedicationOrder => order('310965', 'Ibuprofen 200 MG Oral Tablet');

describe('a draft without an indication', () => {
  test('no active indication and P(yes) under the unsupported threshold → a warning on the draft\'s one card, figures in the detail', () => {
    const draft = ibuprofen();
    const a = assessment([draft], model({ ibuprofen: 0.01 }));
    const findings = unsupportedFindings(a);
    expect(findings.map((f) => [f.kind, f.indicator, f.summary])).toEqual([['unsupported-order', 'warning', 'No indication for ibuprofen found in the record']]);
    const { card } = drugCard(a, findings, source);
    expect(card.summary).toBe('No indication for ibuprofen found in the record');
    expect(card.summary).not.toMatch(/%|P\(yes\)/);
    expect(card.detail).toMatch(/P\(yes\) for ibuprofen at this visit: 1\.0%/);
    expect(card.detail).toMatch(/no active condition in the record is one of its indications/);
    expect(card.detail).not.toMatch(/No active condition in the record was found that supports ibuprofen/);
    expect(card.detail).toMatch(/Active problems: hypertension|Diagnoses of this visit: hypertension/);
    expect(card.detail).toContain('LAMO model version 1.0.0;');
    expect(card.suggestions?.map((s) => s.actions)).toEqual([[{ type: 'delete', description: expect.any(String), resourceId: `MedicationRequest/${draft.id}` }]]);
  });

  test('an active indication: no finding; a new order without one is warned about whatever the model says (issue 16.1)', () => {
    // Amoxicillin treats the patient's chronic sinusitis (indication table).
    expect(supportFor(assessment([], undefined), 'amoxicillin').map((s) => s.display)).toContain('Chronic sinusitis');
    expect(unsupportedFindings(assessment([amoxicillin()], model({ amoxicillin: 0.001 })))).toEqual([]);
    const warned = (output: ModelOutput | undefined): string[] => unsupportedFindings(assessment([ibuprofen()], output)).map((f) => f.indicator);
    expect(warned(model({ ibuprofen: 0.2 }))).toEqual(['warning']);
    expect(warned(model({ ibuprofen: 0.01 }, { covered: new Set(['simvastatin']) }))).toEqual(['warning']);
    expect(warned(undefined)).toEqual(['warning']);
  });

  test('a high-risk chronic drug taken now is never advised against: at most an info card asking to confirm the indication', () => {
    const a0 = assessment([], undefined);
    const candidate = vocab.candidates.find((c) => cardKnowledge.highRisk.isHighRiskChronic(c.name) && c.rxnorm.length > 0 && supportFor(a0, c.name).length === 0);
    if (!candidate) throw new Error('no high-risk candidate without an indication for the fixture patient');
    // Active now (a review), so the stricter rule of continued drugs applies.
    const active: MedicationOrder = { ...order(candidate.rxnorm[0], candidate.name), status: 'active', authoredOn: record.encounters[record.encounters.length - 1].start };
    const withActive = { ...record, medications: [...record.medications, active] };
    const findings = unsupportedFindings(assessment([], model({ [candidate.name]: 0.001 }), record.allergies, withActive));
    expect(findings.map((f) => [f.kind, f.indicator])).toEqual([['confirm-indication', 'info']]);
    expect(findings[0].summary).toBe(`Confirm the indication for ${candidate.name}: none found in the record`);
  });
});

describe('one card per draft', () => {
  const warfarinRecord = assembleRecord(loadPatient(WARFARIN_PATIENT), { patientId: WARFARIN_PATIENT }).record;
  test('interaction and duplicate on one card, most severe first, one remove suggestion, product names', () => {
    const draft = ibuprofen();
    const a = assessment([draft], undefined, warfarinRecord.allergies, warfarinRecord);
    const findings = draftSafetyFindings(a, safety);
    expect(new Set(findings.map((f) => f.subject.orderId))).toEqual(new Set([draft.id]));
    const { card, kind } = drugCard(a, findings, source);
    expect(kind).toBe('drug-interaction');
    expect(card.indicator).toBe('critical');
    expect(card.summary).toMatch(/^Ibuprofen: interacts with warfarin \(active\); duplicates Naproxen sodium 220 MG Oral Tablet/);
    expect(card.detail?.indexOf('Interaction with')).toBeLessThan(card.detail?.indexOf('Duplicate therapy with') ?? 0);
    // Osteoarthritis of the knee is on the problem list: ibuprofen's indication is named.
    expect(card.detail).toMatch(/Active condition supporting ibuprofen:\n- Osteoarthritis of knee \(a known indication of this drug\)/);
    expect(card.suggestions).toHaveLength(1);
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
    expect(cards[0].card.summary).toBe('4 drugs ordered; about 2 are usual for a visit like this');
    expect(cards[0].card.detail).toMatch(/1\.2 drug orders/);
    expect(cards[0].card.detail).toMatch(/recommends 1 candidate drug /);
  });

  test('as many drafts as the model recommends → no card', () => {
    const probabilities = { amoxicillin: 0.9, ibuprofen: 0.9, acetaminophen: 0.9, naproxen: 0.9 };
    expect(orderCountCard(assessment(drafts(), model(probabilities, { expectedDrugsPerVisit: 1.2 })), source)).toEqual([]);
  });
});

describe('suggestions', () => {
  test('recommended, not ordered, not active, with an active indication: one create per drug, naming it, each a valid R4 MedicationRequest', () => {
    const a = assessment([amoxicillin()], model({ atorvastatin: 0.91, simvastatin: 0.95, amoxicillin: 0.88, ibuprofen: 0.8, cefuroxime: 0.7, lisinopril: 0.2 }));
    const cards = suggestionsCard(a, source, { intent: 'proposal', limit: 5 });
    expect(cards).toHaveLength(1);
    const { card } = cards[0];
    expect(card.selectionBehavior).toBe('any');
    // simvastatin is active, amoxicillin drafted, ibuprofen without an active indication, lisinopril under the threshold.
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
      expect(resource.reasonReference?.length).toBeGreaterThan(0);
    }
    expect(card.suggestions?.[0].label).toMatch(/^Order atorvastatin for Coronary Heart Disease/);
    expect(card.detail).not.toMatch(/\bibuprofen\b/);
  });

  test('reasonReference cites the active condition an earlier order of the drug was for', () => {
    const condition = record.conditions.find((c) => c.clinicalStatus === 'active' && !c.abatement);
    if (!condition) throw new Error('fixture patient has no active condition');
    const earlier: MedicationOrder = { ...order('310965', 'Ibuprofen 200 MG Oral Tablet'), status: 'stopped', reasonConditionIds: [condition.id] };
    const a = assessment([], model({ ibuprofen: 0.9 }));
    a.record = { ...a.record, medications: [...a.record.medications, earlier] };
    const { card } = suggestionsCard(a, source, { intent: 'proposal', limit: 5 })[0];
    const action = card.suggestions?.[0].actions?.[0];
    const resource = action?.type === 'create' ? action.resource : undefined;
    expect(resource?.reasonReference?.[0]).toEqual({ reference: `Condition/${condition.id}`, display: condition.concept.display });
    expect(medicationRequestErrors(resource)).toEqual([]);
  });

  test('a reason that is not a Condition is a reasonCode: a recorded allergy (loratadine), a contraceptive\'s use', () => {
    const pollen: AllergyEntry = {
      id: 'a2',
      concept: { display: 'Allergy to grass pollen', system: 'http://snomed.info/sct', code: '418689008', codings: [{ system: 'http://snomed.info/sct', code: '418689008', display: 'Allergy to grass pollen' }] },
      clinicalStatus: 'active',
      category: ['environment'],
    };
    const a = assessment([], model({ loratadine: 0.9, norethindrone: 0.8 }), [pollen]);
    const { card } = suggestionsCard(a, source, { intent: 'proposal', limit: 5 })[0];
    const resources = (card.suggestions ?? []).map((s) => (s.actions?.[0]?.type === 'create' ? s.actions[0].resource : undefined));
    const byDrug = new Map(resources.map((r) => [r?.medicationCodeableConcept?.text, r]));
    expect(byDrug.get('norethindrone')?.reasonCode).toEqual([{ text: 'contraception' }]);
    expect(byDrug.get('loratadine')?.reasonCode).toEqual([{ coding: [{ system: 'http://snomed.info/sct', code: '418689008', display: 'Allergy to grass pollen' }], text: 'Allergy to grass pollen' }]);
    for (const resource of resources) expect(medicationRequestErrors(resource)).toEqual([]);
  });

  test('a recommendation the patient is allergic to is withheld, and said so', () => {
    const penicillinAllergy: AllergyEntry = {
      id: 'a1',
      concept: { display: 'Allergy to penicillin', system: 'http://snomed.info/sct', code: '91936005', codings: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }] },
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      category: ['medication'],
    };
    const a = assessment([], model({ amoxicillin: 0.9, lisinopril: 0.8 }), [penicillinAllergy]);
    a.withheld = withheldCandidates(a, recommendedCandidates(a), safety);
    expect([...a.withheld.keys()]).toEqual(['amoxicillin']);
    const { card } = suggestionsCard(a, source, { intent: 'proposal', limit: 5 })[0];
    expect(card.suggestions?.map((s) => s.label)).toEqual([expect.stringMatching(/^Order lisinopril/)]);
    expect(card.detail).toMatch(/not suggested:\n- amoxicillin: allergy or intolerance to Allergy to penicillin/);
  });
});

test('medication review: an active drug with an active indication is never flagged; without one, a warning naming it', () => {
  expect(unsupportedFindings(assessment([], model({ simvastatin: 0.001, amlodipine: 0.001 })))).toEqual([]);
  const resolved = { ...record, conditions: record.conditions.map((c) => ({ ...c, clinicalStatus: 'resolved' })) };
  const findings = unsupportedFindings(assessment([], model({ simvastatin: 0.001, amlodipine: 0.9 }), record.allergies, resolved));
  expect(findings.map((f) => [f.kind, f.indicator, f.summary])).toEqual([['review-unsupported', 'warning', 'No indication for active simvastatin found in the record']]);
});

describe('discharge list', () => {
  test('every active drug is listed to continue, with the model\'s figure; new drugs with their indication', () => {
    const a = assessment([], model({ amlodipine: 0.9, simvastatin: 0.001, atorvastatin: 0.8 }));
    expect(a.active.map((o) => o.concept.display)).toEqual(expect.arrayContaining([expect.stringMatching(/^Amlodipine/), expect.stringMatching(/^Simvastatin/)]));
    const [issued] = dischargeCard(a, source, 5, []);
    expect(issued.kind).toBe('discharge-list');
    expect(issued.card.summary).toBe(`Discharge medications: ${a.active.length} to continue, 1 new, 0 to review`);
    // A drug the model does not recommend is still continued: a list of only the recommended ones reads as "stop the rest".
    expect(issued.card.detail).toMatch(/\*\*Continue \(active\)\*\*\n(- .*\n)*- Amlodipine[^\n]*\(model 90%, recommended\)/);
    expect(issued.card.detail).toMatch(/- Simvastatin[^\n]*\(model 0\.1%\)/);
    const action = issued.card.suggestions?.[0].actions?.[0];
    expect(action?.type === 'create' && action.resource.intent).toBe('order');
    expect(action?.type === 'create' && action.resource.reasonReference?.length).toBeGreaterThan(0);
  });

  test('nothing new and nothing to review: "continue the N active", and a drug with a safety card names it', () => {
    const a = assessment([], model({ amlodipine: 0.9, simvastatin: 0.001 }));
    // The real checks: simvastatin 20 mg with amlodipine is the label's dose note (information).
    const findings = activeSafetyFindings(a, safety);
    expect(findings.map((f) => f.summary)).toEqual([expect.stringMatching(/simvastatin|amlodipine/i)]);
    const [issued] = dischargeCard(a, source, 5, findings);
    expect(issued.card.summary).toBe(`Discharge medications: continue the ${a.active.length} active; no change suggested`);
    // One card per pair, on one of its drugs: that line names it; the other drug's line is plain.
    expect(issued.card.detail).toMatch(/- Amlodipine[^\n]*\(model 90%, recommended\); see its card: interacts with simvastatin \(active\)\n- Simvastatin[^\n]*\(model 0\.1%\)\n/);
  });
});

test('warning budget: critical cards always shown, warnings over the budget folded into one info card', () => {
  const card = (indicator: 'critical' | 'warning' | 'info', n: number) =>
    makeCard('drug-interaction', source, { summary: `card ${n}`, indicator, detail: `detail ${n}`, suggestions: [{ label: `remove ${n}`, actions: [{ type: 'delete', description: 'd', resourceId: `MedicationRequest/${n}` }] }] });
  const cards = [card('critical', 1), card('critical', 2), card('critical', 3), card('warning', 4), card('warning', 5), card('info', 6)];
  const shown = withinWarningBudget(cards, 2, source);
  expect(shown.map((c) => c.card.indicator)).toEqual(['critical', 'critical', 'critical', 'info', 'info']);
  expect(shown[3].kind).toBe('more-warnings');
  expect(shown[3].card.summary).toBe('2 more warnings: card 4; card 5');
  expect(shown[3].card.detail).toMatch(/detail 4[\s\S]*detail 5/);
  expect(shown[3].card.suggestions?.map((s) => s.label)).toEqual(['remove 4', 'remove 5']);
  expect(withinWarningBudget(cards.slice(3), 2, source).map((c) => c.card.summary)).toEqual(['card 4', 'card 5', 'card 6']);
});

test('markdown escaping: CommonMark list and heading markers only where they are markers', () => {
  expect(md('1.0.0')).toBe('1.0.0');
  expect(md('1. first')).toBe('1\\. first');
  expect(md('- item')).toBe('\\- item');
  expect(md('#hashtag')).toBe('#hashtag');
  expect(md('Fracture of bone, closed *severe*')).toBe('Fracture of bone, closed \\*severe\\*');
});

test('summaries stay under 140 characters', () => {
  const long = summaryText(`Not assessed by the LAMO model: ${'Some very long drug name 10 MG Oral Tablet, '.repeat(10)}`);
  expect(long.length).toBeLessThan(140);
  expect(long.endsWith('…')).toBe(true);
});
