/**
 * PatientRecord assembly: links Conditions, Procedures, MedicationRequests and notes to their patient and
 * encounter, for R4 and the STU3 shapes older exports still use (`context` for the encounter, string
 * statuses, `assertedDate`, `indexed`, Binary.content).
 *
 * Every resource that cannot be placed is reported (LoadIssue) and counted (`skipped`, and
 * `unresolvedReferences` for a dangling reference) rather than guessed at.
 */
import type {
  AllergyIntolerance,
  Attachment,
  Binary,
  CodeableConcept,
  Condition,
  DocumentReference,
  Encounter,
  Medication,
  MedicationRequest,
  Organization,
  Patient,
  Procedure,
  Reference,
  Resource,
} from 'fhir/r4';
import { ResourceCollector, type ResourceOrigin } from './collect';
import { toConcept } from './concepts';
import { decodeNoteData, NOTE_TEXT_LIMIT, parseContentType, textKind } from './notes';
import { referencedId, ResourceIndex, type Resolution } from './references';
import { RECORD_RESOURCE_TYPES } from './resource-types';
import { addIssue, createSummary } from './summary';
import type {
  AllergyEntry,
  Concept,
  ConditionEntry,
  EncounterView,
  LoadIssue,
  LoadSummary,
  MedicationOrder,
  NoteEntry,
  PatientRecord,
  ProcedureEntry,
} from './types';

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
export function assembleRecords(
  input: readonly Resource[],
  options: AssembleOptions = {},
): { records: PatientRecord[]; summary: LoadSummary } {
  const assembler = new RecordAssembler(input, options);
  assembler.addAllPatients();
  return assembler.finish();
}

/**
 * The record of one patient, e.g. from a CDS Hooks prefetch. The patient is `options.patientId`, else
 * the single Patient resource in the input; resources of other patients are skipped with a warning.
 */
export function assembleRecord(
  input: readonly Resource[],
  options: AssembleRecordOptions = {},
): { record: PatientRecord; summary: LoadSummary } {
  const assembler = new RecordAssembler(input, options);
  assembler.addSinglePatient(options.patientId);
  const { records, summary } = assembler.finish();
  return { record: records[0], summary };
}

// ---- version-tolerant views: R4 types plus the STU3 elements R4 renamed or retyped ----

type StatusValue = CodeableConcept | string;

type AnyCondition = Omit<Condition, 'clinicalStatus' | 'verificationStatus' | 'abatementBoolean'> & {
  clinicalStatus?: StatusValue;
  verificationStatus?: StatusValue;
  /** STU3: the encounter. */
  context?: Reference;
  /** STU3: recordedDate. */
  assertedDate?: string;
  /** STU3: abated, date unknown. */
  abatementBoolean?: boolean;
};

type AnyProcedure = Procedure & { context?: Reference };

type AnyMedicationRequest = MedicationRequest & { context?: Reference };

type AnyDocumentReference = Omit<DocumentReference, 'context'> & {
  /** R4: context.encounter is an array; STU3: a single Reference. */
  context?: { encounter?: Reference | Reference[]; period?: { start?: string } };
  /** STU3: when the document was indexed (R4 `date`). */
  indexed?: string;
  created?: string;
};

type AnyAllergy = Omit<AllergyIntolerance, 'clinicalStatus' | 'verificationStatus'> & {
  clinicalStatus?: StatusValue;
  verificationStatus?: StatusValue;
  assertedDate?: string;
};

/** STU3 Binary holds its bytes in `content`. */
type AnyBinary = Binary & { content?: string };

type AnyEncounter = Encounter & { reason?: CodeableConcept[] };

interface EncounterSlot {
  record: PatientRecord;
  view: EncounterView;
}

/** Conditions that ended at an unknown time (STU3 abatementBoolean, abatementString...). */
const abatedWithoutDate = new WeakSet<ConditionEntry>();

const PATIENT = ['Patient'];
const ENCOUNTER = ['Encounter'];
const CONDITION = ['Condition'];
const MEDICATION = ['Medication'];
const BINARY = ['Binary'];
const ORGANIZATION = ['Organization'];
const LOCATION = ['Location'];
const PARTICIPANT = ['Practitioner', 'PractitionerRole', 'RelatedPerson'];
const REQUESTER = ['Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson', 'Device'];

class RecordAssembler {
  private readonly summary: LoadSummary;
  private readonly resources: readonly Resource[];
  private readonly origins: ReadonlyMap<Resource, ResourceOrigin>;
  private readonly index = new ResourceIndex();
  /** Resources not to assemble: duplicates of an earlier Type/id, or without an id. */
  private readonly unusable = new Set<Resource>();
  private readonly records = new Map<string, PatientRecord>();
  private readonly encounters = new Map<string, EncounterSlot>();
  private readonly noteTextLimit: number;
  /** Set when assembling one patient's record: the patient every resource is expected to belong to. */
  private single: PatientRecord | undefined;

  constructor(input: readonly Resource[], options: AssembleOptions) {
    this.summary = options.summary ?? createSummary();
    this.noteTextLimit = options.noteTextLimit ?? NOTE_TEXT_LIMIT;
    if (options.origins) {
      this.resources = input;
      this.origins = options.origins;
    } else {
      const collector = new ResourceCollector(this.summary, { keepTypes: RECORD_RESOURCE_TYPES });
      collector.add(input);
      this.resources = collector.resources;
      this.origins = collector.origins;
    }
    for (const resource of this.resources) {
      if (typeof resource.id !== 'string' || resource.id === '') {
        this.unusable.add(resource);
        this.skip(resource, 'error', `${resource.resourceType} without an id skipped`);
      } else if (!this.index.add(resource, this.origins.get(resource)?.fullUrl)) {
        this.unusable.add(resource);
        // Bundles of one export repeat shared resources (Synthea R4 puts each Organization and Practitioner
        // in every bundle that names it): an identical copy is the same resource, not a problem.
        const first = this.index.get(resource.resourceType, resource.id);
        if (JSON.stringify(first) !== JSON.stringify(resource)) {
          this.skip(resource, 'warning', `duplicate ${resource.resourceType}/${resource.id}: the first one read is kept`);
        }
      }
    }
  }

  addAllPatients(): void {
    for (const resource of this.ofType<Patient>('Patient')) {
      this.records.set(resource.id as string, newRecord(resource));
    }
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
    this.single = record;
    this.records.set(record.patientId, record);
  }

  finish(): { records: PatientRecord[]; summary: LoadSummary } {
    for (const encounter of this.ofType<AnyEncounter>('Encounter')) this.addEncounter(encounter);
    for (const condition of this.ofType<AnyCondition>('Condition')) this.addCondition(condition);
    for (const procedure of this.ofType<AnyProcedure>('Procedure')) this.addProcedure(procedure);
    for (const request of this.ofType<AnyMedicationRequest>('MedicationRequest')) this.addMedicationRequest(request);
    for (const document of this.ofType<AnyDocumentReference>('DocumentReference')) this.addNote(document);
    for (const allergy of this.ofType<AnyAllergy>('AllergyIntolerance')) this.addAllergy(allergy);

    const records = [...this.records.values()];
    for (const record of records) finishRecord(record);
    this.summary.patients = (this.summary.patients ?? 0) + records.length;
    return { records, summary: this.summary };
  }

  // ---- per resource type ----

  private addEncounter(encounter: AnyEncounter): void {
    if (encounter.status === 'entered-in-error') return this.skipQuietly();
    const record = this.ownerOf(encounter, encounter.subject);
    if (!record) return;
    const reasons = conceptsOf([...(encounter.reasonCode ?? []), ...(encounter.reason ?? [])]);
    for (const reference of encounter.reasonReference ?? []) {
      const resolution = this.follow(encounter, reference, CONDITION, 'reasonReference');
      if (resolution.status === 'resolved') {
        const concept = toConcept((resolution.resource as Condition).code);
        if (concept) reasons.push(concept);
      }
    }
    const provider = this.follow(encounter, encounter.serviceProvider, ORGANIZATION, 'serviceProvider');
    for (const location of encounter.location ?? []) this.follow(encounter, location?.location, LOCATION, 'location');
    for (const participant of encounter.participant ?? []) {
      this.follow(encounter, participant?.individual, PARTICIPANT, 'participant.individual');
    }
    const view: EncounterView = {
      id: encounter.id as string,
      start: encounter.period?.start,
      end: encounter.period?.end,
      status: encounter.status,
      classCode: encounter.class?.code,
      serviceProvider: provider.status === 'resolved' ? (provider.resource as Organization).name : undefined,
      types: conceptsOf(encounter.type),
      reasons,
      diagnosed: [],
      activeConditions: [],
      procedures: [],
      notes: [],
      medications: [],
    };
    dropUndefined(view);
    record.encounters.push(view);
    this.encounters.set(view.id, { record, view });
  }

  private addCondition(condition: AnyCondition): void {
    const verification = statusCode(condition.verificationStatus);
    if (verification === 'entered-in-error' || verification === 'refuted') return this.skipQuietly();
    const record = this.ownerOf(condition, condition.subject);
    if (!record) return;
    const concept = toConcept(condition.code);
    if (!concept) return this.skip(condition, 'warning', 'Condition without a usable code skipped');
    const entry: ConditionEntry = {
      id: condition.id as string,
      concept,
      clinicalStatus: statusCode(condition.clinicalStatus),
      onset: condition.onsetDateTime ?? condition.onsetPeriod?.start,
      abatement: condition.abatementDateTime ?? condition.abatementPeriod?.start,
      recorded: condition.recordedDate ?? condition.assertedDate,
    };
    if (
      !entry.abatement &&
      (condition.abatementBoolean === true ||
        condition.abatementString !== undefined ||
        condition.abatementAge !== undefined ||
        condition.abatementRange !== undefined)
    ) {
      abatedWithoutDate.add(entry);
    }
    const slot = this.encounterOf(condition, condition.encounter ?? condition.context, record);
    if (slot) entry.encounterId = slot.view.id;
    dropUndefined(entry);
    record.conditions.push(entry);
  }

  private addProcedure(procedure: AnyProcedure): void {
    if (procedure.status === 'entered-in-error') return this.skipQuietly();
    const record = this.ownerOf(procedure, procedure.subject);
    if (!record) return;
    const concept = toConcept(procedure.code);
    if (!concept) return this.skip(procedure, 'warning', 'Procedure without a usable code skipped');
    const entry: ProcedureEntry = {
      id: procedure.id as string,
      concept,
      date: procedure.performedDateTime ?? procedure.performedPeriod?.start,
      status: procedure.status,
    };
    const slot = this.encounterOf(procedure, procedure.encounter ?? procedure.context, record);
    if (slot) entry.encounterId = slot.view.id;
    dropUndefined(entry);
    record.procedures.push(entry);
  }

  private addMedicationRequest(request: AnyMedicationRequest): void {
    if (request.status === 'entered-in-error') return this.skipQuietly();
    const record = this.ownerOf(request, request.subject);
    if (!record) return;
    const concept = this.medicationConcept(request);
    if (!concept) return;
    this.follow(request, request.requester, REQUESTER, 'requester');

    const reasonConditionIds: string[] = [];
    for (const reference of request.reasonReference ?? []) {
      const resolution = this.follow(request, reference, CONDITION, 'reasonReference');
      if (resolution.status === 'resolved') reasonConditionIds.push(resolution.resource.id as string);
    }
    const order: MedicationOrder = {
      id: request.id as string,
      concept,
      status: request.status,
      intent: request.intent,
      authoredOn: request.authoredOn,
      reasonConditionIds,
      reasonConcepts: conceptsOf(request.reasonCode),
      resource: request,
    };
    const slot = this.encounterOf(request, request.encounter ?? request.context, record);
    if (slot) order.encounterId = slot.view.id;
    dropUndefined(order);
    record.medications.push(order);
  }

  /** The drug: medicationCodeableConcept, or the code of the (contained or separate) Medication referenced. */
  private medicationConcept(request: AnyMedicationRequest): Concept | undefined {
    if (request.medicationCodeableConcept) {
      const concept = toConcept(request.medicationCodeableConcept);
      if (!concept) this.skip(request, 'warning', 'medicationCodeableConcept has no code or text; order skipped');
      return concept;
    }
    if (!request.medicationReference) {
      this.skip(request, 'warning', 'MedicationRequest names no medication; order skipped');
      return undefined;
    }
    const resolution = this.follow(request, request.medicationReference, MEDICATION, 'medicationReference', false);
    if (resolution.status !== 'resolved') {
      this.skip(request, 'warning', `medication ${describe(resolution)}; order skipped`);
      return undefined;
    }
    const concept = toConcept((resolution.resource as Medication).code);
    if (!concept) {
      this.skip(request, 'warning', `Medication ${resolution.resource.id ?? ''} has no code; order skipped`);
    }
    return concept;
  }

  private addNote(document: AnyDocumentReference): void {
    if (document.status === 'entered-in-error' || document.docStatus === 'entered-in-error') {
      return this.skipQuietly();
    }
    const record = this.ownerOf(document, document.subject);
    if (!record) return;
    const text = this.noteText(document);
    if (text === undefined) return;

    const note: NoteEntry = {
      id: document.id as string,
      type: toConcept(document.type),
      date: document.date ?? document.indexed ?? document.context?.period?.start ?? document.created,
      text,
    };
    const encounterRefs = document.context?.encounter;
    const references = Array.isArray(encounterRefs) ? encounterRefs : encounterRefs ? [encounterRefs] : [];
    for (const reference of references) {
      const slot = this.encounterOf(document, reference, record);
      if (slot) {
        // A note is shown once, with the first of its encounters found in the input.
        note.encounterId = slot.view.id;
        break;
      }
    }
    dropUndefined(note);
    record.notes.push(note);
  }

  /** The note's plain text, or undefined (reported) when no attachment can be read. */
  private noteText(document: AnyDocumentReference): string | undefined {
    const attachments = (document.content ?? [])
      .map((content) => content?.attachment)
      .filter((attachment): attachment is Attachment => typeof attachment === 'object' && attachment !== null)
      .filter((attachment) => attachment.data !== undefined || attachment.url !== undefined);
    // Plain text first: it needs no reduction. Then HTML.
    const readable = attachments
      .map((attachment) => ({ attachment, kind: textKind(parseContentType(attachment.contentType).mediaType) }))
      .filter((candidate) => candidate.kind !== undefined)
      .sort((a, b) => kindRank(a.kind) - kindRank(b.kind));
    if (readable.length === 0) {
      const types = attachments.map((attachment) => attachment.contentType ?? '?').join(', ');
      this.skip(document, 'warning', `note has no text/plain or text/html attachment${types ? ` (${types})` : ''}; skipped`);
      return undefined;
    }
    const { attachment } = readable[0];

    let data = attachment.data;
    let contentType = attachment.contentType;
    if (data === undefined) {
      const resolution = this.follow(document, { reference: attachment.url }, BINARY, 'attachment.url', false);
      if (resolution.status !== 'resolved') {
        this.skip(document, 'warning', `attachment url ${describe(resolution)}; note skipped`);
        return undefined;
      }
      const binary = resolution.resource as AnyBinary;
      data = binary.data ?? binary.content;
      contentType = contentType ?? binary.contentType;
      if (typeof data !== 'string') {
        this.skip(document, 'warning', `Binary/${binary.id} holds no data; note skipped`);
        return undefined;
      }
    }

    const decoded = decodeNoteData(data, contentType, this.noteTextLimit);
    if (!decoded.ok) {
      this.skip(document, 'error', `note text cannot be read: ${decoded.problem}; note skipped`);
      return undefined;
    }
    for (const warning of decoded.warnings) this.issue(document, 'warning', warning);
    if (decoded.truncated) {
      this.issue(
        document,
        'warning',
        `note text truncated to its first ${decoded.text.length} characters (source: ${data.length} base64 characters)`,
      );
    }
    return decoded.text;
  }

  private addAllergy(allergy: AnyAllergy): void {
    const verification = statusCode(allergy.verificationStatus);
    if (verification === 'entered-in-error' || verification === 'refuted') return this.skipQuietly();
    const record = this.ownerOf(allergy, allergy.patient);
    if (!record) return;
    const concept = toConcept(allergy.code);
    if (!concept) return this.skip(allergy, 'warning', 'AllergyIntolerance without a usable code skipped');
    const entry: AllergyEntry = {
      id: allergy.id as string,
      concept,
      clinicalStatus: statusCode(allergy.clinicalStatus),
      verificationStatus: verification,
      category: allergy.category ? [...allergy.category] : undefined,
      criticality: allergy.criticality,
      onset: allergy.onsetDateTime ?? allergy.onsetPeriod?.start,
      recorded: allergy.recordedDate ?? allergy.assertedDate,
    };
    dropUndefined(entry);
    record.allergies.push(entry);
  }

  // ---- linking ----

  /** The record a resource belongs to, from its subject/patient reference; undefined (reported) if none. */
  private ownerOf(resource: Resource, subject: Reference | undefined): PatientRecord | undefined {
    const resolution = this.index.resolve(subject, { from: resource, expectedTypes: PATIENT });
    switch (resolution.status) {
      case 'resolved': {
        const record = this.records.get(resolution.resource.id as string);
        if (!record) this.skip(resource, 'warning', `belongs to another patient (${subject?.reference}); skipped`);
        return record;
      }
      case 'absent':
        if (this.single) return this.single;
        this.skip(resource, 'error', 'no subject/patient reference; skipped');
        return undefined;
      case 'ignored':
        this.skip(resource, 'warning', `subject ${resolution.reference} is not a Patient (${resolution.reason}); skipped`);
        return undefined;
      case 'external':
        this.summary.externalReferences += 1;
        this.skip(resource, 'warning', `subject ${resolution.reference}: ${resolution.reason}; skipped`);
        return undefined;
      case 'unresolved':
        // A prefetch may leave out the Patient resource: its id alone identifies the patient.
        if (this.single && referencedId(resolution.reference) === this.single.patientId) return this.single;
        this.summary.unresolvedReferences += 1;
        this.skip(resource, 'warning', `dangling reference ${resolution.reference} to its Patient; skipped`);
        return undefined;
    }
  }

  /** The encounter a resource was recorded in, if its reference resolves to an encounter of the same patient. */
  private encounterOf(resource: Resource, reference: Reference | undefined, record: PatientRecord): EncounterSlot | undefined {
    const resolution = this.follow(resource, reference, ENCOUNTER, 'encounter');
    if (resolution.status !== 'resolved') return undefined;
    const slot = this.encounters.get(resolution.resource.id as string);
    if (!slot) return undefined; // the encounter itself was skipped, and reported
    if (slot.record !== record) {
      this.issue(resource, 'warning', `encounter ${reference?.reference} belongs to another patient; not linked`);
      return undefined;
    }
    return slot;
  }

  /**
   * Resolves a reference; a dangling one is counted in `unresolvedReferences` and reported. With
   * `report` false the caller reports it (with what it means for the resource).
   */
  private follow(
    resource: Resource,
    reference: Reference | undefined,
    expectedTypes: readonly string[],
    element: string,
    report = true,
  ): Resolution {
    const resolution = this.index.resolve(reference, { from: resource, expectedTypes });
    if (resolution.status === 'unresolved') {
      this.summary.unresolvedReferences += 1;
      if (report) this.issue(resource, 'warning', `${element}: ${describe(resolution)}`);
    } else if (resolution.status === 'external') {
      // Not an issue: a CDS prefetch routinely names practitioners and organizations it does not send.
      this.summary.externalReferences += 1;
    }
    return resolution;
  }

  // ---- bookkeeping ----

  private ofType<T extends Resource>(type: string): T[] {
    return this.resources.filter((resource) => resource.resourceType === type && !this.unusable.has(resource)) as T[];
  }

  private issue(resource: Resource, severity: LoadIssue['severity'], message: string): void {
    addIssue(this.summary, {
      severity,
      file: this.origins.get(resource)?.file,
      resourceType: resource.resourceType,
      resourceId: resource.id,
      message,
    });
  }

  private skip(resource: Resource, severity: LoadIssue['severity'], message: string): void {
    this.summary.skipped += 1;
    this.issue(resource, severity, message);
  }

  /** Resources marked entered-in-error (or refuted) are not data: counted as skipped, not reported. */
  private skipQuietly(): void {
    this.summary.skipped += 1;
  }
}

function describe(resolution: Resolution): string {
  switch (resolution.status) {
    case 'resolved':
      return `resolved to ${resolution.resource.resourceType}/${resolution.resource.id}`;
    case 'absent':
      return 'is missing';
    case 'ignored':
      return `${resolution.reference} not followed (${resolution.reason})`;
    case 'unresolved':
      return `dangling reference ${resolution.reference} (not in the input)`;
    case 'external':
      return `${resolution.reference} is outside the input (${resolution.reason})`;
  }
}

function kindRank(kind: string | undefined): number {
  return kind === 'plain' ? 0 : kind === 'html' ? 1 : 2;
}

function newRecord(patient: Patient | undefined): PatientRecord {
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
    for (const given of name.given ?? []) if (given?.trim()) nameParts.add(given.trim());
    if (typeof name.family === 'string' && name.family.trim()) nameParts.add(name.family.trim());
  }
  if (nameParts.size > 0) record.nameParts = [...nameParts];
  return record;
}

/** Sorts everything by time and fills each encounter's active conditions. */
function finishRecord(record: PatientRecord): void {
  record.encounters.sort((a, b) => compareTimes(a.start, b.start) || compareIds(a.id, b.id));
  record.conditions.sort((a, b) => compareTimes(a.onset ?? a.recorded, b.onset ?? b.recorded) || compareIds(a.id, b.id));
  record.procedures.sort((a, b) => compareTimes(a.date, b.date) || compareIds(a.id, b.id));
  record.notes.sort((a, b) => compareTimes(a.date, b.date) || compareIds(a.id, b.id));
  record.medications.sort((a, b) => compareTimes(a.authoredOn, b.authoredOn) || compareIds(a.id, b.id));
  record.allergies.sort((a, b) => compareTimes(a.recorded ?? a.onset, b.recorded ?? b.onset) || compareIds(a.id, b.id));

  // The patient-level lists are sorted, so grouping them keeps each encounter's lists in time order too.
  const diagnosed = groupByEncounter(record.conditions);
  const procedures = groupByEncounter(record.procedures);
  const notes = groupByEncounter(record.notes);
  const medications = groupByEncounter(record.medications);
  for (const view of record.encounters) {
    view.diagnosed = diagnosed.get(view.id) ?? [];
    view.procedures = procedures.get(view.id) ?? [];
    view.notes = notes.get(view.id) ?? [];
    view.medications = medications.get(view.id) ?? [];
    view.activeConditions = activeConditionsAt(record.conditions, view);
  }
}

function groupByEncounter<T extends { encounterId?: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    if (item.encounterId === undefined) continue;
    const group = groups.get(item.encounterId);
    if (group) group.push(item);
    else groups.set(item.encounterId, [item]);
  }
  return groups;
}

/**
 * Conditions active at the encounter's start: onset (else recorded date) at or before the start and not
 * abated before it, plus everything diagnosed in the encounter. A condition without any date counts only
 * while its clinicalStatus says active (it can then be placed in no time, so only the current status is
 * known); one that ended at an unknown time counts nowhere but where it was diagnosed.
 */
export function activeConditionsAt(conditions: readonly ConditionEntry[], view: EncounterView): ConditionEntry[] {
  const start = view.start ? Date.parse(view.start) : Number.NaN;
  return conditions.filter((condition) => {
    if (condition.encounterId === view.id) return true;
    if (Number.isNaN(start) || abatedWithoutDate.has(condition)) return false;
    const began = Date.parse(condition.onset ?? condition.recorded ?? '');
    if (Number.isNaN(began)) {
      return condition.clinicalStatus === 'active' || condition.clinicalStatus === 'recurrence' || condition.clinicalStatus === 'relapse';
    }
    if (began > start) return false;
    const ended = condition.abatement ? Date.parse(condition.abatement) : Number.NaN;
    return Number.isNaN(ended) || ended >= start;
  });
}

/** R4 CodeableConcept status or STU3 string status → the code. */
function statusCode(value: StatusValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  const code = value.coding?.find((coding) => coding.code)?.code;
  return code ?? value.text;
}

function conceptsOf(values: readonly CodeableConcept[] | undefined): Concept[] {
  const concepts: Concept[] = [];
  for (const value of values ?? []) {
    const concept = toConcept(value);
    if (concept) concepts.push(concept);
  }
  return concepts;
}

/** Undefined times sort last; unparseable ones too. */
function compareTimes(a: string | undefined, b: string | undefined): number {
  const ta = a ? Date.parse(a) : Number.NaN;
  const tb = b ? Date.parse(b) : Number.NaN;
  if (Number.isNaN(ta)) return Number.isNaN(tb) ? 0 : 1;
  if (Number.isNaN(tb)) return -1;
  return ta - tb;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Removes keys whose value is undefined, so records compare and serialise cleanly. */
function dropUndefined<T extends object>(value: T): void {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
}
