/** Patient → an empty PatientRecord with the demographics later stages read. */
import type { Patient } from 'fhir/r4';
import type { PatientRecord } from '../types';

export function newRecord(patient: Patient | undefined): PatientRecord {
  const record: PatientRecord = {
    patientId: patient?.id ?? '',
    encounters: [],
    conditions: [],
    procedures: [],
    notes: [],
    allergies: [],
    medications: [],
  };
  if (!patient) return record;
  if (patient.birthDate) record.birthDate = patient.birthDate;
  if (patient.gender) record.gender = patient.gender;
  if (patient.deceasedBoolean !== undefined) record.deceased = patient.deceasedBoolean;
  else if (patient.deceasedDateTime) record.deceased = true;
  const nameParts = new Set<string>();
  for (const name of patient.name ?? []) {
    for (const given of name.given ?? []) if (given.trim()) nameParts.add(given.trim());
    if (typeof name.family === 'string' && name.family.trim()) nameParts.add(name.family.trim());
  }
  if (nameParts.size > 0) record.nameParts = [...nameParts];
  return record;
}
