/** The latest lab values the interaction rules read (contract B). */
import type { LabResult } from '../../src/fhir/types';
import { ckdEpi2021, describeLab, latestLabs } from '../../src/safety/patient-factors';

const lab = (kind: string, value: number, date: string, loinc = '0-0'): LabResult => ({ id: `${kind}-${date}`, kind, loinc, value, unit: '', date });
const at = new Date('2024-06-01T12:00:00Z');

test('the newest result per kind within its age limit; older, future and undated results do not count', () => {
  const labs = latestLabs(
    {
      birthDate: '1950-01-01',
      gender: 'male',
      labs: [
        lab('potassium', 4.1, '2024-01-10'),
        lab('potassium', 5.7, '2024-05-20'),
        lab('potassium', 3.9, '2024-06-20'), // weeks in the future
        { id: 'undated', kind: 'potassium', loinc: '0', value: 9, unit: 'mmol/L' },
        lab('inr', 2.5, '2024-02-01'), // older than the INR's 42 days
        lab('egfr', 38, '2023-09-01'),
      ],
    },
    at,
  );
  expect(labs.potassium).toEqual(expect.objectContaining({ value: 5.7, date: '2024-05-20', unit: 'mmol/L', label: 'potassium' }));
  expect(labs.inr).toBeUndefined();
  expect(labs.egfr?.value).toBe(38);
});

test('without a recent eGFR, it is calculated from creatinine (CKD-EPI 2021) and says so', () => {
  // The equation worked by hand: creatinine 1.0 mg/dL at 60 years → 64 (woman), 86 (man).
  expect(ckdEpi2021(1.0, 60, 'female')).toBe(64);
  expect(ckdEpi2021(1.0, 60, 'male')).toBe(86);
  expect(ckdEpi2021(1.0, 15, 'male')).toBeUndefined();
  expect(ckdEpi2021(1.0, 60, 'unknown')).toBeUndefined();
  const labs = latestLabs({ birthDate: '1964-05-01', gender: 'female', labs: [lab('creatinine', 1.0, '2024-05-01')] }, at);
  expect(labs.egfr).toEqual(expect.objectContaining({ value: 64, calculated: expect.stringMatching(/CKD-EPI 2021 from creatinine 1/) }));
  expect(describeLab(labs.egfr!)).toMatch(/^eGFR 64 mL\/min\/1.73 m² \(2024-05-01, CKD-EPI 2021/);
});

test('a record without labs has none', () => {
  expect(latestLabs({ labs: [] }, at)).toEqual({});
  expect(latestLabs({}, at)).toEqual({});
});
