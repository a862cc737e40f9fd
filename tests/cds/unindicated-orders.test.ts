/**
 * Issue 16.1 and 17.6 on the card builders, with the real tables and a real Synthea patient (coronary heart disease,
 * prediabetes, anaemia, chronic sinusitis; on simvastatin and amlodipine): a new order of a drug no active
 * condition is an indication for is warned about on the knowledge alone, whatever the model says; low-harm drugs
 * get an info card, drugs given without a condition and drugs the knowledge does not know get none; continued
 * and active drugs keep the stricter rule; partial data silences it. Renewal suggestions come from the history.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Card } from '../../src/cds/types';
import type { AllergyEntry, ConditionEntry, EncounterView, MedicationOrder, PatientRecord } from '../../src/fhir/types';
import { assembleRecord } from '../../src/fhir/record';
import { activeOrders, type Assessment, type ModelOutput } from '../../src/cds/assessment';
import { drugCard } from '../../src/cds/cards/drug-card';
import { renewalCard, renewalCandidates } from '../../src/cds/cards/renewals';
import { unsupportedFindings } from '../../src/cds/cards/unsupported-order';
import { PipelineProgress } from '../../src/cds/progress';
import { createSafetyChecks } from '../../src/cds/safety-checks';
import { thresholdsFromTable } from '../../src/inference/thresholds';
import { loadDrugKnowledge } from '../../src/safety/drugs';
import { cardKnowledge } from '../../src/server/wiring';
import { orderModelCards } from '../../hooks/order-cards';
import { medicationRequestErrors } from './fhir-schema';
import { copyModelDir } from '../inference/helpers';
import { call, draftOrder, latestEncounterId, loadPatient, orderRequest, PLAIN_PATIENT, RXNORM, standardPrefetch, startApp, type RunningApp } from './helpers';

const drugKnowledge = loadDrugKnowledge();
const vocab = drugKnowledge.vocabulary;
const knowledge = cardKnowledge(drugKnowledge);
const checks = createSafetyChecks(drugKnowledge);
const source = { label: 'LAMO test', modelCardUrl: 'https://cds.example.org/model-card' };
const resources = loadPatient(PLAIN_PATIENT);
const encounterId = latestEncounterId(resources);
const plain = assembleRecord(resources, { patientId: PLAIN_PATIENT }).record;
const SNOMED = 'http://snomed.info/sct';

function order(code: string, display: string, extra: Partial<MedicationOrder> = {}): MedicationOrder {
  const resource = draftOrder(PLAIN_PATIENT, code, display, encounterId);
  return { id: resource.id as string, concept: { system: RXNORM, code, display, codings: [{ system: RXNORM, code, display }] }, status: 'draft', reasonConditionIds: [], reasonConcepts: [], resource, ...extra };
}

function condition(id: string, code: string, display: string): ConditionEntry {
  return { id, concept: { system: SNOMED, code, display, codings: [{ system: SNOMED, code, display }] }, clinicalStatus: 'active' };
}

function model(probabilities: Record<string, number>): ModelOutput {
  return {
    probabilities: new Map(Object.entries(probabilities)),
    thresholds: thresholdsFromTable({ recommend: 0.5, unsupported: 0.05, candidates: {} }),
    modelVersion: '1.0.0',
    covered: new Set(vocab.candidates.map((c) => c.name)),
    evidence: { diagnoses: [], pastHistory: [], procedures: [], medicationsOnAdmission: [], allergies: [], noteSections: [], previousDrugs: [] },
  };
}

interface Options {
  record?: PatientRecord;
  model?: ModelOutput;
  incomplete?: Map<string, string>;
  encounter?: EncounterView;
}

function assessment(drafts: MedicationOrder[], options: Options = {}): Assessment {
  const record = options.record ?? plain;
  const active = activeOrders(record, vocab, new Set());
  return {
    patientId: PLAIN_PATIENT,
    encounterId,
    userId: 'Practitioner/example',
    record,
    encounter: options.encounter ?? record.encounters[record.encounters.length - 1],
    inpatient: false,
    drafts,
    judged: drafts.length > 0 ? drafts : active,
    active,
    vocab,
    knowledge,
    ...(options.model ? { model: options.model } : {}),
    withheld: new Map(),
    incomplete: options.incomplete ?? new Map(),
  };
}

const warfarin = (extra: Partial<MedicationOrder> = {}): MedicationOrder => order('855332', 'Warfarin Sodium 5 MG Oral Tablet', extra);
const summaries = (a: Assessment): [string, string, string][] => unsupportedFindings(a).map((f) => [f.kind, f.indicator, f.summary]);

describe('a new order without an indication (16.1)', () => {
  test('warfarin for a patient without atrial fibrillation, thrombosis or a valve: a warning on the knowledge alone', () => {
    const a = assessment([warfarin()]);
    expect(summaries(a)).toEqual([['unsupported-order', 'warning', 'No indication for warfarin found in the record']]);
    const [finding] = unsupportedFindings(a);
    expect(finding.detail).toMatch(/new order for this patient/);
    expect(finding.detail).toMatch(/atrial fibrillation or flutter/);
    // The model's part is the card's, once, after the findings (K4): here, that the model gave no figure.
    expect(finding.usesModel).toBe(true);
    const { card } = drugCard(a, [finding], source);
    expect(card.detail).toMatch(/gave no figure for this call/);
    expect(card.indicator).toBe('warning');
    expect(card.extension?.['lamo-cds-findings']).toEqual([{ topic: 'unsupportedOrder', indicator: 'warning' }]);
  });

  test('the model never gates it: a confident "yes" keeps the warning, its figure in the detail', () => {
    const a = assessment([warfarin()], { model: model({ warfarin: 0.9 }) });
    const [finding] = unsupportedFindings(a);
    expect([finding.kind, finding.indicator]).toEqual(['unsupported-order', 'warning']);
    expect(drugCard(a, [finding], source).card.detail).toMatch(/P\(yes\) for warfarin at this visit: 90%/);
  });

  test('no finding when an active condition is an indication', () => {
    const record = { ...plain, conditions: [...plain.conditions, condition('af-1', '49436004', 'Atrial fibrillation')] };
    expect(unsupportedFindings(assessment([warfarin()], { record }))).toEqual([]);
  });

  test('a drug outside the model vocabulary is judged by its class (tramadol, ATC N02AX: pain)', () => {
    expect(summaries(assessment([order('835603', 'tramadol hydrochloride 50 MG Oral Tablet')]))).toEqual([['unsupported-order', 'warning', 'No indication for tramadol found in the record']]);
    const record = { ...plain, conditions: [...plain.conditions, condition('pain-1', '82423001', 'Chronic pain')] };
    expect(unsupportedFindings(assessment([order('835603', 'tramadol hydrochloride 50 MG Oral Tablet')], { record }))).toEqual([]);
  });

  test('a low-harm drug gets an info card, never a warning', () => {
    expect(summaries(assessment([order('1014676', 'cetirizine hydrochloride 5 MG Oral Tablet')]))).toEqual([['unsupported-order', 'info', 'No indication for cetirizine found in the record']]);
  });

  test('nothing about a drug given without a condition, nor one the knowledge does not know; the card says which', () => {
    const iud = order('807283', 'Mirena 52 MG Intrauterine System');
    // Deflazacort: in the drug catalogue, its indications in no table (bevacizumab was, until the vocabulary of
    // issue 17 made it a candidate with reviewed indications).
    const unknown = order('153098', 'deflazacort 6 MG Oral Tablet');
    const a = assessment([iud, unknown]);
    expect(unsupportedFindings(a)).toEqual([]);
    // Another finding's card (an interaction, say) about each: its detail says what is known of the indication.
    const finding = (o: MedicationOrder) => ({ kind: 'drug-interaction' as const, indicator: 'warning' as const, subject: { orderId: o.id, name: 'x', label: o.concept.display, source: 'draft' as const }, summary: 's', phrase: 'p', detail: 'd', overrideReasons: [] });
    expect(drugCard(a, [finding(iud)], source).card.detail).toMatch(/usually given without a condition to treat \(contraception\)/);
    expect(drugCard(a, [finding(unknown)], source).card.detail).toMatch(/not in the service's knowledge, so they were not checked/);
  });

  test('an antibiotic for a recorded viral sinusitis: an info card naming it, not "no reason at all"', () => {
    const record = { ...plain, conditions: [...plain.conditions.filter((c) => !/sinusitis/i.test(c.concept.display)), condition('vs-1', '444814009', 'Viral sinusitis (disorder)')] };
    const findings = unsupportedFindings(assessment([order('562251', 'Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet')], { record }));
    expect(findings.map((f) => [f.indicator, f.summary])).toEqual([['info', 'No indication for amoxicillin / clavulanate found: Viral sinusitis is not one']]);
    expect(findings[0].detail).toMatch(/do not treat viral respiratory infections/);
  });

  test('partial data (contract F): no finding when the conditions or the orders may be incomplete', () => {
    expect(unsupportedFindings(assessment([warfarin()], { incomplete: new Map([['Condition', '20 of 35 read']]) }))).toEqual([]);
    expect(unsupportedFindings(assessment([warfarin()], { incomplete: new Map([['MedicationRequest', 'the search failed']]) }))).toEqual([]);
  });
});

describe('continued and active drugs keep the stricter rule', () => {
  const at = plain.encounters[plain.encounters.length - 1].start as string;
  const daysBefore = (days: number): string => new Date(Date.parse(at) - days * 86_400_000).toISOString();

  test('a draft renewing an active warfarin: nothing on the knowledge alone; a confident model asks to confirm (high-risk)', () => {
    const active = warfarin({ id: 'warfarin-active', status: 'active', authoredOn: daysBefore(30) });
    const record = { ...plain, medications: [...plain.medications, active] };
    expect(unsupportedFindings(assessment([warfarin()], { record }))).toEqual([]);
    expect(summaries(assessment([warfarin()], { record, model: model({ warfarin: 0.001 }) }))).toEqual([['confirm-indication', 'info', 'Confirm the indication for warfarin: none found in the record']]);
  });

  test('a drug ordered in the past year counts as continued; one ordered years ago does not', () => {
    const recent = { ...plain, medications: [...plain.medications, warfarin({ id: 'w-old', status: 'stopped', authoredOn: daysBefore(100) })] };
    const old = { ...plain, medications: [...plain.medications, warfarin({ id: 'w-old', status: 'stopped', authoredOn: daysBefore(900) })] };
    expect(unsupportedFindings(assessment([warfarin()], { record: recent }))).toEqual([]);
    expect(summaries(assessment([warfarin()], { record: old }))).toHaveLength(1);
  });

  test('review: an active low-harm drug without an indication is information, as for a new order (an active drug otherwise a warning)', () => {
    const cetirizine = order('1014676', 'cetirizine hydrochloride 5 MG Oral Tablet', { id: 'cetirizine-active', status: 'active', authoredOn: daysBefore(30) });
    const record = { ...plain, medications: [...plain.medications, cetirizine] };
    const found = summaries(assessment([], { record, model: model({ cetirizine: 0.001 }) })).filter(([, , summary]) => /cetirizine/.test(summary));
    expect(found).toEqual([['review-unsupported', 'info', 'No indication for active cetirizine found in the record']]);
    const naproxen = order('849574', 'Naproxen sodium 220 MG Oral Tablet', { id: 'naproxen-active', status: 'active', authoredOn: daysBefore(30) });
    const withNaproxen = { ...plain, medications: [...plain.medications, naproxen] };
    const warned = summaries(assessment([], { record: withNaproxen, model: model({ naproxen: 0.001 }) })).filter(([, , summary]) => /naproxen/.test(summary));
    expect(warned).toEqual([['review-unsupported', 'warning', 'No indication for active naproxen found in the record']]);
  });

  test('the medication review still needs the model: no finding without it', () => {
    expect(unsupportedFindings(assessment([]))).toEqual([]);
  });
});

test('an indication finding given before the model ran is replaced by the one given with it, never shown twice', () => {
  const a = assessment([warfarin()]);
  const progress = new PipelineProgress();
  progress.assessment = a;
  progress.safety = unsupportedFindings(a);
  a.model = model({ warfarin: 0.2 });
  progress.modelFindings = unsupportedFindings(a);
  const cards = progress.cards(source, 5).filter((issued) => issued.kind === 'unsupported-order');
  expect(cards).toHaveLength(1);
  expect(cards[0].card.detail).toMatch(/P\(yes\) for warfarin at this visit: 20%/);
});

describe('renewal suggestions (17.6)', () => {
  const LISINOPRIL = '314076';
  const visits = ['2001-03-01', '2002-03-04', '2003-03-03'].map((day, i) => ({ id: `visit-${i + 1}`, start: `${day}T09:00:00Z` }));
  const today: EncounterView = { id: 'today', start: '2004-03-01T09:00:00Z', classCode: 'AMB', types: [], reasons: [], diagnosed: [], activeConditions: [], procedures: [], notes: [], medications: [] };
  const hypertension = condition('htn-1', '38341003', 'Hypertension');
  const renewed = visits.map((visit) => order(LISINOPRIL, 'lisinopril 10 MG Oral Tablet', { id: `lis-${visit.id}`, status: 'stopped', authoredOn: visit.start, encounterId: visit.id }));
  const record = (extra: Partial<PatientRecord> = {}): PatientRecord => ({
    ...plain,
    encounters: [...plain.encounters, ...visits.map((visit) => ({ ...today, ...visit })), today],
    conditions: [hypertension],
    medications: [...plain.medications, ...renewed],
    ...extra,
  });
  const amoxicillin = (): MedicationOrder => order('308182', 'Amoxicillin 250 MG Oral Capsule');

  test('a drug ordered at each of the last visits and missing from today\'s drafts: "Renew lisinopril?", its indication as reasonReference', () => {
    const a = assessment([amoxicillin()], { record: record(), encounter: today });
    const { cards, suggested } = renewalCard(a, source, checks, { intent: 'proposal', limit: 5 });
    expect([...suggested]).toEqual(['lisinopril']);
    expect(cards).toHaveLength(1);
    const { card, kind } = cards[0];
    expect(kind).toBe('renewal-suggestions');
    expect(card.summary).toBe('Renew lisinopril? ordered at each of the last 3 visits; Hypertension active');
    const action = card.suggestions?.[0].actions?.[0];
    if (action?.type !== 'create') throw new Error('expected a create action');
    expect(action.resource.medicationCodeableConcept?.coding?.[0]).toEqual(expect.objectContaining({ system: RXNORM, code: LISINOPRIL }));
    expect(action.resource.reasonReference).toEqual([{ reference: 'Condition/htn-1', display: 'Hypertension' }]);
    expect(medicationRequestErrors(action.resource)).toEqual([]);
    expect(card.detail).toMatch(/last ordered as lisinopril 10 MG Oral Tablet/);
  });

  test('no renewal when today\'s drafts hold it, when its orders may be incomplete, or without an indication', () => {
    expect(renewalCandidates(assessment([amoxicillin(), order(LISINOPRIL, 'lisinopril 20 MG Oral Tablet')], { record: record(), encounter: today }))).toEqual([]);
    expect(renewalCandidates(assessment([amoxicillin()], { record: record(), encounter: today, incomplete: new Map([['MedicationRequest', 'page 2 failed']]) }))).toEqual([]);
    expect(renewalCandidates(assessment([amoxicillin()], { record: record({ conditions: [] }), encounter: today }))).toEqual([]);
  });

  test('not due yet: last ordered a week ago, when it is usually renewed yearly', () => {
    const soon: EncounterView = { ...today, id: 'a-week-later', start: '2003-03-10T09:00:00Z' };
    expect(renewalCandidates(assessment([amoxicillin()], { record: record(), encounter: soon }))).toEqual([]);
  });

  test('an acute visit between two renewals does not hide the pattern: "at 2 of the last 3 visits"', () => {
    const acute = { id: 'acute', start: '2003-09-01T09:00:00Z' };
    const withAcute = record({
      encounters: [...plain.encounters, ...[...visits, acute].map((visit) => ({ ...today, ...visit })), today],
      medications: [...plain.medications, ...renewed, order('308182', 'Amoxicillin 250 MG Oral Capsule', { id: 'amox-acute', status: 'stopped', authoredOn: acute.start, encounterId: 'acute' })],
    });
    const { cards } = renewalCard(assessment([amoxicillin()], { record: withAcute, encounter: today }), source, checks, { intent: 'proposal', limit: 5 });
    expect(cards[0]?.card.summary).toBe('Renew lisinopril? ordered at 2 of the last 3 visits; Hypertension active');
  });

  test('a drug ordered at the last visit only is no routine renewal', () => {
    const once = record({ medications: [...plain.medications, renewed[2]] });
    expect(renewalCandidates(assessment([amoxicillin()], { record: once, encounter: today }))).toEqual([]);
  });

  test('the safety checks apply: an allergy withholds the renewal (no card: nothing to offer)', () => {
    const allergy: AllergyEntry = { id: 'al-1', concept: { system: RXNORM, code: '29046', display: 'Lisinopril', codings: [{ system: RXNORM, code: '29046', display: 'Lisinopril' }] }, clinicalStatus: 'active', category: ['medication'] };
    const a = assessment([amoxicillin()], { record: record({ allergies: [allergy] }), encounter: today });
    const { cards, suggested } = renewalCard(a, source, checks, { intent: 'proposal', limit: 5 });
    expect(suggested.size).toBe(0);
    expect(cards).toEqual([]);
    // Beside another renewal it is named with why.
    const metformin = visits.map((visit) => order('860975', '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet', { id: `met-${visit.id}`, status: 'stopped', authoredOn: visit.start, encounterId: visit.id }));
    const diabetes = condition('dm-1', '44054006', 'Diabetes mellitus type 2');
    const both = assessment([amoxicillin()], { record: record({ allergies: [allergy], conditions: [hypertension, diabetes], medications: [...plain.medications, ...renewed, ...metformin] }), encounter: today });
    const [card] = renewalCard(both, source, checks, { intent: 'proposal', limit: 5 }).cards;
    expect(card.card.summary).toBe('Renew metformin? ordered at each of the last 3 visits; Diabetes mellitus type 2 active');
    expect(card.card.detail).toMatch(/- lisinopril \(ordered at each of the last 3 visits\): allergy or intolerance to Lisinopril/);
  });

  test('the model\'s suggestion card leaves a renewed drug to the renewal card', () => {
    const a = assessment([amoxicillin()], { record: record(), encounter: today, model: model({ lisinopril: 0.95, amoxicillin: 0.9 }) });
    const { cards } = orderModelCards(a, { source, maxSuggestions: 5, safety: checks, safetyFindings: [] });
    const suggestedIn = (topic: string): string[] =>
      cards.filter((c) => c.card.source.topic?.code === topic).flatMap((c) => (c.card.suggestions ?? []).map((s) => s.label));
    expect(suggestedIn('renewalSuggestions')).toEqual(['Renew lisinopril for Hypertension']);
    expect(suggestedIn('medicationSuggestions').some((label) => /lisinopril/.test(label))).toBe(false);
  });
});

describe('over HTTP, with the model unavailable (the warning never waits for the model)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    const dir = copyModelDir();
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'lamo.json'), 'utf8')) as { models: { file: string }[] };
    for (const { file } of manifest.models) fs.writeFileSync(path.join(dir, file), 'not an onnx model');
    app = await startApp({ LAMO_MODEL_DIR: dir }, { awaitReady: false });
    await app.cds.ready.catch(() => undefined);
  });
  afterAll(() => app.close());

  test('a new warfarin order still gets "No indication for warfarin found in the record", and the data-gap card does not deny it', async () => {
    const draft = draftOrder(PLAIN_PATIENT, '855332', 'Warfarin Sodium 5 MG Oral Tablet', encounterId);
    const response = await call<{ cards: Card[] }>(`${app.url}/cds-services/lamo-order-sign`, {
      body: orderRequest({ patientId: PLAIN_PATIENT, encounterId, drafts: [draft], prefetch: standardPrefetch(resources, encounterId) }),
    });
    expect(response.status).toBe(200);
    const warning = response.body.cards.find((card) => card.source.topic?.code === 'unsupportedOrder');
    expect(warning).toEqual(expect.objectContaining({ indicator: 'warning', summary: 'No indication for warfarin found in the record' }));
    expect(warning?.detail).toMatch(/gave no figure for this call/);
    expect(warning?.suggestions?.[0].actions).toEqual([expect.objectContaining({ type: 'delete', resourceId: `MedicationRequest/${draft.id}` })]);
    expect(response.body.cards.find((card) => card.source.topic?.code === 'dataGap')?.detail).not.toMatch(/no recommendations or indication warnings/);
  });
});
