/**
 * Version-tolerant views of the resources a PatientRecord reads: the R4 types plus the STU3 elements R4
 * renamed or retyped (`context` for the encounter, string statuses, `assertedDate`, `indexed`,
 * `Binary.content`, `requester.agent`). Fields have already passed `checkShape` when these are read.
 */
import type {
  AllergyIntolerance,
  Binary,
  CodeableConcept,
  Condition,
  DocumentReference,
  Encounter,
  MedicationRequest,
  Procedure,
  Reference,
} from 'fhir/r4';

export type StatusValue = CodeableConcept | string;

export type AnyCondition = Omit<Condition, 'clinicalStatus' | 'verificationStatus' | 'abatementBoolean'> & {
  clinicalStatus?: StatusValue;
  verificationStatus?: StatusValue;
  /** STU3: the encounter. */
  context?: Reference;
  /** STU3: recordedDate. */
  assertedDate?: string;
  /** STU3: abated, date unknown. */
  abatementBoolean?: boolean;
};

export type AnyProcedure = Procedure & { context?: Reference };

export type AnyMedicationRequest = Omit<MedicationRequest, 'requester'> & {
  context?: Reference;
  /** R4: a Reference; STU3: { agent: Reference }. */
  requester?: Reference & { agent?: Reference };
};

export type AnyDocumentReference = Omit<DocumentReference, 'context'> & {
  /** R4: context.encounter is an array; STU3: a single Reference. */
  context?: { encounter?: Reference | Reference[]; period?: { start?: string } };
  /** STU3: when the document was indexed (R4 `date`). */
  indexed?: string;
  created?: string;
};

export type AnyAllergy = Omit<AllergyIntolerance, 'clinicalStatus' | 'verificationStatus'> & {
  clinicalStatus?: StatusValue;
  verificationStatus?: StatusValue;
  assertedDate?: string;
};

/** STU3 Binary holds its bytes in `content`. */
export type AnyBinary = Binary & { content?: string };

export type AnyEncounter = Encounter & { reason?: CodeableConcept[] };

/** R4 CodeableConcept status or STU3 string status → the code. */
export function statusCode(value: StatusValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  const code = value.coding?.find((coding) => coding.code)?.code;
  return code ?? value.text;
}

/** Removes keys whose value is undefined, so records compare and serialise cleanly. */
export function dropUndefined<T extends object>(value: T): void {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
}
