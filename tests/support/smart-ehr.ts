/**
 * Stand-ins for an EHR's side of a SMART on FHIR launch, on 127.0.0.1 (each on its own port, so that the
 * browser sees three origins: the EHR's FHIR server, its authorization server, and the LAMO service):
 *
 * - an authorization server that behaves as a real one would for a public client: the client id must be
 *   registered, the redirect URI must be one registered for it (exact match, checked at /authorize and again
 *   at /token), PKCE S256 is required (code_challenge at /authorize, code_verifier at /token), codes are
 *   single-use and short-lived, `aud` must name the FHIR server, an EHR launch's `launch` must be one the EHR
 *   created; a standalone launch shows a patient picker. The token response carries the launch context
 *   (patient, encounter, appContext).
 * - a FHIR R4 server serving shared Synthea patients: SMART configuration, CapabilityStatement, Patient
 *   read and `?patient=` searches with paging, each only with a token granted for that patient — or, with
 *   `patientScoped: false`, with any live token, as the SMART App Launcher's FHIR proxy does.
 * - optionally RFC 7662 token introspection (`introspection_endpoint` in the SMART configuration), authorized
 *   by a live token of its own (as the SMART App Launcher) and/or by registered client credentials.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'crypto';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import express, { type Request, type Response } from 'express';
import type { Bundle, FhirResource, Patient } from 'fhir/r4';

export interface SmartEhrOptions {
  /** Patient id → every resource of the patient. */
  patients: ReadonlyMap<string, readonly FhirResource[]>;
  clients: { clientId: string; redirectUris: string[] }[];
  /** Whether a token reads only its own patient (default true). */
  patientScoped?: boolean;
  /** Token introspection, and who may call it: a live token itself, and/or these clients (HTTP Basic). */
  introspection?: { acceptsBearer: boolean; clients?: { clientId: string; clientSecret: string }[] };
}

export interface LaunchContext {
  patient: string;
  encounter?: string;
  appContext?: string;
}

export interface SmartEhr {
  fhirBase: string;
  authBase: string;
  /** What the EHR does before opening the app: registers a launch, returns its opaque id. */
  createLaunch(context: LaunchContext): string;
  /** A token as the EHR would issue it for `patient` (for API tests that skip the browser); none: a token without patient context. */
  issueToken(patient: string | undefined): string;
  /** Ends a token's life (introspection then says inactive). */
  revokeToken(token: string): void;
  /** Requests the stand-ins saw, for assertions ("GET /Patient/x", "POST /token"). */
  readonly log: string[];
  /** Rejections with their reason (redirect URI mismatch, PKCE failure …). */
  readonly rejections: string[];
  close(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  context: LaunchContext;
  expires: number;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

function cors(_req: Request, res: Response, next: () => void): void {
  res.set('Access-Control-Allow-Origin', '*');
  res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept');
  res.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  if (_req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startSmartEhr(options: SmartEhrOptions): Promise<SmartEhr> {
  const launches = new Map<string, LaunchContext>();
  const codes = new Map<string, PendingCode>();
  const tokens = new Map<string, { patient?: string; expires: number }>();
  const log: string[] = [];
  const rejections: string[] = [];
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const auth = express();
  const fhir = express();
  auth.disable('x-powered-by');
  fhir.disable('x-powered-by');
  auth.use((req, _res, next) => {
    log.push(`auth ${req.method} ${req.path}`);
    next();
  });
  fhir.use((req, _res, next) => {
    log.push(`fhir ${req.method} ${req.path}`);
    next();
  });
  const authServer = await listen(auth);
  const fhirServer = await listen(fhir);
  const authBase = `http://127.0.0.1:${(authServer.address() as AddressInfo).port}`;
  const fhirBase = `http://127.0.0.1:${(fhirServer.address() as AddressInfo).port}/fhir`;

  const newToken = (patient: string | undefined): string => {
    const token = b64url(randomBytes(32));
    tokens.set(token, { ...(patient !== undefined ? { patient } : {}), expires: Date.now() + 3600_000 });
    return token;
  };
  const live = (token: string | undefined) => {
    const grant = token ? tokens.get(token) : undefined;
    return grant && grant.expires > Date.now() ? grant : undefined;
  };

  // ---- authorization server ----
  const reject = (res: Response, why: string, redirect?: { uri: string; state?: string; error: string }): void => {
    rejections.push(why);
    if (!redirect) {
      // An unregistered client or redirect URI is never redirected to (RFC 6749 §4.1.2.1).
      res.status(400).type('text/plain').send(why);
      return;
    }
    const url = new URL(redirect.uri);
    url.searchParams.set('error', redirect.error);
    url.searchParams.set('error_description', why);
    if (redirect.state) url.searchParams.set('state', redirect.state);
    res.redirect(302, url.toString());
  };

  const issueCode = (res: Response, pending: PendingCode, state: string): void => {
    const code = b64url(randomBytes(24));
    codes.set(code, pending);
    const url = new URL(pending.redirectUri);
    url.searchParams.set('code', code);
    url.searchParams.set('state', state);
    res.redirect(302, url.toString());
  };

  auth.get(['/authorize', '/authorize/pick'], (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const client = options.clients.find((c) => c.clientId === q.client_id);
    if (!client) return reject(res, `unknown client_id ${q.client_id ?? ''}`);
    if (!q.redirect_uri || !client.redirectUris.includes(q.redirect_uri)) return reject(res, `redirect_uri not registered: ${q.redirect_uri ?? ''}`);
    const back = { uri: q.redirect_uri, ...(q.state ? { state: q.state } : {}) };
    if (q.response_type !== 'code') return reject(res, 'response_type must be code', { ...back, error: 'unsupported_response_type' });
    if (!q.state) return reject(res, 'state is required', { ...back, error: 'invalid_request' });
    if (q.code_challenge_method !== 'S256' || !q.code_challenge || !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge)) {
      return reject(res, 'PKCE S256 code_challenge required', { ...back, error: 'invalid_request' });
    }
    if (q.aud?.replace(/\/+$/, '') !== fhirBase) return reject(res, `aud is not this EHR's FHIR server: ${q.aud ?? ''}`, { ...back, error: 'invalid_request' });
    const scope = q.scope ?? '';
    const scopes = scope.split(/\s+/);
    const pending = (context: LaunchContext): PendingCode => ({ clientId: client.clientId, redirectUri: q.redirect_uri as string, challenge: q.code_challenge as string, scope, context, expires: Date.now() + 60_000 });
    if (q.launch !== undefined) {
      const context = launches.get(q.launch);
      if (!context || !scopes.includes('launch')) return reject(res, 'unknown launch, or scope without launch', { ...back, error: 'invalid_request' });
      return issueCode(res, pending(context), q.state);
    }
    if (!scopes.includes('launch/patient')) return reject(res, 'standalone launch needs launch/patient', { ...back, error: 'invalid_scope' });
    if (req.path === '/authorize/pick' && q.patient && options.patients.has(q.patient)) return issueCode(res, pending({ patient: q.patient }), q.state);
    // The patient picker: the user chooses; every authorization parameter travels on with the choice.
    const hidden = Object.entries(q)
      .filter(([name]) => name !== 'patient')
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(String(value ?? ''))}">`)
      .join('');
    const buttons = [...options.patients.entries()]
      .map(([id, resources]) => {
        const patient = resources.find((r): r is Patient => r.resourceType === 'Patient');
        const name = patient?.name?.[0];
        const label = `${[...(name?.given ?? []), name?.family].join(' ')} (${patient?.birthDate ?? ''})`;
        return `<button type="submit" name="patient" value="${escapeHtml(id)}">${escapeHtml(label)}</button>`;
      })
      .join('');
    res.type('html').send(`<!doctype html><html lang="en"><head><title>Select a patient</title></head><body><h1>Select a patient</h1><form method="get" action="/authorize/pick">${hidden}${buttons}</form></body></html>`);
  });

  auth.options('/token', cors);
  auth.post('/token', cors, express.urlencoded({ extended: false }), (req, res) => {
    const b = req.body as Record<string, string | undefined>;
    const fail = (why: string): void => {
      rejections.push(why);
      res.status(400).json({ error: 'invalid_grant', error_description: why });
    };
    if (b.grant_type !== 'authorization_code') return fail('grant_type must be authorization_code');
    const pending = b.code ? codes.get(b.code) : undefined;
    if (b.code) codes.delete(b.code);
    if (!pending || pending.expires < Date.now()) return fail('unknown, used or expired code');
    if (b.client_id !== pending.clientId) return fail('client_id does not match the code');
    if (b.redirect_uri !== pending.redirectUri) return fail('redirect_uri does not match the authorization request');
    if (!b.code_verifier || b64url(createHash('sha256').update(b.code_verifier).digest()) !== pending.challenge) return fail('PKCE code_verifier does not match');
    const { context } = pending;
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
    const claims = b64url(JSON.stringify({ iss: authBase, sub: 'practitioner-1', aud: pending.clientId, iat: now, exp: now + 300, fhirUser: `${fhirBase}/Practitioner/practitioner-1` }));
    const idToken = `${header}.${claims}.${b64url(sign('sha256', Buffer.from(`${header}.${claims}`), privateKey))}`;
    res.set('Cache-Control', 'no-store').json({
      access_token: newToken(context.patient),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: pending.scope,
      patient: context.patient,
      ...(context.encounter ? { encounter: context.encounter } : {}),
      ...(context.appContext ? { appContext: context.appContext } : {}),
      ...(pending.scope.split(/\s+/).includes('openid') ? { id_token: idToken } : {}),
    });
  });

  // ---- token introspection (RFC 7662) ----
  const introspection = options.introspection;
  if (introspection) {
    auth.post('/introspect', express.urlencoded({ extended: false }), (req, res) => {
      const authorization = req.get('authorization') ?? '';
      const bearer = /^Bearer (.+)$/.exec(authorization)?.[1];
      const basic = /^Basic (.+)$/.exec(authorization)?.[1];
      const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent) : [];
      const allowed = (introspection.acceptsBearer && live(bearer) !== undefined) || (introspection.clients ?? []).some((c) => c.clientId === id && c.clientSecret === secret);
      if (!allowed) {
        rejections.push('introspection caller not authorized');
        return void res.status(401).json({ error: 'invalid_client' });
      }
      const grant = live((req.body as Record<string, string | undefined>).token);
      res.set('Cache-Control', 'no-store').json(grant ? { active: true, scope: 'launch patient/*.read', exp: Math.floor(grant.expires / 1000), ...(grant.patient ? { patient: grant.patient } : {}) } : { active: false });
    });
  }

  // ---- FHIR server ----
  fhir.use(cors);
  fhir.get('/fhir/.well-known/smart-configuration', (_req, res) => {
    res.json({
      issuer: authBase,
      authorization_endpoint: `${authBase}/authorize`,
      token_endpoint: `${authBase}/token`,
      token_endpoint_auth_methods_supported: ['none'],
      grant_types_supported: ['authorization_code'],
      scopes_supported: ['openid', 'fhirUser', 'launch', 'launch/patient', 'patient/*.read', 'patient/*.rs'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      capabilities: ['launch-ehr', 'launch-standalone', 'client-public', 'context-ehr-patient', 'context-standalone-patient', 'permission-patient', 'sso-openid-connect'],
      ...(introspection ? { introspection_endpoint: `${authBase}/introspect` } : {}),
    });
  });
  fhir.get('/fhir/metadata', (_req, res) => {
    res.type('application/fhir+json').json({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1', format: ['json'], date: '2026-01-01' });
  });
  const granted = (req: Request, res: Response, patient: string | undefined): boolean => {
    const grant = live(/^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1]);
    if (!grant) {
      res.status(401).end();
      return false;
    }
    if (options.patientScoped !== false && grant.patient !== patient) {
      res.status(403).type('application/fhir+json').json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden' }] });
      return false;
    }
    return true;
  };
  fhir.get('/fhir/Patient/:id', (req, res) => {
    if (!granted(req, res, req.params.id)) return;
    const patient = options.patients.get(req.params.id)?.find((r) => r.resourceType === 'Patient');
    if (!patient) return void res.status(404).end();
    res.type('application/fhir+json').json(patient);
  });
  fhir.get('/fhir/:type', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (!granted(req, res, q.patient)) return;
    const all = (options.patients.get(q.patient as string) ?? []).filter((r) => r.resourceType === req.params.type);
    const count = Math.min(Math.max(Number(q._count) || 50, 1), 200);
    const offset = Math.max(Number(q._offset) || 0, 0);
    const page = all.slice(offset, offset + count);
    const self = `${fhirBase}/${req.params.type}?patient=${q.patient}&_count=${count}`;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: all.length,
      link: [
        { relation: 'self', url: `${self}&_offset=${offset}` },
        ...(offset + count < all.length ? [{ relation: 'next', url: `${self}&_offset=${offset + count}` }] : []),
      ],
      entry: page.map((resource) => ({ fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
    };
    res.type('application/fhir+json').json(bundle);
  });

  return {
    fhirBase,
    authBase,
    createLaunch(context) {
      const id = b64url(randomBytes(12));
      launches.set(id, context);
      return id;
    },
    issueToken: newToken,
    revokeToken: (token) => void tokens.delete(token),
    log,
    rejections,
    close: async () => {
      for (const server of [authServer, fhirServer]) {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
      }
    },
  };
}
