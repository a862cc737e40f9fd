import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import type { Concept } from '../../src/fhir/types';
import { loadAtcTable } from '../../src/medications/atc';
import { normaliseProductName } from '../../src/medications/normalise';
import {
  DEFAULT_MEDICATIONS_FILE,
  loadNameTables,
  loadVocabulary,
  validateMedicationMap,
  type MedicationMapFile,
} from '../../src/medications/vocabulary';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const vocabulary = loadVocabulary();
const map = JSON.parse(readFileSync(DEFAULT_MEDICATIONS_FILE, 'utf8')) as MedicationMapFile;

function drug(display: string, code?: string, system = RXNORM): Concept {
  return { system, code, display, codings: [{ system, code, display }] };
}

describe('loadVocabulary().normalise', () => {
  test('an RxNorm code in the reviewed map decides, even for a misspelt display', () => {
    expect(vocabulary.normalise(drug('Simvistatin 10 MG', '316672'))).toEqual({ covered: true, candidate: 'simvastatin', ingredients: ['simvastatin'] });
  });

  test('brand packs map through their code to the ingredient candidate', () => {
    expect(vocabulary.normalise(drug('Camila 28 Day Pack', '748962'))).toMatchObject({ covered: true, candidate: 'norethindrone' });
    expect(vocabulary.normalise(drug('Yaz 28 Day Pack', '748856'))).toMatchObject({ covered: true, candidate: 'drospirenone / ethinyl estradiol' });
    expect(vocabulary.normalise(drug('NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector', '1870230'))).toMatchObject({ candidate: 'epinephrine' });
  });

  test('an unknown code falls back to the text when the text names an existing candidate', () => {
    expect(vocabulary.normalise(drug('Simvastatin 40 MG Oral Tablet', '999999001'))).toMatchObject({ covered: true, candidate: 'simvastatin' });
  });

  test('an unknown code with free text is not covered', () => {
    const result = vocabulary.normalise(drug('Vitamin pill', '999999002'));
    expect(result.covered).toBe(false);
    if (!result.covered) expect(result.reason).toMatch(/not a candidate/);
  });

  test('a display that merely contains a candidate word is not mapped to that candidate', () => {
    // acetaminophen and ibuprofen are candidates; these combinations are not.
    expect(vocabulary.normalise(drug('Acetaminophen 300 MG / Caffeine 40 MG Oral Tablet', '999999004')).covered).toBe(false);
    expect(vocabulary.normalise(drug('Ibuprofen 800 MG / Famotidine 26.6 MG Oral Tablet', '999999003')).covered).toBe(false);
    expect(vocabulary.normalise(drug('Simvastatin-free diet advice')).covered).toBe(false);
  });

  test('a code from another system is not looked up as RxNorm', () => {
    // 316672 is an RxNorm product code; as a SNOMED code it means something else, so only the text counts.
    expect(vocabulary.normalise(drug('Vitamin pill', '316672', 'http://snomed.info/sct')).covered).toBe(false);
  });

  test('byName finds candidates with their RxNorm codes', () => {
    expect(vocabulary.byName('acetaminophen / oxycodone')?.rxnorm).toContain('1049221');
    expect(vocabulary.byName('oxycodone / acetaminophen')).toBeUndefined();
  });
});

describe('fhir-mappings/medications.json', () => {
  test('covers the 235 distinct products of the three training populations, each pointing at a listed candidate', () => {
    expect(map.source).not.toMatch(/bulk-10/);
    expect(Object.keys(map.products)).toHaveLength(235);
    for (const [code, product] of Object.entries(map.products)) {
      expect(product.candidate).not.toBeNull();
      expect(vocabulary.byName(product.candidate as string)?.rxnorm).toContain(code);
    }
  });

  test('the normaliser reproduces every reviewed product mapping (the map is data, not hand edits)', () => {
    const tables = loadNameTables();
    for (const product of Object.values(map.products)) {
      const result = normaliseProductName(product.display, { tables });
      expect(result.covered && result.candidate).toBe(product.candidate);
    }
  });

  test('the hand-reviewed brand packs land on their ingredients', () => {
    const expected: Record<string, string> = {
      '748962': 'norethindrone', // Camila
      '757594': 'norethindrone', // Jolivette
      '748856': 'drospirenone / ethinyl estradiol', // Yaz
      '1856546': 'levonorgestrel', // Kyleena
      '807283': 'levonorgestrel', // Mirena
      '389221': 'etonogestrel',
      '895994': 'fluticasone',
      '316672': 'simvastatin', // "Simvistatin 10 MG"
    };
    for (const [code, candidate] of Object.entries(expected)) expect(map.products[code].candidate).toBe(candidate);
  });

  test('candidate ATC codes are WHO codes listed in atc.json, with a combination code where WHO has one', () => {
    const atc = loadAtcTable();
    expect(atc.attribution).toMatch(/WHO Collaborating Centre/);
    for (const candidate of vocabulary.candidates) {
      if (candidate.atc) {
        expect(atc.codes[candidate.atc]).toBeDefined();
        expect(atc.classes[candidate.atc.slice(0, 5)]).toBeDefined();
      }
    }
    expect(vocabulary.byName('simvastatin')?.atc).toBe('C10AA01');
    expect(vocabulary.byName('acetaminophen / oxycodone')?.atc).toBe('N02AJ17');
    expect(vocabulary.byName('amoxicillin / clavulanate')?.atc).toBe('J01CR02');
    // no WHO code for the three-ingredient cold remedy: undefined, per-ingredient codes in atc.json
    expect(vocabulary.byName('acetaminophen / dextromethorphan / doxylamine')?.atc).toBeUndefined();
    expect(atc.candidates['acetaminophen / dextromethorphan / doxylamine'].ingredients.acetaminophen).toBe('N02BE01');
  });
});

describe('validateMedicationMap / loadVocabulary errors', () => {
  const candidates = [{ name: 'ibuprofen', rxnorm: ['310965'] }];

  test('a product pointing at an unknown candidate is rejected', () => {
    expect(() => validateMedicationMap({ source: 's', candidates, products: { '1': { display: 'x', candidate: 'aspirin' } } })).toThrow(/unknown candidate/);
  });

  test('a not-covered product needs a reason', () => {
    expect(() => validateMedicationMap({ source: 's', candidates, products: { '1': { display: 'x', candidate: null } } })).toThrow(/reason/);
  });

  test('a missing or malformed file gives a clear error', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vocab-'));
    expect(() => loadVocabulary(path.join(dir, 'absent.json'))).toThrow(/cannot read the medication map/);
    writeFileSync(path.join(dir, 'bad.json'), '{"candidates": 3}');
    expect(() => loadVocabulary(path.join(dir, 'bad.json'))).toThrow(/expected/);
  });
});
