import { conceptHasCode, ICD10CM_SYSTEM, RXNORM_SYSTEM, SNOMED_CT_SYSTEM, toConcept } from '../../src/fhir/concepts';

const LOINC = 'http://loinc.org';

describe('toConcept', () => {
  it('prefers SNOMED CT over ICD-10-CM over RxNorm over the first coding, and keeps every coding', () => {
    const concept = toConcept({
      coding: [
        { system: LOINC, code: '1-1', display: 'loinc' },
        { system: RXNORM_SYSTEM, code: '123', display: 'rx' },
        { system: ICD10CM_SYSTEM, code: 'E11.9', display: 'icd' },
        { system: SNOMED_CT_SYSTEM, code: '44054006', display: 'Diabetes mellitus type 2' },
      ],
      text: 'T2DM',
    });
    expect(concept).toMatchObject({ system: SNOMED_CT_SYSTEM, code: '44054006', display: 'Diabetes mellitus type 2' });
    expect(concept?.codings).toHaveLength(4);

    expect(toConcept({ coding: [{ system: LOINC, code: 'x' }, { system: RXNORM_SYSTEM, code: '1' }, { system: ICD10CM_SYSTEM, code: 'I10' }] }))
      .toMatchObject({ system: ICD10CM_SYSTEM, code: 'I10' });
    expect(toConcept({ coding: [{ system: LOINC, code: 'x' }, { system: RXNORM_SYSTEM, code: '1' }] }))
      .toMatchObject({ system: RXNORM_SYSTEM, code: '1' });
    expect(toConcept({ coding: [{ system: LOINC, code: 'first' }, { system: 'urn:other', code: 'second' }] }))
      .toMatchObject({ system: LOINC, code: 'first' });
  });

  it('recognises the OID forms of the preferred systems', () => {
    const concept = toConcept({
      coding: [
        { system: LOINC, code: 'x' },
        { system: 'urn:oid:2.16.840.1.113883.6.96', code: '38341003', display: 'Hypertension' },
      ],
    });
    expect(concept?.code).toBe('38341003');
    expect(conceptHasCode(concept!, SNOMED_CT_SYSTEM, '38341003')).toBe(true);
    expect(conceptHasCode(concept!, SNOMED_CT_SYSTEM, '999')).toBe(false);
  });

  it('takes the display from the coding, else the text, else the code', () => {
    expect(toConcept({ coding: [{ system: SNOMED_CT_SYSTEM, code: '1', display: 'from coding' }], text: 'from text' })?.display)
      .toBe('from coding');
    expect(toConcept({ coding: [{ system: SNOMED_CT_SYSTEM, code: '1' }], text: 'from text' })?.display).toBe('from text');
    expect(toConcept({ coding: [{ system: SNOMED_CT_SYSTEM, code: '1' }] })?.display).toBe('1');
  });

  it('handles text-only concepts and returns undefined for empty ones', () => {
    expect(toConcept({ text: 'Chest pain' })).toEqual({ display: 'Chest pain', codings: [] });
    expect(toConcept({})).toBeUndefined();
    expect(toConcept({ coding: [{}], text: '  ' })).toBeUndefined();
    expect(toConcept(undefined)).toBeUndefined();
  });

  it('prefers a coding that has a code over a preferred-system coding without one', () => {
    const concept = toConcept({ coding: [{ system: SNOMED_CT_SYSTEM, display: 'no code' }, { system: LOINC, code: '8480-6' }] });
    expect(concept).toMatchObject({ system: LOINC, code: '8480-6' });
  });
});
