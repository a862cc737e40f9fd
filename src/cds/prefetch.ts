/**
 * Prefetch collection. EHRs configure their own prefetch keys (Epic never reads discovery), so every value is
 * read whatever its key: a Bundle of any type (searchset, collection, batch-response, nested), a single
 * resource, `null` (the client queried and found nothing) or an OperationOutcome (that query failed).
 *
 * Besides the resources, the result says which resource types the client demonstrably queried — a type with
 * resources, a searchset whose self link or key names the type (found empty, or holding only `_include`d
 * Medications: a patient whose orders all name their drug through Medication resources), or `null` under a key
 * whose type we can tell — so that the FHIR fallback fetches only what is really missing; and which searches
 * arrived cut short (a `next` link, a `total` above the entries), so that the rest can be fetched or the gap said.
 */
import type { Bundle, FhirResource, OperationOutcome } from 'fhir/r4';

/** Resource types the record and the safety checks are built from. */
export const CLINICAL_TYPES = [
  'Patient',
  'Encounter',
  'Condition',
  'Procedure',
  'DocumentReference',
  'MedicationRequest',
  'AllergyIntolerance',
  // Laboratory results the interaction checks read (contract B; only fhir-mappings/lab-codes.json's codes).
  'Observation',
] as const;
export type ClinicalType = (typeof CLINICAL_TYPES)[number];

export interface PrefetchFailure {
  key: string;
  diagnostics: string;
}

/** A search result that holds only part of what the server found (HAPI pages 20 per page by default). */
export interface TruncatedSearch {
  key: string;
  /** The searched type ("MedicationRequest"). */
  type: string;
  /** Entries of the searched type received. */
  received: number;
  /** The server's count of matches, when it gave one. */
  total?: number;
  /** The URL of the next page, when the server gave one. */
  next?: string;
}

/** "Condition?patient=1", "https://ehr/fhir/Condition?…", "Patient/1" → the resource type. */
export function typeOfQuery(query: string | undefined): string | undefined {
  if (!query) return undefined;
  const path = query.split('?')[0].replace(/\{\{[^}]*\}\}/g, 'x');
  const segments = path.split('/').filter((s) => s.length > 0);
  for (let i = segments.length - 1; i >= 0; i--) {
    if (/^[A-Z][A-Za-z]+$/.test(segments[i])) return segments[i];
  }
  return undefined;
}

/** The type an arbitrary client-chosen key most likely names ("conditions", "activeMeds", "allergies"…). */
const KEY_HINTS: [RegExp, ClinicalType][] = [
  [/allerg|intoleran/i, 'AllergyIntolerance'],
  [/med|rx|drug|prescri/i, 'MedicationRequest'],
  [/condition|problem|diagnos/i, 'Condition'],
  [/procedure/i, 'Procedure'],
  [/note|document/i, 'DocumentReference'],
  [/encounter|visit/i, 'Encounter'],
  [/patient/i, 'Patient'],
  [/lab|observation|result/i, 'Observation'],
];

function typeOfKey(key: string, templates: Record<string, string>): string | undefined {
  const fromTemplate = typeOfQuery(templates[key]);
  if (fromTemplate) return fromTemplate;
  return KEY_HINTS.find(([pattern]) => pattern.test(key))?.[1];
}

function isErrorOutcome(outcome: OperationOutcome): boolean {
  return (outcome.issue ?? []).some((issue) => issue.severity === 'error' || issue.severity === 'fatal');
}

function outcomeText(outcome: OperationOutcome): string {
  const texts = (outcome.issue ?? [])
    .map((issue) => issue.diagnostics ?? issue.details?.text ?? issue.code)
    .filter((text): text is string => typeof text === 'string' && text.length > 0);
  return texts.length > 0 ? texts.join('; ').slice(0, 300) : 'the prefetch query failed';
}

/**
 * The type a Bundle is the search result of: its self link's, else — for a searchset, or an empty Bundle of any
 * kind — its key's. A searchset under `medications` is the MedicationRequest search even when every entry is
 * an `_include`d Medication (the patient's orders are all elsewhere, or there are none); a non-empty collection
 * under a loose key may be anything.
 */
function searchedType(key: string, bundle: Bundle, templates: Record<string, string>): string | undefined {
  const fromSelf = typeOfQuery(bundle.link?.find((link) => link.relation === 'self')?.url);
  if (fromSelf && fromSelf !== 'Bundle') return fromSelf;
  if (bundle.type === 'searchset' || (bundle.entry ?? []).length === 0) return typeOfKey(key, templates);
  return undefined;
}

/** What a searchset holds of only part of its matches: a `next` link, or a `total` above the matches received. */
function truncation(key: string, bundle: Bundle, searched: string | undefined, template: string | undefined): TruncatedSearch | undefined {
  // Our own template that asks for a page size (the 20 most recent notes) wants only that page.
  if (bundle.type !== 'searchset' || (template !== undefined && /[?&]_count=/.test(template))) return undefined;
  const entries = (bundle.entry ?? []).filter((entry) => entry.resource && entry.resource.resourceType !== 'OperationOutcome' && entry.search?.mode !== 'outcome');
  const matches = entries.filter((entry) => entry.search?.mode !== 'include' && (searched === undefined || entry.resource?.resourceType === searched));
  const next = bundle.link?.find((link) => link.relation === 'next')?.url;
  const total = typeof bundle.total === 'number' && Number.isFinite(bundle.total) ? bundle.total : undefined;
  // `total` counts matches only, but a client that marks no search modes may have counted its includes too.
  const marked = entries.some((entry) => entry.search?.mode !== undefined);
  if (!next && (total === undefined || total <= (marked ? matches.length : entries.length))) return undefined;
  const type = searched ?? matches[0]?.resource?.resourceType;
  if (!type) return undefined;
  return { key, type, received: matches.length, ...(total !== undefined ? { total } : {}), ...(next ? { next } : {}) };
}

/**
 * The resources gathered for one request, from prefetch and then from the FHIR fallback, deduplicated by type
 * and id, and which types were queried. (STU3 shapes and resources of another patient are the record
 * assembler's business: src/fhir/record.ts.)
 */
export class ResourcePool {
  /** Types the client (or the fallback) queried, found or found empty. */
  readonly queried = new Set<string>();
  /** Prefetch values that were OperationOutcomes, error entries of a batch response, failed fallback queries. */
  readonly failures: PrefetchFailure[] = [];
  /** Searches that arrived cut short, in the order met. */
  readonly truncated: TruncatedSearch[] = [];
  private readonly byKey = new Map<string, FhirResource>();

  get resources(): FhirResource[] {
    return [...this.byKey.values()];
  }

  has(resourceType: string, id: string): boolean {
    return this.byKey.has(`${resourceType}/${id}`);
  }

  add(resource: FhirResource, options: { queried: boolean } = { queried: true }): void {
    if (options.queried) this.queried.add(resource.resourceType);
    const key = resource.id ? `${resource.resourceType}/${resource.id}` : `${resource.resourceType}#${this.byKey.size}`;
    if (!this.byKey.has(key)) this.byKey.set(key, resource);
  }

  /**
   * Adds every prefetch value. `templates` are the service's own discovery templates: they tell the type of a
   * `null` value under one of our keys; other keys are recognised by their wording.
   */
  addPrefetch(prefetch: Record<string, unknown> | undefined, templates: Record<string, string> = {}): void {
    for (const [key, value] of Object.entries(prefetch ?? {})) this.visit(key, value, 0, templates);
  }

  private visit(key: string, value: unknown, depth: number, templates: Record<string, string>): void {
    if (value === null) {
      const type = typeOfKey(key, templates);
      if (type) this.queried.add(type);
      return;
    }
    if (!value || typeof value !== 'object' || depth > 4) return;
    const resource = value as FhirResource;
    if (typeof resource.resourceType !== 'string') return;
    if (resource.resourceType === 'OperationOutcome') {
      if (depth === 0 || isErrorOutcome(resource)) this.failures.push({ key, diagnostics: outcomeText(resource) });
      return;
    }
    if (resource.resourceType !== 'Bundle') {
      this.add(resource);
      return;
    }
    const searched = searchedType(key, resource, templates);
    if (searched) this.queried.add(searched);
    const truncated = truncation(key, resource, searched, templates[key]);
    if (truncated) this.truncated.push(truncated);
    for (const entry of resource.entry ?? []) {
      const status = entry.response?.status;
      if (status && !/^2\d\d/.test(status.trim())) {
        this.failures.push({ key, diagnostics: `a batch entry failed with HTTP ${status.trim().slice(0, 3)}` });
        continue;
      }
      if (entry.resource) this.visit(key, entry.resource, depth + 1, templates);
    }
  }
}
