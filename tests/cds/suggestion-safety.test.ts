/**
 * Only what is safe to suggest is suggested, with chosen probabilities (the model's own are tested through the
 * service in knowledge-cards.test.ts): a candidate already taken inside a combination, a specialist-only or
 * withdrawn drug, an inpatient-only drug at a visit, a duplicate class, a contraindication or a hospital's
 * switch-off withholds the suggestion and says why; the SMART app's notes come from the same verdict.
 * Records, vocabulary and every table are the real ones.
 */
import type { MedicationOrder, PatientRecord } from '../../src/fhir/types';
import { assembleRecord } from '../../src/fhir/record';
import { activeOrders, type Assessment, type ModelOutput } from '../../src/cds/assessment';
import { withinWarningBudget } from '../../src/cds/cards/budget';
import { makeCard } from '../../src/cds/cards/card';
import { withheldCandidates } from '../../src/cds/cards/safety';
import { candidateSafety } from '../../src/cds/cards/suggestion-safety';
import { recommendedCandidates, suggestionsCard } from '../../src/cds/cards/suggestions';
import { createSafetyChecks, loadSafetyTables } from '../../src/cds/safety-checks';
import { thresholdsFromTable } from '../../src/inference/thresholds';
import { loadDrugKnowledge } from '../../src/safety/drugs';
import { LocalOverrides, parseOverrides } from '../../src/safety/overrides';
import { cardKnowledge as cardKnowledgeOf } from '../../src/server/wiring';
import { loadPatient, PLAIN_PATIENT, RXNORM } from './helpers';

const ELDERLY_CHD_TBI = '190524df-4de5-4c01-8560-8b41e23c3b84';
const knowledge = loadDrugKnowledge();
const vocab = knowledge.vocabulary;
const tables = loadSafetyTables();
const safety = createSafetyChecks(knowledge, tables);
const cardKnowledge = cardKnowledgeOf(knowledge);
const source = { label: 'LAMO test', modelCardUrl: 'https://cds.example.org/model-card' };

const record = (patientId: string): PatientRecord => assembleRecord(loadPatient(patientId), { patientId }).record;
const plain = record(PLAIN_PATIENT);
const elderly = record(ELDERLY_CHD_TBI);

function model(probabilities: Record<string, number>): ModelOutput {
  return {
    probabilities: new Map(Object.entries(probabilities)),
    thresholds: thresholdsFromTable({ recommend: 0.5, unsupported: 0.05, candidates: {} }),
    modelVersion: '1.0.0',
    covered: new Set(vocab.candidates.map((c) => c.name)),
    evidence: { diagnoses: [], pastHistory: [], procedures: [], medicationsOnAdmission: [], allergies: [], noteSections: [], previousDrugs: [] },
  };
}

function activeOrder(id: string, code: string, display: string): MedicationOrder {
  return {
    id,
    concept: { system: RXNORM, code, display, codings: [{ system: RXNORM, code, display }] },
    status: 'active',
    authoredOn: '1998-01-01',
    reasonConditionIds: [],
    reasonConcepts: [],
    resource: { resourceType: 'MedicationRequest', id, status: 'active', intent: 'order', subject: { reference: 'Patient/p' } },
  };
}

/** The assessment of the record's last encounter (a routine visit unless `classCode` says otherwise), with its withheld candidates. */
function assess(base: PatientRecord, output: ModelOutput, options: { classCode?: string; checks?: typeof safety } = {}): Assessment {
  const last = base.encounters[base.encounters.length - 1];
  const encounter = { ...last, ...(options.classCode ? { classCode: options.classCode } : {}) };
  const active = activeOrders(base, vocab, new Set());
  const a: Assessment = {
    patientId: base.patientId,
    encounterId: encounter.id,
    record: base,
    encounter,
    inpatient: false,
    drafts: [],
    judged: active,
    active,
    vocab,
    knowledge: cardKnowledge,
    model: output,
    withheld: new Map(),
    incomplete: new Map(),
  };
  a.withheld = withheldCandidates(a, recommendedCandidates(a), options.checks ?? safety);
  return a;
}

const suggested = (a: Assessment): string[] =>
  suggestionsCard(a, source, { intent: 'proposal', limit: 10 }).flatMap(({ card }) => (card.suggestions ?? []).map((s) => s.label));

test('lisinopril is not suggested to a patient on hydrochlorothiazide/lisinopril: combinations count by each ingredient', () => {
  const onCombination = { ...plain, medications: [...plain.medications, activeOrder('combo', '197886', 'hydrochlorothiazide 12.5 MG / lisinopril 20 MG Oral Tablet')] };
  const a = assess(onCombination, model({ lisinopril: 0.95, hydrochlorothiazide: 0.9 }));
  expect(a.withheld.get('lisinopril')).toBe('duplicates hydrochlorothiazide 12.5 MG / lisinopril 20 MG Oral Tablet (same ingredient: lisinopril)');
  expect(a.withheld.get('hydrochlorothiazide')).toMatch(/hydrochlorothiazide 12\.5 MG \/ lisinopril 20 MG Oral Tablet/);
  expect(suggested(a).filter((label) => /lisinopril|hydrochlorothiazide/.test(label))).toEqual([]);
  // Without the combination, lisinopril (for the patient's coronary heart disease) is suggested.
  expect(suggested(assess(plain, model({ lisinopril: 0.95 })))).toEqual([expect.stringMatching(/^Order lisinopril for /)]);
});

describe('alteplase at a routine check-up', () => {
  test('the 88-year-old with a traumatic brain injury: contraindicated, and a specialist decision anyway', () => {
    const a = assess(elderly, model({ alteplase: 0.99 }));
    expect(a.encounter.classCode).toBe('AMB');
    expect(a.withheld.get('alteplase')).toBe('contraindicated with Brain damage - traumatic');
    expect(suggested(a)).toEqual([]);
    const notes = candidateSafety(a, 'alteplase', safety).notes;
    // Most severe first; the interactions with the active clopidogrel and naproxen are listed too.
    expect(notes[0]).toMatchObject({ kind: 'contraindication', severity: 'critical' });
    expect(notes.map((n) => [n.kind, n.severity])).toEqual(expect.arrayContaining([['setting', 'warning']]));
  });

  test('without the brain injury: still never suggested (thrombolysis is a specialist decision)', () => {
    const noInjury = { ...elderly, conditions: elderly.conditions.filter((c) => !/brain/i.test(c.concept.display)) };
    const a = assess(noInjury, model({ alteplase: 0.99 }));
    expect(a.withheld.get('alteplase')).toMatch(/^specialist use only \(thrombolysis\): decided by a stroke or cardiology team/);
  });
});

test('a withdrawn drug is never suggested; an inpatient-only one only in a stay', () => {
  expect(assess(plain, model({ astemizole: 0.99 })).withheld.get('astemizole')).toMatch(/^never suggested: withdrawn from the market/);
  expect(assess(plain, model({ 'piperacillin / tazobactam': 0.99 })).withheld.get('piperacillin / tazobactam')).toMatch(/^not suggested at an outpatient visit/);
  const stay = assess(plain, model({ 'piperacillin / tazobactam': 0.99 }), { classCode: 'IMP' });
  expect(stay.withheld.has('piperacillin / tazobactam')).toBe(false);
  expect(suggested(stay)).toEqual([expect.stringMatching(/^Order piperacillin \/ tazobactam for Chronic sinusitis/)]);
});

test('a second statin is withheld as a duplicate, and the card says why', () => {
  const a = assess(plain, model({ atorvastatin: 0.9 }));
  expect(a.withheld.get('atorvastatin')).toBe('duplicates Simvastatin 20 MG Oral Tablet (two statins)');
  expect(suggested(a)).toEqual([]);
});

test("a hospital's switched-off suggestion is withheld with its reason", () => {
  const checks = createSafetyChecks(knowledge, tables, new LocalOverrides(parseOverrides('{"suggestions": [{"candidate": "lisinopril", "reason": "formulary: ramipril"}]}', 'l.json')));
  const a = assess(plain, model({ lisinopril: 0.95 }), { checks });
  expect(a.withheld.get('lisinopril')).toBe('switched off at this hospital: formulary: ramipril');
  const [issued] = suggestionsCard(assess(plain, model({ lisinopril: 0.95, amoxicillin: 0.9 }), { checks }), source, { intent: 'proposal', limit: 5 });
  expect(issued.card.detail).toMatch(/not suggested:\n- lisinopril: switched off at this hospital: formulary: ramipril/);
});

test('every card names the knowledge version once, a card folding others too', () => {
  const versioned = { ...source, knowledgeVersion: 'kb-0123456789ab+local-01234567' };
  const warning = (n: number) => makeCard('drug-interaction', versioned, { summary: `card ${n}`, indicator: 'warning', detail: `detail ${n}` });
  const cards = withinWarningBudget([warning(1), warning(2), warning(3)], 1, versioned);
  expect(cards.map((c) => c.card.indicator)).toEqual(['warning', 'info']);
  for (const { card } of cards) {
    expect(card.detail?.endsWith('\n\n_Knowledge version kb-0123456789ab+local-01234567._')).toBe(true);
    expect(card.detail?.match(/Knowledge version/g)).toHaveLength(1);
  }
});
