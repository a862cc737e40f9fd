import { buildIndicationTable, countReasons, trainingRecords, type ReasonCounts } from '../../scripts/build-indications';
import { internalPart } from '../../src/dataset/splits';
import type { ConditionEntry, MedicationOrder, PatientRecord } from '../../src/fhir/types';
import type { IndicationsFile } from '../../src/medications/indications';
import { loadNameTables, loadVocabulary } from '../../src/medications/vocabulary';

const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const vocabulary = loadVocabulary();

function order(id: string, rxnorm: string, display: string, reasonConditionIds: string[], reasonCodes: string[] = []): MedicationOrder {
  return {
    id,
    concept: { system: RXNORM, code: rxnorm, display, codings: [{ system: RXNORM, code: rxnorm, display }] },
    reasonConditionIds,
    reasonConcepts: reasonCodes.map((code) => ({ system: SNOMED, code, display: `code ${code}`, codings: [{ system: SNOMED, code, display: `code ${code}` }] })),
    resource: { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: {} },
  };
}

function condition(id: string, code: string, display: string): ConditionEntry {
  return { id, concept: { system: SNOMED, code, display, codings: [{ system: SNOMED, code, display }] } };
}

function record(conditions: ConditionEntry[], medications: MedicationOrder[]): PatientRecord {
  return { patientId: 'p', encounters: [], conditions, procedures: [], notes: [], allergies: [], medications };
}

// Simvastatin 20 MG Oral Tablet is a product of the vocabulary (fhir-mappings/medications.json).
const SIMVASTATIN = '312961';

describe('build-indications', () => {
  it('counts each (drug, reason condition) once per order, per population, from references and codes', () => {
    const counts: ReasonCounts = new Map();
    const hyperlipidemia = condition('c1', '55822004', 'Hyperlipidemia (disorder)');
    countReasons([record([hyperlipidemia], [order('o1', SIMVASTATIN, 'Simvastatin 20 MG Oral Tablet', ['c1'], ['55822004'])])], vocabulary, 'pop-a', counts);
    countReasons([record([condition('c9', '55822004', 'Hyperlipidemia')], [order('o2', SIMVASTATIN, 'Simvastatin 20 MG Oral Tablet', ['c9'])])], vocabulary, 'pop-b', counts);
    const entry = counts.get('simvastatin')?.get('snomed|55822004');
    expect(entry?.counts).toEqual({ 'pop-a': 1, 'pop-b': 1 });
    expect(entry?.condition.display).toBe('Hyperlipidemia');
  });

  it('puts reviewed entries first, then the data links by count, and refuses a candidate the reviewed file lacks', () => {
    type Linked = { condition: { system: 'snomed'; code: string; display: string }; counts: Record<string, number> };
    const links = new Map<string, Linked>([
      ['snomed|1', { condition: { system: 'snomed', code: '1', display: 'rare' }, counts: { a: 1 } }],
      ['snomed|2', { condition: { system: 'snomed', code: '2', display: 'common' }, counts: { a: 5, b: 2 } }],
    ]);
    const counts: ReasonCounts = new Map([['simvastatin', links]]);
    const reviewed: IndicationsFile = {
      description: '',
      sources: { S: 'a source' },
      drugs: { simvastatin: { indications: [{ group: 'hyperlipidaemia', origin: 'reviewed', source: 'S', review: 'pending clinical review' }] } },
    };
    const table = buildIndicationTable(['simvastatin'], reviewed, counts);
    expect(table.drugs.simvastatin.indications.map((i) => ('group' in i ? i.group : i.condition.display))).toEqual(['hyperlipidaemia', 'common', 'rare']);
    expect(() => buildIndicationTable(['simvastatin', 'warfarin'], reviewed, counts)).toThrow(/"warfarin" is missing/);
  });
});

describe('build-indications: what the data may teach', () => {
  it('learns from the internal split\'s train patients only', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `patient-${i}`);
    const kept = trainingRecords(ids.map((id) => ({ ...record([], []), patientId: id })));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(ids.length);
    expect(kept.every((r) => internalPart(r.patientId) === 'train')).toBe(true);
  });

  it('counts the reasons of drugs outside the vocabulary under their normalised name, apart from the candidates', () => {
    const counts: ReasonCounts = new Map();
    const htn = condition('c1', '59621000', 'Essential hypertension (disorder)');
    // Bumetanide: outside the vocabulary (losartan served here until issue 17's vocabulary made it a candidate).
    const bumetanide = order('o1', '197418', 'Bumetanide 1 MG Oral Tablet', ['c1']);
    countReasons([record([htn], [bumetanide])], vocabulary, 'pop-a', counts);
    expect(counts.size).toBe(0);
    countReasons([record([htn], [bumetanide])], vocabulary, 'pop-a', counts, loadNameTables());
    const reviewed: IndicationsFile = { description: '', sources: { S: 'a source' }, drugs: { simvastatin: { indications: [{ group: 'hyperlipidaemia', origin: 'reviewed', source: 'S', review: 'r' }] } } };
    const table = buildIndicationTable(['simvastatin'], reviewed, counts);
    expect(Object.keys(table.drugs)).toEqual(['simvastatin']);
    expect(table.otherDrugs?.bumetanide.indications).toEqual([{ condition: { system: 'snomed', code: '59621000', display: 'Essential hypertension (disorder)' }, origin: 'synthea', counts: { 'pop-a': 1 } }]);
  });
});
