/**
 * Laboratory results for the safety checks (team contract B): the reviewed LOINC table
 * (fhir-mappings/lab-codes.json), the filter that lets the loader keep only Observations it names (r4-615 holds
 * 88k Observations; a record keeps a few hundred lab values), and an Observation → LabResult reader.
 */
import * as path from 'path';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import type { LabResult } from './types';

export interface LabKind {
  label: string;
  /** Canonical unit the value is stored in ("" for a ratio such as the INR). */
  unit: string;
  /** Accepted units → factor to the canonical unit; a result in another unit is not read. */
  units: Record<string, number>;
  /** How old a result may be and still describe the patient now. */
  maxAgeDays: number;
  why: string;
  /** LOINC code → name. */
  loinc: Record<string, string>;
}

export interface LabTable {
  description: string;
  review: string;
  sources: Record<string, string>;
  labs: Record<string, LabKind>;
}

export const DEFAULT_LAB_TABLE_FILE = path.join(FHIR_MAPPINGS_DIR, 'lab-codes.json');
const LOINC_SYSTEM = 'http://loinc.org';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function loadLabTable(file = DEFAULT_LAB_TABLE_FILE): LabTable {
  const table = readJsonFile(file, 'laboratory code table');
  if (!isRecord(table) || !isRecord(table.labs)) throw new Error(`${file}: expected a labs object`);
  for (const [kind, lab] of Object.entries(table.labs)) {
    if (!isRecord(lab) || !isRecord(lab.loinc) || !isRecord(lab.units) || typeof lab.maxAgeDays !== 'number' || typeof lab.unit !== 'string') {
      throw new Error(`${file}: lab "${kind}" needs loinc, units, unit and maxAgeDays`);
    }
  }
  return table as unknown as LabTable;
}

/** LOINC code → lab kind, for the table in use. */
export class LabCodes {
  private readonly kindByCode = new Map<string, string>();

  constructor(readonly table: LabTable) {
    for (const [kind, lab] of Object.entries(table.labs)) for (const code of Object.keys(lab.loinc)) this.kindByCode.set(code, kind);
  }

  /** The lab kind of a coded Observation (any LOINC coding), if the table names it. */
  kindOf(codings: readonly { system?: unknown; code?: unknown }[] | undefined): { kind: string; loinc: string } | undefined {
    for (const coding of codings ?? []) {
      if (coding.system !== LOINC_SYSTEM || typeof coding.code !== 'string') continue;
      const kind = this.kindByCode.get(coding.code.trim());
      if (kind) return { kind, loinc: coding.code.trim() };
    }
    return undefined;
  }
}

/** The `code` search parameter for these labs ("http://loinc.org|2160-0,…"): a lab search never reads every Observation. */
export function labCodeSearch(codes: LabCodes = defaultLabCodes()): string {
  return Object.values(codes.table.labs)
    .flatMap((lab) => Object.keys(lab.loinc))
    .map((code) => `${LOINC_SYSTEM}|${code}`)
    .join(',');
}

/** The oldest date any lab kind may still count from (today minus the longest `maxAgeDays`), as YYYY-MM-DD. */
export function labLookbackStart(codes: LabCodes = defaultLabCodes(), now: Date = new Date()): string {
  const days = Math.max(...Object.values(codes.table.labs).map((lab) => lab.maxAgeDays));
  return new Date(now.getTime() - days * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

let defaultCodes: LabCodes | undefined;

/** The shipped table, loaded once per process. */
export function defaultLabCodes(): LabCodes {
  defaultCodes ??= new LabCodes(loadLabTable());
  return defaultCodes;
}

interface ObservationLike {
  id?: unknown;
  status?: unknown;
  code?: { coding?: { system?: unknown; code?: unknown }[] };
  valueQuantity?: { value?: unknown; unit?: unknown; code?: unknown };
  effectiveDateTime?: unknown;
  effectivePeriod?: { start?: unknown };
  issued?: unknown;
}

/** Whether the loader keeps an Observation: only those the lab table names (memory: see the module comment). */
export function isNeededObservation(resource: object, codes: LabCodes = defaultLabCodes()): boolean {
  const code = (resource as ObservationLike).code;
  return Boolean(code && Array.isArray(code.coding) && codes.kindOf(code.coding));
}

const NOT_A_RESULT = new Set(['entered-in-error', 'cancelled', 'registered']);

/**
 * The lab value of an Observation in its kind's canonical unit, or why it cannot be read (not a result, no
 * numeric value, a unit the table does not list). Never a guessed conversion.
 */
export function readLabResult(resource: object, codes: LabCodes = defaultLabCodes()): { result: LabResult } | { problem: string } | undefined {
  const observation = resource as ObservationLike;
  const kind = codes.kindOf(observation.code?.coding);
  if (!kind) return undefined;
  if (typeof observation.status === 'string' && NOT_A_RESULT.has(observation.status)) return { problem: `status ${observation.status}` };
  const quantity = observation.valueQuantity;
  const value = quantity?.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) return { problem: 'no numeric valueQuantity' };
  const lab = codes.table.labs[kind.kind];
  const unitText = [quantity?.code, quantity?.unit].find((unit): unit is string => typeof unit === 'string') ?? '';
  const factor = lab.units[unitText.trim()] ?? lab.units[String(quantity?.unit ?? '').trim()];
  if (factor === undefined) return { problem: `unit "${unitText}" is not one the table converts for ${lab.label}` };
  const date = [observation.effectiveDateTime, observation.effectivePeriod?.start, observation.issued].find((d): d is string => typeof d === 'string' && !Number.isNaN(Date.parse(d)));
  const result: LabResult = { id: String(observation.id ?? ''), kind: kind.kind, loinc: kind.loinc, value: Math.round(value * factor * 1000) / 1000, unit: lab.unit };
  if (date) result.date = date;
  return { result };
}
