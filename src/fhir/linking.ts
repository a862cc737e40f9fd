/**
 * Linking during record assembly: which patient a resource belongs to, which encounter it was recorded in,
 * and following any other reference — with every outcome counted in the LoadSummary (resolved, unresolved,
 * external) and every resource that cannot be placed reported rather than guessed at.
 */
import type { Reference, Resource } from 'fhir/r4';
import type { ResourceOrigin } from './collect';
import { referencedId, ResourceIndex, type Resolution } from './references';
import { addIssue } from './summary';
import type { EncounterView, LoadIssue, LoadSummary, PatientRecord } from './types';

export interface EncounterSlot {
  record: PatientRecord;
  view: EncounterView;
}

const PATIENT = ['Patient'];
const ENCOUNTER = ['Encounter'];

export class RecordLinker {
  readonly index = new ResourceIndex();
  readonly records = new Map<string, PatientRecord>();
  readonly encounters = new Map<string, EncounterSlot>();
  /** Set when assembling one patient's record: the patient every resource is expected to belong to. */
  single: PatientRecord | undefined;

  constructor(
    readonly summary: LoadSummary,
    private readonly origins: ReadonlyMap<Resource, ResourceOrigin>,
  ) {}

  /** The record a resource belongs to, from its subject/patient reference; undefined (reported) if none. */
  ownerOf(resource: Resource, subject: Reference | undefined): PatientRecord | undefined {
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
  encounterOf(resource: Resource, reference: Reference | undefined, record: PatientRecord): EncounterSlot | undefined {
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
   * Resolves a reference; a dangling one is counted in `unresolvedReferences` and reported, one that points
   * outside the input in `externalReferences`. With `report` false the caller reports a dangling one (with
   * what it means for the resource).
   */
  follow(resource: Resource, reference: Reference | undefined, expectedTypes: readonly string[], element: string, report = true): Resolution {
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

  issue(resource: Resource, severity: LoadIssue['severity'], message: string): void {
    addIssue(this.summary, {
      severity,
      file: this.origins.get(resource)?.file,
      resourceType: resource.resourceType,
      resourceId: resource.id,
      message,
    });
  }

  skip(resource: Resource, severity: LoadIssue['severity'], message: string): void {
    this.summary.skipped += 1;
    this.issue(resource, severity, message);
  }

  /** Resources marked entered-in-error (or refuted) are not data: counted as skipped, not reported. */
  skipQuietly(): void {
    this.summary.skipped += 1;
  }
}

export function describe(resolution: Resolution): string {
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
