/**
 * Checks the SMART access token the app sends with its assessment request. The token was issued by the
 * EHR's authorization server for its FHIR server and is opaque to us: EHRs do not agree on a format.
 *
 * Where the EHR offers token introspection (`introspection_endpoint` in its SMART configuration), the token
 * must be active and issued for the patient asked about (./token-introspection.ts): that binds the token to
 * the patient. Where it offers none, the check reads `Patient/<id>` from the launch's `iss` with the token:
 * a 200 with that Patient proves the token is live and that the EHR lets it read this patient — the EHR's own
 * scoping is then what binds the token to the patient (an EHR whose FHIR server lets any token read any
 * patient is not protected by it; the README says so).
 *
 * The `iss` must be one of the configured FHIR servers (else anyone could vouch for their own tokens), no
 * request follows a redirect, and a success is remembered for a minute under a hash of the token (never the
 * token itself) so that a reload costs no round trip.
 */
import { createHash } from 'crypto';
import { introspect, introspectionSupport, type IntrospectionClient, type IntrospectionSupport } from './token-introspection';

export type TokenCheck = { ok: true } | { ok: false; reason: string };

export interface SmartTokenVerifierOptions {
  fhirServers: readonly string[];
  /** Client credentials for introspection endpoints that do not accept the token itself. */
  introspectionClient?: IntrospectionClient;
  timeoutMs?: number;
  cacheMs?: number;
  now?: () => number;
}

const MAX_CACHED = 1000;

function normalise(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

export class SmartTokenVerifier {
  private readonly servers: Set<string>;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly introspectionClient?: IntrospectionClient;
  /** Hash of (server, patient, token) → when the success expires. */
  private readonly verified = new Map<string, number>();
  /** Per server: what its SMART configuration said about introspection, and until when that is believed. */
  private readonly support = new Map<string, { support: IntrospectionSupport; until: number }>();

  constructor(options: SmartTokenVerifierOptions) {
    this.servers = new Set(options.fhirServers.map(normalise));
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.cacheMs = options.cacheMs ?? 60_000;
    this.now = options.now ?? Date.now;
    if (options.introspectionClient) this.introspectionClient = options.introspectionClient;
  }

  /** True when a token is required (FHIR servers are configured). */
  get enabled(): boolean {
    return this.servers.size > 0;
  }

  async verify(authorization: string | undefined, iss: string | undefined, patientId: string): Promise<TokenCheck> {
    const token = /^Bearer\s+([\x21-\x7e]{8,4096})$/i.exec(authorization ?? '')?.[1];
    if (!token) return { ok: false, reason: 'no bearer token' };
    const server = iss ? normalise(iss) : undefined;
    if (!server || !this.servers.has(server)) return { ok: false, reason: 'the launch iss is not a configured FHIR server' };
    const key = createHash('sha256').update(`${server}\n${patientId}\n${token}`).digest('hex');
    const until = this.verified.get(key);
    if (until !== undefined && until > this.now()) return { ok: true };
    const support = await this.introspectionOf(server);
    if ('unknown' in support) return { ok: false, reason: support.unknown };
    const check = support.offered
      ? await introspect(support.endpoint, token, patientId, this.introspectionClient, this.timeoutMs)
      : await this.readPatient(server, token, patientId);
    if (!check.ok) return check;
    if (this.verified.size >= MAX_CACHED) this.verified.clear();
    this.verified.set(key, this.now() + this.cacheMs);
    return { ok: true };
  }

  /** The server's introspection support, asked once every five minutes (an unknown answer is asked again). */
  private async introspectionOf(server: string): Promise<IntrospectionSupport> {
    const known = this.support.get(server);
    if (known && known.until > this.now()) return known.support;
    const support = await introspectionSupport(server, this.timeoutMs);
    if (!('unknown' in support)) this.support.set(server, { support, until: this.now() + 5 * 60_000 });
    return support;
  }

  /** Without introspection: the Patient read the app itself makes, with the token. */
  private async readPatient(server: string, token: string, patientId: string): Promise<TokenCheck> {
    let response: Response;
    try {
      response = await fetch(`${server}/Patient/${encodeURIComponent(patientId)}`, {
        headers: { accept: 'application/fhir+json', authorization: `Bearer ${token}` },
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      return { ok: false, reason: `the FHIR server could not be reached (${(error as Error).name})` };
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      return { ok: false, reason: `the FHIR server answered ${response.status} to the Patient read` };
    }
    const body = (await response.json().catch(() => undefined)) as { resourceType?: unknown; id?: unknown } | undefined;
    if (body?.resourceType !== 'Patient' || body.id !== patientId) return { ok: false, reason: 'the FHIR server returned another resource than the Patient' };
    return { ok: true };
  }
}
