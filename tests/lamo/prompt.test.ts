import { buildEncounterPrompt, ageAt } from '../../src/lamo/prompt';
import { suffixFor } from '../../src/lamo/types';
import { concept, encounter, fakeVocabulary, order, record, TEMPLATES } from './fixtures';

const vocab = fakeVocabulary(['amoxicillin', 'lisinopril', 'metformin', 'epoetin']);

describe('buildEncounterPrompt', () => {
  it('uses the no-history template for a first visit and ends the prefix right before the drug', () => {
    const first = encounter('e1', '2020-01-01T10:00:00Z', {
      diagnosed: [{ id: 'c1', concept: concept('Viral sinusitis (disorder)') }],
      procedures: [{ id: 'pr1', concept: concept('Sinus X-ray (procedure)') }],
      medications: [order('m1', 'Amoxicillin 500 MG Oral Capsule', 'e1', '2020-01-01T10:00:00Z')],
    });
    const prompt = buildEncounterPrompt(record([first]), first, TEMPLATES, vocab);
    expect(prompt.template).toBe('withoutHistory');
    expect(prompt.prefix).toContain('Age: 39, Gender: female');
    expect(prompt.prefix).toContain('Diagnose: [viral sinusitis], Procedure: [sinus x-ray], Candidate drug: ');
    expect(prompt.prefix.endsWith('Candidate drug: ')).toBe(true);
    expect(suffixFor(prompt, 'amoxicillin')).toBe("amoxicillin.\n'''\n###Answer:\n");
    expect(prompt.prefix).not.toContain('amoxicillin');
  });

  it('adds the previous visit with orders as history and lists active earlier orders on admission', () => {
    const e1 = encounter('e1', '2019-01-01T10:00:00Z', {
      diagnosed: [{ id: 'c0', concept: concept('Hypertension') }],
      medications: [order('m0', 'Lisinopril 10 MG Oral Tablet', 'e1', '2019-01-01T10:00:00Z', 'active')],
    });
    const e2 = encounter('e2', '2019-06-01T10:00:00Z'); // no orders: not a "previous hospitalization"
    const e3 = encounter('e3', '2020-01-01T10:00:00Z', {
      medications: [order('m1', 'Metformin 500 MG Oral Tablet', 'e3', '2020-01-01T10:00:00Z')],
    });
    const prompt = buildEncounterPrompt(record([e1, e2, e3]), e3, TEMPLATES, vocab);
    expect(prompt.template).toBe('withHistory');
    expect(prompt.prefix).toContain('Diagnose: [hypertension], Procedure: [], Drugs: [lisinopril]');
    expect(prompt.prefix).toContain('Medications on admission: [lisinopril]');
    expect(prompt.prefix).not.toContain('metformin');
    expect(prompt.evidence.previousDrugs).toEqual(['lisinopril']);
  });

  it('drops the plan, removes drugs first ordered in the encounter from note text, and redacts the name', () => {
    const note = {
      id: 'n1',
      text: [
        '# History of Present Illness',
        'Jane Doe is a 40 year-old female on epoetin alfa.',
        '# Medications',
        'lisinopril 10 mg oral tablet; 1 ml epoetin alfa 4000 unt/ml injection [epogen]',
        '# Assessment and Plan',
        '## Plan',
        'The patient was prescribed the following medications:',
        '- 1 ml epoetin alfa 4000 unt/ml injection [epogen]',
      ].join('\n'),
      encounterId: 'e1',
    };
    const e1 = encounter('e1', '2020-01-01T10:00:00Z', {
      notes: [note],
      medications: [order('m1', 'Epoetin Alfa 4000 UNT/ML Injectable Solution', 'e1', '2020-01-01T10:00:00Z')],
    });
    const prompt = buildEncounterPrompt(record([e1], { nameParts: ['Jane', 'Doe'] }), e1, TEMPLATES, vocab);
    expect(prompt.prefix).toContain('History of present illness: is a 40 year-old female on [redacted] alfa.');
    // The note's list reads like the structured one: candidate names, not product strings.
    expect(prompt.prefix).toContain('Medications on admission: [lisinopril]');
    expect(prompt.prefix.toLowerCase()).not.toContain('epoetin');
    expect(prompt.prefix).not.toContain('Jane');
    expect(prompt.prefix).not.toContain('prescribed');
    expect(prompt.evidence.noteSections).toEqual(expect.arrayContaining(['historyOfPresentIllness', 'medicationsOnAdmission']));
  });

  it('keeps a drug in the note when it was already ordered before the encounter', () => {
    const e0 = encounter('e0', '2019-01-01T10:00:00Z', {
      medications: [order('m0', 'Epoetin Alfa 4000 UNT/ML Injectable Solution', 'e0', '2019-01-01T10:00:00Z', 'active')],
    });
    const e1 = encounter('e1', '2020-01-01T10:00:00Z', {
      notes: [{ id: 'n1', text: '# Medications\nepoetin alfa 4000 unt/ml injection', encounterId: 'e1' }],
      medications: [order('m1', 'Epoetin Alfa 4000 UNT/ML Injectable Solution', 'e1', '2020-01-01T10:00:00Z')],
    });
    const prompt = buildEncounterPrompt(record([e0, e1]), e1, TEMPLATES, vocab);
    expect(prompt.prefix).toContain('Medications on admission: [epoetin]');
  });

  it('rejects a template without {drug} in {input}', () => {
    const e1 = encounter('e1', '2020-01-01T10:00:00Z');
    const broken = { ...TEMPLATES, withoutHistory: '{input}{input}' };
    expect(() => buildEncounterPrompt(record([e1]), e1, broken, vocab)).toThrow(/exactly once/);
  });
});

describe('ageAt', () => {
  it('counts completed years', () => {
    expect(ageAt('1980-06-15', '2020-06-14')).toBe(39);
    expect(ageAt('1980-06-15', '2020-06-15')).toBe(40);
    expect(ageAt(undefined, '2020-01-01')).toBeUndefined();
  });
});
