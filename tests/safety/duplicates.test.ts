import { loadAtcTable } from '../../src/medications/atc';
import { findDuplicates } from '../../src/safety/duplicates';
import { active, candidate, draft } from './helpers';

const classNames = loadAtcTable().classes;

describe('findDuplicates', () => {
  test('two statins → a class duplicate naming the ATC class', () => {
    const findings = findDuplicates([active('Simvistatin 10 MG', '316672', 'mr-1'), draft('Atorvastatin 80 MG Oral Tablet', '259255', 'mr-2')], { classNames });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'duplicate', basis: 'class', shared: ['C10AA'], severity: 'warning' });
    expect(findings[0].drugs.map((drug) => drug.orderId)).toEqual(['mr-1', 'mr-2']);
    expect(findings[0].rationale).toMatch(/simvastatin and atorvastatin .*C10AA/i);
  });

  test('a shared ingredient (acetaminophen alone and in a combination) → an ingredient duplicate', () => {
    const [finding] = findDuplicates([active('Acetaminophen 325 MG Oral Tablet', '313782'), draft('Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet', '1049221')]);
    expect(finding).toMatchObject({ basis: 'ingredient', shared: ['acetaminophen'] });
  });

  test('two NSAIDs as LAMO candidates are a class duplicate', () => {
    expect(findDuplicates([candidate('ibuprofen'), candidate('naproxen')])[0]).toMatchObject({ basis: 'class', shared: ['M01AE'] });
  });

  test('unrelated drugs give nothing', () => {
    expect(findDuplicates([candidate('amoxicillin'), candidate('acetaminophen'), candidate('lisinopril')])).toEqual([]);
  });

  test('active × active pairs only in review mode', () => {
    const statins = [active('Simvastatin 20 MG Oral Tablet', '312961'), active('Atorvastatin 80 MG Oral Tablet', '259255')];
    expect(findDuplicates(statins)).toEqual([]);
    expect(findDuplicates(statins, { mode: 'review' })).toHaveLength(1);
  });

  test('a drug without ATC codes or ingredients is never a duplicate', () => {
    expect(findDuplicates([draft('Vitamin pill'), draft('Herbal tea')])).toEqual([]);
  });
});
