/**
 * Indications of any drug, by ingredient and by ATC class (src/medications/drug-indications.ts), read through the
 * drug catalogue as the service reads them: drugs outside the model's vocabulary are known by their class, the
 * no-condition-needed and low-harm lists are closed and cited, mined links never ground a finding on their own,
 * and a drug none of the tables knows is "not known".
 */
import type { Concept } from '../../src/fhir/types';
import { loadConditionGroups } from '../../src/medications/condition-groups';
import { isKnown, type IndicationDrug } from '../../src/medications/drug-indications';
import {
  loadClassIndications,
  loadLowHarmDrugs,
  loadNoConditionNeeded,
  validateAtcList,
  validateClassIndications,
} from '../../src/medications/indication-classes';
import { PENDING_REVIEW } from '../../src/medications/indications';
import { cardKnowledge } from '../../src/server/wiring';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const SNOMED = 'http://snomed.info/sct';
const knowledge = cardKnowledge();
const rules = knowledge.drugIndications;
const groups = loadConditionGroups();

const product = (display: string, code?: string): Concept => ({ display, codings: code ? [{ system: RXNORM, code, display }] : [] });
const snomed = (code: string, display: string): Concept => ({ system: SNOMED, code, display, codings: [{ system: SNOMED, code, display }] });
function drug(display: string, code?: string): IndicationDrug {
  const found = knowledge.describe.ofConcept(product(display, code));
  if (!found) throw new Error(`the catalogue cannot read ${display}`);
  return found;
}
const supports = (d: IndicationDrug, condition: Concept): boolean => rules.supporting(rules.profile(d), [condition], (c) => c).length > 0;

const HYPERTENSION = snomed('59621000', 'Essential hypertension (disorder)');
const AF = snomed('49436004', 'Atrial fibrillation');
const SPRAIN = snomed('44465007', 'Sprain of ankle');

describe('the tables', () => {
  it('load, name only known condition groups, and cite a listed source with a review status on every entry', () => {
    const classes = loadClassIndications(groups);
    for (const [code, entry] of Object.entries(classes.classes)) {
      expect({ code, review: entry.review }).toEqual({ code, review: PENDING_REVIEW });
      for (const source of entry.sources) expect(classes.sources[source]).toBeDefined();
    }
    for (const list of [loadNoConditionNeeded(), loadLowHarmDrugs()]) {
      expect(list.entries.length).toBeGreaterThan(3);
      for (const entry of list.entries) {
        expect(entry.review).toBe(PENDING_REVIEW);
        for (const source of entry.sources) expect(list.sources[source]).toBeDefined();
      }
    }
  });

  it('refuse an unknown condition group, a code that is no ATC code, and an uncited entry', () => {
    const base = { description: '', sources: { S: 'a source' } };
    expect(() => validateClassIndications({ ...base, classes: { C09: { label: 'x', groups: ['no-such-group'], sources: ['S'], review: 'r' } } }, groups)).toThrow(/unknown condition group/);
    expect(() => validateClassIndications({ ...base, classes: { hypertensives: { label: 'x', groups: ['hypertension'], sources: ['S'], review: 'r' } } }, groups)).toThrow(/not a WHO ATC code/);
    expect(() => validateClassIndications({ ...base, classes: { C09: { label: 'x', groups: ['hypertension'], sources: ['T'], review: 'r' } } }, groups)).toThrow(/cite sources/);
    expect(() => validateAtcList({ ...base, entries: [{ atc: ['G03A'], label: 'x', rationale: 'r', sources: ['S'], review: 'r' }] }, 'f', true)).toThrow(/used for instead/);
  });
});

describe('a drug outside the model vocabulary is known by its class', () => {
  // Losartan and bevacizumab served here until issue 17's vocabulary (the three training populations) made them
  // candidates with reviewed indications.
  it('bumetanide (ATC C03CA02) treats hypertension, not a sprain', () => {
    const bumetanide = drug('Bumetanide 1 MG Oral Tablet', '197418');
    expect(bumetanide.candidate).toBeUndefined();
    expect(supports(bumetanide, HYPERTENSION)).toBe(true);
    expect(supports(bumetanide, SPRAIN)).toBe(false);
    expect(isKnown(rules.profile(bumetanide))).toBe(true);
  });

  it('the longest listed prefix applies: prasugrel (B01AC22) is for coronary disease, not stroke as its class', () => {
    const prasugrel = drug('prasugrel 10 MG Oral Tablet', '855812');
    expect(supports(prasugrel, snomed('53741008', 'Coronary Heart Disease'))).toBe(true);
    expect(supports(prasugrel, snomed('230690007', 'Stroke'))).toBe(false);
    expect(supports(drug('Clopidogrel 75 MG Oral Tablet', '309362'), snomed('230690007', 'Stroke'))).toBe(true);
  });

  it('a drug no table knows is not known: nothing may be claimed about its indication', () => {
    const deflazacort = drug('deflazacort 6 MG Oral Tablet', '153098');
    const profile = rules.profile(deflazacort);
    expect(profile.indications).toEqual([]);
    expect(isKnown(profile)).toBe(false);
  });
});

describe('what a missing indication means', () => {
  it('contraceptives and other drugs given without a condition are marked so, with their use', () => {
    expect(rules.profile(drug('Levonorgestrel 1.5 MG Oral Tablet')).noConditionNeeded?.use).toBe('contraception');
    expect(rules.profile(drug('sodium fluoride 0.0272 MG/MG Oral Gel', '1535362')).noConditionNeeded?.use).toBe('caries prevention');
    expect(rules.profile(drug('Warfarin Sodium 5 MG Oral Tablet', '855332')).noConditionNeeded).toBeUndefined();
  });

  it('a drug is low-harm only when every ATC code of it is listed: acetaminophen is, with hydrocodone it is not; first-generation antihistamines are not', () => {
    expect(rules.profile(drug('Acetaminophen 325 MG Oral Tablet')).lowHarm).toBeDefined();
    expect(rules.profile(drug('Cetirizine Hydrochloride 10 MG Oral Tablet')).lowHarm).toBeDefined();
    expect(rules.profile(drug('Acetaminophen 325 MG / HYDROcodone Bitartrate 7.5 MG Oral Tablet')).lowHarm).toBeUndefined();
    expect(rules.profile(drug('Diphenhydramine Hydrochloride 25 MG Oral Capsule')).lowHarm).toBeUndefined();
  });

  it('reason links mined from the data alone never make a drug known', () => {
    const mined = { name: 'mined-only', ingredients: ['mined-only'], atc: [] };
    const profile = { indications: [{ key: 'snomed:1', label: 'x', codes: {}, origin: 'synthea' as const, from: 'data' }], notTreated: [] };
    expect(isKnown(profile)).toBe(false);
    expect(isKnown(rules.profile(mined))).toBe(false);
  });

  it('names a recorded condition the drug does not treat: antibacterials and a viral sinusitis (info, from the class)', () => {
    const augmentin = drug('Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet');
    const viral = snomed('444814009', 'Viral sinusitis (disorder)');
    expect(supports(augmentin, viral)).toBe(false);
    const apparent = rules.notTreatedAmong(rules.profile(augmentin), [SPRAIN, viral], (c) => c);
    expect(apparent?.condition).toBe(viral);
    expect(apparent?.notTreated.indicator).toBe('info');
    expect(rules.notTreatedAmong(rules.profile(drug('Warfarin Sodium 5 MG Oral Tablet', '855332')), [viral, AF], (c) => c)).toBeUndefined();
  });

  it('suggestions read only indications from cited sources', () => {
    const fluoride = drug('sodium fluoride 0.0272 MG/MG Oral Gel', '1535362');
    const gingivitis = snomed('66383009', 'Gingivitis (disorder)');
    // Gingivitis is a reason the training data gave for fluoride, not a reviewed indication.
    expect(rules.supporting(rules.profile(fluoride), [gingivitis], (c) => c)).toHaveLength(1);
    expect(rules.supporting(rules.profile(fluoride), [gingivitis], (c) => c, { reviewedOnly: true })).toHaveLength(0);
  });
});
