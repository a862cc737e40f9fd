/**
 * Potentially inappropriate medications in older adults (AGS Beers Criteria 2023, Table 2:
 * fhir-mappings/older-adults.json), on drugs built through the real drug catalogue: which drugs each rule meets,
 * and how strongly it speaks — a new draft the rule's severity, a continued or active drug information only, a rule
 * about long-term use nothing for a new draft —, what quiets it (an appropriate condition, a form or dose outside the
 * criterion), and that the table cannot say more than its source.
 */
import type { ConditionEntry } from '../../src/fhir/types';
import { loadConditionGroups } from '../../src/medications/condition-groups';
import { findOlderAdultCautions, loadOlderAdults, validateOlderAdults, type OlderAdultCheck } from '../../src/safety/older-adults';
import type { OlderAdultScope, SafetyDrug } from '../../src/safety/types';
import { active, coded, draft, SNOMED } from './helpers';

const table = loadOlderAdults();
const groups = loadConditionGroups();

const check = (drug: SafetyDrug, scope: OlderAdultScope = drug.source === 'active' ? 'active' : 'new'): OlderAdultCheck => ({ drug, scope });
const condition = (code: string, display: string): ConditionEntry => ({ id: `c-${code}`, concept: coded(display, code, SNOMED), clinicalStatus: 'active' });
const rulesFor = (drug: SafetyDrug, age = 80, conditions: ConditionEntry[] = [], scope?: OlderAdultScope): [string, string][] =>
  findOlderAdultCautions([check(drug, scope)], { age, conditions }, table).map((f) => [f.ruleId, f.severity]);

describe('the drugs the brief names, and their classes, are met by the rule the Beers table gives them', () => {
  test.each([
    ['Paroxetine 10 MG Oral Tablet', '312241', 'anticholinergic-antidepressants'],
    ['Amitriptyline Hydrochloride 25 MG Oral Tablet', undefined, 'anticholinergic-antidepressants'],
    ['Imipramine Hydrochloride 25 MG Oral Tablet', undefined, 'anticholinergic-antidepressants'],
    ['diphenhydrAMINE Hydrochloride 25 MG Oral Tablet', '1049630', 'first-generation-antihistamines'],
    ['Chlorpheniramine Maleate 4 MG Oral Tablet', '1363309', 'first-generation-antihistamines'],
    ['Hydroxyzine Hydrochloride 25 MG Oral Tablet', undefined, 'first-generation-antihistamines'],
    ['Promethazine Hydrochloride 25 MG Oral Tablet', undefined, 'first-generation-antihistamines'],
    ['Meclizine Hydrochloride 25 MG Oral Tablet', undefined, 'first-generation-antihistamines'],
    // A cough syrup holding doxylamine: strongly anticholinergic, whatever else it holds.
    ['Acetaminophen 21.7 MG/ML / Dextromethorphan Hydrobromide 1 MG/ML / doxylamine succinate 0.417 MG/ML Oral Solution', '1043400', 'first-generation-antihistamines'],
    ['Dicyclomine Hydrochloride 20 MG Oral Tablet', undefined, 'antispasmodics'],
    ['Hyoscyamine Sulfate 0.125 MG Oral Tablet', undefined, 'antispasmodics'],
    ['Benztropine Mesylate 1 MG Oral Tablet', undefined, 'anticholinergic-antiparkinson-agents'],
    ['Lorazepam 1 MG Oral Tablet', undefined, 'benzodiazepines'],
    ['Diazepam 5 MG Oral Tablet', '197591', 'benzodiazepines'],
    ['Zolpidem Tartrate 10 MG Oral Tablet', undefined, 'z-drugs'],
    ['Glyburide 5 MG Oral Tablet', undefined, 'long-acting-sulfonylureas'],
    ['Glimepiride 2 MG Oral Tablet', undefined, 'long-acting-sulfonylureas'],
    ['Meperidine Hydrochloride 50 MG Oral Tablet', '861467', 'meperidine'],
    ['Cyclobenzaprine Hydrochloride 10 MG Oral Tablet', undefined, 'skeletal-muscle-relaxants'],
    ['Carisoprodol 350 MG Oral Tablet', undefined, 'skeletal-muscle-relaxants'],
    ['Metaxalone 800 MG Oral Tablet', undefined, 'skeletal-muscle-relaxants'],
    ['Indomethacin 25 MG Oral Capsule', undefined, 'indomethacin-ketorolac'],
    ['Butalbital 50 MG / Acetaminophen 325 MG / Caffeine 40 MG Oral Tablet', undefined, 'barbiturates'],
    ['Nifedipine 10 MG Oral Capsule', undefined, 'nifedipine-immediate-release'],
    ['Metoclopramide 10 MG Oral Tablet', undefined, 'metoclopramide'],
    ['Estradiol 1 MG Oral Tablet', undefined, 'systemic-estrogens'],
  ])('%s (RxNorm %s), a new draft at 80 → %s, a warning', (display, code, rule) => {
    expect(rulesFor(draft(display, code))).toContainEqual([rule, 'warning']);
  });

  test.each([
    ['Sertraline 100 MG Oral Tablet', '312938'],
    ['Loratadine 10 MG Oral Tablet', '311372'],
    ['Acetaminophen 325 MG Oral Tablet', '313782'],
    ['Amlodipine 5 MG Oral Tablet', '197361'],
    ['24 HR Nifedipine 30 MG Extended Release Oral Tablet', undefined],
    ['Glipizide 5 MG Oral Tablet', undefined],
    ['Hydrocortisone 10 MG/ML Topical Cream', '106258'],
    ['Doxepin 6 MG Oral Tablet', undefined],
    ['Midazolam 1 MG/ML Injectable Solution', '311700'],
    ['Atropine Sulfate 1 MG/ML Injectable Solution', '1190795'],
    ['Estradiol 0.1 MG/GM Vaginal Cream', undefined],
  ])('%s (RxNorm %s), a new draft at 80: no warning', (display, code) => {
    expect(rulesFor(draft(display, code)).filter(([, severity]) => severity !== 'info')).toEqual([]);
  });

  test('doxepin above 6 mg is strongly anticholinergic; 6 mg or less (for sleep) is exempt', () => {
    expect(rulesFor(draft('Doxepin Hydrochloride 10 MG Oral Capsule'))).toEqual([['anticholinergic-antidepressants', 'warning']]);
    expect(rulesFor(draft('Doxepin 3 MG Oral Tablet'))).toEqual([]);
  });

  test('glipizide, the sulfonylurea the criterion prefers, is information only', () => {
    expect(rulesFor(draft('Glipizide 5 MG Oral Tablet'))).toEqual([['short-acting-sulfonylureas', 'info']]);
  });
});

describe('how strongly it speaks', () => {
  const paroxetine = (): SafetyDrug => draft('Paroxetine 10 MG Oral Tablet', '312241');

  test('a new draft: the rule\'s warning; a continued draft or an active drug: information', () => {
    expect(rulesFor(paroxetine(), 88, [], 'new')).toEqual([['anticholinergic-antidepressants', 'warning']]);
    expect(rulesFor(paroxetine(), 88, [], 'continued')).toEqual([['anticholinergic-antidepressants', 'info']]);
    expect(rulesFor(active('Paroxetine 10 MG Oral Tablet', '312241'), 88)).toEqual([['anticholinergic-antidepressants', 'info']]);
  });

  test('below 65, or with no known age, nothing', () => {
    expect(rulesFor(paroxetine(), 64)).toEqual([]);
    expect(findOlderAdultCautions([check(paroxetine())], { conditions: [] }, table)).toEqual([]);
    expect(rulesFor(paroxetine(), 65)).toEqual([['anticholinergic-antidepressants', 'warning']]);
  });

  test('a rule about long-term use (chronic NSAIDs, PPIs beyond 8 weeks) says nothing of a new course, informs on a continued or active one', () => {
    const naproxen = (): SafetyDrug => draft('Naproxen sodium 220 MG Oral Tablet', '849574');
    expect(rulesFor(naproxen(), 80, [], 'new')).toEqual([]);
    expect(rulesFor(naproxen(), 80, [], 'continued')).toEqual([['nsaids-chronic', 'info']]);
    expect(rulesFor(active('Omeprazole 20 MG Delayed Release Oral Capsule'), 80)).toEqual([['proton-pump-inhibitors-long-term', 'info']]);
  });

  test('indomethacin and ketorolac have their own rule (avoid outright), not also the chronic-NSAID one', () => {
    expect(rulesFor(active('Indomethacin 25 MG Oral Capsule'), 80)).toEqual([['indomethacin-ketorolac', 'info']]);
  });
});

describe('what the source calls appropriate quiets a rule', () => {
  test('a benzodiazepine for a patient with a seizure disorder, or in alcohol withdrawal', () => {
    const lorazepam = (): SafetyDrug => draft('Lorazepam 1 MG Oral Tablet');
    expect(rulesFor(lorazepam(), 80, [condition('84757009', 'Epilepsy')])).toEqual([]);
    expect(rulesFor(lorazepam(), 80, [condition('8635005', 'Alcohol withdrawal syndrome')])).toEqual([]);
    // Alcohol use disorder itself is no reason for a benzodiazepine (APA 2018).
    expect(rulesFor(lorazepam(), 80, [condition('7200002', 'Alcoholism')])).toEqual([['benzodiazepines', 'warning']]);
  });

  test('an alpha-1 blocker for benign prostatic hyperplasia; warfarin for a heart valve replacement', () => {
    expect(rulesFor(draft('Doxazosin 2 MG Oral Tablet'), 80)).toEqual([['peripheral-alpha1-blockers-for-hypertension', 'warning']]);
    expect(rulesFor(draft('Doxazosin 2 MG Oral Tablet'), 80, [condition('266569009', 'Benign prostatic hyperplasia')])).toEqual([]);
    expect(rulesFor(draft('Warfarin Sodium 5 MG Oral Tablet', '855332'), 80)).toEqual([['warfarin-first-line', 'warning']]);
    const valves = Object.entries(groups.groups['heart-valve-replacement'].snomed ?? {});
    expect(rulesFor(draft('Warfarin Sodium 5 MG Oral Tablet', '855332'), 80, [condition(valves[0][0], valves[0][1])])).toEqual([]);
  });
});

describe('the table says no more than its source', () => {
  const file = (): Record<string, unknown> => JSON.parse(JSON.stringify(table.file)) as Record<string, unknown>;
  const withRule = (change: (rule: Record<string, unknown>) => void): Record<string, unknown> => {
    const copy = file();
    change((copy.rules as Record<string, unknown>[])[0]);
    return copy;
  };

  test('every rule cites the AGS Beers Criteria 2023 and is a strong recommendation, worded "avoid", never critical', () => {
    for (const rule of table.file.rules) {
      expect(rule.sources).toContain('AGS-Beers-2023');
      expect(rule.beers.strength).toBe('strong');
      expect(rule.advice).toMatch(/^avoid\b/);
      expect(['warning', 'info']).toContain(rule.severity);
    }
    expect(table.file.sources['AGS-Beers-2023']).toMatch(/J Am Geriatr Soc 2023;71\(7\):2052-2081/);
  });

  test('a critical severity, "contraindicated" or advice not beginning with "avoid" is refused', () => {
    expect(() => validateOlderAdults(withRule((rule) => (rule.severity = 'critical')), groups)).toThrow(/warning or info/);
    expect(() => validateOlderAdults(withRule((rule) => (rule.advice = 'contraindicated in older adults')), groups)).toThrow(/avoid/);
    expect(() => validateOlderAdults(withRule((rule) => (rule.advice = 'use a second-generation antihistamine')), groups)).toThrow(/avoid/);
    expect(() => validateOlderAdults(withRule((rule) => (rule.unlessConditionGroups = ['no-such-group'])), groups)).toThrow(/unknown condition group/);
    expect(() => validateOlderAdults(withRule((rule) => (rule.sources = ['nowhere'])), groups)).toThrow(/cite sources/);
  });
});
