/**
 * A stand-in for an EHR's FHIR R4 server (a system outside the product), on 127.0.0.1, serving shared Synthea
 * patients the way HAPI does by default: searches answer 20 entries per page with `total` and a `next` link
 * of the form `<base>?_getpages=<search id>&_getpagesoffset=20&_count=20`. What a real server may also do
 * is switchable per test: demand a bearer token, answer later pages slowly or with an error, or write next
 * links on another origin (a second listener here, so a test can see that nothing was sent to it).
 *
 * Read-only: GET metadata, `<Type>/<id>`, `<Type>?patient=…[&status=…][&encounter=…][&code=…][&date=ge…]
 * [&_sort=-date][&_count=…]` (also as POST `<Type>/_search`) and the paging links; CORS open, as the CDS Hooks
 * sandbox in a browser needs.
 */
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import express, { type Request, type Response } from 'express';
import type { Bundle, FhirResource } from 'fhir/r4';

export interface FhirStandInOptions {
  /** Every resource the server holds (patients' records, Medications, …), in the order searches return them. */
  resources: readonly FhirResource[];
  /** Entries per page (HAPI: 20). */
  pageSize?: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string;
}

/** Faults of later pages (the `_getpages` requests), switchable between tests. */
export interface PageFaults {
  /** Answer later pages after this long. */
  delayMs: number;
  /** Answer later pages with this HTTP status instead. */
  status?: number;
  /** Write next links on the other origin (see `otherOrigin`). */
  offOrigin: boolean;
}

export interface RequestSeen {
  method: string;
  /** Path and query. */
  url: string;
  authorization?: string;
}

export interface FhirStandIn {
  base: string;
  /** A second listener, the "other server" off-origin next links point to. */
  otherOrigin: string;
  faults: PageFaults;
  /** Requests this server saw. */
  readonly seen: RequestSeen[];
  /** Requests the other origin saw (none, if the token stays where it belongs). */
  readonly seenElsewhere: RequestSeen[];
  /** The first page of a search, exactly as the server answers it (what a client that prefetches page 1 sends). */
  firstPage(type: string, query: Record<string, string>): Bundle;
  close(): Promise<void>;
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

function referenceOf(value: unknown): string | undefined {
  const reference = (value as { reference?: unknown } | undefined)?.reference;
  return typeof reference === 'string' ? reference : undefined;
}

/** The clinical date a `date` search and `_sort=date` read (Observation: effective, else issued). */
function whenOf(resource: FhirResource): number {
  const r = resource as unknown as { effectiveDateTime?: string; issued?: string; authoredOn?: string };
  return Date.parse(r.effectiveDateTime ?? r.issued ?? r.authoredOn ?? '') || 0;
}

/** Whether a resource matches the search parameters the stand-in understands. */
function matches(resource: FhirResource, query: Record<string, string>): boolean {
  const r = resource as unknown as Record<string, unknown>;
  if (query.patient !== undefined) {
    const owner = resource.resourceType === 'Patient' ? `Patient/${resource.id}` : referenceOf(r.subject) ?? referenceOf(r.patient);
    if (owner !== `Patient/${query.patient.replace(/^Patient\//, '')}`) return false;
  }
  if (query.status !== undefined && !query.status.split(',').includes(String(r.status))) return false;
  if (query.code !== undefined) {
    // Token search: "system|code" or a bare code, comma-separated alternatives (the lab search sends LOINC codes).
    const codings = ((r.code as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? []).flatMap((c) => [`${c.system}|${c.code}`, String(c.code)]);
    if (!query.code.split(',').some((token) => codings.includes(token))) return false;
  }
  if (query.date !== undefined && /^ge/.test(query.date) && !(whenOf(resource) >= Date.parse(query.date.slice(2)))) return false;
  if (query.encounter !== undefined) {
    const context = r.context as { encounter?: unknown } | undefined;
    const encounters = [r.encounter, r.context, ...(Array.isArray(context?.encounter) ? context.encounter : [context?.encounter])].map(referenceOf);
    if (!encounters.includes(`Encounter/${query.encounter.replace(/^Encounter\//, '')}`)) return false;
  }
  return true;
}

const fhirJson = (res: Response, status: number, body: unknown): void => {
  res.status(status).type('application/fhir+json').send(JSON.stringify(body));
};

const outcome = (code: string, diagnostics: string): FhirResource => ({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] });

export async function startFhirStandIn(options: FhirStandInOptions): Promise<FhirStandIn> {
  const pageSize = options.pageSize ?? 20;
  const seen: RequestSeen[] = [];
  const seenElsewhere: RequestSeen[] = [];
  const faults: PageFaults = { delayMs: 0, offOrigin: false };

  const other = express();
  other.use((req, res) => {
    seenElsewhere.push({ method: req.method, url: req.originalUrl, ...(req.get('authorization') ? { authorization: req.get('authorization') } : {}) });
    fhirJson(res, 404, outcome('not-found', 'not this server'));
  });
  const otherServer = await listen(other);
  const otherOrigin = `http://127.0.0.1:${(otherServer.address() as AddressInfo).port}`;

  const app = express();
  app.disable('x-powered-by');
  const server = await listen(app);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;

  // A search id that is the search itself (as some servers do): a next link stays valid across restarts, so
  // captured requests (tests/fixtures/cds-hooks-sandbox) can be replayed against a fresh stand-in.
  const searchIdOf = (type: string, query: Record<string, string>): string => Buffer.from(JSON.stringify([type, query])).toString('base64url');
  const searchOf = (searchId: string): FhirResource[] | undefined => {
    try {
      const [type, query] = JSON.parse(Buffer.from(searchId, 'base64url').toString('utf8')) as [string, Record<string, string>];
      const found = options.resources.filter((r) => r.resourceType === type && matches(r, query));
      if (query._sort === '-date') found.sort((a, b) => whenOf(b) - whenOf(a));
      return found;
    } catch {
      return undefined;
    }
  };

  const page = (searchId: string, all: readonly FhirResource[], offset: number, count: number, self: string): Bundle => {
    const entries = all.slice(offset, offset + count);
    const origin = faults.offOrigin ? `${otherOrigin}/fhir` : base;
    const next = offset + count < all.length ? `${origin}?_getpages=${searchId}&_getpagesoffset=${offset + count}&_count=${count}&_bundletype=searchset` : undefined;
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: all.length,
      link: [{ relation: 'self', url: self }, ...(next ? [{ relation: 'next', url: next }] : [])],
      entry: entries.map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
    };
  };

  const search = (type: string, query: Record<string, string>): Bundle => {
    const kept = Object.fromEntries(Object.entries(query).filter(([name]) => name !== '_count'));
    const searchId = searchIdOf(type, kept);
    const count = Math.min(Math.max(Number(query._count) || pageSize, 1), pageSize);
    const params = new URLSearchParams(query).toString();
    return page(searchId, searchOf(searchId) ?? [], 0, count, `${base}/${type}${params ? `?${params}` : ''}`);
  };

  app.use((req, res, next) => {
    seen.push({ method: req.method, url: req.originalUrl, ...(req.get('authorization') ? { authorization: req.get('authorization') } : {}) });
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept');
    res.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    if (req.method === 'OPTIONS') return void res.status(204).end();
    if (options.token !== undefined && req.path !== '/fhir/metadata' && req.get('authorization') !== `Bearer ${options.token}`) {
      return void fhirJson(res, 401, outcome('login', 'a valid bearer token is required'));
    }
    next();
  });
  app.get('/fhir/metadata', (_req, res) => {
    fhirJson(res, 200, { resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1', format: ['json'], date: '2026-01-01' });
  });
  app.get('/fhir', async (req: Request, res: Response) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q._getpages) return void fhirJson(res, 400, outcome('invalid', 'no search'));
    if (faults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.delayMs).unref());
    if (faults.status !== undefined) return void fhirJson(res, faults.status, outcome('exception', 'the page could not be produced'));
    const all = searchOf(q._getpages);
    if (!all) return void fhirJson(res, 410, outcome('not-found', 'unknown search'));
    fhirJson(res, 200, page(q._getpages, all, Number(q._getpagesoffset) || 0, Math.min(Number(q._count) || pageSize, pageSize), `${base}${req.url.replace(/^\/fhir/, '')}`));
  });
  app.get('/fhir/:type/:id', (req, res) => {
    const found = options.resources.find((r) => r.resourceType === req.params.type && r.id === req.params.id);
    if (found) fhirJson(res, 200, found);
    else fhirJson(res, 404, outcome('not-found', `${req.params.type}/${req.params.id} is not known`));
  });
  const params = (source: unknown): Record<string, string> =>
    Object.fromEntries(Object.entries((source ?? {}) as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  app.get('/fhir/:type', (req, res) => fhirJson(res, 200, search(req.params.type, params(req.query))));
  // Search by POST (form parameters), which the CDS Hooks sandbox tries first.
  app.post('/fhir/:type/_search', express.urlencoded({ extended: false }), (req, res) => fhirJson(res, 200, search(req.params.type, { ...params(req.query), ...params(req.body) })));

  return {
    base,
    otherOrigin,
    faults,
    seen,
    seenElsewhere,
    firstPage: search,
    close: async () => {
      for (const s of [server, otherServer]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
