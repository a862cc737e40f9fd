/**
 * Duplicate therapy by ingredient and by the reviewed duplicate classes (fhir-mappings/duplicate-therapy.json):
 * intended combinations are not duplicates, dual antiplatelet therapy only within its window after a
 * coronary event, and a draft of an active order's ingredients is a renewal. Drugs outside the vocabulary
 * (prasugrel, rosuvastatin) are built directly, as the drug catalogue describes them.
 */
import type { ConditionEntry, ProcedureEntry } from '../../src/fhir/types';
import { loadDuplicateTherapy, validateDuplicateTherapy, type DuplicateContext } from '../../src/safety/duplicate-rules';
import { findDuplicates } from '../../src/safety/duplicates';
import type { SafetyDrug } from '../../src/safety/types';
import { loadConditionGroups } from '../../src/medications/condition-groups';
import { active, candidate, coded, draft, SNOMED } from './helpers';

const table = loadDuplicateTherapy();
const groups = loadConditionGroups();

function built(name: string, ingredients: string[], atc: string[], source: SafetyDrug['source'] = 'draft', orderId = `${source}-${name}`): SafetyDrug {
  return { name, ingredients, rxnorm: [], atc, source, orderId };
}

const prasugrel = built('prasugrel', ['prasugrel'], ['B01AC22']);
const rosuvastatin = built('rosuvastatin', ['rosuvastatin'], ['C10AA07']);
const aspirin = built('aspirin', ['aspirin'], ['B01AC06'], 'active');
const clopidogrel = built('clopidogrel', ['clopidogrel'], ['B01AC04']);

const AT = new Date('2026-03-02T10:00:00Z');
const daysBefore = (days: number): string => new Date(AT.getTime() - days * 86_400_000).toISOString();

function condition(code: string, display: string, onset?: string): ConditionEntry {
  return { id: `c-${code}`, concept: coded(display, code, SNOMED), ...(onset ? { onset } : {}) };
}
function procedure(code: string, display: string, date: string): ProcedureEntry {
  return { id: `p-${code}`, concept: coded(display, code, SNOMED), date };
}
const context = (conditions: ConditionEntry[], procedures: ProcedureEntry[] = []): DuplicateContext => ({ conditions, procedures, at: AT });

describe('duplicate classes', () => {
  test.each([
    ['clopidogrel + prasugrel (prasugrel outside the vocabulary)', [built('clopidogrel', ['clopidogrel'], [], 'active'), prasugrel], 'p2y12-inhibitors'],
    ['simvastatin + rosuvastatin', [active('Simvastatin 20 MG Oral Tablet', '312961'), rosuvastatin], 'statins'],
    ['two statins of the vocabulary', [active('Simvistatin 10 MG', '316672', 'mr-1'), draft('Atorvastatin 80 MG Oral Tablet', '259255', 'mr-2')], 'statins'],
    ['ACE inhibitor + ARB', [active('lisinopril 10 MG Oral Tablet', '314076'), built('losartan', ['losartan'], ['C09CA01'])], 'ras-inhibitors'],
    ['two NSAIDs', [candidate('ibuprofen', 'active'), candidate('naproxen')], 'nsaids'],
    ['two SSRIs', [candidate('fluoxetine', 'active'), candidate('sertraline')], 'ssris'],
    ['ketorolac (by ingredient) + naproxen', [built('ketorolac', ['ketorolac'], []), candidate('naproxen', 'active')], 'nsaids'],
    ['warfarin + apixaban', [candidate('warfarin', 'active'), built('apixaban', ['apixaban'], ['B01AF02'])], 'anticoagulants'],
    ['two basal insulins', [built('insulin glargine', ['insulin glargine'], ['A10AE04'], 'active'), built('insulin degludec', ['insulin degludec'], ['A10AE06'])], 'insulins'],
  ])('%s → a warning naming the rule', (_name, drugs, ruleId) => {
    const findings = findDuplicates(drugs, { table });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'duplicate', basis: 'class', ruleId, severity: 'warning' });
    expect(findings[0].sources.length).toBeGreaterThan(0);
    expect(findings[0].advice).toBeTruthy();
  });

  test.each([
    ['basal + bolus insulin', [built('insulin glargine', ['insulin glargine'], ['A10AE04'], 'active'), built('insulin lispro', ['insulin lispro'], ['A10AB04'])]],
    ['reliever + long-acting beta2-agonist', [candidate('albuterol', 'active'), candidate('fluticasone / salmeterol')]],
    ['heparin bridging to warfarin', [candidate('warfarin', 'active'), candidate('heparin')]],
    // Same ATC level 4 (A04AA) but no duplicate class: a shared level 4 alone is not a duplicate.
    ['ondansetron + granisetron', [candidate('ondansetron', 'active'), built('granisetron', ['granisetron'], ['A04AA02'])]],
    ['unrelated drugs', [candidate('amoxicillin'), candidate('acetaminophen'), candidate('lisinopril')]],
  ])('%s → no duplicate', (_name, drugs) => {
    expect(findDuplicates(drugs, { table })).toEqual([]);
  });

  test('active × active pairs only in review mode', () => {
    const statins = [active('Simvastatin 20 MG Oral Tablet', '312961'), active('Atorvastatin 80 MG Oral Tablet', '259255')];
    expect(findDuplicates(statins, { table })).toEqual([]);
    expect(findDuplicates(statins, { table, mode: 'review' })).toHaveLength(1);
  });

  test('a drug without ATC codes or ingredients is never a duplicate', () => {
    expect(findDuplicates([draft('Vitamin pill'), draft('Herbal tea')], { table })).toEqual([]);
  });
});

describe('ingredients and renewals', () => {
  test('a shared ingredient (acetaminophen alone and in a combination) → an ingredient duplicate', () => {
    const [finding] = findDuplicates([active('Acetaminophen 325 MG Oral Tablet', '313782'), draft('Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet', '1049221')], { table });
    expect(finding).toMatchObject({ basis: 'ingredient', ruleId: 'same-ingredient', shared: ['acetaminophen'], severity: 'warning' });
  });

  test('a draft of the active ingredient is a renewal (info), also as another strength', () => {
    const [finding] = findDuplicates([active('lisinopril 10 MG Oral Tablet', '314076', 'mr-active'), draft('lisinopril 20 MG Oral Tablet', '314077', 'mr-draft')], { table });
    expect(finding).toMatchObject({ basis: 'renewal', ruleId: 'renewal-of-active', severity: 'info', shared: ['lisinopril'] });
  });

  test('lisinopril drafted for a patient on hydrochlorothiazide/lisinopril: a duplicate of lisinopril, not a renewal', () => {
    const [finding] = findDuplicates([active('hydrochlorothiazide 12.5 MG / lisinopril 20 MG Oral Tablet', '197886'), draft('lisinopril 10 MG Oral Tablet', '314076')], { table });
    expect(finding).toMatchObject({ basis: 'ingredient', shared: ['lisinopril'], severity: 'warning' });
  });

  test('two drafts of one drug are a duplicate, not a renewal', () => {
    const [finding] = findDuplicates([draft('lisinopril 10 MG Oral Tablet', '314076', 'd1'), draft('lisinopril 20 MG Oral Tablet', '314077', 'd2')], { table });
    expect(finding).toMatchObject({ basis: 'ingredient', severity: 'warning' });
  });
});

describe('dual antiplatelet therapy', () => {
  const stemi = (days: number): ConditionEntry => condition('401303003', 'Acute ST segment elevation myocardial infarction (disorder)', daysBefore(days));

  test('without any indication in the record → a warning', () => {
    const [finding] = findDuplicates([aspirin, clopidogrel], { table, context: context([condition('53741008', 'Coronary Heart Disease', daysBefore(2000))]) });
    expect(finding).toMatchObject({ basis: 'class', ruleId: 'aspirin-and-p2y12-inhibitor', severity: 'warning' });
  });

  test('after a STEMI two months ago → intended (info), with the review date', () => {
    const [finding] = findDuplicates([aspirin, clopidogrel], { table, context: context([stemi(60)]) });
    expect(finding).toMatchObject({ basis: 'intended', severity: 'info' });
    expect(finding.rationale).toMatch(/after Acute ST segment elevation myocardial infarction on 2026-01-01.*12 months/);
    expect(finding.sources.join(' ')).toMatch(/ACC\/AHA 2016 DAPT/);
  });

  test('after a PCI (a Procedure) within the window → intended', () => {
    const [finding] = findDuplicates([aspirin, clopidogrel], { table, context: context([], [procedure('415070008', 'Percutaneous coronary intervention', daysBefore(100))]) });
    expect(finding.basis).toBe('intended');
  });

  test('more than 12 months after the STEMI → info: review continuing', () => {
    const [finding] = findDuplicates([aspirin, clopidogrel], { table, context: context([stemi(500)]) });
    expect(finding).toMatchObject({ basis: 'class', severity: 'info' });
    expect(finding.advice).toMatch(/review whether to continue/);
    // The condition is named as a clinician says it, without the SNOMED CT tag "(disorder)".
    expect(finding.rationale).toMatch(/the indication, Acute ST segment elevation myocardial infarction on \d{4}-\d{2}-\d{2}, is past/);
  });

  test('after a minor stroke: intended for 90 days, then a warning', () => {
    const stroke = (days: number): ConditionEntry => condition('230690007', 'Cerebrovascular accident (disorder)', daysBefore(days));
    expect(findDuplicates([aspirin, clopidogrel], { table, context: context([stroke(30)]) })[0].basis).toBe('intended');
    expect(findDuplicates([aspirin, clopidogrel], { table, context: context([stroke(200)]) })[0]).toMatchObject({ basis: 'class', severity: 'warning' });
  });

  test('two P2Y12 inhibitors stay a warning even right after a STEMI', () => {
    const [finding] = findDuplicates([built('clopidogrel', ['clopidogrel'], ['B01AC04'], 'active'), prasugrel], { table, context: context([stemi(10)]) });
    expect(finding).toMatchObject({ ruleId: 'p2y12-inhibitors', severity: 'warning' });
  });
});

describe('the table', () => {
  test('every rule cites sources and names known condition groups', () => {
    expect(table.file.rules.length).toBeGreaterThanOrEqual(10);
    for (const rule of table.file.rules) expect(rule.review).toMatch(/review/);
  });

  test('a rule naming an unknown condition group is refused with the file name', () => {
    const broken = JSON.parse(JSON.stringify(table.file)) as typeof table.file;
    broken.rules.find((rule) => rule.intendedWhen)!.intendedWhen![0].conditionGroups = ['no-such-group'];
    expect(() => validateDuplicateTherapy(broken, groups, 'dup.json')).toThrow(/dup\.json: rule aspirin-and-p2y12-inhibitor .*unknown condition group/);
  });
});

describe("therapeutic classes added after the lead's fourth read (two drafted together got no card)", () => {
  test.each([
    ['Quetiapine 100 MG Oral Tablet', 'Olanzapine 10 MG Oral Tablet', 'antipsychotics'],
    ['Omeprazole 20 MG Delayed Release Oral Capsule', 'Pantoprazole 40 MG Delayed Release Oral Tablet', 'proton-pump-inhibitors'],
    ['Metoprolol Tartrate 25 MG Oral Tablet', 'Atenolol 50 MG Oral Tablet', 'beta-blockers'],
    ['Glipizide 5 MG Oral Tablet', 'Glyburide 5 MG Oral Tablet', 'sulfonylureas'],
    ['Amlodipine 5 MG Oral Tablet', '24 HR Nifedipine 30 MG Extended Release Oral Tablet', 'dihydropyridine-calcium-channel-blockers'],
  ])('%s active + %s drafted: a %s duplicate warning', (first, second, ruleId) => {
    const found = findDuplicates([active(first), draft(second)], { table });
    expect(found.map((f) => `${f.ruleId}:${f.severity}`)).toEqual([`${ruleId}:warning`]);
  });

  test('quiet where the class is not the duplicate: prochlorperazine for nausea beside quetiapine, timolol eye drops beside metoprolol', () => {
    expect(findDuplicates([active('Quetiapine 100 MG Oral Tablet'), draft('Prochlorperazine Maleate 10 MG Oral Tablet')], { table })).toEqual([]);
    expect(findDuplicates([active('Metoprolol Tartrate 25 MG Oral Tablet'), draft('Timolol 5 MG/ML Ophthalmic Solution')], { table })).toEqual([]);
  });
});
