/**
 * PatientRecord assembly: every resource's shape is checked (malformed fields dropped and counted), the
 * resources are indexed, then each resource type's extractor (src/fhir/extract/) places its resources in
 * their patient's record through the linker, and the timeline is built. Nothing a resource holds can make
 * assembly throw: a resource whose extractor fails anyway is skipped and reported by type, never by value.
 */
import type { Observation, Patient, Resource } from 'fhir/r4';
import { ResourceCollector, type ResourceOrigin } from './collect';
import { addAllergy } from './extract/allergy';
import { addCondition } from './extract/condition';
import { addEncounter } from './extract/encounter';
import { addMedicationRequest } from './extract/medication-request';
import { addNote } from './extract/note';
import { addObservation } from './extract/observation';
import { newRecord } from './extract/patient';
import { addProcedure } from './extract/procedure';
import { RecordLinker } from './linking';
import { NOTE_TEXT_LIMIT } from './notes';
import { RECORD_RESOURCE_TYPES } from './resource-types';
import { checkShape, type ShapeProblem } from './shape';
import { createSummary } from './summary';
import { finishRecord } from './timeline';
import type { LoadSummary, PatientRecord } from './types';
import type { AnyAllergy, AnyCondition, AnyDocumentReference, AnyEncounter, AnyMedicationRequest, AnyProcedure } from './versions';

export interface AssembleOptions {
  /**
   * File and Bundle fullUrl per resource, as `loadResources` returns them. Without it the input is taken
   * as raw resources: Bundles in it are flattened, and every resource is counted and checked.
   */
  origins?: ReadonlyMap<Resource, ResourceOrigin>;
  /** A summary to continue (e.g. the load's); a fresh one otherwise. */
  summary?: LoadSummary;
  /** Characters of note text kept per note (default NOTE_TEXT_LIMIT, 64 Ki). */
  noteTextLimit?: number;
}

export interface AssembleRecordOptions extends AssembleOptions {
  /**
   * The patient the record is for. Needed when the input holds no Patient resource (a CDS Hooks prefetch
   * without one); references to `Patient/<patientId>` then count as resolved.
   */
  patientId?: string;
}

/** Input that cannot make a record at all (e.g. no patient to build it for). */
export class FhirInputError extends Error {
  override readonly name = 'FhirInputError';
}

/** One PatientRecord per Patient resource in the input, in input order. */
export function assembleRecords(input: readonly Resource[], options: AssembleOptions = {}): { records: PatientRecord[]; summary: LoadSummary } {
  const assembler = new RecordAssembler(input, options);
  assembler.addAllPatients();
  return assembler.finish();
}

/**
 * The record of one patient, e.g. from a CDS Hooks prefetch. The patient is `options.patientId`, else
 * the single Patient resource in the input; resources of other patients are skipped with a warning.
 */
export function assembleRecord(input: readonly Resource[], options: AssembleRecordOptions = {}): { record: PatientRecord; summary: LoadSummary } {
  const assembler = new RecordAssembler(input, options);
  assembler.addSinglePatient(options.patientId);
  const { records, summary } = assembler.finish();
  return { record: records[0], summary };
}

/** Record types in the order they are placed: encounters first, so that everything else can link to them. */
const EXTRACTION_ORDER = ['Encounter', 'Condition', 'Procedure', 'MedicationRequest', 'DocumentReference', 'AllergyIntolerance', 'Observation'] as const;

class RecordAssembler {
  private readonly summary: LoadSummary;
  private readonly linker: RecordLinker;
  /** Shape-checked resources that can be assembled (with an id, not a duplicate of an earlier Type/id). */
  private readonly usable: Resource[] = [];
  private readonly noteTextLimit: number;

  constructor(input: readonly Resource[], options: AssembleOptions) {
    this.summary = options.summary ?? createSummary();
    this.noteTextLimit = options.noteTextLimit ?? NOTE_TEXT_LIMIT;
    let resources: readonly Resource[] = input;
    let origins = options.origins;
    if (!origins) {
      const collector = new ResourceCollector(this.summary, { keepTypes: RECORD_RESOURCE_TYPES });
      collector.add(input);
      resources = collector.resources;
      origins = collector.origins;
    }
    const checkedOrigins = new Map<Resource, ResourceOrigin>();
    this.linker = new RecordLinker(this.summary, checkedOrigins);
    for (const original of resources) {
      const origin = origins.get(original) ?? {};
      const { resource, problems } = checkShape(original, original.resourceType);
      checkedOrigins.set(resource, origin);
      this.reportMalformed(resource, problems);
      if (typeof resource.id !== 'string' || resource.id === '') {
        this.linker.skip(resource, 'error', `${resource.resourceType} without an id skipped`);
      } else if (!this.linker.index.add(resource, origin.fullUrl)) {
        // Bundles of one export repeat shared resources (Synthea R4 puts each Organization and Practitioner
        // in every bundle that names it): an identical copy is the same resource, not a problem.
        const first = this.linker.index.get(resource.resourceType, resource.id);
        if (JSON.stringify(first) !== JSON.stringify(resource)) {
          this.linker.skip(resource, 'warning', `duplicate ${resource.resourceType}/${resource.id}: the first one read is kept`);
        }
      } else {
        this.usable.push(resource);
      }
    }
  }

  addAllPatients(): void {
    for (const patient of this.ofType<Patient>('Patient')) this.linker.records.set(patient.id as string, newRecord(patient));
  }

  addSinglePatient(patientId: string | undefined): void {
    const patients = this.ofType<Patient>('Patient');
    let record: PatientRecord;
    if (patientId !== undefined && patientId !== '') {
      const patient = patients.find((candidate) => candidate.id === patientId);
      record = patient ? newRecord(patient) : { ...newRecord(undefined), patientId };
    } else if (patients.length === 1) {
      record = newRecord(patients[0]);
    } else {
      throw new FhirInputError(
        patients.length === 0
          ? 'cannot assemble a patient record: the input holds no Patient resource and no patientId was given'
          : `cannot assemble a patient record: the input holds ${patients.length} Patient resources; pass patientId`,
      );
    }
    this.linker.single = record;
    this.linker.records.set(record.patientId, record);
  }

  finish(): { records: PatientRecord[]; summary: LoadSummary } {
    for (const type of EXTRACTION_ORDER) {
      for (const resource of this.ofType(type)) this.extract(resource);
    }
    const records = [...this.linker.records.values()];
    for (const record of records) finishRecord(record);
    this.summary.patients = (this.summary.patients ?? 0) + records.length;
    return { records, summary: this.summary };
  }

  private extract(resource: Resource): void {
    const linker = this.linker;
    try {
      switch (resource.resourceType) {
        case 'Encounter':
          return addEncounter(resource as AnyEncounter, linker);
        case 'Condition':
          return addCondition(resource as AnyCondition, linker);
        case 'Procedure':
          return addProcedure(resource as AnyProcedure, linker);
        case 'MedicationRequest':
          return addMedicationRequest(resource as AnyMedicationRequest, linker);
        case 'DocumentReference':
          return addNote(resource as unknown as AnyDocumentReference, linker, this.noteTextLimit);
        case 'AllergyIntolerance':
          return addAllergy(resource as AnyAllergy, linker);
        case 'Observation':
          return addObservation(resource as Observation, linker);
      }
    } catch (error) {
      // A shape the checks do not know yet. The error's kind only: its message may quote a value.
      linker.skip(resource, 'error', `could not be read (${error instanceof Error ? error.name : typeof error}); skipped`);
    }
  }

  /** Each malformed field dropped by `checkShape` is counted by type and field, and reported (no value). */
  private reportMalformed(resource: Resource, problems: readonly ShapeProblem[]): void {
    if (problems.length === 0) return;
    const counts = (this.summary.malformedFields ??= {});
    for (const { field, problem } of problems) {
      const key = `${resource.resourceType}.${field}`;
      counts[key] = (counts[key] ?? 0) + 1;
      this.linker.issue(resource, 'warning', `malformed ${field} (${problem}): field dropped`);
    }
  }

  private ofType<T extends Resource>(type: string): T[] {
    return this.usable.filter((resource) => resource.resourceType === type) as T[];
  }
}
