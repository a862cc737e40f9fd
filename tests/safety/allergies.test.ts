import * as zlib from 'zlib';
import { readFileSync } from 'fs';
import * as path from 'path';
import type { AllergyIntolerance } from 'fhir/r4';
import { toConcept } from '../../src/fhir/concepts';
import type { AllergyEntry } from '../../src/fhir/types';
import { allergenNames, findAllergyConflicts, isRelevantAllergy, loadAllergyTable } from '../../src/safety/allergies';
import { candidate, coded, draft, RXNORM, SNOMED } from './helpers';

const table = loadAllergyTable();

function allergy(id: string, display: string, code: string, system: string, status: Partial<AllergyEntry> = {}): AllergyEntry {
  return { id, concept: coded(display, code, system), clinicalStatus: 'active', verificationStatus: 'confirmed', category: ['medication'], ...status };
}

const penicillinV = allergy('al-pen', 'Penicillin V', '7984', RXNORM); // as Synthea's drug-allergy module writes it
const penicillinSnomed = allergy('al-pen-sct', 'Allergy to penicillin', '91936005', SNOMED);

describe('findAllergyConflicts', () => {
  test('amoxicillin draft for a penicillin-allergic patient → critical allergy finding', () => {
    const findings = findAllergyConflicts([draft('Amoxicillin 500 MG Oral Tablet', '308192', 'mr-amox')], [penicillinV], table);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      kind: 'allergy',
      severity: 'critical',
      basis: 'class',
      drug: { name: 'amoxicillin', orderId: 'mr-amox' },
      allergy: { id: 'al-pen', display: 'Penicillin V' },
    });
    expect(findings[0].rationale).toMatch(/penicillins/);
  });

  test('a SNOMED "Allergy to penicillin" catches amoxicillin / clavulanate and piperacillin / tazobactam', () => {
    const drugs = [candidate('amoxicillin / clavulanate'), candidate('piperacillin / tazobactam')];
    expect(findAllergyConflicts(drugs, [penicillinSnomed], table).map((finding) => finding.severity)).toEqual(['critical', 'critical']);
  });

  test('the allergen itself is a substance match', () => {
    const [finding] = findAllergyConflicts([candidate('penicillin v')], [penicillinV], table);
    expect(finding).toMatchObject({ basis: 'substance', severity: 'critical' });
  });

  test('cephalosporins for a penicillin allergy are a cross-reactivity warning', () => {
    const [finding] = findAllergyConflicts([draft('Cefuroxime 250 MG Oral Tablet', '309097')], [penicillinSnomed], table);
    expect(finding).toMatchObject({ basis: 'cross-reactivity', severity: 'warning' });
  });

  test('aspirin allergy: aspirin is critical, another NSAID a warning', () => {
    const aspirinAllergy = allergy('al-asa', 'Aspirin', '1191', RXNORM);
    const findings = findAllergyConflicts([candidate('aspirin'), candidate('ibuprofen'), candidate('acetaminophen')], [aspirinAllergy], table);
    expect(findings.map((finding) => [finding.drug.name, finding.severity])).toEqual([
      ['aspirin', 'critical'],
      ['ibuprofen', 'warning'],
    ]);
  });

  test('a sulfonamide allergy recorded as the combination catches sulfamethoxazole', () => {
    const sulfa = allergy('al-sulfa', 'Sulfamethoxazole / Trimethoprim', '10831', RXNORM);
    const [finding] = findAllergyConflicts([draft('Sulfamethoxazole 800 MG / Trimethoprim 160 MG Oral Tablet')], [sulfa], table);
    expect(finding).toMatchObject({ basis: 'substance', severity: 'critical' });
  });

  test('inactive, resolved, refuted or entered-in-error allergies are ignored', () => {
    const amoxicillin = [candidate('amoxicillin')];
    for (const status of [{ clinicalStatus: 'inactive' }, { clinicalStatus: 'resolved' }, { verificationStatus: 'refuted' }, { verificationStatus: 'entered-in-error' }]) {
      const old = { ...penicillinV, ...status };
      expect(isRelevantAllergy(old)).toBe(false);
      expect(findAllergyConflicts(amoxicillin, [old], table)).toEqual([]);
    }
  });

  test('unrelated allergies and drugs give nothing', () => {
    const eggs = allergy('al-egg', 'Allergy to eggs', '91930004', SNOMED);
    expect(findAllergyConflicts([candidate('amoxicillin')], [eggs], table)).toEqual([]);
    expect(findAllergyConflicts([candidate('acetaminophen'), candidate('lisinopril')], [penicillinV, penicillinSnomed], table)).toEqual([]);
  });

  test('allergen names come from codes and from the text', () => {
    expect(allergenNames(penicillinSnomed, table)).toContain('penicillin');
    expect(allergenNames(allergy('x', 'Allergy to amoxicillin', '294505008', SNOMED), table)).toContain('amoxicillin');
  });

  test('the aspirin allergy in the shared bulk data flags an aspirin draft', () => {
    const file = path.resolve(__dirname, '../../../shared/data/synthea-bulk-10/AllergyIntolerance.000.ndjson.gz');
    const resources = zlib
      .gunzipSync(readFileSync(file))
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AllergyIntolerance);
    const entries: AllergyEntry[] = resources.map((resource) => ({
      id: resource.id ?? '',
      concept: toConcept(resource.code) ?? coded('unknown', undefined, SNOMED),
      clinicalStatus: resource.clinicalStatus?.coding?.[0]?.code,
      verificationStatus: resource.verificationStatus?.coding?.[0]?.code,
    }));
    const findings = findAllergyConflicts([draft('Aspirin 81 MG Oral Tablet', '243670')], entries, table);
    expect(findings.map((finding) => finding.allergy.display)).toEqual(['Aspirin']);
  });
});

describe('antibiotic classes whose labels contraindicate every member after an allergy to one (the lead\'s fourth read)', () => {
  const textOnly = (id: string, display: string): AllergyEntry => ({ id, concept: { display, codings: [] }, clinicalStatus: 'active', verificationStatus: 'confirmed', category: ['medication'] });
  test.each([
    ['Ciprofloxacin', 'Levofloxacin 500 MG Oral Tablet', 'fluoroquinolones-class'],
    ['Erythromycin', 'Azithromycin 250 MG Oral Tablet', 'macrolides-class'],
    ['Doxycycline', 'Minocycline 100 MG Oral Capsule', 'tetracyclines-class'],
  ])('allergy to %s, draft of %s: critical, rule %s, with its label cited', (allergen, product, ruleId) => {
    const [finding, ...rest] = findAllergyConflicts([draft(product)], [textOnly('al', allergen)], table);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'critical', basis: 'class', ruleId });
    expect(finding.sources?.join(' ')).toMatch(/FDA label|labels/);
  });

  test('quiet across classes: a quinolone allergy and a macrolide, a macrolide allergy and doxycycline', () => {
    expect(findAllergyConflicts([draft('Azithromycin 250 MG Oral Tablet')], [textOnly('al', 'Ciprofloxacin')], table)).toEqual([]);
    expect(findAllergyConflicts([draft('Doxycycline Hyclate 100 MG Oral Capsule')], [textOnly('al', 'Clarithromycin')], table)).toEqual([]);
  });

  test('every class rule cites sources of the table and says its review status', () => {
    for (const rule of table.rules) {
      expect(rule.sources.length).toBeGreaterThan(0);
      for (const id of rule.sources) expect(table.sources[id]).toEqual(expect.any(String));
      expect(rule.review).toBe('pending clinical review');
    }
  });
});
