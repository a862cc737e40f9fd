/**
 * Prefetch collection. EHRs configure their own prefetch keys (Epic never reads discovery), so every value is
 * read whatever its key: a Bundle of any type (searchset, collection, batch-response, nested), a single
 * resource, `null` (the client queried and found nothing) or an OperationOutcome (that query failed).
 *
 * Besides the resources, the result says which resource types the client demonstrably queried — a type with
 * resources, an empty searchset whose self link names the type, or `null` under a key whose type we can tell —
 * so that the FHIR fallback fetches only what is really missing.
 */
import type { FhirResource, OperationOutcome } from 'fhir/r4';

/** Resource types the record and the safety checks are built from. */
export const CLINICAL_TYPES = [
  'Patient',
  'Encounter',
  'Condition',
  'Procedure',
  'DocumentReference',
  'MedicationRequest',
  'AllergyIntolerance',
] as const;
export type ClinicalType = (typeof CLINICAL_TYPES)[number];

export interface PrefetchFailure {
  key: string;
  diagnostics: string;
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
 * The resources gathered for one request, from prefetch and then from the FHIR fallback, deduplicated by type
 * and id, and which types were queried. (STU3 shapes and resources of another patient are the record
 * assembler's business: src/fhir/record.ts.)
 */
export class ResourcePool {
  /** Types the client (or the fallback) queried, found or found empty. */
  readonly queried = new Set<string>();
  /** Prefetch values that were OperationOutcomes, error entries of a batch response, failed fallback queries. */
  readonly failures: PrefetchFailure[] = [];
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
    // An empty search result still says "queried, nothing found": its self link, else its key, tells the type.
    const empty = (resource.entry ?? []).length === 0;
    const selfType = typeOfQuery(resource.link?.find((link) => link.relation === 'self')?.url) ?? (empty ? typeOfKey(key, templates) : undefined);
    if (selfType && selfType !== 'Bundle') this.queried.add(selfType);
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
