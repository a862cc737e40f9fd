/**
 * The app's token is bound to the patient (issue 16.5). A token launched for patient A, sent with patient B's
 * id, must not open B. With token introspection (RFC 7662, offered in the EHR's SMART configuration) the
 * token's `patient` decides; without it, the Patient read with the token is all there is, and the EHR's own
 * scoping is what binds the token (the README says so). Against the EHR stand-in, whose FHIR server here lets
 * any live token read any patient, as the SMART App Launcher's proxy does.
 */
import { createLogger } from '../../src/cds/logger';
import type { AppAssessment } from '../../src/cds/app-wire';
import { loadConfig } from '../../src/server/config';
import { call } from '../cds/helpers';
import { PLAIN_PATIENT, WARFARIN_PATIENT } from '../support/cds-requests';
import { startWorld, type AppWorld, type EhrVariant } from './helpers';

const TYPES = ['Encounter', 'Condition', 'Procedure', 'MedicationRequest', 'AllergyIntolerance', 'DocumentReference'] as const;
const INTROSPECTOR = { clientId: 'lamo-introspector', clientSecret: 'introspection-secret-5d1f0a' };

function body(world: AppWorld, patientId: string): Record<string, unknown> {
  const resources = world.patients.get(patientId)!;
  return { patientId, resources: Object.fromEntries([['Patient', resources.filter((r) => r.resourceType === 'Patient')], ...TYPES.map((t) => [t, resources.filter((r) => r.resourceType === t)])]) };
}

async function post(world: AppWorld, patientId: string, token: string): Promise<number> {
  const response = await call<AppAssessment>(`${world.service.url}/app/api/assessment`, {
    body: body(world, patientId),
    headers: { origin: world.service.url, authorization: `Bearer ${token}`, 'x-fhir-server': world.ehr.fhirBase },
  });
  return response.status;
}

function withWorld(variant: EhrVariant, env: Record<string, string>, tests: (get: () => AppWorld, logs: string[]) => void): void {
  let world: AppWorld;
  const logs: string[] = [];
  beforeAll(async () => {
    world = await startWorld(env, variant, { logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }) });
  });
  afterAll(async () => {
    await world?.close();
  });
  tests(() => world, logs);
}

describe('an EHR with introspection that accepts the token itself (as the SMART App Launcher)', () => {
  withWorld({ patientScoped: false, introspection: { acceptsBearer: true } }, {}, (world, logs) => {
    test('a token for patient A opens A, never B; the FHIR proxy would have let it read B', async () => {
      const forPlain = world().ehr.issueToken(PLAIN_PATIENT);
      expect(await post(world(), PLAIN_PATIENT, forPlain)).toBe(200);
      expect(await post(world(), WARFARIN_PATIENT, forPlain)).toBe(401);
      // The proxy itself answers the Patient read of B with A's token: that check alone would have passed.
      const read = await fetch(`${world().ehr.fhirBase}/Patient/${WARFARIN_PATIENT}`, { headers: { authorization: `Bearer ${forPlain}` } });
      expect(read.status).toBe(200);
      expect(world().ehr.log).toContain('auth POST /introspect');
    });

    test('a token without a patient, or one no longer active, is a 401; the reason is logged, the token never', async () => {
      const noPatient = world().ehr.issueToken(undefined);
      expect(await post(world(), PLAIN_PATIENT, noPatient)).toBe(401);
      const revoked = world().ehr.issueToken(PLAIN_PATIENT);
      world().ehr.revokeToken(revoked);
      expect(await post(world(), PLAIN_PATIENT, revoked)).toBe(401);
      const reasons = logs.map((line) => JSON.parse(line) as { event?: string; reason?: string }).filter((e) => e.event === 'app.auth_rejected').map((e) => e.reason);
      expect(reasons).toEqual(expect.arrayContaining(['introspection: the token names no patient', 'introspection: the token was issued for another patient']));
      // A revoked token cannot authorize its own introspection either: the endpoint refuses the call.
      expect(reasons).toContain('the introspection endpoint answered 401');
      for (const token of [noPatient, revoked]) expect(logs.join('\n')).not.toContain(token);
    });
  });
});

describe('an EHR whose introspection needs client credentials', () => {
  describe('configured with them', () => {
    withWorld(
      { patientScoped: false, introspection: { acceptsBearer: false, clients: [INTROSPECTOR] } },
      { LAMO_APP_INTROSPECTION_CLIENT_ID: INTROSPECTOR.clientId, LAMO_APP_INTROSPECTION_CLIENT_SECRET: INTROSPECTOR.clientSecret },
      (world, logs) => {
        test('the token is introspected with the client credentials: its own patient only', async () => {
          const forPlain = world().ehr.issueToken(PLAIN_PATIENT);
          expect(await post(world(), PLAIN_PATIENT, forPlain)).toBe(200);
          expect(await post(world(), WARFARIN_PATIENT, forPlain)).toBe(401);
          expect(logs.join('\n')).not.toContain(INTROSPECTOR.clientSecret);
        });
      },
    );
  });
  describe('not configured with them', () => {
    withWorld({ patientScoped: false, introspection: { acceptsBearer: false, clients: [INTROSPECTOR] } }, {}, (world) => {
      test('the introspection fails, so no token is trusted: 401', async () => {
        expect(await post(world(), PLAIN_PATIENT, world().ehr.issueToken(PLAIN_PATIENT))).toBe(401);
      });
    });
  });
});

describe('an EHR without introspection: the Patient read stays, and the EHR\'s scoping binds the token', () => {
  withWorld({ patientScoped: false }, {}, (world) => {
    test('a token its FHIR server lets read another patient opens that patient (the documented limit)', async () => {
      const forPlain = world().ehr.issueToken(PLAIN_PATIENT);
      expect(await post(world(), PLAIN_PATIENT, forPlain)).toBe(200);
      expect(await post(world(), WARFARIN_PATIENT, forPlain)).toBe(200);
      expect(world().ehr.log).not.toContain('auth POST /introspect');
    });
  });
});

test('introspection client credentials are set together and never echoed', () => {
  expect(() => loadConfig({ LAMO_APP_INTROSPECTION_CLIENT_ID: 'x' })).toThrow(/LAMO_APP_INTROSPECTION_CLIENT_ID and LAMO_APP_INTROSPECTION_CLIENT_SECRET must be set together/);
  expect(() => loadConfig({ LAMO_APP_INTROSPECTION_CLIENT_SECRET: 'top-secret-value' })).toThrow(/^(?!.*top-secret-value)/);
  expect(loadConfig({ LAMO_APP_INTROSPECTION_CLIENT_ID: 'a', LAMO_APP_INTROSPECTION_CLIENT_SECRET: 'b' }).smartApp.introspectionClient).toEqual({ clientId: 'a', clientSecret: 'b' });
});
