import type { Concept, ConditionEntry } from '../../src/fhir/types';
import { loadConditionGroups } from '../../src/medications/condition-groups';
import { loadHighRiskDrugs } from '../../src/medications/high-risk';
import { loadIndications, PENDING_REVIEW } from '../../src/medications/indications';
import { loadVocabulary } from '../../src/medications/vocabulary';

const SNOMED = 'http://snomed.info/sct';
const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const snomed = (code: string, display: string): Concept => ({ system: SNOMED, code, display, codings: [{ system: SNOMED, code, display }] });

const vocabulary = loadVocabulary();
const indications = loadIndications();
const groups = loadConditionGroups();

describe('indications.json coverage', () => {
  it('lists every candidate drug with indications or an explicit "no indication known"', () => {
    const missing = vocabulary.candidates.map((c) => c.name).filter((name) => !indications.isListed(name));
    expect(missing).toEqual([]);
    for (const candidate of vocabulary.candidates) {
      const known = indications.hasKnownIndication(candidate.name);
      const none = indications.noIndicationKnown(candidate.name);
      expect({ name: candidate.name, decided: known || none !== undefined }).toEqual({ name: candidate.name, decided: true });
    }
  });

  it('cites a source and a review status for every hand-made entry, and counts for every data-derived one', () => {
    for (const [name, entry] of Object.entries(indications.table.drugs)) {
      for (const indication of entry.indications) {
        if (indication.origin === 'reviewed') {
          expect(indication.source in indications.table.sources).toBe(true);
          expect(indication.review).toBe(PENDING_REVIEW);
        } else {
          const total = Object.values(indication.counts).reduce((a, b) => a + b, 0);
          expect({ name, total: total > 0 }).toEqual({ name, total: true });
          expect(Object.keys(indication.counts)).not.toContain('synthea-bulk-10');
        }
      }
    }
  });

  it('keeps the reason links of the training data with their counts (simvastatin for hyperlipidemia)', () => {
    const link = indications.indicationsOf('simvastatin').find((i) => 'condition' in i && i.condition.code === '55822004');
    expect(link && link.origin === 'synthea' && (link.counts['synthea-r4-615'] ?? 0) > 100).toBe(true);
  });
});

describe('supportingConditions', () => {
  it('finds the active condition that supports a drug by code, through a reviewed group', () => {
    const af = snomed('49436004', 'Atrial fibrillation');
    const sprain = snomed('44465007', 'Sprain of ankle');
    expect(indications.supportingConditions('warfarin', [sprain, af])).toEqual([af]);
    expect(indications.supportingConditions('digoxin', [af])).toEqual([af]);
    expect(indications.supportingConditions('warfarin', [sprain])).toEqual([]);
  });

  it('matches ICD-10-CM codes with or without the dot, and category prefixes', () => {
    const htn: Concept = { display: 'Essential hypertension', codings: [{ system: ICD10CM, code: 'I10' }] };
    const t2dm: Concept = { display: 'Type 2 diabetes', codings: [{ system: ICD10CM, code: 'E119' }] };
    expect(indications.supportingConditions('lisinopril', [htn])).toEqual([htn]);
    expect(indications.supportingConditions('metformin', [t2dm])).toEqual([t2dm]);
  });

  it('never matches by text alone', () => {
    const textOnly: Concept = { display: 'Atrial fibrillation', codings: [] };
    const otherSystem: Concept = { display: 'Atrial fibrillation', codings: [{ system: 'http://example.org/local', code: '49436004' }] };
    expect(indications.supportingConditions('warfarin', [textOnly, otherSystem])).toEqual([]);
  });

  it('returns condition entries with what they matched, for reasonReference', () => {
    const entry: ConditionEntry = { id: 'cond-1', concept: snomed('55822004', 'Hyperlipidemia'), clinicalStatus: 'active' };
    const [match] = indications.supportingEntries('simvastatin', [entry]);
    expect(match.condition.id).toBe('cond-1');
    expect(match.label).toBe('hyperlipidaemia');
  });

  it('says why contraceptives and procedure drugs have no indication', () => {
    expect(indications.hasKnownIndication('norethindrone')).toBe(false);
    expect(indications.noIndicationKnown('norethindrone')?.use).toBe('contraception');
    expect(indications.noIndicationKnown('propofol')?.use).toBe('procedure');
    expect(indications.hasKnownIndication('not-a-drug')).toBe(false);
  });

  it('refers only to condition groups that exist, each with codes, a source and a review note', () => {
    for (const group of Object.values(groups.groups)) {
      expect(group.review).toBe(PENDING_REVIEW);
      expect(group.source.length).toBeGreaterThan(10);
    }
  });
});

describe('isHighRiskChronic', () => {
  const highRisk = loadHighRiskDrugs();
  it.each(['warfarin', 'heparin', 'amiodarone', 'digoxin', 'verapamil', 'carbamazepine', 'insulin isophane human / insulin regular human', 'tacrolimus', 'cyclosporine', 'clopidogrel'])(
    '%s is high-risk',
    (name) => expect(highRisk.isHighRiskChronic(name)).toBe(true),
  );
  it.each(['simvastatin', 'ibuprofen', 'amoxicillin', 'acetaminophen', 'lisinopril', 'not-a-drug'])('%s is not', (name) => {
    expect(highRisk.isHighRiskChronic(name)).toBe(false);
  });
  it('names the class and its sources', () => {
    const found = highRisk.classOf('warfarin');
    expect(found?.id).toBe('anticoagulants');
    for (const id of found?.sources ?? []) expect(highRisk.table.sources[id]).toBeDefined();
  });
});

describe('allergy records as indications', () => {
  it('supports an antihistamine by a recorded grass pollen allergy and epinephrine by a peanut allergy', () => {
    const pollen = snomed('418689008', 'Allergy to grass pollen');
    const peanut = snomed('91935009', 'Allergy to peanuts');
    expect(indications.supportingConditions('loratadine', [pollen, peanut])).toEqual([pollen]);
    expect(indications.supportingConditions('epinephrine', [pollen, peanut])).toEqual([peanut]);
  });
});

describe('reviewed rejections of data links', () => {
  it('never lets a rejected link support its drug (antibiotic for a viral infection, insulin for prediabetes)', () => {
    expect(indications.supportingConditions('amoxicillin / clavulanate', [snomed('444814009', 'Viral sinusitis (disorder)')])).toEqual([]);
    expect(indications.supportingConditions('insulin isophane human / insulin regular human', [snomed('714628002', 'Prediabetes (finding)')])).toEqual([]);
    const bacterial = snomed('75498004', 'Acute bacterial sinusitis (disorder)');
    expect(indications.supportingConditions('amoxicillin / clavulanate', [bacterial])).toEqual([bacterial]);
  });

  it('keeps what it rejected, with counts, and no rejected code among the indications', () => {
    for (const [name, entry] of Object.entries(indications.table.drugs)) {
      for (const link of entry.rejectedLinks ?? []) {
        expect(indications.table.sources[link.source]).toBeDefined();
        const kept = entry.indications.filter((i) => 'condition' in i && i.condition.system === link.system && i.condition.code === link.code);
        expect({ name, kept }).toEqual({ name, kept: [] });
      }
    }
    expect(indications.table.drugs['amoxicillin / clavulanate'].rejectedLinks?.[0].counts?.['synthea-r4-615']).toBeGreaterThan(0);
  });
});
