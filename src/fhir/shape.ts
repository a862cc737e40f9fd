/**
 * Field shapes of the resources a PatientRecord reads, and the check that drops a malformed field instead of
 * letting it throw later. Real input gets shapes wrong: the CDS Hooks sandbox sends
 * `MedicationRequest.reasonCode` and `category` as one object instead of an array, exporters send a code
 * as a bare string, or a `coding.system` as a number. A field that does not have its shape is removed (on
 * a copy; the input is never changed) and reported with the resource type and the field's path — never
 * its value, which may be patient data.
 *
 * Only the elements record assembly and card building read are declared; other elements pass untouched.
 * STU3 shapes that differ from R4 (string statuses, a single `context.encounter`, `requester.agent`) are
 * declared as the alternatives they are.
 */

export type Shape =
  | 'string'
  | 'boolean'
  | 'number'
  /** Anything but null/undefined is accepted: the element is read elsewhere with its own checks. */
  | 'any'
  | { arrayOf: Shape }
  | { object: Readonly<Record<string, Shape>> }
  /** The first alternative that fits (e.g. R4 CodeableConcept or STU3 string). */
  | { oneOf: readonly Shape[] };

export const CODING: Shape = { object: { system: 'string', code: 'string', display: 'string' } };
export const CODEABLE_CONCEPT: Shape = { object: { coding: { arrayOf: CODING }, text: 'string' } };
export const REFERENCE: Shape = { object: { reference: 'string', display: 'string' } };
export const PERIOD: Shape = { object: { start: 'string', end: 'string' } };
export const ATTACHMENT: Shape = { object: { contentType: 'string', data: 'string', url: 'string' } };
/** R4 status CodeableConcept, or the STU3 code string. */
export const STATUS: Shape = { oneOf: ['string', CODEABLE_CONCEPT] };
const many = (shape: Shape): Shape => ({ arrayOf: shape });
const OBJECT: Shape = { object: {} };

/** The elements each resource type is read by, with their shapes. */
export const RESOURCE_SHAPES: Readonly<Record<string, Readonly<Record<string, Shape>>>> = {
  Patient: {
    birthDate: 'string',
    gender: 'string',
    deceasedBoolean: 'boolean',
    deceasedDateTime: 'string',
    name: many({ object: { given: many('string'), family: 'string', text: 'string' } }),
  },
  Encounter: {
    status: 'string',
    class: CODING,
    type: many(CODEABLE_CONCEPT),
    reasonCode: many(CODEABLE_CONCEPT),
    reason: many(CODEABLE_CONCEPT),
    reasonReference: many(REFERENCE),
    period: PERIOD,
    subject: REFERENCE,
    serviceProvider: REFERENCE,
    location: many({ object: { location: REFERENCE } }),
    participant: many({ object: { individual: REFERENCE } }),
  },
  Condition: {
    clinicalStatus: STATUS,
    verificationStatus: STATUS,
    code: CODEABLE_CONCEPT,
    subject: REFERENCE,
    encounter: REFERENCE,
    context: REFERENCE,
    onsetDateTime: 'string',
    onsetPeriod: PERIOD,
    abatementDateTime: 'string',
    abatementPeriod: PERIOD,
    abatementBoolean: 'boolean',
    recordedDate: 'string',
    assertedDate: 'string',
  },
  Procedure: {
    status: 'string',
    code: CODEABLE_CONCEPT,
    subject: REFERENCE,
    encounter: REFERENCE,
    context: REFERENCE,
    performedDateTime: 'string',
    performedPeriod: PERIOD,
  },
  MedicationRequest: {
    status: 'string',
    intent: 'string',
    subject: REFERENCE,
    encounter: REFERENCE,
    context: REFERENCE,
    medicationCodeableConcept: CODEABLE_CONCEPT,
    medicationReference: REFERENCE,
    reasonCode: many(CODEABLE_CONCEPT),
    reasonReference: many(REFERENCE),
    category: many(CODEABLE_CONCEPT),
    authoredOn: 'string',
    // STU3: { agent: Reference, onBehalfOf: Reference }.
    requester: { object: { reference: 'string', display: 'string', agent: REFERENCE } },
    dosageInstruction: many(OBJECT),
    dispenseRequest: OBJECT,
    note: many(OBJECT),
    contained: many(OBJECT),
  },
  Medication: {
    code: CODEABLE_CONCEPT,
  },
  DocumentReference: {
    status: 'string',
    docStatus: 'string',
    subject: REFERENCE,
    type: CODEABLE_CONCEPT,
    date: 'string',
    indexed: 'string',
    created: 'string',
    content: many({ object: { attachment: ATTACHMENT } }),
    // R4: encounter is an array; STU3: a single Reference.
    context: { object: { encounter: { oneOf: [many(REFERENCE), REFERENCE] }, period: PERIOD } },
  },
  AllergyIntolerance: {
    clinicalStatus: STATUS,
    verificationStatus: STATUS,
    patient: REFERENCE,
    code: CODEABLE_CONCEPT,
    category: many('string'),
    criticality: 'string',
    onsetDateTime: 'string',
    onsetPeriod: PERIOD,
    recordedDate: 'string',
    assertedDate: 'string',
  },
  Observation: {
    status: 'string',
    code: CODEABLE_CONCEPT,
    subject: REFERENCE,
    effectiveDateTime: 'string',
    effectivePeriod: PERIOD,
    issued: 'string',
    valueQuantity: { object: { value: 'number', unit: 'string', system: 'string', code: 'string' } },
  },
  Binary: {
    contentType: 'string',
    data: 'string',
    content: 'string',
  },
  Organization: {
    name: 'string',
  },
};

/** One malformed field: where (no value) and what was wrong. */
export interface ShapeProblem {
  /** Dotted path without indices, e.g. `reasonCode` or `code.coding.system`. */
  field: string;
  /** e.g. "an object where an array belongs". */
  problem: string;
}

/**
 * The resource with every malformed declared field removed, and the problems found. Returns the resource
 * itself when nothing is wrong, so well-formed input is neither copied nor changed.
 */
export function checkShape<T extends object>(resource: T, resourceType: string): { resource: T; problems: ShapeProblem[] } {
  const shapes = RESOURCE_SHAPES[resourceType];
  if (!shapes) return { resource, problems: [] };
  const problems: ShapeProblem[] = [];
  const checked = checkObject(resource as Record<string, unknown>, shapes, '', problems);
  return { resource: checked as T, problems };
}

const DROP = Symbol('drop');
type Checked = unknown | typeof DROP;

function check(value: unknown, shape: Shape, path: string, problems: ShapeProblem[]): Checked {
  if (value === undefined) return value;
  if (shape === 'any') return value;
  if (typeof shape === 'string') {
    if (typeof value === shape) return value;
    problems.push({ field: path, problem: `${kindOf(value)} where ${article(shape)} belongs` });
    return DROP;
  }
  if ('oneOf' in shape) {
    for (const alternative of shape.oneOf) {
      const attempt: ShapeProblem[] = [];
      const result = check(value, alternative, path, attempt);
      if (result !== DROP && attempt.length === 0) return result;
    }
    // None fits cleanly: keep what the first fitting kind keeps, reporting its problems.
    for (const alternative of shape.oneOf) {
      if (fitsKind(value, alternative)) return check(value, alternative, path, problems);
    }
    problems.push({ field: path, problem: `${kindOf(value)} where ${shape.oneOf.map(describeShape).join(' or ')} belongs` });
    return DROP;
  }
  if ('arrayOf' in shape) {
    if (!Array.isArray(value)) {
      problems.push({ field: path, problem: `${kindOf(value)} where an array belongs` });
      return DROP;
    }
    let changed = false;
    const kept: unknown[] = [];
    for (const item of value) {
      const result = check(item, shape.arrayOf, path, problems);
      if (result === DROP || result === undefined || result === null) {
        changed = true;
        continue;
      }
      if (result !== item) changed = true;
      kept.push(result);
    }
    return changed ? kept : value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ field: path, problem: `${kindOf(value)} where an object belongs` });
    return DROP;
  }
  return checkObject(value as Record<string, unknown>, shape.object, path, problems);
}

function checkObject(
  value: Record<string, unknown>,
  shapes: Readonly<Record<string, Shape>>,
  path: string,
  problems: ShapeProblem[],
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, shape] of Object.entries(shapes)) {
    if (!(key in value)) continue;
    const original = value[key];
    const result = original === null ? DROP : check(original, shape, path ? `${path}.${key}` : key, problems);
    if (original === null) problems.push({ field: path ? `${path}.${key}` : key, problem: 'null where a value belongs' });
    if (result === original) continue;
    copy ??= { ...value };
    if (result === DROP) delete copy[key];
    else copy[key] = result;
  }
  return copy ?? value;
}

function fitsKind(value: unknown, shape: Shape): boolean {
  if (shape === 'any') return true;
  if (typeof shape === 'string') return typeof value === shape;
  if ('arrayOf' in shape) return Array.isArray(value);
  if ('object' in shape) return typeof value === 'object' && value !== null && !Array.isArray(value);
  return shape.oneOf.some((alternative) => fitsKind(value, alternative));
}

function describeShape(shape: Shape): string {
  if (typeof shape === 'string') return article(shape);
  if ('arrayOf' in shape) return 'an array';
  if ('object' in shape) return 'an object';
  return shape.oneOf.map(describeShape).join(' or ');
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return article(typeof value);
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}
