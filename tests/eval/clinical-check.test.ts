import { formatClinicalCheck, loadCheckKnowledge, runClinicalCheck, type ClinicalCheckReport } from '../../src/eval/clinical-check/run';
import type { Share } from '../../src/eval/clinical-check/measure';
import { percentile } from '../../src/eval/clinical-check/measure';
import { loadPopulation } from '../../src/eval/clinical-check/population';
import { encounterCases, orderSignRequest } from '../../src/eval/clinical-check/scenarios';
import { loadUnindicatedDrugs, pickUnindicated } from '../../src/eval/clinical-check/injection';
import { modelGapReasons, saysNoIndicationAsInfo, warningTopics, warnsNoIndication } from '../../src/eval/clinical-check/cards';
import type { Card } from '../../src/cds/types';
import type { PatientRecord } from '../../src/fhir/types';
import { modelOnlyReason } from '../../src/eval/clinical-check/model-only';
import { internalPart } from '../../src/dataset/splits';
import { loadVocabulary } from '../../src/medications/vocabulary';
import { DEFAULT_MODEL_DIR, SHARED_DIR } from '../../src/paths';
import * as path from 'path';
import type { MedicationRequest } from 'fhir/r4';

jest.setTimeout(180_000);

function expectShare(share: Share): void {
  expect(share.count).toBeLessThanOrEqual(share.of);
  if (share.of === 0) expect(share.rate).toBeNull();
  else {
    expect(share.rate).toBeGreaterThanOrEqual(0);
    expect(share.rate).toBeLessThanOrEqual(1);
    expect(share.rate).toBeCloseTo(share.count / share.of, 10);
  }
}

describe('clinical check on a tiny sample (real service, shipped model)', () => {
  let report: ClinicalCheckReport;
  beforeAll(async () => {
    report = await runClinicalCheck({ populations: ['synthea-r4-615'], maxPatients: 3, maxEncounters: 2 });
  });

  it('reports every measure per population, as shares in [0, 1] of what was counted', () => {
    expect(report.populations.map((p) => [p.population, p.role])).toEqual([['synthea-r4-615', 'training']]);
    for (const result of report.populations) {
      expect(result.encounters).toBeGreaterThan(0);
      expect(result.encounters).toBeLessThanOrEqual(2);
      expect(result.calls).toBeGreaterThanOrEqual(2 * result.encounters);
      for (const share of [result.realOrdersNoIndication, result.realOrdersNoIndicationInfo, result.reviewIndicatedFlagged, result.injectedUnindicated,
        result.leaveOneOutService, result.leaveOneOutModel, result.leaveOneOutServiceAllDrugs, result.suggestionPrecision, result.suggestionsNamingIndication,
        result.modelNotRun, result.alertLoad.anyWarning, ...Object.values(result.alertLoad.byRule)]) {
        expectShare(share);
      }
      expect(result.realOrdersNoIndication.of).toBeGreaterThan(0);
      expect(result.warningCardsPerCall.calls).toBe(2 * result.encounters);
    }
    expect(formatClinicalCheck(report)).toMatch(/injected drafts of an unindicated drug flagged/);
  });
});

describe('clinical check scenarios', () => {
  const vocabulary = loadVocabulary();
  const [patient] = loadPopulation(path.join(SHARED_DIR, 'data', 'synthea-r4-615'), { testOnly: true, maxPatients: 1 });

  it('reads only test patients of a training population', () => {
    expect(internalPart(patient.patientId)).toBe('test');
  });

  it('sends the record as it stood at the encounter, with every reason removed from the orders', () => {
    const cases = encounterCases(patient, vocabulary, loadCheckKnowledge(DEFAULT_MODEL_DIR).keyOf);
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      const start = c.encounter.period?.start as string;
      const later = c.history.filter((r) => r.resourceType === 'Encounter' && (r.period?.start ?? '') > start);
      expect(later).toEqual([]);
      const request = orderSignRequest(c, c.orders) as { prefetch: { medications: { entry: { resource: MedicationRequest }[] } } };
      const sent = [...c.orders, ...request.prefetch.medications.entry.map((entry) => entry.resource)].filter((r) => r.resourceType === 'MedicationRequest');
      expect(sent.filter((order) => order.reasonReference !== undefined || order.reasonCode !== undefined)).toEqual([]);
      expect(c.orders.every((order) => order.status === 'draft')).toBe(true);
    }
  });

  it('takes the 95th percentile of counts', () => {
    expect(percentile([0, 0, 1, 5], 95)).toBe(5);
    expect(percentile([], 95)).toBeNull();
  });
});

describe('injected drafts and reading the cards', () => {
  const drugs = loadUnindicatedDrugs();

  it('injects a drug whose indication no condition names and that the patient was never ordered', () => {
    expect(drugs.length).toBeGreaterThanOrEqual(10);
    const conditions = ['Atrial fibrillation', 'Gout', 'Hypothyroidism', "Alzheimer's disease (disorder)"];
    const ordered = new Set(['metformin']);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((key) => pickUnindicated(drugs, conditions, ordered, key)?.drug);
    expect(keys.every((drug) => drug !== undefined)).toBe(true);
    for (const drug of keys) expect(['warfarin', 'allopurinol', 'colchicine', 'levothyroxine', 'donepezil', 'memantine', 'galantamine', 'metformin']).not.toContain(drug);
    // The same key picks the same drug: the check is seeded.
    expect(pickUnindicated(drugs, conditions, ordered, 'a')).toEqual(pickUnindicated(drugs, conditions, ordered, 'a'));
  });

  it('reads each finding of a drug card from its extension: a warning that says no indication, or information only', () => {
    const card = (findings: { topic: string; indicator: string }[], indicator: 'info' | 'warning' | 'critical'): Card => ({
      uuid: 'u',
      summary: 's',
      indicator,
      source: { label: 'l', topic: { code: findings[0].topic } },
      extension: { 'lamo-cds-findings': findings },
    });
    const interactionAndInfo = card([{ topic: 'drugInteraction', indicator: 'warning' }, { topic: 'unsupportedOrder', indicator: 'info' }], 'warning');
    expect(warnsNoIndication(interactionAndInfo)).toBe(false);
    expect(saysNoIndicationAsInfo(interactionAndInfo)).toBe(true);
    expect([...warningTopics(interactionAndInfo)]).toEqual(['drugInteraction']);
    expect(warnsNoIndication(card([{ topic: 'unsupportedOrder', indicator: 'warning' }], 'warning'))).toBe(true);
  });

  it('says why a model-only leave-one-out hit was not suggested: withheld, already active, not indicated by the record, other', () => {
    const knowledge = loadCheckKnowledge(DEFAULT_MODEL_DIR);
    const concept = (display: string, code: string) => ({ system: 'http://snomed.info/sct', code, display, codings: [{ system: 'http://snomed.info/sct', code, display }] });
    const viral = { id: 'c1', concept: concept('Viral sinusitis (disorder)', '444814009'), clinicalStatus: 'active' };
    const record = { patientId: 'p', conditions: [viral], allergies: [], medications: [], encounters: [] } as unknown as PatientRecord;
    const at = Date.parse('2020-01-01');
    // Amoxicillin/clavulanate for a viral sinusitis: not indicated (antibiotic stewardship), by design.
    expect(modelOnlyReason([], 'amoxicillin / clavulanate', record, at, [], knowledge)).toBe('notIndicated');
    // The reason for this visit counts like a recorded condition: a strep throat indicates penicillin V.
    expect(modelOnlyReason([], 'penicillin v', record, at, [concept('Streptococcal sore throat (disorder)', '43878008')], knowledge)).toBe('other');
    const withheld: Card = { uuid: 'u', summary: 's', indicator: 'info', source: { label: 'l' }, detail: 'x\n\nRecommended by the model but not suggested:\n- penicillin v: allergy or intolerance to Penicillin' };
    expect(modelOnlyReason([withheld], 'penicillin v', record, at, [], knowledge)).toBe('withheldByService');
    // An active order of the drug: already active, unless it is a course that ended long ago (the service's rule).
    const penicillin = (authoredOn: string) => ({
      id: 'm1',
      status: 'active',
      authoredOn,
      concept: { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '834102', display: 'Penicillin V Potassium 500 MG Oral Tablet', codings: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '834102', display: 'Penicillin V Potassium 500 MG Oral Tablet' }] },
      reasonConditionIds: [],
      reasonConcepts: [],
      resource: { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: {} },
    });
    const strep = [concept('Streptococcal sore throat (disorder)', '43878008')];
    expect(modelOnlyReason([], 'penicillin v', { ...record, medications: [penicillin('2019-12-20')] } as unknown as PatientRecord, at, strep, knowledge)).toBe('alreadyActive');
    expect(modelOnlyReason([], 'penicillin v', { ...record, medications: [penicillin('1952-04-10')] } as unknown as PatientRecord, at, strep, knowledge)).toBe('other');
  });

  it('lists why the model did not run, from the data-gap card', () => {
    const gap: Card = { uuid: 'u', summary: 's', indicator: 'info', source: { label: 'l', topic: { code: 'dataGap' } }, detail: 'The LAMO model gave no recommendations:\n\n- The model is busy\n- The record is incomplete\n\nSafety ran.' };
    expect(modelGapReasons([gap])).toEqual(['The model is busy', 'The record is incomplete']);
    expect(modelGapReasons([])).toEqual([]);
  });

  it('takes as the encounter\'s orders only those written during it (the STU3 export attaches older orders to later visits)', () => {
    const stu3 = loadPopulation(path.join(SHARED_DIR, 'data', 'synthea-stu3-1461'), { testOnly: true, maxPatients: 20 });
    const { vocabulary: vocab, keyOf } = loadCheckKnowledge(DEFAULT_MODEL_DIR);
    for (const c of stu3.flatMap((p) => encounterCases(p, vocab, keyOf))) {
      const start = Date.parse(c.encounter.period?.start as string);
      const end = Date.parse(c.encounter.period?.end ?? '') || start;
      for (const order of c.orders) {
        const authored = Date.parse(order.authoredOn as string);
        expect(authored >= start - 86_400_000 && authored <= end + 86_400_000).toBe(true);
      }
      // Nothing written after the encounter began is in its history, whatever encounter it names.
      expect(c.history.filter((r) => r.resourceType === 'MedicationRequest' && (r.authoredOn ?? '') > (c.encounter.period?.start as string))).toEqual([]);
    }
  });
});
