/**
 * JWT accept/reject matrix (CDS Hooks 2.0 §Trusting CDS Clients). Keys are made here; tokens are signed with
 * node:crypto directly, so the test does not share code with the service's own (jose-based) verification.
 */
import { createHmac, generateKeyPairSync, randomUUID, sign as cryptoSign, type KeyObject } from 'crypto';
import * as fs from 'fs';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import express from 'express';
import { call, startApp, type RunningApp } from './helpers';

const PUBLIC_BASE = 'https://cds.example.org';
const ISSUER_A = 'https://ehr-a.example.org'; // ES384, inline JWKS
const ISSUER_B = 'https://ehr-b.example.org'; // RS384, JWKS by URL, an audience set by hand
const EPIC_AUDIENCE = 'https://configured-by-hand.example.org/cds';

const es = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const rs = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-384' });

const publicJwk = (key: KeyObject, kid: string, alg: string): Record<string, unknown> => ({ ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' });

let app: RunningApp;
let jwksServer: Server;
let jwksUrl: string;
let jwksFetches = 0;
/** Requests to a jku that no issuer allowlists: must stay 0 whatever the token says. */
let foreignFetches = 0;
/** What the CDS Hooks sandbox puts in every token's header. */
const SANDBOX_JKU = 'https://sandbox.cds-hooks.org/.well-known/jwks.json';

beforeAll(async () => {
  const keys = express();
  keys.get('/jwks.json', (_req, res) => {
    jwksFetches += 1;
    res.json({ keys: [publicJwk(rs.publicKey, 'rs-key', 'RS384')] });
  });
  keys.get('/other.json', (_req, res) => {
    foreignFetches += 1;
    res.json({ keys: [publicJwk(stranger.publicKey, 'stranger', 'ES384')] });
  });
  jwksServer = await new Promise<Server>((resolve) => {
    const server = keys.listen(0, '127.0.0.1', () => resolve(server));
  });
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-cds-auth-'));
  const issuersFile = path.join(dir, 'trusted-issuers.json');
  fs.writeFileSync(
    issuersFile,
    JSON.stringify([
      { iss: ISSUER_A, jwks: { keys: [publicJwk(es.publicKey, 'es-key', 'ES384')] } },
      { iss: ISSUER_B, jwksUrl, audiences: [EPIC_AUDIENCE] },
    ]),
  );
  app = await startApp({ CDS_TRUSTED_ISSUERS_FILE: issuersFile, CDS_PUBLIC_BASE_URL: PUBLIC_BASE, CDS_DEADLINE_MS: '20000' });
});
afterAll(async () => {
  await app.close();
  jwksServer.close();
});

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

interface TokenSpec {
  alg?: string;
  kid?: string;
  jku?: string;
  key?: KeyObject;
  hmacSecret?: Buffer;
  claims?: Record<string, unknown>;
}

function token(spec: TokenSpec = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const alg = spec.alg ?? 'ES384';
  const header = { alg, typ: 'JWT', ...(spec.kid !== '' ? { kid: spec.kid ?? 'es-key' } : {}), ...(spec.jku ? { jku: spec.jku } : {}) };
  const payload = { iss: ISSUER_A, aud: `${PUBLIC_BASE}/cds-services/lamo-medication-review`, iat: now, exp: now + 300, jti: randomUUID(), ...spec.claims };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  let signature: Buffer;
  if (alg === 'none') signature = Buffer.alloc(0);
  else if (alg.startsWith('HS')) signature = createHmac(`sha${alg.slice(2)}`, spec.hmacSecret ?? Buffer.from('secret')).update(input).digest();
  else if (alg.startsWith('ES')) signature = cryptoSign(`sha${alg.slice(2)}`, Buffer.from(input), { key: spec.key ?? es.privateKey, dsaEncoding: 'ieee-p1363' });
  else signature = cryptoSign(`sha${alg.slice(2)}`, Buffer.from(input), spec.key ?? rs.privateKey);
  return `${input}.${b64url(signature)}`;
}

const body = (): Record<string, unknown> => ({
  hook: 'patient-view',
  hookInstance: randomUUID(),
  context: { patientId: 'p1' },
  prefetch: { conditions: null, medications: null },
});

async function hookCall(jwt: string | undefined, service = 'lamo-medication-review'): Promise<number> {
  const response = await call(`${app.url}/cds-services/${service}`, { body: body(), headers: jwt === undefined ? {} : { authorization: `Bearer ${jwt}` } });
  if (response.status === 401) {
    expect(response.body).toBeUndefined(); // no detail
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  }
  return response.status;
}

const now = (): number => Math.floor(Date.now() / 1000);

test.each<[string, number, () => string | undefined]>([
  ['ES384, key inline, aud = the URL called', 200, () => token()],
  ['RS384, JWKS fetched from jwksUrl', 200, () => token({ alg: 'RS384', kid: 'rs-key', claims: { iss: ISSUER_B } })],
  ['RS384 with an allowlisted jku header', 200, () => token({ alg: 'RS384', kid: 'rs-key', jku: jwksUrl, claims: { iss: ISSUER_B } })],
  ['aud = the issuer\'s configured audience (Epic)', 200, () => token({ alg: 'RS384', kid: 'rs-key', claims: { iss: ISSUER_B, aud: EPIC_AUDIENCE } })],
  ['aud as an array holding the URL called', 200, () => token({ claims: { aud: ['https://other.example.org', `${PUBLIC_BASE}/cds-services/lamo-medication-review`] } })],
  ['expired 30 s ago (within the 60 s skew)', 200, () => token({ claims: { exp: now() - 30, iat: now() - 330 } })],
  ['no Authorization header', 401, () => undefined],
  ['wrong aud (another service)', 401, () => token({ claims: { aud: `${PUBLIC_BASE}/cds-services/lamo-order-sign` } })],
  ['another issuer\'s configured audience', 401, () => token({ claims: { aud: EPIC_AUDIENCE } })],
  ['expired 2 minutes ago', 401, () => token({ claims: { exp: now() - 120, iat: now() - 420 } })],
  ['issued 5 minutes in the future', 401, () => token({ claims: { iat: now() + 300, exp: now() + 600 } })],
  ['no jti', 401, () => token({ claims: { jti: undefined } })],
  ['unknown kid', 401, () => token({ kid: 'no-such-key' })],
  ['no kid', 401, () => token({ kid: '' })],
  ['signed by a key the issuer does not have (same kid)', 401, () => token({ key: stranger.privateKey })],
  ['alg: none', 401, () => token({ alg: 'none' })],
  ['HS256 with a shared secret', 401, () => token({ alg: 'HS256' })],
  ['HS384 keyed with the issuer\'s public key (algorithm confusion)', 401, () => token({ alg: 'HS384', kid: 'rs-key', hmacSecret: rs.publicKey.export({ type: 'spki', format: 'pem' }) as Buffer, claims: { iss: ISSUER_B } })],
  ['RS256 (not an accepted algorithm)', 401, () => token({ alg: 'RS256', kid: 'rs-key', claims: { iss: ISSUER_B } })],
  ['untrusted issuer', 401, () => token({ claims: { iss: 'https://evil.example.org' } })],
  ['jku not on the allowlist', 401, () => token({ alg: 'ES384', kid: 'stranger', key: stranger.privateKey, jku: jwksUrl.replace('jwks.json', 'other.json') })],
  ['sandbox-style: ES384, configured kid, foreign jku', 200, () => token({ jku: SANDBOX_JKU })],
  ['foreign jku, configured kid of an issuer whose keys are at its jwksUrl', 200, () => token({ alg: 'RS384', kid: 'rs-key', jku: jwksUrl.replace('jwks.json', 'other.json'), claims: { iss: ISSUER_B } })],
  ['foreign jku with an unknown kid', 401, () => token({ kid: 'stranger', key: stranger.privateKey, jku: SANDBOX_JKU })],
  ['foreign jku, configured kid, signed by another key', 401, () => token({ key: stranger.privateKey, jku: jwksUrl.replace('jwks.json', 'other.json') })],
  ['tampered payload', 401, () => { const [h, , s] = token().split('.'); return `${h}.${b64url(JSON.stringify({ iss: ISSUER_A, aud: `${PUBLIC_BASE}/cds-services/lamo-medication-review`, iat: now(), exp: now() + 300, jti: randomUUID(), admin: true }))}.${s}`; }],
  ['not a JWT', 401, () => 'definitely-not-a-jwt'],
])('%s → %i', async (_name, expected, make) => {
  expect(await hookCall(make())).toBe(expected);
});

test('a jku off the allowlist is never fetched, whether the kid is known or not', async () => {
  const foreign = jwksUrl.replace('jwks.json', 'other.json');
  expect(await hookCall(token({ jku: foreign }))).toBe(200);
  expect(await hookCall(token({ kid: 'stranger', key: stranger.privateKey, jku: foreign }))).toBe(401);
  // Including every token of the matrix above that named it.
  expect(foreignFetches).toBe(0);
});

test('a replayed jti is rejected while the token lives', async () => {
  const jwt = token();
  expect(await hookCall(jwt)).toBe(200);
  expect(await hookCall(jwt)).toBe(401);
});

test('the JWKS fetched from a URL is cached', async () => {
  const before = jwksFetches;
  for (let i = 0; i < 3; i++) expect(await hookCall(token({ alg: 'RS384', kid: 'rs-key', claims: { iss: ISSUER_B } }))).toBe(200);
  expect(jwksFetches - before).toBeLessThanOrEqual(1);
});

test('the token is checked before the body is read, and feedback needs one too', async () => {
  const malformed = await call(`${app.url}/cds-services/lamo-medication-review`, { raw: '{not json' });
  expect(malformed.status).toBe(401);
  const feedback = await call(`${app.url}/cds-services/lamo-medication-review/feedback`, {
    body: { feedback: [{ card: randomUUID(), outcome: 'overridden', outcomeTimestamp: new Date().toISOString() }] },
  });
  expect(feedback.status).toBe(401);
  const aud = `${PUBLIC_BASE}/cds-services/lamo-medication-review/feedback`;
  const accepted = await call(`${app.url}/cds-services/lamo-medication-review/feedback`, {
    body: { feedback: [{ card: randomUUID(), outcome: 'overridden', outcomeTimestamp: new Date().toISOString() }] },
    headers: { authorization: `Bearer ${token({ claims: { aud } })}` },
  });
  expect(accepted.status).toBe(200);
});

test('discovery and health stay open; cards link the model card under the public base URL', async () => {
  expect((await call(`${app.url}/cds-services`)).status).toBe(200);
  expect((await call(`${app.url}/healthz`)).status).toBe(200);
  const response = await call<{ cards: { source: { url: string } }[] }>(`${app.url}/cds-services/lamo-order-sign`, {
    body: {
      hook: 'order-sign',
      hookInstance: randomUUID(),
      context: {
        patientId: 'p1',
        draftOrders: {
          resourceType: 'Bundle',
          entry: [
            { resource: { resourceType: 'MedicationRequest', id: 'd1', status: 'draft', intent: 'order', subject: { reference: 'Patient/p1' }, medicationCodeableConcept: { text: 'Warfarin Sodium 5 MG Oral Tablet' } } },
            { resource: { resourceType: 'MedicationRequest', id: 'd2', status: 'draft', intent: 'order', subject: { reference: 'Patient/p1' }, medicationCodeableConcept: { text: 'Ibuprofen 200 MG Oral Tablet' } } },
          ],
        },
      },
    },
    headers: { authorization: `Bearer ${token({ claims: { aud: `${PUBLIC_BASE}/cds-services/lamo-order-sign` } })}` },
  });
  expect(response.status).toBe(200);
  expect(response.body.cards.length).toBeGreaterThan(0);
  for (const card of response.body.cards) expect(card.source.url).toBe(`${PUBLIC_BASE}/model-card`);
});
