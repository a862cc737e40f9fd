/**
 * The patient's latest laboratory values as the interaction rules read them (contract B): per lab kind the
 * newest result not older than the kind's limit (fhir-mappings/lab-codes.json), and an eGFR calculated from
 * creatinine with the CKD-EPI 2021 equation when the record has creatinine but no recent eGFR.
 */
import { defaultLabCodes, type LabTable } from '../fhir/labs';
import type { LabResult, PatientRecord } from '../fhir/types';

export interface LabValue {
  kind: string;
  /** "eGFR", "potassium", … for card text. */
  label: string;
  value: number;
  unit: string;
  date: string;
  loinc: string;
  /** Set when the value is calculated, not measured ("CKD-EPI 2021 from creatinine 1.4 mg/dL"). */
  calculated?: string;
}

/** Lab kind → its latest usable value. A kind is absent when the record has no recent result. */
export type PatientLabs = Partial<Record<string, LabValue>>;

const DAY_MS = 24 * 60 * 60 * 1000;

function ageAtDate(birthDate: string | undefined, date: string): number | undefined {
  const born = Date.parse(birthDate ?? '');
  const at = Date.parse(date);
  if (Number.isNaN(born) || Number.isNaN(at)) return undefined;
  const b = new Date(born);
  const d = new Date(at);
  let age = d.getUTCFullYear() - b.getUTCFullYear();
  if (d.getUTCMonth() < b.getUTCMonth() || (d.getUTCMonth() === b.getUTCMonth() && d.getUTCDate() < b.getUTCDate())) age -= 1;
  return age;
}

/**
 * eGFR (mL/min/1.73 m²) by the 2021 CKD-EPI creatinine equation (Inker et al., NEJM 2021), for adults with a
 * recorded sex; undefined otherwise (the equation is not defined for children or without sex).
 */
export function ckdEpi2021(creatinineMgDl: number, age: number, gender: string | undefined): number | undefined {
  if (age < 18 || creatinineMgDl <= 0 || (gender !== 'female' && gender !== 'male')) return undefined;
  const female = gender === 'female';
  const kappa = female ? 0.7 : 0.9;
  const alpha = female ? -0.241 : -0.302;
  const ratio = creatinineMgDl / kappa;
  const egfr = 142 * Math.min(ratio, 1) ** alpha * Math.max(ratio, 1) ** -1.2 * 0.9938 ** age * (female ? 1.012 : 1);
  return Math.round(egfr);
}

function newest(results: readonly LabResult[], kind: string, now: number, maxAgeDays: number): LabResult | undefined {
  let best: LabResult | undefined;
  let bestTime = -Infinity;
  for (const result of results) {
    if (result.kind !== kind || !result.date) continue;
    const time = Date.parse(result.date);
    // A result from the future (clock skew, a scheduled specimen) or older than the limit does not describe now.
    if (Number.isNaN(time) || time > now + DAY_MS || now - time > maxAgeDays * DAY_MS) continue;
    if (time > bestTime) {
      best = result;
      bestTime = time;
    }
  }
  return best;
}

/** The latest lab values of a record at `at` (default now). */
export function latestLabs(record: Pick<PatientRecord, 'labs' | 'birthDate' | 'gender'>, at: Date = new Date(), table: LabTable = defaultLabCodes().table): PatientLabs {
  const labs: PatientLabs = {};
  const results = record.labs ?? [];
  if (results.length === 0) return labs;
  const now = at.getTime();
  for (const [kind, lab] of Object.entries(table.labs)) {
    const result = newest(results, kind, now, lab.maxAgeDays);
    if (result?.date) labs[kind] = { kind, label: lab.label, value: result.value, unit: lab.unit, date: result.date, loinc: result.loinc };
  }
  // No recent measured eGFR but a recent creatinine: the laboratory's own equation is unknown, so the current one.
  const creatinine = labs.creatinine;
  const egfrLab = table.labs.egfr;
  if (creatinine && egfrLab && !labs.egfr) {
    const age = ageAtDate(record.birthDate, creatinine.date);
    const egfr = age === undefined ? undefined : ckdEpi2021(creatinine.value, age, record.gender);
    if (egfr !== undefined) {
      labs.egfr = { kind: 'egfr', label: egfrLab.label, value: egfr, unit: egfrLab.unit, date: creatinine.date, loinc: creatinine.loinc, calculated: `CKD-EPI 2021 from creatinine ${creatinine.value} ${creatinine.unit}` };
    }
  }
  return labs;
}

/** "potassium 5.6 mmol/L (2024-03-02)" for card text. */
export function describeLab(value: LabValue): string {
  const unit = value.unit ? ` ${value.unit}` : '';
  const how = value.calculated ? `, ${value.calculated}` : '';
  return `${value.label} ${value.value}${unit} (${value.date.slice(0, 10)}${how})`;
}
