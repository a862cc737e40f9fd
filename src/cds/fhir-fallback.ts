/**
 * FHIR-server fallback: when prefetch left a resource type out and the request names a `fhirServer`, fetch
 * it with fhir-kit-client using `fhirAuthorization.access_token`, inside the request's deadline.
 *
 * The access token is handed to the client and to nothing else: it is never logged, never put in an error
 * message, never stored. Failures are reported per query as "<type>: HTTP <status>" (the URLs carry patient
 * ids, so they are not reported either).
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import type * as FhirKit from 'fhir-kit-client';
import { importEsm } from './esm-import';
import type { PrefetchFailure } from './prefetch';

export interface FallbackRequest {
  fhirServer: string;
  accessToken?: string;
  patientId: string;
  encounterId?: string;
  /** Resource types to fetch (from CLINICAL_TYPES). */
  types: readonly string[];
  /** `Medication/<id>` references of draft orders that no collected resource resolves. */
  medicationIds: readonly string[];
  signal: AbortSignal;
  /** Pages followed per search (each `_count` entries) before stopping. */
  maxPages?: number;
}

export interface FallbackResult {
  resources: FhirResource[];
  /** Types whose query answered (with or without results). */
  fetched: Set<string>;
  failures: PrefetchFailure[];
}

const PAGE_SIZE = 100;

type Client = InstanceType<typeof FhirKit.Client>;

function statusOf(error: unknown): string {
  if ((error as { name?: string }).name === 'AbortError' || (error as { name?: string }).name === 'TimeoutError') {
    return 'not answered within the request deadline';
  }
  const status = (error as { response?: { status?: number }; status?: number }).response?.status ?? (error as { status?: number }).status;
  if (typeof status === 'number') return `HTTP ${status}`;
  const match = /^HTTP (\d{3})/.exec((error as Error).message ?? '');
  return match ? `HTTP ${match[1]}` : 'the server could not be reached';
}

async function searchAll(client: Client, resourceType: string, searchParams: Record<string, string | number>, request: FallbackRequest): Promise<FhirResource[]> {
  const options = { signal: request.signal };
  let page = (await client.search({ resourceType, searchParams: { ...searchParams, _count: PAGE_SIZE }, options })) as unknown as Bundle;
  const resources: FhirResource[] = [];
  for (let pages = 1; ; pages++) {
    for (const entry of page.entry ?? []) {
      // A searchset may carry OperationOutcomes (search.mode "outcome") and `_include`d resources.
      if (entry.resource && entry.resource.resourceType !== 'OperationOutcome') resources.push(entry.resource);
    }
    const hasNext = (page.link ?? []).some((link) => link.relation === 'next');
    if (!hasNext || pages >= (request.maxPages ?? 5) || request.signal.aborted) break;
    const next = client.nextPage({ bundle: page as unknown as Parameters<Client["nextPage"]>[0]["bundle"], options });
    if (!next) break;
    page = (await next) as unknown as Bundle;
  }
  return resources;
}

/** The queries that fill `type` for one patient (and encounter, where the type is per encounter). */
function queriesFor(type: string, request: FallbackRequest): ((client: Client) => Promise<FhirResource[]>)[] {
  const patient = request.patientId;
  const options = { signal: request.signal };
  switch (type) {
    case 'Patient':
      return [async (client) => [(await client.read({ resourceType: 'Patient', id: patient, options })) as unknown as FhirResource]];
    case 'Encounter': {
      const queries: ((client: Client) => Promise<FhirResource[]>)[] = [(client) => searchAll(client, 'Encounter', { patient }, request)];
      if (request.encounterId) {
        const id = request.encounterId;
        queries.push(async (client) => [(await client.read({ resourceType: 'Encounter', id, options })) as unknown as FhirResource]);
      }
      return queries;
    }
    case 'DocumentReference':
      return [(client) => searchAll(client, 'DocumentReference', request.encounterId ? { patient, encounter: request.encounterId } : { patient }, request)];
    default:
      return [(client) => searchAll(client, type, { patient }, request)];
  }
}

export async function fetchMissing(request: FallbackRequest): Promise<FallbackResult> {
  const { Client } = await importEsm<typeof FhirKit>('fhir-kit-client');
  const client = new Client({
    baseUrl: request.fhirServer,
    customHeaders: { Accept: 'application/fhir+json' },
    ...(request.accessToken ? { bearerToken: request.accessToken } : {}),
  });

  const jobs: { type: string; run: Promise<FhirResource[]> }[] = [];
  for (const type of request.types) {
    for (const query of queriesFor(type, request)) jobs.push({ type, run: query(client) });
  }
  for (const id of request.medicationIds) {
    const options = { signal: request.signal };
    jobs.push({ type: 'Medication', run: client.read({ resourceType: 'Medication', id, options }).then((m) => [m as unknown as FhirResource]) });
  }

  const settled = await Promise.allSettled(jobs.map((job) => job.run));
  const result: FallbackResult = { resources: [], fetched: new Set(), failures: [] };
  settled.forEach((outcome, i) => {
    const { type } = jobs[i];
    if (outcome.status === 'fulfilled') {
      result.fetched.add(type);
      result.resources.push(...outcome.value.filter((r) => r && typeof r.resourceType === 'string'));
    } else {
      result.failures.push({ key: `fhirServer:${type}`, diagnostics: `${type}: ${statusOf(outcome.reason)}` });
    }
  });
  return result;
}
