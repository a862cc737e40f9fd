/**
 * The part of each resource the cards are built from, read field by field so that a malformed field drops
 * only itself. EHRs send shapes the R4 types do not allow (the CDS Hooks sandbox sends `reasonCode` and
 * `category` as one object, some send a string where a CodeableConcept belongs); read whole, one such field
 * would stop the record and with it the safety checks. Here an object where an array belongs becomes a
 * one-item array, anything else of the wrong kind is dropped, and each repair is counted by resource type and
 * field (never by value: no PHI) for the log.
 *
 * The record built from these projections (see `clinicalRecord` in pipeline.ts) carries exactly what the
 * safety checks and card builders read: drugs, their reasons, allergies, conditions, encounters, age.
 */
import type { FhirResource } from 'fhir/r4';

/** "MedicationRequest.reasonCode" → how many times it was repaired or dropped in this request. */
export type FieldRepairs = Map<string, number>;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

class Reader {
  constructor(
    private readonly type: string,
    private readonly repairs: FieldRepairs,
  ) {}

  note(field: string): void {
    const key = `${this.type}.${field}`;
    this.repairs.set(key, (this.repairs.get(key) ?? 0) + 1);
  }

  string(source: Json, field: string, path = field): string | undefined {
    const value = source[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') {
      this.note(path);
      return String(value);
    }
    this.note(path);
    return undefined;
  }

  boolean(source: Json, field: string): boolean | undefined {
    const value = source[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    this.note(field);
    return undefined;
  }

  /** An object, or the first object of an array sent in its place. */
  object(source: Json, field: string, path = field): Json | undefined {
    const value = source[field];
    if (value === undefined || value === null) return undefined;
    if (isObject(value)) return value;
    this.note(path);
    if (Array.isArray(value) && isObject(value[0])) return value[0];
    return undefined;
  }

  /** An array of objects; one object sent alone becomes a one-item array; non-objects in it are dropped. */
  objects(source: Json, field: string, path = field): Json[] {
    const value = source[field];
    if (value === undefined || value === null) return [];
    if (isObject(value)) {
      this.note(path);
      return [value];
    }
    if (!Array.isArray(value)) {
      this.note(path);
      return [];
    }
    const kept = value.filter(isObject);
    if (kept.length !== value.length) this.note(path);
    return kept;
  }

  /** An array of strings; one string alone becomes a one-item array. */
  strings(source: Json, field: string): string[] {
    const value = source[field];
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') {
      this.note(field);
      return [value];
    }
    if (!Array.isArray(value)) {
      this.note(field);
      return [];
    }
    const kept = value.filter((item): item is string => typeof item === 'string');
    if (kept.length !== value.length) this.note(field);
    return kept;
  }

  coding(source: Json, path: string): Json {
    const coding: Json = {};
    for (const key of ['system', 'code', 'display']) {
      const value = this.string(source, key, `${path}.${key}`);
      if (value !== undefined) coding[key] = value;
    }
    return coding;
  }

  codeableConcept(source: Json, field: string): Json | undefined {
    const value = this.object(source, field);
    if (!value) return undefined;
    const concept: Json = {};
    const coding = this.objects(value, 'coding', `${field}.coding`).map((c) => this.coding(c, `${field}.coding`));
    if (coding.length > 0) concept.coding = coding;
    const text = this.string(value, 'text', `${field}.text`);
    if (text !== undefined) concept.text = text;
    return concept;
  }

  codeableConcepts(source: Json, field: string): Json[] {
    return this.objects(source, field)
      .map((value) => this.codeableConcept({ [field]: value }, field))
      .filter((c): c is Json => c !== undefined);
  }

  /** A status that R4 types as CodeableConcept and STU3 as a string: either is kept. */
  status(source: Json, field: string): Json | string | undefined {
    const value = source[field];
    if (typeof value === 'string') return value;
    return this.codeableConcept(source, field);
  }

  reference(source: Json, field: string): Json | undefined {
    const value = this.object(source, field);
    if (!value) return undefined;
    const reference = this.string(value, 'reference', `${field}.reference`);
    const display = this.string(value, 'display', `${field}.display`);
    return { ...(reference !== undefined ? { reference } : {}), ...(display !== undefined ? { display } : {}) };
  }

  references(source: Json, field: string): Json[] {
    return this.objects(source, field)
      .map((value) => this.reference({ [field]: value }, field))
      .filter((r): r is Json => r !== undefined && r.reference !== undefined);
  }

  period(source: Json, field: string): Json | undefined {
    const value = this.object(source, field);
    if (!value) return undefined;
    const start = this.string(value, 'start', `${field}.start`);
    const end = this.string(value, 'end', `${field}.end`);
    return { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
  }
}

/** Copies the listed fields read with `read`, leaving out what came back undefined or empty. */
function pick(reader: Reader, source: Json, fields: Record<string, (r: Reader, s: Json, f: string) => unknown>): Json {
  const out: Json = {};
  for (const [field, read] of Object.entries(fields)) {
    const value = read(reader, source, field);
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out[field] = value;
  }
  return out;
}

const str = (r: Reader, s: Json, f: string): unknown => r.string(s, f);
const bool = (r: Reader, s: Json, f: string): unknown => r.boolean(s, f);
const cc = (r: Reader, s: Json, f: string): unknown => r.codeableConcept(s, f);
const ccs = (r: Reader, s: Json, f: string): unknown => r.codeableConcepts(s, f);
const status = (r: Reader, s: Json, f: string): unknown => r.status(s, f);
const ref = (r: Reader, s: Json, f: string): unknown => r.reference(s, f);
const refs = (r: Reader, s: Json, f: string): unknown => r.references(s, f);
const period = (r: Reader, s: Json, f: string): unknown => r.period(s, f);
const strs = (r: Reader, s: Json, f: string): unknown => r.strings(s, f);
const coding = (r: Reader, s: Json, f: string): unknown => {
  const value = r.object(s, f);
  return value ? r.coding(value, f) : undefined;
};

/** A Quantity: its numeric value and unit words (a lab result); a value that is not a number drops the quantity. */
const quantity = (r: Reader, s: Json, f: string): unknown => {
  const value = r.object(s, f);
  if (!value) return undefined;
  if (typeof value.value !== 'number') {
    r.note(`${f}.value`);
    return undefined;
  }
  return { value: value.value, ...pick(r, value, { unit: str, system: str, code: str }) };
};

const COMMON = { resourceType: str, id: str };
const MEDICATION = { ...COMMON, code: cc };

/** The fields read per resource type (R4 names, plus the STU3 ones the record assembler understands). */
const FIELDS: Record<string, Record<string, (r: Reader, s: Json, f: string) => unknown>> = {
  Patient: { ...COMMON, birthDate: str, gender: str, deceasedBoolean: bool, deceasedDateTime: str },
  Encounter: {
    ...COMMON,
    status: str,
    subject: ref,
    patient: ref,
    period: period,
    class: coding,
    type: ccs,
    reasonCode: ccs,
  },
  Condition: {
    ...COMMON,
    subject: ref,
    patient: ref,
    encounter: ref,
    context: ref,
    code: cc,
    clinicalStatus: status,
    verificationStatus: status,
    onsetDateTime: str,
    onsetPeriod: period,
    abatementDateTime: str,
    abatementPeriod: period,
    abatementBoolean: bool,
    abatementString: str,
    recordedDate: str,
    assertedDate: str,
  },
  MedicationRequest: {
    ...COMMON,
    status: str,
    intent: str,
    subject: ref,
    encounter: ref,
    context: ref,
    authoredOn: str,
    medicationCodeableConcept: cc,
    medicationReference: ref,
    reasonCode: ccs,
    reasonReference: refs,
  },
  Medication: MEDICATION,
  // Laboratory results the interaction checks read (contract B); the record keeps only the lab table's codes.
  Observation: { ...COMMON, status: str, subject: ref, code: cc, effectiveDateTime: str, effectivePeriod: period, issued: str, valueQuantity: quantity },
  AllergyIntolerance: {
    ...COMMON,
    patient: ref,
    code: cc,
    clinicalStatus: status,
    verificationStatus: status,
    category: strs,
    criticality: str,
    onsetDateTime: str,
    recordedDate: str,
    assertedDate: str,
  },
};

/** The types the projection reads; others are left out of the clinical view. */
export const READABLE_TYPES: readonly string[] = Object.keys(FIELDS);

/**
 * The projection of one resource, or undefined for a type the view does not read. A MedicationRequest keeps
 * its contained Medications (projected too), so that `#id` references still resolve.
 */
export function readableResource(resource: FhirResource, repairs: FieldRepairs): FhirResource | undefined {
  const source = resource as unknown as Json;
  const type = typeof source.resourceType === 'string' ? source.resourceType : undefined;
  const fields = type ? FIELDS[type] : undefined;
  if (!type || !fields) return undefined;
  const reader = new Reader(type, repairs);
  const out = pick(reader, source, fields);
  if (type === 'MedicationRequest') {
    const contained = reader
      .objects(source, 'contained')
      .filter((item) => item.resourceType === 'Medication')
      .map((item) => pick(new Reader('Medication', repairs), item, MEDICATION));
    if (contained.length > 0) out.contained = contained;
  }
  return out as unknown as FhirResource;
}
