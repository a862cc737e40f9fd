/**
 * Following a search's `next` links on the request's FHIR server, for prefetched searches that arrived cut
 * short and for the fallback's own searches. The client's access token goes to the `fhirServer` origin and
 * nowhere else: a next link on another origin is not followed (fhir-kit-client's own nextPage would send the
 * token to whatever URL the server wrote). Pages are bounded, and the request's deadline stops the walk.
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import type * as FhirKit from 'fhir-kit-client';

export type FhirClient = InstanceType<typeof FhirKit.Client>;

export interface PageLimits {
  fhirServer: string;
  signal: AbortSignal;
  /** Most pages fetched after the first. */
  maxPages: number;
}

/** What following a search's pages gave: its further resources, and whether the search is now whole. */
export interface PagesResult {
  resources: FhirResource[];
  /** Why the search is still incomplete; absent when every page was read. */
  incomplete?: string;
}

/** "HTTP 500", "not answered within the request deadline", … (never the URL: it carries patient ids). */
export function failureText(error: unknown): string {
  const name = (error as { name?: string }).name;
  if (name === 'AbortError' || name === 'TimeoutError') return 'not answered within the request deadline';
  const status = (error as { response?: { status?: number }; status?: number }).response?.status ?? (error as { status?: number }).status;
  if (typeof status === 'number') return `HTTP ${status}`;
  const match = /^HTTP (\d{3})/.exec((error as Error).message ?? '');
  return match ? `HTTP ${match[1]}` : 'the server could not be reached';
}

/** The link resolved against the FHIR base, if it is on the base's origin (scheme, host and port). */
export function onServerOrigin(link: string, fhirServer: string): string | undefined {
  try {
    const base = new URL(fhirServer.endsWith('/') ? fhirServer : `${fhirServer}/`);
    const url = new URL(link, base);
    return url.origin === base.origin ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The resources of one page a search matched (`_include`d resources and OperationOutcomes too, but no outcome). */
export function pageResources(page: Bundle): FhirResource[] {
  const resources: FhirResource[] = [];
  for (const entry of page.entry ?? []) {
    if (entry.resource && typeof entry.resource.resourceType === 'string' && entry.resource.resourceType !== 'OperationOutcome') resources.push(entry.resource);
  }
  return resources;
}

/** Reads the pages after `first` (whose own entries the caller has), as long as limits allow. */
export async function followNextPages(client: FhirClient, first: Pick<Bundle, 'link'>, limits: PageLimits): Promise<PagesResult> {
  const resources: FhirResource[] = [];
  let page: Pick<Bundle, 'link'> = first;
  for (let fetched = 0; ; fetched++) {
    const next = page.link?.find((link) => link.relation === 'next')?.url;
    if (!next) return { resources };
    const url = onServerOrigin(next, limits.fhirServer);
    if (!url) return { resources, incomplete: 'the next page is on another server than the FHIR server of the request, so it was not fetched' };
    if (fetched >= limits.maxPages) return { resources, incomplete: `reading stopped after ${limits.maxPages} further pages` };
    if (limits.signal.aborted) return { resources, incomplete: 'the next page could not be read within the request deadline' };
    try {
      const only: Bundle = { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url }] };
      const bundle = (await client.nextPage({ bundle: only as unknown as Parameters<FhirClient['nextPage']>[0]['bundle'], options: { signal: limits.signal } })) as unknown as Bundle | undefined;
      if (!bundle || bundle.resourceType !== 'Bundle') return { resources, incomplete: 'the next page was not a search result' };
      resources.push(...pageResources(bundle));
      page = bundle;
    } catch (error) {
      return { resources, incomplete: `the next page could not be read (${failureText(error)})` };
    }
  }
}
