/** Laboratory Observations (contract B): only the lab table's codes are kept, read into canonical units. */
import type { Observation, Patient, Resource } from 'fhir/r4';
import { assembleRecord } from '../../src/fhir/assemble';
import { isNeededObservation, labCodeSearch, labLookbackStart, readLabResult } from '../../src/fhir/labs';
import { loadPatientRecords } from '../../src/fhir/load';
import { ENCOUNTER_PREFETCH, RECENT_LABS } from '../../hooks/prefetch-templates';
import * as path from 'path';

const LOINC = 'http://loinc.org';

function observation(id: string, code: string, value: number | undefined, unit: string, date: string, extra: Partial<Observation> = {}): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code, display: code }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: date,
    ...(value !== undefined ? { valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit } } : {}),
    ...extra,
  };
}

const patient: Patient = { resourceType: 'Patient', id: 'p1', birthDate: '1950-01-01', gender: 'female' };

test('the record keeps the lab table\'s Observations, converted, and drops vital signs and other labs', () => {
  const input: Resource[] = [
    patient,
    observation('k', '6298-4', 5.6, 'mmol/L', '2024-03-01'),
    observation('cr', '14682-9', 132.6, 'umol/L', '2024-03-01'),
    observation('inr', '6301-6', 2.4, '{INR}', '2024-03-01'),
    observation('bp', '8480-6', 130, 'mm[Hg]', '2024-03-01'),
    observation('na', '2947-0', 139, 'mmol/L', '2024-03-01'),
  ];
  const { record, summary } = assembleRecord(input);
  expect(record.labs).toEqual([
    { id: 'k', kind: 'potassium', loinc: '6298-4', value: 5.6, unit: 'mmol/L', date: '2024-03-01' },
    { id: 'cr', kind: 'creatinine', loinc: '14682-9', value: 1.5, unit: 'mg/dL', date: '2024-03-01' },
    { id: 'inr', kind: 'inr', loinc: '6301-6', value: 2.4, unit: '', date: '2024-03-01' },
  ]);
  expect(summary.dropped).toBe(2);
});

test('a result that cannot be read is skipped and reported, never converted by guess', () => {
  expect(readLabResult(observation('a', '2823-3', 5.1, 'mg/dL', '2024-01-01'))).toEqual({ problem: expect.stringMatching(/unit "mg\/dL"/) });
  expect(readLabResult(observation('b', '2823-3', undefined, 'mmol/L', '2024-01-01'))).toEqual({ problem: 'no numeric valueQuantity' });
  expect(readLabResult(observation('c', '2823-3', 5.1, 'mmol/L', '2024-01-01', { status: 'entered-in-error' }))).toEqual({ problem: 'status entered-in-error' });
  expect(readLabResult(observation('d', '8480-6', 120, 'mm[Hg]', '2024-01-01'))).toBeUndefined();
  const { record, summary } = assembleRecord([patient, observation('a', '2823-3', 5.1, 'mg/dL', '2024-01-01')]);
  expect(record.labs ?? []).toEqual([]);
  expect(summary.issues.map((issue) => issue.message)).toEqual([expect.stringMatching(/laboratory Observation not read/)]);
});

test('isNeededObservation and the lab search name only LOINC codes of the table', () => {
  expect(isNeededObservation(observation('x', '33914-3', 55, 'mL/min/{1.73_m2}', '2024-01-01'))).toBe(true);
  expect(isNeededObservation({ resourceType: 'Observation', code: { coding: [{ system: 'http://example.org', code: '6298-4' }] } })).toBe(false);
  expect(labCodeSearch()).toMatch(/^http:\/\/loinc\.org\|[0-9-]+(,http:\/\/loinc\.org\|[0-9-]+)+$/);
  expect(labCodeSearch()).toContain('http://loinc.org|6301-6');
});

test('a shared population keeps its creatinine, potassium and eGFR results and little else', async () => {
  const { records, summary } = await loadPatientRecords(path.resolve(__dirname, '../../../shared/data/synthea-qicore-177'));
  const labs = records.flatMap((record) => record.labs ?? []);
  const byKind = (kind: string) => labs.filter((lab) => lab.kind === kind).length;
  // Counted straight from the files: 315 + 137 (+1) creatinine and potassium, 226 eGFR, 6 INR.
  expect(byKind('potassium')).toBe(452);
  expect(byKind('creatinine')).toBe(452);
  expect(byKind('egfr')).toBe(226);
  expect(byKind('inr')).toBe(6);
  expect(summary.byType.Observation).toBeGreaterThan(15_000);
});

test('the services prefetch recent lab results: the lab codes, newest first, one page', () => {
  expect(ENCOUNTER_PREFETCH.labs).toBe(RECENT_LABS);
  expect(RECENT_LABS).toMatch(/^Observation\?patient=\{\{context\.patientId\}\}&code=http:\/\/loinc\.org\|[0-9-]+(,http:\/\/loinc\.org\|[0-9-]+)+&_sort=-date&_count=100$/);
});

test('the FHIR fallback reads labs from the look-back of the longest-lived lab kind only', () => {
  expect(labLookbackStart(undefined, new Date('2024-06-01T00:00:00Z'))).toBe('2023-06-02');
});
