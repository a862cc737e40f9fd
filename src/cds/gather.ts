/**
 * The resources stage of a call: the draft orders, the prefetch, then the request's FHIR server for the types
 * the prefetch left out and for the rest of searches that arrived cut short (a `next` link, a `total` above
 * the entries: HAPI pages 20 per page). What is still missing or cut short afterwards is said per type
 * (`incomplete`, team contract F), so that no finding rests on the absence of data that was never read.
 *
 * The fallback gets at most half the deadline: the checks and the model need the rest.
 */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import { numberedDraftId } from './assessment';
import { fetchMissing } from './fhir-fallback';
import type { Logger } from './logger';
import { CLINICAL_TYPES, ResourcePool, type TruncatedSearch } from './prefetch';
import type { CdsRequest, HookContext, ServiceDefinition } from './types';

export interface GatherOptions {
  signal: AbortSignal;
  deadlineMs: number;
  /** The encounter known before gathering (the context's, else the drafts'): notes are per encounter. */
  encounterId?: string;
  logger: Logger;
  /** Told what the FHIR fallback did (metrics). */
  onFallback?: (result: { queries: number; failures: number }) => void;
}

export interface Gathered {
  pool: ResourcePool;
  /** The draft resources of the context, each with a subject and an id. */
  drafts: FhirResource[];
  /** Type → why its data may be incomplete (contract F; see Assessment.incomplete). */
  incomplete: Map<string, string>;
  /** Those of `incomplete` that were simply never sent nor fetched (no search was cut short or failed). */
  notSent: Set<string>;
}

function withSubject(resource: FhirResource, patientId: string, index: number): FhirResource {
  if (resource.resourceType !== 'MedicationRequest') return resource;
  const order: MedicationRequest = { ...resource };
  if (!order.subject || typeof order.subject !== 'object') order.subject = { reference: `Patient/${patientId}` };
  if (typeof order.id !== 'string' || order.id === '') order.id = numberedDraftId(index);
  return order;
}

/** `Medication/<id>` references of draft orders that nothing collected resolves. */
function unresolvedMedications(drafts: readonly FhirResource[], pool: ResourcePool): string[] {
  const ids = new Set<string>();
  for (const draft of drafts) {
    if (draft.resourceType !== 'MedicationRequest') continue;
    const reference = draft.medicationReference?.reference;
    const match = typeof reference === 'string' ? /(?:^|\/)Medication\/([^/#]+)$/.exec(reference) : null;
    if (match && !pool.has('Medication', match[1])) ids.add(match[1]);
  }
  return [...ids];
}

/** Every type the service reads for this call (notes only for a known encounter). */
function wantedTypes(encounterId: string | undefined): string[] {
  return CLINICAL_TYPES.filter((type) => type !== 'DocumentReference' || encounterId !== undefined);
}

/** "20 of 35 read" from the searches of one type that arrived cut short. */
function truncatedText(searches: readonly TruncatedSearch[]): string {
  const received = searches.reduce((sum, s) => sum + s.received, 0);
  const totals = searches.map((s) => s.total);
  const total = totals.every((t): t is number => t !== undefined) ? totals.reduce((sum, t) => sum + t, 0) : undefined;
  return total !== undefined ? `${received} of ${total} read` : `${received} read, more on the server`;
}

export async function gatherResources(service: ServiceDefinition, request: CdsRequest, context: HookContext, options: GatherOptions): Promise<Gathered> {
  const pool = new ResourcePool();
  const drafts = context.draftOrders.map((resource, i) => withSubject(resource, context.patientId, i));
  // Drafts say nothing about which of the patient's data the client queried (a draft bundle may carry Medications).
  for (const resource of drafts) pool.add(resource, { queried: false });
  pool.addPrefetch(request.prefetch, service.prefetch);

  const wanted = wantedTypes(options.encounterId);
  const missing = wanted.filter((type) => !pool.queried.has(type));
  const medicationIds = unresolvedMedications(drafts, pool);
  const truncated = pool.truncated.filter((search) => wanted.includes(search.type));
  const incomplete = new Map<string, string>();

  if (request.fhirServer && missing.length + medicationIds.length + truncated.length > 0) {
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(Math.max(1, Math.floor(options.deadlineMs / 2)))]);
    const fetched = await fetchMissing({
      fhirServer: request.fhirServer,
      accessToken: request.fhirAuthorization?.access_token,
      patientId: context.patientId,
      ...(options.encounterId ? { encounterId: options.encounterId } : {}),
      types: missing,
      medicationIds,
      truncated,
      signal,
    });
    options.onFallback?.({ queries: fetched.queries, failures: fetched.failures.length });
    for (const resource of fetched.resources) pool.add(resource);
    for (const type of fetched.fetched) pool.queried.add(type);
    pool.failures.push(...fetched.failures);
    // A draft's unreadable Medication is the unassessed-draft card's to name, not a gap in the patient's data.
    for (const [type, why] of fetched.partial) if (type !== 'Medication') incomplete.set(type, why);
    if (fetched.failures.length > 0) options.logger.warn('cds.fhir_fallback_failed', { service: service.id, failures: fetched.failures.map((f) => f.diagnostics) });
  } else {
    for (const type of new Set(truncated.map((search) => search.type))) {
      const searches = truncated.filter((search) => search.type === type);
      incomplete.set(type, `${truncatedText(searches)}; the request named no FHIR server to read the rest from`);
    }
  }
  const notSent = new Set<string>();
  for (const type of wanted) {
    if (pool.queried.has(type) || incomplete.has(type)) continue;
    notSent.add(type);
    incomplete.set(type, request.fhirServer ? 'not sent, and not obtained from the FHIR server' : 'not sent, and the request named no FHIR server to fetch it from');
  }
  return { pool, drafts, incomplete, notSent };
}
