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

  it('puts each earlier drug\'s history after its name in its suffix and the recent visits in the prefix; a drug never ordered keeps the short suffix', () => {
    const visit = (id: string, start: string, drugs: string[]) =>
      encounter(id, start, { medications: drugs.map((d, i) => order(`${id}-${i}`, `${d} 10 MG Oral Tablet`, id, start)) });
    const e1 = visit('e1', '2020-01-01T10:00:00Z', ['Lisinopril', 'Amoxicillin']);
    const e2 = visit('e2', '2020-02-01T10:00:00Z', ['Lisinopril']);
    const e3 = visit('e3', '2020-03-01T10:00:00Z', ['Lisinopril']);
    const e4 = visit('e4', '2020-03-29T10:00:00Z', ['Lisinopril', 'Metformin']);
    const prompt = buildEncounterPrompt(record([e1, e2, e3, e4]), e4, TEMPLATES, vocab);
    expect(suffixFor(prompt, 'lisinopril')).toBe(
      "lisinopril, ordered at the last visit, at 3 of the last 3 visits, last ordered 4 weeks ago, renewed every time.\n'''\n###Answer:\n",
    );
    expect(suffixFor(prompt, 'amoxicillin')).toBe(
      "amoxicillin, not ordered at the last visit, at 1 of the last 3 visits, last ordered 3 months ago, never renewed.\n'''\n###Answer:\n",
    );
    // metformin is first ordered in e4 itself: nothing in the prompt may say so
    expect(suffixFor(prompt, 'metformin')).toBe("metformin.\n'''\n###Answer:\n");
    expect(Object.keys(prompt.candidateHistory ?? {}).sort()).toEqual(['amoxicillin', 'lisinopril']);
    expect(prompt.prefix).toContain('Recent visits with orders: 4 weeks ago: [lisinopril]; 2 months ago: [lisinopril]; 3 months ago: [amoxicillin, lisinopril]');
    expect(prompt.prefix).toContain('Drugs ordered again at the next visit: usually');
  });

  it('replays from dates: an old order still "active" at export is no current medication unless the call is live', () => {
    const e1 = encounter('e1', '2015-01-01T10:00:00Z', {
      medications: [order('m0', 'Lisinopril 10 MG Oral Tablet', 'e1', '2015-01-01T10:00:00Z', 'active')],
    });
    const e2 = encounter('e2', '2020-01-01T10:00:00Z', {
      medications: [order('m1', 'Metformin 500 MG Oral Tablet', 'e2', '2020-01-01T10:00:00Z')],
    });
    const replayed = buildEncounterPrompt(record([e1, e2]), e2, TEMPLATES, vocab);
    expect(replayed.prefix).toContain('Medications on admission: []');
    const live = buildEncounterPrompt(record([e1, e2]), e2, TEMPLATES, vocab, { statusIsCurrent: true });
    expect(live.prefix).toContain('Medications on admission: [lisinopril]');
    // the history is the same either way: it comes from dates
    expect(live.candidateHistory).toEqual(replayed.candidateHistory);
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
