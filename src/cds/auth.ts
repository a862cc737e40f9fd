/**
 * CDS Client authentication (CDS Hooks 2.0 §Trusting CDS Clients): every call carries
 * `Authorization: Bearer <JWT>` signed by the client's private key.
 *
 * Accepted: RS384 or ES384 only (the spec's recommendation; `none` and HMAC are never accepted), a `kid` found
 * in the issuer's JWK Set (inline, or fetched from its `jwksUrl` or an allowlisted `jku` and cached; a `jku`
 * off the allowlist is never fetched, the configured keys are used instead), `iss` on
 * the allowlist, `aud` = the URL called or one of the issuer's configured audiences (Epic sets it by hand),
 * `exp` and `iat` within 60 s of our clock, and a `jti` not seen before while the token lives.
 * A failure is reported to the caller as one reason string for the log; the HTTP answer carries no detail.
 */
import { readFileSync } from 'fs';
import Ajv from 'ajv';
import type * as Jose from 'jose';
import { importEsm } from './esm-import';

export const ACCEPTED_ALGORITHMS = ['RS384', 'ES384'] as const;

export interface TrustedIssuer {
  iss: string;
  /** Inline JWK Set. */
  jwks?: { keys: Record<string, unknown>[] };
  /** Where the issuer publishes its JWK Set (fetched, cached). */
  jwksUrl?: string;
  /** Further `jku` header values accepted for this issuer (its `jwksUrl` always is). */
  allowedJku?: string[];
  /** Audiences accepted besides the URL called (e.g. the value an Epic administrator typed in). */
  audiences?: string[];
}

const issuerSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['iss'],
    additionalProperties: false,
    properties: {
      iss: { type: 'string', minLength: 1 },
      jwks: {
        type: 'object',
        required: ['keys'],
        properties: { keys: { type: 'array', items: { type: 'object', required: ['kty'] } } },
      },
      jwksUrl: { type: 'string', pattern: '^https?://' },
      allowedJku: { type: 'array', items: { type: 'string', pattern: '^https?://' } },
      audiences: { type: 'array', items: { type: 'string', minLength: 1 } },
    },
    anyOf: [{ required: ['jwks'] }, { required: ['jwksUrl'] }, { required: ['allowedJku'] }],
  },
};
const validateIssuers = new Ajv({ allErrors: true }).compile<TrustedIssuer[]>(issuerSchema);

function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Key URLs must be https (plain http only on this machine, for tests and side-cars). */
function checkKeyUrl(file: string, url: string): void {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && !isLoopback(parsed)) {
    throw new Error(`${file}: JWK Set URL ${url} must use https`);
  }
}

/** Reads and checks the trusted-issuer file (CDS_TRUSTED_ISSUERS_FILE). Throws with the file name on error. */
export function loadTrustedIssuers(file: string): TrustedIssuer[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read trusted issuers from ${file}: ${(error as Error).message}`);
  }
  if (!validateIssuers(parsed)) {
    const problems = (validateIssuers.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
    throw new Error(`${file}: not a list of trusted issuers: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  for (const issuer of parsed) {
    if (seen.has(issuer.iss)) throw new Error(`${file}: issuer ${issuer.iss} is listed twice`);
    seen.add(issuer.iss);
    for (const url of [issuer.jwksUrl, ...(issuer.allowedJku ?? [])]) if (url) checkKeyUrl(file, url);
  }
  return parsed;
}

export type AuthResult = { ok: true; iss: string; tenant?: string } | { ok: false; reason: string };

export interface AuthenticatorOptions {
  issuers: readonly TrustedIssuer[];
  /** Allowed clock difference for exp/iat, seconds. */
  clockSkewSeconds?: number;
  /** Tokens issued longer ago than this are refused; it also bounds how long a jti must be remembered. */
  maxTokenAgeSeconds?: number;
  /** Replay-cache bound of the default in-process memory: beyond it, calls are refused. */
  maxRememberedTokens?: number;
  /** Shared replay memory (the store); default: in this process. */
  replay?: ReplayMemory;
}

type KeySet = Parameters<typeof Jose.jwtVerify>[1];

/** Where the (iss, jti) of accepted tokens are remembered until they expire: in this process by default,
 * in the shared database when replicas run (src/store/replay.ts), so that a token replayed to another
 * replica is refused there too. */
export interface ReplayMemory {
  /** False when the key is remembered and live (a replay), or memory is full; otherwise remembers it. */
  remember(key: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
}

/** The in-process replay memory: bounded; beyond the bound, calls are refused rather than letting memory grow. */
export class MemoryReplayCache implements ReplayMemory {
  private readonly expiries = new Map<string, number>();
  constructor(private readonly limit: number) {}

  async remember(key: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    return this.rememberNow(key, expiresAtMs, nowMs);
  }

  rememberNow(key: string, expiresAtMs: number, nowMs: number): boolean {
    const known = this.expiries.get(key);
    if (known !== undefined && known > nowMs) return false;
    if (this.expiries.size >= this.limit) {
      for (const [k, expiry] of this.expiries) if (expiry <= nowMs) this.expiries.delete(k);
      if (this.expiries.size >= this.limit) return false;
    }
    this.expiries.set(key, expiresAtMs);
    return true;
  }
}

export class JwtAuthenticator {
  private readonly issuers: Map<string, TrustedIssuer>;
  private readonly skew: number;
  private readonly maxAge: number;
  private readonly replay: ReplayMemory;
  private readonly localSets = new Map<string, KeySet>();
  private readonly remoteSets = new Map<string, KeySet>();

  constructor(options: AuthenticatorOptions) {
    this.issuers = new Map(options.issuers.map((issuer) => [issuer.iss, issuer]));
    this.skew = options.clockSkewSeconds ?? 60;
    this.maxAge = options.maxTokenAgeSeconds ?? 3600;
    this.replay = options.replay ?? new MemoryReplayCache(options.maxRememberedTokens ?? 100_000);
  }

  get enabled(): boolean {
    return this.issuers.size > 0;
  }

  private async keySetFor(issuer: TrustedIssuer, jku: string | undefined, jose: typeof Jose): Promise<KeySet | string> {
    const remote = (url: string): KeySet => {
      let set = this.remoteSets.get(url);
      if (!set) {
        set = jose.createRemoteJWKSet(new URL(url), { timeoutDuration: 2000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
        this.remoteSets.set(url, set);
      }
      return set;
    };
    if (jku !== undefined && (jku === issuer.jwksUrl || (issuer.allowedJku ?? []).includes(jku))) return remote(jku);
    // A jku off the allowlist is never fetched (it is the token's own claim of where to find its key). Some
    // clients always send one (the CDS Hooks sandbox names its public JWKS even where the internet is out of
    // reach): the token is then verified with the issuer's configured keys only, and an unknown kid fails there.
    if (issuer.jwks) {
      let set = this.localSets.get(issuer.iss);
      if (!set) {
        set = jose.createLocalJWKSet(issuer.jwks as unknown as Jose.JSONWebKeySet);
        this.localSets.set(issuer.iss, set);
      }
      return set;
    }
    if (issuer.jwksUrl) return remote(issuer.jwksUrl);
    return jku !== undefined ? 'jku not on the allowlist and no configured keys' : 'issuer has no key source';
  }

  /** Verifies the Authorization header of a call to `calledUrl` (absolute, without query). */
  async verify(authorization: string | undefined, calledUrl: string, nowMs = Date.now()): Promise<AuthResult> {
    const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\s*$/i.exec(authorization ?? '');
    if (!match) return { ok: false, reason: 'no bearer JWT' };
    const token = match[1];
    if (token.length > 16_384) return { ok: false, reason: 'token too large' };
    const jose = await importEsm<typeof Jose>('jose');

    let header: Jose.ProtectedHeaderParameters;
    let unverified: Jose.JWTPayload;
    try {
      header = jose.decodeProtectedHeader(token);
      unverified = jose.decodeJwt(token);
    } catch {
      return { ok: false, reason: 'malformed JWT' };
    }
    if (!ACCEPTED_ALGORITHMS.includes(header.alg as (typeof ACCEPTED_ALGORITHMS)[number])) {
      return { ok: false, reason: `alg ${String(header.alg).slice(0, 16)} not accepted` };
    }
    if (typeof header.kid !== 'string' || header.kid.length === 0) return { ok: false, reason: 'no kid' };
    const issuer = typeof unverified.iss === 'string' ? this.issuers.get(unverified.iss) : undefined;
    if (!issuer) return { ok: false, reason: 'issuer not trusted' };
    const keySet = await this.keySetFor(issuer, typeof header.jku === 'string' ? header.jku : undefined, jose);
    if (typeof keySet === 'string') return { ok: false, reason: keySet };

    let payload: Jose.JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, keySet, {
        algorithms: [...ACCEPTED_ALGORITHMS],
        issuer: issuer.iss,
        audience: [calledUrl, ...(issuer.audiences ?? [])],
        clockTolerance: this.skew,
        maxTokenAge: this.maxAge,
        currentDate: new Date(nowMs),
        requiredClaims: ['iss', 'aud', 'exp', 'iat', 'jti'],
      }));
    } catch (error) {
      return { ok: false, reason: `verification failed (${(error as { code?: string }).code ?? 'error'})` };
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0) return { ok: false, reason: 'no jti' };
    // Past exp, or past iat + maxAge, the token is refused anyway: remember the jti until the earlier of both.
    const lastValidSeconds = Math.min(payload.exp as number, (payload.iat as number) + this.maxAge);
    const expiresAtMs = (lastValidSeconds + this.skew) * 1000;
    if (!(await this.replay.remember(`${issuer.iss}\u0000${payload.jti}`, expiresAtMs, nowMs))) {
      return { ok: false, reason: 'jti replayed' };
    }
    return { ok: true, iss: issuer.iss, ...(typeof payload.tenant === 'string' ? { tenant: payload.tenant } : {}) };
  }
}
