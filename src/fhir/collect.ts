/**
 * Turns parsed JSON (a Bundle, a single resource, an array of them) into the flat list of resources a
 * PatientRecord needs, counting everything read and reporting what cannot be used.
 */
import { createHash } from 'crypto';
import type { Bundle, Resource } from 'fhir/r4';
import { isNeededObservation } from './labs';
import { KNOWN_RESOURCE_TYPES, RECORD_RESOURCE_TYPES } from './resource-types';
import { addIssue } from './summary';
import type { LoadSummary } from './types';

/** Where a resource came from: the file (and NDJSON line) and, inside a Bundle, the entry's fullUrl. */
export interface ResourceOrigin {
  file?: string;
  line?: number;
  fullUrl?: string;
}

export interface CollectOptions {
  /** Resource types to keep; 'all' keeps every known type. Default: the types a PatientRecord needs. */
  keepTypes?: ReadonlySet<string> | 'all';
}

export class ResourceCollector {
  readonly resources: Resource[] = [];
  readonly origins = new Map<Resource, ResourceOrigin>();
  private readonly keepTypes: ReadonlySet<string> | 'all';
  /** Synthetic ids handed out so far, so two identical id-less resources still get distinct ids. */
  private readonly syntheticIds = new Set<string>();

  constructor(
    readonly summary: LoadSummary,
    options: CollectOptions = {},
  ) {
    this.keepTypes = options.keepTypes ?? RECORD_RESOURCE_TYPES;
    summary.dropped ??= 0;
  }

  /** Adds whatever one parsed JSON value holds. */
  add(value: unknown, origin: ResourceOrigin = {}): void {
    if (Array.isArray(value)) {
      for (const item of value) this.add(item, origin);
      return;
    }
    if (typeof value !== 'object' || value === null) {
      this.skip(origin, undefined, undefined, `not a FHIR resource (a JSON ${value === null ? 'null' : typeof value})`);
      return;
    }
    const resourceType: unknown = (value as { resourceType?: unknown }).resourceType;
    if (typeof resourceType !== 'string' || !resourceType) {
      this.skip(origin, undefined, idOf(value), 'not a FHIR resource: no resourceType');
      return;
    }
    if (resourceType === 'Bundle') {
      this.addBundle(value as Bundle, origin);
      return;
    }

    const resource = value as Resource;
    this.summary.resources += 1;
    this.summary.byType[resourceType] = (this.summary.byType[resourceType] ?? 0) + 1;

    if (!KNOWN_RESOURCE_TYPES.has(resourceType)) {
      this.skip(origin, resourceType, idOf(value), `unknown resource type '${resourceType}'`, 'warning');
      return;
    }
    if (this.keepTypes !== 'all' && (!this.keepTypes.has(resourceType) || (resourceType === 'Observation' && !isNeededObservation(resource)))) {
      // Not needed for a PatientRecord (of Observations, only the lab table's): counted above, dropped now so
      // its memory can be reclaimed.
      this.summary.dropped = (this.summary.dropped ?? 0) + 1;
      return;
    }
    const withId = this.ensureId(resource, origin);
    this.resources.push(withId);
    this.origins.set(withId, origin);
  }

  private addBundle(bundle: Bundle, origin: ResourceOrigin): void {
    const entries: unknown = bundle.entry;
    if (entries === undefined) return;
    if (!Array.isArray(entries)) {
      this.skip(origin, 'Bundle', bundle.id, 'Bundle.entry is not an array');
      return;
    }
    for (const entry of entries as unknown[]) {
      if (typeof entry !== 'object' || entry === null) continue;
      const { resource, fullUrl } = entry as { resource?: unknown; fullUrl?: unknown };
      // Entries without a resource (e.g. a transaction DELETE) carry nothing to load.
      if (resource === undefined) continue;
      const entryOrigin: ResourceOrigin = { ...origin };
      if (typeof fullUrl === 'string' && fullUrl.trim()) entryOrigin.fullUrl = fullUrl.trim();
      else delete entryOrigin.fullUrl;
      this.add(resource, entryOrigin);
    }
  }

  /**
   * Every kept resource needs an id (entries, links and cards name it). A transaction entry may omit it and
   * be known only by its fullUrl; then the id is taken from the fullUrl, on a copy, with a warning. A
   * resource with neither (Synthea STU3 Procedures, Immunizations, CarePlans, AllergyIntolerances) still
   * belongs to its patient through subject/patient: it is kept under a synthetic id derived from its
   * content, so the same input always gives the same id.
   */
  private ensureId(resource: Resource, origin: ResourceOrigin): Resource {
    if (typeof resource.id === 'string' && resource.id.trim()) return resource;
    const fromFullUrl = origin.fullUrl ? idFromFullUrl(origin.fullUrl) : undefined;
    if (fromFullUrl) {
      addIssue(this.summary, {
        severity: 'warning',
        file: origin.file,
        resourceType: resource.resourceType,
        resourceId: fromFullUrl,
        message: `resource has no id; using the id from its fullUrl ${origin.fullUrl}`,
      });
      return { ...resource, id: fromFullUrl };
    }
    this.summary.syntheticIds = (this.summary.syntheticIds ?? 0) + 1;
    return { ...resource, id: this.syntheticId(resource) };
  }

  private syntheticId(resource: Resource): string {
    const base = `synthetic-${createHash('sha256').update(JSON.stringify(resource)).digest('hex').slice(0, 24)}`;
    let id = base;
    for (let copy = 2; this.syntheticIds.has(`${resource.resourceType}/${id}`); copy += 1) id = `${base}-${copy}`;
    this.syntheticIds.add(`${resource.resourceType}/${id}`);
    return id;
  }

  private skip(
    origin: ResourceOrigin,
    resourceType: string | undefined,
    resourceId: string | undefined,
    message: string,
    severity: 'error' | 'warning' = 'error',
  ): void {
    this.summary.skipped += 1;
    addIssue(this.summary, {
      severity,
      file: origin.file,
      resourceType,
      resourceId,
      message: `${message}${at(origin)}`,
    });
  }
}

function idOf(value: object): string | undefined {
  const id: unknown = (value as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

function at(origin: ResourceOrigin): string {
  return origin.line !== undefined ? ` (line ${origin.line})` : '';
}

function idFromFullUrl(fullUrl: string): string | undefined {
  const uuid = /^urn:(?:uuid|oid):(.+)$/i.exec(fullUrl);
  if (uuid) return uuid[1];
  const literal = /\/[A-Z][A-Za-z]+\/([A-Za-z0-9\-.]+)$/.exec(fullUrl);
  return literal?.[1];
}
