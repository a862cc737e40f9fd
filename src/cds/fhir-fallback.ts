/**
 * FHIR-server fallback: when prefetch left a resource type out and the request names a `fhirServer`, fetch
 * it with fhir-kit-client using `fhirAuthorization.access_token`, inside the request's deadline; and when a
 * prefetched search arrived cut short (a `next` link, a `total` above its entries), read the rest. Every
 * search follows its next pages, bounded (src/cds/paging.ts, which also keeps the token on the server's
 * origin); what stays incomplete is reported per type, so that the cards can say so.
 *
 * The access token is handed to the client and to nothing else: it is never logged, never put in an error
 * message, never stored. Failures are reported per query as "<type>: HTTP <status>" (the URLs carry patient
 * ids, so they are not reported either).
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import type * as FhirKit from 'fhir-kit-client';
import { labCodeSearch, labLookbackStart } from '../fhir/labs';
import { importEsm } from './esm-import';
import { failureText, followNextPages, pageResources, type FhirClient, type PageLimits, type PagesResult } from './paging';
import type { PrefetchFailure, TruncatedSearch } from './prefetch';

export interface FallbackRequest {
  fhirServer: string;
  accessToken?: string;
  patientId: string;
  encounterId?: string;
  /** Resource types to fetch (from CLINICAL_TYPES). */
  types: readonly string[];
  /** `Medication/<id>` references of draft orders that no collected resource resolves. */
  medicationIds: readonly string[];
  /** Prefetched searches that arrived cut short: their next pages are read (or, without a next link, the type is searched again). */
  truncated?: readonly TruncatedSearch[];
  signal: AbortSignal;
  /** Pages read per search after the first before stopping (the search is then reported incomplete). */
  maxPages?: number;
}

export interface FallbackResult {
  resources: FhirResource[];
  /** Types whose query answered (with or without results). */
  fetched: Set<string>;
  failures: PrefetchFailure[];
  /** Types whose data is still incomplete after this (a search cut short, a page that failed) → why. */
  partial: Map<string, string>;
  /** HTTP requests started (first pages and reads; further pages not counted). */
  queries: number;
}

const PAGE_SIZE = 100;
const MAX_PAGES = 20;

type Query = (client: FhirClient) => Promise<PagesResult>;

function limitsOf(request: FallbackRequest): PageLimits {
  return { fhirServer: request.fhirServer, signal: request.signal, maxPages: request.maxPages ?? MAX_PAGES };
}

/** "20 of 35 read", or "20 read, more on the server" when the server gave no total. */
function countText(read: number, total: number | undefined): string {
  return total !== undefined ? `${read} of ${total} read` : `${read} read, more on the server`;
}

async function searchAll(client: FhirClient, resourceType: string, searchParams: Record<string, string | number>, request: FallbackRequest): Promise<PagesResult> {
  const first = (await client.search({ resourceType, searchParams: { ...searchParams, _count: PAGE_SIZE }, options: { signal: request.signal } })) as unknown as Bundle;
  const rest = await followNextPages(client, first, limitsOf(request));
  const resources = [...pageResources(first), ...rest.resources];
  if (!rest.incomplete) return { resources };
  const read = resources.filter((r) => r.resourceType === resourceType).length;
  return { resources, incomplete: `${countText(read, typeof first.total === 'number' ? first.total : undefined)}; ${rest.incomplete}` };
}

/** A patient search of `type`; Observations only the lab table's codes, from the lab table's look-back, newest first. */
function patientSearch(type: string, patient: string): Record<string, string> {
  return type === 'Observation' ? { patient, code: labCodeSearch(), date: `ge${labLookbackStart()}`, _sort: '-date' } : { patient };
}

const read = (type: string, id: string, request: FallbackRequest): Query => async (client) => ({
  resources: [(await client.read({ resourceType: type, id, options: { signal: request.signal } })) as unknown as FhirResource],
});

/** The queries that fill `type` for one patient (and encounter, where the type is per encounter). */
function queriesFor(type: string, request: FallbackRequest): Query[] {
  const patient = request.patientId;
  switch (type) {
    case 'Patient':
      return [read('Patient', patient, request)];
    case 'Encounter':
      return [(client) => searchAll(client, 'Encounter', { patient }, request), ...(request.encounterId ? [read('Encounter', request.encounterId, request)] : [])];
    case 'DocumentReference':
      return [(client) => searchAll(client, 'DocumentReference', request.encounterId ? { patient, encounter: request.encounterId } : { patient }, request)];
    default:
      return [(client) => searchAll(client, type, patientSearch(type, patient), request)];
  }
}

/** The rest of a prefetched search: its next pages, or (no next link, a total above the entries) the search again. */
function completion(search: TruncatedSearch, request: FallbackRequest): Query {
  return async (client) => {
    if (!search.next) {
      try {
        return await searchAll(client, search.type, patientSearch(search.type, request.patientId), request);
      } catch (error) {
        return { resources: [], incomplete: `${countText(search.received, search.total)}; the search could not be repeated on the FHIR server (${failureText(error)})` };
      }
    }
    const rest = await followNextPages(client, { link: [{ relation: 'next', url: search.next }] }, limitsOf(request));
    return rest.incomplete ? { ...rest, incomplete: `${countText(search.received + rest.resources.length, search.total)}; ${rest.incomplete}` } : rest;
  };
}

export async function fetchMissing(request: FallbackRequest): Promise<FallbackResult> {
  const { Client } = await importEsm<typeof FhirKit>('fhir-kit-client');
  const client = new Client({
    baseUrl: request.fhirServer,
    customHeaders: { Accept: 'application/fhir+json' },
    ...(request.accessToken ? { bearerToken: request.accessToken } : {}),
  });

  const jobs: { type: string; run: Query }[] = [];
  for (const type of request.types) {
    for (const query of queriesFor(type, request)) jobs.push({ type, run: query });
  }
  for (const id of request.medicationIds) jobs.push({ type: 'Medication', run: read('Medication', id, request) });
  for (const search of request.truncated ?? []) jobs.push({ type: search.type, run: completion(search, request) });

  const settled = await Promise.allSettled(jobs.map((job) => job.run(client)));
  const result: FallbackResult = { resources: [], fetched: new Set(), failures: [], partial: new Map(), queries: jobs.length };
  settled.forEach((outcome, i) => {
    const { type } = jobs[i];
    if (outcome.status === 'fulfilled') {
      result.fetched.add(type);
      result.resources.push(...outcome.value.resources.filter((r) => r && typeof r.resourceType === 'string'));
      if (outcome.value.incomplete) result.partial.set(type, outcome.value.incomplete);
    } else {
      const why = failureText(outcome.reason);
      result.failures.push({ key: `fhirServer:${type}`, diagnostics: `${type}: ${why}` });
      result.partial.set(type, `could not be fetched from the FHIR server (${why})`);
    }
  });
  return result;
}
