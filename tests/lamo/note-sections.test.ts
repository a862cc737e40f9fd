import { splitMedicationList, splitNoteSections } from '../../src/lamo/note-sections';

describe('splitNoteSections', () => {
  it('reads Synthea markdown headers and keeps Plan sub-headers inside the plan', () => {
    const note = [
      '2020-01-01',
      '# Chief Complaint',
      '- Cough',
      '# History of Present Illness',
      'Jane Doe is a 40 year-old female.',
      '# Allergies',
      'No Known Allergies.',
      '# Medications',
      'lisinopril 10 mg oral tablet; metformin 500 mg oral tablet',
      '# Assessment and Plan',
      '## Plan',
      'The patient was prescribed the following medications:',
      '- amoxicillin 500 mg oral capsule',
    ].join('\n');
    const sections = splitNoteSections(note);
    expect(sections.historyOfPresentIllness).toBe('Jane Doe is a 40 year-old female.');
    expect(sections.allergies).toBe('No Known Allergies.');
    expect(sections.medicationsOnAdmission).toContain('lisinopril');
    expect(sections.plan).toContain('amoxicillin');
    expect(sections.medicationsOnAdmission).not.toContain('amoxicillin');
  });

  it('reads MIMIC-style upper-case headers with text on the header line', () => {
    const note = 'HISTORY OF PRESENT ILLNESS: chest pain for 2 days.\nPAST MEDICAL HISTORY:\nhypertension\nMEDICATIONS ON ADMISSION:\n1. aspirin 81 mg\n2. atorvastatin 40 mg\nDISCHARGE MEDICATIONS:\nclopidogrel 75 mg';
    const sections = splitNoteSections(note);
    expect(sections.historyOfPresentIllness).toBe('chest pain for 2 days.');
    expect(sections.pastMedicalHistory).toBe('hypertension');
    expect(splitMedicationList(sections.medicationsOnAdmission!)).toEqual(['aspirin 81 mg', 'atorvastatin 40 mg']);
    expect(sections.dischargeMedications).toBe('clopidogrel 75 mg');
  });

  it('splits semicolon lists and drops "none"', () => {
    expect(splitMedicationList('a 1 mg; b 2 mg')).toEqual(['a 1 mg', 'b 2 mg']);
    expect(splitMedicationList('None')).toEqual([]);
  });
});
