import * as path from 'path';
import { combinationParts, deriveAtcTable, isKnownIngredient, parseWhoAtc, type AtcReview } from '../../scripts/build-atc-table';
import { loadPatientRecords } from '../../src/fhir/load';
import { atcLevel4, classCodesOf, loadAtcTable } from '../../src/medications/atc';
import { loadVocabulary } from '../../src/medications/vocabulary';

const WHO_SAMPLE = [
  'atc_code,atc_name,ddd,uom,adm_r,note',
  'C10AA,HMG CoA reductase inhibitors,NA,NA,NA,NA',
  'C10AA01,simvastatin,30,mg,O,NA',
  'M01AE,Propionic acid derivatives,NA,NA,NA,NA',
  'M01AE01,ibuprofen,1.2,g,O,NA',
  'M01AE01,ibuprofen,1.2,g,P,NA',
  'G02CC01,ibuprofen,NA,NA,NA,NA',
  'N02AJ,Opioids in combination with non-opioid analgesics,NA,NA,NA,NA',
  'N02AJ17,oxycodone and paracetamol,NA,NA,NA,NA',
  'N02BE01,paracetamol,3,g,O,NA',
  'N02AA05,oxycodone,75,mg,O,NA',
  'R05X,OTHER COLD PREPARATIONS,NA,NA,NA,NA',
  'R05DA09,dextromethorphan,90,mg,O,NA',
  'A10BD25,"metformin, saxagliptin and dapagliflozin",NA,NA,NA,NA',
].join('\n');

const review: AtcReview = { innSynonyms: { acetaminophen: 'paracetamol' }, choices: {}, knownIngredients: { clavulanate: 'only in J01CR02' } };

describe('WHO ATC derivation (scripts/build-atc-table.ts)', () => {
  const who = parseWhoAtc(WHO_SAMPLE);

  test('parses quoted names and knows combination parts as substances', () => {
    expect(who.names.get('A10BD25')).toBe('metformin, saxagliptin and dapagliflozin');
    expect(combinationParts('metformin, saxagliptin and dapagliflozin')).toEqual(['metformin', 'saxagliptin', 'dapagliflozin']);
    expect(isKnownIngredient('saxagliptin', who, review)).toBe(true);
    expect(isKnownIngredient('acetaminophen', who, review)).toBe(true);
    expect(isKnownIngredient('clavulanate', who, review)).toBe(true);
    expect(isKnownIngredient('camila', who, review)).toBe(false);
  });

  test('a single code is taken; a combination is found in any order through INN synonyms', () => {
    const { table, problems } = deriveAtcTable(['simvastatin', 'acetaminophen / oxycodone', 'acetaminophen / dextromethorphan'], who, review);
    expect(problems).toEqual([]);
    expect(table.candidates.simvastatin.atc).toBe('C10AA01');
    expect(table.candidates['acetaminophen / oxycodone']).toEqual({ atc: 'N02AJ17', ingredients: { acetaminophen: 'N02BE01', oxycodone: 'N02AA05' } });
    // no WHO combination: no own code, per-ingredient codes kept
    expect(table.candidates['acetaminophen / dextromethorphan'].atc).toBeUndefined();
    expect(table.classes.N02AJ).toBe('Opioids in combination with non-opioid analgesics');
    expect(Object.keys(table.codes)).not.toContain('M01AE01'); // only the codes the candidates need
  });

  test('an ambiguous substance is a problem until the review chooses', () => {
    expect(deriveAtcTable(['ibuprofen'], who, review).problems[0]).toMatch(/several ATC codes \(G02CC01, M01AE01\)/);
    const chosen = deriveAtcTable(['ibuprofen'], who, { ...review, choices: { ibuprofen: { atc: 'M01AE01', why: 'oral' } } });
    expect(chosen.problems).toEqual([]);
    expect(chosen.table.candidates.ibuprofen.atc).toBe('M01AE01');
  });

  test('a chosen code missing from the WHO file is a problem', () => {
    const { problems } = deriveAtcTable(['simvastatin'], who, { ...review, choices: { simvastatin: { atc: 'C10AA99', why: 'typo' } } });
    expect(problems[0]).toMatch(/C10AA99 is not in the WHO file/);
  });
});

describe('fhir-mappings/atc.json', () => {
  test('class codes: own code first, else the ingredients\' codes', () => {
    const atc = loadAtcTable();
    expect(classCodesOf(atc, 'atorvastatin')).toEqual(['C10AA05']);
    expect(classCodesOf(atc, 'acetaminophen / dextromethorphan / doxylamine')).toEqual(['N02BE01', 'R05DA09', 'R06AA09']);
    expect(classCodesOf(atc, 'no such drug')).toEqual([]);
    expect(atcLevel4('C10AA05')).toBe('C10AA');
  });
});

describe('shared data', () => {
  test('every MedicationRequest of the three training populations is covered by the vocabulary', async () => {
    const vocabulary = loadVocabulary();
    for (const population of ['synthea-r4-615', 'synthea-stu3-1461', 'synthea-qicore-177']) {
      const { records } = await loadPatientRecords(path.resolve(__dirname, '../../../shared/data', population));
      const orders = records.flatMap((record) => record.medications);
      expect(orders.length).toBeGreaterThan(1000);
      const uncovered = orders.filter((order) => !vocabulary.normalise(order.concept).covered).map((order) => order.concept.display);
      expect({ population, uncovered }).toEqual({ population, uncovered: [] });
    }
  }, 120_000);

  test('the vocabulary is built without the external population: bulk-10 orders epoetin alfa, which no training population does', async () => {
    const vocabulary = loadVocabulary();
    const { records } = await loadPatientRecords(path.resolve(__dirname, '../../../shared/data/synthea-bulk-10'));
    const orders = records.flatMap((record) => record.medications);
    const uncovered = new Set(orders.filter((order) => !vocabulary.normalise(order.concept).covered).map((order) => order.concept.display));
    expect([...uncovered]).toEqual(['1 ML Epoetin Alfa 4000 UNT/ML Injection [Epogen]']);
    expect(vocabulary.byName('epoetin alfa')).toBeUndefined();
  });
});
